package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const canaryRefresh = "RT-CANARY-0a1b2c3d4e"

func TestAuthOAuthLoads(t *testing.T) {
	t.Parallel()
	cfg, warns, err := Parse([]byte(`{"auth":{"auth_type":"oauth","client_id":"cid","client_secret":"csecret-123","refresh_token":"`+canaryRefresh+`","token_store":"/tmp/t.json"}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings %v", warns)
	}
	if !cfg.IsOAuth() || cfg.ClientID != "cid" || cfg.ClientSecret.Reveal() != "csecret-123" || cfg.RefreshToken.Reveal() != canaryRefresh ||
		cfg.TokenStore != "/tmp/t.json" || cfg.AccountID != "" {
		t.Errorf("got %+v", cfg)
	}
	red := cfg.Redacted()
	b, _ := json.Marshal(red)
	if strings.Contains(string(b), canaryRefresh) || strings.Contains(string(b), "csecret-123") || !strings.Contains(string(b), `"refresh_token":"[redacted]"`) {
		t.Errorf("Redacted: %s", b)
	}
	if s := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg); strings.Contains(s, canaryRefresh) {
		t.Error("refresh token printed")
	}
	// The refresh token may be absent: authorize writes it, or the store has it.
	if _, _, err := Parse([]byte(`{"auth":{"auth_type":"oauth","client_id":"cid","client_secret":"csecret-123"}}`), nil); err != nil {
		t.Errorf("without refresh token: %v", err)
	}
}

func TestAuthServerToServerBlockAndTopLevel(t *testing.T) {
	t.Parallel()
	a, _, err := Parse([]byte(`{"auth":{"auth_type":"server_to_server","account_id":"acc","client_id":"cid","client_secret":"sec-1234"}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := Parse([]byte(`{"account_id":"acc","client_id":"cid","client_secret":"sec-1234"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.AuthType != AuthServerToServer || b.AuthType != AuthServerToServer || a.AccountID != b.AccountID || a.ClientSecret != b.ClientSecret || a.IsOAuth() {
		t.Errorf("auth block %+v, top level %+v", a, b)
	}
}

func TestAuthViolationsNameTheField(t *testing.T) {
	t.Parallel()
	for doc, want := range map[string]string{
		`{"auth":{"auth_type":"oauth","client_id":"x"}}`:                                                                            "/auth/client_secret: required",
		`{"auth":{"auth_type":"server_to_server","client_id":"x","client_secret":"yyyy"}}`:                                          "/auth/account_id: required",
		`{"auth":{"auth_type":"bogus"}}`:                                                                                            "/auth/auth_type: must be one of server_to_server, oauth",
		`{"auth":{"client_id":"x"}}`:                                                                                                "/auth/auth_type: required",
		`{"auth":{"auth_type":"oauth","client_id":"x","client_secret":"yyyy","extra":1}}`:                                           "/auth/extra: unknown field",
		`{"auth":{"auth_type":"oauth","client_id":"x","client_secret":"yyyy","refresh_token":""}}`:                                  "/auth/refresh_token: must not be empty",
		`{"client_id":"top","auth":{"auth_type":"oauth","client_id":"x","client_secret":"yyyy"}}`:                                   "/auth: set the credentials in auth or at the top level",
		`{"auth":{"auth_type":"oauth","client_id":"x","client_secret":"yyyy","refresh_token":12345678}}`:                            "/auth/refresh_token",
		`{"auth":{"auth_type":"oauth","client_id":"x","client_secret":"SECRET-VALUE-1","refresh_token":["` + canaryRefresh + `"]}}`: "/auth/refresh_token",
	} {
		_, _, err := Parse([]byte(doc), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", doc, want, err)
			continue
		}
		if strings.Contains(err.Error(), canaryRefresh) || strings.Contains(err.Error(), "SECRET-VALUE-1") {
			t.Errorf("%s: secret in %v", doc, err)
		}
		if strings.Count(err.Error(), "\n") > 1 {
			t.Errorf("%s: noisy: %v", doc, err)
		}
	}
}

func TestAuthFromEnv(t *testing.T) {
	t.Parallel()
	env := func(k string) string {
		return map[string]string{EnvClientID: "env-cid", EnvClientSecret: "env-secret", EnvAccountID: "env-acc", EnvRefreshToken: canaryRefresh}[k]
	}
	cfg, warns, err := Parse([]byte(`{"auth":{"auth_type":"oauth","client_id":"file-cid"}}`), env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientID != "file-cid" || cfg.ClientSecret.Reveal() != "env-secret" || cfg.RefreshToken.Reveal() != canaryRefresh || cfg.AccountID != "" {
		t.Errorf("got %+v", cfg)
	}
	if len(warns) != 1 || warns[0].Path != "/auth/client_id" {
		t.Errorf("warnings %v", warns)
	}
}

func TestWithRefreshToken(t *testing.T) {
	t.Parallel()
	doc := []byte(`{"page_size": 300.0, "auth": {"auth_type": "oauth", "client_id": "c", "client_secret": "s<>", "refresh_token": "old"}}`)
	out, err := WithRefreshToken(doc, "new-token")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := Parse(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RefreshToken.Reveal() != "new-token" || cfg.ClientSecret.Reveal() != "s<>" || !strings.Contains(string(out), "300.0") {
		t.Errorf("rewritten: %s", out)
	}
	if _, err := WithRefreshToken([]byte(`{"account_id":"a"}`), "x"); err == nil {
		t.Error("S2S config rewritten")
	}
}
