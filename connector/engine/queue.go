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

// taskQueue holds the tasks to run: a LIFO stack per rate-limit category
// and priority, so children pushed last run first and a read goes
// depth-first, holding few parents in memory. Within a category the tasks
// of streams of higher priority go first (ReadOptions.StreamPriority), so
// that when the category's daily quota runs short the streams needed
// first have used it. A category may have a cap on the tasks of it in
// flight: without caps, workers that wait in one category's rate limiter
// (say Heavy reports) would hold every slot while the listings of another
// category (Medium) that feed later work sat queued.
type taskQueue struct {
	mu       sync.Mutex
	cond     *sync.Cond
	stacks   map[zoomapi.Category]map[int][]queued // category -> priority -> stack
	inflight map[zoomapi.Category]int
	caps     map[zoomapi.Category]int
	priority map[string]int // stream -> priority (absent: 0)
	seq      uint64
	pending  int // pushed and not yet finished
}

type queued struct {
	t   task
	seq uint64
}

func newTaskQueue(caps map[zoomapi.Category]int, priority map[string]int) *taskQueue {
	q := &taskQueue{stacks: map[zoomapi.Category]map[int][]queued{}, inflight: map[zoomapi.Category]int{}, caps: caps, priority: priority}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *taskQueue) push(t task) {
	q.mu.Lock()
	q.seq++
	c, p := t.category(), q.priority[t.stream.Name]
	if q.stacks[c] == nil {
		q.stacks[c] = map[int][]queued{}
	}
	q.stacks[c][p] = append(q.stacks[c][p], queued{t, q.seq})
	q.pending++
	q.mu.Unlock()
	q.cond.Signal()
}

// top returns the priority and sequence number of the task category c
// would hand out next: the most recently pushed of its highest priority.
func (q *taskQueue) top(c zoomapi.Category) (prio int, seq uint64, ok bool) {
	for p, st := range q.stacks[c] {
		if len(st) > 0 && (!ok || p > prio) {
			prio, seq, ok = p, st[len(st)-1].seq, true
		}
	}
	return prio, seq, ok
}

// pop waits for a task it may start (its category under its cap): of
// those, the one of highest priority, and of equal priorities the most
// recently pushed; false when every task has finished or ctx ended. After
// ctx ends the tasks left are handed out regardless of caps, so they can
// be marked incomplete.
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
		var bestPrio int
		var bestSeq uint64
		found, any := false, false
		for c := range q.stacks {
			p, seq, ok := q.top(c)
			if !ok {
				continue
			}
			any = true
			if !cancelled && q.caps[c] > 0 && q.inflight[c] >= q.caps[c] {
				continue
			}
			if !found || p > bestPrio || p == bestPrio && seq > bestSeq {
				best, bestPrio, bestSeq, found = c, p, seq, true
			}
		}
		if found {
			st := q.stacks[best][bestPrio]
			t := st[len(st)-1].t
			if len(st) == 1 {
				delete(q.stacks[best], bestPrio)
			} else {
				q.stacks[best][bestPrio] = st[:len(st)-1]
			}
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
