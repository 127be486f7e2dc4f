package engine

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// task is one unit of work: a partition of a stream, or the fetch of one
// listed item's details.
type task struct {
	stream  streams.Stream
	parent  map[string]any
	partKey string
	query   url.Values
	// winEnd is the window's last day (zero for none), for cursors.
	winEnd time.Time
	// item, when set, makes this task the fetch of one listed item's
	// details (Stream.Detail).
	item map[string]any
	// node is the task's place in the progress of the sync (progress.go).
	node *node
}

// category is the rate-limit category of the task's request.
func (t task) category() zoomapi.Category {
	if t.item != nil {
		return t.stream.DetailCategory
	}
	return t.stream.Category
}

// listsDetails reports whether the task is a listing whose items are
// fetched one by one: each item's detail is its own partition (a child of
// the listing in the sync's progress), so on resume an unfinished listing
// is read again to find the ones not done.
func (t task) listsDetails() bool { return t.item == nil && t.stream.Detail != "" }

// taskQueue holds the tasks to run: a LIFO stack per rate-limit category,
// so children pushed last run first and a read goes depth-first, holding
// few parents in memory. A category may have a cap on the tasks of it in
// flight: without caps, workers that wait in one category's rate limiter
// (say Heavy reports) would hold every slot while the listings of another
// category (Medium) that feed later work sat queued.
type taskQueue struct {
	mu       sync.Mutex
	cond     *sync.Cond
	stacks   map[zoomapi.Category][]queued
	inflight map[zoomapi.Category]int
	caps     map[zoomapi.Category]int
	seq      uint64
	pending  int // pushed and not yet finished
}

type queued struct {
	t   task
	seq uint64
}

func newTaskQueue(caps map[zoomapi.Category]int) *taskQueue {
	q := &taskQueue{stacks: map[zoomapi.Category][]queued{}, inflight: map[zoomapi.Category]int{}, caps: caps}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *taskQueue) push(t task) {
	q.mu.Lock()
	q.seq++
	c := t.category()
	q.stacks[c] = append(q.stacks[c], queued{t, q.seq})
	q.pending++
	q.mu.Unlock()
	q.cond.Signal()
}

// pop waits for a task it may start (its category under its cap), the
// most recently pushed of those; false when every task has finished or ctx
// ended. After ctx ends the tasks left are handed out regardless of caps,
// so they can be marked incomplete.
func (q *taskQueue) pop(ctx context.Context) (task, bool) {
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		cancelled := ctx.Err() != nil
		var best zoomapi.Category
		var bestSeq uint64
		found, any := false, false
		for c, st := range q.stacks {
			if len(st) == 0 {
				continue
			}
			any = true
			if !cancelled && q.caps[c] > 0 && q.inflight[c] >= q.caps[c] {
				continue
			}
			if top := st[len(st)-1].seq; !found || top > bestSeq {
				best, bestSeq, found = c, top, true
			}
		}
		if found {
			st := q.stacks[best]
			t := st[len(st)-1].t
			q.stacks[best] = st[:len(st)-1]
			q.inflight[best]++
			return t, true
		}
		if !any && (q.pending == 0 || cancelled) {
			return task{}, false
		}
		q.cond.Wait()
	}
}

// finish ends a task popped earlier.
func (q *taskQueue) finish(t task) {
	q.mu.Lock()
	q.pending--
	q.inflight[t.category()]--
	q.mu.Unlock()
	q.cond.Broadcast()
}
