package zoomapi

import (
	"testing"
	"time"
)

// TestLimitsOf: the plan table is Zoom's documented one, aliases share
// business's row, "" is pro, and an unknown plan is reported.
func TestLimitsOf(t *testing.T) {
	t.Parallel()
	for plan, want := range map[string]PlanLimits{
		"free":       {4, 2, 1, 10},
		"":           {30, 20, 10, 10},
		" Pro ":      {30, 20, 10, 10},
		"business":   {80, 60, 40, 20},
		"enterprise": {80, 60, 40, 20},
		"unlimited":  {},
	} {
		if got, ok := LimitsOf(plan); !ok || got != want {
			t.Errorf("%q: %+v %v, want %+v", plan, got, ok, want)
		}
	}
	if _, ok := LimitsOf("gold"); ok {
		t.Error("an unknown plan is known")
	}
	r, _ := PlanRates("free")
	if r[CategoryResourceIntensive] != 10.0/60 || r[CategoryLight] != 4 {
		t.Errorf("free rates: %v", r)
	}
}

// TestDailyLimits: a category is reached from its first note, reported
// first once, and keeps the later of two resets.
func TestDailyLimits(t *testing.T) {
	t.Parallel()
	var d DailyLimits
	if _, ok := d.Reached(CategoryHeavy); ok {
		t.Fatal("reached before any note")
	}
	t1 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	if !d.Note(CategoryHeavy, t1) || d.Note(CategoryHeavy, t1.Add(-time.Hour)) || !d.Note(CategoryLight, t1) {
		t.Fatal("first notes misreported")
	}
	if r, ok := d.Reached(CategoryHeavy); !ok || !r.Equal(t1) {
		t.Fatalf("heavy: %v %v", r, ok)
	}
	d.Note(CategoryHeavy, t1.Add(time.Hour))
	if r, _ := d.Reached(CategoryHeavy); !r.Equal(t1.Add(time.Hour)) {
		t.Fatalf("the later reset is kept: %v", r)
	}
	if _, ok := d.Reached(CategoryMedium); ok {
		t.Fatal("medium reached")
	}
}
