package zoomapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

const (
	userClientID     = "user-app-id"
	userClientSecret = "user-app-SECRET-canary-5d1e"
	userRedirect     = "https://connector.example.com/oauth/callback"
)

// userSim is a simulator with a user-authorized OAuth app, on a fake clock.
type userSim struct {
	sim   *zoomsim.Server
	base  string
	host  string
	clock *fakeClock
}

func startUserSim(t *testing.T) *userSim {
	t.Helper()
	clock := newFakeClock()
	s, err := zoomsim.NewServer(zoomsim.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RegisterOAuthApp(zoomsim.UserApp{ClientID: userClientID, ClientSecret: userClientSecret,
		RedirectURIs: []string{userRedirect, "http://127.0.0.1/oauth/callback"}}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	return &userSim{sim: s, base: ts.URL, host: u.Host, clock: clock}
}

func (u *userSim) app() *OAuthApp {
	return &OAuthApp{TokenURL: u.base + "/oauth/token", ClientID: userClientID, ClientSecret: userClientSecret,
		AllowHosts: []string{u.host}, Now: u.clock.Now}
}

// consent follows the authorize URL like a browser whose user clicks
// "Allow", without following the redirect, and returns its query.
func consent(t *testing.T, authURL string) (url.Values, int) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, resp.StatusCode
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query(), resp.StatusCode
}

// memTokens is an in-memory UserTokenStore whose saves can be made to fail.
type memTokens struct {
	mu    sync.Mutex
	t     *UserTokens
	fail  error
	saves int
}

func (m *memTokens) LoadTokens(context.Context) (*UserTokens, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.t == nil {
		return nil, nil
	}
	c := *m.t
	return &c, nil
}

func (m *memTokens) SaveTokens(_ context.Context, t *UserTokens) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	c := *t
	m.t = &c
	m.saves++
	return nil
}

// connect runs the whole flow and returns the tokens.
func (u *userSim) connect(t *testing.T) *UserTokens {
	t.Helper()
	app := u.app()
	p, err := app.Start(userRedirect)
	if err != nil {
		t.Fatal(err)
	}
	q, status := consent(t, p.URL)
	if q == nil {
		t.Fatalf("authorize answered %d", status)
	}
	code, err := p.Code(q)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := app.Exchange(context.Background(), p, code)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (u *userSim) source(t *testing.T, refresh string, store UserTokenStore, onRotate func(string) error) *userSource {
	t.Helper()
	s, err := newUserSource(UserOAuthConfig{TokenURL: u.base + "/oauth/token", ClientID: userClientID, ClientSecret: userClientSecret,
		RefreshToken: refresh, Store: store, OnRotate: onRotate, AllowHosts: []string{u.host}, Now: u.clock.Now}, &redactor{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (u *userSim) client(t *testing.T, ts TokenSource) *Client {
	t.Helper()
	c, err := New(Config{APIBaseURL: u.base + "/v2", TokenSource: ts, AllowHosts: []string{u.host}, MaxRetries: -1, Now: u.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func getMe(ctx context.Context, c *Client) error {
	_, err := c.Do(ctx, c.NewRequest(http.MethodGet, "/users/me", nil, nil), nil)
	return err
}

func TestAuthorizeURLShape(t *testing.T) {
	t.Parallel()
	app := &OAuthApp{ClientID: "cid", ClientSecret: "sec"}
	p, err := app.Start("http://127.0.0.1:8765/oauth/callback")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(p.URL)
	q := u.Query()
	if u.Scheme+"://"+u.Host+u.Path != DefaultAuthorizeURL || q.Get("response_type") != "code" || q.Get("client_id") != "cid" ||
		q.Get("redirect_uri") != p.RedirectURI || q.Get("state") != p.State || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("code_challenge") == p.Verifier || len(p.State) < 32 {
		t.Errorf("authorize URL %s", p.URL)
	}
	if strings.Contains(p.URL, p.Verifier) || strings.Contains(p.String(), p.State) {
		t.Error("verifier in the URL or state in String")
	}
	if got := AuthorizeURLFor("http://127.0.0.1:9/oauth/token"); got != "http://127.0.0.1:9/oauth/authorize" {
		t.Errorf("AuthorizeURLFor = %s", got)
	}
	// The authorize host passes the same allow-list as the token host.
	if _, err := (&OAuthApp{ClientID: "c", ClientSecret: "s", AuthorizeURL: "https://zoom.us.evil.example/oauth/authorize"}).Start(userRedirect); !errors.Is(err, ErrHostNotAllowed) {
		t.Errorf("look-alike authorize host: %v", err)
	}
	if _, err := app.Start("http://192.0.2.1/cb"); err == nil {
		t.Error("plain http non-loopback redirect accepted")
	}
}

func TestUserOAuthFlowEndToEnd(t *testing.T) {
	t.Parallel()
	u := startUserSim(t)
	tok := u.connect(t)
	if tok.RefreshToken == "" || tok.AccessToken == "" || tok.Scope == "" {
		t.Fatalf("tokens %+v", tok.Scope)
	}
	// The access token from the code works on the API.
	if err := getMe(context.Background(), u.client(t, StaticTokenSource(toOAuth2(tok)))); err != nil {
		t.Fatal(err)
	}
	// A refresh-token source goes on from the refresh token.
	store := &memTokens{}
	src := u.source(t, tok.RefreshToken, store, nil)
	if err := getMe(context.Background(), u.client(t, src)); err != nil {
		t.Fatal(err)
	}
	st := u.sim.UserOAuthStats()
	if st.Authorizations != 1 || st.CodeExchanges != 1 || st.Refreshes != 1 {
		t.Errorf("stats %+v", st)
	}
	if store.t == nil || store.t.RefreshToken == tok.RefreshToken {
		t.Error("rotated refresh token not saved")
	}
	// The rotated-out refresh token no longer works.
	old := u.source(t, tok.RefreshToken, nil, nil)
	_, err := old.Token(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Kind != AuthInvalidGrant || !strings.Contains(err.Error(), "reconnect this account") {
		t.Errorf("old refresh token: %v", err)
	}
}

func TestUserOAuthRefusals(t *testing.T) {
	t.Parallel()
	u := startUserSim(t)
	app := u.app()
	ctx := context.Background()
	start := func() (*PendingAuth, url.Values) {
		p, err := app.Start(userRedirect)
		if err != nil {
			t.Fatal(err)
		}
		q, status := consent(t, p.URL)
		if q == nil {
			t.Fatalf("authorize answered %d", status)
		}
		return p, q
	}
	invalidGrant := func(name string, err error) {
		t.Helper()
		var ae *AuthError
		if !errors.As(err, &ae) || ae.Kind != AuthInvalidGrant {
			t.Errorf("%s: want invalid_grant, got %v", name, err)
		}
	}

	t.Run("mismatched state", func(t *testing.T) {
		p, q := start()
		q.Set("state", p.State[:len(p.State)-1]+"x")
		if _, err := p.Code(q); !errors.Is(err, ErrStateMismatch) {
			t.Errorf("got %v", err)
		}
		q.Del("state")
		if _, err := p.Code(q); !errors.Is(err, ErrStateMismatch) {
			t.Errorf("missing state: %v", err)
		}
	})
	t.Run("wrong code verifier", func(t *testing.T) {
		p, q := start()
		code, _ := p.Code(q)
		bad := *p
		bad.Verifier = p.Verifier[:len(p.Verifier)-1] + "A"
		if bad.Verifier == p.Verifier {
			bad.Verifier = p.Verifier[:len(p.Verifier)-1] + "B"
		}
		_, err := app.Exchange(ctx, &bad, code)
		invalidGrant("wrong verifier", err)
		// The code is burnt by the failed attempt.
		_, err = app.Exchange(ctx, p, code)
		invalidGrant("after a failed attempt", err)
	})
	t.Run("reused code", func(t *testing.T) {
		p, q := start()
		code, _ := p.Code(q)
		tok, err := app.Exchange(ctx, p, code)
		if err != nil {
			t.Fatal(err)
		}
		_, err = app.Exchange(ctx, p, code)
		invalidGrant("reused code", err)
		// Reuse revokes what the code granted.
		_, err = u.source(t, tok.RefreshToken, nil, nil).Token(ctx)
		invalidGrant("refresh token of a reused code", err)
	})
	t.Run("redirect URI one character off", func(t *testing.T) {
		p, err := app.Start(userRedirect + "x")
		if err != nil {
			t.Fatal(err)
		}
		if q, status := consent(t, p.URL); q != nil || status != http.StatusBadRequest {
			t.Errorf("authorize redirected to an unregistered URI: %v %d", q, status)
		}
		// And at the exchange: the redirect_uri must equal the authorize one.
		p, q := start()
		code, _ := p.Code(q)
		bad := *p
		bad.RedirectURI = strings.Replace(userRedirect, "callback", "callbacK", 1)
		_, err = app.Exchange(ctx, &bad, code)
		invalidGrant("exchange redirect_uri", err)
	})
	t.Run("loopback port is ignored", func(t *testing.T) {
		p, err := app.Start("http://127.0.0.1:54321/oauth/callback")
		if err != nil {
			t.Fatal(err)
		}
		if q, status := consent(t, p.URL); q == nil {
			t.Errorf("loopback with a port refused: %d", status)
		}
	})
	t.Run("unknown client", func(t *testing.T) {
		other := *app
		other.ClientID = "nope"
		p, _ := other.Start(userRedirect)
		if q, status := consent(t, p.URL); q != nil || status != http.StatusBadRequest {
			t.Errorf("unknown client: %d", status)
		}
	})
}

func TestUserOAuthExpiredCode(t *testing.T) {
	t.Parallel()
	u := startUserSim(t)
	app := u.app()
	p, _ := app.Start(userRedirect)
	q, _ := consent(t, p.URL)
	code, err := p.Code(q)
	if err != nil {
		t.Fatal(err)
	}
	u.clock.Advance(5*time.Minute + time.Second)
	_, err = app.Exchange(context.Background(), p, code)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Kind != AuthInvalidGrant || !strings.Contains(ae.Reason, "expired") {
		t.Errorf("expired code: %v", err)
	}
	// A pending authorization also expires on the client side.
	u.clock.Advance(DefaultAuthLifetime)
	if _, err := app.Exchange(context.Background(), p, code); !errors.Is(err, ErrAuthExpired) {
		t.Errorf("expired pending auth: %v", err)
	}
}

func TestUserTokenSourceSingleFlight(t *testing.T) {
	t.Parallel()
	u := startUserSim(t)
	tok := u.connect(t)
	src := u.source(t, tok.RefreshToken, &memTokens{}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := src.Token(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := u.sim.UserOAuthStats().Refreshes; n != 1 {
		t.Errorf("%d refreshes for 16 concurrent callers, want 1", n)
	}
	// Many workers hitting 401 with the same stale token: one refresh.
	stale, _ := src.Token(context.Background())
	u.sim.ExpireTokens()
	c := u.client(t, src)
	var wg2 sync.WaitGroup
	for range 8 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			if err := getMe(context.Background(), c); err != nil {
				t.Error(err)
			}
		}()
	}
	wg2.Wait()
	if n := u.sim.UserOAuthStats().Refreshes; n != 2 {
		t.Errorf("%d refreshes after one expiry, want 2", n)
	}
	if now, _ := src.Token(context.Background()); now.AccessToken == stale.AccessToken {
		t.Error("stale token kept")
	}
}

func TestUserTokenSourceSavesBeforeUse(t *testing.T) {
	t.Parallel()
	u := startUserSim(t)
	tok := u.connect(t)
	store := &memTokens{fail: errors.New("disk full")}
	var rotated []string
	src := u.source(t, tok.RefreshToken, store, func(r string) error { rotated = append(rotated, r); return nil })
	c := u.client(t, src)
	before := u.sim.Counters().Snapshot().TotalRequests
	err := getMe(context.Background(), c)
	if !errors.Is(err, ErrTokensNotSaved) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("want ErrTokensNotSaved, got %v", err)
	}
	if after := u.sim.Counters().Snapshot().TotalRequests; after != before {
		t.Errorf("the unsaved access token was used: %d API requests", after-before)
	}
	if len(rotated) != 0 {
		t.Error("OnRotate ran before the store saved")
	}
	// Fixed store: the pending tokens are saved and used, no new refresh.
	store.mu.Lock()
	store.fail = nil
	store.mu.Unlock()
	if err := getMe(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if n := u.sim.UserOAuthStats().Refreshes; n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if store.t == nil || len(rotated) != 1 || rotated[0] != store.t.RefreshToken {
		t.Errorf("saved %v, rotated %d", store.t != nil, len(rotated))
	}
	// OnRotate failing also keeps the access token unused.
	src2 := u.source(t, store.t.RefreshToken, nil, func(string) error { return errors.New("stdout closed") })
	if _, err := src2.Token(context.Background()); !errors.Is(err, ErrTokensNotSaved) {
		t.Errorf("OnRotate error: %v", err)
	}
}

func TestUserTokenSourceRestartGoesOn(t *testing.T) {
	t.Parallel()
	u := startUserSim(t)
	tok := u.connect(t)
	store := &memTokens{}
	ctx := context.Background()
	// First run: one refresh, then the process "dies".
	first := u.source(t, tok.RefreshToken, store, nil)
	if _, err := first.Token(ctx); err != nil {
		t.Fatal(err)
	}
	_ = first // discarded: only the store survives
	// Next run: built from the store (the config still holds the first,
	// now dead, refresh token). It reuses the saved access token...
	second := u.source(t, tok.RefreshToken, store, nil)
	if err := getMe(ctx, u.client(t, second)); err != nil {
		t.Fatal(err)
	}
	if n := u.sim.UserOAuthStats().Refreshes; n != 1 {
		t.Errorf("refreshed again although the saved access token is valid: %d", n)
	}
	// ...and refreshes with the saved, rotated refresh token when it expires.
	u.clock.Advance(2 * time.Hour)
	u.sim.ExpireTokens()
	if err := getMe(ctx, u.client(t, second)); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := u.sim.UserOAuthStats().Refreshes; n != 2 {
		t.Errorf("refreshes %d, want 2", n)
	}
}

func TestUserTokenSourceInvalidGrantIsSticky(t *testing.T) {
	t.Parallel()
	u := startUserSim(t)
	tok := u.connect(t)
	// Revoke the refresh token (POST /oauth/revoke).
	req, _ := http.NewRequest(http.MethodPost, u.base+"/oauth/revoke?token="+url.QueryEscape(tok.RefreshToken), nil)
	req.SetBasicAuth(userClientID, userClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if u.sim.UserOAuthStats().Revocations != 1 {
		t.Fatal("revocation not counted")
	}
	src := u.source(t, tok.RefreshToken, nil, nil)
	for range 3 {
		_, err := src.Token(context.Background())
		var ae *AuthError
		if !errors.As(err, &ae) || ae.Kind != AuthInvalidGrant || ae.Temporary() {
			t.Fatalf("got %v", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "reconnect this account") || !strings.Contains(msg, "zoom-connector authorize") {
			t.Errorf("message %q", msg)
		}
		for _, secret := range []string{userClientSecret, tok.RefreshToken, tok.AccessToken} {
			if strings.Contains(msg, secret) {
				t.Errorf("secret in %q", msg)
			}
		}
	}
	if st := u.sim.UserOAuthStats(); st.Refused != 1 {
		t.Errorf("%d refused refreshes: invalid_grant was retried", st.Refused)
	}
	if _, err := NewUserTokenSource(UserOAuthConfig{ClientID: "a", ClientSecret: "b"}); err == nil || !strings.Contains(err.Error(), "reconnect") {
		t.Errorf("no refresh token: %v", err)
	}
}

func TestTokenSourcesOnePerTenant(t *testing.T) {
	t.Parallel()
	built := 0
	p := &TokenSources{New: func(string) (TokenSource, error) { built++; return StaticTokenSource(nil), nil }}
	a1, _ := p.Get("a")
	a2, _ := p.Get("a")
	_, _ = p.Get("b")
	if a1 != a2 || built != 2 {
		t.Errorf("built %d", built)
	}
	p.Forget("a")
	_, _ = p.Get("a")
	if built != 3 {
		t.Errorf("built %d after Forget", built)
	}
}

func toOAuth2(t *UserTokens) *oauth2.Token {
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer"}
}
