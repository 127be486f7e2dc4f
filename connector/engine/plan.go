package engine

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/quota"
	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/state"
)

// plan is what a read reads: the selected streams and every parent they
// need. A parent that is not selected is still listed (its records feed
// its children) but not emitted. It is built before the workers start and
// only read after.
type plan struct {
	all      map[string]streams.Stream
	order    []streams.Stream // the needed streams, parents first (streams.All order)
	selected map[string]bool
	needed   map[string]bool
	children map[string][]streams.Stream
	// kind says how the read reads each needed stream (full, or from a
	// cursor), for the request counts the state keeps; priority orders
	// each needed stream's tasks in the queue.
	kind     map[string]quota.Kind
	priority map[string]int
}

// newPlan resolves the selected streams (every stream when names is
// empty: every stream read from Zoom) and their parents, and prepares st for the read: the progress of
// parents that are not selected moves into their own entries (parents.go)
// and every needed stream has an entry, so that st is only read while the
// workers run.
func newPlan(names []string, st *state.State) (*plan, error) {
	p := &plan{all: map[string]streams.Stream{}, selected: map[string]bool{}, needed: map[string]bool{},
		children: map[string][]streams.Stream{}}
	for _, s := range streams.All() {
		p.all[s.Name] = s
	}
	if len(names) == 0 {
		names = streams.ZoomNames()
	}
	for _, n := range names {
		s, ok := p.all[n]
		if !ok {
			return nil, fmt.Errorf("unknown stream %q (known: %s)", n, strings.Join(streams.Names(), ", "))
		}
		p.selected[n] = true
		for a := s; ; a = p.all[a.Parent] {
			p.needed[a.Name] = true
			if a.Parent == "" {
				break
			}
		}
	}
	for _, s := range streams.All() {
		if !p.needed[s.Name] {
			continue
		}
		p.order = append(p.order, s)
		if s.Parent != "" {
			p.children[s.Parent] = append(p.children[s.Parent], s)
		}
	}
	p.adoptParentProgress(st)
	for n := range p.needed {
		st.Stream(n)
	}
	return p, nil
}

// hasChildren reports whether a stream of the read is the parent of
// another.
func (p *plan) hasChildren(stream string) bool { return len(p.children[stream]) > 0 }

// ancestors returns stream and its parents, nearest first.
func (p *plan) ancestors(stream string) []string {
	var out []string
	for s := stream; s != ""; s = p.all[s].Parent {
		out = append(out, s)
	}
	return out
}

// setKinds decides, from the state the read starts with, whether it reads
// each needed stream in full, from its cursor, or from its cursor on a day
// the change-driven rules reconcile (quota.Read.KindOf): the state keeps
// the counts of the last read of each kind apart.
func (p *plan) setKinds(incremental map[string]bool, st *state.State, rules *ChangeRules, now time.Time) {
	r := quota.Read{Incremental: incremental, State: st, Now: now}
	if rules != nil {
		r.SettleDays, r.ReconcileDays = rules.SettleDays, rules.ReconcileDays
	}
	for _, s := range p.order {
		if p.selected[s.Name] {
			r.Selected = append(r.Selected, s.Name)
		}
	}
	p.kind = map[string]quota.Kind{}
	for n := range p.needed {
		p.kind[n] = r.KindOf(n)
	}
}

// setPriorities gives each needed stream the highest priority of the
// selected streams read through it, its own included (own: the configured
// priorities, 0 by default).
func (p *plan) setPriorities(own map[string]int) {
	p.priority = map[string]int{}
	for n := range p.needed {
		p.priority[n] = math.MinInt
	}
	for n := range p.selected {
		for _, a := range p.ancestors(n) {
			p.priority[a] = max(p.priority[a], own[n])
		}
	}
}
