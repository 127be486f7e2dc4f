package connector

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/output/outputtest"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestWindowsPerStream checks how far back each windowed stream reads: the
// reports stop at six months (Zoom keeps no older data), recordings reach
// back to start_date (Zoom documents no age limit, only a month per
// request), and without start_date every stream reads six months.
func TestWindowsPerStream(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	start := time.Date(2024, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		stream    string
		start     time.Time
		first     string // the first window's from (or year-month)
		n         int
		yearMonth bool
	}{
		{"recordings", start, "2024-11-20", 17, false},
		{"recordings", time.Time{}, "2025-09-10", 7, false},
		{"report_users", start, "2025-09-10", 7, false},
		{"report_user_meetings", start, "2025-09-10", 7, false},
		{"report_activities", start, "2025-09-10", 7, false},
		{"report_daily", start, "2025-10", 6, true},
		{"report_operation_logs", start, "2024-11-20", 17, false},
		{"report_cloud_recording", start, "2025-09-10", 7, false},
		{"recordings", time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC), "2026-02-03", 2, false},
	} {
		s, _ := streams.ByName(c.stream)
		e := &engine{now: now, opts: ReadOptions{StartDate: c.start}}
		ws := e.windows(s)
		if len(ws) != c.n {
			t.Errorf("%s from %v: %d windows, want %d", c.stream, c.start, len(ws), c.n)
			continue
		}
		first := ws[0].query.Get("from")
		if c.yearMonth {
			first = ws[0].key
		}
		if first != c.first {
			t.Errorf("%s from %v: first window %v, want from %s", c.stream, c.start, ws[0].query, c.first)
		}
		for _, w := range ws {
			if c.yearMonth {
				continue
			}
			from, _ := time.Parse(time.DateOnly, w.query.Get("from"))
			to, _ := time.Parse(time.DateOnly, w.query.Get("to"))
			if to.Before(from) || to.After(from.AddDate(0, 1, 0)) || from.Month() != to.Month() {
				t.Errorf("%s: window %s..%s is not within one calendar month", c.stream, w.query.Get("from"), w.query.Get("to"))
			}
		}
		if last := ws[len(ws)-1].query.Get("to"); !c.yearMonth && last != "2026-03-10" {
			t.Errorf("%s: last window ends %s, want today", c.stream, last)
		}
	}
}

// TestReadRecordingsBeforeSixMonths reads recordings and a report with a
// start_date 14 months back through the command: recordings are asked for
// every month back to start_date, one month per request, and the report
// for six months only; the records match the truth and the warning says
// which streams were held back.
func TestReadRecordingsBeforeSixMonths(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 5})
	now := time.Now().UTC()
	start := now.AddDate(0, -14, 0)
	dir := filepath.Join(t.TempDir(), "out")
	r := runMain(t, "read", "--config", writeConfig(t, readConfig(f, "start_date", start.Format(time.DateOnly))),
		"--allow-host", f.host, "--streams", "recordings,report_users", "--format", "jsonl", "--output", dir)
	if r.code != 0 {
		t.Fatalf("read exit %d\nstderr:\n%s", r.code, tail(r.stderr, 3000))
	}
	if !strings.Contains(r.stderr, "recordings read from start_date") {
		t.Errorf("no warning that reports are clamped and recordings are not:\n%s", tail(r.stderr, 2000))
	}
	users := 0
	for _, u := range f.sim.Dataset().Users {
		if u.ID != "" && u.Status == "active" {
			users++
		}
	}
	months := func(from time.Time) int {
		return (now.Year()*12 + int(now.Month())) - (from.Year()*12 + int(from.Month())) + 1
	}
	req := f.sim.Counters().Snapshot().Requests
	if got, want := req["GET /users/{userId}/recordings"], users*months(start); got != want {
		t.Errorf("recordings: %d requests, want %d (%d users × %d months back to start_date)", got, want, users, months(start))
	}
	if got, want := req["GET /report/users"], months(now.AddDate(0, -6, 0)); got != want {
		t.Errorf("report_users: %d requests, want %d (six months)", got, want)
	}
	recs, err := outputtest.ReadDir(dir, "jsonl", nil)
	if err != nil {
		t.Fatal(err)
	}
	truth := f.sim.Truth()
	for _, s := range []string{"recordings", "report_users"} {
		if len(recs[s]) != len(truth[s]) || len(truth[s]) == 0 {
			t.Errorf("%s: %d records, truth %d", s, len(recs[s]), len(truth[s]))
		}
	}
}

// TestMonthTimeWindows: meeting_summaries sends its month windows as UTC
// date-times (Zoom's from and to take yyyy-MM-dd'T'HH:mm:ss'Z'), back to
// start_date, each window a whole number of days.
func TestMonthTimeWindows(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	s, _ := streams.ByName("meeting_summaries")
	e := &engine{now: now, opts: ReadOptions{StartDate: time.Date(2025, 12, 5, 0, 0, 0, 0, time.UTC)}}
	ws := e.windows(s)
	var got []string
	for _, w := range ws {
		got = append(got, w.query.Get("from")+".."+w.query.Get("to"))
	}
	want := "2025-12-05T00:00:00Z..2025-12-31T23:59:59Z 2026-01-01T00:00:00Z..2026-01-31T23:59:59Z " +
		"2026-02-01T00:00:00Z..2026-02-28T23:59:59Z 2026-03-01T00:00:00Z..2026-03-10T23:59:59Z"
	if strings.Join(got, " ") != want {
		t.Errorf("windows %v, want %s", got, want)
	}
}

// TestLookbackIncludesItsFirstDay is the regression test of a record lost
// by daily syncs (found by TestDailySyncMonth): report_daily's cursor is
// the last date read, today's; with lookback_days 1 the next read asks
// for the month from yesterday, but kept only dates after yesterday, so a
// meeting that started late yesterday and whose report appeared after
// midnight never reached yesterday's row. The window and the record
// filter now agree: the day at the cursor less the lookback is read again.
func TestLookbackIncludesItsFirstDay(t *testing.T) {
	st := state.New()
	st.Stream("report_daily").Cursor = "2026-06-24T00:00:00Z"
	e := &engine{now: time.Date(2026, 6, 25, 0, 0, 0, 0, time.UTC), st: st,
		opts: ReadOptions{Incremental: map[string]bool{"report_daily": true}, Lookback: 24 * time.Hour}}
	for date, want := range map[string]bool{"2026-06-22": false, "2026-06-23": true, "2026-06-24": true, "2026-06-25": true} {
		if got := e.newEnough("report_daily", date); got != want {
			t.Errorf("cursor 2026-06-24, lookback 1 day: date %s read again = %v, want %v", date, got, want)
		}
	}
	// Without a lookback, only what is past the cursor.
	e0 := &engine{now: e.now, st: st, opts: ReadOptions{Incremental: e.opts.Incremental}}
	if e0.newEnough("report_daily", "2026-06-24") || !e0.newEnough("report_daily", "2026-06-25") {
		t.Error("lookback 0: the cursor's own date must not be read again, the next one must")
	}
	s, _ := streams.ByName("report_daily")
	if ws := e.windows(s); len(ws) != 1 || ws[0].key != "2026-06" {
		t.Errorf("windows %v, want the month 2026-06", ws)
	}
}
