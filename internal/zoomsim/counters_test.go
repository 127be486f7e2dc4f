package zoomsim

import (
	"testing"
	"time"
)

// TestTruthCounts: TruthCounts counts what Truth holds, stream by stream.
func TestTruthCounts(t *testing.T) {
	d, err := Generate("tiny", 4, testNow)
	if err != nil {
		t.Fatal(err)
	}
	counts, truth := d.TruthCounts(), d.Truth()
	if len(counts) != len(TruthStreams) {
		t.Fatalf("%d streams counted, want %d", len(counts), len(TruthStreams))
	}
	total := 0
	for _, s := range TruthStreams {
		if counts[s] != len(truth[s]) {
			t.Errorf("%s: counted %d, truth has %d", s, counts[s], len(truth[s]))
		}
		total += counts[s]
	}
	if total == 0 {
		t.Fatal("the tiny dataset's truth is empty")
	}
}

// TestRefused429ByEndpoint: every 429, per-second or daily, is counted
// against its endpoint too.
func TestRefused429ByEndpoint(t *testing.T) {
	s, base, tok := StartTest(t, Options{Dataset: "tiny", Seed: 1, Now: func() time.Time { return testNow },
		Limits: &Limits{Daily: map[Category]int{Medium: 2}}})
	c := &client{t: t, base: base + "/v2", token: tok}
	for range 4 {
		c.do("GET", "/users", nil)
	}
	snap := s.Counters().Snapshot()
	if snap.Daily429 != 2 || snap.Refused429["GET /users"] != 2 || len(snap.Refused429) != 1 {
		t.Errorf("daily 429s %d, by endpoint %v: want 2, all on GET /users", snap.Daily429, snap.Refused429)
	}
}
