package serve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// Defaults of ConnectOptions.
const (
	// DefaultConnectLifetime bounds a connection started at /connect: the
	// pending authorization and its browser cookie expire after it.
	DefaultConnectLifetime = 10 * time.Minute
	// DefaultMaxPendingConnects bounds the authorizations in progress.
	DefaultMaxPendingConnects = 10000
	// DefaultConnectRatePerMinute bounds /connect requests per client.
	DefaultConnectRatePerMinute = 20
	// CallbackPath is the path of the OAuth redirect URL.
	CallbackPath = "/oauth/callback"
)

// Names of the browser-binding cookie: with the __Host- prefix (Secure,
// Path=/, no Domain) on https, plain on a loopback http test server.
const (
	connectCookieSecure   = "__Host-zc_connect"
	connectCookieLoopback = "zc_connect"
)

// ConnectOptions turn on the OAuth tenant flow of a user-authorized Zoom
// app: GET /connect/{tenant} and GET /oauth/callback.
type ConnectOptions struct {
	// App is the user-authorized OAuth app (client id, secret, token URL).
	App *zoomapi.OAuthApp
	// RedirectURL is the app's registered redirect URL, sent exactly as
	// is: https (or http on a loopback address, for tests), with a path
	// ending in /oauth/callback.
	RedirectURL string
	// Tokens keeps each tenant's tokens, encrypted, in the serve store.
	Tokens *store.TokenStore
	// Sources, if set, holds the in-memory token sources of the tenants;
	// a tenant's source is forgotten when it is connected again or its
	// tokens are deleted.
	Sources *zoomapi.TokenSources
	// InviteKey verifies the operator's invitations (InviteKey of the
	// token key). Required: /connect/{tenant} connects nothing without a
	// valid, unexpired, unused invitation for that tenant.
	InviteKey []byte
	// Identify returns the Zoom account and user of a new access token
	// (ZoomIdentifier calls GET /users/me). Required: app_deauthorized
	// names the account, and the tenant is found from it.
	Identify func(ctx context.Context, accessToken string) (store.TenantAccount, error)
	// Lifetime bounds a pending authorization (default 10 minutes).
	Lifetime time.Duration
	// MaxPending bounds the authorizations in progress (default 10000).
	MaxPending int
	// RateLimitPerMinute bounds /connect per client address (default 20).
	RateLimitPerMinute int
}

// pendingConnect is one authorization in progress, kept in memory keyed
// by its one-time state. Verifier and state never leave the server except
// in the authorize URL (the state) and the code exchange (the verifier).
type pendingConnect struct {
	tenant  string
	auth    *zoomapi.PendingAuth
	browser [32]byte // SHA-256 of the binding cookie's value
	expires time.Time
	invite  store.Invite // recorded as used when the tokens are saved
}

type connectFlow struct {
	opts       ConnectOptions
	secure     bool
	cookieName string
	cookiePath string
	limiter    *ipLimiter

	mu      sync.Mutex
	pending map[string]*pendingConnect
}

var tenantSlug = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// CheckTenantSlug reports whether id is a tenant id /connect accepts: 1 to
// 64 letters, digits, '.', '_' and '-', starting with a letter or digit.
func CheckTenantSlug(id string) error {
	if !tenantSlug.MatchString(id) {
		return errors.New("a tenant id is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	return tokenstore.CheckTenant(id)
}

// CheckRedirectURL reports whether u can be the connect flow's redirect
// URL: absolute https, or http on a loopback address, no user info or
// fragment, and a path ending in /oauth/callback. It returns whether
// cookies must be Secure (anything but loopback http).
func CheckRedirectURL(u string) (secure bool, err error) {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || p.User != nil || p.Fragment != "" || p.Opaque != "" {
		return false, fmt.Errorf("serve: OAuth redirect URL %q must be an absolute URL without user info or fragment", u)
	}
	loopback := p.Scheme == "http" && isLoopbackHost(p.Hostname())
	if p.Scheme != "https" && !loopback {
		return false, fmt.Errorf("serve: OAuth redirect URL %q must use https (http only on 127.0.0.1, ::1 or localhost)", u)
	}
	if !strings.HasSuffix(p.Path, CallbackPath) {
		return false, fmt.Errorf("serve: OAuth redirect URL %q must end in %s (the path serve answers)", u, CallbackPath)
	}
	return !loopback, nil
}

func isLoopbackHost(h string) bool {
	return h == "127.0.0.1" || h == "::1" || h == "localhost"
}

func newConnectFlow(o ConnectOptions, now func() time.Time) (*connectFlow, error) {
	if o.App == nil || o.Tokens == nil || o.Identify == nil {
		return nil, errors.New("serve: the connect flow needs an OAuth app, a token store and an identify function")
	}
	if len(o.InviteKey) < 32 {
		return nil, errors.New("serve: the connect flow needs the invitation key (InviteKey of the token key)")
	}
	secure, err := CheckRedirectURL(o.RedirectURL)
	if err != nil {
		return nil, err
	}
	if o.Lifetime <= 0 {
		o.Lifetime = DefaultConnectLifetime
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPendingConnects
	}
	if o.RateLimitPerMinute <= 0 {
		o.RateLimitPerMinute = DefaultConnectRatePerMinute
	}
	app := *o.App // the flow's clock and lifetime, without changing the caller's
	app.Lifetime = o.Lifetime
	if app.Now == nil {
		app.Now = now
	}
	o.App = &app
	f := &connectFlow{opts: o, secure: secure, cookieName: connectCookieLoopback, cookiePath: "/",
		limiter: newIPLimiter(o.RateLimitPerMinute, now), pending: map[string]*pendingConnect{}}
	if secure {
		f.cookieName = connectCookieSecure
	}
	return f, nil
}

// handleConnect is GET /connect/{tenant}: it starts an authorization for
// the tenant and sends the browser to Zoom's consent screen.
func (s *Server) handleConnect(w http.ResponseWriter, r *http.Request) {
	f := s.connect
	if !f.limiter.allow(rateKey(r, s.opts.TrustProxy)) {
		w.Header().Set("Retry-After", "60")
		connectPage(w, http.StatusTooManyRequests, "Too many requests", "Too many connection attempts from this address; wait a minute and try again.")
		return
	}
	tenant := r.PathValue("tenant")
	if err := CheckTenantSlug(tenant); err != nil {
		connectPage(w, http.StatusBadRequest, "Invalid link", "This connection link names no valid site: "+err.Error()+".")
		return
	}
	inv, ok := s.checkInvite(w, r, tenant)
	if !ok {
		return
	}
	// One binding value per browser, reused by parallel connections (two
	// tabs); a fresh one when the browser has none.
	binding := ""
	if c, err := r.Cookie(f.cookieName); err == nil && validBinding(c.Value) {
		binding = c.Value
	} else if binding, err = randomValue(); err != nil {
		s.log.Error("connect: random", "error", err.Error())
		connectPage(w, http.StatusInternalServerError, "Not available", "The connection could not be started; try again later.")
		return
	}
	p, err := f.opts.App.Start(f.opts.RedirectURL)
	if err != nil {
		s.log.Error("connect: start authorization", "tenant", tenant, "error", err.Error())
		connectPage(w, http.StatusInternalServerError, "Not available", "The connection could not be started; try again later.")
		return
	}
	now := s.opts.Now()
	pc := &pendingConnect{tenant: tenant, auth: p, browser: sha256.Sum256([]byte(binding)), expires: now.Add(f.opts.Lifetime),
		invite: store.Invite{Nonce: inv.Nonce, Expires: inv.Expires}}
	if !f.put(p.State, pc, now) {
		s.log.Warn("connect: too many authorizations in progress", "pending", f.opts.MaxPending)
		w.Header().Set("Retry-After", "60")
		connectPage(w, http.StatusServiceUnavailable, "Busy", "Too many connections are in progress; try again in a few minutes.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: f.cookieName, Value: binding, Path: f.cookiePath, MaxAge: int(f.opts.Lifetime.Seconds()),
		HttpOnly: true, Secure: f.secure, SameSite: http.SameSiteLaxMode,
	})
	s.log.Info("oauth connect started", "tenant", tenant)
	noStore(w)
	w.Header().Set("Location", p.URL)
	w.WriteHeader(http.StatusFound)
}

// Messages of the invitation checks.
const (
	msgInviteInvalid = "This connection link is not valid or has expired. Ask the site's operator for a new one."
	msgInviteUsed    = "This connection link was already used. Ask the site's operator for a new one."
)

// checkInvite verifies the request's invitation for tenant: signed with
// the invitation key, for this tenant, unexpired and not yet used. It
// answers the refusal itself and returns false.
func (s *Server) checkInvite(w http.ResponseWriter, r *http.Request, tenant string) (Invite, bool) {
	f := s.connect
	inv, err := VerifyInvite(f.opts.InviteKey, r.URL.Query().Get(InviteQueryParam), tenant, s.opts.Now())
	if err != nil {
		s.log.Warn("connect refused", "tenant", tenant, "reason", err.Error())
		connectPage(w, http.StatusForbidden, "Invitation needed", msgInviteInvalid)
		return Invite{}, false
	}
	used, err := f.opts.Tokens.InviteUsed(r.Context(), inv.Nonce)
	if err != nil {
		s.log.Error("connect: read invitations", "error", err.Error())
		connectPage(w, http.StatusServiceUnavailable, "Not available", "The connection could not be started; try again later.")
		return Invite{}, false
	}
	if used {
		s.log.Warn("connect refused", "tenant", tenant, "reason", "invitation already used")
		connectPage(w, http.StatusForbidden, "Invitation used", msgInviteUsed)
		return Invite{}, false
	}
	return inv, true
}

// put stores a pending authorization, after dropping expired ones; it
// reports false when MaxPending are already in progress.
func (f *connectFlow) put(state string, pc *pendingConnect, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pending) >= f.opts.MaxPending/2 {
		for k, v := range f.pending {
			if !now.Before(v.expires) {
				delete(f.pending, k)
			}
		}
	}
	if len(f.pending) >= f.opts.MaxPending {
		return false
	}
	f.pending[state] = pc
	return true
}

// peek returns the pending authorization of state without using it.
func (f *connectFlow) peek(state string) *pendingConnect {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pending[state]
}

// take removes and returns the pending authorization of state: each state
// is used at most once, whatever the outcome.
func (f *connectFlow) take(state string) *pendingConnect {
	f.mu.Lock()
	defer f.mu.Unlock()
	pc := f.pending[state]
	delete(f.pending, state)
	return pc
}

// handleCallback is GET /oauth/callback: Zoom's redirect after consent.
func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	f := s.connect
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" || len(state) > 256 {
		s.log.Warn("oauth callback refused", "reason", "no state")
		connectPage(w, http.StatusBadRequest, "Not connected", "This page was opened without a valid authorization request. Start again from your connection link.")
		return
	}
	pc, log, ok := s.claimState(w, r, state)
	if !ok {
		return
	}
	code, err := pc.auth.Code(q)
	if err != nil {
		if errors.Is(err, zoomapi.ErrConsentDenied) && q.Get("error") == "access_denied" {
			log.Info("oauth callback: access denied on Zoom's consent screen")
			connectPage(w, http.StatusForbidden, "Not connected", "Access was not allowed on Zoom's consent screen, so no Zoom account was connected. Start again from your connection link if that was a mistake.")
			return
		}
		log.Warn("oauth callback refused", "reason", "zoom returned an error", "error", truncateASCII(q.Get("error"), 64))
		connectPage(w, http.StatusBadGateway, "Not connected", "Zoom did not grant the authorization. Start again from your connection link; if it happens again, contact the site's operator.")
		return
	}
	// Zoom has issued (or is about to issue) tokens: finish even if the
	// browser goes away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	defer cancel()
	tok, err := f.opts.App.Exchange(ctx, pc.auth, code)
	if err != nil {
		log.Warn("oauth callback: code exchange failed", "error", err.Error())
		if errors.Is(err, zoomapi.ErrAuthExpired) {
			connectPage(w, http.StatusBadRequest, "Not connected", "This authorization request has expired. Start again from your connection link.")
			return
		}
		connectPage(w, http.StatusBadGateway, "Not connected", "Zoom did not accept the authorization. Start again from your connection link.")
		return
	}
	acct, err := f.opts.Identify(ctx, tok.AccessToken)
	if err != nil || acct.AccountID == "" {
		msg := "no account id"
		if err != nil {
			msg = err.Error()
		}
		log.Warn("oauth callback: could not identify the connected account", "error", msg)
		connectPage(w, http.StatusBadGateway, "Not connected", "The connected Zoom account could not be identified (the app needs the user:read scope). Nothing was saved; try again later.")
		return
	}
	prev, had, err := f.opts.Tokens.Account(ctx, pc.tenant)
	if err != nil {
		log.Error("oauth callback: read tenant", "error", err.Error())
		connectPage(w, http.StatusServiceUnavailable, "Not connected", "The connection could not be saved; try again later.")
		return
	}
	if had && prev.AccountID != "" && (prev.AccountID != acct.AccountID || (prev.UserID != "" && prev.UserID != acct.UserID)) {
		// Anyone may open /connect/{tenant}: never let a connection replace
		// another Zoom account's tokens for an existing tenant.
		log.Warn("oauth callback refused", "reason", "tenant is connected to another Zoom account", "account_id", acct.AccountID)
		connectPage(w, http.StatusConflict, "Not connected", "This site is already connected to another Zoom account. Ask the site's operator to disconnect it first.")
		return
	}
	rec := &tokenstore.Record{RefreshToken: tok.RefreshToken, AccessToken: tok.AccessToken, Expiry: tok.Expiry, Scope: tok.Scope, UpdatedAt: s.opts.Now().UTC()}
	if err := f.opts.Tokens.SaveInvited(ctx, pc.tenant, rec, acct, pc.invite); errors.Is(err, store.ErrInviteUsed) {
		log.Warn("oauth callback refused", "reason", "invitation already used", "account_id", acct.AccountID)
		connectPage(w, http.StatusConflict, "Not connected", msgInviteUsed)
		return
	} else if err != nil {
		log.Error("oauth callback: save tokens", "error", err.Error())
		connectPage(w, http.StatusServiceUnavailable, "Not connected", "The connection could not be saved; try again from your connection link later.")
		return
	}
	if f.opts.Sources != nil {
		f.opts.Sources.Forget(pc.tenant)
	}
	log.Info("oauth tenant connected", "account_id", acct.AccountID, "user_id", acct.UserID)
	connectPage(w, http.StatusOK, "Connected", "The Zoom account is connected to "+pc.tenant+". You can close this window.")
}

// claimState finds the pending authorization of state, checks that this
// browser started it (before the state is used up: someone who learnt the
// state but lacks the cookie cannot cancel the connection), then uses the
// state once and checks it has not expired. It answers a refusal itself.
func (s *Server) claimState(w http.ResponseWriter, r *http.Request, state string) (*pendingConnect, *slog.Logger, bool) {
	f := s.connect
	pc := f.peek(state)
	if pc == nil {
		s.log.Warn("oauth callback refused", "reason", "unknown or used state")
		connectPage(w, http.StatusBadRequest, "Not connected", "This authorization request is unknown or was already used. Start again from your connection link.")
		return nil, nil, false
	}
	log := s.log.With("tenant", pc.tenant)
	c, err := r.Cookie(f.cookieName)
	if err != nil || !validBinding(c.Value) {
		log.Warn("oauth callback refused", "reason", "no browser cookie")
		connectPage(w, http.StatusForbidden, "Not connected", "This authorization was not started in this browser (or its cookie was blocked). Start again from your connection link in this browser.")
		return nil, nil, false
	}
	if h := sha256.Sum256([]byte(c.Value)); subtle.ConstantTimeCompare(h[:], pc.browser[:]) != 1 {
		log.Warn("oauth callback refused", "reason", "browser cookie does not match")
		connectPage(w, http.StatusForbidden, "Not connected", "This authorization was started in another browser. Start again from your connection link in this browser.")
		return nil, nil, false
	}
	if f.take(state) != pc {
		log.Warn("oauth callback refused", "reason", "state used concurrently")
		connectPage(w, http.StatusBadRequest, "Not connected", "This authorization request is unknown or was already used. Start again from your connection link.")
		return nil, nil, false
	}
	if !s.opts.Now().Before(pc.expires) {
		log.Warn("oauth callback refused", "reason", "expired state")
		connectPage(w, http.StatusBadRequest, "Not connected", "This authorization request has expired. Start again from your connection link.")
		return nil, nil, false
	}
	return pc, log, true
}

// deleteTenantTokens handles app_deauthorized for the tenant tokens: it
// deletes those of the tenants the account (and user) connected, and
// forgets their token sources. Without the connect flow it still deletes
// them (a previous run may have connected tenants).
func (s *Server) deleteTenantTokens(ctx context.Context, accountID, userID string) error {
	var tenants []string
	var err error
	if s.connect != nil {
		tenants, err = s.connect.forgetTenants(ctx, accountID, userID)
	} else {
		tenants, err = store.DeleteAccountTokens(ctx, s.opts.Store, accountID, userID)
	}
	if err == nil && len(tenants) > 0 {
		s.log.Info("app deauthorized: tenant tokens deleted", "account_id", accountID, "tenants", strings.Join(tenants, ","))
	}
	return err
}

// forgetTenants deletes the tokens of the tenants connected by a Zoom
// account that removed the app, and forgets their token sources. It
// returns the tenants.
func (f *connectFlow) forgetTenants(ctx context.Context, accountID, userID string) ([]string, error) {
	tenants, err := f.opts.Tokens.DeleteAccount(ctx, accountID, userID)
	if err != nil {
		return nil, err
	}
	if f.opts.Sources != nil {
		for _, t := range tenants {
			f.opts.Sources.Forget(t)
		}
	}
	return tenants, nil
}

// TenantTokenSource returns the shared token source of a connected tenant
// (from ConnectOptions.Sources), so all of the process's work for the
// tenant makes one refresh at a time.
func (s *Server) TenantTokenSource(tenant string) (zoomapi.TokenSource, error) {
	if s.connect == nil || s.connect.opts.Sources == nil {
		return nil, errors.New("serve: no tenant token sources configured")
	}
	if err := CheckTenantSlug(tenant); err != nil {
		return nil, err
	}
	return s.connect.opts.Sources.Get(tenant)
}

// ZoomIdentifier returns a ConnectOptions.Identify that reads GET
// {apiBaseURL}/users/me with the new access token.
func ZoomIdentifier(apiBaseURL string, allowHosts []string, log *slog.Logger) func(context.Context, string) (store.TenantAccount, error) {
	return func(ctx context.Context, accessToken string) (store.TenantAccount, error) {
		c, err := zoomapi.New(zoomapi.Config{APIBaseURL: apiBaseURL, AllowHosts: allowHosts, Logger: log, MaxRetries: 1,
			TokenSource: zoomapi.StaticTokenSource(&oauth2.Token{AccessToken: accessToken, TokenType: "Bearer"})})
		if err != nil {
			return store.TenantAccount{}, err
		}
		req := c.NewRequest(http.MethodGet, "/users/me", nil, nil)
		req.Category = zoomapi.CategoryLight
		var me struct {
			ID        string `json:"id"`
			AccountID string `json:"account_id"`
		}
		if _, err := c.Do(ctx, req, &me); err != nil {
			return store.TenantAccount{}, err
		}
		return store.TenantAccount{AccountID: me.AccountID, UserID: me.ID}, nil
	}
}

func randomValue() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// validBinding reports whether v looks like a value of randomValue.
func validBinding(v string) bool {
	if len(v) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil
}

func truncateASCII(s string, n int) string {
	out := make([]byte, 0, min(len(s), n))
	for i := 0; i < len(s) && len(out) < n; i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			out = append(out, c)
		}
	}
	return string(out)
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

const connectHTML = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>%s</title><h1>%s</h1><p>%s</p>`

// connectPage answers a small HTML page; title and msg are escaped.
func connectPage(w http.ResponseWriter, status int, title, msg string) {
	noStore(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	t := html.EscapeString(title)
	fmt.Fprintf(w, connectHTML, t, t, html.EscapeString(msg))
}
