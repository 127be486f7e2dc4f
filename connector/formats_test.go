package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/output"
	"github.com/zoom-connector/zoom-connector/internal/output/outputtest"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestReadArrowParquetMatchTruth reads every stream to Arrow and to Parquet
// files, reads the files back with outputtest and compares them with the
// simulator's ground truth: nothing lost or duplicated, every value equal
// once nulls are dropped (a column cannot tell absent from null), IDs above
// 2^53 exact, and meeting UUIDs with "/" and "//" intact.
func TestReadArrowParquetMatchTruth(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 4})
	schemas, err := outputSchemas(streams.ZoomNames())
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, readConfig(f))
	// The ground truth is normalised while the connector reads.
	type expected struct {
		truth map[string][]map[string]any
		want  map[string][]string
	}
	expect := sync.OnceValues(func() (expected, error) {
		e := expected{truth: f.sim.Truth(), want: map[string][]string{}}
		for name, recs := range e.truth {
			for _, r := range recs {
				n, err := normalised(r)
				if err != nil {
					return e, fmt.Errorf("truth of %s: %w", name, err)
				}
				e.want[name] = append(e.want[name], n)
			}
		}
		return e, nil
	})
	go expect()

	for _, format := range []string{"arrow", "parquet"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "out")
			start := time.Now()
			r := runMain(t, "read", "--config", cfg, "--allow-host", f.host, "--format", format, "--output", dir,
				"--streams", strings.Join(streams.ZoomNames(), ","))
			if r.code != 0 {
				t.Fatalf("read exit %d\nstderr:\n%s", r.code, tail(r.stderr, 3000))
			}
			readTime := time.Since(start)
			start = time.Now()
			recs, err := outputtest.ReadDir(dir, format, schemas)
			if err != nil {
				t.Fatalf("read back the %s files: %v", format, err)
			}
			backTime := time.Since(start)
			got := map[string][]string{}
			total := 0
			for name, rs := range recs {
				for _, rec := range rs {
					// rec is already decoded as with UseNumber.
					b, err := json.Marshal(outputtest.DropNulls(rec))
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					got[name] = append(got[name], string(b))
				}
				total += len(rs)
			}
			t.Logf("%d records: connector read %s, read back %s", total, readTime.Round(time.Millisecond), backTime.Round(time.Millisecond))
			e, err := expect()
			if err != nil {
				t.Fatal(err)
			}
			compareWithTruth(t, got, e.want, streams.ZoomNames())
			assertNoExtra(t, dir, format)
			assertBigMeetingIDs(t, schemas["meetings"], e.truth["meetings"], recs["meetings"])
			assertSlashUUIDs(t, e.truth["past_meeting_participants"], recs["past_meeting_participants"])
		})
	}
}

// normalised returns v without its null-valued members, at every depth,
// as canonical JSON (the encoding of canonical: sorted keys, numbers exactly
// as written). Null members are dropped on both sides because a column
// cannot tell an absent field from a null one.
func normalised(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var d any
	if err := dec.Decode(&d); err != nil {
		return "", err
	}
	b, err = json.Marshal(outputtest.DropNulls(d))
	return string(b), err
}

// memberJSON returns the JSON text of a record member (numbers exact).
func memberJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assertBigMeetingIDs checks that meetings has IDs above 2^53, typed int64
// in the files, and that each came back exactly, once.
func assertBigMeetingIDs(t *testing.T, s *output.Schema, truth []map[string]any, got []map[string]any) {
	t.Helper()
	for _, fld := range s.Fields {
		if fld.Name == "id" && fld.Kind != output.KindInt64 {
			t.Errorf("meetings.id is a %v column, want int64", fld.Kind)
		}
	}
	limit := new(big.Int).Lsh(big.NewInt(1), 53)
	isBig := func(text string) bool {
		n, ok := new(big.Int).SetString(text, 10)
		return ok && n.Cmp(limit) > 0
	}
	gotIDs := map[string]int{}
	for _, r := range got {
		gotIDs[memberJSON(t, r["id"])]++
	}
	var bigIDs []string
	for _, r := range truth {
		if id := memberJSON(t, r["id"]); isBig(id) {
			bigIDs = append(bigIDs, id)
		}
	}
	if len(bigIDs) == 0 {
		t.Fatalf("no meeting in the truth has an id above 2^53 (%d meetings): the check is vacuous", len(truth))
	}
	for _, id := range bigIDs {
		if gotIDs[id] != 1 {
			t.Errorf("meeting id %s (above 2^53) read back %d times, want exactly once", id, gotIDs[id])
		}
	}
	t.Logf("%d meeting ids above 2^53 round-tripped exactly, e.g. %s", len(bigIDs), bigIDs[0])
}

// assertSlashUUIDs checks that the past_meeting_participants meeting_uuid
// values that begin with "/" or contain "//" are all present.
func assertSlashUUIDs(t *testing.T, truth []map[string]any, got []map[string]any) {
	t.Helper()
	odd := func(u string) bool { return strings.HasPrefix(u, "/") || strings.Contains(u, "//") }
	count := func(recs []map[string]any) map[string]int {
		c := map[string]int{}
		for _, r := range recs {
			if u, ok := r["meeting_uuid"].(string); ok && odd(u) {
				c[u]++
			}
		}
		return c
	}
	want, have := count(truth), count(got)
	if len(want) == 0 {
		t.Fatalf("no past_meeting_participants meeting_uuid in the truth begins with / or contains //: the check is vacuous")
	}
	for u, n := range want {
		if have[u] != n {
			t.Errorf("past_meeting_participants with meeting_uuid %q: read back %d, want %d", u, have[u], n)
		}
	}
	t.Logf("%d meeting UUIDs with / or // present in past_meeting_participants", len(want))
}
