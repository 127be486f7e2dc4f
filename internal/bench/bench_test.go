package bench

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestQuick runs the --quick path end to end: every section, the report
// and its JSON. The figures are not checked against the targets (those
// belong in the report), only that they were measured and add up.
func TestQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the connector and runs reads")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{Quick: true, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Sync
	if s.Records == 0 || s.WallSeconds <= 0 || s.FloorSeconds <= 0 || s.TokenRequests < 1 {
		t.Errorf("rate-limited read not measured: %+v", s)
	}
	if len(s.Incomplete) > 0 {
		t.Errorf("incomplete streams: %v", s.Incomplete)
	}
	if d := s.Diffs(); s.Limited429 == 0 && len(d) > 0 {
		t.Errorf("requests differ from the minimum without 429s: %+v", d)
	}
	if rep.Baseline == nil || rep.Baseline.Run.MaxConcurrency != 1 || rep.Baseline.Speedup <= 0 {
		t.Errorf("baseline: %+v", rep.Baseline)
	}
	if len(rep.Throughput) != len(Formats) {
		t.Fatalf("throughput: %d formats, want %d", len(rep.Throughput), len(Formats))
	}
	for _, r := range rep.Throughput {
		if r.Records == 0 || r.ConnectorCPUSeconds <= 0 || r.PeakRSSBytes <= 0 {
			t.Errorf("throughput %s: %+v", r.Format, r)
		}
	}
	if len(rep.Memory) != 2 || rep.Memory[1].Read.PeakRSSBytes <= 0 {
		t.Errorf("memory: %+v", rep.Memory)
	}
	md := rep.Markdown()
	for _, want := range []string{"## 1. Rate-limited sync", "## 2. One request at a time", "## 3. Throughput", "## 4. Memory", "## 5. Write", "Batch adds register"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Error(err)
	}
}

// TestMinimumMatchesTruth checks the minimum's partitions against the
// simulator's ground truth on the tiny dataset: one meeting detail per
// listed meeting, one report per past instance.
func TestMinimumMatchesTruth(t *testing.T) {
	now := time.Now()
	d, err := zoomsim.Generate("tiny", 1, now)
	if err != nil {
		t.Fatal(err)
	}
	truth := d.Truth()
	m := MinimumRequests(d, nil, 300, now)
	if got, want := m.ByEndpoint["GET /report/meetings/{meetingId}"], len(truth["report_meetings"]); got != want {
		t.Errorf("report meetings: %d requests, truth has %d records", got, want)
	}
	if got, want := m.ByEndpoint["GET /report/daily"], 6; got != want {
		t.Errorf("report daily: %d, want %d", got, want)
	}
	if m.ByEndpoint["GET /meetings/{meetingId}"] < len(truth["meetings"]) {
		t.Errorf("meeting details %d < meetings %d", m.ByEndpoint["GET /meetings/{meetingId}"], len(truth["meetings"]))
	}
	sub := MinimumRequests(d, []string{"report_daily"}, 300, now)
	if sub.Total != 6 {
		t.Errorf("report_daily alone: %d requests, want 6: %v", sub.Total, sub.ByEndpoint)
	}
}

// BenchmarkReadTiny reads every stream of the tiny dataset in process
// with the unlimited plan, for `go test -bench` comparisons.
func BenchmarkReadTiny(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		r, err := runSync(context.Background(), dir, syncCase{dataset: "tiny", seed: 1, plan: "unlimited", concurrency: 8, pageSize: 300})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Records), "records/op")
	}
}

// TestReportComparesAirbyteWithJSONL: the throughput section states the
// Airbyte format's connector CPU per record against JSON lines'.
func TestReportComparesAirbyteWithJSONL(t *testing.T) {
	rep := &Report{Throughput: []*ChildRead{
		{Dataset: "small", Format: "airbyte", Records: 1000, ConnectorCPUSeconds: 0.03},
		{Dataset: "small", Format: "jsonl", Records: 1000, ConnectorCPUSeconds: 0.025},
	}}
	ab, jl, ok := rep.AirbyteVsJSONL()
	if !ok || ab != 30 || jl != 25 {
		t.Fatalf("AirbyteVsJSONL = %v, %v, %v; want 30, 25, true", ab, jl, ok)
	}
	if md := rep.Markdown(); !strings.Contains(md, "30.0 µs of connector CPU per record against 25.0 µs, **1.20×**") {
		t.Errorf("markdown lacks the comparison:\n%s", md)
	}
	if _, _, ok := (&Report{Throughput: rep.Throughput[:1]}).AirbyteVsJSONL(); ok {
		t.Error("comparison made without a JSON lines read")
	}
}
