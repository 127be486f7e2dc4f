package engine

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// A partition is one request sequence of a stream: for one parent record
// (none for a root stream), one fanout entry and one time window. Its key
// (parent path values, fanout values, window) is what the state records as
// done. This file holds the pure functions that make them; the engine
// supplies the clock and the state (planWindows, partitions).

// window is one time window of a windowed stream: its query, its part of
// the partition key, and its last day (for cursors).
type window struct {
	query url.Values
	key   string
	end   time.Time
}

// windowRules are what a stream's windows depend on besides the stream.
type windowRules struct {
	// today is the read's day (UTC midnight).
	today time.Time
	// start is start_date (zero: defaultMonths before today).
	start time.Time
	// cursor is an incremental read's cursor (zero: none), lookback how
	// far before it the read starts.
	cursor   time.Time
	lookback time.Duration
}

// defaultMonths is how far back windowed streams read without start_date:
// as far as Zoom serves reports.
const defaultMonths = zoomapi.ReportRetentionMonths

// windows splits [start, today] into calendar months, as Zoom requires
// windows of at most a month. The start is start_date (six months ago
// without one), moved forward to the stream's MaxAgeMonths (reports: Zoom
// keeps no older data) and, for an incremental read, to the cursor less the
// lookback.
func windows(s streams.Stream, r windowRules) []window {
	today := r.today
	from := windowStart(s, r)
	var out []window
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(today); m = m.AddDate(0, 1, 0) {
		lo, hi := m, m.AddDate(0, 1, -1)
		if lo.Before(from) {
			lo = from
		}
		if hi.After(today) {
			hi = today
		}
		out = append(out, monthWindow(s.Window, m, lo, hi))
	}
	return out
}

// windowStart is the first day a stream's windows cover.
func windowStart(s streams.Stream, r windowRules) time.Time {
	today := r.today
	from := today.AddDate(0, -defaultMonths, 0)
	if !r.start.IsZero() {
		from = r.start.UTC().Truncate(24 * time.Hour)
	}
	if s.MaxAgeMonths > 0 {
		if oldest := today.AddDate(0, -s.MaxAgeMonths, 0); from.Before(oldest) {
			from = oldest
		}
	}
	floor := from
	if !r.cursor.IsZero() {
		if c := r.cursor.Add(-r.lookback).Truncate(24 * time.Hour); c.After(from) {
			from = c
		}
	}
	if from.After(today) { // a cursor in the future (a clock set wrong)
		from = today
	}
	if s.WindowKeys {
		// Rows that are totals over their window keep calendar-month
		// windows, so a re-read month has the same key.
		from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
		if from.Before(floor) {
			from = floor
		}
	}
	if s.Window == streams.YearMonthWindow {
		// /report/daily takes the current month and the five before it.
		if first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -5, 0); from.Before(first) {
			from = first
		}
	}
	return from
}

// monthWindow is the window of month m, from lo to hi, in the form the
// stream's endpoint takes.
func monthWindow(kind streams.Window, m, lo, hi time.Time) window {
	switch kind {
	case streams.YearMonthWindow:
		return window{
			query: url.Values{"year": {strconv.Itoa(m.Year())}, "month": {strconv.Itoa(int(m.Month()))}},
			key:   m.Format("2006-01"), end: hi,
		}
	case streams.MonthTimeWindow:
		return window{
			query: url.Values{"from": {lo.Format(time.DateOnly) + "T00:00:00Z"}, "to": {hi.Format(time.DateOnly) + "T23:59:59Z"}},
			key:   lo.Format(time.DateOnly) + ".." + hi.Format(time.DateOnly), end: hi,
		}
	default:
		return window{
			query: url.Values{"from": {lo.Format(time.DateOnly)}, "to": {hi.Format(time.DateOnly)}},
			key:   lo.Format(time.DateOnly) + ".." + hi.Format(time.DateOnly), end: hi,
		}
	}
}

// partitionsOf returns the tasks that read stream s for one parent record
// (nil for a root stream): one per fanout entry and window (wins, the
// stream's windows; ignored for a stream without windows).
func partitionsOf(s streams.Stream, parent map[string]any, wins []window) []task {
	base := ""
	if parent != nil {
		for _, ph := range sortedKeys(s.PathFrom) {
			base += ph + "=" + jsonrec.Str(parent[s.PathFrom[ph]]) + ";"
		}
	}
	fan := s.Fanout
	if len(fan) == 0 {
		fan = []url.Values{nil}
	}
	if s.Window == streams.NoWindow {
		wins = []window{{}}
	}
	out := make([]task, 0, len(fan)*len(wins))
	for _, f := range fan {
		for _, w := range wins {
			q := url.Values{}
			for k, v := range s.Query {
				q[k] = slices.Clone(v)
			}
			key := base
			for _, k := range sortedKeys(f) {
				q[k] = slices.Clone(f[k])
				key += k + "=" + f.Get(k) + ";"
			}
			for k, v := range w.query {
				q[k] = v
			}
			key += w.key
			if key == "" {
				key = "all"
			}
			out = append(out, task{stream: s, parent: parent, partKey: key, query: q, winEnd: w.end})
		}
	}
	return out
}

// detailKey is the partition key of the detail of an item listed in the
// partition key listKey: the item's value of the first DetailFrom field in
// sorted order (never map order: the key must be the same in every run).
func detailKey(s streams.Stream, listKey string, item map[string]any) string {
	return listKey + "detail=" + jsonrec.Str(item[s.DetailFrom[firstKey(s.DetailFrom)]])
}

func firstKey(m map[string]string) string {
	if keys := sortedKeys(m); len(keys) > 0 {
		return keys[0]
	}
	return ""
}

// newEnough reports whether a record's cursor value v is past a stream's
// saved cursor less the lookback. Without a lookback only what is past the
// cursor is new. With one, the lookback's first instant is included: a
// record exactly at the cursor less the lookback (a daily report row of
// the day before the cursor's day, with lookback_days 1) is read again, as
// its window is. A cursor or value that is not a time lets it through.
func newEnough(cursor string, v any, lookback time.Duration) bool {
	c, ok := parseTime(cursor)
	if !ok {
		return true
	}
	t, ok := parseTime(jsonrec.Str(v))
	if !ok {
		return true
	}
	if lookback <= 0 {
		return t.After(c)
	}
	return !t.Before(c.Add(-lookback))
}

// planWindows computes the windows of every windowed stream of the read
// from its clock, options and starting state.
func (e *engine) planWindows(st *state.State) map[string][]window {
	out := map[string][]window{}
	for _, s := range e.plan.order {
		if s.Window == streams.NoWindow {
			continue
		}
		r := windowRules{today: e.now.Truncate(24 * time.Hour), start: e.opts.StartDate, lookback: e.lookback(s.Name)}
		if e.opts.Incremental[s.Name] {
			r.cursor, _ = parseTime(st.Streams[s.Name].Cursor)
		}
		out[s.Name] = windows(s, r)
	}
	return out
}

// partitions returns the tasks that read stream s for one parent record.
func (e *engine) partitions(s streams.Stream, parent map[string]any) []task {
	return partitionsOf(s, parent, e.windows[s.Name])
}

// lookback is how far before its cursor a stream's incremental read starts.
func (e *engine) lookback(stream string) time.Duration {
	if d, ok := e.opts.StreamLookback[stream]; ok {
		return d
	}
	return e.opts.Lookback
}

// parseTime parses a cursor value: an RFC 3339 time or a date.
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
