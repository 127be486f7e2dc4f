package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestSecretsNeverLeak runs every command with debug logging through
// failures designed to make secrets travel: servers that echo the Basic
// header, the decoded client secret or the bearer token back in error
// bodies (JSON, OAuth and HTML), a token endpoint that is down, a wrong
// secret. Every stdout, stderr, state and output file of every run is
// then scanned (by the env's cleanup) for the canary secret, the Basic
// value and every access token the simulator issued. The test also checks
// that the hostile servers really did send the secrets back, so a clean
// scan means something.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	needBinary(t)
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 91})
	var echoed sync.Map // what the hostile servers sent back
	echo := func(v string) string { echoed.Store(v, true); return v }
	basicSecret := func(r *http.Request) string {
		h := r.Header.Get("Authorization")
		b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
		return h + " (decoded: " + string(b) + ")"
	}
	modes := []struct {
		name      string
		intercept func(w http.ResponseWriter, r *http.Request, n int) bool
	}{
		{"API echoes the bearer token in a 400", func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n == 0 {
				return false
			}
			b, _ := json.Marshal(map[string]any{"code": 300, "message": "Bad token " + echo(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")),
				"errors": []map[string]string{{"field": echo(r.Header.Get("Authorization")), "message": "invalid"}}})
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(b)
			return true
		}},
		{"API echoes the bearer token in a 401 and a 429", func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n == 0 {
				return false
			}
			if n%2 == 0 {
				w.Header().Set("X-RateLimit-Type", "Daily-limit")
				w.Header().Set("Retry-After", "2099-01-01T00:00:00Z")
				zoomError(w, http.StatusTooManyRequests, 429, "Quota for "+echo(r.Header.Get("Authorization")))
				return true
			}
			zoomError(w, http.StatusUnauthorized, 124, "Invalid access token "+echo(r.Header.Get("Authorization")))
			return true
		}},
		{"API echoes the bearer token in an HTML 200", func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n == 0 {
				return false
			}
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>Session " + echo(r.Header.Get("Authorization")) + " expired</body></html>"))
			return true
		}},
		{"token endpoint echoes the Basic header in an OAuth error", func(w http.ResponseWriter, r *http.Request, n int) bool {
			if r.URL.Path != "/oauth/token" {
				return false
			}
			b, _ := json.Marshal(map[string]string{"error": "invalid_client", "reason": "Invalid client " + echo(basicSecret(r))})
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write(b)
			return true
		}},
		{"token endpoint echoes the Basic header in HTML", func(w http.ResponseWriter, r *http.Request, n int) bool {
			if r.URL.Path != "/oauth/token" {
				return false
			}
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html>upstream said: " + echo(basicSecret(r)) + "</html>"))
			return true
		}},
		{"token endpoint answers a token in a malformed body", func(w http.ResponseWriter, r *http.Request, n int) bool {
			if r.URL.Path != "/oauth/token" {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token": {"nested": "` + echo(basicSecret(r)) + `"}, "expires_in": "soon"`))
			return true
		}},
	}
	var wg sync.WaitGroup
	for _, m := range modes {
		wg.Add(1)
		t.Run(m.name, func(t *testing.T) {
			defer wg.Done()
			t.Parallel()
			e := newEnv(t, s)
			defer addEchoed(e, &echoed)
			p := startProxy(t, s.URL, m.intercept)
			cfg := e.writeConfig(p.config(s, "max_concurrency", 4))
			for _, args := range [][]string{
				{"check", "--config", cfg},
				{"check-credentials", "--config", cfg},
				{"discover", "--config", cfg},
				{"read", "--config", cfg, "--streams", "users,meetings"},
				{"read", "--config", cfg, "--streams", "users", "--format", "jsonl", "--output", e.path("out"), "--state-file", e.path("state.json")},
			} {
				r := e.run(time.Minute, append(args, "--allow-host", p.host, "--log-level", "debug")...)
				t.Logf("%-17s exit %d in %v", args[0], r.code, r.elapsed.Round(time.Millisecond))
			}
		})
	}
	// The simulator's own failures: token endpoint down, wrong secret,
	// and a persistent 401.
	for _, f := range []struct {
		name string
		opts zoomsim.Options
		cfg  func(*sim) map[string]any
	}{
		{"token endpoint 503", zoomsim.Options{Faults: zoomsim.FaultSpec{Rates: map[string]float64{"token_fail": 1}}}, func(s *sim) map[string]any { return s.config() }},
		{"wrong secret", zoomsim.Options{}, func(s *sim) map[string]any { return s.config("client_secret", s.app.ClientSecret+"-wrong") }},
		{"persistent 401", zoomsim.Options{Faults: zoomsim.FaultSpec{Rates: map[string]float64{"auth124": 1}}}, func(s *sim) map[string]any { return s.config() }},
		{"mixed faults", zoomsim.Options{Faults: zoomsim.FaultSpec{Rates: map[string]float64{"html": 0.05, "500": 0.05, "truncate": 0.05}}}, func(s *sim) map[string]any { return s.config() }},
	} {
		wg.Add(1)
		t.Run(f.name, func(t *testing.T) {
			defer wg.Done()
			t.Parallel()
			f.opts.Dataset, f.opts.Seed = "tiny", 92
			s2 := startSim(t, f.opts)
			e := newEnv(t, s2)
			cfg := e.writeConfig(f.cfg(s2))
			for _, cmd := range []string{"check", "check-credentials", "read"} {
				r := e.run(2*time.Minute, cmd, "--config", cfg, "--allow-host", s2.host, "--log-level", "debug")
				t.Logf("%-17s exit %d in %v", cmd, r.code, r.elapsed.Round(time.Millisecond))
			}
		})
	}
	t.Cleanup(func() {
		wg.Wait()
		n := 0
		echoed.Range(func(k, v any) bool { n++; return true })
		if n == 0 {
			t.Error("the hostile servers echoed nothing: the test proves nothing")
		}
		t.Logf("summary: %d hostile modes and 4 simulator failures × every command, debug logs; the servers echoed %d distinct secrets back; artefacts scanned", len(modes), n)
	})
}

// addEchoed adds what the hostile servers echoed to the secrets scanned.
func addEchoed(e *env, echoed *sync.Map) {
	echoed.Range(func(k, v any) bool {
		e.addSecret(strings.TrimPrefix(strings.TrimPrefix(k.(string), "Bearer "), "Basic "))
		return true
	})
}
