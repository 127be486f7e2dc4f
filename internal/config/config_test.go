package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
	"github.com/zoom-connector/zoom-connector/spec"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var credEnv = envOf(map[string]string{EnvAccountID: "acc", EnvClientID: "cid", EnvClientSecret: "env-secret"})

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func validationError(t *testing.T, err error) *ValidationError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %T: %v", err, err)
	}
	return ve
}

func TestLoadFull(t *testing.T) {
	t.Parallel()
	cfg, warns, err := Load("testdata/full.json", credEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientSecret.Reveal() != "sec-1-long" || cfg.WebhookSecretToken.Reveal() != "whsec-123" {
		t.Error("secrets not loaded (or env overrode the file)")
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"account", cfg.AccountID, "acc-1"},
		{"api base trimmed", cfg.APIBaseURL, "https://api-eu.zoom.us/v2"},
		{"start", cfg.StartDate, time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"lookback 0 kept", cfg.LookbackDays, 0},
		{"plan", cfg.Plan, PlanBusiness},
		{"rate", cfg.EffectiveRateLimits(), RateLimits{Light: 10, Medium: 60, Heavy: 40, ResourceIntensive: 5.5}},
		{"concurrency", cfg.MaxConcurrency, 4},
		{"page size 100.0", cfg.PageSize, 100},
		{"timeout", cfg.RequestTimeout, 12500 * time.Millisecond},
		{"users page", cfg.StreamPageSize("users"), 50},
		{"meetings page", cfg.StreamPageSize("meetings"), 100},
		{"users enabled", cfg.StreamEnabled("users"), false},
		{"other enabled", cfg.StreamEnabled("webinars"), true},
		{"users lookback", cfg.StreamLookbackDays("users"), 3},
		{"meetings lookback", cfg.StreamLookback("meetings"), time.Duration(0)},
		{"mapping", cfg.Mapping["Email Address"], "email"},
		{"target", *cfg.DefaultTarget, Target{MeetingID: 85746065432, OccurrenceIDs: "1648194360000,1648280760000"}},
		{"flags", [3]bool{cfg.AutoApprove, cfg.SendConfirmationEmail, cfg.DryRun}, [3]bool{true, true, true}},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	// All three credentials are in the file and in env: the file wins, with a warning each.
	if len(warns) != 3 || warns[2].Path != "/client_secret" || !strings.Contains(warns[2].String(), "the config wins") {
		t.Errorf("warnings: %v", warns)
	}
	if err := cfg.CheckStreamNames([]string{"users", "meetings"}); err != nil {
		t.Error(err)
	}
	if err := cfg.CheckStreamNames([]string{"users"}); err == nil || !strings.Contains(err.Error(), "/streams/meetings: unknown stream") {
		t.Errorf("CheckStreamNames: %v", err)
	}
}

func TestDefaultsFromEnv(t *testing.T) {
	t.Parallel()
	cfg, warns, err := FromMap(map[string]any{}, credEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	want := Default()
	want.AccountID, want.ClientID, want.ClientSecret = "acc", "cid", "env-secret"
	if fmt.Sprintf("%#v", cfg) != fmt.Sprintf("%#v", want) || cfg.ClientSecret.Reveal() != "env-secret" {
		t.Errorf("got  %#v\nwant %#v", cfg, want)
	}
	if cfg.EffectiveRateLimits() != PlanRateLimits(PlanPro) {
		t.Errorf("rate limits %+v", cfg.EffectiveRateLimits())
	}
	if PlanRateLimits(PlanUnlimited) != (RateLimits{}) {
		t.Error("unlimited plan has limits")
	}
}

// TestSchemaDefaultsMatchGo keeps the schema's "default" keywords and the Go
// constants in step.
func TestSchemaDefaultsMatchGo(t *testing.T) {
	t.Parallel()
	var s struct {
		Properties map[string]struct {
			Default any `json:"default"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(spec.ConfigSchema(), &s); err != nil {
		t.Fatal(err)
	}
	d := Default()
	want := map[string]any{
		"validation_url": d.ValidationURL, "api_base_url": d.APIBaseURL, "oauth_token_url": d.OAuthTokenURL,
		"lookback_days": float64(d.LookbackDays), "settle_days": float64(d.SettleDays), "reconcile_days": float64(d.ReconcileDays), "plan": string(d.Plan), "max_concurrency": float64(d.MaxConcurrency),
		"page_size": float64(d.PageSize), "request_timeout_seconds": d.RequestTimeout.Seconds(),
		"auto_approve": false, "send_confirmation_email": false, "dry_run": false, "quota_probe": d.QuotaProbe,
	}
	for k, v := range want {
		if got := s.Properties[k].Default; got != v {
			t.Errorf("%s: schema default %v, Go default %v", k, got, v)
		}
	}
	if got := SecretPaths(); !slices.Equal(got, []string{"/auth/client_secret", "/auth/refresh_token", "/client_secret", "/webhook_secret_token"}) {
		t.Errorf("secret paths %v", got)
	}
}

func TestEveryViolationAtOnce(t *testing.T) {
	t.Parallel()
	_, _, err := FromMap(map[string]any{
		"client_id":               5,
		"page_size":               500,
		"max_concurrency":         0,
		"lookback_days":           -1,
		"plan":                    "enterprise",
		"unknown_thing":           true,
		"request_timeout_seconds": "30",
		"start_date":              "2025-02-30",
		"api_base_url":            "not a url",
		"rate_limits":             map[string]any{"light": 0, "extreme": 1},
		"streams":                 map[string]any{"users": map[string]any{"page_size": 301, "enabled": "yes", "bogus": 1}, "meetings": map[string]any{"priority": 1001}},
		"mapping":                 map[string]any{"Email": 1},
		"default_target":          map[string]any{"meeting_id": 1, "webinar_id": 2},
		"dry_run":                 "true",
		"webhook_secret_token":    "",
	}, nil)
	ve := validationError(t, err)
	want := map[string]string{
		"/account_id":                "required: set it in the config or in ZOOM_ACCOUNT_ID",
		"/client_secret":             "required: set it in the config or in ZOOM_CLIENT_SECRET",
		"/client_id":                 "expected string, but got number",
		"/page_size":                 "must be <= 300",
		"/max_concurrency":           "must be >= 1",
		"/lookback_days":             "must be >= 0",
		"/plan":                      "value must be one of",
		"/unknown_thing":             "unknown field",
		"/request_timeout_seconds":   "expected number, but got string",
		"/start_date":                "not a valid date",
		"/api_base_url":              "is not valid 'uri'",
		"/rate_limits/light":         "must be > 0",
		"/rate_limits/extreme":       "unknown field",
		"/streams/users/page_size":   "must be <= 300",
		"/streams/users/enabled":     "expected boolean",
		"/streams/users/bogus":       "unknown field",
		"/streams/meetings/priority": "must be <= 1000",
		"/mapping/Email":             "expected string",
		"/default_target":            "not both",
		"/dry_run":                   "expected boolean",
		"/webhook_secret_token":      "must not be empty",
	}
	msg := err.Error()
	for path, frag := range want {
		if !strings.Contains(msg, path+": ") || !ve.Has(path) {
			t.Errorf("missing violation at %s in:\n%s", path, msg)
			continue
		}
		for _, v := range ve.Violations {
			if v.Path == path && !strings.Contains(v.Message, frag) {
				t.Errorf("%s: %q does not contain %q", path, v.Message, frag)
			}
		}
	}
	if len(ve.Violations) != len(want) {
		t.Errorf("got %d violations, want %d:\n%s", len(ve.Violations), len(want), msg)
	}
	if !strings.HasPrefix(msg, fmt.Sprintf("invalid config: %d problems:\n  /", len(want))) {
		t.Errorf("error format: %s", msg)
	}
	if !slices.IsSortedFunc(ve.Violations, func(a, b Violation) int { return strings.Compare(a.Path, b.Path) }) {
		t.Error("violations not sorted")
	}
}

// TestSecretsNeverInErrors plants a canary as every secret and provokes every
// message that could quote it.
func TestSecretsNeverInErrors(t *testing.T) {
	t.Parallel()
	const canary = "CANARY-s3cr3t-value"
	doc := map[string]any{
		"account_id":           "acc",
		"client_id":            canary,
		"client_secret":        canary,
		"webhook_secret_token": canary,
		"api_base_url":         canary,
		"oauth_token_url":      canary + "://x y",
		"start_date":           canary,
		"plan":                 canary,
		"mapping":              map[string]any{"a": canary},
		"default_target":       map[string]any{"meeting_id": canary},
		canary:                 1,
	}
	_, warns, err := FromMap(doc, nil)
	if err == nil {
		t.Fatal("want error")
	}
	validationError(t, err)
	if strings.Contains(err.Error(), canary) || strings.Contains(fmt.Sprint(warns), canary) {
		t.Errorf("canary leaked:\n%v\n%v", err, warns)
	}
	if !strings.Contains(err.Error(), Redacted) {
		t.Errorf("expected scrubbed values in %v", err)
	}

	// Wrong types for the secrets themselves, with the canary from env.
	_, _, err = FromMap(map[string]any{"client_secret": []any{canary}, "webhook_secret_token": map[string]any{"x": canary}},
		envOf(map[string]string{EnvClientSecret: canary, EnvAccountID: canary}))
	if err == nil || strings.Contains(err.Error(), canary) {
		t.Errorf("canary leaked or no error: %v", err)
	}

	// A valid config: every way of printing it hides the secrets.
	cfg, _, err := FromMap(map[string]any{"webhook_secret_token": canary + "-wh"}, envOf(map[string]string{
		EnvAccountID: "acc", EnvClientID: "cid", EnvClientSecret: canary,
	}))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("cfg", "config", cfg, "secret", cfg.ClientSecret)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("cfg", "config", cfg, "secret", cfg.ClientSecret)
	js, _ := json.Marshal(cfg)
	red, _ := json.Marshal(cfg.Redacted())
	out := strings.Join([]string{
		fmt.Sprintf("%v %+v %#v %s %q %x %d", cfg, cfg, cfg, cfg.ClientSecret, cfg.ClientSecret, cfg.ClientSecret, cfg.ClientSecret),
		fmt.Sprint(cfg.ClientSecret), cfg.ClientSecret.String(), cfg.ClientSecret.GoString(),
		fmt.Errorf("wrap: %v", cfg.WebhookSecretToken).Error(),
		logs.String(), string(js), string(red),
	}, "\n")
	if strings.Contains(out, canary) {
		t.Errorf("canary leaked:\n%s", out)
	}
	if !strings.Contains(string(red), `"client_secret":"[redacted]"`) || cfg.ClientSecret.Reveal() != canary {
		t.Errorf("redacted view %s", red)
	}
}

func TestSecret(t *testing.T) {
	t.Parallel()
	s := Secret("hunter22")
	if got := fmt.Sprintf("%v|%s|%q|%#v|%x|%10s", s, s, s, s, s, s); got != `[redacted]|[redacted]|"[redacted]"|[redacted]|[redacted]|[redacted]` {
		t.Errorf("fmt: %s", got)
	}
	b, _ := json.Marshal(struct{ S Secret }{s})
	if string(b) != `{"S":"[redacted]"}` {
		t.Errorf("json: %s", b)
	}
	var back struct{ S Secret }
	if err := json.Unmarshal([]byte(`{"S":"abc"}`), &back); err != nil || back.S.Reveal() != "abc" {
		t.Errorf("unmarshal: %v %q", err, back.S.Reveal())
	}
	if !Secret("").IsZero() || s.IsZero() {
		t.Error("IsZero")
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, content, want string }{
		{"malformed", "{\n  \"account_id\": \"a\",\n  \"page_size\": 30,,\n}", "line 3, column 19"},
		{"truncated", "{\n  \"account_id\": \"a\"", "unexpected end of JSON input"},
		{"not object", `[1, 2]`, "want a JSON object, got an array"},
		{"trailing", `{} {}`, "unexpected data after the JSON object"},
		{"empty", "  \n", "empty document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := writeFile(t, c.content)
			_, _, err := Load(p, credEnv)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("got %v, want %q and the path", err, c.want)
			}
		})
	}
	missing := filepath.Join(t.TempDir(), "nope.json")
	if _, _, err := Load(missing, credEnv); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
	if _, _, err := Parse([]byte(`{"client_secret": ""}`), credEnv); err == nil || err.Error() != "invalid config: /client_secret: must not be empty" {
		t.Errorf("empty secret: %v", err)
	}
}

func TestEnvFilling(t *testing.T) {
	t.Parallel()
	cfg, warns, err := Parse([]byte(`{"account_id": "file-acc"}`), credEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AccountID != "file-acc" || cfg.ClientID != "cid" || cfg.ClientSecret.Reveal() != "env-secret" {
		t.Errorf("got %+v", cfg)
	}
	if len(warns) != 1 || warns[0].Path != "/account_id" {
		t.Errorf("warnings %v", warns)
	}
	_, _, err = Parse([]byte(`{}`), nil)
	ve := validationError(t, err)
	if len(ve.Violations) != 3 {
		t.Errorf("want the three credentials reported, got %v", err)
	}
}

func TestTargetsAndWarnings(t *testing.T) {
	t.Parallel()
	cfg, warns, err := FromMap(map[string]any{
		"default_target":  map[string]any{"webinar_id": 91234567890},
		"oauth_token_url": "http://127.0.0.1:8089/oauth/token",
		"api_base_url":    "http://api.zoom.us/v2",
		"plan":            "free",
		"rate_limits":     map[string]any{"light": 5},
		"start_date":      "2999-01-01T10:00:00+02:00",
	}, credEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultTarget.WebinarID != 91234567890 || cfg.DefaultTarget.MeetingID != 0 {
		t.Errorf("target %+v", cfg.DefaultTarget)
	}
	got := fmt.Sprint(warns)
	for _, w := range []string{"/oauth_token_url: the client secret is sent to 127.0.0.1", "/api_base_url: access tokens are sent without TLS", "/rate_limits/light: 5 per second is above the free plan's documented 4", "/start_date: is in the future"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing warning %q in %s", w, got)
		}
	}
	for _, bad := range []map[string]any{{}, {"meeting_id": "0"}, {"meeting_id": "99999999999999999999"}, {"meeting_id": 1, "occurrence_ids": "1,,2"}} {
		if _, _, err := FromMap(map[string]any{"default_target": bad}, credEnv); err == nil {
			t.Errorf("target %v accepted", bad)
		}
	}
}

func TestParseStartDate(t *testing.T) {
	t.Parallel()
	utc := func(y int, m time.Month, d, h, mi, s int) time.Time { return time.Date(y, m, d, h, mi, s, 0, time.UTC) }
	ok := map[string]time.Time{
		"2025-01-02":                utc(2025, 1, 2, 0, 0, 0),
		"2025-01-02T03:04:05Z":      utc(2025, 1, 2, 3, 4, 5),
		"2025-01-02t03:04:05z":      utc(2025, 1, 2, 3, 4, 5),
		"2025-01-02 03:04:05":       utc(2025, 1, 2, 3, 4, 5),
		"2025-01-02T03:04":          utc(2025, 1, 2, 3, 4, 0),
		"2025-01-02T03:04:05+02:00": utc(2025, 1, 2, 1, 4, 5),
		"2025-01-02T03:04+01:00":    utc(2025, 1, 2, 2, 4, 0),
	}
	for in, want := range ok {
		if got, err := ParseStartDate(in); err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"2025-13-01", "2025-1-2", "yesterday", "2025-01-02T25:00:00Z"} {
		if _, err := ParseStartDate(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestClampStartDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 7, 1, 12, 0, 0, 0, time.FixedZone("x", 3600))
	earliest := now.UTC().Add(-DefaultRetention)
	cases := []struct {
		name  string
		start time.Time
		want  time.Time
		warn  string
	}{
		{"unset", time.Time{}, earliest, ""},
		{"too old", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), earliest, "older than Zoom keeps this data (180 days)"},
		{"inside", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), ""},
		{"exactly earliest", earliest, earliest, ""},
		{"future", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "in the future"},
	}
	for _, c := range cases {
		cfg := Default()
		cfg.StartDate = c.start
		got, w := cfg.ClampStartDate(now, DefaultRetention)
		if !got.Equal(c.want) {
			t.Errorf("%s: got %v want %v", c.name, got, c.want)
		}
		if (w == nil) != (c.warn == "") || (w != nil && (!strings.Contains(w.Message, c.warn) || w.Path != "/start_date")) {
			t.Errorf("%s: warning %v, want %q", c.name, w, c.warn)
		}
		if !cfg.StartDate.Equal(c.start) {
			t.Errorf("%s: config modified", c.name)
		}
	}
}

func TestValidateProgrammatic(t *testing.T) {
	t.Parallel()
	c := &Config{}
	c.SetDefaults()
	err := c.Validate()
	ve := validationError(t, err)
	if len(ve.Violations) != 3 {
		t.Errorf("want 3 missing credentials, got %v", err)
	}
	c.AccountID, c.ClientID, c.ClientSecret = "a", "b", "c"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	lb := -1
	c.PageSize, c.MaxConcurrency, c.Plan, c.RequestTimeout = 301, 65, "gold", time.Hour
	c.APIBaseURL, c.OAuthTokenURL, c.ValidationURL = "ftp://x", "https://u:p@zoom.us/oauth/token", "https://api.zoom.us/v2/users/me?x=1"
	c.Streams = map[string]StreamConfig{"a/b": {PageSize: 500, LookbackDays: &lb, Priority: -1001}}
	c.Mapping = map[string]string{"col": ""}
	ve = validationError(t, c.Validate())
	for _, p := range []string{"/page_size", "/max_concurrency", "/plan", "/request_timeout_seconds", "/api_base_url", "/oauth_token_url", "/validation_url", "/streams/a~1b/page_size", "/streams/a~1b/lookback_days", "/streams/a~1b/priority", "/mapping/col"} {
		if !ve.Has(p) {
			t.Errorf("no violation at %s: %v", p, ve)
		}
	}
}

// TestPlanRateLimitsAreZoomapis: the config's plan limits are the client
// package's table (one home for Zoom's facts).
func TestPlanRateLimitsAreZoomapis(t *testing.T) {
	t.Parallel()
	for _, p := range []Plan{PlanFree, PlanPro, PlanBusiness} {
		l, _ := zoomapi.LimitsOf(string(p))
		if got := PlanRateLimits(p); got != (RateLimits{Light: l.Light, Medium: l.Medium, Heavy: l.Heavy, ResourceIntensive: l.ResourceIntensivePerMinute}) || got.Light == 0 {
			t.Errorf("%s: %+v, zoomapi %+v", p, got, l)
		}
	}
}

// TestStreamPriority: streams.NAME.priority loads, defaults to 0 and is
// shown in the redacted rendering.
func TestStreamPriority(t *testing.T) {
	t.Parallel()
	c, _, err := FromMap(map[string]any{"account_id": "a", "client_id": "b", "client_secret": "c",
		"streams": map[string]any{"meeting_registrants": map[string]any{"priority": 10}, "users": map[string]any{"priority": -3}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.StreamPriority("meeting_registrants") != 10 || c.StreamPriority("users") != -3 || c.StreamPriority("meetings") != 0 {
		t.Errorf("priorities %d %d %d", c.StreamPriority("meeting_registrants"), c.StreamPriority("users"), c.StreamPriority("meetings"))
	}
	if p := c.Redacted()["streams"].(map[string]any)["meeting_registrants"].(map[string]any)["priority"]; p != 10 {
		t.Errorf("redacted priority %v", p)
	}
}
