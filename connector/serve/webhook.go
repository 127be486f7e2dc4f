package serve

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/store"
)

// Zoom's webhook headers and limits
// (https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events).
const (
	HeaderSignature = "x-zm-signature"
	HeaderTimestamp = "x-zm-request-timestamp"
	// MaxClockSkew is how far a request timestamp may be from now, either
	// way, before the request is refused as a replay or a forgery.
	MaxClockSkew = 5 * time.Minute
	// EventURLValidation is Zoom's endpoint check (CRC), re-sent every 72 h.
	EventURLValidation = "endpoint.url_validation"
	// EventDeauthorized is sent when an account removes the app.
	EventDeauthorized = "app_deauthorized"
)

// Sign returns the x-zm-signature value of body sent at ts (Unix seconds)
// with secret: "v0=" + hex(HMAC-SHA256(secret, "v0:{ts}:{body}")).
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("v0:"))
	m.Write([]byte(ts))
	m.Write([]byte(":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// EncryptToken answers a URL validation: hex(HMAC-SHA256(secret, plainToken)).
func EncryptToken(secret []byte, plainToken string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(plainToken))
	return hex.EncodeToString(m.Sum(nil))
}

// Verification failures, for metrics and logs (never sent to the caller).
var (
	errNoHeaders   = errors.New("missing signature or timestamp header")
	errBadTime     = errors.New("timestamp is not Unix seconds")
	errStale       = errors.New("timestamp outside the 5-minute window")
	errBadSig      = errors.New("signature does not match")
	errDuplicateHd = errors.New("signature or timestamp header repeated")
)

// Verify checks a webhook request's signature headers against its raw
// body at time now. It returns nil only for a correctly signed request
// whose timestamp is within MaxClockSkew of now. The comparison is
// constant-time over the bytes of the header.
func Verify(secret []byte, h http.Header, body []byte, now time.Time) error {
	sigs, tss := h.Values(HeaderSignature), h.Values(HeaderTimestamp)
	if len(sigs) == 0 || len(tss) == 0 || sigs[0] == "" || tss[0] == "" {
		return errNoHeaders
	}
	if len(sigs) > 1 || len(tss) > 1 {
		return errDuplicateHd
	}
	ts := tss[0]
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || secs <= 0 || len(ts) > 12 {
		return errBadTime
	}
	d := now.Sub(time.Unix(secs, 0))
	if d > MaxClockSkew || d < -MaxClockSkew {
		return errStale
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(sigs[0]), []byte(want)) {
		return errBadSig
	}
	return nil
}

// webhookBody is the envelope every Zoom event shares.
type webhookBody struct {
	Event   string          `json:"event"`
	EventTS json.Number     `json:"event_ts"`
	Payload json.RawMessage `json:"payload"`
}

func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	body, ok := s.verifiedBody(w, r)
	if !ok {
		return
	}
	var env webhookBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil || env.Event == "" || !atEOF(dec) {
		s.metrics.rejected("malformed")
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if env.Event == EventURLValidation {
		s.answerValidation(w, env.Payload)
		return
	}
	ts, err := env.EventTS.Int64()
	if err != nil || ts < 0 {
		s.metrics.rejected("malformed")
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	e := store.Event{Event: env.Event, EventTS: ts, Body: body, ReceivedAt: s.opts.Now()}
	e.AccountID, e.ObjectID = describePayload(env.Payload)

	// Zoom waits 3 seconds: store within the budget or answer 503 and let
	// Zoom's retry bring the event again.
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.StoreTimeout)
	defer cancel()
	var stored bool
	if env.Event == EventDeauthorized {
		var answered bool
		stored, answered, err = s.deauthorize(ctx, w, env.Payload, &e)
		if answered {
			return
		}
	} else {
		_, stored, err = s.opts.Store.AppendEvent(ctx, e)
	}
	if err != nil {
		s.metrics.rejected("store_error")
		s.log.Error("store webhook event", "event", e.Event, "error", err.Error())
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	s.metrics.received(e.Event, stored)
	w.WriteHeader(http.StatusNoContent)
}

// verifiedBody reads a POST's body and verifies Zoom's signature; it
// answers the request itself (405, 413, 400 or 401, with no detail of
// which check failed) and returns false when either fails.
func (s *Server) verifiedBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxWebhookBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.metrics.rejected("body_too_large")
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		s.metrics.rejected("read_error")
		http.Error(w, "bad request", http.StatusBadRequest)
		return nil, false
	}
	if err := Verify(s.secret, r.Header, body, s.opts.Now()); err != nil {
		reason := "signature"
		switch err {
		case errNoHeaders, errDuplicateHd:
			reason = "headers"
		case errBadTime, errStale:
			reason = "timestamp"
		}
		s.metrics.rejected(reason)
		s.log.Warn("webhook refused", "reason", err.Error(), "remote", clientIP(r, s.opts.TrustProxy))
		// No detail: a prober learns nothing about which check failed.
		w.WriteHeader(http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// deauthorize handles app_deauthorized: the account's tenant tokens are
// deleted first (a failure answers 503 and Zoom's retry deletes them),
// then its stored data, recording e. answered is true when it answered
// the request itself.
func (s *Server) deauthorize(ctx context.Context, w http.ResponseWriter, payload json.RawMessage, e *store.Event) (stored, answered bool, err error) {
	var p struct {
		AccountID string `json:"account_id"`
		UserID    string `json:"user_id"`
		ClientID  string `json:"client_id"`
		Time      string `json:"deauthorization_time"`
	}
	_ = json.Unmarshal(payload, &p)
	if p.AccountID == "" {
		s.metrics.rejected("malformed")
		http.Error(w, "bad request", http.StatusBadRequest)
		return false, true, nil
	}
	e.AccountID = p.AccountID
	// The tenants' tokens first: a failure answers 503 and Zoom's retry
	// deletes them (a redelivery deletes them too).
	if terr := s.deleteTenantTokens(ctx, p.AccountID, p.UserID); terr != nil {
		s.metrics.rejected("store_error")
		s.log.Error("app deauthorized: delete tenant tokens", "account_id", p.AccountID, "error", terr.Error())
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return false, true, nil
	}
	_, stored, err = s.opts.Store.Deauthorize(ctx, store.Deauthorization{
		AccountID: p.AccountID, UserID: p.UserID, ClientID: p.ClientID, DeauthorizedAt: p.Time, ReceivedAt: e.ReceivedAt,
	}, *e)
	if err == nil && stored {
		s.log.Info("app deauthorized: stored data of the account deleted", "account_id", p.AccountID)
	}
	return stored, false, err
}

// atEOF reports whether nothing but white space follows the value dec
// decoded: a signed body is one JSON object, nothing after it.
func atEOF(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err == io.EOF
}

// answerValidation answers endpoint.url_validation; the request is already
// verified.
func (s *Server) answerValidation(w http.ResponseWriter, payload json.RawMessage) {
	var p struct {
		PlainToken string `json:"plainToken"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.PlainToken == "" || len(p.PlainToken) > 256 {
		s.metrics.rejected("malformed")
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.metrics.received(EventURLValidation, true)
	writeJSON(w, http.StatusOK, map[string]string{"plainToken": p.PlainToken, "encryptedToken": EncryptToken(s.secret, p.PlainToken)})
}

// describePayload extracts payload.account_id and the object id used in
// the dedupe key: payload.object.id (or uuid), refined by the registrant
// or participant an event is about, so two registrations for one meeting
// in the same millisecond stay two events; for a payload without an
// object, a hash of the whole payload.
func describePayload(raw json.RawMessage) (account, object string) {
	var p struct {
		AccountID string                     `json:"account_id"`
		Object    map[string]json.RawMessage `json:"object"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&p) != nil {
		return "", ""
	}
	if len(p.Object) == 0 {
		// No object (app_deauthorized, ...): the whole payload tells one
		// event from another of the same name and millisecond.
		h := sha256.Sum256(bytes.TrimSpace(raw))
		return p.AccountID, "payload:" + hex.EncodeToString(h[:])
	}
	id := scalar(p.Object["id"])
	if id == "" {
		id = scalar(p.Object["uuid"])
	}
	if u := scalar(p.Object["uuid"]); u != "" && u != id {
		id += "/" + u
	}
	for _, sub := range []string{"registrant", "participant", "recording_file"} {
		var m map[string]json.RawMessage
		if json.Unmarshal(p.Object[sub], &m) != nil || m == nil {
			continue
		}
		var parts []string
		for _, k := range []string{"id", "participant_uuid", "user_id", "join_time", "leave_time"} {
			if v := scalar(m[k]); v != "" {
				parts = append(parts, v)
			}
		}
		id += "/" + sub + ":" + strings.Join(parts, ",")
	}
	return p.AccountID, id
}

// scalar renders a JSON string or number as text, anything else as "".
func scalar(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if numberRe.Match(raw) {
		return string(raw)
	}
	return ""
}

var numberRe = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
