package zoomapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"
)

// Defaults.
const (
	DefaultAPIBaseURL     = "https://api.zoom.us/v2"
	DefaultTokenURL       = "https://zoom.us/oauth/token"
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxRetries     = 5
	DefaultBaseBackoff    = 500 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
	DefaultMaxRetryAfter  = 60 * time.Second
	DefaultMaxBodyBytes   = 32 << 20
	DefaultRefreshBefore  = 5 * time.Minute
	DefaultAdaptiveQuiet  = 10 * time.Second
	DefaultUserAgent      = "zoom-connector"
)

// Config configures a Client. Zero fields take the documented defaults.
type Config struct {
	// APIBaseURL is the API root (default https://api.zoom.us/v2). It must
	// pass CheckURL with AllowHosts.
	APIBaseURL string
	// TokenURL is the S2S token endpoint (default https://zoom.us/oauth/token).
	TokenURL string
	// AccountID, ClientID and ClientSecret are the S2S app credentials.
	// They are unused when TokenSource is set.
	AccountID    string
	ClientID     string
	ClientSecret string
	// TokenSource, if set, replaces the built-in S2S token source (for
	// example a user-OAuth refresh-token source, or one shared process-wide).
	TokenSource TokenSource
	// AllowHosts are operator-approved HOST or HOST:PORT entries that may be
	// contacted besides Zoom's own hosts (see CheckURL).
	AllowHosts []string
	// Plan selects rate-limit presets: free, pro (default), business, unlimited.
	Plan string
	// Rates overrides the plan's requests per second for some categories.
	Rates map[Category]rate.Limit
	// AdaptiveQuiet is the 429-free period after which a lowered rate grows
	// back by 10% of nominal (default 10s).
	AdaptiveQuiet time.Duration
	// RequestTimeout bounds each attempt (default 30s).
	RequestTimeout time.Duration
	// MaxRetries is the number of retries after the first attempt (default 5;
	// negative means none).
	MaxRetries int
	// BaseBackoff and MaxBackoff shape the full-jitter exponential backoff
	// (defaults 500ms and 30s).
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// MaxRetryAfter caps any server-requested wait (default 60s).
	MaxRetryAfter time.Duration
	// MaxBodyBytes caps a response body (default 32 MiB); larger is an error.
	MaxBodyBytes int64
	// RefreshBefore is how early the S2S token is refreshed (default 5m).
	RefreshBefore time.Duration
	// TokenTimeout bounds a token request (default 30s).
	TokenTimeout time.Duration
	// HTTPClient is used as a template for the API client (its Transport and
	// Jar); its CheckRedirect is replaced. Transport, if set, wins over
	// HTTPClient.Transport.
	HTTPClient *http.Client
	Transport  http.RoundTripper
	// MaxIdleConns is how many idle connections to Zoom the default
	// transport keeps (at least 16); set it to the requests in flight.
	MaxIdleConns int
	// Logger receives debug logs of attempts and retries (never headers,
	// bodies or secrets). Default: discard.
	Logger *slog.Logger
	// UserAgent is sent on every request (default "zoom-connector").
	UserAgent string
	// Now and Sleep are test hooks for the clock and for waiting; Sleep must
	// return ctx.Err() if ctx ends first. Defaults: time.Now and a timer.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is the single HTTP client through which every Zoom API call goes.
// It is safe for concurrent use; share one per credential set.
type Client struct {
	cfg      Config
	base     *url.URL
	hc       *http.Client
	ts       TokenSource
	limiters map[Category]*catLimiter
	log      *slog.Logger
	red      *redactor
}

// New validates cfg, applies defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, err := url.Parse(strings.TrimRight(cfg.APIBaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("zoomapi: parse API base URL: %w", err)
	}
	if err := checkParsedURL(base, cfg.AllowHosts); err != nil {
		return nil, fmt.Errorf("API base URL: %w", err)
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, errors.New("zoomapi: API base URL must not have a query or fragment")
	}
	lims, err := cfg.limiters()
	if err != nil {
		return nil, err
	}
	hc := cfg.httpClient()
	red := &redactor{}
	ts := cfg.TokenSource
	if ts == nil {
		src, err := newS2SSource(S2SConfig{
			TokenURL:      cfg.TokenURL,
			AccountID:     cfg.AccountID,
			ClientID:      cfg.ClientID,
			ClientSecret:  cfg.ClientSecret,
			AllowHosts:    cfg.AllowHosts,
			HTTPClient:    &http.Client{Transport: hc.Transport, Timeout: cfg.TokenTimeout},
			RefreshBefore: cfg.RefreshBefore,
			Now:           cfg.Now,
		}, red)
		if err != nil {
			return nil, err
		}
		ts = src
	} else if cfg.ClientSecret != "" {
		red.add(cfg.ClientSecret)
	}
	return &Client{cfg: cfg, base: base, hc: hc, ts: ts, limiters: lims, log: log, red: red}, nil
}

// setDefaults fills every setting left at its zero value.
func (cfg *Config) setDefaults() {
	if cfg.APIBaseURL == "" {
		cfg.APIBaseURL = DefaultAPIBaseURL
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = DefaultTokenURL
	}
	if cfg.Plan == "" {
		cfg.Plan = PlanPro
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = DefaultBaseBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.RefreshBefore <= 0 {
		cfg.RefreshBefore = DefaultRefreshBefore
	}
	if cfg.TokenTimeout <= 0 {
		cfg.TokenTimeout = 30 * time.Second
	}
	if cfg.AdaptiveQuiet <= 0 {
		cfg.AdaptiveQuiet = DefaultAdaptiveQuiet
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = realSleep
	}
}

// limiters builds one limiter per category: the plan's rates, with the
// configured Rates taking precedence.
func (cfg *Config) limiters() (map[Category]*catLimiter, error) {
	rates, err := PlanRates(cfg.Plan)
	if err != nil {
		return nil, err
	}
	for k, v := range cfg.Rates {
		if _, err := ParseCategory(string(k)); err != nil {
			return nil, err
		}
		if v > 0 {
			rates[k] = v
		}
	}
	lims := make(map[Category]*catLimiter, len(rates))
	for k, v := range rates {
		lims[k] = newCatLimiter(v, cfg.AdaptiveQuiet)
	}
	return lims, nil
}

// httpClient is the client's HTTP client: a copy of HTTPClient (or a new
// one) with Transport (or a pooled clone of Go's default), no overall
// timeout (each attempt's comes from its context) and the redirect policy
// of AllowHosts.
func (cfg *Config) httpClient() *http.Client {
	var transport http.RoundTripper
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
		transport = c.Transport
	}
	if cfg.Transport != nil {
		transport = cfg.Transport
	}
	if transport == nil {
		// Go's default keeps 2 idle connections per host: with more
		// requests in flight most would open a new connection.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = max(100, cfg.MaxIdleConns)
		t.MaxIdleConnsPerHost = max(16, cfg.MaxIdleConns)
		transport = t
	}
	hc.Transport = transport
	hc.Timeout = 0 // per-attempt timeouts come from the context
	hc.CheckRedirect = redirectPolicy(cfg.AllowHosts)
	return hc
}

// TokenSource returns the client's token source (to share it with another
// Client of the same credentials).
func (c *Client) TokenSource() TokenSource { return c.ts }

// BaseURL returns a copy of the API base URL.
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

// Request is one API call. Build it with NewRequest; fields may be adjusted
// before Do.
type Request struct {
	Method string
	// URL is the target without query; its path is kept exactly as escaped.
	URL *url.URL
	// Query is sent on every attempt (and copied per page by Pages).
	Query url.Values
	// Body, if non-nil, is sent as JSON.
	Body any
	// Category selects the rate limiter (default CategoryMedium).
	Category Category
	// PageSize, if > 0, is sent as page_size by Pages.
	PageSize int
	// Header holds extra headers.
	Header http.Header

	err error
}

// NewRequest builds a request. relPath is either a path relative to the API
// base URL ("/users/me"; it must already be escaped, e.g. with url.PathEscape
// or EscapeMeetingUUID, and is never escaped again) or an absolute URL, which
// must pass CheckURL. A relPath containing '?' is split into path and query.
// Errors are reported by Do.
func (c *Client) NewRequest(method, relPath string, query url.Values, body any) *Request {
	r := &Request{Method: method, Query: cloneValues(query), Body: body, Category: CategoryMedium, Header: http.Header{}}
	if method == "" {
		r.Method = http.MethodGet
	}
	rawPath, rawQuery, _ := strings.Cut(relPath, "?")
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			r.err = fmt.Errorf("zoomapi: parse query of %q: %w", relPath, err)
			return r
		}
		for k, vs := range q {
			for _, v := range vs {
				r.Query.Add(k, v)
			}
		}
	}
	lower := strings.ToLower(rawPath)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") || strings.Contains(rawPath, "://") {
		u, err := url.Parse(rawPath)
		if err != nil {
			r.err = fmt.Errorf("zoomapi: parse URL: %w", err)
			return r
		}
		if err := checkParsedURL(u, c.cfg.AllowHosts); err != nil {
			r.err = err
			return r
		}
		u.RawQuery, u.Fragment = "", ""
		r.URL = u
		return r
	}
	u, err := joinEscapedPath(c.base, rawPath)
	if err != nil {
		r.err = err
		return r
	}
	r.URL = u
	return r
}

// joinEscapedPath appends an already-escaped path to base without
// re-escaping it: RawPath carries the exact bytes sent on the wire.
func joinEscapedPath(base *url.URL, rel string) (*url.URL, error) {
	if strings.ContainsAny(rel, "#") {
		return nil, fmt.Errorf("zoomapi: path %q must not contain a fragment", rel)
	}
	raw := strings.TrimRight(base.EscapedPath(), "/") + "/" + strings.TrimLeft(rel, "/")
	p, err := url.PathUnescape(raw)
	if err != nil {
		return nil, fmt.Errorf("zoomapi: bad escaped path %q: %w", rel, err)
	}
	u := *base
	u.Path, u.RawPath = p, raw
	if u.EscapedPath() != raw {
		// Not a canonical encoding url would accept; send verbatim via Opaque.
		u.RawPath = ""
		u.Opaque = "//" + u.Host + raw
	}
	return &u, nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func (r *Request) clone() *Request {
	n := *r
	n.Query = cloneValues(r.Query)
	n.Header = r.Header.Clone()
	if n.Header == nil {
		n.Header = http.Header{}
	}
	return &n
}

// Response is a completed API response. Body has been read (it can be read
// again from Response.Body); rate-limit headers are parsed.
type Response struct {
	*http.Response
	// RateLimitCategory and RateLimitType echo X-RateLimit-Category and
	// X-RateLimit-Type ("QPS" or "Daily-limit").
	RateLimitCategory string
	RateLimitType     string
	// Limit and Remaining are X-RateLimit-Limit / -Remaining, -1 if absent.
	Limit     int64
	Remaining int64
	// RetryAfter is the parsed Retry-After, zero if absent.
	RetryAfter time.Time
	// TrackingID is x-zm-trackingid (quote it to Zoom support).
	TrackingID string
	// Attempts is the number of HTTP attempts made.
	Attempts int

	body []byte
}

// Bytes returns the response body.
func (r *Response) Bytes() []byte { return r.body }

func (c *Client) newResponse(hr *http.Response, body []byte) *Response {
	r := &Response{
		Response:          hr,
		RateLimitCategory: hr.Header.Get("X-RateLimit-Category"),
		RateLimitType:     hr.Header.Get("X-RateLimit-Type"),
		Limit:             headerInt(hr.Header, "X-RateLimit-Limit"),
		Remaining:         headerInt(hr.Header, "X-RateLimit-Remaining"),
		TrackingID:        trackingID(hr.Header),
		body:              body,
	}
	if t, ok := ParseRetryAfter(hr.Header.Get("Retry-After"), c.cfg.Now()); ok {
		r.RetryAfter = t
	}
	hr.Body = io.NopCloser(bytes.NewReader(body))
	return r
}

func headerInt(h http.Header, k string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(h.Get(k)), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// attemptResult classifies the outcome of one attempt for the Do loop.
type attemptResult struct {
	err       error
	retry     bool          // may be retried
	wait      time.Duration // server-requested wait (with hasWait)
	hasWait   bool
	ambiguous bool // non-idempotent request may have been applied
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// prepare checks req and returns its encoded body, its rate-limit
// category (Medium when unset) and that category's limiter.
func (c *Client) prepare(req *Request) ([]byte, Category, *catLimiter, error) {
	if req == nil {
		return nil, "", nil, errors.New("zoomapi: nil request")
	}
	if req.err != nil {
		return nil, "", nil, req.err
	}
	if req.URL == nil {
		return nil, "", nil, errors.New("zoomapi: request has no URL")
	}
	var body []byte
	if req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return nil, "", nil, fmt.Errorf("encode request body: %w", err)
		}
		body = b
	}
	cat := req.Category
	if cat == "" {
		cat = CategoryMedium
	}
	lim, ok := c.limiters[cat]
	if !ok {
		return nil, "", nil, fmt.Errorf("zoomapi: unknown rate-limit category %q", cat)
	}
	return body, cat, lim, nil
}

// Do sends req, retrying transient failures, and decodes a 2xx JSON body into
// v (if v is non-nil; *json.RawMessage and *[]byte receive the raw bytes;
// numbers decode with UseNumber into interface values, so int64 IDs stay
// exact).
//
// Retries happen only here: capped exponential backoff with full jitter for
// 5xx, connection errors, timeouts, truncated or invalid 2xx bodies and
// per-second 429s, honouring Retry-After (capped at MaxRetryAfter). Daily
// 429s return *RateLimitError at once. Other 4xx are not retried. A 401 code
// 124 invalidates the token and retries once; a second 401 is *AuthError.
// Non-idempotent methods (POST, PATCH) are retried only for per-second 429s,
// 401s and failures before anything was written; otherwise the error wraps
// ErrOutcomeUnknown. Every wait honours ctx; on cancellation Do returns
// ctx.Err(). After MaxRetries retries the last error is returned.
func (c *Client) Do(ctx context.Context, req *Request, v any) (*Response, error) {
	body, cat, lim, err := c.prepare(req)
	if err != nil {
		return nil, err
	}
	path := req.URL.EscapedPath()
	if req.URL.Opaque != "" {
		path = req.URL.Opaque
	}
	authRetried := false
	var lastErr error
	var lastResp *Response
	attempts := 0
	for retry := 0; ; {
		if err := lim.wait(ctx, c.cfg.Now, c.cfg.Sleep); err != nil {
			return lastResp, err
		}
		attempts++
		resp, res, tok := c.attempt(ctx, req, body, v, cat)
		if resp != nil {
			resp.Attempts = attempts
			lastResp = resp
		}
		if res.err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return lastResp, ctx.Err()
		}
		lastErr = res.err

		// 401: refresh the token once and retry once.
		var ae *APIError
		if errors.As(res.err, &ae) && ae.StatusCode == http.StatusUnauthorized {
			if !authRetried && (ae.Code == CodeInvalidToken || ae.Code == 0) {
				authRetried = true
				c.ts.Invalidate(tok)
				c.log.DebugContext(ctx, "zoomapi: 401, refreshing token", "method", req.Method, "path", path, "code", ae.Code, "tracking_id", ae.TrackingID)
				continue
			}
			return lastResp, &AuthError{Kind: AuthRejected, StatusCode: ae.StatusCode, ErrorCode: strconv.Itoa(ae.Code), Reason: ae.Message, Err: ae}
		}
		if res.ambiguous {
			return lastResp, fmt.Errorf("%w: %w", ErrOutcomeUnknown, res.err)
		}
		if !res.retry {
			return lastResp, res.err
		}
		if retry >= c.cfg.MaxRetries {
			return lastResp, fmt.Errorf("zoomapi: giving up after %d attempts: %w", attempts, lastErr)
		}
		wait := c.backoff(retry)
		if res.hasWait {
			wait = res.wait
		}
		retry++
		c.log.DebugContext(ctx, "zoomapi: retrying", "method", req.Method, "path", path, "attempt", attempts, "wait", wait, "error", c.red.redact(res.err.Error()))
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return lastResp, err
		}
	}
}

// attempt performs one HTTP exchange and classifies its outcome.
func (c *Client) attempt(ctx context.Context, req *Request, body []byte, v any, cat Category) (*Response, attemptResult, *oauth2.Token) {
	tok, err := c.ts.Token(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, attemptResult{err: ctx.Err()}, nil
		}
		var ae *AuthError
		retry := errors.As(err, &ae) && ae.Temporary()
		return nil, attemptResult{err: err, retry: retry}, nil
	}

	actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
	})

	hreq, err := c.httpRequest(actx, req, body, tok)
	if err != nil {
		return nil, attemptResult{err: err}, tok
	}
	u := *hreq.URL

	safe := idempotent(req.Method)
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, attemptResult{err: ctx.Err()}, tok
		}
		err = c.sanitizeTransportErr(err)
		if errors.Is(err, errRedirectRefused) {
			return nil, attemptResult{err: err}, tok
		}
		if !safe && wrote.Load() {
			return nil, attemptResult{err: err, ambiguous: true}, tok
		}
		return nil, attemptResult{err: err, retry: true}, tok
	}
	data, rerr := readLimited(hresp.Body, c.cfg.MaxBodyBytes)
	hresp.Body.Close()
	resp := c.newResponse(hresp, data)
	if rerr != nil {
		if ctx.Err() != nil {
			return resp, attemptResult{err: ctx.Err()}, tok
		}
		if errors.Is(rerr, ErrBodyTooLarge) {
			return resp, attemptResult{err: rerr, ambiguous: !safe && hresp.StatusCode < 300}, tok
		}
		rerr = fmt.Errorf("zoomapi: read body (HTTP %d): %w", hresp.StatusCode, c.sanitizeTransportErr(rerr))
		if !safe {
			return resp, attemptResult{err: rerr, ambiguous: true}, tok
		}
		return resp, attemptResult{err: rerr, retry: true}, tok
	}

	if hresp.StatusCode >= 200 && hresp.StatusCode < 300 {
		if err := decodeInto(data, v, hresp.StatusCode); err != nil {
			err = fmt.Errorf("zoomapi: decode %s %s (HTTP %d): %w", req.Method, u.EscapedPath(), hresp.StatusCode, err)
			if !safe {
				return resp, attemptResult{err: err, ambiguous: true}, tok
			}
			return resp, attemptResult{err: err, retry: true}, tok
		}
		c.log.DebugContext(ctx, "zoomapi: response", "method", req.Method, "path", u.EscapedPath(), "status", hresp.StatusCode, "tracking_id", resp.TrackingID, "remaining", resp.Remaining)
		return resp, attemptResult{}, tok
	}

	c.log.DebugContext(ctx, "zoomapi: error response", "method", req.Method, "path", u.EscapedPath(), "status", hresp.StatusCode, "tracking_id", resp.TrackingID)
	return resp, c.errorResult(hresp, resp, data, cat, safe), tok
}

// httpRequest builds the HTTP request of one attempt of req, with the
// access token.
func (c *Client) httpRequest(ctx context.Context, req *Request, body []byte, tok *oauth2.Token) (*http.Request, error) {
	u := *req.URL
	u.RawQuery = req.Query.Encode()
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u.String(), rdr)
	if err != nil {
		return nil, fmt.Errorf("zoomapi: build request: %w", err)
	}
	hreq.URL = &u // keep RawPath/Opaque exactly
	for k, vs := range req.Header {
		hreq.Header[k] = append([]string(nil), vs...)
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", c.cfg.UserAgent)
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	tok.SetAuthHeader(hreq)
	return hreq, nil
}

// errorResult classifies a non-2xx answer: a per-second 429 is retried
// (it was not processed, so even a POST) after the server's wait, spread;
// a daily 429 is not; a 5xx is retried for an idempotent request and
// ambiguous for another.
func (c *Client) errorResult(hresp *http.Response, resp *Response, data []byte, cat Category, safe bool) attemptResult {
	cerr := checkResponse(hresp, data, c.cfg.Now())
	c.redactError(cerr)
	res := attemptResult{err: cerr}
	var rl *RateLimitError
	switch {
	case errors.As(cerr, &rl):
		if rl.Daily {
			return res
		}
		c.limiters[cat].throttled(c.cfg.Now())
		res.retry = true
		res.wait, res.hasWait = c.serverWait(rl.Reset)
		res.wait, res.hasWait = c.spreadWait(res.wait, res.hasWait)
	case hresp.StatusCode >= 500:
		if !safe {
			res.ambiguous = true
			return res
		}
		res.retry = true
		res.wait, res.hasWait = c.serverWait(resp.RetryAfter)
	}
	return res
}

// redactError scrubs secrets from server-provided text in typed errors.
func (c *Client) redactError(err error) {
	var ae *APIError
	if errors.As(err, &ae) {
		ae.Message = c.red.redact(ae.Message)
		for i := range ae.Errors {
			ae.Errors[i].Message = c.red.redact(ae.Errors[i].Message)
			ae.Errors[i].Field = c.red.redact(ae.Errors[i].Field)
		}
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		rl.Message = c.red.redact(rl.Message)
	}
	var se *ScopeError
	if errors.As(err, &se) {
		for i := range se.Scopes {
			se.Scopes[i] = c.red.redact(se.Scopes[i])
		}
	}
}

// sanitizedError carries a redacted message while keeping the chain for
// errors.Is (timeouts, resets, context).
type sanitizedError struct {
	msg string
	err error
}

// Error implements error with the redacted message.
func (e *sanitizedError) Error() string { return e.msg }

// Unwrap returns the original error (for errors.Is on timeouts and resets).
func (e *sanitizedError) Unwrap() error { return e.err }

func (c *Client) sanitizeTransportErr(err error) error {
	msg := c.red.redact(err.Error())
	var ue *url.Error
	if errors.As(err, &ue) {
		// Drop the URL query (may hold page tokens) from the message.
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			msg = c.red.redact(fmt.Sprintf("%s %q: %v", ue.Op, u.String(), ue.Err))
		}
	}
	return &sanitizedError{msg: "zoomapi: " + msg, err: err}
}

// readLimited reads at most max bytes; more is ErrBodyTooLarge.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return data, err
	}
	if int64(len(data)) > max {
		return data[:max], fmt.Errorf("%w (limit %d bytes)", ErrBodyTooLarge, max)
	}
	return data, nil
}

// decodeInto decodes a 2xx body into v, keeping big integers exact.
func decodeInto(data []byte, v any, status int) error {
	if v == nil {
		return nil
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		if status == http.StatusNoContent {
			return nil
		}
		return io.ErrUnexpectedEOF
	}
	if !json.Valid(trimmed) {
		return errors.New("invalid JSON body")
	}
	switch p := v.(type) {
	case *json.RawMessage:
		*p = append((*p)[:0], trimmed...)
		return nil
	case *[]byte:
		*p = append((*p)[:0], trimmed...)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	return dec.Decode(v)
}
