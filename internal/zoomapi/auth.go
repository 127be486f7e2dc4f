package zoomapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenSource supplies bearer tokens to the Client. One TokenSource is meant
// to be shared by every goroutine of the process for a credential set.
//
// Token returns a valid token, fetching a new one if needed; concurrent
// callers share one fetch. If ctx is cancelled while waiting, Token returns
// ctx.Err() (an in-flight fetch continues for the other waiters, bounded by
// the token client's timeout). Token endpoint failures are *AuthError.
//
// Invalidate discards the cached token after the API rejected it (401 code
// 124). If stale is non-nil, the cache is cleared only when it still holds
// that token, so many workers hitting 401 at once cause one refresh.
type TokenSource interface {
	Token(ctx context.Context) (*oauth2.Token, error)
	Invalidate(stale *oauth2.Token)
}

// AuthErrorKind classifies an *AuthError.
type AuthErrorKind int

// AuthError kinds.
const (
	AuthOther            AuthErrorKind = iota // unclassified token endpoint answer
	AuthInvalidClient                         // bad client id or client secret (invalid_client)
	AuthInvalidAccount                        // account id missing or wrong
	AuthUnsupportedGrant                      // unsupported_grant_type
	AuthInvalidGrant                          // invalid_grant (revoked or rotated refresh token)
	AuthNetwork                               // token endpoint unreachable (temporary)
	AuthServer                                // token endpoint 5xx or 429 (temporary)
	AuthRejected                              // the API rejected a freshly fetched token (second 401)
)

// String returns a short description of the kind.
func (k AuthErrorKind) String() string {
	switch k {
	case AuthInvalidClient:
		return "invalid client id or client secret"
	case AuthInvalidAccount:
		return "invalid account id"
	case AuthUnsupportedGrant:
		return "unsupported grant type"
	case AuthInvalidGrant:
		return "invalid or revoked grant"
	case AuthNetwork:
		return "token endpoint unreachable"
	case AuthServer:
		return "token endpoint error"
	case AuthRejected:
		return "access token rejected by the API"
	}
	return "token request failed"
}

// AuthError is an authentication failure. It never contains the client
// secret, the Basic header value or any token: Reason is the token
// endpoint's (or API's) sanitized reason text.
type AuthError struct {
	Kind       AuthErrorKind
	StatusCode int    // HTTP status of the token endpoint or API, 0 for network errors
	ErrorCode  string // OAuth "error" field, e.g. invalid_client
	Reason     string // sanitized, truncated server reason
	Err        error  // underlying cause safe to expose (network error or *APIError), may be nil
	detail     string // sanitized rendering of Err
}

// Error implements error.
func (e *AuthError) Error() string {
	s := "zoomapi: auth: " + e.Kind.String()
	if e.StatusCode != 0 {
		s += fmt.Sprintf(" (HTTP %d", e.StatusCode)
		if e.ErrorCode != "" {
			s += " " + e.ErrorCode
		}
		s += ")"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.detail != "" {
		s += ": " + e.detail
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *AuthError) Unwrap() error { return e.Err }

// Temporary reports whether retrying later may succeed.
func (e *AuthError) Temporary() bool { return e.Kind == AuthNetwork || e.Kind == AuthServer }

// redactor replaces known secrets with a placeholder in strings that may
// reach errors or logs.
type redactor struct {
	mu      sync.RWMutex
	secrets []string
}

const redacted = "[REDACTED]"

func (r *redactor) add(s ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range s {
		if len(v) < 4 {
			continue
		}
		r.secrets = append(r.secrets, v)
	}
	if n := len(r.secrets); n > 64 { // keep fixed secrets (first 4) and recent tokens
		r.secrets = append(r.secrets[:4:4], r.secrets[n-60:]...)
	}
}

func (r *redactor) redact(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.secrets {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

// S2SConfig configures a Server-to-Server OAuth token source
// (grant_type=account_credentials).
type S2SConfig struct {
	TokenURL     string // default https://zoom.us/oauth/token
	AccountID    string
	ClientID     string
	ClientSecret string
	// AllowHosts is checked (with CheckURL) against TokenURL.
	AllowHosts []string
	// HTTPClient is used for token requests. Its CheckRedirect is replaced
	// by one refusing all redirects; Timeout defaults to 30s if zero.
	HTTPClient *http.Client
	// RefreshBefore is how long before expiry the token is refreshed
	// (default 5 minutes; at most half the token lifetime is used).
	RefreshBefore time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// s2sSource is the shared S2S token cache.
type s2sSource struct {
	cc     clientcredentials.Config
	hc     *http.Client
	early  time.Duration
	now    func() time.Time
	redact *redactor

	tokenCache
}

// tokenCache is what both token sources share: an access token cached
// until its refresh time, and at most one fetch in flight, whose result
// every caller waiting meanwhile receives.
type tokenCache struct {
	mu       sync.Mutex // also guards the embedding source's fields
	tok      *oauth2.Token
	expiry   time.Time
	inflight *tokenCall
}

type tokenCall struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

// get returns the cached token while now is before its refresh time.
// Otherwise it starts fetch, once for all callers, and waits for it or for
// ctx. The fetch outlives a caller whose ctx ends (a rotated refresh token
// must still be saved). check, when set, runs first under the lock and may
// refuse with a sticky error. fetch stores the new token and its refresh
// time under c.mu itself.
func (c *tokenCache) get(ctx context.Context, now func() time.Time, check func() error, fetch func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	c.mu.Lock()
	if check != nil {
		if err := check(); err != nil {
			c.mu.Unlock()
			return nil, err
		}
	}
	if c.tok != nil && now().Before(c.expiry) {
		t := c.tok
		c.mu.Unlock()
		return t, nil
	}
	call := c.inflight
	if call == nil {
		call = &tokenCall{done: make(chan struct{})}
		c.inflight = call
		go func() {
			tok, err := fetch(context.WithoutCancel(ctx))
			c.mu.Lock()
			call.tok, call.err = tok, err
			c.inflight = nil
			c.mu.Unlock()
			close(call.done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.tok, call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// invalidate drops the cached token if it is stale (the one the API
// refused), so the next get fetches a new one; a newer token is kept.
func (c *tokenCache) invalidate(stale *oauth2.Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if stale == nil || (c.tok != nil && c.tok.AccessToken == stale.AccessToken) {
		c.tok = nil
	}
}

// NewS2STokenSource returns a TokenSource for Zoom Server-to-Server OAuth.
// It posts a form body with the client credentials in a Basic header
// (oauth2.AuthStyleInHeader) and caches the token until RefreshBefore ahead
// of its expiry; concurrent callers share one token request.
func NewS2STokenSource(cfg S2SConfig) (TokenSource, error) {
	return newS2SSource(cfg, &redactor{})
}

func newS2SSource(cfg S2SConfig, red *redactor) (*s2sSource, error) {
	if cfg.TokenURL == "" {
		cfg.TokenURL = DefaultTokenURL
	}
	if err := CheckURL(cfg.TokenURL, cfg.AllowHosts); err != nil {
		return nil, fmt.Errorf("token URL: %w", err)
	}
	if cfg.AccountID == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("zoomapi: account id, client id and client secret are required")
	}
	if cfg.RefreshBefore <= 0 {
		cfg.RefreshBefore = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
		if hc.Timeout == 0 {
			hc.Timeout = 30 * time.Second
		}
	}
	hc.CheckRedirect = noRedirects
	red.add(cfg.ClientSecret,
		base64.StdEncoding.EncodeToString([]byte(cfg.ClientID+":"+cfg.ClientSecret)),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(cfg.ClientID)+":"+url.QueryEscape(cfg.ClientSecret))),
		url.QueryEscape(cfg.ClientSecret))
	return &s2sSource{
		cc: clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     cfg.TokenURL,
			AuthStyle:    oauth2.AuthStyleInHeader,
			EndpointParams: url.Values{
				"grant_type": {"account_credentials"},
				"account_id": {cfg.AccountID},
			},
		},
		hc:     hc,
		early:  cfg.RefreshBefore,
		now:    cfg.Now,
		redact: red,
	}, nil
}

// Token implements TokenSource.
func (s *s2sSource) Token(ctx context.Context) (*oauth2.Token, error) {
	return s.get(ctx, s.now, nil, s.fetch)
}

// Invalidate implements TokenSource.
func (s *s2sSource) Invalidate(stale *oauth2.Token) { s.invalidate(stale) }

func (s *s2sSource) fetch(ctx context.Context) (*oauth2.Token, error) {
	start := s.now()
	tok, err := s.cc.Token(context.WithValue(ctx, oauth2.HTTPClient, s.hc))
	if err != nil {
		return nil, s.classify(err)
	}
	s.redact.add(tok.AccessToken, tok.RefreshToken)
	lifetime := time.Duration(tok.ExpiresIn) * time.Second
	if lifetime <= 0 && !tok.Expiry.IsZero() {
		lifetime = time.Until(tok.Expiry)
	}
	if lifetime <= 0 {
		lifetime = time.Hour // Zoom S2S tokens live one hour
	}
	early := min(s.early, lifetime/2)
	s.mu.Lock()
	s.tok, s.expiry = tok, start.Add(lifetime-early)
	s.mu.Unlock()
	return tok, nil
}

// classify turns an oauth2 error into a sanitized *AuthError.
func (s *s2sSource) classify(err error) *AuthError {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		kind := AuthNetwork
		if errors.Is(err, errRedirectRefused) {
			kind = AuthOther
		}
		return &AuthError{Kind: kind, Err: unwrapSafe(err), detail: truncate(s.redact.redact(err.Error()), 300)}
	}
	ae := &AuthError{Kind: AuthOther, ErrorCode: re.ErrorCode}
	if re.Response != nil {
		ae.StatusCode = re.Response.StatusCode
	}
	var body struct {
		Error       string `json:"error"`
		Reason      string `json:"reason"`
		Description string `json:"error_description"`
		Message     string `json:"message"`
	}
	reason := ""
	if b := bytes.TrimSpace(re.Body); len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &body) == nil {
		if body.Error != "" {
			ae.ErrorCode = body.Error
		}
		reason = firstNonEmpty(body.Reason, body.Description, body.Message)
	} else if len(b) > 0 {
		reason = bodyExcerpt(b)
	}
	if reason == "" {
		reason = re.ErrorDescription
	}
	ae.ErrorCode = truncate(s.redact.redact(ae.ErrorCode), 64)
	ae.Reason = truncate(s.redact.redact(reason), 200)
	lr := strings.ToLower(ae.Reason)
	switch {
	case ae.ErrorCode == "invalid_client":
		ae.Kind = AuthInvalidClient
	case ae.ErrorCode == "unsupported_grant_type":
		ae.Kind = AuthUnsupportedGrant
	case ae.ErrorCode == "invalid_grant":
		ae.Kind = AuthInvalidGrant
	case strings.Contains(lr, "account") && (ae.StatusCode == http.StatusBadRequest || ae.ErrorCode == "invalid_request"):
		ae.Kind = AuthInvalidAccount
	case ae.StatusCode >= 500 || ae.StatusCode == http.StatusTooManyRequests:
		ae.Kind = AuthServer
	}
	return ae
}

// unwrapSafe keeps a network error chain for errors.Is (timeouts, context)
// only when it cannot carry a token endpoint body.
func unwrapSafe(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// staticTokenSource serves a fixed token (tests, or a caller-managed token).
type staticTokenSource struct{ tok *oauth2.Token }

// StaticTokenSource returns a TokenSource that always returns tok. Invalidate
// is a no-op, so a 401 leads to *AuthError after one retry.
func StaticTokenSource(tok *oauth2.Token) TokenSource { return staticTokenSource{tok} }

// Token implements TokenSource.
func (s staticTokenSource) Token(ctx context.Context) (*oauth2.Token, error) {
	return s.tok, ctx.Err()
}

// Invalidate implements TokenSource.
func (staticTokenSource) Invalidate(*oauth2.Token) {}
