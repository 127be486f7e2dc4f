package connector

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/output/outputtest"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

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
