package zoomsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Category is a Zoom rate-limit label.
type Category string

// Zoom's rate-limit labels, as the X-RateLimit-Category header spells them.
const (
	Light             Category = "Light"
	Medium            Category = "Medium"
	Heavy             Category = "Heavy"
	ResourceIntensive Category = "Resource-intensive"
)

// Route is one simulated Zoom endpoint.
type Route struct {
	// Method and Pattern name the endpoint; Pattern is Zoom's path template
	// without the /v2 prefix, such as "/users/{userId}/meetings".
	Method, Pattern string
	// Category is the endpoint's rate-limit label.
	Category Category
	// Scopes are the classic scopes that allow the call (x-macro-scopes).
	Scopes []string
	// Granular are the granular scopes that allow the call (x-granular-scopes).
	Granular []string
	// Handle answers the call.
	Handle func(c *Call)
}

// Call is one API request being answered by a Route's handler.
type Call struct {
	W http.ResponseWriter
	R *http.Request
	S *Server
	// Data is the server's dataset; a read lock is held during GET handlers
	// and a write lock during POST handlers.
	Data *Dataset
	// Now is the simulated clock (the account's time, Server.Clock) when
	// the call is served.
	Now time.Time

	route Route
	fault faultKind // a page-level fault drawn for this call, if any
}

// FieldError names one failing field of a validation error.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Param returns a path parameter. A value that still holds percent escapes
// after the router's decoding (a double-encoded UUID) is decoded once more.
func (c *Call) Param(name string) string {
	v := c.R.PathValue(name)
	if strings.Contains(v, "%") {
		if d, err := url.PathUnescape(v); err == nil {
			return d
		}
	}
	return v
}

// UUIDParam returns a meeting or webinar UUID path parameter. Zoom resolves
// a UUID that begins with "/" or contains "//" only when it is double
// URL-encoded; ok is false when such a UUID arrived single-encoded.
// https://developers.zoom.us/docs/api/rest/reference/zoom-api/methods/#operation/pastMeetingParticipants
func (c *Call) UUIDParam(name string) (string, bool) {
	v := c.R.PathValue(name)
	if strings.Contains(v, "%") {
		d, err := url.PathUnescape(v)
		if err != nil {
			return v, false
		}
		return d, true
	}
	if strings.HasPrefix(v, "/") || strings.Contains(v, "//") {
		return v, false
	}
	return v, true
}

// Query returns a query parameter.
func (c *Call) Query(name string) string { return c.R.URL.Query().Get(name) }

// JSON writes v as the JSON answer with the given status.
func (c *Call) JSON(status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		c.Error(http.StatusInternalServerError, 500, "simulator: encode answer: "+err.Error())
		return
	}
	c.W.Header().Set("Content-Type", "application/json;charset=UTF-8")
	c.W.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	c.W.WriteHeader(status)
	_, _ = c.W.Write(buf.Bytes())
}

// Error writes Zoom's error body {"code":..,"message":..}.
func (c *Call) Error(status, code int, msg string) {
	writeZoomError(c.W, status, code, msg)
}

// Validation writes Zoom's 400 code 300 "Validation Failed." body naming
// the failing fields.
func (c *Call) Validation(errs []FieldError) {
	c.JSON(http.StatusBadRequest, map[string]any{
		"code": 300, "message": "Validation Failed.", "errors": errs,
	})
}

func writeZoomError(w http.ResponseWriter, status, code int, msg string) {
	b, _ := json.Marshal(map[string]any{"code": code, "message": msg})
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) buildMux() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.Method+" /v2"+rt.Pattern, s.wrap(rt))
	}
	mux.HandleFunc("GET "+transcriptPath+"{token}", s.handleTranscriptDownload)
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("POST /oauth/revoke", s.handleRevoke)
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		writeZoomError(w, http.StatusNotFound, 404, "Not Found")
	})
	s.userOAuthRoutes(mux)
	s.adminRoutes(mux)
	return mux
}

// wrap puts the chain every Zoom API call goes through around a handler:
// count, latency and transport faults, bearer token, rate limits, scopes.
func (s *Server) wrap(rt Route) http.Handler {
	endpoint := rt.Method + " " + rt.Pattern
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.counter.request(endpoint, rt.Category)
		if obs := s.observer.Load(); obs != nil {
			(*obs)(rt, r)
		}
		s.observeBody(rt, r)
		w.Header().Set("x-zm-trackingid", "v=2.0;clid=us05;rid=SIM_"+randomHex(8))
		if s.opts.Latency > 0 {
			if err := s.opts.Sleep(r.Context(), s.faults.latency(s.opts.Latency)); err != nil {
				return
			}
		}
		fault := s.faults.draw(r.Method == http.MethodGet)
		if fault != faultNone && !fault.pageLevel() {
			s.counter.fault(fault)
			if s.injectTransportFault(w, r, fault, rt) {
				return
			}
		}
		tok, status, code, msg := s.authenticate(r)
		if tok == nil {
			writeZoomError(w, status, code, msg)
			return
		}
		now := s.opts.Now()
		if !s.limits.allow(w.Header(), rt.Category, tok.app.AccountID, now, s.opts.QPSRetryAfter) {
			s.counter.limited(endpoint, w.Header().Get("X-RateLimit-Type") == "Daily-limit")
			return429(w)
			return
		}
		if !tok.allows(rt) {
			writeZoomError(w, http.StatusBadRequest, 4711,
				"Invalid access token, does not contain scopes:["+strings.Join(append(append([]string{}, rt.Granular...), rt.Scopes...), ", ")+"].")
			return
		}
		c := &Call{W: w, R: r, S: s, Data: s.data, Now: now, route: rt}
		if fault.pageLevel() {
			c.fault = fault
		}
		if fault == faultTruncate {
			s.serveTruncated(c, rt)
			return
		}
		s.serve(c, rt)
	})
}

func (s *Server) serve(c *Call, rt Route) {
	if rt.Method == http.MethodGet {
		s.mu.RLock()
		defer s.mu.RUnlock()
	} else {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	c.Now = s.data.Now // the account's simulated time (Advance moves it)
	rt.Handle(c)
}

func (t *accessToken) allows(rt Route) bool {
	if len(rt.Scopes) == 0 && len(rt.Granular) == 0 {
		return true
	}
	for _, sc := range rt.Scopes {
		if t.scopes[sc] {
			return true
		}
	}
	for _, sc := range rt.Granular {
		if t.scopes[sc] {
			return true
		}
	}
	return false
}
