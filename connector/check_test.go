package connector

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/internal/airbyte/protocoltest"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// simFixture is a simulator and a connector config pointing at it.
type simFixture struct {
	sim  *zoomsim.Server
	base string
	host string // host:port for --allow-host
	cfg  map[string]any
}

func startSim(t *testing.T, opts zoomsim.Options) *simFixture {
	t.Helper()
	s, base, _ := zoomsim.StartTest(t, opts)
	c := s.Config(base)
	u, _ := url.Parse(base)
	return &simFixture{sim: s, base: base, host: u.Host, cfg: map[string]any{
		"api_base_url": c.APIBaseURL, "oauth_token_url": c.OAuthTokenURL, "validation_url": c.ValidationURL,
		"account_id": c.AccountID, "client_id": c.ClientID, "client_secret": c.ClientSecret,
	}}
}

func writeConfig(t *testing.T, cfg map[string]any) string {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func with(cfg map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range cfg {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

type runResult struct {
	code           int
	stdout, stderr string
}

func runMain(t *testing.T, args ...string) runResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }})
	return runResult{code, out.String(), errb.String()}
}

func TestCheckCredentialsVerdicts(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	// An app on the same account with only the user scopes.
	limited := zoomsim.App{AccountID: f.sim.Dataset().AccountID, ClientID: "limited-id", ClientSecret: "limited-secret",
		Scopes: []string{"user:read:admin", "meeting:read:list_meetings:admin"}}
	lf := startSim(t, zoomsim.Options{Apps: []zoomsim.App{limited}})

	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>Sign in</body></html>"))
	}))
	t.Cleanup(html.Close)
	htmlURL, _ := url.Parse(html.URL)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedHost := ln.Addr().String()
	ln.Close()

	for _, tc := range []struct {
		name    string
		cfg     map[string]any
		allow   []string
		code    int
		want    []string
		problem Problem
	}{
		{name: "good", cfg: f.cfg, allow: []string{f.host}, code: 0,
			want: []string{"Verdict: credentials work; every selected stream can be read", "[ok  ] validation", "@"}},
		{name: "bad secret", cfg: with(f.cfg, "client_secret", "wrong-secret"), allow: []string{f.host}, code: 1,
			want: []string{"credentials do NOT work", "client ID or client secret", "invalid_client"}},
		{name: "bad client id", cfg: with(f.cfg, "client_id", "wrong-id"), allow: []string{f.host}, code: 1,
			want: []string{"client ID or client secret"}},
		{name: "wrong account", cfg: with(f.cfg, "account_id", "not-the-account"), allow: []string{f.host}, code: 1,
			want: []string{"Zoom rejected the account ID", "check account_id"}},
		{name: "missing scopes", cfg: with(lf.cfg, "client_id", "limited-id", "client_secret", "limited-secret"), allow: []string{lf.host}, code: 0,
			want: []string{"Streams missing a scope", "meeting_registrants", "meeting:read:list_registrants:admin", "report_daily", "report:read:admin", "cannot be read until the app has more scopes",
				// The streams of issue 17 name their scopes too.
				"past_webinar_instances", "webinar:read:list_past_instances:admin", "group_members", "group:read:admin", "role_members", "role:read:admin",
				"tracking_fields", "tracking_field:read:list_tracking_fields:admin", "meeting_qna_results", "meeting:read:past_qa:admin",
				"report_meeting_qa", "report:read:meeting_qna:admin", "report_webinar_surveys", "report:read:webinar_survey:admin",
				"report_operation_logs", "report:read:operation_logs:admin", "report_cloud_recording",
				"meeting_summaries", "meeting:read:list_summaries:admin", "recording_transcripts", "cloud_recording:read:meeting_transcript:admin"}},
		{name: "refused host", cfg: f.cfg, allow: nil, code: 1,
			want: []string{"refused before any credential is sent", "oauth_token_url", "--allow-host"}},
		{name: "refused validation host", cfg: with(f.cfg, "validation_url", "https://zoom.us.example.com/v2/users/me"), allow: []string{f.host}, code: 1,
			want: []string{"validation_url", "refused before any credential is sent"}},
		{name: "validation 404", cfg: with(f.cfg, "validation_url", f.base+"/v2/users/me/nothing"), allow: []string{f.host}, code: 1,
			want: []string{"answered 404 Not Found", "check validation_url"}},
		{name: "validation not JSON", cfg: with(f.cfg, "validation_url", html.URL+"/me"), allow: []string{f.host, htmlURL.Host}, code: 1,
			want: []string{"not a JSON object", "text/html"}},
		{name: "network", cfg: with(f.cfg, "oauth_token_url", "http://"+closedHost+"/oauth/token"), allow: []string{f.host, closedHost}, code: 1,
			want: []string{"could not reach the token endpoint"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"check-credentials", "--config", writeConfig(t, tc.cfg)}
			for _, h := range tc.allow {
				args = append(args, "--allow-host", h)
			}
			r := runMain(t, args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}

func TestCheckCredentialsUsageErrors(t *testing.T) {
	t.Parallel()
	if r := runMain(t, "check-credentials"); r.code != ExitUsage || !strings.Contains(r.stderr, "--config is required") {
		t.Fatalf("no config: %+v", r)
	}
	bad := writeConfig(t, map[string]any{"account_id": 5, "client_id": "x", "client_secret": "", "bogus": true})
	r := runMain(t, "check-credentials", "--config", bad)
	if r.code != ExitUsage {
		t.Fatalf("bad config exit %d: %s", r.code, r.stderr)
	}
	for _, w := range []string{"account_id", "client_secret", "bogus"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q: %s", w, r.stderr)
		}
	}
	if r := runMain(t, "nonsense"); r.code != ExitUsage {
		t.Fatalf("unknown command exit %d", r.code)
	}
}

func TestCheckAirbyte(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	for _, tc := range []struct {
		name   string
		cfg    map[string]any
		status string
		want   string
	}{
		{"good", f.cfg, "SUCCEEDED", "credentials work"},
		{"bad secret", with(f.cfg, "client_secret", "nope"), "FAILED", "client secret"},
		{"config error", with(f.cfg, "page_size", 5000), "FAILED", "page_size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runMain(t, "check", "--config", writeConfig(t, tc.cfg), "--allow-host", f.host)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != 1 {
				t.Fatalf("stdout must hold exactly one message, got %d lines:\n%s", len(lines), r.stdout)
			}
			validateProtocol(t, []byte(lines[0]))
			var m struct {
				Type             string
				ConnectionStatus struct{ Status, Message string } `json:"connectionStatus"`
			}
			if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
				t.Fatal(err)
			}
			if m.Type != "CONNECTION_STATUS" || m.ConnectionStatus.Status != tc.status || !strings.Contains(m.ConnectionStatus.Message, tc.want) {
				t.Fatalf("message %s", lines[0])
			}
		})
	}
}

func TestSpec(t *testing.T) {
	t.Parallel()
	r := runMain(t, "spec")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	line := []byte(strings.TrimSpace(r.stdout))
	validateProtocol(t, line)
	var m struct {
		Type string
		Spec struct {
			ConnectionSpecification struct {
				Properties map[string]map[string]any
				Required   []string
			} `json:"connectionSpecification"`
		}
	}
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	props := m.Spec.ConnectionSpecification.Properties
	if m.Type != "SPEC" || props["client_secret"]["airbyte_secret"] != true {
		t.Fatalf("spec: %s", line)
	}
	if props["validation_url"]["default"] != "https://api.zoom.us/v2/users/me" {
		t.Fatalf("validation_url default %v", props["validation_url"]["default"])
	}
}

// TestCheckNeverLeaksSecrets drives every failure path of check and
// check-credentials with a canary secret and debug logging, and looks for
// the secret, the Basic credential and every access token in all output.
func TestCheckNeverLeaksSecrets(t *testing.T) {
	t.Parallel()
	const canary = "CANARY-s3cr3t-7f1b9e"
	probe := startSim(t, zoomsim.Options{})
	app := zoomsim.App{AccountID: probe.sim.Dataset().AccountID, ClientID: "canary-client", ClientSecret: canary,
		Scopes: []string{"user:read:admin"}}
	f := startSim(t, zoomsim.Options{Apps: []zoomsim.App{app}})
	cfg := with(f.cfg, "client_id", "canary-client", "client_secret", canary)
	basic := base64.StdEncoding.EncodeToString([]byte("canary-client:" + canary))
	cases := []map[string]any{
		cfg,
		with(cfg, "account_id", "wrong"),
		with(cfg, "client_id", "wrong"),
		with(cfg, "validation_url", f.base+"/v2/nothing"),
		with(cfg, "validation_url", "http://169.254.169.254/latest"),
		with(cfg, "oauth_token_url", "https://zoom.us.example.com/oauth/token"),
		with(cfg, "page_size", "three hundred"),
		with(cfg, "unknown_field", canary),
	}
	var all strings.Builder
	for _, c := range cases {
		for _, cmd := range []string{"check", "check-credentials"} {
			r := runMain(t, cmd, "--config", writeConfig(t, c), "--allow-host", f.host, "--log-level", "debug")
			all.WriteString(r.stdout)
			all.WriteString(r.stderr)
		}
	}
	out := all.String()
	secrets := append([]string{canary, basic}, f.sim.IssuedTokens()...)
	if len(f.sim.IssuedTokens()) == 0 {
		t.Fatal("no token was issued: the good path did not run")
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("output contains a secret %.12q...", s)
		}
	}
}

// validateProtocol checks one stdout line against the Airbyte protocol
// schema (skipped when ../shared/airbyte-protocol is absent).
func validateProtocol(t *testing.T, line []byte) {
	t.Helper()
	protocoltest.Validator(t)(t, line)
}
