package bench

import (
	"context"
	"encoding/json"
	"fmt"
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
	// With or without 429s, each endpoint answered its minimum, plus only
	// requests the dataset's facts say could not return data.
	for _, d := range s.Diffs() {
		if d.Answered() < d.Minimum || d.Why == "" || d.Answered()-d.Minimum > s.Minimum.Futile[d.Endpoint].Requests {
			t.Errorf("%s: %d answered (%d sent, %d 429s), minimum %d, futile %+v", d.Endpoint, d.Answered(), d.Sent, d.Refused, d.Minimum, s.Minimum.Futile[d.Endpoint])
		}
	}
	if md, w := rep.Markdown(), s.Diffs(); len(w) > 0 && !strings.Contains(md, "could not return data") {
		t.Errorf("the report does not name the wasted requests %+v", w)
	}
	for _, w := range []*WriteRun{rep.Write.Batch, rep.Write.Single} {
		if w.Registered != w.Rows || !w.SentOnce || w.Minimum["Light"] == 0 {
			t.Errorf("write %s: %d of %d registered, sent once %v, minimum %v", w.Mode, w.Registered, w.Rows, w.SentOnce, w.Minimum)
		}
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
	for _, want := range []string{"## 1. Rate-limited sync", "## 2. One request at a time", "## 3. Throughput", "## 4. Memory", "## 5. Write", "Batch adds register", "Status updates:"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Error(err)
	}
}

// TestMinimumMatchesTruth checks the minimum against the simulator's
// ground truth on the tiny and small datasets: with pages of one record,
// every endpoint whose partitions the truth shows must be asked exactly
// once per record (once per empty partition), and every listed meeting's
// polls are either in the minimum or counted as futile.
func TestMinimumMatchesTruth(t *testing.T) {
	now := time.Now()
	for _, preset := range []string{"tiny", "small"} {
		d, err := zoomsim.Generate(preset, 1, now)
		if err != nil {
			t.Fatal(err)
		}
		truth := d.Truth()
		m := MinimumRequests(d, nil, 1, now)
		big := MinimumRequests(d, nil, 1<<30, now)
		partitions := func(stream string, keys ...string) int { // distinct parent keys among a stream's records
			seen := map[string]bool{}
			for _, r := range truth[stream] {
				k := ""
				for _, f := range keys {
					k += fmt.Sprint(r[f]) + "|"
				}
				seen[k] = true
			}
			return len(seen)
		}
		withRegistration := func(stream, idKey string) int { // sum over targets and statuses of max(1, records)
			n := map[string]int{}
			for _, r := range truth[stream] {
				n[fmt.Sprint(r[idKey], "|", r["status"])]++
			}
			total := 0
			for _, q := range truth[strings.Replace(stream, "registrants", "registration_questions", 1)] {
				for _, st := range []string{"approved", "pending", "denied"} {
					total += max(1, n[fmt.Sprint(q[idKey], "|", st)])
				}
			}
			return total
		}
		instances := len(truth["past_meeting_instances"])
		checks := []struct {
			endpoint string
			got      int
			want     int
		}{
			{"GET /meetings/{meetingId}", m.ByEndpoint["GET /meetings/{meetingId}"], len(truth["meetings"])},
			{"GET /past_meetings/{meetingId}/instances", m.ByEndpoint["GET /past_meetings/{meetingId}/instances"], len(truth["meetings"])},
			{"GET /webinars/{webinarId}", m.ByEndpoint["GET /webinars/{webinarId}"], len(truth["webinars"])},
			{"GET /meetings/{meetingId}/registrants/questions", m.ByEndpoint["GET /meetings/{meetingId}/registrants/questions"], len(truth["meeting_registration_questions"])},
			{"GET /webinars/{webinarId}/registrants/questions", m.ByEndpoint["GET /webinars/{webinarId}/registrants/questions"], len(truth["webinar_registration_questions"])},
			{"GET /meetings/{meetingId}/registrants", m.ByEndpoint["GET /meetings/{meetingId}/registrants"], withRegistration("meeting_registrants", "meeting_id")},
			{"GET /webinars/{webinarId}/registrants", m.ByEndpoint["GET /webinars/{webinarId}/registrants"], withRegistration("webinar_registrants", "webinar_id")},
			{"GET /past_meetings/{meetingId}/polls", m.ByEndpoint["GET /past_meetings/{meetingId}/polls"], instances},
			{"GET /report/meetings/{meetingId}", m.ByEndpoint["GET /report/meetings/{meetingId}"], len(truth["report_meetings"])},
			{"GET /report/webinars/{webinarId}", m.ByEndpoint["GET /report/webinars/{webinarId}"], len(truth["report_webinars"])},
			{"GET /past_meetings/{meetingId}/participants", m.ByEndpoint["GET /past_meetings/{meetingId}/participants"],
				len(truth["past_meeting_participants"]) + instances - partitions("past_meeting_participants", "meeting_uuid")},
			{"GET /report/meetings/{meetingId}/participants", m.ByEndpoint["GET /report/meetings/{meetingId}/participants"],
				len(truth["report_meeting_participants"]) + instances - partitions("report_meeting_participants", "meeting_uuid")},
			{"GET /past_webinars/{webinarId}/participants", m.ByEndpoint["GET /past_webinars/{webinarId}/participants"],
				len(truth["past_webinar_participants"]) + len(truth["report_webinars"]) - partitions("past_webinar_participants", "webinar_uuid")},
			{"GET /meetings/{meetingId}/polls + futile", m.ByEndpoint["GET /meetings/{meetingId}/polls"] + m.Futile["GET /meetings/{meetingId}/polls"].Requests, len(truth["meetings"])},
			{"GET /users (one page per status)", big.ByEndpoint["GET /users"], 3},
			{"GET /users (page size 1)", m.ByEndpoint["GET /users"], len(truth["users"])},
			{"GET /report/daily", m.ByEndpoint["GET /report/daily"], 6},
			// Webinar children per occurrence (issue 17).
			{"GET /past_webinars/{webinarId}/instances", m.ByEndpoint["GET /past_webinars/{webinarId}/instances"], partitions("past_webinar_instances", "webinar_id")},
			{"GET /report/webinars/{webinarId}/survey", m.ByEndpoint["GET /report/webinars/{webinarId}/survey"], len(truth["report_webinars"])},
			{"GET /past_meetings/{meetingId}/qa", m.ByEndpoint["GET /past_meetings/{meetingId}/qa"], instances},
			{"GET /meetings/{meetingId}/transcript", m.ByEndpoint["GET /meetings/{meetingId}/transcript"], len(truth["recording_transcripts"])},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: %s: minimum %d, the truth says %d", preset, c.endpoint, c.got, c.want)
			}
		}
		if f := m.Futile["GET /meetings/{meetingId}/polls"]; f.Requests == 0 || !strings.Contains(f.Why, "3161") {
			t.Errorf("%s: no futile polls of Basic hosts' meetings counted: %+v", preset, f)
		}
		sub := MinimumRequests(d, []string{"report_daily"}, 300, now)
		if sub.Total != 6 || len(sub.Futile) != 0 {
			t.Errorf("%s: report_daily alone: %d requests, want 6: %v, futile %v", preset, sub.Total, sub.ByEndpoint, sub.Futile)
		}
	}
}

// TestChecksRejectAReadThatLostData: the checks that fail a benchmark run
// refuse a read that dropped a stream, lost a record or repeated one.
func TestChecksRejectAReadThatLostData(t *testing.T) {
	d, err := zoomsim.Generate("tiny", 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	truth := d.Truth()
	streams := []string{"users", "meetings", "report_daily"}
	full := func() map[string]map[recordKey]int {
		s := newTruthSink()
		for _, n := range streams {
			for _, r := range truth[n] {
				b, _ := json.Marshal(r)
				if err := s.Write(n, b); err != nil {
					t.Fatal(err)
				}
			}
		}
		return s.got
	}
	if err := checkRecords(full(), truth, streams); err != nil {
		t.Fatalf("a complete read: %v", err)
	}
	dropped := full()
	delete(dropped, "meetings")
	lost := full()
	for k := range lost["users"] {
		lost["users"][k]--
		break
	}
	twice := full()
	for k := range twice["report_daily"] {
		twice["report_daily"][k]++
		break
	}
	for name, got := range map[string]map[string]map[recordKey]int{"a stream dropped": dropped, "a record lost": lost, "a record repeated": twice} {
		if err := checkRecords(got, truth, streams); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	counts := d.TruthCounts()
	got := map[string]int64{}
	for _, n := range streams {
		got[n] = int64(counts[n])
	}
	if err := checkCounts(got, counts, streams); err != nil {
		t.Fatalf("complete counts: %v", err)
	}
	delete(got, "meetings")
	if err := checkCounts(got, counts, streams); err == nil || !strings.Contains(err.Error(), "meetings") {
		t.Errorf("a stream dropped from the counts: %v", err)
	}
}

// TestTargetsAreComputed: every target of the report follows its figures:
// a report whose figures all miss has every target missed, and one whose
// figures all meet has every target met.
func TestTargetsAreComputed(t *testing.T) {
	mk := func(good bool) *Report {
		ratio, lo, hi, rate := 2.0, int64(250<<20), int64(400<<20), 1000.0
		sent := map[string]int{"GET /users": 3, "GET /meetings/{meetingId}/polls": 5}
		if good {
			ratio, lo, hi, rate = 1.1, 100<<20, 110<<20, 60000
			sent["GET /meetings/{meetingId}/polls"] = 4
		}
		s := &SyncResult{WallSeconds: 10 * ratio, FloorSeconds: 10, Ratio: ratio, Sent: sent, SentTotal: 3 + sent["GET /meetings/{meetingId}/polls"],
			Minimum: Minimum{ByEndpoint: map[string]int{"GET /users": 3, "GET /meetings/{meetingId}/polls": 4}, Total: 7}, TokenRequests: 1}
		if !good {
			s.Limited429, s.TokenRequests = 5, 3
		}
		w := func(mode string) *WriteRun {
			x := &WriteRun{Mode: mode, Rows: 10, Registered: 10, Light: 2, Medium: 3, Heavy: 1, SentOnce: true,
				Minimum: map[string]int{"Light": 2, "Medium": 3, "Heavy": 1}, Wall: 1.1, FloorSeconds: 1, Ratio: 1.1}
			if !good {
				x.Registered, x.SentOnce, x.Light, x.Wall, x.Ratio = 9, false, 3, 2, 2
			}
			return x
		}
		return &Report{Sync: s,
			Throughput: []*ChildRead{{Format: "parquet", Records: int64(rate), WallSeconds: 1, Requests: 10}},
			Memory: []*MemoryResult{{Case: MemoryCase{Label: "a"}, Read: &ChildRead{Records: 100, PeakRSSBytes: lo}},
				{Case: MemoryCase{Label: "b"}, Read: &ChildRead{Records: 1000, PeakRSSBytes: hi}}},
			Write: WriteResult{Measured: true, Batch: w("batch"), Single: w("single")}}
	}
	for _, good := range []bool{false, true} {
		ts := mk(good).Targets()
		if len(ts) < 10 {
			t.Fatalf("%d targets", len(ts))
		}
		for _, x := range ts {
			if x.Met != good {
				t.Errorf("figures that all %s: target %q met = %v (%s)", map[bool]string{false: "miss", true: "meet"}[good], x.Name, x.Met, x.Got)
			}
		}
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

// TestWriteStatus measures the status-update run on a few rows: every
// registrant is cancelled once, in calls of up to 30.
func TestWriteStatus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := runWrite(ctx, t.TempDir(), "status", 90, "pro", time.Millisecond, 4)
	if err != nil {
		t.Fatal(err)
	}
	calls := r.Requests["PUT /meetings/{meetingId}/registrants/status"] + r.Requests["PUT /webinars/{webinarId}/registrants/status"]
	if r.StatusUpdates != 90 || calls == 0 || calls > r.Targets*((90/r.Targets+29)/30+1) || r.PerSecond <= 0 || r.FloorSeconds <= 0 {
		t.Errorf("%s; %d status calls", r, calls)
	}
	if r.Requests["POST /meetings/{meetingId}/batch_registrants"]+r.Requests["POST /webinars/{webinarId}/batch_registrants"] != 0 {
		t.Errorf("the timed run registered: %v", r.Requests)
	}
	t.Log(r)
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
