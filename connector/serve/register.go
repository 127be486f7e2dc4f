package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// registrantFields are the form fields passed on to Zoom besides the
// target; anything else in the form is ignored.
var registrantFields = []string{
	"email", "first_name", "last_name", "address", "city", "state", "zip", "country", "phone",
	"comments", "industry", "job_title", "org", "no_of_employees", "purchasing_time_frame",
	"role_in_purchase_process", "language",
}

// registerAnswer is the JSON answer of /register.
type registerAnswer struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// registered is the one answer of every successful registration: a new
// one, a repeat, a person Zoom already had, and a bot caught by the
// honeypot. It carries no join link: whoever posts an email address need
// not own it, so the link goes only to that address, in Zoom's
// confirmation email, and the answer does not tell whether the address
// was registered before.
var registered = registerAnswer{Status: "registered", Message: msgRegistered}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if s.opts.Registrar == nil {
		http.NotFound(w, r)
		return
	}
	origin := r.Header.Get("Origin")
	if origin != "" {
		n, err := normalizeOrigin(origin)
		if err != nil || !s.origins[n] {
			s.metrics.registration("origin_refused")
			s.log.Warn("register: origin not allowed", "remote", clientIP(r, s.opts.TrustProxy))
			s.registerError(w, r, http.StatusForbidden, "This site may not register for this event.")
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
	}
	if r.Method == http.MethodOptions {
		if origin == "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		s.registerError(w, r, http.StatusMethodNotAllowed, "Use POST.")
		return
	}
	if !s.limiter.allow(rateKey(r, s.opts.TrustProxy)) {
		s.metrics.registration("rate_limited")
		w.Header().Set("Retry-After", "60")
		s.registerError(w, r, http.StatusTooManyRequests, "Too many attempts. Please wait a minute and try again.")
		return
	}
	fields, status, err := s.parseForm(w, r)
	if err != nil {
		s.metrics.registration("invalid")
		s.registerError(w, r, status, err.Error())
		return
	}
	target, ok := s.resolveTarget(fields)
	if !ok {
		s.metrics.registration("target_refused")
		s.registerError(w, r, http.StatusForbidden, "Registration is not available for this event.")
		return
	}
	reg := Registration{Target: target, Fields: map[string]string{}}
	for _, f := range registrantFields {
		if v := strings.TrimSpace(fields[f]); v != "" {
			reg.Fields[f] = v
		}
	}
	if fields[HoneypotField] != "" {
		s.answerHoneypot(w, r, reg)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.RegisterTimeout)
	defer cancel()
	res, err := s.opts.Registrar.Register(ctx, reg)
	if err != nil {
		var ve *VisitorError
		if !errors.As(err, &ve) {
			ve = &VisitorError{Status: http.StatusBadGateway, Outcome: "error", Message: msgUnavailable}
		}
		s.metrics.registration(ve.Outcome)
		s.log.Warn("register: refused", "outcome", ve.Outcome, "target", target.Kind+":"+strconv.FormatInt(target.ID, 10), "error", errText(err))
		s.registerError(w, r, ve.Status, ve.Message)
		return
	}
	s.metrics.registration(res.Status)
	s.log.Info("register: done", "outcome", res.Status, "target", target.Kind+":"+strconv.FormatInt(target.ID, 10))
	s.registerSuccess(w, r)
}

// answerHoneypot answers a bot that filled in the honeypot exactly as a
// real registration would be answered (the same checks first, then the
// same success), so it learns nothing; it registers nobody.
func (s *Server) answerHoneypot(w http.ResponseWriter, r *http.Request, reg Registration) {
	if err := reg.Validate(); err != nil {
		s.metrics.registration("invalid")
		ve := VisitorMessage(err)
		s.registerError(w, r, ve.Status, ve.Message)
		return
	}
	s.metrics.registration("honeypot")
	s.registerSuccess(w, r)
}

func errText(err error) string {
	var ve *VisitorError
	if errors.As(err, &ve) && ve.Err != nil {
		return ve.Err.Error()
	}
	return err.Error()
}

// wantsJSON reports whether the caller is a script (JSON body or an Accept
// asking for JSON) rather than a plain form post.
func wantsJSON(r *http.Request) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct == "application/json" || strings.Contains(r.Header.Get("Accept"), "application/json")
}

// registerSuccess answers a successful registration: the thank-you page
// for a plain form post, else the one JSON answer (see registered).
func (s *Server) registerSuccess(w http.ResponseWriter, r *http.Request) {
	if !wantsJSON(r) && s.opts.ThankYouURL != "" {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, s.opts.ThankYouURL, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, registered)
}

func (s *Server) registerError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if !wantsJSON(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		fmt.Fprintln(w, msg)
		return
	}
	writeJSON(w, status, registerAnswer{Status: "error", Message: msg})
}

// parseForm reads a urlencoded, multipart or JSON body into fields, with
// the body and field size limits.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) (map[string]string, int, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxRegisterBytes)
	tooBig := func(err error) bool {
		var mbe *http.MaxBytesError
		return errors.As(err, &mbe)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	fields := map[string]string{}
	switch ct {
	case "application/json":
		var m map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			if tooBig(err) {
				return nil, http.StatusRequestEntityTooLarge, errors.New("The form is too large.")
			}
			return nil, http.StatusBadRequest, errors.New("The form could not be read.")
		}
		for k, v := range m {
			switch t := v.(type) {
			case string:
				fields[k] = t
			case json.Number:
				fields[k] = t.String()
			case nil:
			default:
				return nil, http.StatusBadRequest, errors.New("The form could not be read.")
			}
		}
	case "application/x-www-form-urlencoded", "multipart/form-data":
		var err error
		if ct == "multipart/form-data" {
			err = r.ParseMultipartForm(s.opts.MaxRegisterBytes)
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
				if len(r.MultipartForm.File) > 0 {
					return nil, http.StatusBadRequest, errors.New("Files are not accepted.")
				}
			}
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			if tooBig(err) {
				return nil, http.StatusRequestEntityTooLarge, errors.New("The form is too large.")
			}
			return nil, http.StatusBadRequest, errors.New("The form could not be read.")
		}
		for k, vs := range r.PostForm {
			if len(vs) > 1 {
				return nil, http.StatusBadRequest, fmt.Errorf("The field %s is repeated.", safeName(k))
			}
			fields[k] = vs[0]
		}
	default:
		return nil, http.StatusUnsupportedMediaType, errors.New("Send the form as a form post or as JSON.")
	}
	if len(fields) > 40 {
		return nil, http.StatusBadRequest, errors.New("The form has too many fields.")
	}
	for k, v := range fields {
		if len(v) > s.opts.MaxFieldBytes || len(k) > 64 {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("The field %s is too long.", safeName(k))
		}
	}
	return fields, 0, nil
}

// safeName returns a field name fit to echo back, or "".
func safeName(k string) string {
	for _, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') || len(k) > 32 {
			return "(unnamed)"
		}
	}
	return k
}

// resolveTarget picks the configured target the form names with
// "target" (a label or an ID), "meeting_id" or "webinar_id"; with one
// configured target, a form naming none gets it.
func (s *Server) resolveTarget(f map[string]string) (Target, bool) {
	name, kind := strings.TrimSpace(f["target"]), ""
	if v := strings.TrimSpace(f["meeting_id"]); v != "" {
		name, kind = v, "meeting"
	}
	if v := strings.TrimSpace(f["webinar_id"]); v != "" {
		if kind != "" {
			return Target{}, false
		}
		name, kind = v, "webinar"
	}
	if name == "" {
		if len(s.opts.Targets) == 1 {
			return s.opts.Targets[0], true
		}
		return Target{}, false
	}
	for _, t := range s.opts.Targets {
		if kind != "" && t.Kind != kind {
			continue
		}
		if strconv.FormatInt(t.ID, 10) == strings.ReplaceAll(name, " ", "") || (kind == "" && t.Label != "" && t.Label == name) {
			return t, true
		}
	}
	return Target{}, false
}

// normalizeOrigin lower-cases scheme and host and drops default ports, so
// configured origins and Origin headers compare exactly.
func normalizeOrigin(o string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("serve: %q is not an origin (scheme://host[:port])", o)
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return strings.ToLower(u.Scheme) + "://" + host, nil
}

// ipLimiter is a token bucket per client address, forgetting addresses
// idle for ten minutes.
type ipLimiter struct {
	mu      sync.Mutex
	perMin  int
	now     func() time.Time
	clients map[string]*ipEntry
	swept   time.Time
}

type ipEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(perMinute int, now func() time.Time) *ipLimiter {
	return &ipLimiter{perMin: perMinute, now: now, clients: map[string]*ipEntry{}}
}

func (l *ipLimiter) allow(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		for k, e := range l.clients {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	e := l.clients[ip]
	if e == nil {
		e = &ipEntry{lim: rate.NewLimiter(rate.Limit(float64(l.perMin)/60), l.perMin)}
		l.clients[ip] = e
	}
	e.seen = now
	return e.lim.AllowN(now, 1)
}
