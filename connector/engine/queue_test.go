package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

func TestCategoryCaps(t *testing.T) {
	t.Parallel()
	caps := CategoryCaps(64, map[zoomapi.Category]float64{
		zoomapi.CategoryLight: 80, zoomapi.CategoryMedium: 60, zoomapi.CategoryHeavy: 40, zoomapi.CategoryResourceIntensive: 20.0 / 60,
	})
	want := map[zoomapi.Category]int{zoomapi.CategoryLight: 29, zoomapi.CategoryMedium: 22, zoomapi.CategoryHeavy: 15, zoomapi.CategoryResourceIntensive: 2}
	for c, w := range want {
		if caps[c] != w {
			t.Errorf("%s: cap %d, want %d (all: %v)", c, caps[c], w, caps)
		}
	}
	if CategoryCaps(8, map[zoomapi.Category]float64{}) != nil {
		t.Error("no rates must mean no caps")
	}
}

func TestTaskQueueCapsAndOrder(t *testing.T) {
	t.Parallel()
	heavy := streams.Stream{Name: "h", Category: zoomapi.CategoryHeavy}
	medium := streams.Stream{Name: "m", Category: zoomapi.CategoryMedium}
	q := newTaskQueue(map[zoomapi.Category]int{zoomapi.CategoryHeavy: 1}, nil)
	q.push(task{stream: medium, partKey: "m1"})
	q.push(task{stream: heavy, partKey: "h1"})
	q.push(task{stream: heavy, partKey: "h2"})
	ctx := context.Background()
	a, _ := q.pop(ctx) // the last pushed: h2
	b, _ := q.pop(ctx) // heavy is at its cap: m1
	if a.partKey != "h2" || b.partKey != "m1" {
		t.Fatalf("popped %s then %s, want h2 then m1", a.partKey, b.partKey)
	}
	got := make(chan string)
	go func() {
		c, _ := q.pop(ctx) // waits until h2 finishes
		got <- c.partKey
	}()
	select {
	case k := <-got:
		t.Fatalf("popped %s while heavy was at its cap", k)
	case <-time.After(50 * time.Millisecond):
	}
	q.finish(a)
	if k := <-got; k != "h1" {
		t.Fatalf("popped %s, want h1", k)
	}
}

// TestTaskQueuePriority: within a category the task of the stream of
// higher priority is popped first, the most recent of equal priorities
// first; a category's top competes with the others' by priority too.
func TestTaskQueuePriority(t *testing.T) {
	t.Parallel()
	hi := streams.Stream{Name: "hi", Category: zoomapi.CategoryHeavy}
	lo := streams.Stream{Name: "lo", Category: zoomapi.CategoryHeavy}
	med := streams.Stream{Name: "med", Category: zoomapi.CategoryMedium}
	q := newTaskQueue(nil, map[string]int{"hi": 10, "med": 5})
	for _, tk := range []task{{stream: hi, partKey: "hi1"}, {stream: lo, partKey: "lo1"}, {stream: hi, partKey: "hi2"},
		{stream: lo, partKey: "lo2"}, {stream: med, partKey: "med1"}} {
		q.push(tk)
	}
	var got []string
	for range 5 {
		tk, ok := q.pop(context.Background())
		if !ok {
			t.Fatal("the queue ran dry")
		}
		got = append(got, tk.partKey)
		q.finish(tk)
	}
	if want := "hi2 hi1 med1 lo2 lo1"; strings.Join(got, " ") != want {
		t.Errorf("popped %v, want %s", got, want)
	}
	if _, ok := q.pop(context.Background()); ok {
		t.Error("a task popped from an empty queue")
	}
}

// TestPlanPriorities: a parent read only for its children takes the
// highest priority among them; a selected stream keeps its own unless a
// stream read through it has a higher one; the rest are 0.
func TestPlanPriorities(t *testing.T) {
	t.Parallel()
	p, err := newPlan([]string{"meetings", "meeting_registrants", "past_meeting_instances", "report_daily"}, state.New())
	if err != nil {
		t.Fatal(err)
	}
	p.setPriorities(map[string]int{"meeting_registrants": 5, "past_meeting_instances": -2, "meetings": 1})
	for n, want := range map[string]int{"users": 5, "meetings": 5, "meeting_registrants": 5, "past_meeting_instances": -2, "report_daily": 0} {
		if p.priority[n] != want {
			t.Errorf("%s: priority %d, want %d", n, p.priority[n], want)
		}
	}
}

// TestProbeWeighted: the probe's sample takes each partition's share in
// proportion to the records it stands for, and one item of each of many
// partitions is not always the first.
func TestProbeWeighted(t *testing.T) {
	t.Parallel()
	page := func(tag string, n int) []map[string]any {
		var out []map[string]any
		for i := range n {
			out = append(out, map[string]any{"p": tag, "i": i})
		}
		return out
	}
	got := weighted([]probed{{records: 900, items: page("big", 300)}, {records: 100, items: page("small", 100)}}, 1000, 100)
	share := map[any]int{}
	for _, it := range got {
		share[it["p"]]++
	}
	if share["big"] != 90 || share["small"] != 10 {
		t.Errorf("shares %v, want 90 and 10", share)
	}
	var many []probed
	for range 50 {
		many = append(many, probed{records: 10, items: page("x", 10)})
	}
	firsts := 0
	for _, it := range weighted(many, 500, 50) {
		if it["i"] == 0 {
			firsts++
		}
	}
	if firsts > 10 {
		t.Errorf("%d of 50 one-item picks are a list's first item", firsts)
	}
}
