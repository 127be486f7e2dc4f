package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestServeOAuthApp runs `zoomsim serve --oauth-app` and goes through the
// app it prints as a client would: the consent redirect (to a loopback
// redirect URL on another port, which Zoom accepts), the code exchange
// with PKCE, and an API call with the user's token.
func TestServeOAuthApp(t *testing.T) {
	lines := serveSimLines(t, 2, io.Discard, "--oauth-app", "--plan", "unlimited")
	cfg := lines[0]
	var app struct {
		ClientID     string   `json:"client_id"`
		ClientSecret string   `json:"client_secret"`
		RedirectURLs []string `json:"redirect_urls"`
		AuthorizeURL string   `json:"authorize_url"`
	}
	b, _ := json.Marshal(lines[1]["oauth_app"])
	if err := json.Unmarshal(b, &app); err != nil || app.ClientID == "" || app.ClientSecret == "" || app.AuthorizeURL == "" {
		t.Fatalf("second line is not the OAuth app: %v %s", err, b)
	}
	if !slices.Equal(app.RedirectURLs, []string{defaultOAuthRedirectURL}) || cfg["plan"] != "unlimited" {
		t.Fatalf("redirect URLs %q, plan %v", app.RedirectURLs, cfg["plan"])
	}
	redirect := "http://127.0.0.1:45678/oauth/callback"
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {redirect}, "state": {"st1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(app.AuthorizeURL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), redirect+"?") ||
		loc.Query().Get("state") != "st1" || loc.Query().Get("code") == "" {
		t.Fatalf("consent: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
	req, _ := http.NewRequest("POST", cfg["oauth_token_url"].(string), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(app.ClientID, app.ClientSecret)
	var tok struct{ AccessToken, RefreshToken string }
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&struct {
		AccessToken  *string `json:"access_token"`
		RefreshToken *string `json:"refresh_token"`
	}{&tok.AccessToken, &tok.RefreshToken})
	resp.Body.Close()
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("code exchange: HTTP %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", cfg["validation_url"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /users/me with the user's token: %d", resp.StatusCode)
	}
}

// TestServeDrivesConnectorServe is the README's walk-through as a test:
// `zoom-connector serve` with an oauth config; `zoomsim serve --oauth-app
// --webhook-target` (serve's /webhooks/zoom) validates that endpoint; the
// operator's `tenant invite site-a` link takes a browser through
// /connect/site-a and the consent redirect; read --tenant reads with the tenant's tokens; an event sent
// with POST /_sim/webhooks reaches serve (the answer says so), its store
// and read webhook_events.
func TestServeDrivesConnectorServe(t *testing.T) {
	simPort, servePort := freePort(t), freePort(t)
	simURL, serveURL := "http://127.0.0.1:"+simPort, "http://127.0.0.1:"+servePort
	dir := t.TempDir()
	_, key, _ := tokenstore.NewKey()
	db := filepath.Join(dir, "serve.db")
	env := map[string]string{tokenstore.EnvKey: key, connector.EnvStore: db}
	stdio := connector.IO{Stdin: strings.NewReader(""), Getenv: func(k string) string { return env[k] }}
	cfg := map[string]any{
		"api_base_url": simURL + "/v2", "oauth_token_url": simURL + "/oauth/token", "validation_url": simURL + "/v2/users/me",
		"plan": "unlimited", "webhook_secret_token": "walkthrough-secret",
		"auth": map[string]any{"auth_type": "oauth", "client_id": zoomsim.DefaultOAuthClientID, "client_secret": zoomsim.DefaultOAuthClientSecret},
	}
	cfgPath := filepath.Join(dir, "config.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	host := "127.0.0.1:" + simPort

	serveErr := startConnectorServe(t, stdio, "serve", "--config", cfgPath, "--allow-host", host, "--listen", "127.0.0.1:"+servePort,
		"--store", db, "--oauth-redirect-url", serveURL+"/oauth/callback")
	waitFor(t, "serve /healthz", func() bool { return get(serveURL+"/healthz") == http.StatusOK }, serveErr)
	simErr := &lockedBuffer{}
	simLines := serveSimLines(t, 2, simErr, "--addr", host, "--plan", "unlimited", "--oauth-app",
		"--webhook-target", serveURL+"/webhooks/zoom", "--webhook-secret", "walkthrough-secret")
	waitFor(t, "the endpoint validation", func() bool { return strings.Contains(simErr.String(), "validated") }, simErr)

	// The operator invites site-a's owner (serve refuses /connect without
	// an invitation), then the owner's browser opens the link.
	var invOut, invErr bytes.Buffer
	stdio.Stdout, stdio.Stderr = &invOut, &invErr
	if code := connector.Main(context.Background(), []string{"tenant", "invite", "site-a", "--config", cfgPath,
		"--oauth-redirect-url", serveURL + "/oauth/callback"}, stdio); code != 0 {
		t.Fatalf("tenant invite site-a: exit %d: %s", code, invErr.String())
	}
	link := strings.TrimSpace(invOut.String())
	if !strings.HasPrefix(link, serveURL+"/connect/site-a?invite=") {
		t.Fatalf("tenant invite site-a printed %q", link)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := browser.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := readBody(resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "connected to site-a") {
		t.Fatalf("connect: %d %s\nserve: %s", resp.StatusCode, page, serveErr)
	}

	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	stdio.Stdout, stdio.Stderr = &stdout, &stderr
	code := connector.Main(context.Background(), []string{"read", "--config", cfgPath, "--allow-host", host, "--tenant", "site-a",
		"--store", db, "--streams", "users", "--format", "jsonl", "--output", out}, stdio)
	if m, _ := filepath.Glob(filepath.Join(out, "users-*.jsonl")); code != 0 || len(m) == 0 {
		t.Fatalf("read --tenant site-a: exit %d, %d files\n%s", code, len(m), stderr.String())
	}

	// One event of the simulated account (site-a's) and one of another
	// account: site-a's read returns only its own.
	account, _ := simLines[0]["account_id"].(string)
	for _, ev := range []string{
		`{"event":"meeting.created","payload":{"account_id":"` + account + `","object":{"id":42,"topic":"by hand"}}}`,
		`{"event":"meeting.created","payload":{"account_id":"another-account","object":{"id":43,"topic":"not site-a's"}}}`,
	} {
		resp, err = http.Post(simURL+"/_sim/webhooks", "application/json", strings.NewReader(ev))
		if err != nil {
			t.Fatal(err)
		}
		var first zoomsim.WebhookDelivery
		_ = json.NewDecoder(resp.Body).Decode(&first)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || first.Event != "meeting.created" || first.Status/100 != 2 {
			t.Fatalf("POST /_sim/webhooks: %d %+v\nserve: %s", resp.StatusCode, first, serveErr)
		}
	}
	stdout.Reset()
	code = connector.Main(context.Background(), []string{"read", "--config", cfgPath, "--allow-host", host, "--tenant", "site-a",
		"--store", db, "--streams", "webhook_events"}, stdio)
	if code != 0 || account == "" || !strings.Contains(stdout.String(), `"topic":"by hand"`) || strings.Contains(stdout.String(), "not site-a's") {
		t.Fatalf("read --tenant site-a webhook_events (account %q): exit %d\n%s\n%s", account, code, stdout.String(), stderr.String())
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// startConnectorServe runs `zoom-connector serve` until the test ends and
// returns its stderr.
func startConnectorServe(t *testing.T, stdio connector.IO, args ...string) *lockedBuffer {
	t.Helper()
	errb := &lockedBuffer{}
	stdio.Stdout, stdio.Stderr = io.Discard, errb
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- connector.Main(ctx, args, stdio) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d: %s", code, errb)
		}
	})
	return errb
}

func get(u string) int {
	resp, err := http.Get(u)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond under a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool, logs fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\n%s", what, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readBody(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
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
