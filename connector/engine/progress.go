package engine

import (
	"cmp"
	"hash/fnv"
	"slices"
	"strconv"
	"sync"

	"github.com/zoom-connector/zoom-connector/internal/state"
)

// The progress of a sync under way, in a form whose size does not grow with
// the account (state.Progress). Every task is a node of a tree: a root
// stream's partitions are the roots; the children of a node are the tasks
// it spawns (the child partitions of its records, the detail fetches of
// its items), numbered in the order it lists them. A node is finished when
// its own records are committed and every child is finished; a finished
// child becomes part of a span of finished positions of its parent, so a
// parent whose children finish nearly in order (the queue runs them
// depth-first, in listing order: spawn pushes each page's children in
// reverse) holds one or a few spans. The state names what is finished;
// the tasks queued and not started are not in it: a resumed read lists
// their parent again. Each span carries the sum of its children's hashes,
// so a resumed read skips a span only when its listing gives the same
// children there (a parent added or removed since reads the span again:
// duplicates, never losses).

// node is one task's place in the tree. Its fields are guarded by the
// tracker's lock.
type node struct {
	stream, key string
	hash        uint64
	parent      *node // nil for a root partition
	idx         int   // position among the parent's children
	pending     int   // 1 while its own records are not committed, + children unfinished
	read        bool  // its own records are committed (in this run)
	kids        int   // children spawned so far: the next child's position
	done        []span
	live        map[int]*node // children spawned and not finished

	// From the state the read started from: the node's progress then
	// (prior, nil for none) and whether its records were committed then.
	prior    *state.Partition
	wasRead  bool
	spans    []span // prior.Done, decoded
	spanAt   int    // the first of spans that may still hold a new position
	check    []spawned
	checkSum uint64
	priorKid map[string]*state.Partition

	batch []task // children to push at the end of the current page
	// listed is set when the node's task listed all its children in this
	// run: what the prior progress says of children not met since is void.
	listed bool
}

// span is the finished children at positions [from, to) and the sum of
// their hashes.
type span struct {
	from, to int
	sum      uint64
}

type spawned struct {
	t    task
	idx  int
	hash uint64
}

// tracker is the tree of a read: its root partitions by stream.
type tracker struct {
	mu    sync.Mutex
	roots map[string]*rootProgress
	// budget bounds, approximately, the bytes of the progress written per
	// root stream (a stream's share of the state's bound).
	budget map[string]int
}

// rootProgress is one root stream's progress: its finished partitions
// (the state's, then this run's) and those under way.
type rootProgress struct {
	done  map[string]bool
	prior map[string]*state.Partition
	live  map[string]*node
}

// newTracker starts the tree from the progress st holds for each root
// stream of the plan.
func newTracker(p *plan, st *state.State) *tracker {
	tr := &tracker{roots: map[string]*rootProgress{}, budget: map[string]int{}}
	copies := 0
	for _, s := range p.order {
		if s.Parent != "" {
			continue
		}
		rp := &rootProgress{done: map[string]bool{}, prior: map[string]*state.Partition{}, live: map[string]*node{}}
		if prog := st.Streams[s.Name].Progress; prog != nil {
			for _, k := range prog.Done {
				rp.done[k] = true
			}
			for _, q := range prog.Partitions {
				rp.prior[q.Key] = q
			}
		}
		tr.roots[s.Name] = rp
		if p.hasChildren(s.Name) {
			copies += p.copies(s.Name)
		}
	}
	for _, s := range p.order {
		if s.Parent == "" && p.hasChildren(s.Name) {
			tr.budget[s.Name] = stateBudget / max(1, copies)
		}
	}
	return tr
}

// partHash is a child's hash in a span's sum: of its stream and key.
func partHash(stream, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(stream))
	h.Write([]byte{0})
	h.Write([]byte(key))
	x := h.Sum64() // then splitmix64's finaliser, to spread FNV's bits
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// newNode makes the node of a task, with its progress in the state the
// read started from (nil for none).
func newNode(t task, parent *node, idx int, prior *state.Partition) *node {
	n := &node{stream: t.stream.Name, key: t.partKey, hash: partHash(t.stream.Name, t.partKey), parent: parent,
		idx: idx, pending: 1, live: map[int]*node{}, prior: prior}
	if prior == nil {
		return n
	}
	n.wasRead = prior.Read
	for _, sp := range prior.Done {
		sum, err := strconv.ParseUint(sp.Sum, 16, 64)
		if err != nil || sp.From < 0 || sp.To <= sp.From || len(n.spans) > 0 && sp.From < n.spans[len(n.spans)-1].to {
			continue // not a span this connector wrote: its children are read again
		}
		n.spans = append(n.spans, span{sp.From, sp.To, sum})
	}
	if len(prior.Children) > 0 {
		n.priorKid = map[string]*state.Partition{}
		for _, c := range prior.Children {
			if k := c.Stream + "\x00" + c.Key; n.priorKid[k] == nil {
				n.priorKid[k] = c
			}
		}
	}
	return n
}

// rootTasks returns the tasks of a root stream's partitions to run: those the
// state does not name finished, each with its node, in reverse order (so
// that, pushed on the LIFO queue, the first runs first).
func (tr *tracker) rootTasks(tasks []task) []task {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []task
	for _, t := range slices.Backward(tasks) {
		rp := tr.roots[t.stream.Name]
		if rp.done[t.partKey] {
			continue
		}
		t.node = newNode(t, nil, 0, rp.prior[t.partKey])
		rp.live[t.partKey] = t.node
		out = append(out, t)
	}
	return out
}

// spawn registers child, a task that parent's task found, as its next
// child. A child at a position the state named finished is held until
// the span it falls in has been listed whole: when the span's children
// have the sum the state recorded, they are finished already and are not
// run; otherwise they are run.
func (tr *tracker) spawn(parent *node, child task) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	idx := parent.kids
	parent.kids++
	h := partHash(child.stream.Name, child.partKey)
	for parent.spanAt < len(parent.spans) && parent.spans[parent.spanAt].to <= idx {
		parent.spanAt++
	}
	if parent.spanAt < len(parent.spans) && parent.spans[parent.spanAt].from <= idx {
		sp := parent.spans[parent.spanAt]
		parent.check = append(parent.check, spawned{child, idx, h})
		parent.checkSum += h
		if idx == sp.to-1 {
			if parent.checkSum == sp.sum && len(parent.check) == sp.to-sp.from {
				parent.addDone(sp)
			} else {
				parent.runChecked()
			}
			parent.check, parent.checkSum = nil, 0
		}
		return
	}
	parent.adopt(child, idx, h)
}

// adopt makes child a running child of n, to push at the end of the page.
func (n *node) adopt(child task, idx int, h uint64) {
	var prior *state.Partition
	if n.priorKid != nil {
		k := child.stream.Name + "\x00" + child.partKey
		prior = n.priorKid[k]
		delete(n.priorKid, k) // met again: written from its node from now on
	}
	child.node = newNode(child, n, idx, prior)
	child.node.hash = h
	n.pending++
	n.live[idx] = child.node
	n.batch = append(n.batch, child)
}

// runChecked runs the children held for a span that did not match.
func (n *node) runChecked() {
	for _, c := range n.check {
		n.adopt(c.t, c.idx, c.hash)
	}
}

// takeBatch returns the children of n to push now, in reverse order; at
// the end of n's task (end set), with the children held for a span whose
// listing ended early.
func (tr *tracker) takeBatch(n *node, end bool) []task {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if end && len(n.check) > 0 {
		n.runChecked()
		n.check, n.checkSum = nil, 0
	}
	if end {
		n.listed = true
	}
	b := n.batch
	n.batch = nil
	slices.Reverse(b)
	return b
}

// markRead records that n's own records are committed (called by the
// checkpoint writer, in channel order).
func (tr *tracker) markRead(n *node) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if n.read {
		return
	}
	n.read = true
	n.pending--
	tr.finishUp(n)
}

// finishUp moves each finished node into its parent's spans, up the tree.
func (tr *tracker) finishUp(n *node) {
	for n != nil && n.pending == 0 {
		n.live = nil
		p := n.parent
		if p == nil {
			rp := tr.roots[n.stream]
			rp.done[n.key] = true
			delete(rp.live, n.key)
			return
		}
		delete(p.live, n.idx)
		p.addDone(span{n.idx, n.idx + 1, n.hash})
		p.pending--
		n = p
	}
}

// addDone adds a span of finished children, merging it with its
// neighbours.
func (n *node) addDone(s span) {
	i, _ := slices.BinarySearchFunc(n.done, s.from, func(a span, from int) int { return cmp.Compare(a.from, from) })
	n.done = slices.Insert(n.done, i, s)
	if i+1 < len(n.done) && n.done[i].to == n.done[i+1].from {
		n.done[i].to, n.done[i].sum = n.done[i+1].to, n.done[i].sum+n.done[i+1].sum
		n.done = slices.Delete(n.done, i+1, i+2)
	}
	if i > 0 && n.done[i-1].to == n.done[i].from {
		n.done[i-1].to, n.done[i-1].sum = n.done[i].to, n.done[i-1].sum+n.done[i].sum
		n.done = slices.Delete(n.done, i, i+1)
	}
}

// spawn registers a task found by parent's task as its child (tracker.spawn).
func (e *engine) spawn(parent task, child task) {
	if parent.node == nil {
		e.queue.push(child)
		return
	}
	e.cp.tree.spawn(parent.node, child)
}

// pushSpawned pushes the children t found in its last page, in reverse
// order so they run in listing order.
func (e *engine) pushSpawned(t task) {
	if t.node == nil {
		return
	}
	for _, c := range e.cp.tree.takeBatch(t.node, false) {
		e.queue.push(c)
	}
}

// partitionDone ends a task whose records were all sent to the writer:
// its children are pushed, then the writer marks it read once its records
// are written.
func (e *engine) partitionDone(t task) {
	if t.node != nil {
		for _, c := range e.cp.tree.takeBatch(t.node, true) {
			e.queue.push(c)
		}
	}
	e.cp.partitionDone(t)
}
