package connector

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/quota"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestReconciliationEstimate: with reconcile_days 2, every other daily
// read reconciles. It asks again for the settled meetings the reads
// between skip, so it costs more than they do; its estimate comes from the
// last reconciliation's counts (the first one's from the full read's),
// which the state keeps apart from the daily reads', and comes out close
// to what it sends where the daily reads' counts would be far below.
func TestReconciliationEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("five reads of the small dataset; not in -short")
	}
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 5, Start: time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)})
	cfg := writeConfig(t, with(readConfig(f), "reconcile_days", 2, "plan", "business",
		"rate_limits", map[string]any{"light": 5000, "medium": 5000, "heavy": 5000, "resource_intensive": 300000}))
	dir := t.TempDir()
	sf := filepath.Join(dir, "state.json")
	selected := strings.Split(changeStreams, ",")
	var sent []int
	var estimated []int64
	for day := range 5 {
		if day > 0 {
			if _, err := f.sim.Advance(24 * time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		var est *quota.Estimate
		if day > 0 {
			st, err := state.Load(sf)
			if err != nil {
				t.Fatal(err)
			}
			inc := map[string]bool{}
			for _, n := range selected {
				inc[n] = true
			}
			est = quota.Make(quota.Read{Selected: selected, Incremental: inc, State: st, SettleDays: 3, ReconcileDays: 2, Now: f.sim.Clock()}, nil)
		}
		before := f.sim.Counters().Snapshot().TotalRequests
		var so, se bytes.Buffer
		code := Main(context.Background(), []string{"read", "--config", cfg, "--allow-host", f.host, "--streams", changeStreams,
			"--format", "jsonl", "--output", filepath.Join(dir, "out"), "--state-file", sf},
			IO{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se, Getenv: func(string) string { return "" }, Now: f.sim.Clock})
		if code != 0 {
			t.Fatalf("day %d: exit %d\n%s", day, code, tail(se.String(), 3000))
		}
		sent = append(sent, f.sim.Counters().Snapshot().TotalRequests-before)
		if est == nil {
			estimated = append(estimated, 0)
			continue
		}
		estimated = append(estimated, est.Total.Total())
		want := map[int]quota.Source{1: quota.FromLastIncremental, 2: quota.FromLastFullForReconcile, 3: quota.FromLastIncremental, 4: quota.FromLastReconcile}[day]
		if day == 1 {
			want = quota.FromLastFullForDaily
		}
		if src := quota.Sources(est); !strings.Contains(src, string(want)+": ") || !strings.Contains(se.String(), string(want)) {
			t.Errorf("day %d: estimated from %q, want %q; stderr:\n%s", day, src, want, tail(se.String(), 2000))
		}
	}
	t.Logf("requests sent per read %v, estimated %v", sent, estimated)
	st, err := state.Load(sf)
	if err != nil {
		t.Fatal(err)
	}
	r := st.Streams["meeting_registrants"].Requests
	if r == nil || r.Full == nil || r.Incremental == nil || r.Reconcile == nil || r.Reconcile[string(zoomapi.CategoryMedium)] <= r.Incremental[string(zoomapi.CategoryMedium)] {
		t.Errorf("meeting_registrants keeps %+v: want full, incremental and reconcile counts, the reconciliation's above the daily read's", r)
	}
	if sent[2] <= sent[1]*5/4 || sent[4] <= sent[3]*5/4 {
		t.Errorf("the reconciliations (reads 3 and 5) sent %d and %d requests, the daily reads before them %d and %d: want clearly more", sent[2], sent[4], sent[1], sent[3])
	}
	if e, n := estimated[4], int64(sent[4]); e < n*9/10 || e > n*11/10 {
		t.Errorf("the second reconciliation was estimated at %d requests and sent %d: want within 10%%", e, n)
	}
}
