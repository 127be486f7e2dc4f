package serve

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

const (
	userAppID     = "serve-user-app"
	userAppSecret = "serve-user-SECRET-canary-9f2e"
)

// lockedBuffer is a bytes.Buffer safe for concurrent writes (logs).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// connectFixture is serve (httptest, SQLite store) with the connect flow
// on, and zoomsim with a user-authorized app.
type connectFixture struct {
	sim      *zoomsim.Server
	simBase  string
	serveURL string
	redirect string
	srv      *Server
	dbPath   string
	st       store.Store
	tokens   *store.TokenStore
	cipher   *tokenstore.Cipher
	tokenKey []byte
	sources  *zoomapi.TokenSources
	logs     *lockedBuffer
	clock    *fakeClock
	seen     *lockedBuffer // every header and body a browser received
	rotated  atomic.Int64
	onRotate atomic.Pointer[func(tenant, rt string) error]
}

type connectSetup struct {
	registered string // the app's registered redirect URI (default: serve's)
	redirect   string // serve's --oauth-redirect-url (default: serveURL/oauth/callback)
	tokenTTL   time.Duration
}

func newConnectFixture(t *testing.T, cs connectSetup) *connectFixture {
	t.Helper()
	f := &connectFixture{logs: &lockedBuffer{}, seen: &lockedBuffer{}, clock: &fakeClock{t: time.Now()}}
	var h atomic.Pointer[handlerBox]
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().h.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	f.serveURL = ts.URL
	f.redirect = cs.redirect
	if f.redirect == "" {
		f.redirect = ts.URL + CallbackPath
	}
	registered := cs.registered
	if registered == "" {
		registered = f.redirect
	}
	ttl := cs.tokenTTL
	if ttl == 0 {
		ttl = time.Hour
	}
	f.sim, f.simBase, _ = zoomsim.StartTest(t, zoomsim.Options{Dataset: "tiny", Seed: 7, TokenTTL: ttl})
	if err := f.sim.RegisterOAuthApp(zoomsim.UserApp{ClientID: userAppID, ClientSecret: userAppSecret, RedirectURIs: []string{registered}}); err != nil {
		t.Fatal(err)
	}
	f.dbPath = filepath.Join(t.TempDir(), "serve.db")
	st, err := store.Open(context.Background(), f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	k, _, _ := tokenstore.NewKey()
	f.tokenKey = k
	f.cipher, _ = tokenstore.NewCipher(k)
	inviteKey, err := InviteKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if f.tokens, err = store.NewTokenStore(st, f.cipher); err != nil {
		t.Fatal(err)
	}
	cfg := f.sim.Config(f.simBase)
	simHost := strings.TrimPrefix(f.simBase, "http://")
	f.sources = &zoomapi.TokenSources{New: func(tenant string) (zoomapi.TokenSource, error) {
		return zoomapi.NewUserTokenSource(zoomapi.UserOAuthConfig{
			TokenURL: cfg.OAuthTokenURL, ClientID: userAppID, ClientSecret: userAppSecret,
			Store: tokenstore.Tenant{Store: f.tokens, ID: tenant}, AllowHosts: []string{simHost},
			ReconnectHint: "reconnect this account: open /connect/" + tenant + " again",
			OnRotate: func(rt string) error {
				f.rotated.Add(1)
				if fn := f.onRotate.Load(); fn != nil {
					return (*fn)(tenant, rt)
				}
				return nil
			},
		})
	}}
	srv, err := New(Options{
		WebhookSecret: testSecret, Store: st, Now: f.clock.Now,
		Log: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Connect: &ConnectOptions{
			App:         &zoomapi.OAuthApp{TokenURL: cfg.OAuthTokenURL, ClientID: userAppID, ClientSecret: userAppSecret, AllowHosts: []string{simHost}},
			RedirectURL: f.redirect, Tokens: f.tokens, Sources: f.sources, InviteKey: inviteKey,
			Identify: ZoomIdentifier(cfg.APIBaseURL, []string{simHost}, nil),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	h.Store(&handlerBox{srv.Handler()})
	return f
}

// connectURL is the operator's invitation link for tenant (valid for the
// default time from the fixture's clock).
func (f *connectFixture) connectURL(t *testing.T, tenant string) string {
	t.Helper()
	link, _, err := MakeInvite(f.tokenKey, f.redirect, tenant, 0, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return link
}

// recorder keeps every response header a browser sees.
type recorder struct {
	rt   http.RoundTripper
	seen *lockedBuffer
}

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.rt.RoundTrip(req)
	if err == nil {
		fmt.Fprintf(r.seen, "%s %s -> %d %v\n", req.Method, req.URL.Path, resp.StatusCode, resp.Header)
	}
	return resp, err
}

// browser is an http.Client with its own cookie jar that follows
// redirects (through zoomsim's /oauth/authorize back to /oauth/callback).
func (f *connectFixture) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: recorder{http.DefaultTransport, f.seen}, Timeout: 30 * time.Second}
}

// noFollow is the same browser not following redirects.
func noFollow(b *http.Client) *http.Client {
	c := *b
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func (f *connectFixture) get(t *testing.T, c *http.Client, u string) (int, string, *http.Response) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(f.seen, "body %s\n", b)
	return resp.StatusCode, string(b), resp
}

// connect runs the whole flow for tenant in browser b.
func (f *connectFixture) connect(t *testing.T, b *http.Client, tenant string) {
	t.Helper()
	code, body, resp := f.get(t, b, f.connectURL(t, tenant))
	if code != http.StatusOK || !strings.Contains(body, "Connected") || resp.Request.URL.Path != CallbackPath {
		t.Fatalf("connect %s: %d at %s: %s\nlogs:\n%s", tenant, code, resp.Request.URL.Path, body, f.logs)
	}
}

// start runs /connect without following and returns the authorize URL.
func (f *connectFixture) start(t *testing.T, b *http.Client, tenant string) string {
	t.Helper()
	code, _, resp := f.get(t, noFollow(b), f.connectURL(t, tenant))
	loc := resp.Header.Get("Location")
	if code != http.StatusFound || !strings.HasPrefix(loc, f.simBase+"/oauth/authorize?") {
		t.Fatalf("connect %s: %d %q", tenant, code, loc)
	}
	return loc
}

// start2 is start for a given connect link.
func (f *connectFixture) start2(t *testing.T, b *http.Client, link string) string {
	t.Helper()
	code, _, resp := f.get(t, noFollow(b), link)
	loc := resp.Header.Get("Location")
	if code != http.StatusFound || !strings.HasPrefix(loc, f.simBase+"/oauth/authorize?") {
		t.Fatalf("connect %s: %d %q", link, code, loc)
	}
	return loc
}

// authorize follows the authorize URL to zoomsim and returns its redirect
// back to serve (not followed).
func (f *connectFixture) authorize(t *testing.T, authURL string) string {
	t.Helper()
	code, _, resp := f.get(t, noFollow(f.browser(t)), authURL)
	loc := resp.Header.Get("Location")
	if code != http.StatusFound || !strings.HasPrefix(loc, f.redirect+"?") {
		t.Fatalf("zoomsim authorize: %d %q", code, loc)
	}
	return loc
}

// assertNoTokens checks that no token or secret reached a browser or a log.
func (f *connectFixture) assertNoTokens(t *testing.T, extra ...string) {
	t.Helper()
	secrets := append([]string{userAppSecret}, f.sim.IssuedRefreshTokens()...)
	secrets = append(secrets, f.sim.IssuedTokens()...)
	secrets = append(secrets, extra...)
	if list, err := f.tokens.Tenants(context.Background()); err == nil {
		for _, ti := range list {
			if rec, err := f.tokens.Load(context.Background(), ti.Tenant); err == nil {
				secrets = append(secrets, rec.AccessToken, rec.RefreshToken)
			}
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(f.seen.String(), s) {
			t.Errorf("a browser saw a token or secret (%.8s...)", s)
		}
		if strings.Contains(f.logs.String(), s) {
			t.Errorf("the log holds a token or secret (%.8s...)", s)
		}
	}
}

func TestConnectTwoTenants(t *testing.T) {
	t.Parallel()
	f := newConnectFixture(t, connectSetup{})
	b := f.browser(t)
	f.connect(t, b, "site-a")
	f.connect(t, f.browser(t), "site-b")
	ctx := context.Background()
	ra, err := f.tokens.Load(ctx, "site-a")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := f.tokens.Load(ctx, "site-b")
	if err != nil || ra.RefreshToken == rb.RefreshToken || ra.AccessToken == "" {
		t.Fatalf("tokens: %v %v", rb, err)
	}
	acct, ok, err := f.tokens.Account(ctx, "site-a")
	if err != nil || !ok || acct.AccountID != f.sim.Config(f.simBase).AccountID || acct.UserID == "" {
		t.Fatalf("account of site-a: %+v %v %v", acct, ok, err)
	}
	if st := f.sim.UserOAuthStats(); st.Authorizations != 2 || st.CodeExchanges != 2 {
		t.Fatalf("sim stats: %+v", st)
	}
	// The browser's cookie: HttpOnly, Lax, not Secure on loopback http.
	_, _, resp := f.get(t, noFollow(b), f.connectURL(t, "site-c"))
	sc := resp.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") || !strings.Contains(sc, "Max-Age=600") || strings.Contains(sc, "Secure") {
		t.Errorf("cookie: %s", sc)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	// Each tenant's source works with its own tokens.
	for _, tn := range []string{"site-a", "site-b"} {
		src, err := f.srv.TenantTokenSource(tn)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := src.Token(ctx)
		rec, _ := f.tokens.Load(ctx, tn)
		if err != nil || tok.AccessToken != rec.AccessToken {
			t.Fatalf("%s: token %v", tn, err)
		}
	}
	// Reconnecting a tenant with the same Zoom account replaces its tokens.
	f.connect(t, b, "site-a")
	ra2, _ := f.tokens.Load(ctx, "site-a")
	if ra2.RefreshToken == ra.RefreshToken {
		t.Error("reconnect did not replace the tokens")
	}
	// A tenant connected to another Zoom account is not taken over.
	if err := f.tokens.SaveConnected(ctx, "site-x", &tokenstore.Record{RefreshToken: "rt-other"}, store.TenantAccount{AccountID: "OTHER", UserID: "u9"}); err != nil {
		t.Fatal(err)
	}
	code, body, _ := f.get(t, b, f.connectURL(t, "site-x"))
	if code != http.StatusConflict || !strings.Contains(body, "another Zoom account") {
		t.Errorf("takeover: %d %s", code, body)
	}
	if rec, _ := f.tokens.Load(ctx, "site-x"); rec == nil || rec.RefreshToken != "rt-other" {
		t.Error("takeover replaced the tokens")
	}
	f.assertNoTokens(t)
}

func TestConnectRefusals(t *testing.T) {
	t.Parallel()
	f := newConnectFixture(t, connectSetup{})
	ctx := context.Background()
	b := f.browser(t)

	// Invalid tenant ids.
	for _, bad := range []string{"a%20b", "-x", strings.Repeat("a", 65), "a%2Fb", "%C3%A9t%C3%A9"} {
		if code, _, _ := f.get(t, b, f.serveURL+"/connect/"+bad); code != http.StatusBadRequest && code != http.StatusNotFound {
			t.Errorf("tenant %q: %d", bad, code)
		}
	}
	// No state, unknown state.
	if code, body, _ := f.get(t, b, f.serveURL+CallbackPath+"?code=x"); code != http.StatusBadRequest || !strings.Contains(body, "authorization request") {
		t.Errorf("no state: %d %s", code, body)
	}
	if code, body, _ := f.get(t, b, f.serveURL+CallbackPath+"?code=x&state=forged"); code != http.StatusBadRequest || !strings.Contains(body, "unknown or was already used") {
		t.Errorf("unknown state: %d %s", code, body)
	}

	// A mismatched state: the redirect of one authorization with the state
	// changed. Nothing is exchanged.
	back := f.authorize(t, f.start(t, b, "site-m"))
	u, _ := url.Parse(back)
	q := u.Query()
	q.Set("state", q.Get("state")+"x")
	u.RawQuery = q.Encode()
	if code, _, _ := f.get(t, b, u.String()); code != http.StatusBadRequest {
		t.Errorf("mismatched state: %d", code)
	}

	// A reused state: the first redirect connects, the same again is refused.
	back = f.authorize(t, f.start(t, b, "site-r"))
	if code, body, _ := f.get(t, b, back); code != http.StatusOK {
		t.Fatalf("first use: %d %s", code, body)
	}
	rec, _ := f.tokens.Load(ctx, "site-r")
	if code, body, _ := f.get(t, b, back); code != http.StatusBadRequest || !strings.Contains(body, "already used") {
		t.Errorf("reused state: %d %s", code, body)
	}
	if rec2, _ := f.tokens.Load(ctx, "site-r"); rec2.RefreshToken != rec.RefreshToken {
		t.Error("a reused state changed the tokens")
	}

	// The redirect arrives in another browser (the link was sent to a
	// victim, or the code was intercepted): refused, and the state is not
	// used up, so the browser that started the flow still finishes it.
	back = f.authorize(t, f.start(t, b, "site-c"))
	other := f.browser(t)
	f.start(t, other, "site-z") // the other browser has its own cookie
	if code, body, _ := f.get(t, other, back); code != http.StatusForbidden || !strings.Contains(body, "another browser") {
		t.Errorf("cookie from another browser: %d %s", code, body)
	}
	if code, _, _ := f.get(t, b, back); code != http.StatusOK {
		t.Errorf("the starting browser after the other browser: %d", code)
	}
	back = f.authorize(t, f.start(t, b, "site-n"))
	nocookie := &http.Client{Transport: recorder{http.DefaultTransport, f.seen}}
	if code, body, _ := f.get(t, nocookie, back); code != http.StatusForbidden || !strings.Contains(body, "not started in this browser") {
		t.Errorf("no cookie: %d %s", code, body)
	}
	if _, err := f.tokens.Load(ctx, "site-n"); !errors.Is(err, tokenstore.ErrNotFound) {
		t.Errorf("site-n saved: %v", err)
	}

	// Zoom says access_denied (the person clicked Decline).
	authURL := f.start(t, b, "site-d")
	au, _ := url.Parse(authURL)
	denied := f.redirect + "?" + url.Values{"state": {au.Query().Get("state")}, "error": {"access_denied"}, "error_description": {"<script>alert(1)</script>"}}.Encode()
	if code, body, _ := f.get(t, b, denied); code != http.StatusForbidden || !strings.Contains(body, "not allowed on Zoom") || strings.Contains(body, "<script>") {
		t.Errorf("access_denied: %d %s", code, body)
	}
	authURL = f.start(t, b, "site-d")
	au, _ = url.Parse(authURL)
	failed := f.redirect + "?" + url.Values{"state": {au.Query().Get("state")}, "error": {"server_error"}}.Encode()
	if code, _, _ := f.get(t, b, failed); code != http.StatusBadGateway {
		t.Errorf("zoom error: %d", code)
	}

	// An expired authorization.
	back = f.authorize(t, f.start(t, b, "site-e"))
	f.clock.mu.Lock()
	f.clock.t = f.clock.t.Add(DefaultConnectLifetime + time.Second)
	f.clock.mu.Unlock()
	if code, body, _ := f.get(t, b, back); code != http.StatusBadRequest || !strings.Contains(body, "expired") {
		t.Errorf("expired: %d %s", code, body)
	}

	if st := f.sim.UserOAuthStats(); st.CodeExchanges != 2 {
		t.Errorf("code exchanges %d, want only the two good flows", st.CodeExchanges)
	}
	list, _ := f.tokens.Tenants(ctx)
	if len(list) != 2 || list[0].Tenant != "site-c" || list[1].Tenant != "site-r" {
		t.Errorf("tenants saved: %+v", list)
	}
	f.assertNoTokens(t)
}

// TestConnectRedirectMismatch: serve's redirect URL differs by one
// character from the registered one; Zoom refuses to redirect anywhere.
func TestConnectRedirectMismatch(t *testing.T) {
	t.Parallel()
	// Registered .../oauth/callbacks; serve sends .../oauth/callback.
	f := newConnectFixture(t, connectSetup{registered: "http://127.0.0.1/oauth/callbackz"})
	code, body, resp := f.get(t, f.browser(t), f.connectURL(t, "site-a"))
	if code != http.StatusBadRequest || !strings.Contains(body, "Invalid redirect") || !strings.HasPrefix(resp.Request.URL.String(), f.simBase) {
		t.Fatalf("mismatched redirect: %d at %s: %s", code, resp.Request.URL, body)
	}
	if st := f.sim.UserOAuthStats(); st.Authorizations != 0 || st.CodeExchanges != 0 {
		t.Errorf("stats: %+v", st)
	}
	// And a trailing slash.
	g := newConnectFixture(t, connectSetup{registered: "http://127.0.0.1/oauth/callback/"})
	if code, _, _ := g.get(t, g.browser(t), g.connectURL(t, "site-a")); code != http.StatusBadRequest {
		t.Errorf("trailing slash: %d", code)
	}
	if list, _ := g.tokens.Tenants(context.Background()); len(list) != 0 {
		t.Errorf("saved: %+v", list)
	}
	// serve refuses a redirect URL it cannot serve or that is not https.
	for _, bad := range []string{"http://example.com/oauth/callback", "https://example.com/callback", "https://u:p@example.com/oauth/callback", "https://example.com/oauth/callback#x", "/oauth/callback"} {
		if _, err := CheckRedirectURL(bad); err == nil {
			t.Errorf("redirect URL %q accepted", bad)
		}
	}
	if sec, err := CheckRedirectURL("https://connect.example.com/zoom/oauth/callback"); err != nil || !sec {
		t.Errorf("https redirect: %v %v", sec, err)
	}
}

// TestConnectConcurrentRefreshAndRotation: two concurrent token requests
// for one tenant make one refresh; the rotated refresh token is in the
// store (a new handle, as after a crash) before the access token is used.
func TestConnectConcurrentRefreshAndRotation(t *testing.T) {
	t.Parallel()
	// Access tokens live 2 minutes: a saved one is always refreshed first.
	f := newConnectFixture(t, connectSetup{tokenTTL: 2 * time.Minute})
	f.connect(t, f.browser(t), "site-a")
	ctx := context.Background()
	before, _ := f.tokens.Load(ctx, "site-a")

	// Another process's view of the same database.
	st2, err := store.Open(ctx, f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	other, _ := store.NewTokenStore(st2, f.cipher)
	var savedFirst atomic.Bool
	hook := func(tenant, rt string) error {
		rec, err := other.Load(ctx, tenant)
		if err != nil {
			return err
		}
		savedFirst.Store(rec.RefreshToken == rt && rt != before.RefreshToken)
		return nil
	}
	f.onRotate.Store(&hook)

	refreshes := f.sim.UserOAuthStats().Refreshes
	src, err := f.srv.TenantTokenSource("site-a")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	toks := make([]string, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := src.Token(ctx)
			errs[i] = err
			if err == nil {
				toks[i] = tok.AccessToken
			}
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || toks[0] != toks[1] || toks[0] == before.AccessToken {
		t.Fatalf("tokens: %v %v same=%v", errs[0], errs[1], toks[0] == toks[1])
	}
	if n := f.sim.UserOAuthStats().Refreshes - refreshes; n != 1 {
		t.Fatalf("%d refreshes for two concurrent callers, want 1", n)
	}
	if !savedFirst.Load() || f.rotated.Load() != 1 {
		t.Fatal("the rotated refresh token was not in the store before the access token was used")
	}
	// "Killed right after the refresh": a new process goes on with the
	// saved token; the old one no longer works at Zoom.
	f.onRotate.Store(nil)
	cfg := f.sim.Config(f.simBase)
	simHost := strings.TrimPrefix(f.simBase, "http://")
	fresh, _ := zoomapi.NewUserTokenSource(zoomapi.UserOAuthConfig{TokenURL: cfg.OAuthTokenURL, ClientID: userAppID, ClientSecret: userAppSecret,
		Store: tokenstore.Tenant{Store: other, ID: "site-a"}, AllowHosts: []string{simHost}})
	if _, err := fresh.Token(ctx); err != nil {
		t.Fatalf("next run: %v", err)
	}
	stale, _ := zoomapi.NewUserTokenSource(zoomapi.UserOAuthConfig{TokenURL: cfg.OAuthTokenURL, ClientID: userAppID, ClientSecret: userAppSecret,
		RefreshToken: before.RefreshToken, Store: memTokens{}, AllowHosts: []string{simHost}})
	var ae *zoomapi.AuthError
	if _, err := stale.Token(ctx); !errors.As(err, &ae) || ae.Kind != zoomapi.AuthInvalidGrant {
		t.Fatalf("the pre-refresh token still works: %v", err)
	}
	f.assertNoTokens(t)
}

// memTokens is a UserTokenStore that keeps nothing.
type memTokens struct{}

func (memTokens) LoadTokens(context.Context) (*zoomapi.UserTokens, error) { return nil, nil }
func (memTokens) SaveTokens(context.Context, *zoomapi.UserTokens) error   { return nil }

// TestConnectCrossTenantRow copies tenant A's row into tenant B's in the
// SQLite file: B's tokens do not open, with a clear error.
func TestConnectCrossTenantRow(t *testing.T) {
	t.Parallel()
	f := newConnectFixture(t, connectSetup{})
	f.connect(t, f.browser(t), "site-a")
	f.connect(t, f.browser(t), "site-b")
	db, err := sql.Open("sqlite", f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE tenant_tokens SET ciphertext = (SELECT ciphertext FROM tenant_tokens WHERE tenant = 'site-a'), key_id = (SELECT key_id FROM tenant_tokens WHERE tenant = 'site-a') WHERE tenant = 'site-b'`); err != nil {
		t.Fatal(err)
	}
	f.sources.Forget("site-b")
	src, _ := f.srv.TenantTokenSource("site-b")
	_, err = src.Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "does not decrypt for this tenant") || !strings.Contains(err.Error(), `"site-b"`) {
		t.Fatalf("copied row: %v", err)
	}
	if _, err := f.tokens.Load(context.Background(), "site-b"); !errors.Is(err, tokenstore.ErrWrongTenant) {
		t.Fatalf("load: %v", err)
	}
	f.assertNoTokens(t)
}

// TestConnectDeauthorized: app_deauthorized for the connected account
// deletes its tenants' tokens and forgets their token sources.
func TestConnectDeauthorized(t *testing.T) {
	t.Parallel()
	f := newConnectFixture(t, connectSetup{})
	f.connect(t, f.browser(t), "site-a")
	f.connect(t, f.browser(t), "site-b")
	ctx := context.Background()
	if err := f.tokens.SaveConnected(ctx, "site-o", &tokenstore.Record{RefreshToken: "rt-o"}, store.TenantAccount{AccountID: "OTHER"}); err != nil {
		t.Fatal(err)
	}
	acct, _, _ := f.tokens.Account(ctx, "site-a")
	src, _ := f.srv.TenantTokenSource("site-a")
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"event":"app_deauthorized","event_ts":%d,"payload":{"account_id":%q,"user_id":%q,"client_id":%q,"deauthorization_time":"2025-01-01T00:00:00Z","signature":"x"}}`,
		f.clock.Now().UnixMilli(), acct.AccountID, acct.UserID, userAppID)
	resp, _ := do(t, signed(t, f.serveURL, testSecret, f.clock.Now(), body))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("deauthorize: %d", resp.StatusCode)
	}
	for _, tn := range []string{"site-a", "site-b"} {
		if _, err := f.tokens.Load(ctx, tn); !errors.Is(err, tokenstore.ErrNotFound) {
			t.Errorf("%s tokens after deauthorization: %v", tn, err)
		}
	}
	if _, err := f.tokens.Load(ctx, "site-o"); err != nil {
		t.Errorf("another account's tenant deleted: %v", err)
	}
	// The source was forgotten: a new one finds no tokens.
	src2, _ := f.srv.TenantTokenSource("site-a")
	if src2 == src {
		t.Error("token source not forgotten")
	}
	var ae *zoomapi.AuthError
	if _, err := src2.Token(ctx); !errors.As(err, &ae) || ae.Kind != zoomapi.AuthInvalidGrant || !strings.Contains(err.Error(), "/connect/site-a") {
		t.Errorf("after deauthorization: %v", err)
	}
	// Redelivered: still 204, nothing else happens.
	resp, _ = do(t, signed(t, f.serveURL, testSecret, f.clock.Now(), body))
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("redelivery: %d", resp.StatusCode)
	}
	if !strings.Contains(f.logs.String(), "tenants=site-a,site-b") {
		t.Errorf("no log of the deleted tenants:\n%s", f.logs)
	}
	f.assertNoTokens(t)
}

func TestConnectOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	for _, p := range []string{"/connect/site-a", CallbackPath + "?state=x&code=y"} {
		if resp, _ := do(t, mustReq(t, f.ts.URL+p)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s without connect options: %d", p, resp.StatusCode)
		}
	}
	_, err := New(Options{WebhookSecret: "x", Store: f.store, Connect: &ConnectOptions{RedirectURL: "http://127.0.0.1/oauth/callback"}})
	if err == nil {
		t.Error("connect options without app, tokens or identify accepted")
	}
	// Without the connect flow, app_deauthorized still deletes the tokens
	// of tenants connected earlier.
	k, _, _ := tokenstore.NewKey()
	c, _ := tokenstore.NewCipher(k)
	tokens, _ := store.NewTokenStore(f.store, c)
	ctx := context.Background()
	if err := tokens.SaveConnected(ctx, "site-a", &tokenstore.Record{RefreshToken: "rt"}, store.TenantAccount{AccountID: "ACCX", UserID: "u1"}); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"event":"app_deauthorized","event_ts":%d,"payload":{"account_id":"ACCX","user_id":"u1","client_id":"c","deauthorization_time":"2025-01-01T00:00:00Z"}}`, f.clock.Now().UnixMilli())
	if resp, _ := do(t, signed(t, f.ts.URL, testSecret, f.clock.Now(), body)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("deauthorize: %d", resp.StatusCode)
	}
	if _, err := tokens.Load(ctx, "site-a"); !errors.Is(err, tokenstore.ErrNotFound) {
		t.Errorf("tokens after deauthorization without connect: %v", err)
	}
}

func mustReq(t *testing.T, u string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
