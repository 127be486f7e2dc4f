package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// dailySyncDays is how many simulated days TestDailySyncMonth runs.
const dailySyncDays = 30

// TestDailySyncMonth runs what users rely on most: a read every day
// against an account that changes. On the small dataset at normal
// activity, day 0 reads everything; then, thirty times, the simulated
// clock advances 24 hours and `read --state-file S --format jsonl` writes
// that day's records into its own folder, with the default lookback_days.
// The connector's clock follows the simulator's (IO.Now), as a real
// connector's follows the real one.
//
// Afterwards, per stream, as the README's "What a daily read guarantees"
// table says: every record that exists at the end is in the union of the
// daily outputs merged by primary key (the last version wins) with its
// latest content; a full-refresh stream's last output is exactly the end
// truth (its deletions show there); an incremental stream's union also
// keeps records deleted or aged out since they were read, and nothing
// else.
func TestDailySyncMonth(t *testing.T) {
	if testing.Short() {
		t.Skip("the 30-day sync takes a while; not in -short")
	}
	t.Parallel()
	// Midnight, so reads meet meetings that end just after them, and
	// mid-month, so the month ends inside the run.
	f, outs := dailySync(t, time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC), dailySyncDays, nil)
	truth := f.sim.Truth()
	// The one documented gap: report_users rows are totals over their
	// window, keyed by its from; the oldest window starts six months back,
	// a day that moves daily, and daily reads re-read only recent months.
	oldest := zoomsim.ReportWindows(f.sim.Clock())[0][0]
	unread := func(stream string, rec map[string]any) bool {
		return stream == "report_users" && rec["from"] == oldest && !strings.HasSuffix(oldest, "-01")
	}
	for _, name := range zoomsim.TruthStreams {
		s, _ := streams.ByName(name)
		if s.OffByDefault {
			continue // a read without a catalog does not select it
		}
		if lost, stale := checkDailyStream(t, s, outs, truth[name], unread); lost+stale > 0 {
			t.Errorf("%s: %d records lost and %d stale after %d daily reads", name, lost, stale, len(outs))
		}
	}
}

// TestDailySyncNeedsLookback shows what lookback_days is for: with 0,
// a week of daily reads loses what Zoom publishes late (report data
// appears 30 simulated minutes after a meeting ends, so a meeting that
// ends around a read shows up after it, behind the cursor).
func TestDailySyncNeedsLookback(t *testing.T) {
	if testing.Short() {
		t.Skip("not in -short")
	}
	t.Parallel()
	zero := 0
	f, outs := dailySync(t, time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC), 7, &zero)
	truth := f.sim.Truth()
	never := func(string, map[string]any) bool { return false }
	missed := 0
	for _, name := range []string{"past_meeting_instances", "report_daily"} {
		s, _ := streams.ByName(name)
		lost, stale := checkDailyStream(t, s, outs, truth[name], never)
		missed += lost + stale
	}
	if missed == 0 {
		t.Error("lookback_days 0 lost nothing: the late report data was not exercised")
	}
}

// dailySync starts the small dataset at normal activity with its clock at
// start, reads it in full, then days times advances 24 hours and reads
// incrementally (`read --state-file S --format jsonl`, each day into its
// own folder). lookback, when set, is the config's lookback_days.
func dailySync(t *testing.T, start time.Time, days int, lookback *int) (*simFixture, []map[string][]string) {
	t.Helper()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 21, Start: start})
	c := readConfig(f)
	if lookback != nil {
		c = with(c, "lookback_days", *lookback)
	}
	cfg := writeConfig(t, c)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	began := time.Now()
	var outs []map[string][]string
	var requests []int
	for day := 0; day <= days; day++ {
		if day > 0 {
			if _, err := f.sim.Advance(24 * time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		out := filepath.Join(dir, fmt.Sprintf("day%02d", day))
		var so, se bytes.Buffer
		before := f.sim.Counters().Snapshot()
		code := Main(context.Background(), []string{"read", "--config", cfg, "--allow-host", f.host,
			"--format", "jsonl", "--output", out, "--state-file", state},
			IO{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se, Getenv: func(string) string { return "" }, Now: f.sim.Clock})
		if code != 0 {
			t.Fatalf("day %d: read exit %d\n%s", day, code, tail(se.String(), 3000))
		}
		sent := f.sim.Counters().Snapshot()
		requests = append(requests, sent.TotalRequests-before.TotalRequests)
		outs = append(outs, readJSONLDir(t, out))
	}
	t.Logf("requests per daily read: %v", requests)
	t.Logf("%d reads over %d simulated days: %s; %d changes", len(outs), days, time.Since(began).Round(time.Millisecond),
		len(f.sim.Changes(time.Time{})))
	return f, outs
}

// checkDailyStream checks one stream's daily outputs against the truth at
// the end (see TestDailySyncMonth).
func checkDailyStream(t *testing.T, s streams.Stream, outs []map[string][]string, truth []map[string]any,
	unread func(string, map[string]any) bool) (lost, stale int) {
	t.Helper()
	want := map[string]string{}
	for _, r := range truth {
		if unread(s.Name, r) && s.Incremental() {
			continue
		}
		b, _ := json.Marshal(r)
		c := canonical(t, b)
		want[pkOf(t, s, c)] = c
	}
	union := map[string]string{}
	for day, out := range outs {
		seen := map[string]string{}
		for _, c := range out[s.Name] {
			k := pkOf(t, s, c)
			if prev, ok := seen[k]; ok && prev != c {
				t.Errorf("%s day %d: two versions of %s in one read", s.Name, day, k)
			}
			seen[k], union[k] = c, c
		}
	}
	for k, w := range want {
		g, ok := union[k]
		switch {
		case !ok:
			if lost++; lost <= 3 {
				t.Logf("%s: %s lost: never read\n  truth %.400s", s.Name, k, w)
			}
		case g != w:
			if stale++; stale <= 3 {
				t.Logf("%s: %s stale\n  read  %.400s\n  truth %.400s", s.Name, k, g, w)
			}
		}
	}
	extra := 0
	for k := range union {
		if _, ok := want[k]; !ok {
			extra++
		}
	}
	if !s.Incremental() {
		last := map[string]bool{}
		for _, c := range outs[len(outs)-1][s.Name] {
			last[c] = true
		}
		for _, w := range want {
			if !last[w] {
				t.Errorf("%s (full refresh): the last read lacks %.300s", s.Name, w)
				break
			}
		}
		if len(last) != len(want) {
			t.Errorf("%s (full refresh): the last read has %d records, the truth %d", s.Name, len(last), len(want))
		}
	}
	t.Logf("%-32s truth %5d  union %5d  lost %d  stale %d  gone since read %d", s.Name, len(want), len(union), lost, stale, extra)
	return lost, stale
}

// pkOf renders a record's primary key.
func pkOf(t *testing.T, s streams.Stream, rec string) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(rec))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, path := range s.PrimaryKey {
		var v any = m
		for _, p := range path {
			v, _ = v.(map[string]any)[p]
		}
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, "|")
}
