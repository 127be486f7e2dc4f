package connector

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/oauth2"

	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// DefaultRedirectPort is the loopback port of `authorize`'s redirect
// listener; register http://127.0.0.1:8765/oauth/callback (Zoom ignores
// the port of loopback redirect URLs with PKCE, other servers may not).
const DefaultRedirectPort = 8765

// RedirectPath is the path of the loopback redirect URL.
const RedirectPath = "/oauth/callback"

// authorizeFlags are the authorize command's flags.
type authorizeFlags struct {
	common
	auth         authFlags
	redirectPort int
	noBrowser    bool
	timeout      time.Duration
}

func (f *authorizeFlags) register(fs *pflag.FlagSet) {
	f.common.register(fs)
	f.auth.register(fs)
	fs.IntVar(&f.redirectPort, "redirect-port", DefaultRedirectPort, "port of the loopback redirect listener on 127.0.0.1 (0: any free port)")
	fs.BoolVar(&f.noBrowser, "no-browser", false, "only print the authorize URL; do not try to open a browser")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Minute, "how long to wait for the redirect back from Zoom")
}

// runAuthorize is the authorize command: it connects one Zoom account to a
// user-authorized OAuth app from a terminal and saves its refresh token.
func runAuthorize(ctx context.Context, args []string, stdio IO) error {
	var f authorizeFlags
	if _, err := parseFlags("authorize", args, stdio, f.register); err != nil {
		return err
	}
	cfg, log, err := f.setup(stdio)
	if err != nil {
		return err
	}
	if !cfg.IsOAuth() {
		return usagef("the configuration uses %s credentials; authorize is for an \"auth\": {\"auth_type\": \"oauth\", ...} app", cfg.AuthType)
	}
	if f.redirectPort < 0 || f.redirectPort > 65535 {
		return usagef("--redirect-port %d: want 0 to 65535", f.redirectPort)
	}
	save, where, err := f.tokenSaver(cfg, stdio)
	if err != nil {
		return usageError(err)
	}
	res, err := Authorize(ctx, AuthorizeOptions{
		App:         &zoomapi.OAuthApp{TokenURL: cfg.OAuthTokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret.Reveal(), AllowHosts: f.allowHosts},
		Listen:      "127.0.0.1:" + strconv.Itoa(f.redirectPort),
		Save:        save,
		Out:         stdio.Stdout,
		OpenBrowser: !f.noBrowser,
		Timeout:     f.timeout,
		Log:         log,
	})
	if err != nil {
		msg := fmt.Errorf("%s; nothing was saved", stripPrefix(err))
		if errors.Is(err, zoomapi.ErrHostNotAllowed) {
			return usageError(msg)
		}
		return msg
	}
	fmt.Fprintf(stdio.Stdout, "\nSaved the account's refresh token to %s.\n", where)
	// Who connected: best effort, with the access token just saved.
	if id := whoAmI(ctx, cfg, f.allowHosts, res.AccessToken, log); id != "" {
		fmt.Fprintf(stdio.Stdout, "Connected Zoom account: %s\n", id)
	}
	fmt.Fprintf(stdio.Stdout, "Next: zoom-connector check-credentials --config %s%s\n", f.configPath, f.auth.suffix())
	return nil
}

func (a *authFlags) suffix() string {
	s := ""
	if a.tokenStore != "" {
		s += " --token-store " + a.tokenStore
	}
	if a.tenant != "" {
		s += " --tenant " + a.tenant
	}
	return s
}

// tokenSaver picks where the refresh token goes: the token store (flag or
// auth.token_store, record --tenant) or else the config file. It fails
// before the flow starts when that place is not usable (no key, a
// config file that cannot be rewritten).
func (f *authorizeFlags) tokenSaver(cfg *config.Config, stdio IO) (func(context.Context, *zoomapi.UserTokens) error, string, error) {
	storePath := f.auth.tokenStore
	if storePath == "" {
		storePath = cfg.TokenStore
	}
	tenant := f.auth.tenant
	if tenant == "" {
		tenant = tokenstore.DefaultTenant
	}
	if storePath != "" {
		if err := tokenstore.CheckTenant(tenant); err != nil {
			return nil, "", err
		}
		fs, err := tokenstore.OpenFileStore(storePath, stdio.Getenv)
		if err != nil {
			return nil, "", fmt.Errorf("token store: %w", err)
		}
		if _, err := fs.Tenants(); err != nil {
			return nil, "", err
		}
		return tokenstore.Tenant{Store: fs, ID: tenant}.SaveTokens, fmt.Sprintf("the token store %s (tenant %s)", storePath, tenant), nil
	}
	if f.auth.tenant != "" {
		return nil, "", fmt.Errorf("--tenant %s needs a token store (auth.token_store or --token-store)", f.auth.tenant)
	}
	raw, err := os.ReadFile(f.configPath)
	if err != nil {
		return nil, "", fmt.Errorf("read config: %w", err)
	}
	if _, err := config.WithRefreshToken(raw, "probe"); err != nil {
		return nil, "", err
	}
	return configFileTokens{path: f.configPath}.SaveTokens, "the config file " + f.configPath + " (auth.refresh_token)", nil
}

// AuthorizeOptions configures Authorize.
type AuthorizeOptions struct {
	// App is the user-authorized OAuth app.
	App *zoomapi.OAuthApp
	// Listen is the loopback address of the redirect listener, such as
	// 127.0.0.1:8765 (port 0 picks a free one). It must be a loopback IP.
	Listen string
	// Save keeps the new tokens durably; it runs before Authorize returns
	// and before the browser is told the account is connected.
	Save func(context.Context, *zoomapi.UserTokens) error
	// Out receives the instructions and the authorize URL.
	Out io.Writer
	// OpenBrowser tries to open the URL in the default browser.
	OpenBrowser bool
	// Timeout bounds the wait for the redirect (default 10 minutes).
	Timeout time.Duration
	// Log receives debug logs (never a token).
	Log *slog.Logger
}

// Authorize runs the authorization-code flow for one account from a
// terminal: it listens on a loopback redirect URL, prints the authorize
// URL (with state and a PKCE S256 challenge), waits for the redirect,
// refuses one whose state does not match (ErrStateMismatch), exchanges the
// code with the verifier, and saves the tokens. Only the first redirect
// is processed; the listener is closed on return.
func Authorize(ctx context.Context, o AuthorizeOptions) (*zoomapi.UserTokens, error) {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	host, _, err := net.SplitHostPort(o.Listen)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("redirect listener %q must be on a loopback IP such as 127.0.0.1", o.Listen)
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen for the redirect: %w (choose another --redirect-port)", err)
	}
	defer ln.Close()
	redirect := "http://" + ln.Addr().String() + RedirectPath
	p, err := o.App.Start(redirect)
	if err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	type result struct {
		tok *zoomapi.UserTokens
		err error
	}
	done := make(chan result, 1)
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+RedirectPath, func(w http.ResponseWriter, r *http.Request) {
		handled := false
		once.Do(func() {
			handled = true
			tok, err := finishAuthorize(ctx, o, p, r)
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, page, "Not connected", html.EscapeString(stripPrefix(err))+". Nothing was saved; run zoom-connector authorize again.")
			} else {
				fmt.Fprintf(w, page, "Connected", "The Zoom account is connected. You can close this window.")
			}
			done <- result{tok, err}
		})
		if !handled {
			w.WriteHeader(http.StatusGone)
			fmt.Fprintf(w, page, "Already handled", "This authorization was already handled; run zoom-connector authorize again if needed.")
		}
	})
	srv := &http.Server{Handler: securityHeaders(mux), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
	}()

	fmt.Fprintf(o.Out, "To connect a Zoom account, open this URL in a browser, sign in to Zoom as the account's user and allow access:\n\n  %s\n\n", p.URL)
	fmt.Fprintf(o.Out, "Zoom will redirect back to %s (it must be in the app's redirect URL allow list).\nWaiting up to %s...\n", redirect, o.Timeout)
	if o.OpenBrowser {
		openBrowser(p.URL, o.Log)
	}
	select {
	case r := <-done:
		return r.tok, r.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("no redirect from Zoom within %s", o.Timeout)
		}
		return nil, ctx.Err()
	}
}

// finishAuthorize checks the redirect, exchanges the code and saves.
func finishAuthorize(ctx context.Context, o AuthorizeOptions, p *zoomapi.PendingAuth, r *http.Request) (*zoomapi.UserTokens, error) {
	code, err := p.Code(r.URL.Query())
	if err != nil {
		if errors.Is(err, zoomapi.ErrStateMismatch) {
			return nil, fmt.Errorf("refused the redirect: its state does not match the authorization request (a forged or stale redirect)")
		}
		return nil, err
	}
	tok, err := o.App.Exchange(ctx, p, code)
	if err != nil {
		return nil, fmt.Errorf("code exchange failed: %w", err)
	}
	if err := o.Save(ctx, tok); err != nil {
		return nil, fmt.Errorf("save the tokens: %w", err)
	}
	return tok, nil
}

const page = `<!doctype html><meta charset="utf-8"><title>zoom-connector</title><h1>%s</h1><p>%s</p>`

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		h.ServeHTTP(w, r)
	})
}

// openBrowser tries to open url; failure only means the person copies it.
func openBrowser(url string, log *slog.Logger) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		log.Debug("could not open a browser", "error", err)
		return
	}
	go func() { _ = cmd.Wait() }()
}

// whoAmI fetches the validation URL with the new access token and
// describes the account, or returns "".
func whoAmI(ctx context.Context, cfg *config.Config, allowHosts []string, accessToken string, log *slog.Logger) string {
	c, err := zoomapi.New(zoomapi.Config{APIBaseURL: cfg.APIBaseURL, AllowHosts: allowHosts, Logger: log, MaxRetries: 1,
		TokenSource: zoomapi.StaticTokenSource(&oauth2.Token{AccessToken: accessToken, TokenType: "Bearer"})})
	if err != nil {
		return ""
	}
	req := c.NewRequest(http.MethodGet, cfg.ValidationURL, nil, nil)
	req.Category = zoomapi.CategoryLight
	var me map[string]any
	if _, err := c.Do(ctx, req, &me); err != nil || me == nil {
		log.Debug("could not read the connected account", "error", err)
		return ""
	}
	id := &Identity{ID: jsonrec.Str(me["id"]), Email: jsonrec.Str(me["email"]), AccountID: jsonrec.Str(me["account_id"]), Role: jsonrec.Str(me["role_name"]),
		Name: strings.TrimSpace(jsonrec.Str(me["first_name"]) + " " + jsonrec.Str(me["last_name"]))}
	return id.String()
}
