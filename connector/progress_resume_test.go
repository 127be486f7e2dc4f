package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/engine"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// committingSink keeps, per stream, the records written and, at each
// Commit, those made durable; its events keep the states reported, with
// the durable records at the time, as a process killed right after a
// state would leave them.
type committingSink struct {
	mu        sync.Mutex
	pending   map[string][]json.RawMessage
	committed map[string][]json.RawMessage
	states    []killPoint
	keep      int // states to keep (0: all); the ctx is cancelled after the last
	cancel    func()
}

// killPoint is a state reported by a read and the records committed when
// it was.
type killPoint struct {
	st        *state.State
	committed map[string][]json.RawMessage
}

func newCommittingSink() *committingSink {
	return &committingSink{pending: map[string][]json.RawMessage{}, committed: map[string][]json.RawMessage{}}
}

func (s *committingSink) Write(stream string, rec json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[stream] = append(s.pending[stream], rec)
	return nil
}

func (s *committingSink) Commit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, recs := range s.pending {
		s.committed[n] = append(s.committed[n], recs...)
	}
	clear(s.pending)
	return nil
}

func (s *committingSink) State(st *state.State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keep > 0 && len(s.states) >= s.keep {
		return nil
	}
	c := map[string][]json.RawMessage{}
	for n, recs := range s.committed {
		c[n] = slices.Clone(recs)
	}
	s.states = append(s.states, killPoint{st.Clone(), c})
	if s.keep > 0 && len(s.states) == s.keep && s.cancel != nil {
		s.cancel()
	}
	return nil
}

func (s *committingSink) StreamStatus(string, engine.StreamStatus, time.Time) {}
func (s *committingSink) Estimate(string, int64)                              {}
func (s *committingSink) StreamError(string, error)                           {}

// canonicalRecords turns a sink's records into canonical JSON per stream.
func canonicalRecords(t *testing.T, recs map[string][]json.RawMessage) map[string][]string {
	out := map[string][]string{}
	for n, rs := range recs {
		for _, r := range rs {
			out[n] = append(out[n], canonical(t, r))
		}
	}
	return out
}

// TestResumeFromProgressLosesNothing: a read of every stream of the small
// dataset is "killed" right after a state (its committed records and that
// state are all that is left, as after kill -9), once early and once
// late; a read resumed from that state, written out and parsed back,
// completes the records with nothing missing, reads much less than a
// whole read, and repeats no more than the partitions in flight can hold.
// The state is version 3's: progress under the root streams, no done
// lists.
func TestResumeFromProgressLosesNothing(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 17})
	client := engineClient(t, f)
	want := truthSets(t, f.sim)
	names := slices.Sorted(maps.Keys(want))
	total := 0
	for _, w := range want {
		total += len(w)
	}
	const concurrency = 4
	for _, nth := range []int{3, 12} {
		t.Run(fmt.Sprintf("killed after state %d", nth), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			first := newCommittingSink()
			first.keep, first.cancel = nth, cancel
			_, _ = engine.Read(ctx, client, first, first, engine.ReadOptions{Streams: names, MaxConcurrency: concurrency, CommitEvery: 300})
			if len(first.states) < nth {
				t.Fatalf("the read reported %d states, fewer than %d", len(first.states), nth)
			}
			kp := first.states[nth-1]
			b, err := kp.st.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), `"done":["`) && !strings.Contains(string(b), `"progress"`) {
				t.Fatalf("a version 3 state without progress: %s", b)
			}
			st, err := state.Parse(b)
			if err != nil || st.Version != state.Version {
				t.Fatalf("state %s: %v", b, err)
			}
			for n, ss := range st.Streams {
				if len(ss.Done) > 0 {
					t.Errorf("%s: the state lists every finished partition (version 2's done): %v", n, ss.Done)
				}
			}
			second := newCommittingSink()
			sum, err := engine.Read(context.Background(), client, second, second, engine.ReadOptions{Streams: names, State: st, MaxConcurrency: concurrency, CommitEvery: 300})
			if err != nil || sum.Failed() {
				t.Fatalf("resumed read: %v", err)
			}
			before, after := canonicalRecords(t, kp.committed), canonicalRecords(t, second.committed)
			union := map[string][]string{}
			firstN, secondN := 0, 0
			for _, n := range names {
				union[n] = append(slices.Clone(before[n]), after[n]...)
				firstN += len(before[n])
				secondN += len(after[n])
			}
			compareUnion(t, union, want)
			dups := countDuplicates(union, want)
			t.Logf("state of %d bytes; %d records committed before the kill, %d read after, truth %d, %d duplicates",
				len(b), firstN, secondN, total, dups)
			if firstN == 0 || secondN >= total {
				t.Errorf("%d records before the kill and %d after, of %d: the read did not resume", firstN, secondN, total)
			}
			// The partitions in flight at a commit are at most one per
			// worker and their parents; none of the small dataset's holds
			// more than a few hundred records.
			if bound := concurrency * 300; dups > bound {
				t.Errorf("%d duplicates, more than the partitions in flight hold (%d)", dups, bound)
			}
		})
	}
}

// TestResumeFromVersion2DoneList: a state written by version 2 (each
// stream's finished partitions in "done") resumes: the partitions it
// lists are not read again, the others are, and the union is the truth.
func TestResumeFromVersion2DoneList(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 23})
	client := engineClient(t, f)
	want := truthSets(t, f.sim)
	const stream = "past_meeting_instances"
	full := newCommittingSink()
	if sum, err := engine.Read(context.Background(), client, full, full, engine.ReadOptions{Streams: []string{stream}, MaxConcurrency: 4}); err != nil || sum.Failed() {
		t.Fatalf("full read: %v", err)
	}
	// The meetings whose instances an interrupted version 2 read had
	// committed: every other one.
	byMeeting := map[string][]json.RawMessage{}
	for _, r := range full.committed[stream] {
		var v struct {
			MeetingID json.Number `json:"meeting_id"`
		}
		if err := json.Unmarshal(r, &v); err != nil || v.MeetingID == "" {
			t.Fatalf("record without meeting_id: %s", r)
		}
		byMeeting[v.MeetingID.String()] = append(byMeeting[v.MeetingID.String()], r)
	}
	var done []string
	committed := map[string][]json.RawMessage{}
	for i, id := range slices.Sorted(maps.Keys(byMeeting)) {
		if i%2 == 0 {
			done = append(done, fmt.Sprintf("%q", "meetingId="+id+";"))
			committed[stream] = append(committed[stream], byMeeting[id]...)
		}
	}
	if len(done) < 5 {
		t.Fatalf("only %d meetings with instances", len(done))
	}
	doc := `{"version":2,"streams":{"` + stream + `":{"done":[` + strings.Join(done, ",") + `]},` +
		`"meetings":{"done":["no such partition"]}}}`
	st, err := state.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	second := newCommittingSink()
	if sum, err := engine.Read(context.Background(), client, second, second, engine.ReadOptions{Streams: []string{stream}, State: st, MaxConcurrency: 4}); err != nil || sum.Failed() {
		t.Fatalf("resumed read: %v", err)
	}
	before, after := canonicalRecords(t, committed), canonicalRecords(t, second.committed)
	union := map[string][]string{stream: append(slices.Clone(before[stream]), after[stream]...)}
	compareUnion(t, union, map[string][]string{stream: want[stream]})
	if dups := countDuplicates(union, want); dups > 0 {
		t.Errorf("%d instances read again although the version 2 state lists their meetings done", dups)
	}
	t.Logf("%d meetings done in the version 2 state: %d instances committed before, %d read on resume, truth %d",
		len(done), len(before[stream]), len(after[stream]), len(want[stream]))
	if last := second.states[len(second.states)-1].st; last.Version != state.Version || len(last.Streams[stream].Done) > 0 {
		t.Errorf("the resumed read's last state: version %d, done %v", last.Version, last.Streams[stream].Done)
	}
}
