package e2e

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestTransportMixedFaults: a full read of the small dataset while 10% of
// API answers are 5xx, HTML error pages, connection resets or truncated
// bodies, and a few hang (the request timeout is 1 s), yields exactly the
// clean record set: nothing lost, nothing repeated, no partial page. The
// child process exits, and the simulator's goroutines all end once it
// closes (the test is not parallel, so the count is its own).
func TestTransportMixedFaults(t *testing.T) {
	needBinary(t)
	dataset, seeds := "tiny", []int64{41, 42, 43}
	if soak() {
		dataset, seeds = "small", []int64{41, 42, 43, 44, 45}
	}
	spec, err := zoomsim.ParseFaults("mixed=0.1,hang=0.01")
	if err != nil {
		t.Fatal(err)
	}
	spec.HangFor = 20 * time.Second
	before := runtime.NumGoroutine()
	var sims []*sim
	for _, seed := range seeds {
		s := startSim(t, zoomsim.Options{Dataset: dataset, Seed: seed, Faults: spec})
		sims = append(sims, s)
		e := newEnv(t, s)
		r := e.read(3*time.Minute, e.writeConfig(s.config("max_concurrency", 8, "request_timeout_seconds", 1, "page_size", 20)), s.host)
		c := s.Counters().Snapshot()
		if r.code != 0 {
			t.Errorf("seed %d: read under mixed=0.1: %s", seed, r)
		}
		out := parseAirbyte(t, r.stdout, false)
		d := expectExact(t, "mixed=0.1", out.Records, truthSets(t, s.Server), nil)
		if strings.Contains(string(r.stdout), "<html") {
			t.Errorf("seed %d: an HTML error page reached stdout", seed)
		}
		t.Logf("summary: mixed=0.1,hang=0.01 on %s seed %d: %s; %s; exit %d after %v",
			dataset, seed, faultSummary(c), d, r.code, r.elapsed.Round(time.Millisecond))
	}
	total := map[string]int{}
	for _, s := range sims {
		for k, v := range s.Counters().Snapshot().Faults {
			total[k] += v
		}
	}
	for _, k := range []string{"500", "502", "503", "504", "html", "reset", "truncate", "hang"} {
		if total[k] == 0 {
			t.Errorf("no %q fault was injected: the test did not cover it (%v)", k, total)
		}
	}

	// The simulator closes; its goroutines (hung handlers included) end.
	for _, s := range sims {
		_ = s.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	after := runtime.NumGoroutine()
	for after > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		after = runtime.NumGoroutine()
	}
	if after > before {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d before the simulator, %d after it closed\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
	t.Logf("goroutines: %d before the simulators, %d after they closed", before, after)
}
