package engine

import (
	"context"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
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
	q := newTaskQueue(map[zoomapi.Category]int{zoomapi.CategoryHeavy: 1})
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
