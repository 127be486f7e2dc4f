package connector

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

const (
	oauthClientID     = "oauth-user-app"
	oauthClientSecret = "oauth-SECRET-canary-31c7"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// oauthFixture is a simulator with a user-authorized app, an oauth config
// and a token key.
type oauthFixture struct {
	*simFixture
	key      string
	dir      string
	store    string
	cfgPath  string
	outputs  []string
	outputMu sync.Mutex
}

func startOAuth(t *testing.T, withStore bool) *oauthFixture {
	t.Helper()
	sf := startSim(t, zoomsim.Options{})
	if err := sf.sim.RegisterOAuthApp(zoomsim.UserApp{ClientID: oauthClientID, ClientSecret: oauthClientSecret,
		RedirectURIs: []string{"http://127.0.0.1" + RedirectPath}}); err != nil {
		t.Fatal(err)
	}
	_, key, _ := tokenstore.NewKey()
	f := &oauthFixture{simFixture: sf, key: key, dir: t.TempDir()}
	auth := map[string]any{"auth_type": "oauth", "client_id": oauthClientID, "client_secret": oauthClientSecret}
	if withStore {
		f.store = filepath.Join(f.dir, "tokens.json")
		auth["token_store"] = f.store
	}
	cfg := with(sf.cfg, "account_id", nil, "client_id", nil, "client_secret", nil, "auth", auth)
	f.cfgPath = writeConfig(t, cfg)
	return f
}

func (f *oauthFixture) getenv(k string) string {
	if k == tokenstore.EnvKey {
		return f.key
	}
	return ""
}

// start runs a command in the background; wait returns its exit code.
func (f *oauthFixture) start(args ...string) (stdout, stderr *syncBuffer, wait func() int) {
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	codeCh := make(chan int, 1)
	go func() {
		codeCh <- Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr, Getenv: f.getenv})
	}()
	return stdout, stderr, func() int {
		c := <-codeCh
		f.outputMu.Lock()
		f.outputs = append(f.outputs, stdout.String(), stderr.String())
		f.outputMu.Unlock()
		return c
	}
}

func (f *oauthFixture) run(args ...string) runResult {
	out, errb, wait := f.start(args...)
	code := wait()
	return runResult{code, out.String(), errb.String()}
}

var authURLRe = regexp.MustCompile(`http://\S+/oauth/authorize\?\S+`)

// printedURL waits for the authorize URL on stdout.
func printedURL(t *testing.T, out *syncBuffer) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := authURLRe.FindString(out.String()); m != "" {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no authorize URL printed: %q", out.String())
	return ""
}

func (f *oauthFixture) authorizeArgs(extra ...string) []string {
	return append([]string{"authorize", "--config", f.cfgPath, "--allow-host", f.host, "--redirect-port", "0", "--no-browser"}, extra...)
}

// authorize runs the whole flow, the test acting as the browser with the
// default client, which follows Zoom's redirect to the loopback listener.
func (f *oauthFixture) authorize(t *testing.T, extra ...string) runResult {
	t.Helper()
	out, errb, wait := f.start(f.authorizeArgs(extra...)...)
	resp, err := http.Get(printedURL(t, out))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code := wait()
	if code != ExitOK || resp.StatusCode != http.StatusOK {
		t.Fatalf("authorize: exit %d, browser saw %d\nstdout: %s\nstderr: %s", code, resp.StatusCode, out, errb)
	}
	return runResult{code, out.String(), errb.String()}
}

// assertNoSecrets checks every output of the fixture's commands for the
// client secret and every token the simulator issued.
func (f *oauthFixture) assertNoSecrets(t *testing.T, extra ...string) {
	t.Helper()
	secrets := append([]string{oauthClientSecret, base64.StdEncoding.EncodeToString([]byte(oauthClientID + ":" + oauthClientSecret))},
		f.sim.IssuedRefreshTokens()...)
	secrets = append(secrets, f.sim.IssuedTokens()...)
	f.outputMu.Lock()
	defer f.outputMu.Unlock()
	for _, out := range append(f.outputs, extra...) {
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, `"type":"CONTROL"`) {
				continue // carries the config in clear by design (Airbyte protocol)
			}
			for _, s := range secrets {
				if strings.Contains(line, s) {
					t.Errorf("secret %.10s… in output line %q", s, line)
				}
			}
		}
	}
}

func TestAuthorizeEndToEndWithTokenStore(t *testing.T) {
	f := startOAuth(t, true)
	t.Setenv(tokenstore.EnvKey, f.key) // check-credentials reads the key from the process environment
	res := f.authorize(t)
	if !strings.Contains(res.stdout, "Saved the account's refresh token to the token store") || !strings.Contains(res.stdout, "Connected Zoom account:") {
		t.Errorf("stdout %s", res.stdout)
	}
	u, _ := url.Parse(authURLRe.FindString(res.stdout))
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("state") == "" || !strings.HasPrefix(q.Get("redirect_uri"), "http://127.0.0.1:") {
		t.Errorf("authorize URL %s", u)
	}
	raw, _ := os.ReadFile(f.store)
	for _, rt := range f.sim.IssuedRefreshTokens() {
		if strings.Contains(string(raw), rt) {
			t.Error("refresh token in clear in the token store")
		}
	}
	// check-credentials uses the access token authorize saved: no refresh.
	chk := f.run("check-credentials", "--config", f.cfgPath, "--allow-host", f.host)
	if chk.code != ExitOK || !strings.Contains(chk.stdout, "credentials work") {
		t.Fatalf("check-credentials: %d\n%s\n%s", chk.code, chk.stdout, chk.stderr)
	}
	// A second check reuses the saved access token; after expiry it
	// refreshes with the rotated refresh token from the store.
	if chk := f.run("check-credentials", "--config", f.cfgPath, "--allow-host", f.host); chk.code != ExitOK {
		t.Fatalf("second check: %s", chk.stdout)
	}
	f.sim.ExpireTokens()
	ts, _ := tokenstore.OpenFileStore(f.store, f.getenv)
	rec, _ := ts.Load(context.Background(), tokenstore.DefaultTenant)
	rec.Expiry = time.Now().Add(-time.Minute)
	_ = ts.Save(context.Background(), tokenstore.DefaultTenant, rec)
	if chk := f.run("check-credentials", "--config", f.cfgPath, "--allow-host", f.host); chk.code != ExitOK {
		t.Fatalf("check after expiry: %s", chk.stdout)
	}
	if st := f.sim.UserOAuthStats(); st.CodeExchanges != 1 || st.Refreshes != 1 || st.Refused != 0 {
		t.Errorf("stats %+v", st)
	}
	// read with the oauth config.
	rd := f.run("read", "--config", f.cfgPath, "--allow-host", f.host, "--streams", "users")
	if rd.code != ExitOK || !strings.Contains(rd.stdout, `"type":"RECORD"`) {
		t.Errorf("read: %d %s", rd.code, rd.stderr)
	}
	f.assertNoSecrets(t)
}

func TestAuthorizeToConfigFile(t *testing.T) {
	t.Parallel()
	f := startOAuth(t, false)
	res := f.authorize(t)
	if !strings.Contains(res.stdout, "the config file") {
		t.Errorf("stdout %s", res.stdout)
	}
	cfg, _, err := config.Load(f.cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	issued := f.sim.IssuedRefreshTokens()
	if len(issued) != 1 || cfg.RefreshToken.Reveal() != issued[0] {
		t.Fatal("config file does not hold the issued refresh token")
	}
	// The config-file refresh token rotates into the config file.
	d := DiagnoseWith(context.Background(), cfg, ClientOptions{AllowHosts: []string{f.host}, ConfigPath: f.cfgPath})
	if !d.OK {
		t.Fatalf("diagnose: %s", d.Summary)
	}
	cfg2, _, _ := config.Load(f.cfgPath, nil)
	issued = f.sim.IssuedRefreshTokens()
	if cfg2.RefreshToken.Reveal() != issued[len(issued)-1] || cfg2.RefreshToken == cfg.RefreshToken {
		t.Error("rotated refresh token not written to the config file")
	}
	// The old config (refresh token used up) now gets a clear reconnect error.
	d = DiagnoseWith(context.Background(), cfg, ClientOptions{AllowHosts: []string{f.host}, ConfigPath: f.cfgPath})
	if d.OK || d.Problem != ProblemReconnect || !strings.Contains(d.Summary, "zoom-connector authorize --config "+f.cfgPath) {
		t.Errorf("used-up refresh token: %+v", d.Summary)
	}
	// Without anywhere to save a rotation, the client refuses up front.
	if _, err := NewClient(cfg2, []string{f.host}, nil); err == nil || !strings.Contains(err.Error(), "token_store") {
		t.Errorf("no place to save: %v", err)
	}
	f.assertNoSecrets(t, d.Summary)
}

func TestAuthorizeRefusesMismatchedState(t *testing.T) {
	t.Parallel()
	f := startOAuth(t, true)
	out, errb, wait := f.start(f.authorizeArgs()...)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(printedURL(t, out))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	q.Set("state", "forged-"+q.Get("state")[7:])
	loc.RawQuery = q.Encode()
	cb, err := http.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	cb.Body.Close()
	if code := wait(); code != ExitFail || cb.StatusCode != http.StatusBadRequest || !strings.Contains(errb.String(), "state does not match") {
		t.Errorf("exit %d, browser %d, stderr %s", code, cb.StatusCode, errb)
	}
	if st := f.sim.UserOAuthStats(); st.CodeExchanges != 0 || st.Refused != 0 {
		t.Errorf("the code was exchanged: %+v", st)
	}
	if _, err := os.Stat(f.store); err == nil {
		t.Error("something was saved")
	}
}

func TestAuthorizeRefusesWrongVerifier(t *testing.T) {
	t.Parallel()
	f := startOAuth(t, true)
	out, errb, wait := f.start(f.authorizeArgs()...)
	// A tampered challenge (as an attacker who injects its own code would
	// cause): the command's verifier no longer matches the code.
	u, _ := url.Parse(printedURL(t, out))
	q := u.Query()
	q.Set("code_challenge", strings.Repeat("A", 43))
	u.RawQuery = q.Encode()
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := wait(); code != ExitFail || resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(errb.String(), "code exchange failed") || !strings.Contains(errb.String(), "code verifier") {
		t.Errorf("exit %d, browser %d, stderr %s", code, resp.StatusCode, errb)
	}
	if st := f.sim.UserOAuthStats(); st.Refused != 1 || st.CodeExchanges != 0 {
		t.Errorf("stats %+v", st)
	}
	f.assertNoSecrets(t)
}

func TestAuthorizeUsageErrors(t *testing.T) {
	t.Parallel()
	f := startOAuth(t, true)
	// The authorize host must pass the allow-list like the token host.
	if r := f.run("authorize", "--config", f.cfgPath, "--redirect-port", "0", "--no-browser"); r.code != ExitUsage || !strings.Contains(r.stderr, "not allowed") {
		t.Errorf("without --allow-host: %d %s", r.code, r.stderr)
	}
	s2s := writeConfig(t, f.cfg)
	if r := f.run("authorize", "--config", s2s, "--allow-host", f.host, "--no-browser"); r.code != ExitUsage || !strings.Contains(r.stderr, "oauth") {
		t.Errorf("S2S config: %d %s", r.code, r.stderr)
	}
	noKey := runMain(t, f.authorizeArgs()...)
	if noKey.code != ExitUsage || !strings.Contains(noKey.stderr, tokenstore.EnvKey) {
		t.Errorf("no key: %d %s", noKey.code, noKey.stderr)
	}
}

func TestTenantsAndCrossTenantRecord(t *testing.T) {
	t.Parallel()
	f := startOAuth(t, true)
	f.authorize(t, "--tenant", "site-a")
	f.authorize(t, "--tenant", "site-b")
	cfg, _, err := config.Load(f.cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := func(tenant string) ClientOptions {
		return ClientOptions{AllowHosts: []string{f.host}, Tenant: tenant, ConfigPath: f.cfgPath, Getenv: f.getenv}
	}
	for _, tenant := range []string{"site-a", "site-b"} {
		if d := DiagnoseWith(context.Background(), cfg, opts(tenant)); !d.OK {
			t.Errorf("%s: %s", tenant, d.Summary)
		}
	}
	// Copy site-a's sealed record into a third tenant's slot.
	raw, _ := os.ReadFile(f.store)
	var doc map[string]any
	_ = json.Unmarshal(raw, &doc)
	tenants := doc["tenants"].(map[string]any)
	tenants["site-c"] = tenants["site-a"]
	raw, _ = json.Marshal(doc)
	_ = os.WriteFile(f.store, raw, 0o600)
	d := DiagnoseWith(context.Background(), cfg, opts("site-c"))
	if d.OK || d.Problem != ProblemTokenStore || !strings.Contains(d.Summary, "copied from another tenant") {
		t.Errorf("cross-tenant record: %s (%s)", d.Summary, d.Problem)
	}
	if d := DiagnoseWith(context.Background(), cfg, opts("nobody")); d.OK || d.Problem != ProblemReconnect {
		t.Errorf("unknown tenant: %s (%s)", d.Summary, d.Problem)
	}
	f.assertNoSecrets(t, d.Summary)
}

func TestAirbyteRotationControlMessage(t *testing.T) {
	t.Parallel()
	f := startOAuth(t, false)
	f.authorize(t)
	cfg, _, _ := config.Load(f.cfgPath, nil)
	var out bytes.Buffer
	rot := &AirbyteRotation{ConfigPath: f.cfgPath}
	_ = rot.Writer(&out)
	if (*AirbyteRotation)(nil).Writer(&bytes.Buffer{}) == nil {
		t.Error("nil rotation gives no writer")
	}
	before, _ := os.ReadFile(f.cfgPath)
	d := DiagnoseWith(context.Background(), cfg, ClientOptions{AllowHosts: []string{f.host}, ConfigPath: f.cfgPath, Airbyte: rot})
	if !d.OK {
		t.Fatal(d.Summary)
	}
	var msg struct {
		Type    string `json:"type"`
		Control struct {
			Type            string `json:"type"`
			ConnectorConfig struct {
				Config map[string]any `json:"config"`
			} `json:"connectorConfig"`
		} `json:"control"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &msg); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	issued := f.sim.IssuedRefreshTokens()
	auth, _ := msg.Control.ConnectorConfig.Config["auth"].(map[string]any)
	if msg.Type != "CONTROL" || msg.Control.Type != "CONNECTOR_CONFIG" || auth["refresh_token"] != issued[len(issued)-1] ||
		auth["client_secret"] != oauthClientSecret || msg.Control.ConnectorConfig.Config["api_base_url"] == nil {
		t.Errorf("control message %s", out.String())
	}
	// In Airbyte mode the platform keeps the config: the file is not rewritten.
	if after, _ := os.ReadFile(f.cfgPath); !bytes.Equal(before, after) {
		t.Error("config file rewritten in Airbyte mode")
	}
	// An unbound rotation keeps the access token unused.
	unbound := &AirbyteRotation{ConfigPath: f.cfgPath}
	cfg3, _, _ := config.Load(f.cfgPath, nil)
	cfg3.RefreshToken = config.Secret(issued[len(issued)-1])
	d = DiagnoseWith(context.Background(), cfg3, ClientOptions{AllowHosts: []string{f.host}, Airbyte: unbound})
	if d.OK || d.Problem != ProblemTokenStore {
		t.Errorf("unbound: %s", d.Summary)
	}
}
