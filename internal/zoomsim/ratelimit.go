package zoomsim

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limits are an account's rate limits. A zero per-second (or, for
// Resource-intensive, per-minute) rate means unlimited; a zero daily quota
// means no daily limit.
type Limits struct {
	// PerSecond maps Light, Medium and Heavy to requests a second.
	PerSecond map[Category]int
	// ResourcePerMinute is the Resource-intensive rate, requests a minute.
	ResourcePerMinute int
	// Daily maps a category to its own daily quota (the free plan).
	Daily map[Category]int
	// SharedHeavyDaily is the daily quota Heavy and Resource-intensive share
	// (30,000 on Pro, 60,000 on Business and above).
	SharedHeavyDaily int
}

// PlanLimits returns Zoom's published limits for a plan.
// https://developers.zoom.us/docs/api/rate-limits/
func PlanLimits(plan string) (Limits, error) {
	switch plan {
	case "free":
		return Limits{
			PerSecond:         map[Category]int{Light: 4, Medium: 2, Heavy: 1},
			ResourcePerMinute: 10,
			Daily:             map[Category]int{Light: 6000, Medium: 2000, Heavy: 1000, ResourceIntensive: 30000},
		}, nil
	case "pro":
		return Limits{
			PerSecond:         map[Category]int{Light: 30, Medium: 20, Heavy: 10},
			ResourcePerMinute: 10,
			SharedHeavyDaily:  30000,
		}, nil
	case "business":
		return Limits{
			PerSecond:         map[Category]int{Light: 80, Medium: 60, Heavy: 40},
			ResourcePerMinute: 20,
			SharedHeavyDaily:  60000,
		}, nil
	case "unlimited":
		return Limits{}, nil
	}
	return Limits{}, fmt.Errorf("unknown plan %q (want free, pro, business or unlimited)", plan)
}

type limiter struct {
	lim Limits
	mu  sync.Mutex
	// window counters: key is account + category
	window map[string]*windowCount
	daily  map[string]*windowCount
}

type windowCount struct {
	start time.Time
	n     int
}

func newLimiter(l Limits) *limiter {
	return &limiter{lim: l, window: map[string]*windowCount{}, daily: map[string]*windowCount{}}
}

// allow counts one request of category cat for account at now, sets Zoom's
// X-RateLimit-* headers, and reports whether the request may go on. When
// it may not, the headers say whether the per-second or the daily limit was
// hit, and a daily limit carries Retry-After as an ISO date-time.
func (l *limiter) allow(h http.Header, cat Category, account string, now time.Time, qpsRetryAfter bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	h.Set("X-RateLimit-Category", string(cat))

	// Daily quota first: Heavy and Resource-intensive share one on paid plans.
	dailyLimit, dailyKey := l.lim.Daily[cat], account+"|"+string(cat)
	if (cat == Heavy || cat == ResourceIntensive) && l.lim.SharedHeavyDaily > 0 {
		dailyLimit, dailyKey = l.lim.SharedHeavyDaily, account+"|heavy-shared"
	}
	day := now.UTC().Truncate(24 * time.Hour)
	if dailyLimit > 0 {
		d := l.daily[dailyKey]
		if d == nil || !d.start.Equal(day) {
			d = &windowCount{start: day}
			l.daily[dailyKey] = d
		}
		if d.n >= dailyLimit {
			h.Set("X-RateLimit-Type", "Daily-limit")
			h.Set("X-RateLimit-Limit", strconv.Itoa(dailyLimit))
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("Retry-After", day.Add(24*time.Hour).Format(time.RFC3339))
			return false
		}
	}

	// Per-second (per-minute for Resource-intensive) window.
	rate, span := l.lim.PerSecond[cat], time.Second
	if cat == ResourceIntensive {
		rate, span = l.lim.ResourcePerMinute, time.Minute
	}
	if rate > 0 {
		start := now.Truncate(span)
		key := account + "|" + string(cat)
		wc := l.window[key]
		if wc == nil || !wc.start.Equal(start) {
			wc = &windowCount{start: start}
			l.window[key] = wc
		}
		if wc.n >= rate {
			h.Set("X-RateLimit-Type", "QPS")
			h.Set("X-RateLimit-Limit", strconv.Itoa(rate))
			h.Set("X-RateLimit-Remaining", "0")
			if qpsRetryAfter {
				h.Set("Retry-After", strconv.Itoa(int(span.Seconds())))
			}
			return false
		}
		wc.n++
	}
	if dailyLimit > 0 {
		d := l.daily[dailyKey]
		d.n++
		h.Set("X-RateLimit-Type", "Daily-limit")
		h.Set("X-RateLimit-Limit", strconv.Itoa(dailyLimit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(dailyLimit-d.n))
		return true
	}
	h.Set("X-RateLimit-Type", "QPS")
	if rate > 0 {
		wc := l.window[account+"|"+string(cat)]
		h.Set("X-RateLimit-Limit", strconv.Itoa(rate))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(rate-wc.n))
	}
	return true
}

// Zoom's 429 bodies.
// https://devforum.zoom.us/t/differentiation-of-429-errors/14899
const (
	msgQPS   = "You have reached the maximum per-second rate limit for this API. Try again later."
	msgDaily = "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request."
)

func return429(w http.ResponseWriter) {
	msg := msgQPS
	if w.Header().Get("X-RateLimit-Type") == "Daily-limit" {
		msg = msgDaily
	}
	writeZoomError(w, http.StatusTooManyRequests, 429, msg)
}
