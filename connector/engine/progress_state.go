package engine

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/zoom-connector/zoom-connector/internal/state"
)

// Writing the progress tree (progress.go) into a state: bounded by a
// budget, breadth first, so that what is left out is what is deepest.

// stateBudget is the approximate size the progress written in a state may
// take, in bytes, shared by the root streams and the copies of a hidden
// one (parents.go); the state's other fields (cursors, flags, windows
// done) take a few more kilobytes at most.
const stateBudget = 40 << 10

// progress returns a root stream's progress for a state: its finished
// partitions and, breadth first within the stream's budget, the unfinished
// nodes with progress. What does not fit is left out: a resumed read does
// it again (duplicates, never losses).
func (tr *tracker) progress(stream string) *state.Progress {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	rp := tr.roots[stream]
	if rp == nil || len(rp.done) == 0 && len(rp.live) == 0 {
		return nil
	}
	out := &state.Progress{Done: sortedKeys(rp.done)}
	has := map[*node]bool{}
	type item struct {
		n    *node
		into *[]*state.Partition
	}
	var queue []item
	for _, k := range sortedKeys(rp.live) {
		if n := rp.live[k]; hasProgress(n, has) {
			queue = append(queue, item{n, &out.Partitions})
		}
	}
	budget := tr.budget[stream]
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		n := it.n
		cost := len(n.key) + len(n.stream) + 40
		if cost > budget {
			continue
		}
		budget -= cost
		p := &state.Partition{Key: n.key, Read: n.read || n.wasRead}
		if n.parent != nil {
			p.Stream = n.stream
		}
		for _, s := range n.spansToWrite() {
			if budget < 60 {
				break
			}
			budget -= 60
			p.Done = append(p.Done, state.Span{From: s.from, To: s.to, Sum: fmt.Sprintf("%016x", s.sum)})
		}
		*it.into = append(*it.into, p)
		budget = n.keepPriorChildren(p, budget)
		for _, idx := range slices.Sorted(maps.Keys(n.live)) {
			if c := n.live[idx]; hasProgress(c, has) {
				queue = append(queue, item{c, &p.Children})
			}
		}
	}
	if len(out.Done) == 0 && len(out.Partitions) == 0 {
		return nil
	}
	return out
}

// spansToWrite are the node's finished children: those of this run, and
// the spans of the state the read started from that this run has not
// listed yet (a run stopped early, by a daily quota say, keeps the progress
// of the run before it instead of losing it).
func (n *node) spansToWrite() []span {
	if n.listed {
		return n.done
	}
	out := slices.Clone(n.done)
	for _, sp := range n.spans {
		if sp.to > n.kids { // not listed whole in this run: still the state's
			out = append(out, sp)
		}
	}
	slices.SortFunc(out, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	return out
}

// keepPriorChildren adds to p the children under way in the state the read
// started from that this run has not met again (while the node's listing
// has not ended), as the state had them, within budget; it returns the
// budget left.
func (n *node) keepPriorChildren(p *state.Partition, budget int) int {
	if n.listed {
		return budget
	}
	for _, k := range sortedKeys(n.priorKid) {
		c := n.priorKid[k]
		b, err := json.Marshal(c)
		if err != nil || len(b) > budget {
			continue
		}
		budget -= len(b)
		p.Children = append(p.Children, c)
	}
	return budget
}

// hasProgress reports whether a node or one below it has finished
// something, in this run or the one before (memoised in has).
func hasProgress(n *node, has map[*node]bool) bool {
	if v, ok := has[n]; ok {
		return v
	}
	v := n.read || n.wasRead || len(n.done) > 0 || len(n.spansToWrite()) > 0 || !n.listed && len(n.priorKid) > 0
	for _, c := range n.live {
		if hasProgress(c, has) {
			v = true
		}
	}
	has[n] = v
	return v
}
