package serve

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/store"
)

// Defaults of Options.
const (
	DefaultMaxWebhookBytes    = 1 << 20
	DefaultMaxRegisterBytes   = 16 << 10
	DefaultMaxFieldBytes      = 256
	DefaultRateLimitPerMinute = 10
	DefaultStoreTimeout       = 2500 * time.Millisecond
	DefaultRegisterTimeout    = 20 * time.Second
	// HoneypotField is the form field people never see and bots fill in.
	HoneypotField = "website"
)

// Target is a meeting or webinar the /register endpoint may register
// visitors for.
type Target struct {
	// Kind is "meeting" or "webinar".
	Kind string
	// ID is the numeric meeting or webinar ID.
	ID int64
	// OccurrenceIDs optionally restricts a recurring meeting to occurrences.
	OccurrenceIDs string
	// Label is an optional name the form may use instead of the ID.
	Label string
}

// Options configure a Server.
type Options struct {
	// WebhookSecret is the Zoom app's secret token. Required.
	WebhookSecret string
	// Store keeps events and the ledger. Required.
	Store store.Store
	// Registrar registers visitors; nil turns /register off (404).
	Registrar Registrar
	// Targets are the only meetings and webinars /register accepts.
	Targets []Target
	// AllowedOrigins are the web origins (scheme://host[:port]) whose pages
	// may post to /register; a request from any other Origin is refused.
	AllowedOrigins []string
	// ThankYouURL is where a plain form post is redirected (303) after a
	// registration; empty answers JSON to every request.
	ThankYouURL string
	// RateLimitPerMinute bounds /register requests per client address
	// (default 10; burst the same).
	RateLimitPerMinute int
	// TrustProxy takes the client address from the last X-Forwarded-For
	// entry (set it only behind a proxy that sets that header).
	TrustProxy bool
	// MaxWebhookBytes, MaxRegisterBytes and MaxFieldBytes limit request
	// bodies and form fields (defaults 1 MiB, 16 KiB, 256 bytes).
	MaxWebhookBytes  int64
	MaxRegisterBytes int64
	MaxFieldBytes    int
	// StoreTimeout bounds storing one webhook event, so Zoom gets its
	// answer within 3 seconds (default 2.5 s).
	StoreTimeout time.Duration
	// RegisterTimeout bounds one registration, Zoom calls included.
	RegisterTimeout time.Duration
	// Now is the clock (default time.Now); the signature check uses it.
	Now func() time.Time
	// Log receives request logs and errors (default: discard).
	Log *slog.Logger
	// Connect, if set, turns on the OAuth tenant flow (GET /connect/{tenant}
	// and GET /oauth/callback) and the deletion of a tenant's tokens on
	// app_deauthorized.
	Connect *ConnectOptions
}

// Server is the HTTP application; Handler serves it.
type Server struct {
	opts     Options
	secret   []byte
	log      *slog.Logger
	metrics  *metrics
	limiter  *ipLimiter
	origins  map[string]bool
	draining atomic.Bool
	handler  http.Handler
	connect  *connectFlow
}

// New checks opts, applies defaults and builds the server.
func New(opts Options) (*Server, error) {
	if opts.WebhookSecret == "" {
		return nil, errors.New("serve: webhook_secret_token is required (the Zoom app's Secret Token)")
	}
	if opts.Store == nil {
		return nil, errors.New("serve: no store")
	}
	if opts.MaxWebhookBytes <= 0 {
		opts.MaxWebhookBytes = DefaultMaxWebhookBytes
	}
	if opts.MaxRegisterBytes <= 0 {
		opts.MaxRegisterBytes = DefaultMaxRegisterBytes
	}
	if opts.MaxFieldBytes <= 0 {
		opts.MaxFieldBytes = DefaultMaxFieldBytes
	}
	if opts.RateLimitPerMinute <= 0 {
		opts.RateLimitPerMinute = DefaultRateLimitPerMinute
	}
	if opts.StoreTimeout <= 0 {
		opts.StoreTimeout = DefaultStoreTimeout
	}
	if opts.RegisterTimeout <= 0 {
		opts.RegisterTimeout = DefaultRegisterTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		opts: opts, secret: []byte(opts.WebhookSecret), log: opts.Log, metrics: newMetrics(),
		limiter: newIPLimiter(opts.RateLimitPerMinute, opts.Now), origins: map[string]bool{},
	}
	if zr, ok := opts.Registrar.(*ZoomRegistrar); ok && zr.Observe == nil {
		zr.Observe = s.metrics.zoomLatency
	}
	for _, o := range opts.AllowedOrigins {
		n, err := normalizeOrigin(o)
		if err != nil {
			return nil, err
		}
		s.origins[n] = true
	}
	if opts.ThankYouURL != "" {
		u, err := url.Parse(opts.ThankYouURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("serve: thank-you URL must be an absolute http(s) URL")
		}
	}
	for _, t := range opts.Targets {
		if (t.Kind != "meeting" && t.Kind != "webinar") || t.ID <= 0 {
			return nil, errors.New("serve: a target needs kind meeting or webinar and a positive ID")
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/webhooks/zoom", s.handleWebhook)
	mux.HandleFunc("/register", s.handleRegister)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.handleReady)
	if opts.Connect != nil {
		cf, err := newConnectFlow(*opts.Connect, opts.Now)
		if err != nil {
			return nil, err
		}
		s.connect = cf
		mux.HandleFunc("GET /connect/{tenant}", s.handleConnect)
		mux.HandleFunc("GET "+CallbackPath, s.handleCallback)
	}
	s.handler = s.logRequests(securityHeaders(mux))
	return s, nil
}

// Handler returns the server's public HTTP handler: webhooks, /register,
// /connect, /healthz and /readyz. It does not serve /metrics.
func (s *Server) Handler() http.Handler { return s.handler }

// MetricsHandler returns the handler of GET /metrics (Prometheus text
// format), for a listener of its own (RunOptions.MetricsListen, loopback
// by default): its counters say which check refused a webhook and how
// many bots the honeypot caught, which the public answers hide on purpose.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", s.metrics.serveHTTP)
	return securityHeaders(mux)
}

// Drain makes /readyz answer 503, so a load balancer stops sending new
// requests before shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.opts.Store.Ping(ctx); err != nil {
		s.log.Warn("readiness: store unreachable", "error", err.Error())
		http.Error(w, "store unreachable", http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// statusWriter records the status and size of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request: method, path (no query string,
// which could carry personal data), status, size, duration and client
// address. Never bodies or headers.
func (s *Server) logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		path := r.URL.Path
		if len(path) > 128 {
			path = path[:128] + "..."
		}
		level := slog.LevelInfo
		if path == "/healthz" || path == "/readyz" || path == "/metrics" {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", path, "status", sw.status,
			"bytes", sw.n, "duration_ms", time.Since(start).Milliseconds(), "remote", clientIP(r, s.opts.TrustProxy))
	})
}

// clientIP is the request's client address: the TCP peer, or with
// trustProxy the last X-Forwarded-For entry (the one our proxy added),
// which may carry a port ("10.9.0.1:5111", "[2001:db8::1]:443").
func clientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip, ok := parseAddr(parts[len(parts)-1]); ok {
				return ip.String()
			}
		}
	}
	if ip, ok := parseAddr(r.RemoteAddr); ok {
		return ip.String()
	}
	return r.RemoteAddr
}

// parseAddr parses an IP address alone, with a port (ip:port,
// [ipv6]:port) or in brackets ([ipv6]); IPv4-mapped IPv6 becomes IPv4.
func parseAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return ip.Unmap(), true
	}
	return netip.Addr{}, false
}

// rateKey is the rate-limit bucket of a request: the client's IPv4
// address, or the /64 of its IPv6 address (one subscriber usually holds a
// whole /64, so limiting per address would be no limit at all).
func rateKey(r *http.Request, trustProxy bool) string {
	ip := clientIP(r, trustProxy)
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() {
		return ip
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
