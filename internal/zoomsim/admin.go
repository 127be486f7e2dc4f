package zoomsim

import (
	"encoding/json"
	"net/http"
	"sync"
)

// Counters count what the simulator saw and did. All methods are safe for
// concurrent use.
type Counters struct {
	mu sync.Mutex
	c  CounterSnapshot
}

// CounterSnapshot is a copy of the counters, as /_sim/counters returns it.
type CounterSnapshot struct {
	// Requests counts API requests by "METHOD /pattern".
	Requests map[string]int `json:"requests"`
	// ByCategory counts API requests by rate-limit category.
	ByCategory map[Category]int `json:"by_category"`
	// TotalRequests counts every API request.
	TotalRequests int `json:"total_requests"`
	// Limited429 counts per-second 429s sent; Daily429 daily-limit ones.
	Limited429 int `json:"limited_429"`
	Daily429   int `json:"daily_429"`
	// Refused429 counts both kinds of 429 by "METHOD /pattern", so that
	// Requests minus Refused429 is what each endpoint answered.
	Refused429 map[string]int `json:"refused_429"`
	// TokenRequests counts calls to /oauth/token; TokensIssued the tokens
	// it handed out.
	TokenRequests int `json:"token_requests"`
	TokensIssued  int `json:"tokens_issued"`
	// Faults counts injected faults by name.
	Faults map[string]int `json:"faults"`
	// Emails counts the emails Zoom would have sent registrants, by kind
	// (EmailConfirmation, EmailCancellation).
	Emails map[string]int `json:"emails"`
}

// Kinds of registrant email counted in CounterSnapshot.Emails.
const (
	// EmailConfirmation is the email with the join link a registrant gets
	// when approved (at registration or later).
	EmailConfirmation = "confirmation"
	// EmailCancellation is the email a registrant gets when cancelled.
	EmailCancellation = "cancellation"
)

func newCounters() *Counters {
	c := &Counters{}
	c.reset()
	return c
}

func (c *Counters) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.c = CounterSnapshot{Requests: map[string]int{}, ByCategory: map[Category]int{}, Faults: map[string]int{}, Refused429: map[string]int{}, Emails: map[string]int{}}
}

func (c *Counters) request(endpoint string, cat Category) {
	c.mu.Lock()
	c.c.Requests[endpoint]++
	c.c.ByCategory[cat]++
	c.c.TotalRequests++
	c.mu.Unlock()
}

func (c *Counters) limited(endpoint string, daily bool) {
	c.mu.Lock()
	c.c.Refused429[endpoint]++
	if daily {
		c.c.Daily429++
	} else {
		c.c.Limited429++
	}
	c.mu.Unlock()
}

func (c *Counters) fault(k faultKind) {
	c.mu.Lock()
	c.c.Faults[string(k)]++
	c.mu.Unlock()
}

func (c *Counters) email(kind string) {
	c.mu.Lock()
	c.c.Emails[kind]++
	c.mu.Unlock()
}

func (c *Counters) tokenRequest() {
	c.mu.Lock()
	c.c.TokenRequests++
	c.mu.Unlock()
}

func (c *Counters) tokenIssued() {
	c.mu.Lock()
	c.c.TokensIssued++
	c.mu.Unlock()
}

// Snapshot returns a copy of the counters.
func (c *Counters) Snapshot() CounterSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.c
	s.Requests = clone(c.c.Requests)
	s.ByCategory = clone(c.c.ByCategory)
	s.Faults = clone(c.c.Faults)
	s.Refused429 = clone(c.c.Refused429)
	s.Emails = clone(c.c.Emails)
	return s
}

// Reset sets every counter to zero.
func (c *Counters) Reset() { c.reset() }

func clone[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Truth returns, for each connector stream, the records a complete read
// must yield.
func (s *Server) Truth() map[string][]map[string]any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data.Truth()
}

// CreatedRegistrants returns the registrants created through the API.
func (s *Server) CreatedRegistrants() []map[string]any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data.CreatedRegistrants()
}

// adminRoutes serves the /_sim/ admin API. It is never a Zoom path and
// needs no token; the simulator only listens on loopback.
//
//	GET  /_sim/config           a connector config for this simulator
//	GET  /_sim/counters         requests, 429s, tokens and faults
//	POST /_sim/counters/reset   zero the counters
//	GET  /_sim/truth            every stream's expected records
//	GET  /_sim/truth/{stream}   one stream's expected records
//	GET  /_sim/registrants      the registrants created through the API
//	GET  /_sim/lifecycle        every person named in an accepted status,
//	                            delete or panelist request
//	POST /_sim/expire-tokens    expire every access token now
//	POST /_sim/webhooks         send an event to the webhook target
//	GET  /_sim/webhooks         the webhook delivery attempts so far
//	GET  /_sim/clock            the simulated time (clockAdminRoutes)
//	POST /_sim/advance          move the simulated time; the account lives
//	GET  /_sim/changes?since=T  what changed after T
func (s *Server) adminRoutes(mux *http.ServeMux) {
	s.webhookAdminRoutes(mux)
	s.clockAdminRoutes(mux)
	mux.HandleFunc("GET /_sim/config", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.Config("http://"+r.Host))
	})
	mux.HandleFunc("GET /_sim/counters", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.counter.Snapshot())
	})
	mux.HandleFunc("POST /_sim/counters/reset", func(w http.ResponseWriter, r *http.Request) {
		s.counter.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sim/truth", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.Truth())
	})
	mux.HandleFunc("GET /_sim/truth/{stream}", func(w http.ResponseWriter, r *http.Request) {
		recs, ok := s.Truth()[r.PathValue("stream")]
		if !ok {
			http.Error(w, "unknown stream", http.StatusNotFound)
			return
		}
		writeJSON(w, recs)
	})
	mux.HandleFunc("GET /_sim/registrants", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.CreatedRegistrants())
	})
	mux.HandleFunc("GET /_sim/lifecycle", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.LifecycleCalls())
	})
	mux.HandleFunc("POST /_sim/expire-tokens", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
