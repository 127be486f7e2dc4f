package zoomapi

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Category is a Zoom rate-limit label
// (https://developers.zoom.us/docs/api/rate-limits/). Each endpoint's label
// is in its documentation; the caller sets it on Request.Category.
type Category string

// Rate-limit categories.
const (
	CategoryLight             Category = "light"
	CategoryMedium            Category = "medium"
	CategoryHeavy             Category = "heavy"
	CategoryResourceIntensive Category = "resource-intensive"
)

// Categories lists every Category.
var Categories = []Category{CategoryLight, CategoryMedium, CategoryHeavy, CategoryResourceIntensive}

// ParseCategory maps a category name, including Zoom's header spelling
// ("Light", "Resource-intensive"), to a Category.
func ParseCategory(s string) (Category, error) {
	c := Category(strings.ToLower(strings.TrimSpace(s)))
	switch c {
	case CategoryLight, CategoryMedium, CategoryHeavy, CategoryResourceIntensive:
		return c, nil
	case "resource_intensive", "resourceintensive":
		return CategoryResourceIntensive, nil
	}
	return "", fmt.Errorf("zoomapi: unknown rate-limit category %q", s)
}

// PlanRates returns the per-second request rates Zoom documents for plan
// (free, pro, business; business also covers education and enterprise).
// "unlimited" returns rate.Inf for every category. Resource-intensive limits
// are per minute in Zoom's table and are converted to per second here.
func PlanRates(plan string) (map[Category]rate.Limit, error) {
	l, ok := LimitsOf(plan)
	if !ok {
		return nil, fmt.Errorf("zoomapi: unknown plan %q (want free, pro, business or unlimited)", plan)
	}
	if l == (PlanLimits{}) {
		return map[Category]rate.Limit{CategoryLight: rate.Inf, CategoryMedium: rate.Inf, CategoryHeavy: rate.Inf, CategoryResourceIntensive: rate.Inf}, nil
	}
	return map[Category]rate.Limit{CategoryLight: rate.Limit(l.Light), CategoryMedium: rate.Limit(l.Medium),
		CategoryHeavy: rate.Limit(l.Heavy), CategoryResourceIntensive: rate.Limit(l.ResourceIntensivePerMinute / 60)}, nil
}

// Adaptive tuning: on a per-second 429 the rate drops by a fifth (at most
// once per decreaseGap), never below floorFraction of nominal; after a
// quiet period without 429s it grows back by recoverFraction of nominal per
// period.
//
// headroom: the limiter paces requests at 90% of each limit. Zoom counts
// requests in one-second windows as they arrive, and network jitter bunches
// evenly spaced requests, so pacing at exactly the limit draws 429s (which
// then cost far more than 10%).
const (
	headroom        = 0.9
	decreaseFactor  = 0.8
	floorFraction   = 0.1
	recoverFraction = 0.1
	decreaseGap     = time.Second
)

// catLimiter is the limiter of one category, shared by all requests of the
// process, with additive-increase / multiplicative-decrease adaptation
// (other apps share the account's limit, so 429s can arrive below nominal).
//
// An unlimited category (plan "unlimited", or no rate configured) does not
// pace until Zoom answers a per-second 429: the account has a limit after
// all (another plan, or other apps sharing it). It then learns one: the
// requests started in the last second become its nominal rate, and the
// adaptation above takes over. Without it, the workers that happen to be
// awake take every slot of each second in its first milliseconds, and a
// request that keeps waking into a full second is refused until it gives
// up.
type catLimiter struct {
	mu           sync.Mutex
	nominal      rate.Limit
	current      rate.Limit
	lim          *rate.Limiter
	quiet        time.Duration
	lastChange   time.Time
	lastDecrease time.Time
	// While unlimited: requests started in the current one-second window
	// (from winStart) and in the one before it.
	winStart           time.Time
	winCount, winPrior int
}

func newCatLimiter(r rate.Limit, quiet time.Duration) *catLimiter {
	return &catLimiter{nominal: r, current: r, lim: rate.NewLimiter(r*headroom, 1), quiet: quiet}
}

// wait blocks (through sleep) until the category allows one more request.
func (l *catLimiter) wait(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	t := now()
	if l.nominal == rate.Inf {
		l.countLocked(t)
		l.mu.Unlock()
		return ctx.Err()
	}
	l.recoverLocked(t)
	r := l.lim.ReserveN(t, 1)
	l.mu.Unlock()
	if !r.OK() {
		return fmt.Errorf("zoomapi: rate limiter refused reservation")
	}
	if d := r.DelayFrom(t); d > 0 {
		if err := sleep(ctx, d); err != nil {
			r.CancelAt(now())
			return err
		}
	}
	return ctx.Err()
}

// countLocked counts a request started at t in the one-second windows of
// an unlimited limiter.
func (l *catLimiter) countLocked(t time.Time) {
	switch d := t.Sub(l.winStart); {
	case d >= 2*time.Second || d < 0:
		l.winStart, l.winCount, l.winPrior = t, 0, 0
	case d >= time.Second:
		l.winStart, l.winCount, l.winPrior = l.winStart.Add(time.Second), 0, l.winCount
	}
	l.winCount++
}

// throttled records a per-second 429 for this category.
func (l *catLimiter) throttled(t time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.nominal == rate.Inf {
		// Learn a limit: the requests started in the last second (at
		// least one), which Zoom found too many.
		l.countLocked(t)
		l.winCount-- // countLocked counted no request here
		learned := rate.Limit(max(1, l.winCount, l.winPrior))
		l.nominal, l.current = learned, learned
		l.lim = rate.NewLimiter(learned*headroom, 1)
		l.lastChange, l.lastDecrease = t, t
		return
	}
	if !l.lastDecrease.IsZero() && t.Sub(l.lastDecrease) < decreaseGap {
		return
	}
	next := l.current * decreaseFactor
	if floor := l.nominal * floorFraction; next < floor {
		next = floor
	}
	l.current = next
	l.lim.SetLimitAt(t, next*headroom)
	l.lastChange, l.lastDecrease = t, t
}

func (l *catLimiter) recoverLocked(t time.Time) {
	if l.current >= l.nominal || t.Sub(l.lastChange) < l.quiet {
		return
	}
	next := l.current + l.nominal*recoverFraction
	if next > l.nominal {
		next = l.nominal
	}
	l.current = next
	l.lim.SetLimitAt(t, next*headroom)
	l.lastChange = t
}

func (l *catLimiter) limit() rate.Limit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current
}

// CurrentRate returns the current (possibly adaptively lowered) request rate
// per second of category cat; rate.Inf means unlimited.
func (c *Client) CurrentRate(cat Category) rate.Limit {
	l := c.limiters[cat]
	if l == nil {
		return rate.Inf
	}
	return l.limit()
}
