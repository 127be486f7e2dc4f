package connector

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestRecurringWebinarEveryOccurrence reads the webinar children through
// the command and checks that a recurring webinar yields one set of child
// records per occurrence that ran, each keyed by the occurrence's UUID:
// reading only the latest occurrence (the webinar's ID, or its uuid) would
// give one UUID per webinar and fail here.
func TestRecurringWebinarEveryOccurrence(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 4})
	out := filepath.Join(t.TempDir(), "out")
	children := []string{"past_webinar_participants", "webinar_poll_results", "webinar_qna_results", "report_webinars", "report_webinar_participants"}
	r := runMain(t, "read", "--config", writeConfig(t, readConfig(f)), "--allow-host", f.host,
		"--format", "jsonl", "--output", out, "--streams", "past_webinar_instances,"+strings.Join(children, ","))
	if r.code != 0 {
		t.Fatalf("read exit %d\nstderr:\n%s", r.code, tail(r.stderr, 3000))
	}
	got := readJSONLDir(t, out)
	// The occurrences that ran, per webinar, as the simulator holds them.
	occurrences := map[string]map[string]bool{}
	multi := 0
	for _, w := range f.sim.Dataset().Webinars {
		if len(w.Instances) > 1 && w.Host.Status == "active" {
			multi++
		}
	}
	if multi == 0 {
		t.Fatal("no recurring webinar with two or more past occurrences in the dataset: the check is vacuous")
	}
	for _, rec := range got["past_webinar_instances"] {
		var r struct {
			WebinarID json.Number `json:"webinar_id"`
			UUID      string      `json:"uuid"`
		}
		if err := json.Unmarshal([]byte(rec), &r); err != nil {
			t.Fatal(err)
		}
		if occurrences[r.WebinarID.String()] == nil {
			occurrences[r.WebinarID.String()] = map[string]bool{}
		}
		occurrences[r.WebinarID.String()][r.UUID] = true
	}
	for _, w := range f.sim.Dataset().Webinars {
		if len(w.Instances) > 1 && w.Host.Status == "active" && len(occurrences[fmt.Sprint(w.ID)]) != len(w.Instances) {
			t.Errorf("webinar %d: past_webinar_instances lists %d occurrences, the webinar ran %d times", w.ID, len(occurrences[fmt.Sprint(w.ID)]), len(w.Instances))
		}
	}
	for _, stream := range children {
		uuidField := "webinar_uuid"
		if stream == "report_webinars" {
			uuidField = "uuid"
		}
		seen := map[string]map[string]bool{}
		for _, rec := range got[stream] {
			var r map[string]any
			dec := json.NewDecoder(strings.NewReader(rec))
			dec.UseNumber()
			if err := dec.Decode(&r); err != nil {
				t.Fatal(err)
			}
			id, u := fmt.Sprint(r["webinar_id"]), fmt.Sprint(r[uuidField])
			if !occurrences[id][u] {
				t.Errorf("%s: record of webinar %s with %s %q, not an occurrence past_webinar_instances lists", stream, id, uuidField, u)
			}
			if seen[id] == nil {
				seen[id] = map[string]bool{}
			}
			seen[id][u] = true
		}
		several := 0
		for _, us := range seen {
			if len(us) > 1 {
				several++
			}
		}
		if several == 0 {
			t.Errorf("%s: no webinar has records of more than one occurrence (%d webinars ran several times)", stream, multi)
		}
		t.Logf("%s: %d records, %d webinars with records of several occurrences", stream, len(got[stream]), several)
	}
}
