package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
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
		ws := windows(s, windowRules{today: now.Truncate(24 * time.Hour), start: c.start})
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

// TestMonthTimeWindows: meeting_summaries sends its month windows as UTC
// date-times (Zoom's from and to take yyyy-MM-dd'T'HH:mm:ss'Z'), back to
// start_date, each window a whole number of days.
func TestMonthTimeWindows(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	s, _ := streams.ByName("meeting_summaries")
	ws := windows(s, windowRules{today: now.Truncate(24 * time.Hour), start: time.Date(2025, 12, 5, 0, 0, 0, 0, time.UTC)})
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
	const cursor = "2026-06-24T00:00:00Z"
	day := 24 * time.Hour
	for date, want := range map[string]bool{"2026-06-22": false, "2026-06-23": true, "2026-06-24": true, "2026-06-25": true} {
		if got := newEnough(cursor, date, day); got != want {
			t.Errorf("cursor 2026-06-24, lookback 1 day: date %s read again = %v, want %v", date, got, want)
		}
	}
	// Without a lookback, only what is past the cursor.
	if newEnough(cursor, "2026-06-24", 0) || !newEnough(cursor, "2026-06-25", 0) {
		t.Error("lookback 0: the cursor's own date must not be read again, the next one must")
	}
	s, _ := streams.ByName("report_daily")
	c, _ := parseTime(cursor)
	r := windowRules{today: time.Date(2026, 6, 25, 0, 0, 0, 0, time.UTC), cursor: c, lookback: day}
	if ws := windows(s, r); len(ws) != 1 || ws[0].key != "2026-06" {
		t.Errorf("windows %v, want the month 2026-06", ws)
	}
}
