package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/state"
)

// events is a Source of n numbered records under key "A".
type events struct{ n int64 }

func (e events) Records(ctx context.Context, ss *state.StreamState) iter.Seq2[SourceRecord, error] {
	return func(yield func(SourceRecord, error) bool) {
		var after int64
		if ss != nil {
			after = ss.Positions["A"]
		}
		for p := after + 1; p <= e.n; p++ {
			rec := json.RawMessage(fmt.Sprintf(`{"position":%d}`, p))
			if !yield(SourceRecord{Key: "A", Position: p, Record: rec}, nil) {
				return
			}
		}
	}
}

// commitLog is a Sink and the Events of a read: it keeps the records
// committed, the positions each State reports and the records committed
// when it did; Commit fails from the failAt-th call on (0: never).
type commitLog struct {
	mu        sync.Mutex
	pending   []json.RawMessage
	committed []json.RawMessage
	commits   int
	failAt    int
	states    []*state.State
	atState   []int // len(committed) at each State
}

func (c *commitLog) Write(_ string, rec json.RawMessage) error {
	c.pending = append(c.pending, rec)
	return nil
}

func (c *commitLog) Commit() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commits++
	if c.failAt > 0 && c.commits >= c.failAt {
		return errors.New("disk full")
	}
	c.committed, c.pending = append(c.committed, c.pending...), nil
	return nil
}

func (c *commitLog) State(st *state.State) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.states, c.atState = append(c.states, st.Clone()), append(c.atState, len(c.committed))
	return nil
}

func (c *commitLog) StreamStatus(string, StreamStatus, time.Time) {}
func (c *commitLog) Estimate(string, int64)                       {}
func (c *commitLog) StreamError(string, error)                    {}

// TestSourceFollowsTheCommitProtocol: a stream of another source than Zoom
// (webhook_events) goes through the same checkpoint writer: each state's
// position is that of a committed record, a read whose output fails keeps
// the last committed position, and the next read resumes from it with
// nothing lost and nothing repeated.
func TestSourceFollowsTheCommitProtocol(t *testing.T) {
	t.Parallel()
	const n = 2500
	read := func(log *commitLog, from *state.State) (*state.State, error) {
		_, err := Read(context.Background(), nil, log, log, ReadOptions{
			Streams: []string{"webhook_events"}, State: from, CommitEvery: 300,
			Sources: map[string]Source{"webhook_events": events{n}},
		})
		if len(log.states) == 0 {
			return from, err
		}
		return log.states[len(log.states)-1], err
	}
	first := &commitLog{failAt: 4}
	st, err := read(first, nil)
	if err == nil {
		t.Fatal("a failing commit did not stop the read")
	}
	for i, s := range first.states {
		pos := s.Streams["webhook_events"].Positions["A"]
		if pos != int64(first.atState[i]) {
			t.Fatalf("state %d: position %d with %d records committed", i, pos, first.atState[i])
		}
	}
	if got := st.Streams["webhook_events"].Positions["A"]; got != 900 {
		t.Fatalf("last state: position %d, want 900 (three commits of 300)", got)
	}
	second := &commitLog{}
	end, err := read(second, st)
	if err != nil {
		t.Fatal(err)
	}
	var firstRec, lastRec struct{ Position int64 }
	json.Unmarshal(second.committed[0], &firstRec)
	json.Unmarshal(second.committed[len(second.committed)-1], &lastRec)
	if len(first.committed)+len(second.committed) != n || firstRec.Position != 901 || lastRec.Position != n {
		t.Fatalf("resumed read: %d + %d records, from %d to %d", len(first.committed), len(second.committed), firstRec.Position, lastRec.Position)
	}
	if ss := end.Streams["webhook_events"]; ss.Positions["A"] != n || len(ss.Done) != 0 || ss.Complete {
		t.Fatalf("final state %+v", ss)
	}
}

// TestSourceNeedsItsReader: a stream of another source than Zoom selected
// without its reader is refused before anything is read.
func TestSourceNeedsItsReader(t *testing.T) {
	t.Parallel()
	_, err := Read(context.Background(), nil, &commitLog{}, &commitLog{}, ReadOptions{Streams: []string{"webhook_events"}})
	if err == nil || err.Error() != "stream webhook_events is read from the store, and the read was given no reader of it" {
		t.Fatalf("err = %v", err)
	}
}
