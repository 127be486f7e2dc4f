package connector

import (
	"bufio"
	"bytes"
	"encoding/json"
	"github.com/zoom-connector/zoom-connector/internal/testkit"

	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/airbyte/protocoltest"
	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// The helpers shared with the e2e suite (internal/testkit).
type airbyteOutput = testkit.Output

var (
	canonical    = testkit.Canonical
	truthSets    = testkit.TruthSets
	allTruth     = testkit.AllTruthSets
	parseAirbyte = testkit.ParseAirbyte
)

// compareWithTruth reports, per stream, the records missing, unexpected
// and duplicated.
func compareWithTruth(t *testing.T, got map[string][]string, want map[string][]string, names []string) {
	t.Helper()
	for _, n := range names {
		g := slices.Clone(got[n])
		sort.Strings(g)
		w := want[n]
		gc, wc := map[string]int{}, map[string]int{}
		for _, r := range g {
			gc[r]++
		}
		for _, r := range w {
			wc[r]++
		}
		var missing, extra []string
		dup := 0
		for r := range wc {
			if gc[r] == 0 {
				missing = append(missing, r)
			}
		}
		for r, c := range gc {
			if wc[r] == 0 {
				extra = append(extra, r)
			} else if c > wc[r] {
				dup += c - wc[r]
			}
		}
		if len(missing)+len(extra)+dup > 0 {
			sort.Strings(missing)
			sort.Strings(extra)
			t.Errorf("%s: got %d records, want %d: %d missing, %d unexpected, %d duplicates\n  first missing:    %.600s\n  first unexpected: %.600s",
				n, len(g), len(w), len(missing), len(extra), dup, first(missing), first(extra))
		}
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// readConfig is a connector config for a simulator with no client-side
// rate limit, as the tests' simulator has none.
func readConfig(f *simFixture, kv ...any) map[string]any {
	return with(with(f.cfg, "plan", "unlimited", "max_concurrency", 8), kv...)
}

func TestReadAirbyteEveryStreamMatchesTruth(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 3})
	r := runMain(t, "read", "--config", writeConfig(t, readConfig(f)), "--allow-host", f.host, "--streams", strings.Join(streams.ZoomNames(), ","))
	if r.code != 0 {
		t.Fatalf("read exit %d\nstderr:\n%s", r.code, tail(r.stderr, 3000))
	}
	got := map[string][]string{}
	counts := map[string]int{}
	validate := protocoltest.Validator(t)
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		validate(t, line)
		var m struct {
			Type   string
			Record struct {
				Stream string
				Data   json.RawMessage
			}
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		counts[m.Type]++
		if m.Type == "RECORD" {
			got[m.Record.Stream] = append(got[m.Record.Stream], canonical(t, m.Record.Data))
		}
	}
	if counts["STATE"] == 0 || counts["TRACE"] == 0 {
		t.Errorf("message counts %v: want STATE and TRACE messages", counts)
	}
	compareWithTruth(t, got, allTruth(t, f.sim), streams.ZoomNames())
	assertParentsListedOnce(t, f.sim)
}

// assertParentsListedOnce checks the simulator's counters: each user's
// meetings and webinars were listed once, and each meeting's details
// fetched once, however many child streams hang off them.
func assertParentsListedOnce(t *testing.T, sim *zoomsim.Server) {
	t.Helper()
	c := sim.Counters().Snapshot()
	d := sim.Dataset()
	users := 0
	for _, u := range d.Users {
		if u.Status == "active" && u.ID != "" {
			users++
		}
	}
	// One page each at page_size 300, and three listings of /users.
	if got := c.Requests["GET /users/{userId}/meetings"]; got != users {
		t.Errorf("meeting lists: %d requests for %d active users", got, users)
	}
	if got := c.Requests["GET /users"]; got != 3 {
		t.Errorf("GET /users: %d requests, want 3 (one per status)", got)
	}
	if got, want := c.Requests["GET /meetings/{meetingId}"], len(d.Meetings); got != want {
		t.Errorf("meeting details: %d requests for %d listed meetings", got, want)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func TestReadJSONLMatchesTruth(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 5})
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state.json")
	r := runMain(t, "read", "--config", writeConfig(t, readConfig(f)), "--allow-host", f.host,
		"--format", "jsonl", "--output", filepath.Join(dir, "out"), "--state-file", stateFile, "--streams", strings.Join(streams.ZoomNames(), ","))
	if r.code != 0 {
		t.Fatalf("read exit %d\nstderr:\n%s", r.code, tail(r.stderr, 3000))
	}
	if r.stdout != "" {
		t.Errorf("file output wrote to stdout: %.300s", r.stdout)
	}
	compareWithTruth(t, readJSONLDir(t, filepath.Join(dir, "out")), allTruth(t, f.sim), streams.ZoomNames())
	if _, err := os.Stat(stateFile); err != nil {
		t.Errorf("state file: %v", err)
	}
}

// readJSONLDir reads every <stream>*.jsonl file of a folder.
func readJSONLDir(t *testing.T, dir string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) == 0 {
		t.Fatalf("no jsonl files in %s", dir)
	}
	for _, p := range files {
		stream := streamOfFile(filepath.Base(p))
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			if len(line) > 0 {
				got[stream] = append(got[stream], canonical(t, line))
			}
		}
	}
	return got
}

// TestAirbyteSinkExtraFieldsAndTypeChanges: meta.extra_fields names only
// fields the schema does not declare (nested ones by path); a declared
// field whose value does not fit its type is a meta.changes entry; the
// record is emitted unchanged and the message is valid Airbyte protocol.
func TestAirbyteSinkExtraFieldsAndTypeChanges(t *testing.T) {
	t.Parallel()
	schemas, err := outputSchemas([]string{"users"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	s := &airbyteSink{w: airbyte.NewWriter(&buf), schemas: schemas}
	recs := []string{
		`{"id":"u1","email":"a@example.com","type":"two","brand_new_field":{"x":1},` +
			`"created_at":"2024-02-20 15:31:33","group_ids":["g1",7],"custom_attributes":[{"key":"k","value":"v","surprise":true}]}`,
		"{\"id\": \"u2\",\n \"email\": \"b@example.com\", \"type\": 1}",
	}
	for _, rec := range recs {
		if err := s.Write("users", json.RawMessage(rec)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Write("users", json.RawMessage(`{"id":`)); err == nil {
		t.Error("invalid JSON accepted")
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), buf.String())
	}
	validate := protocoltest.Validator(t)
	type meta struct {
		ExtraFields []string `json:"extra_fields"`
		Changes     []struct {
			Field, Change, Reason string
		}
	}
	var got []meta
	for i, line := range lines {
		validate(t, []byte(line))
		var m struct {
			Record struct {
				Data json.RawMessage
				Meta *meta
			}
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if canonical(t, m.Record.Data) != canonical(t, []byte(recs[i])) {
			t.Errorf("record %d changed: %s", i, m.Record.Data)
		}
		if m.Record.Meta == nil {
			m.Record.Meta = &meta{}
		}
		got = append(got, *m.Record.Meta)
	}
	if g := strings.Join(got[0].ExtraFields, ","); g != "brand_new_field,custom_attributes[0].surprise" {
		t.Errorf("extra_fields %v, want only undeclared fields", got[0].ExtraFields)
	}
	var changes []string
	for _, c := range got[0].Changes {
		changes = append(changes, c.Field+":"+c.Change+":"+c.Reason)
	}
	want := "created_at:NULLED:DESTINATION_TYPECAST_ERROR,group_ids[1]:NULLED:DESTINATION_TYPECAST_ERROR,type:NULLED:DESTINATION_TYPECAST_ERROR"
	if strings.Join(changes, ",") != want {
		t.Errorf("changes %v, want %s", changes, want)
	}
	if len(got[1].ExtraFields)+len(got[1].Changes) != 0 {
		t.Errorf("a record that fits its schema has meta %+v", got[1])
	}
}

func TestAddKeysSplicesOrDecodes(t *testing.T) {
	t.Parallel()
	parent := map[string]any{"id": json.Number("9007199254740993"), "uuid": "/ab//c=="}
	keys := map[string]string{"meeting_id": "id", "meeting_uuid": "uuid"}
	for _, tc := range []struct{ in, want string }{
		{`{"a":1}`, `{"a":1,"meeting_id":9007199254740993,"meeting_uuid":"/ab//c=="}`},
		{` { } `, `{"meeting_id":9007199254740993,"meeting_uuid":"/ab//c=="}`},
		{`{"meeting_id":5,"x":{"y":2}}`, `{"meeting_id":9007199254740993,"meeting_uuid":"/ab//c==","x":{"y":2}}`},
	} {
		out, _, err := jsonrec.AddKeys(json.RawMessage(tc.in), keys, parent, false)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out) || canonical(t, out) != canonical(t, []byte(tc.want)) {
			t.Errorf("addKeys(%s) = %s, want %s", tc.in, out, tc.want)
		}
	}
	if _, _, err := jsonrec.AddKeys(json.RawMessage(`[1]`), keys, parent, false); err == nil {
		t.Error("a record that is not an object was accepted")
	}
}
