package zoomsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// MaxAdvance is the longest single move of the simulated clock.
const MaxAdvance = 400 * 24 * time.Hour

// Clock returns the account's simulated time: where the server started
// (Options.Start, or the real clock then) plus every Advance since. Every
// API answer follows it: "ended" meetings, report windows and their
// six-month limit, from/to validation, today's recordings. Tokens, page
// tokens, rate limits and webhook signatures stay on the real clock
// (Options.Now).
func (s *Server) Clock() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data.Now
}

// Advance moves the simulated clock forward by d and lets the account live
// through that time (see LifeOptions): every change is applied in time
// order, logged for Changes and sent as its webhook to the target set by
// SetWebhookTarget, if any. The same seed, start and advances give the
// same history. It returns the changes made.
func (s *Server) Advance(d time.Duration) ([]Change, error) {
	if d <= 0 || d > MaxAdvance {
		return nil, fmt.Errorf("zoomsim: advance by %s: want more than 0 and at most %s", d, MaxAdvance)
	}
	s.mu.Lock()
	changes := s.life.advance(s.data.Now.Add(d))
	s.mu.Unlock()
	for _, c := range changes {
		s.sendChange(c)
	}
	return changes, nil
}

// Changes returns the changes made after since (every one for the zero
// time), oldest first.
func (s *Server) Changes(since time.Time) []Change {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.life.since(since)
}

// sendChange sends a change's webhook, stamped with the simulated time it
// happened at (event_ts), signed at the real time of sending.
func (s *Server) sendChange(c Change) {
	body, _ := json.Marshal(map[string]any{"event": c.Event, "event_ts": c.Time.UnixMilli(), "payload": c.Payload})
	s.webhooks().send(s, c.Event, body, nil)
}

// clockAdminRoutes serves the simulated clock:
//
//	GET  /_sim/clock                    {"now": simulated time, "start": where it started}
//	POST /_sim/advance {"duration":"24h"}  move it; answers {"now", "changes"}
//	GET  /_sim/changes?since=RFC3339    the changes after since, oldest first
func (s *Server) clockAdminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_sim/clock", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"now": ztime(s.Clock()), "start": ztime(s.life.start)})
	})
	mux.HandleFunc("POST /_sim/advance", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Duration string `json:"duration"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
			http.Error(w, `body must be {"duration": "24h"}`, http.StatusBadRequest)
			return
		}
		d, err := time.ParseDuration(body.Duration)
		if err != nil {
			http.Error(w, fmt.Sprintf("duration %q: %v", body.Duration, err), http.StatusBadRequest)
			return
		}
		changes, err := s.Advance(d)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]any{"now": ztime(s.Clock()), "changes": len(changes)})
	})
	mux.HandleFunc("GET /_sim/changes", func(w http.ResponseWriter, r *http.Request) {
		var since time.Time
		if v := r.URL.Query().Get("since"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				http.Error(w, "since: want an RFC 3339 time such as 2026-06-01T00:00:00Z", http.StatusBadRequest)
				return
			}
			since = t
		}
		writeJSON(w, append([]Change{}, s.Changes(since)...))
	})
}
