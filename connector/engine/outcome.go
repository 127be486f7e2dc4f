package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// outcome keeps what went wrong in a read: the streams that failed, those
// that lost a partition, the daily rate limits reached, and a fatal error.
type outcome struct {
	plan    *plan
	events  Events
	log     *slog.Logger
	onFatal func() // cancels the read

	exhausted zoomapi.DailyLimits // has its own lock

	mu sync.Mutex
	// failed: stream -> permanent error (the stream and its children stop).
	failed map[string]error
	// incomplete marks streams that lost a partition to something a later
	// run can resume (rate limit, cancellation): their progress is kept.
	incomplete map[string]bool
	partErr    map[string]error // the first error that lost a partition
	partErrs   map[string]int   // partitions lost
	reset      map[string]time.Time
	fatal      error
}

func newOutcome(p *plan, ev Events, log *slog.Logger) *outcome {
	return &outcome{plan: p, events: ev, log: log, failed: map[string]error{}, incomplete: map[string]bool{},
		partErr: map[string]error{}, partErrs: map[string]int{}, reset: map[string]time.Time{}}
}

// partitionError classifies an error that ended a partition: a skippable
// Zoom answer (deleted meeting, unlicensed host) finishes it, counted.
func (e *engine) partitionError(t task, err error) {
	if zoomapi.IsSkippable(err) {
		e.stats.skip(t.stream.Name)
		e.partitionDone(t)
		return
	}
	e.out.classify(t.stream.Name, t.category(), err)
}

// classify decides what an error that is not skippable does: a
// cancellation leaves the stream incomplete; a daily rate limit stops the
// category's streams until its reset; an auth error stops the read; a
// missing scope fails the stream (no partition of it can succeed);
// anything else loses the partition.
func (o *outcome) classify(stream string, cat zoomapi.Category, err error) {
	var rl *zoomapi.RateLimitError
	var ae *zoomapi.AuthError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		o.markIncomplete(stream)
	case errors.As(err, &rl) && rl.Daily:
		o.exhaust(cat, rl.Reset)
		o.rateLimited(stream, rl.Reset)
	case errors.As(err, &ae):
		o.setFatal(err)
		o.markIncomplete(stream)
	case errors.As(err, new(*zoomapi.ScopeError)):
		o.fail(stream, err)
	default:
		o.failPartition(stream, err)
	}
}

// failPartition records an error that lost one partition: the stream goes
// on with its other partitions, ends incomplete, and keeps its progress so
// a later run reads the lost partition again.
func (o *outcome) failPartition(stream string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.incomplete[stream] = true
	o.partErrs[stream]++
	if _, ok := o.partErr[stream]; !ok {
		o.partErr[stream] = err
		o.events.StreamError(stream, err)
	}
}

// fail records an error that stops a whole stream (and its children).
func (o *outcome) fail(stream string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.failed[stream]; !ok {
		o.failed[stream] = err
		o.events.StreamError(stream, err)
	}
}

func (o *outcome) markIncomplete(stream string) {
	o.mu.Lock()
	o.incomplete[stream] = true
	o.mu.Unlock()
}

func (o *outcome) exhaust(cat zoomapi.Category, reset time.Time) {
	if o.exhausted.Note(cat, reset) {
		o.log.Warn("daily rate limit reached: streams of this category stop with their state saved",
			"category", string(cat), "resets", reset.Format(time.RFC3339))
	}
}

func (o *outcome) rateLimited(stream string, reset time.Time) {
	o.mu.Lock()
	o.incomplete[stream] = true
	if reset.After(o.reset[stream]) {
		o.reset[stream] = reset
	}
	o.mu.Unlock()
}

// setFatal records the first error that stops the read, and cancels it.
func (o *outcome) setFatal(err error) {
	o.mu.Lock()
	if o.fatal == nil {
		o.fatal = err
	}
	o.mu.Unlock()
	if o.onFatal != nil {
		o.onFatal()
	}
}

func (o *outcome) fatalErr() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.fatal
}

// stopped reports why a task of stream must not run: the stream or a
// parent failed, the read is ending, or the task's category is out of
// daily quota (then it is recorded as rate limited).
func (o *outcome) stopped(ctx context.Context, t task) bool {
	if o.hasFailed(t.stream.Name) != nil || ctx.Err() != nil {
		o.markIncomplete(t.stream.Name)
		return true
	}
	if reset, ok := o.exhausted.Reached(t.category()); ok {
		o.rateLimited(t.stream.Name, reset)
		return true
	}
	return false
}

// hasFailed returns the error of stream, or of the nearest parent that
// failed.
func (o *outcome) hasFailed(stream string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.plan.ancestors(stream) {
		if err, ok := o.failed[s]; ok {
			if s != stream {
				return fmt.Errorf("parent stream %s failed: %w", s, err)
			}
			return err
		}
	}
	return nil
}

// result settles a stream's result at the end of a read: incomplete when
// it, or a parent it hangs off, lost a partition (or the read ended
// early), and then resumable; failed when it, or a parent, failed.
func (o *outcome) result(stream string, ended bool) (r *StreamResult, resumable bool) {
	failed := o.hasFailed(stream)
	o.mu.Lock()
	defer o.mu.Unlock()
	r = &StreamResult{Name: stream, Status: StatusComplete, Reset: o.reset[stream]}
	incomplete := ended || o.fatal != nil
	for _, s := range o.plan.ancestors(stream) {
		incomplete = incomplete || o.incomplete[s]
	}
	switch {
	case failed != nil:
		r.Status, r.Err = StatusIncomplete, failed
	case incomplete:
		r.Status, resumable = StatusIncomplete, true
		if err := o.partErr[stream]; err != nil {
			r.Err = fmt.Errorf("%d partitions lost, the first: %w", o.partErrs[stream], err)
		}
	}
	return r, resumable
}

// finish settles each stream's status and the final state, commits, and
// reports each selected stream's status.
func (e *engine) finish(ctx context.Context, start time.Time) (*Summary, error) {
	results := map[string]*StreamResult{}
	anyIncomplete := false
	for _, s := range e.plan.order {
		r, resumable := e.out.result(s.Name, ctx.Err() != nil)
		r.Records, r.Skipped = e.stats.counts(s.Name)
		results[s.Name] = r
		anyIncomplete = anyIncomplete || resumable
	}
	e.changes.finish(e.cp.st, results, anyIncomplete, e.log) // changes.go
	err := e.cp.settle(results, anyIncomplete)
	sum := &Summary{Elapsed: time.Since(start)}
	for _, s := range e.plan.order {
		if !e.plan.selected[s.Name] {
			continue
		}
		r := results[s.Name]
		sum.Streams = append(sum.Streams, r)
		e.stats.settle(s.Name, r.Status)
		e.events.StreamStatus(s.Name, r.Status, r.Reset)
	}
	if f := e.out.fatalErr(); f != nil {
		return sum, f
	}
	if ctx.Err() != nil {
		return sum, ctx.Err()
	}
	return sum, err
}
