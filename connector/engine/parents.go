package engine

import (
	"slices"

	"github.com/zoom-connector/zoom-connector/internal/state"
)

// A parent stream that is read only because a selected stream needs it
// (past_meeting_instances selected, meetings not) has progress of its own
// in a sync under way: its complete flag and, for a root stream, the
// progress of the partitions below it (progress.go). The
// platform keeps state only for the streams of the configured catalog, so
// the reported state carries that progress inside the state of each
// selected stream that needs the parent (StreamState.Parents), and has no
// entry of its own for the parent, but for its cursor when the state it
// started from had one (a cursor of the parent's own reads, which this
// read does not change: it is kept for a state file shared by reads of
// other selections). Inside the engine the parent keeps its own entry.

// hiddenParents returns the needed streams that are not selected, sorted.
func (p *plan) hiddenParents() []string {
	var out []string
	for n := range p.needed {
		if !p.selected[n] {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// needs reports whether stream (selected) reads through parent.
func (p *plan) needs(stream, parent string) bool {
	for a := p.all[stream].Parent; a != ""; a = p.all[a].Parent {
		if a == parent {
			return true
		}
	}
	return false
}

// copies is how many times a reported state holds a root stream's
// progress: once in its own entry when it is selected, else once in each
// selected stream that needs it.
func (p *plan) copies(root string) int {
	if p.selected[root] {
		return 1
	}
	n := 0
	for s := range p.selected {
		if p.needs(s, root) {
			n++
		}
	}
	return max(1, n)
}

// adoptParentProgress moves the progress of each hidden parent from the
// selected streams' Parents into the parent's own entry of st, which the
// engine works with; then no stream of the read holds Parents. A state written
// before Parents existed has the progress in the parent's own entry
// already, and is used as it is.
func (p *plan) adoptParentProgress(st *state.State) {
	names := sortedKeys(st.Streams)
	for _, h := range p.hiddenParents() {
		for _, n := range names {
			prog := st.Streams[n].Parents[h]
			if prog == nil || !p.selected[n] || !p.needs(n, h) {
				continue
			}
			ps := st.Stream(h)
			ps.Done, ps.Progress, ps.Complete = slices.Clone(prog.Done), prog.Progress.Clone(), prog.Complete
			if !prog.Requests.Empty() {
				ps.Requests = prog.Requests.Clone()
			}
			break
		}
	}
	for n := range p.needed {
		if ss := st.Streams[n]; ss != nil {
			ss.Parents = nil
		}
	}
}

// nestParents rewrites a state snapshot for reporting: each hidden
// parent's progress and request counts go into the Parents of every
// selected stream that needs it, and the parent's own entry keeps only its
// cursor (or goes).
func (p *plan) nestParents(snap *state.State) {
	for _, h := range p.hiddenParents() {
		ps, ok := snap.Streams[h]
		if !ok {
			continue
		}
		if ps.Cursor != "" {
			snap.Streams[h] = &state.StreamState{Cursor: ps.Cursor}
		} else {
			delete(snap.Streams, h)
		}
		if len(ps.Done) == 0 && ps.Progress == nil && !ps.Complete && ps.Requests.Empty() {
			continue
		}
		for _, n := range sortedKeys(p.selected) {
			if !p.needs(n, h) {
				continue
			}
			ss := snap.Stream(n)
			if ss.Parents == nil {
				ss.Parents = map[string]*state.StreamState{}
			}
			ss.Parents[h] = &state.StreamState{Done: slices.Clone(ps.Done), Progress: ps.Progress.Clone(), Complete: ps.Complete, Requests: ps.Requests.Clone()}
		}
	}
}
