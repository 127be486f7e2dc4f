package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/time/rate"

	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/fsutil"
	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// NewClient builds the one Zoom client of a run from the configuration.
// allowHosts are the operator's --allow-host entries: the only way to let
// credentials go anywhere but Zoom's own hosts (the config file cannot).
// It is NewClientWith without a tenant, config path or Airbyte rotation:
// an oauth configuration then needs a token store.
func NewClient(cfg *config.Config, allowHosts []string, log *slog.Logger) (*zoomapi.Client, error) {
	return NewClientWith(cfg, ClientOptions{AllowHosts: allowHosts, Log: log})
}

// ClientOptions are the settings of a run that are not in the
// configuration file.
type ClientOptions struct {
	// AllowHosts are the --allow-host entries.
	AllowHosts []string
	// Log receives the client's debug logs.
	Log *slog.Logger
	// Tenant selects the connected account's tokens in the token store
	// (oauth only; --tenant). Empty means tokenstore.DefaultTenant.
	Tenant string
	// TokenStore overrides the config's auth.token_store (--token-store).
	TokenStore string
	// ConfigPath is the configuration file. With oauth and no token store,
	// each rotated refresh token is written back into it (atomically),
	// unless Airbyte is set.
	ConfigPath string
	// Airbyte, when set, receives each rotated refresh token and emits it
	// as a CONTROL CONNECTOR_CONFIG message (Airbyte mode), after the token
	// store (if any) saved it.
	Airbyte *AirbyteRotation
	// Getenv reads the token key variables (default os.Getenv).
	Getenv func(string) string
	// Store is the serve store (--store: a SQLite file or a PostgreSQL
	// DSN) whose tenants were connected through serve's /connect/{tenant};
	// OpenTenantTokens opens its token table into Tokens.
	Store string
	// Tokens, if set, is the token store of Tenant's tokens (an open SQL
	// token store); it wins over TokenStore and auth.token_store.
	Tokens tokenstore.Store
}

// tenantStoreLocation returns the serve store holding the tenant's tokens,
// or "": --store, else a token store that is a PostgreSQL DSN, else with a
// --tenant and no file token store $ZOOM_CONNECTOR_STORE.
func tenantStoreLocation(cfg *config.Config, o ClientOptions) (string, error) {
	file := o.TokenStore
	if file == "" {
		file = cfg.TokenStore
	}
	switch {
	case o.Store != "" && o.TokenStore != "":
		return "", errors.New("--store and --token-store both name the token store: use one")
	case o.Store != "":
		return o.Store, nil
	case file != "" && store.IsPostgres(file):
		return file, nil
	case file == "" && o.Tenant != "" && o.Tenant != tokenstore.DefaultTenant:
		getenv := o.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		return getenv(EnvStore), nil
	}
	return "", nil
}

// OpenTenantTokens opens the SQL token store of the serve store when o
// selects one (see ClientOptions.Store; an oauth configuration only) and
// sets o.Tokens. The returned function closes it; it is never nil.
func OpenTenantTokens(ctx context.Context, cfg *config.Config, o *ClientOptions) (func(), error) {
	noop := func() {}
	if !cfg.IsOAuth() || o.Tokens != nil {
		return noop, nil
	}
	loc, err := tenantStoreLocation(cfg, *o)
	if err != nil || loc == "" {
		return noop, err
	}
	key, err := tokenstore.KeyFromEnv(o.Getenv)
	if err != nil {
		return noop, fmt.Errorf("token store: %w", err)
	}
	c, err := tokenstore.NewCipher(key)
	if err != nil {
		return noop, fmt.Errorf("token store: %w", err)
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := store.Open(octx, loc)
	if err != nil {
		return noop, err
	}
	ts, err := store.NewTokenStore(st, c)
	if err != nil {
		st.Close()
		return noop, err
	}
	o.Tokens = ts
	return func() { _ = st.Close() }, nil
}

// NewClientWith builds the Zoom client of a run: Server-to-Server
// credentials, or a user-authorized app's refresh-token source (see
// UserTokenSource).
func NewClientWith(cfg *config.Config, o ClientOptions) (*zoomapi.Client, error) {
	rates := map[zoomapi.Category]rate.Limit{}
	set := func(c zoomapi.Category, v float64, perMinute bool) {
		if v > 0 {
			if perMinute {
				v /= 60
			}
			rates[c] = rate.Limit(v)
		}
	}
	set(zoomapi.CategoryLight, cfg.RateLimits.Light, false)
	set(zoomapi.CategoryMedium, cfg.RateLimits.Medium, false)
	set(zoomapi.CategoryHeavy, cfg.RateLimits.Heavy, false)
	set(zoomapi.CategoryResourceIntensive, cfg.RateLimits.ResourceIntensive, true)
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	var ts zoomapi.TokenSource
	if cfg.IsOAuth() {
		var err error
		if ts, err = UserTokenSource(cfg, o); err != nil {
			return nil, err
		}
	}
	return zoomapi.New(zoomapi.Config{
		APIBaseURL:     cfg.APIBaseURL,
		TokenURL:       cfg.OAuthTokenURL,
		AccountID:      cfg.AccountID,
		ClientID:       cfg.ClientID,
		ClientSecret:   cfg.ClientSecret.Reveal(),
		TokenSource:    ts,
		AllowHosts:     o.AllowHosts,
		Plan:           string(cfg.Plan),
		Rates:          rates,
		RequestTimeout: timeout,
		MaxIdleConns:   cfg.MaxConcurrency,
		Logger:         o.Log,
	})
}

// UserTokenSource builds the refresh-token source of an oauth
// configuration. Rotated refresh tokens are kept, before the new access
// token is used, in the token store (o.TokenStore or auth.token_store,
// record o.Tenant), else in the config file (o.ConfigPath, outside Airbyte
// mode), and are also sent to o.Airbyte. With nowhere durable to keep them
// it returns an error rather than lose the account on the first refresh.
func UserTokenSource(cfg *config.Config, o ClientOptions) (zoomapi.TokenSource, error) {
	if !cfg.IsOAuth() {
		return nil, errors.New("the configuration does not use auth_type oauth")
	}
	tenant := o.Tenant
	if tenant == "" {
		tenant = tokenstore.DefaultTenant
	}
	hint := "reconnect this account: run zoom-connector authorize --config " + orPlaceholder(o.ConfigPath, "<config file>")
	uc := zoomapi.UserOAuthConfig{
		TokenURL:      cfg.OAuthTokenURL,
		ClientID:      cfg.ClientID,
		ClientSecret:  cfg.ClientSecret.Reveal(),
		RefreshToken:  cfg.RefreshToken.Reveal(),
		AllowHosts:    o.AllowHosts,
		ReconnectHint: hint,
	}
	storePath := o.TokenStore
	if storePath == "" {
		storePath = cfg.TokenStore
	}
	sqlLoc, err := tenantStoreLocation(cfg, o)
	if err != nil {
		return nil, err
	}
	switch {
	case o.Tokens != nil:
		uc.Store = tokenstore.Tenant{Store: o.Tokens, ID: tenant}
		uc.ReconnectHint = "reconnect this account: send its owner a new connect link (zoom-connector tenant invite " + tenant + ") for the serve endpoint"
	case sqlLoc != "":
		return nil, fmt.Errorf("the tenant's tokens are in the serve store %s, which is not open (OpenTenantTokens)", store.Describe(sqlLoc))
	case storePath != "":
		fs, err := tokenstore.OpenFileStore(storePath, o.Getenv)
		if err != nil {
			return nil, fmt.Errorf("token store: %w", err)
		}
		uc.Store = tokenstore.Tenant{Store: fs, ID: tenant}
		uc.ReconnectHint = hint + " --token-store " + storePath
		if o.Tenant != "" {
			uc.ReconnectHint += " --tenant " + o.Tenant
		}
	case o.Tenant != "" && o.Tenant != tokenstore.DefaultTenant:
		return nil, fmt.Errorf("--tenant %s needs a token store (--store or $%s for the serve store, or auth.token_store or --token-store)", o.Tenant, EnvStore)
	case o.Airbyte != nil:
		// The platform keeps the config: the CONTROL message is the store.
	case o.ConfigPath != "":
		uc.Store = configFileTokens{path: o.ConfigPath}
	default:
		return nil, errors.New("oauth: rotated refresh tokens need a place to be saved: set auth.token_store (or --token-store), or pass --config so the config file is updated")
	}
	if uc.Store == nil && uc.RefreshToken == "" {
		return nil, errors.New("oauth: no refresh token: run zoom-connector authorize --config " + orPlaceholder(o.ConfigPath, "<config file>") + " first")
	}
	if o.Airbyte != nil {
		uc.OnRotate = o.Airbyte.OnRotate
	}
	return zoomapi.NewUserTokenSource(uc)
}

func orPlaceholder(s, placeholder string) string {
	if s == "" {
		return placeholder
	}
	return s
}

// configFileTokens keeps the refresh token in the oauth config file: each
// save rewrites auth.refresh_token atomically (temporary file, fsync,
// rename), keeping the file's mode less any group and other bits (the file
// now holds a live credential). It does not keep access tokens.
type configFileTokens struct{ path string }

// LoadTokens implements zoomapi.UserTokenStore: the config's refresh
// token is already in the source, so nothing is loaded.
func (configFileTokens) LoadTokens(ctx context.Context) (*zoomapi.UserTokens, error) {
	return nil, ctx.Err()
}

// SaveTokens implements zoomapi.UserTokenStore.
func (c configFileTokens) SaveTokens(_ context.Context, t *zoomapi.UserTokens) error {
	raw, err := os.ReadFile(c.path)
	if err != nil {
		return fmt.Errorf("update config file: %w", err)
	}
	out, err := config.WithRefreshToken(raw, t.RefreshToken)
	if err != nil {
		return err
	}
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(c.path); err == nil {
		mode = fi.Mode().Perm() &^ 0o077
	}
	return fsutil.WriteFileAtomic(c.path, out, mode, nil)
}

// AirbyteRotation emits rotated refresh tokens as Airbyte CONTROL
// CONNECTOR_CONFIG messages (the complete configuration with the new
// refresh token) on the run's Airbyte writer, so that the platform saves
// them. Bind the writer before the first API call.
type AirbyteRotation struct {
	// ConfigPath is the configuration file the message is built from.
	ConfigPath string

	mu sync.Mutex
	w  *airbyte.Writer
}

// Bind sets the writer the messages go to (the one the run writes its
// records with, so that lines never interleave).
func (r *AirbyteRotation) Bind(w *airbyte.Writer) {
	r.mu.Lock()
	r.w = w
	r.mu.Unlock()
}

// Writer returns a new Airbyte writer on out, bound to r so that CONTROL
// messages share the run's stdout writer. A nil r just returns the writer.
func (r *AirbyteRotation) Writer(out io.Writer, opts ...airbyte.WriterOption) *airbyte.Writer {
	w := airbyte.NewWriter(out, opts...)
	if r != nil {
		r.Bind(w)
	}
	return w
}

// OnRotate writes the CONTROL message; the writer flushes it at once. It
// is the zoomapi.UserOAuthConfig.OnRotate hook.
func (r *AirbyteRotation) OnRotate(newRefresh string) error {
	r.mu.Lock()
	w := r.w
	r.mu.Unlock()
	if w == nil {
		return errors.New("airbyte: no writer bound for the CONTROL message")
	}
	raw, err := os.ReadFile(r.ConfigPath)
	if err != nil {
		return fmt.Errorf("airbyte control message: %w", err)
	}
	out, err := config.WithRefreshToken(raw, newRefresh)
	if err != nil {
		return err
	}
	return w.Control(json.RawMessage(out))
}

// authFlags are the flags that pick a connected account's tokens.
type authFlags struct {
	tenant     string
	tokenStore string
	store      string
}

// registerStore adds --store, for the commands that use a tenant's
// tokens (read, write, check, check-credentials).
func (a *authFlags) registerStore(fs *pflag.FlagSet) {
	fs.StringVar(&a.store, "store", "", "the serve store (SQLite file or PostgreSQL DSN; with --tenant default $"+EnvStore+"): oauth tenants connected through serve's /connect/{tenant}; for read, also the webhook events that make incremental reads ask again for the meetings and webinars they name")
}

func (a *authFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&a.tenant, "tenant", "", "oauth: the connected account (tenant id) whose tokens to use from the token store (default \""+tokenstore.DefaultTenant+"\")")
	fs.StringVar(&a.tokenStore, "token-store", "", "oauth: encrypted token store file (overrides auth.token_store)")
}

// options returns the ClientOptions of a command: rot is nil outside
// Airbyte mode.
func (a *authFlags) options(c *common, stdio IO, log *slog.Logger, rot *AirbyteRotation) ClientOptions {
	return ClientOptions{AllowHosts: c.allowHosts, Log: log, Tenant: a.tenant, TokenStore: a.tokenStore,
		ConfigPath: c.configPath, Airbyte: rot, Getenv: stdio.Getenv, Store: a.store}
}
