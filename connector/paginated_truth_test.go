package connector

import (
	"sort"
	"testing"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestReadPaginatedMatchesTruth reads every stream at page size 3, where
// most partitions take several pages (at the default 300 none of the small
// dataset's does), and compares the records with the truth: the engine's
// page-following, cursors and per-page key splicing against the
// simulator's page tokens.
func TestReadPaginatedMatchesTruth(t *testing.T) {
	t.Parallel()
	requests := map[int]map[string]int{}
	for _, size := range []int{300, 3} {
		f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 9})
		r := runMain(t, "read", "--config", writeConfig(t, readConfig(f, "page_size", size)), "--allow-host", f.host)
		if r.code != 0 {
			t.Fatalf("page size %d: read exit %d\nstderr:\n%s", size, r.code, tail(r.stderr, 3000))
		}
		compareWithTruth(t, parseAirbyte(t, []byte(r.stdout), false).Records, truthSets(t, f.sim), streams.ZoomNames())
		requests[size] = f.sim.Counters().Snapshot().Requests
	}
	var grew []string
	for ep, n := range requests[3] {
		if n > requests[300][ep] {
			grew = append(grew, ep)
		}
	}
	sort.Strings(grew)
	t.Logf("%d endpoints took more pages at page size 3: %v", len(grew), grew)
	if len(grew) < 8 {
		t.Errorf("only %d endpoints took a second page at page size 3 (%v): the comparison hardly paginates", len(grew), grew)
	}
}
