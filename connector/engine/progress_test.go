package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/state"
)

var (
	usersStream    = streams.Stream{Name: "users"}
	meetingsStream = streams.Stream{Name: "meetings", Parent: "users"}
)

// testTracker is a tracker of one root stream, users, resumed from prog
// (nil: a new sync), with a budget of budget bytes.
func testTracker(prog *state.Progress, budget int) *tracker {
	st := state.New()
	st.Stream("users").Progress = prog.Clone()
	p := &plan{order: []streams.Stream{usersStream, meetingsStream}, selected: map[string]bool{"users": true, "meetings": true},
		children: map[string][]streams.Stream{"users": {meetingsStream}}, all: map[string]streams.Stream{"users": usersStream, "meetings": meetingsStream}}
	tr := newTracker(p, st)
	tr.budget["users"] = budget
	return tr
}

// listing spawns one child partition per key under the root partition
// "all" and returns the root task and the children to run, in the order
// they would run.
func listing(tr *tracker, keys []string) (task, []string) {
	roots := tr.rootTasks([]task{{stream: usersStream, partKey: "all"}})
	if len(roots) == 0 {
		return task{}, nil
	}
	root := roots[0]
	for _, k := range keys {
		tr.spawn(root.node, task{stream: meetingsStream, partKey: k})
	}
	var run []string
	for _, c := range slices.Backward(tr.takeBatch(root.node, true)) {
		run = append(run, c.partKey)
	}
	return root, run
}

func keys(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("userId=u%d;", i))
	}
	return out
}

// finish marks the children of root with the given keys read (leaves: so
// finished).
func finish(tr *tracker, root task, done ...string) {
	tr.mu.Lock()
	var nodes []*node
	for _, c := range root.node.live {
		if slices.Contains(done, c.key) {
			nodes = append(nodes, c)
		}
	}
	tr.mu.Unlock()
	for _, n := range nodes {
		tr.markRead(n)
	}
}

// TestProgressSpansAndResume: children finished nearly in order are a
// few spans; a resume from that progress runs only the others, and a
// listing that changed since (a child added or removed before or inside a
// span) runs the span's children again rather than skip any.
func TestProgressSpansAndResume(t *testing.T) {
	t.Parallel()
	tr := testTracker(nil, stateBudget)
	ks := keys(10)
	root, run := listing(tr, ks)
	if !slices.Equal(run, ks) {
		t.Fatalf("children run in the order %v, want the listing's %v", run, ks)
	}
	tr.markRead(root.node)
	finish(tr, root, ks[0], ks[1], ks[2], ks[4], ks[3], ks[5], ks[8])
	prog := tr.progress("users")
	if len(prog.Done) != 0 || len(prog.Partitions) != 1 {
		t.Fatalf("progress %+v", prog)
	}
	p := prog.Partitions[0]
	if !p.Read || len(p.Done) != 2 || p.Done[0].From != 0 || p.Done[0].To != 6 || p.Done[1].From != 8 || p.Done[1].To != 9 || len(p.Children) != 0 {
		t.Fatalf("partition progress %+v", p)
	}

	for _, tc := range []struct {
		name     string
		listing  []string
		want     []string
		readDone bool
	}{
		{"same listing", ks, []string{ks[6], ks[7], ks[9]}, true},
		{"a child added first", append([]string{"userId=new;"}, ks...), append([]string{"userId=new;"}, ks...), true},
		{"a child removed from the first span", slices.Delete(slices.Clone(ks), 2, 3),
			slices.Delete(slices.Clone(ks), 2, 3), true},
		{"a child added after the spans", append(slices.Clone(ks), "userId=new;"), []string{ks[6], ks[7], ks[9], "userId=new;"}, true},
		{"the listing ends inside a span", ks[:4], ks[:4], true},
	} {
		tr2 := testTracker(prog, stateBudget)
		root2, run2 := listing(tr2, tc.listing)
		if !slices.Equal(run2, tc.want) {
			t.Errorf("%s: resumed read runs %v, want %v", tc.name, run2, tc.want)
		}
		if root2.node.wasRead != tc.readDone {
			t.Errorf("%s: the root's records committed: %v", tc.name, root2.node.wasRead)
		}
	}

	// Once every child is finished, the root partition is finished and
	// named in Done; a resume does not run it.
	finish(tr, root, ks[6], ks[7], ks[9])
	prog = tr.progress("users")
	if strings.Join(prog.Done, ",") != "all" || len(prog.Partitions) != 0 {
		t.Fatalf("finished: %+v", prog)
	}
	if _, run := listing(testTracker(prog, stateBudget), ks); run != nil {
		t.Errorf("a finished root partition runs again: %v", run)
	}
}

// TestProgressBudget: the progress written stays within the budget, by
// leaving out (to read again) what does not fit, deepest first; a span
// from a state that is not well formed is read again.
func TestProgressBudget(t *testing.T) {
	t.Parallel()
	tr := testTracker(nil, 400)
	ks := keys(40)
	root, _ := listing(tr, ks)
	// Every other child finished: twenty spans, more than 400 bytes hold.
	var odd []string
	for i, k := range ks {
		if i%2 == 0 {
			odd = append(odd, k)
		}
	}
	finish(tr, root, odd...)
	prog := tr.progress("users")
	p := prog.Partitions[0]
	if len(p.Done) == 0 || len(p.Done) >= 20 {
		t.Fatalf("%d spans written with a budget of 400 bytes", len(p.Done))
	}
	tr2 := testTracker(prog, 400)
	_, run := listing(tr2, ks)
	if len(run) != 40-len(p.Done) {
		t.Errorf("resumed from %d spans of one child each, %d of 40 children run", len(p.Done), len(run))
	}
	bad := &state.Progress{Partitions: []*state.Partition{{Key: "all", Done: []state.Span{{From: 0, To: 5, Sum: "not hex"}, {From: 3, To: 2, Sum: "00"}}}}}
	if _, run := listing(testTracker(bad, 400), ks); len(run) != 40 {
		t.Errorf("malformed spans skipped %d children", 40-len(run))
	}
}
