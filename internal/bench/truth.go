package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// A read the benchmark measures must return the simulator's ground truth:
// a fast read that lost records (or a stream) is an error, not a figure.

// recordKey is the SHA-256 of a record's canonical JSON (keys sorted,
// numbers as written).
type recordKey [32]byte

func canonicalKey(raw []byte) (recordKey, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return recordKey{}, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return recordKey{}, err
	}
	return sha256.Sum256(b), nil
}

// truthSink keeps the canonical key of every record a read writes, by
// stream. Write and Commit run under the engine's emit lock.
type truthSink struct {
	n   int64
	got map[string]map[recordKey]int
	err error
}

func newTruthSink() *truthSink { return &truthSink{got: map[string]map[recordKey]int{}} }

func (s *truthSink) Write(stream string, rec json.RawMessage) error {
	k, err := canonicalKey(rec)
	if err != nil {
		return fmt.Errorf("%s: record is not JSON: %w", stream, err)
	}
	if s.got[stream] == nil {
		s.got[stream] = map[recordKey]int{}
	}
	s.got[stream][k]++
	s.n++
	return nil
}

func (s *truthSink) Commit() error { return nil }

// checkRecords compares the records of a read of streams (every stream
// when empty) with the truth, record by record, and returns an error naming
// each stream that differs.
func checkRecords(got map[string]map[recordKey]int, truth map[string][]map[string]any, streams []string) error {
	if len(streams) == 0 {
		streams = defaultStreams()
	}
	var bad []string
	for _, s := range streams {
		want := map[recordKey]int{}
		for _, r := range truth[s] {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			k, err := canonicalKey(b)
			if err != nil {
				return err
			}
			want[k]++
		}
		missing, extra := 0, 0
		for k, n := range want {
			missing += max(0, n-got[s][k])
		}
		for k, n := range got[s] {
			extra += max(0, n-want[k])
		}
		if missing+extra > 0 {
			bad = append(bad, fmt.Sprintf("%s: %d records missing, %d unexpected or repeated (truth %d)", s, missing, extra, len(truth[s])))
		}
	}
	for s, recs := range got {
		if !contains(streams, s) {
			bad = append(bad, fmt.Sprintf("%s: %d records of a stream not asked for", s, len(recs)))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("the read's records differ from the truth: %s", strings.Join(bad, "; "))
	}
	return nil
}

// checkCounts compares a child read's records per stream (from its
// "stream done" log lines) with the truth's counts.
func checkCounts(got map[string]int64, truth map[string]int, streams []string) error {
	if len(streams) == 0 {
		streams = defaultStreams()
	}
	var bad []string
	for _, s := range streams {
		if got[s] != int64(truth[s]) {
			bad = append(bad, fmt.Sprintf("%s: %d records, truth %d", s, got[s], truth[s]))
		}
	}
	for s, n := range got {
		if !contains(streams, s) {
			bad = append(bad, fmt.Sprintf("%s: %d records of a stream not asked for", s, n))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("the read's records differ from the truth: %s", strings.Join(bad, "; "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// truthCounts returns the truth's record counts per stream of a dataset,
// computed once per dataset, seed and day (the large dataset's take
// half a minute).
var truthCounts = func() func(d *zoomsim.Dataset, dataset string, seed int64) map[string]int {
	var mu sync.Mutex
	cache := map[string]map[string]int{}
	return func(d *zoomsim.Dataset, dataset string, seed int64) map[string]int {
		key := fmt.Sprintf("%s/%d/%s", dataset, seed, d.Now.UTC().Format(time.DateOnly))
		mu.Lock()
		defer mu.Unlock()
		if c, ok := cache[key]; ok {
			return c
		}
		c := d.TruthCounts()
		cache[key] = c
		return c
	}
}()
