package connector

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/engine"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// orderRecorder is a Sink and the Events of a read that records the order
// of Write ("W"), Commit ("C", or "F" for a failed one) and State ("S")
// calls. Commit fails from the failAt-th call on (0: never).
type orderRecorder struct {
	mu     sync.Mutex
	calls  []string
	commit int
	failAt int
}

func (r *orderRecorder) add(c string) {
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
}

func (r *orderRecorder) Write(string, json.RawMessage) error { r.add("W"); return nil }

func (r *orderRecorder) Commit() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.commit++
	if r.failAt > 0 && r.commit >= r.failAt {
		r.calls = append(r.calls, "F")
		return errors.New("disk full")
	}
	r.calls = append(r.calls, "C")
	return nil
}

func (r *orderRecorder) State(*state.State) error                            { r.add("S"); return nil }
func (r *orderRecorder) StreamStatus(string, engine.StreamStatus, time.Time) {}
func (r *orderRecorder) Estimate(string, int64)                              {}
func (r *orderRecorder) StreamError(string, error)                           {}

// engineClient is a client of the simulator, as the read command builds it.
func engineClient(t *testing.T, f *simFixture) *zoomapi.Client {
	t.Helper()
	cfg, _, err := config.Load(writeConfig(t, readConfig(f)), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(cfg, []string{f.host}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStateOnlyAfterCommit: the at-least-once guarantee. Every STATE the
// engine reports comes right after a successful Commit of the sink, with
// no record written in between; when a Commit fails, no state follows.
func TestStateOnlyAfterCommit(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 5})
	client := engineClient(t, f)
	opts := engine.ReadOptions{MaxConcurrency: 4, CommitEvery: 25}

	rec := &orderRecorder{}
	if _, err := engine.Read(t.Context(), client, rec, rec, opts); err != nil {
		t.Fatal(err)
	}
	calls := strings.Join(rec.calls, "")
	states, pending := 0, 0
	for i, c := range rec.calls {
		if c != "S" {
			continue
		}
		states++
		if i == 0 || rec.calls[i-1] != "C" {
			t.Fatalf("state %d is not right after a commit: ...%s", states, calls[max(0, i-40):i+1])
		}
		if i >= 2 && rec.calls[i-2] == "W" {
			pending++ // the commit before this state had records to make durable
		}
	}
	if states < 3 || pending < 2 {
		t.Fatalf("%d states, %d after a commit of new records: too few for the check to mean anything (%d calls)", states, pending, len(calls))
	}
	t.Logf("%d records, %d commits, %d states (%d after new records)", strings.Count(calls, "W"), strings.Count(calls, "C"), states, pending)
	if last := strings.LastIndex(calls, "W"); last > strings.LastIndex(calls, "S") {
		t.Fatal("records were written after the last state: they are in no committed state")
	}

	// A sink whose second commit fails: the read stops with the sink's
	// error and reports no state after the failure.
	bad := &orderRecorder{failAt: 2}
	_, err := engine.Read(t.Context(), client, bad, bad, opts)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("read with a failing commit: %v, want the commit's error", err)
	}
	calls = strings.Join(bad.calls, "")
	fail := strings.Index(calls, "F")
	if fail < 0 {
		t.Fatalf("no commit failed: %s", calls)
	}
	if s := strings.Count(calls, "S"); s != 1 || strings.LastIndex(calls, "S") > fail {
		t.Fatalf("%d states with a commit failing at its second call, want one, before the failure: ...%s", s, calls[max(0, fail-40):])
	}
}
