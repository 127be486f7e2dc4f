package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/zoom-connector/zoom-connector/connector/serve"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// EnvStore names the store of serve and of the webhook_events stream when
// --store is not given: a SQLite file path or a PostgreSQL DSN.
const EnvStore = "ZOOM_CONNECTOR_STORE"

// DefaultStorePath is the SQLite file used when neither --store nor
// ZOOM_CONNECTOR_STORE is set.
const DefaultStorePath = "zoom-connector.db"

// serveFlags are the serve command's flags.
type serveFlags struct {
	common
	listen          string
	store           string
	targets         []string
	origins         []string
	thankYou        string
	rateLimit       int
	trustProxy      bool
	tlsCert         string
	tlsKey          string
	shutdownTimeout time.Duration
	oauthRedirect   string
	metricsListen   string
}

func (f *serveFlags) register(fs *pflag.FlagSet) {
	f.common.register(fs)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address to listen on (HOST:PORT)")
	fs.StringVar(&f.store, "store", "", "SQLite file or PostgreSQL DSN (default $"+EnvStore+", else "+DefaultStorePath+")")
	fs.StringArrayVar(&f.targets, "target", nil, "meeting:ID[:LABEL] or webinar:ID[:LABEL] that /register accepts (repeatable)")
	fs.StringArrayVar(&f.origins, "allowed-origin", nil, "web origin (https://host[:port]) whose pages may post to /register (repeatable)")
	fs.StringVar(&f.thankYou, "thank-you-url", "", "where a plain form post is redirected after registering")
	fs.IntVar(&f.rateLimit, "rate-limit", serve.DefaultRateLimitPerMinute, "registrations per minute per client address")
	fs.BoolVar(&f.trustProxy, "trust-proxy", false, "take the client address from X-Forwarded-For (only behind a proxy that sets it)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key, serve HTTPS")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&f.oauthRedirect, "oauth-redirect-url", "", "turn on GET /connect/{tenant} for an oauth app: its redirect URL exactly as registered (https://HOST/oauth/callback; http only on a loopback address)")
	fs.StringVar(&f.metricsListen, "metrics-listen", serve.DefaultMetricsListen, "address of the separate /metrics listener (Prometheus; plain HTTP, keep it private); \"\" for none")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long to wait for requests in flight on SIGTERM/SIGINT")
}

// applyConfig takes the config's serve settings for every flag not given
// on the command line.
func (f *serveFlags) applyConfig(sc *config.ServeConfig, changed func(string) bool) {
	if sc == nil {
		return
	}
	if !changed("listen") && sc.Listen != "" {
		f.listen = sc.Listen
	}
	if !changed("store") && sc.Store != "" {
		f.store = sc.Store
	}
	if !changed("target") {
		for _, t := range sc.Targets {
			kind, id := "meeting", t.MeetingID
			if t.WebinarID != 0 {
				kind, id = "webinar", t.WebinarID
			}
			spec := kind + ":" + strconv.FormatInt(id, 10)
			if t.Label != "" {
				spec += ":" + t.Label
			}
			f.targets = append(f.targets, spec)
		}
	}
	if !changed("allowed-origin") {
		f.origins = append(f.origins, sc.AllowedOrigins...)
	}
	if !changed("thank-you-url") && sc.ThankYouURL != "" {
		f.thankYou = sc.ThankYouURL
	}
	if !changed("rate-limit") && sc.RateLimitPerMinute > 0 {
		f.rateLimit = sc.RateLimitPerMinute
	}
	if !changed("trust-proxy") && sc.TrustProxy {
		f.trustProxy = true
	}
	if !changed("oauth-redirect-url") && sc.OAuthRedirectURL != "" {
		f.oauthRedirect = sc.OAuthRedirectURL
	}
	if !changed("metrics-listen") && sc.MetricsListen != "" {
		f.metricsListen = sc.MetricsListen
	}
}

// storeLocation is --store, else $ZOOM_CONNECTOR_STORE, else the default.
func storeLocation(flag string, getenv func(string) string) string {
	if flag != "" {
		return flag
	}
	if v := getenv(EnvStore); v != "" {
		return v
	}
	return DefaultStorePath
}

// parseTarget parses meeting:ID[:LABEL] or webinar:ID[:LABEL].
func parseTarget(s string) (serve.Target, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 || (parts[0] != "meeting" && parts[0] != "webinar") {
		return serve.Target{}, fmt.Errorf("--target %q: want meeting:ID[:LABEL] or webinar:ID[:LABEL]", s)
	}
	id, err := strconv.ParseInt(strings.ReplaceAll(parts[1], " ", ""), 10, 64)
	if err != nil || id <= 0 {
		return serve.Target{}, fmt.Errorf("--target %q: the ID must be a positive number", s)
	}
	t := serve.Target{Kind: parts[0], ID: id}
	if len(parts) == 3 {
		t.Label = parts[2]
	}
	return t, nil
}

// runServe is the serve command: webhooks and the registration endpoint.
func runServe(ctx context.Context, args []string, stdio IO) error {
	var f serveFlags
	fs, err := parseFlags("serve", args, stdio, f.register)
	if err != nil {
		return err
	}
	cfg, log, err := f.setup(stdio)
	if err != nil {
		return err
	}
	f.applyConfig(cfg.Serve, fs.Changed)
	if cfg.WebhookSecretToken.IsZero() {
		return usagef("configuration error: /webhook_secret_token: required (the Secret Token of the Zoom app's event subscription)")
	}
	var targets []serve.Target
	for _, s := range f.targets {
		t, err := parseTarget(s)
		if err != nil {
			return usageError(err)
		}
		targets = append(targets, t)
	}
	loc := storeLocation(f.store, stdio.Getenv)
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	st, err := store.Open(octx, loc)
	cancel()
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := f.server(cfg, st, targets, stdio, log)
	if err != nil {
		return usageError(err)
	}
	sctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("store", "location", store.Describe(loc), "kind", st.Kind())
	return serve.Run(sctx, srv, serve.RunOptions{
		Listen: f.listen, TLSCertFile: f.tlsCert, TLSKeyFile: f.tlsKey, ShutdownTimeout: f.shutdownTimeout,
		MetricsListen: f.metricsListen,
	})
}

// server builds the serve application from the flags and the config.
func (f *serveFlags) server(cfg *config.Config, st store.Store, targets []serve.Target, stdio IO, log *slog.Logger) (*serve.Server, error) {
	opts := serve.Options{
		WebhookSecret:      cfg.WebhookSecretToken.Reveal(),
		Store:              st,
		Targets:            targets,
		AllowedOrigins:     f.origins,
		ThankYouURL:        f.thankYou,
		RateLimitPerMinute: f.rateLimit,
		TrustProxy:         f.trustProxy,
		Log:                log,
	}
	if f.oauthRedirect != "" {
		co, err := serveConnectOptions(cfg, st, f.oauthRedirect, f.allowHosts, stdio.Getenv, log)
		if err != nil {
			return nil, err
		}
		opts.Connect = co
	}
	if len(targets) > 0 {
		client, err := NewClient(cfg, f.allowHosts, log)
		if err != nil {
			return nil, err
		}
		opts.Registrar = &serve.ZoomRegistrar{Client: client, Store: st, AccountID: cfg.AccountID, AutoApprove: cfg.AutoApprove}
	}
	return serve.New(opts)
}

// serveConnectOptions builds the OAuth tenant flow of serve: the oauth
// app of cfg, the tenants' tokens in st (sealed with the key from the
// environment), and one refresh-token source per tenant.
func serveConnectOptions(cfg *config.Config, st store.Store, redirect string, allowHosts []string, getenv func(string) string, log *slog.Logger) (*serve.ConnectOptions, error) {
	if !cfg.IsOAuth() {
		return nil, errors.New("--oauth-redirect-url needs an oauth configuration (\"auth\": {\"auth_type\": \"oauth\", \"client_id\", \"client_secret\"})")
	}
	if _, err := serve.CheckRedirectURL(redirect); err != nil {
		return nil, err
	}
	key, err := tokenstore.KeyFromEnv(getenv)
	if err != nil {
		return nil, fmt.Errorf("token store: %w", err)
	}
	c, err := tokenstore.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("token store: %w", err)
	}
	tokens, err := store.NewTokenStore(st, c)
	if err != nil {
		return nil, err
	}
	inviteKey, err := serve.InviteKey(key)
	if err != nil {
		return nil, fmt.Errorf("token store: %w", err)
	}
	app := &zoomapi.OAuthApp{TokenURL: cfg.OAuthTokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret.Reveal(), AllowHosts: allowHosts}
	sources := &zoomapi.TokenSources{New: func(tenant string) (zoomapi.TokenSource, error) {
		return zoomapi.NewUserTokenSource(zoomapi.UserOAuthConfig{
			TokenURL: cfg.OAuthTokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret.Reveal(),
			Store: tokenstore.Tenant{Store: tokens, ID: tenant}, AllowHosts: allowHosts,
			ReconnectHint: "reconnect this account: send its owner a new connect link (zoom-connector tenant invite " + tenant + ")",
		})
	}}
	return &serve.ConnectOptions{App: app, RedirectURL: redirect, Tokens: tokens, Sources: sources, InviteKey: inviteKey,
		Identify: serve.ZoomIdentifier(cfg.APIBaseURL, allowHosts, log)}, nil
}
