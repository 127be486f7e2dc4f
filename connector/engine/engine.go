// Package engine is the read engine: it reads the selected streams of
// connector/streams through the one Zoom client into a Sink, and reports
// progress, stream statuses and states through Events.
//
// One file per concern:
//
//   - engine.go: the public types and Read, which wires the rest;
//   - plan.go: the selected streams and every parent they need;
//   - parents.go: the progress of parents that are read but not selected;
//   - partitions.go: pure functions from a stream, a parent record and the
//     read's clock to the partitions (fanout × month window) to read;
//   - queue.go: the task queue (LIFO per rate-limit category, caps,
//     stream priority);
//   - fetch.go: one path from a task to its items (pages, an unpaged
//     answer, one item's details) and what happens to each record;
//   - outcome.go: how errors end partitions, streams or the read, and the
//     final status of each stream;
//   - checkpoint.go: the one writer of the sink and the state, fed by a
//     channel: records, finished partitions and cursors go through it in
//     order, so a state never names a partition whose records are not
//     committed;
//   - progress.go: the sync's progress as a tree of partitions;
//     progress_state.go writes it to the state in a bounded form
//     (finished spans of each parent's children in listing order, and
//     the partitions under way);
//   - source.go: streams of another source than Zoom (webhook_events);
//   - stats.go: the counters progress reports;
//   - probe.go: the quota estimate's sample of a read no earlier read
//     counted;
//   - download.go: the text a record's URL serves (transcripts);
//   - changes.go: change-driven reads (settled meetings and webinars,
//     webhook events, reconciliation).
package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// Sink receives what a read produces. Write and Commit are called from one
// goroutine, the engine's checkpoint writer, so a Sink need not be safe
// for concurrent use.
type Sink interface {
	// Write takes one record of a stream.
	Write(stream string, rec json.RawMessage) error
	// Commit makes every record written so far durable.
	Commit() error
}

// Events receives the read's progress and outcome; every method may be
// called from several goroutines.
type Events interface {
	// StreamStatus reports a stream starting, running, completing, or ending
	// incomplete (reset is set when a daily rate limit stopped it).
	StreamStatus(stream string, status StreamStatus, reset time.Time)
	// Estimate reports the total records Zoom announced so far for a stream.
	Estimate(stream string, rows int64)
	// State reports a state whose records are all committed.
	State(st *state.State) error
	// StreamError reports why a stream failed.
	StreamError(stream string, err error)
}

// Source reads a stream that does not come from Zoom's API
// (streams.Stream.Source): webhook_events from the serve store.
type Source interface {
	// Records yields the stream's records after the progress ss holds
	// (its Positions; nil for none), in order.
	Records(ctx context.Context, ss *state.StreamState) iter.Seq2[SourceRecord, error]
}

// SourceRecord is one record of a Source and its place: the state keeps,
// per Key, the Position of the last record committed
// (StreamState.Positions), from which the next read continues.
type SourceRecord struct {
	Key      string
	Position int64
	Record   json.RawMessage
}

// StreamStatus is a stream's status in a read.
type StreamStatus string

// Stream statuses, as Airbyte's STREAM_STATUS names them.
const (
	StatusStarted    StreamStatus = "STARTED"
	StatusRunning    StreamStatus = "RUNNING"
	StatusComplete   StreamStatus = "COMPLETE"
	StatusIncomplete StreamStatus = "INCOMPLETE"
)

// ReadOptions configure one read.
type ReadOptions struct {
	// Streams are the selected streams, parents before children or in any
	// order; every stream they need as a parent is listed too, once.
	Streams []string
	// Incremental names the selected streams read incrementally (their
	// cursor in State is honoured); the others are full refresh.
	Incremental map[string]bool
	// State is the state of the previous run (nil for none).
	State *state.State
	// MaxConcurrency bounds the requests in flight (default
	// config.DefaultMaxConcurrency).
	MaxConcurrency int
	// CategoryCaps bounds the requests in flight per rate-limit category
	// (absent or 0: no bound but MaxConcurrency). See CategoryCaps.
	CategoryCaps map[zoomapi.Category]int
	// PageSize caps every stream's page size (0 keeps each stream's own).
	PageSize int
	// StartDate is the earliest date to read time-windowed streams from
	// (zero: as far back as Zoom keeps, six months).
	StartDate time.Time
	// Lookback re-reads this much before an incremental cursor;
	// StreamLookback overrides it per stream.
	Lookback       time.Duration
	StreamLookback map[string]time.Duration
	// StreamPageSize overrides PageSize per stream.
	StreamPageSize map[string]int
	// StreamPriority orders the tasks of a rate-limit category: those of
	// streams of higher priority first (default 0), so that when the
	// category's daily quota runs short the streams needed first get it. A
	// parent takes the highest priority of the selected streams read
	// through it.
	StreamPriority map[string]int
	// CommitEvery commits after this many records (default 20,000) and
	// CommitInterval after this long (default 5 s), whichever comes first.
	CommitEvery    int
	CommitInterval time.Duration
	// Now is the clock (default time.Now): the read's "today", which
	// decides its time windows.
	Now func() time.Time
	// Began, when set, is the instant the read begins instead of Now() at
	// Read: the caller that estimated the read's quota at that instant
	// passes it, so the estimate and the read agree on the day and on
	// which syncs reconcile.
	Began time.Time
	// Log receives diagnostics.
	Log *slog.Logger
	// Sources read the selected streams that do not come from Zoom, by
	// stream name.
	Sources map[string]Source
	// Progress, when set, is called every ProgressInterval (default 1 s)
	// with each selected stream's progress, and once at the end.
	Progress         func([]StreamProgress)
	ProgressInterval time.Duration
	// Changes, when set, makes the incremental reads change-driven
	// (changes.go).
	Changes *ChangeRules
}

// withDefaults fills the options left zero.
func (o ReadOptions) withDefaults() ReadOptions {
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = config.DefaultMaxConcurrency
	}
	if o.CommitEvery <= 0 {
		o.CommitEvery = 20000
	}
	if o.CommitInterval <= 0 {
		o.CommitInterval = 5 * time.Second
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// began is the instant the read begins, in UTC: Began, else Now() (call
// it after withDefaults).
func (o ReadOptions) began() time.Time {
	if !o.Began.IsZero() {
		return o.Began.UTC()
	}
	return o.Now().UTC()
}

// startState is a copy of the state the read starts from (an empty one
// without State), which the read changes.
func (o ReadOptions) startState() *state.State {
	if o.State == nil {
		return state.New()
	}
	return o.State.Clone()
}

// StreamProgress is a stream's progress during a read.
type StreamProgress struct {
	Name string
	// Records read so far; Estimate is the total Zoom announced so far
	// (0 when unknown).
	Records, Estimate int64
	// Requests sent for the stream so far (pages and details).
	Requests int64
	Status   StreamStatus
}

// StreamResult is one stream's outcome.
type StreamResult struct {
	Name    string
	Records int64
	// Skipped counts partitions Zoom answered with a skippable error
	// (deleted meeting, unlicensed host, registration disabled).
	Skipped int64
	Status  StreamStatus
	// Err is why the stream failed, if it did.
	Err error
	// Reset is when a daily rate limit that stopped the stream resets.
	Reset time.Time
}

// Summary is a read's outcome.
type Summary struct {
	// Streams are the selected streams' results, in streams.All order.
	Streams []*StreamResult
	// Elapsed is the read's wall time.
	Elapsed time.Duration
}

// Failed reports whether any stream did not complete.
func (s *Summary) Failed() bool {
	for _, r := range s.Streams {
		if r.Status != StatusComplete {
			return true
		}
	}
	return false
}

// engine runs one read. Its parts are each guarded by their own lock, or
// owned by one goroutine:
//   - plan, prior and windows are set before the workers start and only
//     read after;
//   - queue has its own lock (queue.go);
//   - cp is owned by the checkpoint goroutine while the read runs, and by
//     finish after (checkpoint.go);
//   - stats (counters for progress) and out (errors and incompletes) have
//     their own mutex each.
type engine struct {
	client *zoomapi.Client
	opts   ReadOptions
	events Events
	log    *slog.Logger
	now    time.Time

	plan    *plan
	windows map[string][]window // per windowed stream, from the read's clock
	changes *changes            // change-driven reads (changes.go)

	queue *taskQueue
	cp    *checkpoint
	stats *stats
	out   *outcome
}

// Read reads the selected streams through client into sink. It returns
// when every stream has completed, failed or been stopped by a rate limit;
// a fatal error (bad credentials, cancellation, a sink failure) stops it
// early, after committing what was written and reporting the state.
func Read(ctx context.Context, client *zoomapi.Client, sink Sink, events Events, opts ReadOptions) (*Summary, error) {
	start := time.Now()
	opts = opts.withDefaults()
	e := &engine{client: client, opts: opts, events: events, log: opts.Log, now: opts.began()}
	st := opts.startState()
	p, err := newPlan(opts.Streams, st)
	if err != nil {
		return nil, err
	}
	for _, s := range p.order {
		if s.Source != streams.SourceZoom && opts.Sources[s.Name] == nil {
			return nil, fmt.Errorf("stream %s is read from the %s, and the read was given no reader of it", s.Name, s.Source)
		}
	}
	p.setKinds(opts.Incremental, st, opts.Changes, e.now)
	p.setPriorities(opts.StreamPriority)
	e.plan = p
	if e.changes, err = newChanges(ctx, opts.Changes, p, opts.Incremental, st, e.now); err != nil {
		e.log.Warn("the webhook events could not be read: this read skips no settled meeting or webinar", "error", err)
	}
	e.windows = e.planWindows(st)
	e.stats = newStats(p)
	e.out = newOutcome(p, events, e.log)
	e.cp = newCheckpoint(sink, events, st, e)
	e.queue = newTaskQueue(opts.CategoryCaps, p.priority)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.out.onFatal = cancel
	stopProgress := e.reportProgress()
	e.seed()
	e.cp.start()
	e.work(ctx)
	e.cp.stop()
	defer stopProgress()
	return e.finish(ctx, start)
}

// seed reports each selected stream started and queues the partitions of
// the root streams that the sync under way has not finished.
func (e *engine) seed() {
	for _, s := range e.plan.order {
		if e.plan.selected[s.Name] {
			e.events.StreamStatus(s.Name, StatusStarted, time.Time{})
		}
		if s.Parent == "" {
			for _, t := range e.cp.tree.rootTasks(e.partitions(s, nil)) {
				e.queue.push(t)
			}
		}
	}
}

// work runs the queue's tasks on MaxConcurrency workers until every task
// has finished or ctx ends.
func (e *engine) work(ctx context.Context) {
	var wg sync.WaitGroup
	for range e.opts.MaxConcurrency {
		wg.Go(func() {
			for {
				t, ok := e.queue.pop(ctx)
				if !ok {
					return
				}
				e.run(ctx, t)
				e.queue.finish(t)
			}
		})
	}
	wg.Wait()
}

// reportProgress calls opts.Progress every ProgressInterval until the
// returned function is called, which reports once more.
func (e *engine) reportProgress() (stop func()) {
	if e.opts.Progress == nil {
		return func() {}
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		tick := time.NewTicker(e.opts.ProgressInterval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				e.opts.Progress(e.stats.progress())
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-exited
		e.opts.Progress(e.stats.progress())
	}
}

// CategoryCaps shares maxConcurrency between the rate-limit categories in
// proportion to their rates (per second), at least 2 each, so that no
// category's rate-limit waits can hold every request slot. With no rates
// (plan unlimited) there are no caps.
func CategoryCaps(maxConcurrency int, perSecond map[zoomapi.Category]float64) map[zoomapi.Category]int {
	var sum float64
	for _, r := range perSecond {
		sum += r
	}
	if sum <= 0 {
		return nil
	}
	caps := map[zoomapi.Category]int{}
	for c, r := range perSecond {
		caps[c] = max(2, int(math.Ceil(float64(maxConcurrency)*r/sum)))
	}
	return caps
}
