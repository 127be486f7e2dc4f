package zoomsim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Default identities of the simulated Server-to-Server OAuth app. They are
// test values, not secrets: the simulator only ever runs on loopback.
const (
	DefaultClientID     = "zoomsim-client-id"
	DefaultClientSecret = "zoomsim-client-secret"
)

// Options configures a simulated Zoom account.
type Options struct {
	// Dataset names the generated dataset preset: "tiny", "small" or "large".
	Dataset string
	// Seed makes the dataset and the fault draws repeatable.
	Seed int64
	// Plan picks the rate-limit preset: "free", "pro", "business" or "unlimited".
	Plan string
	// Limits overrides the plan's limits when non-nil.
	Limits *Limits
	// Latency is the median of the log-normal latency added to every API answer.
	Latency time.Duration
	// Faults lists the faults to inject and their rates.
	Faults FaultSpec
	// TokenTTL is the lifetime of an access token (Zoom: 3600 s).
	TokenTTL time.Duration
	// PageTokenTTL is the lifetime of a next_page_token (Zoom: 15 minutes).
	PageTokenTTL time.Duration
	// InvalidateOldTokens makes a new token invalidate the app's earlier ones.
	// Zoom has said both that it does and that it does not (unverified), so it
	// is a setting; off by default, as the current documentation says.
	InvalidateOldTokens bool
	// QPSRetryAfter adds "Retry-After: 1" to per-second 429s. Zoom documents
	// Retry-After only for daily limits (unverified for per-second), so it is
	// a setting; off by default.
	QPSRetryAfter bool
	// Apps are the OAuth apps that may ask for tokens. Empty means one app
	// with DefaultClientID, DefaultClientSecret and every scope.
	Apps []App
	// Now is the real clock (tokens, page tokens, rate limits, webhook
	// signatures); nil means time.Now. The account's data follows the
	// simulated clock instead (Clock), which starts at Start and moves only
	// when told (Advance).
	Now func() time.Time
	// Start is where the simulated clock starts; zero means Now() when the
	// server is built.
	Start time.Time
	// Life sets how the account changes while the simulated clock advances.
	Life LifeOptions
	// Sleep waits for latency and hung answers; nil means a real timer that
	// stops when ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
	// DownloadBase, when set, is the scheme and host of the download URLs
	// the simulator gives (transcripts), such as a host the connector must
	// refuse; empty means where the server listens.
	DownloadBase string
}

// App is one simulated Server-to-Server OAuth app.
type App struct {
	AccountID    string
	ClientID     string
	ClientSecret string
	// Scopes granted to the app's tokens, classic or granular.
	Scopes []string
}

// Server is a simulated Zoom account: the OAuth server, the REST API under
// /v2, and the /_sim/ admin API.
type Server struct {
	opts    Options
	mu      sync.RWMutex // guards data: read lock for GETs, write lock for POSTs
	data    *Dataset
	routes  []Route
	handler http.Handler

	tokMu  sync.Mutex
	tokens map[string]*accessToken

	limits   *limiter
	faults   *faultInjector
	observer observerSlot
	counter  *Counters
	pageKey  []byte
	life     *life
}

type accessToken struct {
	app     *App
	expires time.Time
	scopes  map[string]bool
}

// NewServer generates the dataset and builds the simulator.
func NewServer(opts Options) (*Server, error) {
	if opts.Dataset == "" {
		opts.Dataset = "tiny"
	}
	if opts.Plan == "" {
		opts.Plan = "unlimited"
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.PageTokenTTL <= 0 {
		opts.PageTokenTTL = 15 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = realSleep
	}
	start := opts.Start
	if start.IsZero() {
		start = opts.Now()
	}
	data, err := Generate(opts.Dataset, opts.Seed, start)
	if err != nil {
		return nil, err
	}
	lf, err := newLife(data, opts.Life)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:    opts,
		data:    data,
		routes:  data.Routes(),
		tokens:  map[string]*accessToken{},
		counter: newCounters(),
		pageKey: make([]byte, 32),
		life:    lf,
	}
	if _, err := rand.Read(s.pageKey); err != nil {
		return nil, err
	}
	if len(s.opts.Apps) == 0 {
		s.opts.Apps = []App{{
			AccountID:    data.AccountID,
			ClientID:     DefaultClientID,
			ClientSecret: DefaultClientSecret,
			Scopes:       AllScopes(s.routes),
		}}
	}
	lim := opts.Limits
	if lim == nil {
		l, err := PlanLimits(opts.Plan)
		if err != nil {
			return nil, err
		}
		lim = &l
	}
	s.limits = newLimiter(*lim)
	s.faults = newFaultInjector(opts.Faults, opts.Seed)
	s.handler = s.buildMux()
	return s, nil
}

func realSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Handler returns the simulator's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Dataset returns the generated dataset. Callers must not modify it while
// the server runs.
func (s *Server) Dataset() *Dataset { return s.data }

// Counters returns the live request counters.
func (s *Server) Counters() *Counters { return s.counter }

// Now returns the simulator's real clock (tokens, rate limits, webhook
// signatures); Clock is the account's simulated time.
func (s *Server) Now() time.Time { return s.opts.Now() }

// ConnectorConfig is the configuration a connector needs to reach this
// simulator, printed by `zoomsim serve` once it listens.
type ConnectorConfig struct {
	APIBaseURL    string `json:"api_base_url"`
	OAuthTokenURL string `json:"oauth_token_url"`
	ValidationURL string `json:"validation_url"`
	AccountID     string `json:"account_id"`
	ClientID      string `json:"client_id"`
	ClientSecret  string `json:"client_secret"`
	// Plan is the simulator's rate-limit plan, so the connector paces
	// itself at the limits the simulator enforces (the connector's default
	// is pro, which makes a read of an unlimited simulator slow for
	// nothing). Empty when Options.Limits replaced the plan's limits.
	Plan string `json:"plan,omitempty"`
}

// Config returns a connector config for the first app, for a simulator
// served at base (scheme://host:port, no path).
func (s *Server) Config(base string) ConnectorConfig {
	base = strings.TrimRight(base, "/")
	app := s.opts.Apps[0]
	plan := s.opts.Plan
	if s.opts.Limits != nil {
		plan = "" // custom limits that no plan names
	}
	return ConnectorConfig{
		APIBaseURL:    base + "/v2",
		OAuthTokenURL: base + "/oauth/token",
		ValidationURL: base + "/v2/users/me",
		AccountID:     app.AccountID,
		ClientID:      app.ClientID,
		ClientSecret:  app.ClientSecret,
		Plan:          plan,
	}
}

// AllScopes returns every classic and granular scope the routes accept,
// sorted, so a default app can call every endpoint.
func AllScopes(routes []Route) []string {
	set := map[string]bool{}
	for _, r := range routes {
		for _, sc := range r.Scopes {
			set[sc] = true
		}
		for _, sc := range r.Granular {
			set[sc] = true
		}
	}
	out := make([]string, 0, len(set))
	for sc := range set {
		out = append(out, sc)
	}
	sort.Strings(out)
	return out
}

// Listening is a simulator served on a real listener.
type Listening struct {
	*Server
	// URL is the base URL, such as http://127.0.0.1:40123.
	URL string
	srv *http.Server
	ln  net.Listener
}

// Listen serves s on addr (for example "127.0.0.1:0") until Close.
func (s *Server) Listen(addr string) (*Listening, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	l := &Listening{Server: s, URL: "http://" + ln.Addr().String(), ln: ln,
		srv: &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}}
	s.SetDownloadBase(l.URL)
	go func() { _ = l.srv.Serve(ln) }()
	return l, nil
}

// Close stops the listener and waits for in-flight answers, giving up
// after a short grace period.
func (l *Listening) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.srv.Shutdown(ctx); err != nil {
		return l.srv.Close()
	}
	return nil
}

// StartTest starts a simulator on 127.0.0.1 for a test and stops it when
// the test ends. It returns the server, its base URL (no /v2) and an access
// token of the first app, which has every scope unless opts.Apps says
// otherwise.
func StartTest(t testing.TB, opts Options) (*Server, string, string) {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatalf("zoomsim: %v", err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	s.SetDownloadBase(ts.URL)
	tok := s.issueToken(&s.opts.Apps[0])
	return s, ts.URL, tok
}

// SetDownloadBase points the download URLs (transcripts) at base, such as
// a proxy in front of the simulator, unless Options.DownloadBase names
// another host. Listen and StartTest call it with where they listen.
func (s *Server) SetDownloadBase(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.DownloadBase = base
	if s.opts.DownloadBase != "" {
		s.data.DownloadBase = strings.TrimRight(s.opts.DownloadBase, "/")
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
