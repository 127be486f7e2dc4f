package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestPaginationRepeatedTokenStopsPartition: the simulator sometimes
// hands back the next_page_token just used. The partition stops with an
// error naming the cycle, the stream ends INCOMPLETE, the run exits
// non-zero, and no record is emitted twice (nor any record that is not
// in the truth). One worker keeps the fault draws repeatable.
func TestPaginationRepeatedTokenStopsPartition(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 51, Faults: zoomsim.FaultSpec{Rates: map[string]float64{"repeat_token": 0.3}}})
	e := newEnv(t, s)
	r := e.read(time.Minute, e.writeConfig(s.config("max_concurrency", 1, "page_size", 5)), s.host)
	c := s.Counters().Snapshot()
	if c.Faults["repeat_token"] == 0 {
		t.Fatalf("no repeated token was served: %s", faultSummary(c))
	}
	if r.code == 0 {
		t.Errorf("a read whose partitions hit token cycles exited 0")
	}
	stderr := string(r.stderr)
	if !strings.Contains(stderr, "next_page_token cycle") {
		t.Errorf("stderr does not name the token cycle:\n%s", tail(stderr, 1500))
	}
	out := parseAirbyte(t, r.stdout, false)
	cycled := 0
	for _, m := range out.Errors {
		if strings.Contains(m, "cycle") {
			cycled++
		}
	}
	if cycled == 0 {
		t.Errorf("no Airbyte TRACE ERROR names the cycle: %q", out.Errors)
	}
	d := compare(out.Records, truthSets(t, s.Server), nil)
	figures.add(func(f *tally) { f.recordsCompared += d.compared; f.duplicates += d.duplicates })
	if d.duplicates+d.unexpected > 0 {
		t.Errorf("after token cycles: %s", d)
	}
	incomplete := 0
	for _, st := range out.Status {
		if st == "INCOMPLETE" {
			incomplete++
		}
	}
	if incomplete == 0 {
		t.Errorf("no stream ended INCOMPLETE after %d token cycles", c.Faults["repeat_token"])
	}
	t.Logf("summary: repeat_token=0.3: %d cycles served, %d TRACE errors name them, %d streams INCOMPLETE, %s (missing records belong to the stopped partitions)",
		c.Faults["repeat_token"], cycled, incomplete, d)
}

// TestPaginationExpiredTokenRestartsPartition: the simulator sometimes
// rejects a next_page_token as expired (400 code 300); the partition is
// restarted from its first page and the records still equal the truth,
// with no duplicates. One worker keeps the fault draws repeatable.
func TestPaginationExpiredTokenRestartsPartition(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 52, Faults: zoomsim.FaultSpec{Rates: map[string]float64{"expire_token": 0.1}}})
	e := newEnv(t, s)
	r := e.read(time.Minute, e.writeConfig(s.config("max_concurrency", 1, "page_size", 5)), s.host)
	c := s.Counters().Snapshot()
	if c.Faults["expire_token"] == 0 {
		t.Fatalf("no page token was expired: %s", faultSummary(c))
	}
	if r.code != 0 {
		t.Errorf("read with expired page tokens: %s", r)
	}
	restarts := strings.Count(string(r.stderr), "restarting partition")
	d := expectExact(t, "expired page tokens", parseAirbyte(t, r.stdout, false).Records, truthSets(t, s.Server), nil)
	t.Logf("summary: expire_token=0.1: %d tokens expired, %d partition restarts logged, %s", c.Faults["expire_token"], restarts, d)
}
