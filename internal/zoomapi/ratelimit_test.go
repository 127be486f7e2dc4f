package zoomapi

import (
	"context"
	"math"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestPlanRates(t *testing.T) {
	t.Parallel()
	want := map[string][4]float64{
		"free":     {4, 2, 1, 10.0 / 60},
		"pro":      {30, 20, 10, 10.0 / 60},
		"business": {80, 60, 40, 20.0 / 60},
	}
	for plan, w := range want {
		r, err := PlanRates(plan)
		if err != nil {
			t.Fatal(err)
		}
		for i, cat := range Categories {
			if math.Abs(float64(r[cat])-w[i]) > 1e-9 {
				t.Errorf("%s %s = %v, want %v", plan, cat, r[cat], w[i])
			}
		}
	}
	r, _ := PlanRates("unlimited")
	if r[CategoryHeavy] != rate.Inf {
		t.Error("unlimited should be Inf")
	}
	if _, err := PlanRates("gold"); err == nil {
		t.Error("unknown plan accepted")
	}
	if c, err := ParseCategory("Resource-intensive"); err != nil || c != CategoryResourceIntensive {
		t.Errorf("ParseCategory: %v %v", c, err)
	}
}

func TestLimiterPacesRequests(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var calls atomic.Int64
	fz.handle("GET /users/me", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 200, `{}`)
	})
	c, clk, _ := newTestClient(t, fz, func(c *Config) { c.Plan = PlanFree })
	start := clk.Now()
	for range 5 {
		req := c.NewRequest("GET", "/users/me", nil, nil)
		req.Category = CategoryLight // free: 4/s
		if _, err := c.Do(context.Background(), req, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Paced at 90% of 4/s: 4 gaps of 1/3.6 s.
	gaps := 4.0
	want := time.Duration(gaps * float64(time.Second) / 3.6)
	if el := clk.Now().Sub(start); el < want-time.Millisecond || el > want+time.Millisecond {
		t.Fatalf("5 light requests on free took %v of fake time, want %v (4 gaps at 90%% of 4/s)", el, want)
	}
}

func TestExplicitRatesOverridePlan(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	c, _, _ := newTestClient(t, fz, func(c *Config) {
		c.Plan = PlanPro
		c.Rates = map[Category]rate.Limit{CategoryHeavy: 3}
	})
	if c.CurrentRate(CategoryHeavy) != 3 || c.CurrentRate(CategoryLight) != 30 {
		t.Fatalf("rates heavy=%v light=%v", c.CurrentRate(CategoryHeavy), c.CurrentRate(CategoryLight))
	}
}

func TestAdaptiveDecreaseAndRecovery(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var calls atomic.Int64
	var fail atomic.Bool
	fz.handle("GET /users", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if fail.Load() {
			writeJSON(w, 429, `{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}`)
			return
		}
		writeJSON(w, 200, `{}`)
	})
	c, clk, _ := newTestClient(t, fz, func(c *Config) { c.Plan = PlanPro; c.MaxRetries = 1 })
	do := func() {
		req := c.NewRequest("GET", "/users", nil, nil)
		req.Category = CategoryMedium
		c.Do(context.Background(), req, nil)
	}
	fail.Store(true)
	do() // two 429s (attempt + 1 retry, >= 1s apart? not necessarily)
	r1 := c.CurrentRate(CategoryMedium)
	if r1 >= 20 || r1 < 2 {
		t.Fatalf("rate after 429 = %v, want lowered", r1)
	}
	for range 20 {
		clk.Advance(2 * time.Second)
		do()
	}
	if r := c.CurrentRate(CategoryMedium); math.Abs(float64(r)-2) > 1e-9 {
		t.Fatalf("rate after many 429s = %v, want floor 2 (10%% of 20)", r)
	}
	fail.Store(false)
	clk.Advance(DefaultAdaptiveQuiet)
	do()
	if r := c.CurrentRate(CategoryMedium); math.Abs(float64(r)-4) > 1e-9 {
		t.Fatalf("rate after one quiet period = %v, want 4", r)
	}
	for range 20 {
		clk.Advance(DefaultAdaptiveQuiet)
		do()
	}
	if r := c.CurrentRate(CategoryMedium); r != 20 {
		t.Fatalf("rate after recovery = %v, want nominal 20", r)
	}
}

// TestUnlimitedLearnsFromA429: an unlimited category paces nothing until
// a per-second 429; then it takes the requests of the last second as its
// rate and adapts from there, so the workers' requests are paced (and
// served in turn) instead of racing for each second's first slots.
func TestUnlimitedLearnsFromA429(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var fail atomic.Bool
	fz.handle("GET /users", func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.Header().Set("X-RateLimit-Type", "QPS")
			writeJSON(w, 429, `{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}`)
			return
		}
		writeJSON(w, 200, `{}`)
	})
	c, clk, _ := newTestClient(t, fz, func(c *Config) { c.Plan = PlanUnlimited; c.MaxRetries = -1 })
	do := func() {
		req := c.NewRequest("GET", "/users", nil, nil)
		req.Category = CategoryHeavy
		c.Do(context.Background(), req, nil)
	}
	for range 50 {
		do()
	}
	if r := c.CurrentRate(CategoryHeavy); r != rate.Inf || len(clk.Sleeps()) != 0 {
		t.Fatalf("before any 429: rate %v, sleeps %v; want Inf and none", r, clk.Sleeps())
	}
	fail.Store(true)
	do() // the 51st request of this second is refused
	if r := c.CurrentRate(CategoryHeavy); r != 51 {
		t.Fatalf("rate after the first 429 = %v, want 51 (the requests of the last second)", r)
	}
	fail.Store(false)
	for range 20 {
		do()
	}
	if len(clk.Sleeps()) == 0 {
		t.Error("requests after the 429 were not paced")
	}
	clk.Advance(3 * time.Second)
	fail.Store(true)
	do()
	if r := c.CurrentRate(CategoryHeavy); math.Abs(float64(r)-51*decreaseFactor) > 1e-9 {
		t.Errorf("rate after a second 429 = %v, want %v (a fifth less)", r, 51*decreaseFactor)
	}
}
