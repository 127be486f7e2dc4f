package connector

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/serve"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
)

// TestTenantInviteCommand: `tenant invite` prints a link serve accepts for
// that tenant only, and refuses what it cannot sign.
func TestTenantInviteCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.json")
	os.WriteFile(cfgPath, []byte(`{"auth":{"auth_type":"oauth","client_id":"c","client_secret":"s"},"serve":{"oauth_redirect_url":"https://connect.example.com/zc/oauth/callback"}}`), 0o600)
	k, key, _ := tokenstore.NewKey()
	env := map[string]string{tokenstore.EnvKey: key}
	run := func(getenv map[string]string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"tenant"}, args...), IO{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return getenv[k] }})
		return code, out.String(), errb.String()
	}
	code, out, errs := run(env, "invite", "--config", cfgPath, "site-b", "--valid-for", "2h")
	if code != ExitOK || errs == "" {
		t.Fatalf("invite: %d %s %s", code, out, errs)
	}
	u, err := url.Parse(strings.TrimSpace(out))
	if err != nil || u.Scheme != "https" || u.Host != "connect.example.com" || u.Path != "/zc/connect/site-b" {
		t.Fatalf("link %q", out)
	}
	ik, _ := serve.InviteKey(k)
	inv, err := serve.VerifyInvite(ik, u.Query().Get(serve.InviteQueryParam), "site-b", time.Now())
	if err != nil || inv.Expires.Sub(time.Now()) > 2*time.Hour || inv.Expires.Sub(time.Now()) < time.Hour {
		t.Fatalf("invitation: %+v %v", inv, err)
	}
	if _, err := serve.VerifyInvite(ik, u.Query().Get(serve.InviteQueryParam), "site-c", time.Now()); err == nil {
		t.Error("the invitation verifies for another tenant")
	}
	if strings.Contains(out+errs, key) {
		t.Error("the token key was printed")
	}
	for name, c := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"no tenant":      {env, []string{"invite", "--config", cfgPath}},
		"bad tenant":     {env, []string{"invite", "a b", "--config", cfgPath}},
		"no key":         {nil, []string{"invite", "site-b", "--config", cfgPath}},
		"too long":       {env, []string{"invite", "site-b", "--config", cfgPath, "--valid-for", "1000h"}},
		"http redirect":  {env, []string{"invite", "site-b", "--config", cfgPath, "--oauth-redirect-url", "http://connect.example.com/oauth/callback"}},
		"unknown action": {env, []string{"revoke", "site-b"}},
	} {
		if code, _, _ := run(c.env, c.args...); code != ExitUsage {
			t.Errorf("%s: exit %d", name, code)
		}
	}
}
