package zoomapi

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfterSeconds bounds absurd Retry-After values (about 100 years).
const maxRetryAfterSeconds = 100 * 365 * 24 * 3600

// ParseRetryAfter parses a Retry-After header value relative to now. It
// accepts delta-seconds ("120"), an HTTP date (RFC 9110 §10.2.3, e.g. "Sun, 31
// May 2020 00:00:00 GMT") and an ISO-8601 / RFC 3339 date-time
// ("2020-05-31T00:00:00Z", which Zoom sends on daily-limit 429s; a value
// without a zone is taken as UTC). It returns the absolute time and true, or
// the zero time and false when v is empty or unparsable. A date in the past is
// returned as is; callers treat it as "no wait".
func ParseRetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 64 {
		return time.Time{}, false
	}
	if isDigits(v) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > maxRetryAfterSeconds {
			n = maxRetryAfterSeconds
		}
		return now.Add(time.Duration(n) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// backoff returns a full-jitter delay for retry number attempt (0-based):
// uniform in [0, min(MaxBackoff, BaseBackoff*2^attempt)].
func (c *Client) backoff(attempt int) time.Duration {
	ceil := c.cfg.BaseBackoff
	for i := 0; i < attempt && ceil < c.cfg.MaxBackoff; i++ {
		ceil *= 2
	}
	if ceil > c.cfg.MaxBackoff {
		ceil = c.cfg.MaxBackoff
	}
	if ceil <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

// serverWait returns how long to wait for a Retry-After time, capped at
// MaxRetryAfter, or ok=false if there is no usable Retry-After.
func (c *Client) serverWait(reset time.Time) (time.Duration, bool) {
	if reset.IsZero() {
		return 0, false
	}
	d := reset.Sub(c.cfg.Now())
	if d < 0 {
		d = 0
	}
	if d > c.cfg.MaxRetryAfter {
		d = c.cfg.MaxRetryAfter
	}
	return d, true
}

// spreadWait spreads the retries of per-second 429s: it adds a random part
// of up to half the server's wait (never past MaxRetryAfter), because the
// requests Zoom refused in one second would otherwise all retry at the same
// instant and be refused together again. A wait of zero (a Retry-After in
// the past) falls back to the jittered backoff.
func (c *Client) spreadWait(d time.Duration, ok bool) (time.Duration, bool) {
	if !ok || d <= 0 {
		return 0, false
	}
	d += time.Duration(rand.Int64N(int64(d/2) + 1))
	return min(d, c.cfg.MaxRetryAfter), true
}

// realSleep waits for d or until ctx is done.
func realSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
