package zoomsim

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"weak"
)

// Lifetimes of the user-OAuth grants.
const (
	// AuthCodeTTL is how long an authorization code works (Zoom: 5 minutes).
	// https://developers.zoom.us/docs/rooms/za/za-digi-sign-oauth/
	AuthCodeTTL = 5 * time.Minute
	// RefreshTokenTTL is how long an unused refresh token works (Zoom's
	// current OAuth documentation: 90 days).
	RefreshTokenTTL = 90 * 24 * time.Hour
)

// Default identities of the user-authorized app that `zoomsim serve
// --oauth-app` registers: test values, like DefaultClientID.
const (
	DefaultOAuthClientID     = "zoomsim-oauth-client-id"
	DefaultOAuthClientSecret = "zoomsim-oauth-client-secret"
)

// UserApp is a simulated user-authorized (authorization code) OAuth app.
type UserApp struct {
	ClientID     string
	ClientSecret string
	// RedirectURIs are the registered redirect URLs. An authorize request's
	// redirect_uri must equal one of them exactly, except that the port of
	// an http loopback URI (127.0.0.1, [::1], localhost) is ignored, as
	// Zoom does for PKCE loopback redirects (RFC 8252 §7.3).
	// https://developers.zoom.us/changelog/platform/pkce-loopback/
	RedirectURIs []string
	// Scopes granted to the app's tokens; nil means every scope.
	Scopes []string
	// AccountID is the account the tokens act on (default: the dataset's).
	AccountID string
}

// UserOAuthStats counts the user-OAuth grants served.
type UserOAuthStats struct {
	Authorizations int // codes issued by GET /oauth/authorize
	CodeExchanges  int // successful authorization_code grants
	Refreshes      int // successful refresh_token grants
	Refused        int // refused authorization_code and refresh_token grants
	Revocations    int // refresh tokens revoked
}

type authCode struct {
	clientID    string
	redirectURI string
	challenge   string
	method      string
	expires     time.Time
	used        bool
	refresh     string // refresh token issued from this code, revoked on reuse
}

type refreshGrant struct {
	clientID string
	expires  time.Time
}

// userOAuth is the user-OAuth state of one Server. It lives in a side table
// keyed by a weak pointer to the Server (the Server struct belongs to the
// core simulator), dropped when the Server is collected.
type userOAuth struct {
	mu      sync.Mutex
	apps    map[string]*UserApp
	codes   map[string]*authCode
	refresh map[string]*refreshGrant
	issued  []string // every refresh token ever issued, for leak tests
	stats   UserOAuthStats
}

var userOAuthStates sync.Map // weak.Pointer[Server] -> *userOAuth

func (s *Server) userOAuth() *userOAuth {
	key := weak.Make(s)
	if v, ok := userOAuthStates.Load(key); ok {
		return v.(*userOAuth)
	}
	st := &userOAuth{apps: map[string]*UserApp{}, codes: map[string]*authCode{}, refresh: map[string]*refreshGrant{}}
	v, loaded := userOAuthStates.LoadOrStore(key, st)
	if !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[Server]) { userOAuthStates.Delete(k) }, key)
	}
	return v.(*userOAuth)
}

// RegisterOAuthApp adds a user-authorized OAuth app: GET /oauth/authorize
// then accepts its client id and redirect URIs, and POST /oauth/token its
// authorization_code and refresh_token grants. Its access tokens act on
// AccountID with Scopes, like a Server-to-Server app's. Call it before the
// server handles requests.
func (s *Server) RegisterOAuthApp(app UserApp) error {
	if app.ClientID == "" || app.ClientSecret == "" {
		return errors.New("zoomsim: user OAuth app needs a client id and a client secret")
	}
	if len(app.RedirectURIs) == 0 {
		return errors.New("zoomsim: user OAuth app needs at least one redirect URI")
	}
	for _, a := range s.opts.Apps {
		if a.ClientID == app.ClientID {
			return errors.New("zoomsim: client id already registered: " + app.ClientID)
		}
	}
	if app.AccountID == "" {
		app.AccountID = s.data.AccountID
	}
	if app.Scopes == nil {
		app.Scopes = AllScopes(s.routes)
	}
	app.RedirectURIs = slices.Clone(app.RedirectURIs)
	u := s.userOAuth()
	u.mu.Lock()
	u.apps[app.ClientID] = &app
	u.mu.Unlock()
	s.opts.Apps = append(s.opts.Apps, App{AccountID: app.AccountID, ClientID: app.ClientID, ClientSecret: app.ClientSecret, Scopes: app.Scopes})
	return nil
}

// UserOAuthStats returns the user-OAuth counters.
func (s *Server) UserOAuthStats() UserOAuthStats {
	u := s.userOAuth()
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stats
}

// IssuedRefreshTokens returns every refresh token the simulator has issued,
// rotated and revoked ones included, for tests that check none leaks.
func (s *Server) IssuedRefreshTokens() []string {
	u := s.userOAuth()
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.issued)
}

// userOAuthRoutes registers the user-OAuth endpoints (called by buildMux).
func (s *Server) userOAuthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/authorize", s.handleAuthorize)
}

// redirectMatches compares a requested redirect URI with a registered one:
// exact string match, except the port of http loopback URIs.
func redirectMatches(registered, requested string) bool {
	if registered == requested {
		return true
	}
	a, err1 := url.Parse(registered)
	b, err2 := url.Parse(requested)
	if err1 != nil || err2 != nil || !isLoopback(a) || !isLoopback(b) {
		return false
	}
	a.Host, b.Host = a.Hostname(), b.Hostname()
	return a.String() == b.String()
}

func isLoopback(u *url.URL) bool {
	h := u.Hostname()
	return u.Scheme == "http" && (h == "127.0.0.1" || h == "::1" || h == "localhost")
}

// handleAuthorize is GET /oauth/authorize with consent granted at once:
// it redirects to redirect_uri with code and state. An unknown client id or
// a redirect_uri that is not registered gets a 400 and no redirect (never
// forward a browser to an unverified URI; RFC 9700 §2.1).
// https://developers.zoom.us/docs/integrations/oauth/
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	u := s.userOAuth()
	u.mu.Lock()
	defer u.mu.Unlock()
	app := u.apps[q.Get("client_id")]
	if app == nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "Invalid client_id: 4702")
		return
	}
	redirect := q.Get("redirect_uri")
	ok := false
	for _, reg := range app.RedirectURIs {
		if redirectMatches(reg, redirect) {
			ok = true
			break
		}
	}
	target, err := url.Parse(redirect)
	if !ok || err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Invalid redirect: 4709")
		return
	}
	back := target.Query()
	if st := q.Get("state"); st != "" {
		back.Set("state", st)
	}
	fail := func(code, desc string) {
		back.Set("error", code)
		back.Set("error_description", desc)
		target.RawQuery = back.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		fail("unsupported_response_type", "response_type must be code")
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		fail("invalid_request", "code_challenge is required with code_challenge_method")
		return
	case challenge != "" && method == "":
		method = "plain" // RFC 7636 §4.3
	case challenge != "" && method != "S256" && method != "plain":
		fail("invalid_request", "code_challenge_method must be S256 or plain")
		return
	}
	code := "simcode_" + randomHex(16)
	u.codes[code] = &authCode{clientID: app.ClientID, redirectURI: redirect, challenge: challenge, method: method,
		expires: s.opts.Now().Add(AuthCodeTTL)}
	u.stats.Authorizations++
	back.Set("code", code)
	target.RawQuery = back.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// handleUserGrant answers the authorization_code and refresh_token grants
// of POST /oauth/token for an app whose Basic credentials handleToken
// already checked. Error bodies follow Zoom's {"reason","error"} shape; the
// refresh one is Zoom's own, the code ones are invented (Zoom's error table
// only names codes 4709, 4733 and 4734).
// https://developers.zoom.us/docs/integrations/oauth/#refreshing-an-access-token
func (s *Server) handleUserGrant(w http.ResponseWriter, r *http.Request, app *App) {
	u := s.userOAuth()
	u.mu.Lock()
	ua := u.apps[app.ClientID]
	if ua == nil {
		u.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type")
		return
	}
	now := s.opts.Now()
	refuse := func(errCode, reason string) {
		u.stats.Refused++
		u.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, errCode, reason)
	}
	switch r.Form.Get("grant_type") {
	case "authorization_code":
		c := u.codes[r.Form.Get("code")]
		switch {
		case c == nil || c.clientID != app.ClientID:
			refuse("invalid_grant", "Invalid authorization code: 4734")
			return
		case c.used:
			// A reused code revokes what it granted (RFC 6749 §4.1.2).
			delete(u.refresh, c.refresh)
			refuse("invalid_grant", "Invalid authorization code: 4734")
			return
		}
		c.used = true
		switch {
		case !now.Before(c.expires):
			refuse("invalid_grant", "Authorization code is expired: 4733")
			return
		case r.Form.Get("redirect_uri") != c.redirectURI:
			refuse("invalid_grant", "Invalid redirect: 4709")
			return
		case !verifierMatches(c.method, c.challenge, r.Form.Get("code_verifier")):
			refuse("invalid_grant", "Invalid code_verifier")
			return
		}
		c.refresh = u.newRefresh(app.ClientID, now)
		u.stats.CodeExchanges++
		rt := c.refresh
		u.mu.Unlock()
		s.writeUserToken(w, r, app, rt)
	case "refresh_token":
		old := r.Form.Get("refresh_token")
		g := u.refresh[old]
		if g == nil || g.clientID != app.ClientID || !now.Before(g.expires) {
			refuse("invalid_grant", "Invalid Token!")
			return
		}
		delete(u.refresh, old) // rotation: the old refresh token stops working
		rt := u.newRefresh(app.ClientID, now)
		u.stats.Refreshes++
		u.mu.Unlock()
		s.writeUserToken(w, r, app, rt)
	default:
		u.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type")
	}
}

// newRefresh issues a refresh token; u.mu is held.
func (u *userOAuth) newRefresh(clientID string, now time.Time) string {
	rt := "simrt_" + randomHex(24)
	u.refresh[rt] = &refreshGrant{clientID: clientID, expires: now.Add(RefreshTokenTTL)}
	u.issued = append(u.issued, rt)
	return rt
}

func verifierMatches(method, challenge, verifier string) bool {
	if challenge == "" {
		return true // no PKCE in the authorize request
	}
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	want := verifier
	if method == "S256" {
		h := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(h[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

func (s *Server) writeUserToken(w http.ResponseWriter, r *http.Request, app *App, refresh string) {
	tok := s.issueToken(app)
	b, _ := json.Marshal(map[string]any{
		"access_token":  tok,
		"token_type":    "bearer",
		"refresh_token": refresh,
		"expires_in":    int(s.opts.TokenTTL.Seconds()),
		"scope":         strings.Join(app.Scopes, " "),
		"api_url":       "http://" + r.Host,
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// revokeUserToken revokes a refresh token (POST /oauth/revoke?token=…); it
// reports whether the token was one.
func (s *Server) revokeUserToken(token string) bool {
	u := s.userOAuth()
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.refresh[token]; !ok {
		return false
	}
	delete(u.refresh, token)
	u.stats.Revocations++
	return true
}
