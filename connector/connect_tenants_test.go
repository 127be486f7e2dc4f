package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestServeConnectTenantsThenReadWrite runs `serve --oauth-redirect-url`,
// connects two tenants through /connect/{tenant} (a browser with a cookie
// jar following zoomsim's consent redirect), then runs read, write and
// check-credentials --tenant for each: every run uses and rotates only
// its own tenant's tokens in the serve store.
func TestServeConnectTenantsThenReadWrite(t *testing.T) {
	// Access tokens live 2 minutes, so every run refreshes (and rotates).
	sf := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 7, TokenTTL: 2 * time.Minute})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	serveURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := sf.sim.RegisterOAuthApp(zoomsim.UserApp{ClientID: oauthClientID, ClientSecret: oauthClientSecret,
		RedirectURIs: []string{serveURL + "/oauth/callback"}}); err != nil {
		t.Fatal(err)
	}
	_, key, _ := tokenstore.NewKey()
	dir := t.TempDir()
	db := filepath.Join(dir, "serve.db")
	env := map[string]string{tokenstore.EnvKey: key}
	f := &oauthFixture{simFixture: sf, key: key, dir: dir}
	getenv := func(k string) string { return env[k] }
	cfg := with(sf.cfg, "account_id", nil, "client_id", nil, "client_secret", nil,
		"auth", map[string]any{"auth_type": "oauth", "client_id": oauthClientID, "client_secret": oauthClientSecret},
		"webhook_secret_token", "whsec-connect-test")
	f.cfgPath = writeConfig(t, cfg)

	ctx, cancel := context.WithCancel(context.Background())
	serveOut, serveErr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--config", f.cfgPath, "--allow-host", sf.host, "--listen", fmt.Sprintf("127.0.0.1:%d", port),
			"--store", db, "--oauth-redirect-url", serveURL + "/oauth/callback", "--metrics-listen", ""},
			IO{Stdin: strings.NewReader(""), Stdout: serveOut, Stderr: serveErr, Getenv: getenv})
	}()
	defer func() {
		cancel()
		if code := <-done; code != ExitOK {
			t.Errorf("serve exit %d: %s", code, serveErr)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(serveURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", serveErr)
		}
		time.Sleep(10 * time.Millisecond)
	}

	var pages []string
	for _, tenant := range []string{"site-a", "site-b"} {
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
		// Without the operator's invitation, nothing is connected.
		if resp, err := browser.Get(serveURL + "/connect/" + tenant); err != nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("connect %s without an invitation: %v %v", tenant, resp, err)
		}
		invOut, invErr := &syncBuffer{}, &syncBuffer{}
		if code := Main(context.Background(), []string{"tenant", "invite", tenant, "--config", f.cfgPath,
			"--oauth-redirect-url", serveURL + "/oauth/callback", "--valid-for", "1h"},
			IO{Stdout: invOut, Stderr: invErr, Getenv: getenv}); code != ExitOK {
			t.Fatalf("tenant invite %s: exit %d: %s", tenant, code, invErr)
		}
		link := strings.TrimSpace(invOut.String())
		if !strings.HasPrefix(link, serveURL+"/connect/"+tenant+"?invite=") || !strings.Contains(invErr.String(), "valid until") {
			t.Fatalf("tenant invite %s: %q %s", tenant, link, invErr)
		}
		resp, err := browser.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		pages = append(pages, string(b))
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "connected to "+tenant) {
			t.Fatalf("connect %s: %d %s\n%s", tenant, resp.StatusCode, b, serveErr)
		}
	}

	// The serve store, as another process sees it.
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k, _ := tokenstore.ParseKey(key)
	c, _ := tokenstore.NewCipher(k)
	tokens, _ := store.NewTokenStore(st, c)
	refresh := func(tenant string) string {
		rec, err := tokens.Load(context.Background(), tenant)
		if err != nil {
			t.Fatalf("%s: %v", tenant, err)
		}
		return rec.RefreshToken
	}
	run := func(args ...string) runResult {
		out, errb := &syncBuffer{}, &syncBuffer{}
		code := Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: out, Stderr: errb, Getenv: getenv})
		f.outputs = append(f.outputs, out.String(), errb.String())
		return runResult{code, out.String(), errb.String()}
	}

	// read --tenant for each: its own refresh token rotates, the other's not.
	for i, tenant := range []string{"site-a", "site-b"} {
		other := []string{"site-b", "site-a"}[i]
		mine, theirs := refresh(tenant), refresh(other)
		refreshes := sf.sim.UserOAuthStats().Refreshes
		out := filepath.Join(dir, "out-"+tenant)
		r := run("read", "--config", f.cfgPath, "--allow-host", sf.host, "--tenant", tenant, "--store", db,
			"--streams", "users", "--format", "jsonl", "--output", out)
		if r.code != ExitOK {
			t.Fatalf("read --tenant %s: %d %s", tenant, r.code, r.stderr)
		}
		if n := sf.sim.UserOAuthStats().Refreshes - refreshes; n != 1 {
			t.Errorf("read --tenant %s: %d refreshes, want 1", tenant, n)
		}
		if refresh(tenant) == mine || refresh(other) != theirs {
			t.Errorf("read --tenant %s did not use (only) its own tokens", tenant)
		}
		if m, _ := filepath.Glob(filepath.Join(out, "users*")); len(m) == 0 {
			t.Errorf("read --tenant %s wrote no users file", tenant)
		}
	}

	// ZOOM_CONNECTOR_STORE instead of --store; check-credentials.
	env[EnvStore] = db
	mine := refresh("site-b")
	cc := run("check-credentials", "--config", f.cfgPath, "--allow-host", sf.host, "--tenant", "site-b")
	if cc.code != ExitOK || refresh("site-b") == mine {
		t.Fatalf("check-credentials --tenant site-b: %d %s %s", cc.code, cc.stdout, cc.stderr)
	}

	// write --tenant registers with that tenant's tokens.
	var target string
	for _, m := range sf.sim.Dataset().Meetings {
		if !m.Deleted && m.Licensed() && m.RegistrationEnabled() && !m.Over(time.Now()) && m.Type == 2 {
			target = fmt.Sprint(m.ID)
			break
		}
	}
	if target == "" {
		t.Fatal("no open meeting in the dataset")
	}
	input := filepath.Join(dir, "rows.jsonl")
	row, _ := json.Marshal(map[string]any{"meeting_id": target, "email": "tenant-a@example.com", "first_name": "Ann", "last_name": "A"})
	if err := os.WriteFile(input, append(row, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	mine = refresh("site-a")
	w := run("write", "--config", f.cfgPath, "--allow-host", sf.host, "--tenant", "site-a", "--input", input)
	if w.code != ExitOK || refresh("site-a") == mine {
		t.Fatalf("write --tenant site-a: %d %s %s", w.code, w.stdout, w.stderr)
	}

	// A tenant that was never connected: a clear "reconnect" error.
	bad := run("read", "--config", f.cfgPath, "--allow-host", sf.host, "--tenant", "site-x", "--streams", "users", "--format", "jsonl", "--output", filepath.Join(dir, "x"))
	if bad.code == ExitOK || !strings.Contains(bad.stderr, "tenant invite site-x") {
		t.Errorf("read --tenant site-x: %d %s", bad.code, bad.stderr)
	}
	// --store and --token-store together: refused.
	both := run("read", "--config", f.cfgPath, "--tenant", "site-a", "--store", db, "--token-store", filepath.Join(dir, "t.json"), "--streams", "users")
	if both.code == ExitOK || !strings.Contains(both.stderr, "use one") {
		t.Errorf("--store with --token-store: %d %s", both.code, both.stderr)
	}
	// No key: refused before any call.
	delete(env, tokenstore.EnvKey)
	nokey := run("check-credentials", "--config", f.cfgPath, "--allow-host", sf.host, "--tenant", "site-a")
	if nokey.code == ExitOK || !strings.Contains(nokey.stderr, tokenstore.EnvKey) {
		t.Errorf("no key: %d %s", nokey.code, nokey.stderr)
	}

	// No token in any page, output or log.
	f.outputs = append(f.outputs, pages...)
	f.outputs = append(f.outputs, serveOut.String(), serveErr.String())
	f.assertNoSecrets(t)
	for _, tn := range []string{"site-a", "site-b"} {
		rec, _ := tokens.Load(context.Background(), tn)
		for _, o := range f.outputs {
			if strings.Contains(o, rec.AccessToken) || strings.Contains(o, rec.RefreshToken) {
				t.Errorf("a token of %s is in an output", tn)
			}
		}
	}
}
