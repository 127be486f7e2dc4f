package streams_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// truth is the simulator's ground truth for the small dataset, the one the
// acceptance tests read.
func truth(t *testing.T, seed int64) map[string][]map[string]any {
	t.Helper()
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	d, err := zoomsim.Generate("small", seed, now)
	if err != nil {
		t.Fatal(err)
	}
	return d.Truth()
}

// TestPrimaryKeysHoldOnTruth checks every stream's primary key on every
// record a complete read yields: each key field present, not null and not
// "", and no two records with the same key. The truth has the shapes that
// break naive keys (checked below), so the check is not vacuous.
func TestPrimaryKeysHoldOnTruth(t *testing.T) {
	for _, seed := range []int64{1, 4} {
		tr := truth(t, seed)
		for _, s := range streams.Zoom() {
			recs, ok := tr[s.Name]
			if !ok {
				t.Errorf("seed %d: the truth has no stream %s", seed, s.Name)
				continue
			}
			if len(recs) == 0 {
				t.Errorf("seed %d: %s has no records: its key is not checked", seed, s.Name)
			}
			seen := map[string]int{}
			for i, r := range recs {
				var key []string
				for _, p := range s.PrimaryKey {
					v, ok := r[p[0]]
					if !ok || v == nil || v == "" {
						t.Errorf("seed %d: %s record %d: key field %s is %v", seed, s.Name, i, p[0], v)
					}
					b, _ := json.Marshal(v)
					key = append(key, string(b))
				}
				k := strings.Join(key, "|")
				if j, dup := seen[k]; dup {
					t.Errorf("seed %d: %s records %d and %d have the same key %v = %s", seed, s.Name, j, i, s.PrimaryKey, k)
				}
				seen[k] = i
			}
		}
	}
}

// TestTruthHasRealShapes makes sure the simulator's truth holds what real
// Zoom answers hold and naive keys trip on: participants with "id": "",
// poll results without email, two guests of one instance sharing a name,
// and one person's repeated joins.
func TestTruthHasRealShapes(t *testing.T) {
	tr := truth(t, 4)
	count := func(stream string, pred func(r map[string]any) bool) int {
		n := 0
		for _, r := range tr[stream] {
			if pred(r) {
				n++
			}
		}
		return n
	}
	emptyID := func(r map[string]any) bool { return r["id"] == "" }
	for _, s := range []string{"past_meeting_participants", "report_meeting_participants"} {
		if n := count(s, emptyID); n == 0 {
			t.Errorf("%s: no participant with id \"\"", s)
		} else {
			t.Logf("%s: %d of %d participants with id \"\"", s, n, len(tr[s]))
		}
	}
	noEmail := func(r map[string]any) bool { _, ok := r["email"]; return !ok }
	if n := count("meeting_poll_results", noEmail); n == 0 {
		t.Error("meeting_poll_results: no result without email")
	} else {
		t.Logf("meeting_poll_results: %d of %d results without email", n, len(tr["meeting_poll_results"]))
	}
	// Equal names within one instance, among guests without email.
	names := map[string]int{}
	for _, r := range tr["meeting_poll_results"] {
		if noEmail(r) {
			names[fmt.Sprint(r["meeting_uuid"], "|", r["name"])]++
		}
	}
	same := 0
	for _, n := range names {
		if n > 1 {
			same++
		}
	}
	if same == 0 {
		t.Error("meeting_poll_results: no two guests of one instance share a name")
	} else {
		t.Logf("meeting_poll_results: %d names shared by guests without email within an instance", same)
	}
	// Repeated joins: the same person (id, name, email) in one instance
	// again after leaving, with another user_id.
	for _, s := range []string{"past_meeting_participants", "report_meeting_participants"} {
		people := map[string][]map[string]any{}
		for _, r := range tr[s] {
			k := fmt.Sprint(r["meeting_uuid"], "|", r["id"], "|", r["name"], "|", r["user_email"])
			people[k] = append(people[k], r)
		}
		rejoins := 0
		for _, joins := range people {
			for _, a := range joins {
				for _, b := range joins {
					if a["user_id"] != b["user_id"] && b["join_time"].(string) > a["leave_time"].(string) {
						rejoins++
					}
				}
			}
		}
		if rejoins == 0 {
			t.Errorf("%s: nobody leaves and joins again", s)
		} else {
			t.Logf("%s: %d joins after the same person left", s, rejoins)
		}
	}
}
