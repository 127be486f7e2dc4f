package zoomapi

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// DefaultAuthorizeURL is Zoom's authorization endpoint.
const DefaultAuthorizeURL = "https://zoom.us/oauth/authorize"

// DefaultAuthLifetime bounds how long a PendingAuth is accepted: Zoom's
// authorization codes live 5 minutes, the person may take a while to log in.
const DefaultAuthLifetime = 15 * time.Minute

// Errors of the authorization-code flow. Use errors.Is.
var (
	// ErrStateMismatch: the redirect's state is not the one sent (a forged
	// or stale redirect; possible CSRF). Nothing must be exchanged.
	ErrStateMismatch = errors.New("zoomapi: oauth redirect state does not match the authorization request")
	// ErrConsentDenied: the redirect carries an error (the person declined,
	// or Zoom refused the request).
	ErrConsentDenied = errors.New("zoomapi: authorization was not granted")
	// ErrAuthExpired: the PendingAuth is older than its lifetime.
	ErrAuthExpired = errors.New("zoomapi: authorization request expired; start again")
)

// AuthorizeURLFor derives the authorization endpoint from a token endpoint
// (https://zoom.us/oauth/token gives https://zoom.us/oauth/authorize), so a
// simulator's token URL also gives its authorize URL.
func AuthorizeURLFor(tokenURL string) string {
	if tokenURL == "" {
		return DefaultAuthorizeURL
	}
	u, err := url.Parse(tokenURL)
	if err != nil {
		return DefaultAuthorizeURL
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/token") + "/authorize"
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u.String()
}

// OAuthApp is a user-authorized (authorization code) Zoom OAuth app, for
// connecting accounts. The same three calls serve the terminal flow
// (zoom-connector authorize) and a web flow (serve's /connect/{tenant} and
// /oauth/callback): Start, then PendingAuth.Code on the redirect, then
// Exchange.
type OAuthApp struct {
	// AuthorizeURL is where the browser is sent (default
	// AuthorizeURLFor(TokenURL)); TokenURL is the token endpoint (default
	// https://zoom.us/oauth/token). Both must pass CheckURL.
	AuthorizeURL string
	TokenURL     string
	ClientID     string
	ClientSecret string
	// Scopes, if any, are sent as the scope parameter (Zoom otherwise
	// grants the app's configured scopes).
	Scopes []string
	// AllowHosts are operator-approved hosts (see CheckURL).
	AllowHosts []string
	// HTTPClient is used for the code exchange (redirects are refused).
	HTTPClient *http.Client
	// Lifetime bounds a PendingAuth (default DefaultAuthLifetime).
	Lifetime time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// PendingAuth is one authorization in progress: what the app remembers
// between sending the browser to Zoom and the redirect back. Keep it on the
// server side (a web flow stores it keyed by State, bound to the tenant and
// to a browser cookie, and deletes it on first use): Verifier is secret.
type PendingAuth struct {
	// URL is the authorize URL to open in the browser.
	URL string
	// State is the one-time anti-CSRF value echoed by the redirect.
	State string
	// Verifier is the PKCE code verifier; the URL carries its S256 challenge.
	Verifier string
	// RedirectURI is sent as is in the URL and in the exchange; it must
	// equal a redirect URL registered for the app.
	RedirectURI string
	// Created is when Start ran.
	Created time.Time
	// Expires is when the pending authorization stops being accepted.
	Expires time.Time
}

// String describes p without the verifier or the state.
func (p *PendingAuth) String() string {
	return fmt.Sprintf("PendingAuth{redirect_uri:%s created:%s}", p.RedirectURI, p.Created.Format(time.RFC3339))
}

// GoString is String.
func (p *PendingAuth) GoString() string { return p.String() }

func (a *OAuthApp) defaults() (authURL, tokenURL string, now func() time.Time) {
	tokenURL = a.TokenURL
	if tokenURL == "" {
		tokenURL = DefaultTokenURL
	}
	authURL = a.AuthorizeURL
	if authURL == "" {
		authURL = AuthorizeURLFor(tokenURL)
	}
	now = a.Now
	if now == nil {
		now = time.Now
	}
	return
}

func (a *OAuthApp) oauth2Config(redirectURI string) oauth2.Config {
	authURL, tokenURL, _ := a.defaults()
	return oauth2.Config{
		ClientID:     a.ClientID,
		ClientSecret: a.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL:  redirectURI,
		Scopes:       a.Scopes,
	}
}

// Start begins an authorization: a fresh random state (32 bytes) and PKCE
// verifier, and the authorize URL with response_type=code, client_id,
// redirect_uri, state, code_challenge and code_challenge_method=S256. The
// authorize and token URLs must pass CheckURL; redirectURI must be an
// absolute https URL, or http on a loopback address, without a fragment.
func (a *OAuthApp) Start(redirectURI string) (*PendingAuth, error) {
	authURL, tokenURL, now := a.defaults()
	if a.ClientID == "" || a.ClientSecret == "" {
		return nil, errors.New("zoomapi: client id and client secret are required")
	}
	if err := CheckURL(authURL, a.AllowHosts); err != nil {
		return nil, fmt.Errorf("authorize URL: %w", err)
	}
	if err := CheckURL(tokenURL, a.AllowHosts); err != nil {
		return nil, fmt.Errorf("token URL: %w", err)
	}
	ru, err := url.Parse(redirectURI)
	if err != nil || ru.Host == "" || ru.Fragment != "" || ru.User != nil ||
		!(ru.Scheme == "https" || isLoopbackHTTP(ru)) {
		return nil, fmt.Errorf("zoomapi: redirect URI %q must be an absolute https URL (or http on 127.0.0.1) without a fragment", redirectURI)
	}
	state, err := randomToken(32)
	if err != nil {
		return nil, err
	}
	verifier := oauth2.GenerateVerifier()
	c := a.oauth2Config(redirectURI)
	lifetime := a.Lifetime
	if lifetime <= 0 {
		lifetime = DefaultAuthLifetime
	}
	t := now()
	return &PendingAuth{
		URL:         c.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)),
		State:       state,
		Verifier:    verifier,
		RedirectURI: redirectURI,
		Created:     t,
		Expires:     t.Add(lifetime),
	}, nil
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("zoomapi: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Code checks the query of the redirect back from Zoom against p and
// returns the authorization code. It compares state in constant time and
// returns ErrStateMismatch when it differs or is missing, ErrConsentDenied
// (with Zoom's error text, truncated) when the redirect carries an error.
func (p *PendingAuth) Code(q url.Values) (string, error) {
	got := q.Get("state")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.State)) != 1 {
		return "", ErrStateMismatch
	}
	if e := q.Get("error"); e != "" {
		msg := truncate(e, 64)
		if d := q.Get("error_description"); d != "" {
			msg += ": " + truncate(d, 200)
		}
		return "", fmt.Errorf("%w: %s", ErrConsentDenied, msg)
	}
	code := q.Get("code")
	if code == "" {
		return "", fmt.Errorf("%w: the redirect carries no code", ErrConsentDenied)
	}
	return code, nil
}

// Exchange trades an authorization code for tokens: POST to the token URL
// with Basic client credentials and grant_type=authorization_code, code,
// redirect_uri and code_verifier. A code Zoom refuses (expired, used, or
// the verifier or redirect URI do not match) is an *AuthError of kind
// AuthInvalidGrant; no secret or token is ever in an error.
func (a *OAuthApp) Exchange(ctx context.Context, p *PendingAuth, code string) (*UserTokens, error) {
	_, tokenURL, now := a.defaults()
	if err := CheckURL(tokenURL, a.AllowHosts); err != nil {
		return nil, fmt.Errorf("token URL: %w", err)
	}
	if !now().Before(p.Expires) {
		return nil, ErrAuthExpired
	}
	red := &redactor{}
	red.add(a.ClientSecret,
		base64.StdEncoding.EncodeToString([]byte(a.ClientID+":"+a.ClientSecret)),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(a.ClientID)+":"+url.QueryEscape(a.ClientSecret))),
		url.QueryEscape(a.ClientSecret), code, p.Verifier)
	c := a.oauth2Config(p.RedirectURI)
	start := now()
	tok, err := c.Exchange(context.WithValue(ctx, oauth2.HTTPClient, tokenHTTPClient(a.HTTPClient)), code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		ae := (&s2sSource{redact: red}).classify(err)
		if ae.Kind == AuthInvalidGrant {
			ae.detail = "the authorization code was refused (expired, already used, or its code verifier or redirect URI does not match); start the authorization again"
		}
		return nil, ae
	}
	if tok.RefreshToken == "" {
		return nil, &AuthError{Kind: AuthOther, Reason: "the token endpoint returned no refresh token"}
	}
	lifetime := time.Duration(tok.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = time.Hour
	}
	ut := &UserTokens{RefreshToken: tok.RefreshToken, AccessToken: tok.AccessToken, Expiry: start.Add(lifetime)}
	if sc, ok := tok.Extra("scope").(string); ok {
		ut.Scope = sc
	}
	return ut, nil
}
