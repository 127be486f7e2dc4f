package connector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/airbyte/protocoltest"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// stateLines returns the STATE messages of an Airbyte output, in order,
// checking every line against the protocol.
func stateLines(t *testing.T, out []byte) []json.RawMessage {
	t.Helper()
	validate := protocoltest.Validator(t)
	var states []json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		validate(t, sc.Bytes())
		var m struct {
			Type  string
			State json.RawMessage
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.Type == "STATE" {
			states = append(states, m.State)
		}
	}
	return states
}

type streamStateMsg struct {
	Stream struct {
		Descriptor struct{ Name string } `json:"stream_descriptor"`
		State      json.RawMessage       `json:"stream_state"`
	}
}

func decodeStateMsg(t *testing.T, raw json.RawMessage) (string, *state.StreamState) {
	t.Helper()
	var m streamStateMsg
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	ss, err := state.ParseStream(m.Stream.State)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m.Stream.Descriptor.Name, ss
}

// TestReadStatesOnlyForCatalogStreams: with a configured catalog that
// selects past_meeting_instances and past_meeting_participants but not
// their parents (meetings, users), every STATE message is for a catalog
// stream; the parents' progress of an interrupted sync travels inside the
// catalog streams' states, and a read resumed from them completes the
// records. A state in the earlier format (the parents' progress in entries
// of their own) also resumes.
func TestReadStatesOnlyForCatalogStreams(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 21, Latency: time.Millisecond})
	cfgPath := writeConfig(t, readConfig(f, "max_concurrency", 4))
	dir := t.TempDir()
	cat := filepath.Join(dir, "catalog.json")
	if err := os.WriteFile(cat, []byte(`{"streams":[
		{"stream":{"name":"past_meeting_instances","json_schema":{},"supported_sync_modes":["full_refresh","incremental"]},"sync_mode":"incremental","destination_sync_mode":"append"},
		{"stream":{"name":"past_meeting_participants","json_schema":{},"supported_sync_modes":["full_refresh","incremental"]},"sync_mode":"incremental","destination_sync_mode":"append"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	inCatalog := map[string]bool{"past_meeting_instances": true, "past_meeting_participants": true}
	want := truthSets(t, f.sim)
	names := []string{"past_meeting_instances", "past_meeting_participants"}
	checkStates := func(t *testing.T, states []json.RawMessage) map[string]*state.StreamState {
		t.Helper()
		last := map[string]*state.StreamState{}
		for _, raw := range states {
			name, ss := decodeStateMsg(t, raw)
			if !inCatalog[name] {
				t.Errorf("STATE for %s, which is not in the configured catalog", name)
			}
			last[name] = ss
		}
		return last
	}

	// An interrupted read: cancelled once the simulator has served some
	// participant lists (the read commits what it wrote and reports the
	// state on its way out).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var lists atomic.Int64
	f.sim.ObserveRequests(func(rt zoomsim.Route, _ *http.Request) {
		if rt.Pattern == "/past_meetings/{meetingId}/participants" && lists.Add(1) == 40 {
			cancel()
		}
	})
	var out, errb bytes.Buffer
	code := Main(ctx, []string{"read", "--config", cfgPath, "--allow-host", f.host, "--catalog", cat}, IO{Stdout: &out, Stderr: &errb})
	f.sim.ObserveRequests(nil)
	if code == ExitOK {
		t.Fatalf("the read completed before it was cancelled\n%s", tail(errb.String(), 1000))
	}
	states := stateLines(t, out.Bytes())
	last := checkStates(t, states)
	first := parseAirbyte(t, out.Bytes(), true)
	ps := last["past_meeting_participants"]
	// The progress of the whole tree (users, their meetings, the meetings'
	// instances and participants) is the root stream's, users'.
	if ps == nil || ps.Parents["users"] == nil || ps.Parents["users"].Progress == nil {
		t.Fatalf("the interrupted read's last state of past_meeting_participants carries no parent progress: %+v", ps)
	}
	if ps.Parents["past_meeting_instances"] != nil {
		t.Error("past_meeting_instances is in the catalog: its progress is its own state, not a parent's")
	}

	resume := func(t *testing.T, msgs []json.RawMessage) airbyteOutput {
		t.Helper()
		b, _ := json.Marshal(msgs)
		p := filepath.Join(t.TempDir(), "state.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		before := f.sim.Counters().Snapshot().TotalRequests
		r := runMain(t, "read", "--config", cfgPath, "--allow-host", f.host, "--catalog", cat, "--state", p)
		if r.code != ExitOK {
			t.Fatalf("resumed read: exit %d\n%s", r.code, tail(r.stderr, 2000))
		}
		end := checkStates(t, stateLines(t, []byte(r.stdout)))
		for _, n := range names {
			if ss := end[n]; ss == nil || parentProgress(ss) || len(ss.Done) > 0 || ss.Complete {
				t.Errorf("%s: a finished sync's state still holds progress: %+v", n, ss)
			}
		}
		second := parseAirbyte(t, []byte(r.stdout), false)
		union := map[string][]string{}
		for _, n := range names {
			union[n] = append(append([]string{}, first.Records[n]...), second.Records[n]...)
		}
		compareUnion(t, union, map[string][]string{names[0]: want[names[0]], names[1]: want[names[1]]})
		if n := len(second.Records[names[1]]); n >= len(want[names[1]]) {
			t.Errorf("the resumed read emitted %d participants, no fewer than a whole read (%d): it did not resume", n, len(want[names[1]]))
		}
		t.Logf("resumed: %d requests, %d + %d participants of %d", f.sim.Counters().Snapshot().TotalRequests-before,
			len(first.Records[names[1]]), len(second.Records[names[1]]), len(want[names[1]]))
		return second
	}

	var msgs []json.RawMessage
	for _, n := range names {
		msgs = append(msgs, first.States[n])
	}
	t.Run("resume", func(t *testing.T) { resume(t, msgs) })

	// The earlier format (state version 1): no parents inside the catalog
	// streams' states, the parents' progress in entries of their own.
	t.Run("resume from a version 1 state", func(t *testing.T) {
		parents := map[string]*state.StreamState{}
		var old []json.RawMessage
		for _, n := range names {
			_, ss := decodeStateMsg(t, first.States[n])
			for p, prog := range ss.Parents {
				parents[p] = prog
			}
			ss.Parents = nil
			old = append(old, v1StateMessage(t, n, ss))
		}
		for p, prog := range parents {
			old = append(old, v1StateMessage(t, p, prog))
		}
		if len(parents) == 0 {
			t.Fatal("no parent progress to write in the earlier format")
		}
		resume(t, old)
	})
}

// v1StateMessage is a per-stream STATE message as version 1 wrote it.
func v1StateMessage(t *testing.T, stream string, ss *state.StreamState) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(struct {
		Version int `json:"version"`
		*state.StreamState
	}{1, ss})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "parents") {
		t.Fatalf("version 1 had no parents: %s", b)
	}
	return json.RawMessage(`{"type":"STREAM","stream":{"stream_descriptor":{"name":"` + stream + `"},"stream_state":` + string(b) + `}}`)
}

// parentProgress reports whether a stream state holds progress of a
// parent (its request counts are not progress).
func parentProgress(ss *state.StreamState) bool {
	for _, p := range ss.Parents {
		if len(p.Done) > 0 || p.Complete {
			return true
		}
	}
	return false
}
