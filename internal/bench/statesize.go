package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/zoom-connector/zoom-connector/connector"
	"github.com/zoom-connector/zoom-connector/connector/engine"
	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// StateSize is the size of the states a full read of every stream
// reports while it runs (issue 19's bound: 64 KiB whatever the account's
// size).
type StateSize struct {
	Dataset string `json:"dataset"`
	Records int64  `json:"records"`
	// States counts the states the read reported (one per commit).
	States int `json:"states"`
	// MaxFile is the largest state file (the whole state, as --state-file
	// writes it), in bytes.
	MaxFile int `json:"max_state_file_bytes"`
	// MaxMessage is the largest Airbyte STATE message (one stream's
	// state, as read emits it), in bytes; Messages and MessageBytes count
	// the STATE messages a read in Airbyte mode would emit (a stream's
	// state only when it changed) and their total size.
	MaxMessage   int    `json:"max_state_message_bytes"`
	MaxStream    string `json:"max_state_message_stream"`
	Messages     int    `json:"state_messages"`
	MessageBytes int64  `json:"state_message_bytes"`
	// Seconds is the read's wall time.
	Seconds float64 `json:"seconds"`
}

// String summarises the measurement in one line.
func (s *StateSize) String() string {
	return fmt.Sprintf("full read of every stream of the %s dataset (%d records): %d states, largest state file %d bytes, largest STATE message %d bytes (%s), %d STATE messages totalling %d bytes",
		s.Dataset, s.Records, s.States, s.MaxFile, s.MaxMessage, s.MaxStream, s.Messages, s.MessageBytes)
}

// sizeEvents measures every state a read reports, as the read command
// would write it to a state file and emit it as Airbyte STATE messages.
type sizeEvents struct {
	nopEvents
	mu   sync.Mutex
	m    *StateSize
	last map[string][]byte
	err  error
}

func (e *sizeEvents) State(st *state.State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := st.Marshal()
	if err != nil {
		return err
	}
	e.m.States++
	e.m.MaxFile = max(e.m.MaxFile, len(b))
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for k := range st.Streams {
			if !yield(k) {
				return
			}
		}
	}) {
		ss, err := st.Streams[n].Marshal()
		if err != nil {
			return err
		}
		if bytes.Equal(ss, e.last[n]) {
			continue
		}
		e.last[n] = ss
		msg, err := json.Marshal(&airbyte.AirbyteMessage{Type: airbyte.TypeState, State: &airbyte.AirbyteStateMessage{
			Type:   airbyte.StateTypeStream,
			Stream: &airbyte.AirbyteStreamState{StreamDescriptor: airbyte.StreamDescriptor{Name: n}, StreamState: ss},
		}})
		if err != nil {
			return err
		}
		e.m.Messages++
		e.m.MessageBytes += int64(len(msg) + 1)
		if len(msg)+1 > e.m.MaxMessage {
			e.m.MaxMessage, e.m.MaxStream = len(msg)+1, n
		}
	}
	return nil
}

// RunStateSize reads every stream of a dataset in full, in this process
// through the connector's client and engine against a simulator without
// rate limits, committing every second (commitEvery records at most), and
// measures the states it reports.
func RunStateSize(ctx context.Context, dir, dataset string, seed int64, concurrency int, commitEvery int) (*StateSize, error) {
	v, err := startLiving(dir, DailySyncCase{Dataset: dataset, Seed: seed, Activity: "normal", MaxConcurrency: concurrency},
		time.Now().UTC().Truncate(time.Minute), "unlimited", 0)
	if err != nil {
		return nil, err
	}
	defer v.close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := connector.NewClient(v.cfg, []string{v.host}, log)
	if err != nil {
		return nil, err
	}
	inc := map[string]bool{}
	for _, s := range streams.Zoom() {
		inc[s.Name] = s.Incremental()
	}
	m := &StateSize{Dataset: dataset}
	ev := &sizeEvents{m: m, last: map[string][]byte{}}
	sink := &recordCounter{}
	began := time.Now()
	sum, err := engine.Read(ctx, client, sink, ev, engine.ReadOptions{
		Streams: zoomsim.TruthStreams, Incremental: inc, MaxConcurrency: concurrency, PageSize: 300,
		CommitEvery: commitEvery, CommitInterval: time.Second, Log: log, Now: v.sim.Clock,
	})
	if err != nil {
		return nil, err
	}
	if sum.Failed() {
		return nil, fmt.Errorf("the read of the %s dataset did not complete", dataset)
	}
	m.Records, m.Seconds = sink.n.Load(), time.Since(began).Seconds()
	return m, nil
}

// kib renders a size in bytes, or KiB above 10 KiB.
func kib(n int) string {
	if n < 10<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/1024)
}
