package zoomapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors. Use errors.Is.
var (
	// ErrNotFound matches an *APIError with HTTP status 404 or Zoom code 1001
	// (user does not exist) or 3001 (meeting does not exist).
	ErrNotFound = errors.New("zoomapi: not found")

	// ErrOutcomeUnknown is wrapped by errors returned for a non-idempotent
	// request (POST, PATCH) that failed after it may have reached Zoom
	// (timeout or reset after the request was written, 5xx, unreadable 2xx
	// body). The caller must reconcile (for example list registrants) before
	// trying again; the client never blind-retries such a request.
	ErrOutcomeUnknown = errors.New("zoomapi: request outcome unknown (may have been applied)")

	// ErrPageTokenCycle is returned by Pages when Zoom hands back a
	// next_page_token that was already followed in the same partition.
	ErrPageTokenCycle = errors.New("zoomapi: next_page_token cycle")

	// ErrBodyTooLarge is returned when a response body exceeds Config.MaxBodyBytes.
	ErrBodyTooLarge = errors.New("zoomapi: response body too large")

	// ErrHostNotAllowed is wrapped by CheckURL failures.
	ErrHostNotAllowed = errors.New("zoomapi: host not allowed")
)

// maxMessageBytes caps how much of a server message is kept in an error.
const maxMessageBytes = 300

// FieldError is one entry of the "errors" array of a Zoom validation error.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// APIError is a non-2xx Zoom API response. Code and Message come from Zoom's
// {"code":..,"message":..} body; a non-JSON body is tolerated and its start
// (truncated) becomes Message.
type APIError struct {
	StatusCode int
	Code       int
	Message    string
	TrackingID string
	Errors     []FieldError
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "zoom api: HTTP %d", e.StatusCode)
	if e.Code != 0 {
		fmt.Fprintf(&b, " code %d", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for i, fe := range e.Errors {
		if i == 5 {
			fmt.Fprintf(&b, " (+%d more)", len(e.Errors)-i)
			break
		}
		fmt.Fprintf(&b, " [%s: %s]", fe.Field, fe.Message)
	}
	if e.TrackingID != "" {
		fmt.Fprintf(&b, " (tracking id %s)", e.TrackingID)
	}
	return b.String()
}

// Is reports whether target is ErrNotFound and the error is a not-found.
func (e *APIError) Is(target error) bool {
	if target == ErrNotFound {
		return e.StatusCode == http.StatusNotFound || e.Code == CodeUserNotFound || e.Code == CodeMeetingNotFound
	}
	return false
}

// RateLimitError is an HTTP 429. Daily is true for a daily quota (header
// X-RateLimit-Type: Daily-limit or a body mentioning the daily limit); such
// errors are returned at once and not retried. Reset is when requests may
// resume (from Retry-After, or the next 00:00 UTC for a daily limit without
// the header), zero if unknown.
type RateLimitError struct {
	Category string
	Type     string
	Daily    bool
	// PerRegistrant is true for Zoom's daily limit of add-registrant
	// requests for one registrant ("You have exceeded the daily rate limit
	// of "3" for Add meeting registrant API requests for the registrant
	// ..."): it concerns one person, not the account's quota.
	PerRegistrant bool
	Reset         time.Time
	Message       string
	TrackingID    string
}

// Error implements error.
func (e *RateLimitError) Error() string {
	kind := "per-second"
	if e.Daily {
		kind = "daily"
	}
	s := fmt.Sprintf("zoom api: %s rate limit exceeded", kind)
	if e.Category != "" {
		s += " (category " + e.Category + ")"
	}
	if !e.Reset.IsZero() {
		s += "; resets at " + e.Reset.UTC().Format(time.RFC3339)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.TrackingID != "" {
		s += " (tracking id " + e.TrackingID + ")"
	}
	return s
}

// ScopeError reports that the access token lacks a required scope (Zoom code
// 4711, or 4700 "does not contain scopes"). It is a permanent configuration
// error. Scopes lists the acceptable scopes named by Zoom (any one suffices).
type ScopeError struct {
	Scopes []string
	API    *APIError
}

// Error implements error.
func (e *ScopeError) Error() string {
	s := "zoom api: access token is missing a required scope"
	if len(e.Scopes) > 0 {
		s += " (any of: " + strings.Join(e.Scopes, ", ") + ")"
	}
	if e.API != nil && e.API.TrackingID != "" {
		s += " (tracking id " + e.API.TrackingID + ")"
	}
	return s
}

// Unwrap returns the underlying *APIError.
func (e *ScopeError) Unwrap() error {
	if e.API == nil {
		return nil
	}
	return e.API
}

// CheckResponse turns a non-2xx response and its already-read body into a
// typed error: *RateLimitError for 429, *ScopeError for missing scopes, and
// *APIError otherwise. It returns nil for 2xx.
func CheckResponse(resp *http.Response, body []byte) error {
	return checkResponse(resp, body, time.Now())
}

func checkResponse(resp *http.Response, body []byte, now time.Time) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	ae := &APIError{StatusCode: resp.StatusCode, TrackingID: trackingID(resp.Header)}
	parseErrorBody(body, ae)

	if resp.StatusCode == http.StatusTooManyRequests {
		rl := &RateLimitError{
			Category:   resp.Header.Get("X-RateLimit-Category"),
			Type:       resp.Header.Get("X-RateLimit-Type"),
			Message:    ae.Message,
			TrackingID: ae.TrackingID,
		}
		if t, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			rl.Reset = t
		}
		// Zoom: X-RateLimit-Type is "QPS" or "Daily-limit"; some 429s lack
		// the headers, so the body text is consulted too.
		// https://developers.zoom.us/docs/api/rate-limits/
		if strings.EqualFold(rl.Type, "Daily-limit") || strings.Contains(strings.ToLower(ae.Message), "daily") {
			rl.Daily = true
			if rl.Reset.IsZero() {
				// "You may resume these requests at GMT 00:00:00."
				y, m, d := now.UTC().Date()
				rl.Reset = time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
			}
			rl.PerRegistrant = strings.Contains(strings.ToLower(ae.Message), "registrant")
		}
		return rl
	}
	if ae.Code == CodeScopeMissing || (ae.Code == CodeTokenScopeOrNil && strings.Contains(strings.ToLower(ae.Message), "does not contain scope")) {
		return &ScopeError{Scopes: parseScopes(ae.Message), API: ae}
	}
	return ae
}

func trackingID(h http.Header) string {
	return truncate(h.Get("X-Zm-Trackingid"), 128)
}

// parseErrorBody fills Code, Message and Errors from a Zoom error body,
// tolerating non-JSON bodies.
func parseErrorBody(body []byte, ae *APIError) {
	var eb struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		Errors  []FieldError    `json:"errors"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &eb) == nil {
		if len(eb.Code) > 0 {
			s := strings.Trim(string(eb.Code), `"`)
			if n, err := strconv.Atoi(s); err == nil {
				ae.Code = n
			}
		}
		ae.Message = truncate(eb.Message, maxMessageBytes)
		if len(eb.Errors) > 20 {
			eb.Errors = eb.Errors[:20]
		}
		for i := range eb.Errors {
			eb.Errors[i].Field = truncate(eb.Errors[i].Field, 100)
			eb.Errors[i].Message = truncate(eb.Errors[i].Message, 200)
		}
		ae.Errors = eb.Errors
		return
	}
	ae.Message = bodyExcerpt(trimmed)
}

// bodyExcerpt returns a short, single-line excerpt of a non-JSON body.
func bodyExcerpt(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	return truncate(s, maxMessageBytes)
}

// truncate cuts s to at most n bytes on a rune boundary and drops invalid UTF-8.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// parseScopes extracts the scope list from
// "Invalid access token, does not contain scopes:[a, b]."
func parseScopes(msg string) []string {
	i := strings.Index(msg, "[")
	j := strings.LastIndex(msg, "]")
	if i < 0 || j <= i {
		return nil
	}
	var out []string
	for _, s := range strings.Split(msg[i+1:j], ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// IsSkippable reports whether err means the addressed object is gone or not
// applicable, so a stream may skip that record or partition instead of
// failing: Zoom codes 1001 (user does not exist), 3001 (meeting does not
// exist), 3161 (user not allowed to host), 12702 (meeting older than a year),
// and "registration not enabled" (code 300 or 404 whose message says
// registration has not been enabled, or 3000 "does not have registration").
func IsSkippable(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Code {
	case CodeUserNotFound, CodeMeetingNotFound, CodeHostingNotAllowed, CodeOlderThanAYear:
		return true
	case CodeInvalidRequest, http.StatusNotFound, CodeMeetingAccess:
		m := strings.ToLower(ae.Message)
		return strings.Contains(m, "registration has not been enabled") ||
			strings.Contains(m, "does not have registration") ||
			strings.Contains(m, "doesn't have registration") // past_webinars/{uuid}/absentees (2025 document)
	case CodeNoPermission:
		// "Webinar plan is missing…": this user has no webinar add-on.
		// Other code-200 answers ("No permission.", "Only available for
		// paid account") concern the whole account and are not skipped.
		return strings.Contains(strings.ToLower(ae.Message), "webinar plan is missing")
	}
	return false
}

// isInvalidPageToken reports Zoom's 400 code 300 "The next page token is
// invalid or has expired." (tokens live 15 minutes).
func isInvalidPageToken(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	m := strings.ToLower(ae.Message)
	return ae.Code == CodeInvalidRequest && strings.Contains(m, "next page token") &&
		(strings.Contains(m, "invalid") || strings.Contains(m, "expired"))
}
