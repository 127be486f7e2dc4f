package zoomapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// UserTokens are the tokens of a user-authorized OAuth app for one
// connected account. RefreshToken rotates: Zoom returns a new one on every
// refresh and the previous one stops working.
type UserTokens struct {
	RefreshToken string
	AccessToken  string
	Expiry       time.Time
	Scope        string
}

// UserTokenStore persists one account's UserTokens (tokenstore.Tenant is
// one). SaveTokens must be durable when it returns nil.
type UserTokenStore interface {
	// LoadTokens returns the saved tokens, or nil and no error if none.
	LoadTokens(ctx context.Context) (*UserTokens, error)
	// SaveTokens replaces the saved tokens.
	SaveTokens(ctx context.Context, t *UserTokens) error
}

// DefaultReconnectHint is appended to invalid_grant errors of a
// refresh-token source.
const DefaultReconnectHint = "reconnect this account: run zoom-connector authorize --config <config file>"

// UserOAuthConfig configures a refresh-token source for a user-authorized
// (authorization code) Zoom OAuth app.
type UserOAuthConfig struct {
	// TokenURL is the token endpoint (default https://zoom.us/oauth/token);
	// it must pass CheckURL with AllowHosts.
	TokenURL     string
	ClientID     string
	ClientSecret string
	// RefreshToken is the refresh token to start from when Store holds
	// none (for example the config file's).
	RefreshToken string
	// Store, if set, is read once before the first refresh (its tokens win
	// over RefreshToken: they are newer) and receives every rotated token
	// before the new access token is used.
	Store UserTokenStore
	// OnRotate, if set, is called with every new refresh token after Store
	// saved it and before the new access token is used (the read command
	// emits an Airbyte CONTROL message from it). An error keeps the access
	// token unused, like a Store error.
	OnRotate func(newRefresh string) error
	// ReconnectHint ends invalid_grant errors (default DefaultReconnectHint).
	ReconnectHint string
	// AllowHosts is checked (with CheckURL) against TokenURL.
	AllowHosts []string
	// HTTPClient is used for token requests; its CheckRedirect is replaced
	// by one refusing all redirects; Timeout defaults to 30s if zero.
	HTTPClient *http.Client
	// RefreshBefore is how long before expiry the access token is refreshed
	// (default 5 minutes; at most half the token lifetime is used).
	RefreshBefore time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// ErrTokensNotSaved is wrapped by Token errors when Zoom issued new tokens
// but Store or OnRotate failed to keep them: the new access token is not
// used. The previous refresh token no longer works, so the source keeps the
// new tokens in memory and tries to save them again on the next Token call.
var ErrTokensNotSaved = errors.New("zoomapi: refreshed OAuth tokens could not be saved, so the new access token is not used")

// userSource is the refresh-token source.
type userSource struct {
	conf     oauth2.Config
	hc       *http.Client
	store    UserTokenStore
	onRotate func(string) error
	hint     string
	early    time.Duration
	now      func() time.Time
	redact   *redactor

	tokenCache             // the usable access token, when it is refreshed; mu guards the fields below too
	loaded     bool        // store read
	refresh    string      // current refresh token (may be newer than the saved one while pending != nil)
	pending    *UserTokens // issued but not yet saved
	pendExp    time.Time
	fatal      error // sticky invalid_grant
}

// NewUserTokenSource returns a TokenSource for a user-authorized OAuth app:
// it refreshes with grant_type=refresh_token (Basic client credentials,
// form body), caches the access token until RefreshBefore ahead of expiry,
// and makes one refresh for any number of concurrent callers.
//
// Zoom rotates the refresh token on every refresh, so a new one is saved
// (Store, then OnRotate) before the new access token is returned; if saving
// fails Token returns an error wrapping ErrTokensNotSaved. An invalid_grant
// answer (refresh token revoked, expired or already used) is an *AuthError
// of kind AuthInvalidGrant ending with ReconnectHint; it is sticky: later
// calls return it without asking Zoom again, so nothing retries in a loop.
func NewUserTokenSource(cfg UserOAuthConfig) (TokenSource, error) {
	return newUserSource(cfg, &redactor{})
}

func newUserSource(cfg UserOAuthConfig, red *redactor) (*userSource, error) {
	if cfg.TokenURL == "" {
		cfg.TokenURL = DefaultTokenURL
	}
	if err := CheckURL(cfg.TokenURL, cfg.AllowHosts); err != nil {
		return nil, fmt.Errorf("token URL: %w", err)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("zoomapi: client id and client secret are required")
	}
	if cfg.RefreshToken == "" && cfg.Store == nil {
		return nil, &AuthError{Kind: AuthInvalidGrant, Reason: "no refresh token configured", detail: hintOr(cfg.ReconnectHint)}
	}
	if cfg.RefreshBefore <= 0 {
		cfg.RefreshBefore = DefaultRefreshBefore
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	red.add(cfg.ClientSecret,
		base64.StdEncoding.EncodeToString([]byte(cfg.ClientID+":"+cfg.ClientSecret)),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(cfg.ClientID)+":"+url.QueryEscape(cfg.ClientSecret))),
		url.QueryEscape(cfg.ClientSecret))
	red.add(cfg.RefreshToken)
	return &userSource{
		conf: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     oauth2.Endpoint{TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInHeader},
		},
		hc:       tokenHTTPClient(cfg.HTTPClient),
		store:    cfg.Store,
		onRotate: cfg.OnRotate,
		hint:     hintOr(cfg.ReconnectHint),
		early:    cfg.RefreshBefore,
		now:      cfg.Now,
		redact:   red,
		refresh:  cfg.RefreshToken,
	}, nil
}

func hintOr(h string) string {
	if h == "" {
		return DefaultReconnectHint
	}
	return h
}

// tokenHTTPClient copies c (or a default) with a timeout and no redirects.
func tokenHTTPClient(c *http.Client) *http.Client {
	hc := &http.Client{Timeout: 30 * time.Second}
	if c != nil {
		cp := *c
		hc = &cp
		if hc.Timeout == 0 {
			hc.Timeout = 30 * time.Second
		}
	}
	hc.CheckRedirect = noRedirects
	return hc
}

// Token implements TokenSource.
func (s *userSource) Token(ctx context.Context) (*oauth2.Token, error) {
	return s.get(ctx, s.now, func() error { return s.fatal }, s.obtain)
}

// Invalidate implements TokenSource.
func (s *userSource) Invalidate(stale *oauth2.Token) { s.invalidate(stale) }

// obtain runs with s.inflight set, so at most one obtain runs at a time and
// the fields it reads outside the lock are not written concurrently.
func (s *userSource) obtain(ctx context.Context) (*oauth2.Token, error) {
	// Tokens issued earlier but not saved: save them before anything else.
	if p := s.pending; p != nil {
		if err := s.persist(ctx, p); err != nil {
			return nil, err
		}
		return s.adopt(p, s.pendExp), nil
	}
	if !s.loaded && s.store != nil {
		saved, err := s.store.LoadTokens(ctx)
		if err != nil {
			return nil, fmt.Errorf("zoomapi: load saved OAuth tokens: %s", s.redact.redact(err.Error()))
		}
		s.loaded = true
		if saved != nil && saved.RefreshToken != "" {
			s.redact.add(saved.RefreshToken, saved.AccessToken)
			s.refresh = saved.RefreshToken
			if saved.AccessToken != "" && !saved.Expiry.IsZero() {
				if exp := saved.Expiry.Add(-s.early); s.now().Before(exp) {
					return s.adopt(saved, exp), nil
				}
			}
		}
	}
	s.loaded = true
	if s.refresh == "" {
		ae := &AuthError{Kind: AuthInvalidGrant, Reason: "no refresh token saved for this account", detail: s.hint}
		s.setFatal(ae)
		return nil, ae
	}
	start := s.now()
	ts := s.conf.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, s.hc), &oauth2.Token{RefreshToken: s.refresh})
	tok, err := ts.Token()
	if err != nil {
		ae := (&s2sSource{redact: s.redact}).classify(err)
		if ae.Kind == AuthInvalidGrant {
			ae.detail = "the refresh token was revoked, has expired or was already used; " + s.hint
			s.setFatal(ae)
		}
		return nil, ae
	}
	s.redact.add(tok.AccessToken, tok.RefreshToken)
	lifetime := time.Duration(tok.ExpiresIn) * time.Second
	if lifetime <= 0 && !tok.Expiry.IsZero() {
		lifetime = time.Until(tok.Expiry)
	}
	if lifetime <= 0 {
		lifetime = time.Hour // Zoom access tokens live one hour
	}
	ut := &UserTokens{RefreshToken: tok.RefreshToken, AccessToken: tok.AccessToken, Expiry: start.Add(lifetime)}
	if sc, ok := tok.Extra("scope").(string); ok {
		ut.Scope = sc
	}
	if ut.RefreshToken == "" { // not rotated (oauth2 normally keeps the old one)
		ut.RefreshToken = s.refresh
	}
	rotated := ut.RefreshToken != s.refresh
	s.refresh = ut.RefreshToken // the old one is dead at Zoom either way
	exp := start.Add(lifetime - min(s.early, lifetime/2))
	s.pending, s.pendExp = ut, exp
	if err := s.persistRotated(ctx, ut, rotated); err != nil {
		return nil, err
	}
	return s.adopt(ut, exp), nil
}

func (s *userSource) persist(ctx context.Context, ut *UserTokens) error {
	return s.persistRotated(ctx, ut, true)
}

func (s *userSource) persistRotated(ctx context.Context, ut *UserTokens, rotated bool) error {
	if s.store != nil {
		if err := s.store.SaveTokens(ctx, ut); err != nil {
			return fmt.Errorf("%w: save to the token store: %s", ErrTokensNotSaved, s.redact.redact(err.Error()))
		}
	}
	if rotated && s.onRotate != nil {
		if err := s.onRotate(ut.RefreshToken); err != nil {
			return fmt.Errorf("%w: %s", ErrTokensNotSaved, s.redact.redact(err.Error()))
		}
	}
	return nil
}

// adopt makes ut the current token; the caller holds the in-flight slot.
func (s *userSource) adopt(ut *UserTokens, exp time.Time) *oauth2.Token {
	t := (&oauth2.Token{AccessToken: ut.AccessToken, TokenType: "Bearer", RefreshToken: ut.RefreshToken, Expiry: ut.Expiry}).
		WithExtra(map[string]any{"scope": ut.Scope})
	s.mu.Lock()
	s.tok, s.expiry, s.pending, s.refresh = t, exp, nil, ut.RefreshToken
	s.mu.Unlock()
	return t
}

func (s *userSource) setFatal(err error) {
	s.mu.Lock()
	s.fatal = err
	s.mu.Unlock()
}

// TokenSources keeps one TokenSource per tenant (connected account), so
// that all the work of a process for a tenant shares one token cache and
// one refresh at a time (refresh tokens rotate: two concurrent refreshes
// with the same refresh token would lose the account).
type TokenSources struct {
	// New builds the source of a tenant on first use.
	New func(tenant string) (TokenSource, error)

	mu sync.Mutex
	m  map[string]TokenSource
}

// Get returns the tenant's source, building it once.
func (p *TokenSources) Get(tenant string) (TokenSource, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ts, ok := p.m[tenant]; ok {
		return ts, nil
	}
	if p.New == nil {
		return nil, errors.New("zoomapi: TokenSources.New is nil")
	}
	ts, err := p.New(tenant)
	if err != nil {
		return nil, err
	}
	if p.m == nil {
		p.m = map[string]TokenSource{}
	}
	p.m[tenant] = ts
	return ts, nil
}

// Forget drops the tenant's source (after its tokens were deleted or
// replaced by a new authorization).
func (p *TokenSources) Forget(tenant string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, tenant)
}

// isLoopbackHTTP reports whether u is an http URL on a loopback address.
func isLoopbackHTTP(u *url.URL) bool {
	h := strings.Trim(u.Hostname(), "[]")
	return u.Scheme == "http" && (h == "127.0.0.1" || h == "::1" || h == "localhost")
}
