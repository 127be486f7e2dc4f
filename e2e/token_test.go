package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestTokenColdStartOneRequest: sixteen workers start at once with no
// token; the simulator must see exactly one token request, and the read
// must equal the truth.
func TestTokenColdStartOneRequest(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 21})
	e := newEnv(t, s)
	r := e.read(time.Minute, e.writeConfig(s.config("max_concurrency", 16)), s.host)
	if r.code != 0 {
		t.Fatalf("read: %s", r)
	}
	c := s.Counters().Snapshot()
	if c.TokenRequests != 1 {
		t.Errorf("cold start with max_concurrency 16: %d token requests, want exactly 1", c.TokenRequests)
	}
	want := truthSets(t, s.Server)
	d := expectExact(t, "cold start", parseAirbyte(t, r.stdout, false).Records, want, nil)
	t.Logf("summary: cold start, 16 workers: token requests %d, %s, %v", c.TokenRequests, d, r.elapsed.Round(time.Millisecond))
}

// TestTokenRefreshedBeforeExpiry: tokens live 2 s and the read takes
// longer; the client must refresh ahead of expiry, so no request is
// rejected with 401 and the records equal the truth.
func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 22, TokenTTL: 2 * time.Second, Latency: 40 * time.Millisecond})
	p := startProxy(t, s.URL, nil)
	e := newEnv(t, s)
	r := e.read(2*time.Minute, e.writeConfig(p.config(s, "max_concurrency", 4)), p.host)
	if r.code != 0 {
		t.Fatalf("read: %s", r)
	}
	c := s.Counters().Snapshot()
	if r.elapsed < 2500*time.Millisecond {
		t.Logf("note: the read took only %v; the token may not have aged", r.elapsed)
	}
	if c.TokenRequests < 2 {
		t.Errorf("a %v read with 2 s tokens made %d token requests: no refresh", r.elapsed, c.TokenRequests)
	}
	if n := p.status(http.StatusUnauthorized); n > 0 {
		t.Errorf("%d requests were rejected with 401: the token was not refreshed before it expired", n)
	}
	d := expectExact(t, "2 s tokens", parseAirbyte(t, r.stdout, false).Records, truthSets(t, s.Server), nil)
	t.Logf("summary: 2 s token TTL over a %v read: token requests %d, 401s %d, %s", r.elapsed.Round(time.Millisecond), c.TokenRequests, p.status(401), d)
}

// TestTokenExpiredMidRunIsRefreshed: the simulator expires every token
// twice during the read (as if an hour had passed), when the read has sent
// its 50th and its 150th API request; each time the client refreshes once
// and the records still equal the truth. Not parallel: until the
// simulator's ExpireTokens race is fixed, the race detector would fail
// every test running alongside.
func TestTokenExpiredMidRunIsRefreshed(t *testing.T) {
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 23, Latency: 30 * time.Millisecond})
	var mu sync.Mutex
	expired := 0
	p := startProxy(t, s.URL, func(_ http.ResponseWriter, _ *http.Request, n int) bool {
		if n == 50 || n == 150 {
			s.ExpireTokens()
			mu.Lock()
			expired++
			mu.Unlock()
		}
		return false
	})
	e := newEnv(t, s)
	r := e.read(2*time.Minute, e.writeConfig(p.config(s, "max_concurrency", 8)), p.host)
	mu.Lock()
	times := expired
	mu.Unlock()
	if r.code != 0 {
		t.Fatalf("read: %s", r)
	}
	c := s.Counters().Snapshot()
	if times != 2 {
		t.Fatalf("the read ended after %d API requests, before the tokens were expired twice", p.apiRequests())
	}
	if c.TokenRequests < 2 || c.TokenRequests > 1+times {
		t.Errorf("tokens expired %d times: %d token requests, want between 2 and %d (one refresh per expiry)", times, c.TokenRequests, 1+times)
	}
	d := expectExact(t, "tokens expired mid-run", parseAirbyte(t, r.stdout, false).Records, truthSets(t, s.Server), nil)
	t.Logf("summary: tokens expired %d times mid-run: 401s %d, token requests %d, %s", times, p.status(401), c.TokenRequests, d)
}

// TestTokenOne401RefreshesOnceRetriesOnce: one API answer is a 401 code
// 124; the client must refresh the token once, retry that request once,
// and the read must still equal the truth.
func TestTokenOne401RefreshesOnceRetriesOnce(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 24})
	var victim string
	var mu sync.Mutex
	p := startProxy(t, s.URL, func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n != 10 {
			return false
		}
		mu.Lock()
		victim = r.URL.RequestURI()
		mu.Unlock()
		zoomError(w, http.StatusUnauthorized, 124, "Invalid access token.")
		return true
	})
	e := newEnv(t, s)
	r := e.read(time.Minute, e.writeConfig(p.config(s, "max_concurrency", 8)), p.host)
	if r.code != 0 {
		t.Fatalf("read: %s", r)
	}
	c := s.Counters().Snapshot()
	if c.TokenRequests != 2 {
		t.Errorf("one 401 code 124: %d token requests, want 2 (the first and one refresh)", c.TokenRequests)
	}
	tries := 0
	for _, q := range p.requests() {
		if q.path == victim {
			tries++
		}
	}
	if tries != 2 {
		t.Errorf("the request answered 401 (%s) was sent %d times, want 2 (once, then one retry)", victim, tries)
	}
	d := expectExact(t, "one 401", parseAirbyte(t, r.stdout, false).Records, truthSets(t, s.Server), nil)
	t.Logf("summary: one 401 code 124: token requests %d, victim sent %d times, %s", c.TokenRequests, tries, d)
}

// TestTokenPersistent401IsAuthError: every API answer is a 401 code 124.
// With one worker the client sends exactly two API requests and two token
// requests, then stops with a clear auth error; with sixteen workers the
// token and API requests stay within a small multiple of the workers (no
// retry storm).
func TestTokenPersistent401IsAuthError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		workers               int
		maxTokens, maxRequest int
	}{
		{1, 2, 2},
		{16, 1 + 16, 3 * 16},
	} {
		s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 25, Faults: zoomsim.FaultSpec{Rates: map[string]float64{"auth124": 1}}})
		e := newEnv(t, s)
		r := e.read(time.Minute, e.writeConfig(s.config("max_concurrency", tc.workers)), s.host)
		c := s.Counters().Snapshot()
		if r.code == 0 {
			t.Errorf("%d workers: persistent 401 exited 0", tc.workers)
		}
		if !strings.Contains(string(r.stderr), "access token rejected by the API") {
			t.Errorf("%d workers: stderr does not name the auth failure:\n%s", tc.workers, tail(string(r.stderr), 1500))
		}
		if c.TokenRequests > tc.maxTokens || c.TotalRequests > tc.maxRequest {
			t.Errorf("%d workers: %d token requests and %d API requests, want at most %d and %d: a retry storm",
				tc.workers, c.TokenRequests, c.TotalRequests, tc.maxTokens, tc.maxRequest)
		}
		if tc.workers == 1 && (c.TokenRequests != 2 || c.TotalRequests != 2) {
			t.Errorf("1 worker: %d token and %d API requests, want exactly 2 and 2 (refresh once, retry once)", c.TokenRequests, c.TotalRequests)
		}
		if r.elapsed > 20*time.Second {
			t.Errorf("%d workers: persistent 401 took %v to give up", tc.workers, r.elapsed)
		}
		t.Logf("summary: persistent 401, %d workers: exit %d after %v, token requests %d, API requests %d",
			tc.workers, r.code, r.elapsed.Round(time.Millisecond), c.TokenRequests, c.TotalRequests)
	}
}
