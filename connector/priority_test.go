package connector

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/connector/quota"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestPriorityGetsTheShortQuota: two Heavy streams, report_daily (6
// requests on the tiny dataset) and report_activities (7), share a daily
// Heavy quota of 7 in the simulator, enough for one of them. The stream
// given the higher priority (streams.NAME.priority) completes; the other
// is the one left INCOMPLETE, rate limited. Swapping the priorities swaps
// the outcome, so the priority decides, not the order of the streams. One
// worker keeps the order of requests that of the queue; the state starts
// with both streams' counts, as an earlier read leaves them, so no probe
// spends the quota first.
func TestPriorityGetsTheShortQuota(t *testing.T) {
	t.Parallel()
	for _, first := range []string{"report_daily", "report_activities"} {
		f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 19, Limits: &zoomsim.Limits{SharedHeavyDaily: 7}})
		cfg := writeConfig(t, with(f.cfg, "plan", "business", "max_concurrency", 1,
			"rate_limits", map[string]any{"light": 1000, "medium": 1000, "heavy": 1000, "resource_intensive": 60000},
			"streams", map[string]any{first: map[string]any{"priority": 10}}))
		sf := filepath.Join(t.TempDir(), "state.json")
		if err := os.WriteFile(sf, []byte(`{"version":2,"streams":{"report_daily":{"requests":{"full":{"heavy":6}}},"report_activities":{"requests":{"full":{"heavy":7}}}}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		r := runMain(t, "read", "--config", cfg, "--allow-host", f.host, "--streams", "report_daily,report_activities", "--state", sf)
		out := parseAirbyte(t, []byte(r.stdout), false)
		other := "report_activities"
		if first == other {
			other = "report_daily"
		}
		if out.Status[first] != "COMPLETE" || out.Status[other] != "INCOMPLETE" || !strings.Contains(strings.Join(out.Reasons[other], ","), "RATE_LIMITED") {
			t.Errorf("%s first: statuses %v, reasons %v (exit %d)\n%s", first, out.Status, out.Reasons, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "this read needs about 13 Heavy requests") {
			t.Errorf("%s first: the estimate on stderr is not from the state's counts:\n%s", first, r.stderr)
		}
		if c := f.sim.Counters().Snapshot(); c.ByCategory[zoomsim.Heavy] < 7 {
			t.Errorf("%s first: the simulator served %d Heavy requests", first, c.ByCategory[zoomsim.Heavy])
		}
	}
}

// TestHiddenParentCounts: a read of meeting_registrants alone reads users
// and meetings for it; their request counts travel inside
// meeting_registrants' state (parents), and the estimate of a daily read
// made from the previous daily read's is what the simulator then serves,
// category by category.
func TestHiddenParentCounts(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 20})
	cfg := writeConfig(t, with(f.cfg, "plan", "business"))
	sf := filepath.Join(t.TempDir(), "state.json")
	for i := range 3 {
		f.sim.Counters().Reset()
		r := runMain(t, "read", "--config", cfg, "--allow-host", f.host, "--streams", "meeting_registrants", "--state-file", sf, "--format", "jsonl", "--output", t.TempDir())
		if r.code != 0 {
			t.Fatalf("read %d: exit %d\n%s", i+1, r.code, r.stderr)
		}
		c := f.sim.Counters().Snapshot()
		// The second read is the first daily one (change-driven: settled
		// meetings are skipped), estimated from the first's full counts;
		// the third from the second's.
		if i == 2 {
			want := "this read needs about " + describeSim(c) + " requests"
			if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "last incremental read: users, meetings, meeting_registrants") {
				t.Errorf("read 3: stderr lacks %q from the nested counts:\n%s", want, r.stderr)
			}
		}
	}
	st, err := os.ReadFile(sf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"parents":{"meetings":{"requests":{"full":{`, `"users":{"requests":{"full":{"medium":`, `"incremental":{`} {
		if !strings.Contains(string(st), want) {
			t.Errorf("the state lacks %s: %s", want, st)
		}
	}
}

// describeSim renders the simulator's counts as the estimate's sentence
// does ("21 Heavy, 96 Medium and 66 Light").
func describeSim(c zoomsim.CounterSnapshot) string {
	var parts []string
	for _, cat := range []zoomsim.Category{zoomsim.Heavy, zoomsim.ResourceIntensive, zoomsim.Medium, zoomsim.Light} {
		if n := c.ByCategory[cat]; n > 0 {
			parts = append(parts, quota.Thousands(int64(n))+" "+string(cat))
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// TestResumedSyncEstimatesWhatIsLeft: a first read on a plan with a daily
// quota probes (13 Heavy requests for report_daily and report_activities on
// the tiny dataset, exactly: the probe asks the first page of each of
// report_activities' seven months, and report_daily, unpaged, needs no
// question), then reads until the simulator's daily quota of 14 stops it. The state keeps the
// probe's estimate and what the sync sent; the run that resumes it (here
// against a simulator of the same account with its quota renewed) does
// not probe again, estimates what is left, and sends exactly that.
func TestResumedSyncEstimatesWhatIsLeft(t *testing.T) {
	t.Parallel()
	sf := filepath.Join(t.TempDir(), "state.json")
	read := func(f *simFixture) runResult {
		cfg := writeConfig(t, with(f.cfg, "plan", "business", "max_concurrency", 1,
			"rate_limits", map[string]any{"light": 1000, "medium": 1000, "heavy": 1000, "resource_intensive": 60000}))
		return runMain(t, "read", "--config", cfg, "--allow-host", f.host, "--streams", "report_daily,report_activities", "--state-file", sf)
	}
	day1 := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 21, Limits: &zoomsim.Limits{SharedHeavyDaily: 14}})
	r := read(day1)
	if r.code == 0 || !strings.Contains(r.stderr, "this read needs about 13 Heavy requests") || !strings.Contains(r.stderr, "probe: ") {
		t.Fatalf("day 1: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	day2 := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 21})
	r = read(day2)
	if r.code != 0 || !strings.Contains(r.stderr, "this read needs about 6 Heavy requests") || !strings.Contains(r.stderr, "probe at the start of the sync under way: report_daily") {
		t.Fatalf("day 2: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if n := day2.sim.Counters().Snapshot().ByCategory[zoomsim.Heavy]; n != 6 {
		t.Errorf("day 2 sent %d Heavy requests, estimated 6", n)
	}
}
