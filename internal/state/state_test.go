package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "state.json")
	st := New()
	st.Stream("recordings").Cursor = "2026-11-01T00:00:00Z"
	st.Stream("meeting_registrants").Done = []string{"meetingId=2;", "meetingId=1;"}
	if err := st.Save(p); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Streams["recordings"].Cursor != "2026-11-01T00:00:00Z" || strings.Join(got.Streams["meeting_registrants"].Done, ",") != "meetingId=1;,meetingId=2;" {
		t.Fatalf("round trip: %+v", got.Streams)
	}
	if st, err := Load(filepath.Join(t.TempDir(), "missing.json")); err != nil || len(st.Streams) != 0 {
		t.Fatalf("a missing file must be an empty state: %v", err)
	}
}

func TestParseRefusesBadStates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`{"version":4,"streams":{}}`, "newer than this connector"},
		{`{"streams":{}}`, `no "version"`},
		{`[1,2]`, "not valid JSON"},
		{`{"version":1,"streams":{"users":{"cursor":5}}}`, "not valid JSON"},
	} {
		if _, err := Parse([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s) = %v, want %q", tc.in, err, tc.want)
		}
	}
	big := make([]byte, MaxBytes+1)
	if _, err := Parse(big); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized state: %v", err)
	}
	p := filepath.Join(t.TempDir(), "s.json")
	_ = os.WriteFile(p, []byte(`{"version":9}`), 0o600)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("Load error should name the file: %v", err)
	}
}

func TestStreamStateRoundTrip(t *testing.T) {
	t.Parallel()
	ss := &StreamState{Cursor: "2026-11-01", Done: []string{"b", "a"}, Complete: true}
	b, err := ss.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseStream(b)
	if err != nil || got.Cursor != "2026-11-01" || !got.Complete || strings.Join(got.Done, ",") != "a,b" {
		t.Fatalf("%s -> %+v, %v", b, got, err)
	}
	if _, err := ParseStream([]byte(`{"version":7}`)); err == nil {
		t.Error("a newer stream state was accepted")
	}
	if _, err := ParseStream([]byte(`{"version":1,"surprise":true}`)); err == nil {
		t.Error("an unknown field was accepted")
	}
}

// TestParentsInStreamState: since version 2 a hidden parent's progress
// travels inside a stream's state; version 1 states (without it) still
// parse, and a version 2 done list still loads.
func TestParentsInStreamState(t *testing.T) {
	t.Parallel()
	ss := &StreamState{Cursor: "2026-11-01T00:00:00Z", Parents: map[string]*StreamState{
		"meetings": {Done: []string{"userId=2;", "userId=1;"}, Complete: false},
		"users":    {Complete: true},
	}}
	b, err := ss.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"version":3`) || !strings.Contains(string(b), `"done":["userId=1;","userId=2;"]`) {
		t.Errorf("marshalled %s", b)
	}
	got, err := ParseStream(b)
	if err != nil || got.Parents["meetings"] == nil || len(got.Parents["meetings"].Done) != 2 || !got.Parents["users"].Complete {
		t.Fatalf("%s -> %+v, %v", b, got, err)
	}
	c := got.Clone()
	c.Parents["meetings"].Done[0] = "changed"
	if got.Parents["meetings"].Done[0] == "changed" {
		t.Error("Clone shares the parents' partition lists")
	}
	for _, old := range []string{`{"version":1,"cursor":"2026-10-01","done":["a"],"complete":true}`, `{"version":1}`} {
		if _, err := ParseStream([]byte(old)); err != nil {
			t.Errorf("version 1 stream state %s refused: %v", old, err)
		}
	}
	st, err := Parse([]byte(`{"version":1,"streams":{"meetings":{"done":["userId=1;"]},"past_meeting_instances":{"cursor":"2026-10-01T00:00:00Z"}}}`))
	if err != nil || len(st.Streams["meetings"].Done) != 1 {
		t.Fatalf("version 1 state: %+v, %v", st, err)
	}
	if ss, err := ParseStream([]byte(`{"version":2,"parents":{"meetings":null}}`)); err != nil || len(ss.Parents) != 0 {
		t.Errorf("a null parent: %+v, %v", ss, err)
	}
}

// TestSyncMarksRoundTrip: the change-driven marks survive a state file, an
// Airbyte per-stream state, and a clone that is then changed.
func TestSyncMarksRoundTrip(t *testing.T) {
	t.Parallel()
	st := New()
	ss := st.Stream("meetings")
	ss.Synced = &SyncMark{At: "2026-06-15T00:00:00Z", Changes: 42}
	ss.Syncing = &SyncMark{At: "2026-06-16T00:00:00Z", Changes: 50, Reconcile: true}
	ss.ReconciledAt = "2026-06-10T00:00:00Z"
	data, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	one, err := ss.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	fromAirbyte, err := ParseStream(one)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*StreamState{got.Streams["meetings"], fromAirbyte} {
		if g.Synced == nil || *g.Synced != *ss.Synced || g.Syncing == nil || *g.Syncing != *ss.Syncing || g.ReconciledAt != ss.ReconciledAt || g.Empty() {
			t.Errorf("round trip: %+v", g)
		}
	}
	c := st.Clone()
	c.Streams["meetings"].Synced.At = "changed"
	if ss.Synced.At != "2026-06-15T00:00:00Z" {
		t.Error("Clone shares the Synced mark")
	}
}

// TestRequestsOptional: the request counts round-trip in a state file and
// a stream state, a clone does not share them, and a version 2 state
// without them (written before they existed) still loads.
func TestRequestsOptional(t *testing.T) {
	t.Parallel()
	st := New()
	st.Stream("meetings").Requests = &Requests{Full: map[string]int64{"medium": 40, "light": 900}, Incremental: map[string]int64{"medium": 3}}
	st.Stream("meeting_registrants").Parents = map[string]*StreamState{"meetings": {Requests: &Requests{Sync: map[string]int64{"medium": 7}}}}
	b, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Streams["meetings"].Requests; r == nil || r.Full["light"] != 900 || r.Incremental["medium"] != 3 || r.Sync != nil {
		t.Fatalf("%s -> %+v", b, r)
	}
	if r := got.Streams["meeting_registrants"].Parents["meetings"].Requests; r == nil || r.Sync["medium"] != 7 {
		t.Fatalf("parent's counts lost: %s", b)
	}
	c := got.Clone()
	c.Streams["meetings"].Requests.Full["light"] = 1
	if got.Streams["meetings"].Requests.Full["light"] != 900 {
		t.Error("Clone shares the request counts")
	}
	sb, err := got.Streams["meetings"].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ss, err := ParseStream(sb)
	if err != nil || ss.Requests == nil || ss.Requests.Full["medium"] != 40 {
		t.Fatalf("stream state %s -> %+v, %v", sb, ss, err)
	}
	old, err := Parse([]byte(`{"version":2,"streams":{"meetings":{"cursor":"2026-10-01T00:00:00Z"}}}`))
	if err != nil || old.Streams["meetings"].Requests != nil || !(&StreamState{}).Empty() {
		t.Fatalf("a state without counts: %+v, %v", old, err)
	}
	if (&StreamState{Requests: &Requests{Full: map[string]int64{"heavy": 1}}}).Empty() {
		t.Error("a stream state with counts is not empty")
	}
}

// TestProgressRoundTrip: version 3's progress (a root stream's finished
// partitions and the tree of those under way) survives a file and a
// per-stream message, Clone copies it deeply, and nulls inside it are
// dropped.
func TestProgressRoundTrip(t *testing.T) {
	t.Parallel()
	st := New()
	st.Stream("users").Progress = &Progress{Done: []string{"status=pending;", "status=active;"}, Partitions: []*Partition{{
		Key: "status=inactive;", Read: true, Done: []Span{{From: 0, To: 40, Sum: "00000000000000ff"}},
		Children: []*Partition{{Stream: "meetings", Key: "userId=u41;type=scheduled;", Read: true,
			Done: []Span{{From: 0, To: 3, Sum: "0000000000000001"}}}},
	}}}
	p := filepath.Join(t.TempDir(), "state.json")
	if err := st.Save(p); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	pr := got.Streams["users"].Progress
	if pr == nil || strings.Join(pr.Done, ",") != "status=active;,status=pending;" || len(pr.Partitions) != 1 ||
		pr.Partitions[0].Done[0].To != 40 || pr.Partitions[0].Children[0].Stream != "meetings" || got.Version != 3 {
		t.Fatalf("round trip: %+v", pr)
	}
	c := got.Clone()
	c.Streams["users"].Progress.Partitions[0].Children[0].Key = "changed"
	c.Streams["users"].Progress.Partitions[0].Done[0].To = 1
	if pr.Partitions[0].Children[0].Key == "changed" || pr.Partitions[0].Done[0].To != 40 {
		t.Error("Clone shares the progress")
	}
	b, err := got.Streams["users"].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ss, err := ParseStream(b)
	if err != nil || ss.Progress == nil || ss.Progress.Partitions[0].Children[0].Done[0].Sum != "0000000000000001" {
		t.Fatalf("%s -> %+v, %v", b, ss, err)
	}
	ss, err = ParseStream([]byte(`{"version":3,"progress":{"partitions":[null,{"key":"all","children":[null]}]}}`))
	if err != nil || len(ss.Progress.Partitions) != 1 || len(ss.Progress.Partitions[0].Children) != 0 {
		t.Fatalf("nulls in progress: %+v, %v", ss, err)
	}
}
