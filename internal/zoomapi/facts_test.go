package zoomapi

import "testing"

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
