package zoomsim

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// handleToken is Zoom's token endpoint for Server-to-Server OAuth:
// POST /oauth/token with Basic auth and grant_type=account_credentials and
// account_id, as a form body or in the query string.
// https://developers.zoom.us/docs/internal-apps/s2s-oauth/
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.counter.tokenRequest()
	if s.faults.tokenFault() {
		s.counter.fault(faultTokenFail)
		writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "Service unavailable, please retry.")
		return
	}
	if err := r.ParseForm(); err != nil { // merges query and form body
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Invalid request body.")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	app := s.findApp(id, secret)
	if app == nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	switch gt := r.Form.Get("grant_type"); gt {
	case "authorization_code", "refresh_token": // user-authorized apps: oauth_user.go
		s.handleUserGrant(w, r, app)
		return
	case "account_credentials":
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Missing grant type")
		return
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type")
		return
	}
	// Zoom's body for a wrong account id is unverified (users report only a
	// 400); this one is invented and marked so in the README.
	if r.Form.Get("account_id") != app.AccountID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Invalid account_id")
		return
	}
	tok := s.issueToken(app)
	b, _ := json.Marshal(map[string]any{
		"access_token": tok,
		"token_type":   "bearer",
		"expires_in":   int(s.opts.TokenTTL.Seconds()),
		"scope":        strings.Join(app.Scopes, " "),
		"api_url":      "http://" + r.Host,
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// handleRevoke revokes an access token: POST /oauth/revoke?token=… with the
// app's Basic auth.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok || s.findApp(id, secret) == nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	s.revokeUserToken(r.Form.Get("token")) // a refresh token: oauth_user.go
	s.tokMu.Lock()
	delete(s.tokens, r.Form.Get("token"))
	s.tokMu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"success"}`))
}

func (s *Server) findApp(id, secret string) *App {
	for i := range s.opts.Apps {
		a := &s.opts.Apps[i]
		if subtle.ConstantTimeCompare([]byte(a.ClientID), []byte(id)) == 1 &&
			subtle.ConstantTimeCompare([]byte(a.ClientSecret), []byte(secret)) == 1 {
			return a
		}
	}
	return nil
}

func (s *Server) issueToken(app *App) string {
	s.counter.tokenIssued()
	tok := "sim_" + randomHex(24)
	scopes := make(map[string]bool, len(app.Scopes))
	for _, sc := range app.Scopes {
		scopes[sc] = true
	}
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	if s.opts.InvalidateOldTokens {
		for k, t := range s.tokens {
			if t.app == app {
				delete(s.tokens, k)
			}
		}
	}
	s.tokens[tok] = &accessToken{app: app, expires: s.opts.Now().Add(s.opts.TokenTTL), scopes: scopes}
	return tok
}

// ExpireTokens makes every issued access token expired, as if an hour had
// passed; the next API call with one gets 401 code 124.
func (s *Server) ExpireTokens() {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	for _, t := range s.tokens {
		t.expires = s.opts.Now().Add(-1)
	}
}

// authenticate checks the bearer token. On failure it returns nil and
// Zoom's status, code and message.
func (s *Server) authenticate(r *http.Request) (*accessToken, int, int, string) {
	h := r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || raw == "" {
		return nil, http.StatusUnauthorized, 124, "Invalid access token."
	}
	s.tokMu.Lock()
	t := s.tokens[raw]
	var expires time.Time
	if t != nil {
		expires = t.expires // ExpireTokens writes it under tokMu
	}
	s.tokMu.Unlock()
	if t == nil {
		return nil, http.StatusUnauthorized, 124, "Invalid access token."
	}
	if !s.opts.Now().Before(expires) {
		return nil, http.StatusUnauthorized, 124, "Access token is expired."
	}
	return t, 0, 0, ""
}

func writeOAuthError(w http.ResponseWriter, status int, errCode, reason string) {
	b, _ := json.Marshal(map[string]string{"reason": reason, "error": errCode})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// IssuedTokens returns every access token still known to the simulator,
// for tests that check no token leaks into output.
func (s *Server) IssuedTokens() []string {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	out := make([]string, 0, len(s.tokens))
	for t := range s.tokens {
		out = append(out, t)
	}
	return out
}
