package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/zoom-connector/zoom-connector/spec"
)

// Load reads the JSON configuration file at path and returns the validated
// configuration with defaults applied, plus warnings.
//
// Credentials the file leaves out are taken from env (ZOOM_ACCOUNT_ID,
// ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET); env may be nil (no environment) and is
// usually os.Getenv. The merged document is validated against
// spec/config.schema.json; every problem, including unknown fields, wrong
// types and missing credentials, comes back at once in a *ValidationError.
// Malformed JSON gives an error with the line and column. No error message
// contains the value of a secret setting.
func Load(path string, env func(string) string) (*Config, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	m, err := decodeObject(data)
	if err != nil {
		return nil, nil, fmt.Errorf("parse config %s: %w", path, err)
	}
	return fromDocument(m, env)
}

// Parse is Load for configuration bytes already in memory.
func Parse(data []byte, env func(string) string) (*Config, []Warning, error) {
	m, err := decodeObject(data)
	if err != nil {
		return nil, nil, fmt.Errorf("parse config: %w", err)
	}
	return fromDocument(m, env)
}

// FromMap is Load for a configuration already decoded into a map (as from
// json.Unmarshal, or written by hand in tests). The map is not modified.
func FromMap(m map[string]any, env func(string) string) (*Config, []Warning, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, nil, fmt.Errorf("encode config map: %w", err)
	}
	doc, err := decodeObject(data)
	if err != nil {
		return nil, nil, fmt.Errorf("encode config map: %w", err)
	}
	return fromDocument(doc, env)
}

// decodeObject decodes one JSON object with json.Number values, rejecting
// trailing data; syntax errors carry line and column.
func decodeObject(data []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty document: want a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonSyntaxError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := dec.InputOffset()
		line, col := lineCol(data, off)
		return nil, fmt.Errorf("line %d, column %d: unexpected data after the JSON object", line, col)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %s", jsonKind(v))
	}
	return normalizeNumbers(m).(map[string]any), nil
}

// jsonSyntaxError adds line and column to a decoding error.
func jsonSyntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return fmt.Errorf("line %d, column %d: %s", line, col, se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		line, col := lineCol(data, int64(len(data)))
		return fmt.Errorf("line %d, column %d: unexpected end of JSON input", line, col)
	}
	return err
}

// lineCol converts a byte offset to 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// normalizeNumbers rewrites integral numbers written with a fraction or an
// exponent ("300.0", "3e2") as plain integers, so that a value the schema
// accepts as an integer also decodes into a Go int.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalizeNumbers(e)
		}
	case json.Number:
		if strings.ContainsAny(string(t), ".eE") {
			if f, err := t.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				return json.Number(strconv.FormatInt(int64(f), 10))
			}
		}
	}
	return v
}

// envFields are the settings that fall back to environment variables.
var envFields = []struct{ key, env string }{
	{"account_id", EnvAccountID},
	{"client_id", EnvClientID},
	{"client_secret", EnvClientSecret},
}

// fromDocument fills credentials from env, validates against the schema,
// builds the typed Config and validates it.
func fromDocument(doc map[string]any, env func(string) string) (*Config, []Warning, error) {
	var warnings []Warning
	warnings = append(warnings, authEnv(doc, env)...) // auth.go
	if env != nil && !hasAuth(doc) {
		for _, f := range envFields {
			val := env(f.env)
			if val == "" {
				continue
			}
			if _, ok := doc[f.key]; ok {
				warnings = append(warnings, Warning{Path: "/" + f.key, Message: "set in the config and in " + f.env + "; the config wins"})
				continue
			}
			doc[f.key] = val
		}
	}

	schema, secretPaths, err := configSchema()
	if err != nil {
		return nil, nil, err
	}
	// jsonschema/v5 panics on a number too large for big.Rat (such as
	// 1e100000000): report such numbers as violations and leave them out.
	schemaViolations := outOfRangeNumbers(doc, "")
	if len(schemaViolations) > 0 {
		return nil, warnings, &ValidationError{Violations: scrub(sortViolations(schemaViolations), secretValues(doc, secretPaths))}
	}
	if err := schema.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, nil, fmt.Errorf("validate config: %w", err)
		}
		schemaViolations = schemaToViolations(ve, secretPaths)
	}

	// Decode leniently: encoding/json skips fields of the wrong type and
	// carries on, and the schema has already reported them.
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("encode config: %w", err)
	}
	var raw rawConfig
	_ = json.Unmarshal(data, &raw)
	cfg, buildViolations := raw.build()
	cfg.SetDefaults()
	var semantic []Violation
	semantic = append(semantic, buildViolations...)
	if err := cfg.Validate(); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			semantic = append(semantic, ve.Violations...)
		}
	}

	all := schemaViolations
	for _, s := range semantic {
		if !covered(schemaViolations, s.Path) {
			all = append(all, s)
		}
	}
	if len(all) > 0 {
		return nil, warnings, &ValidationError{Violations: scrub(sortViolations(all), secretValues(doc, secretPaths))}
	}
	warnings = append(warnings, cfg.warnings(time.Now())...)
	return cfg, warnings, nil
}

// covered reports whether a schema violation already concerns path, its
// parent or one of its children.
func covered(vs []Violation, path string) bool {
	for _, v := range vs {
		if v.Path == path || strings.HasPrefix(v.Path, path+"/") || strings.HasPrefix(path, v.Path+"/") {
			return true
		}
	}
	return false
}

func sortViolations(vs []Violation) []Violation {
	slices.SortStableFunc(vs, func(a, b Violation) int { return strings.Compare(a.Path, b.Path) })
	return slices.Compact(vs)
}

// rawConfig mirrors the JSON document; pointers mark settings whose zero
// value differs from "absent".
type rawConfig struct {
	AccountID     string `json:"account_id"`
	ClientID      string `json:"client_id"`
	ClientSecret  Secret `json:"client_secret"`
	ValidationURL string `json:"validation_url"`
	APIBaseURL    string `json:"api_base_url"`
	OAuthTokenURL string `json:"oauth_token_url"`
	StartDate     string `json:"start_date"`
	LookbackDays  *int   `json:"lookback_days"`
	SettleDays    *int   `json:"settle_days"`
	ReconcileDays *int   `json:"reconcile_days"`
	Plan          Plan   `json:"plan"`
	RateLimits    struct {
		Light             float64 `json:"light"`
		Medium            float64 `json:"medium"`
		Heavy             float64 `json:"heavy"`
		ResourceIntensive float64 `json:"resource_intensive"`
	} `json:"rate_limits"`
	MaxConcurrency        int                  `json:"max_concurrency"`
	PageSize              int                  `json:"page_size"`
	RequestTimeoutSeconds float64              `json:"request_timeout_seconds"`
	CheckpointSeconds     int                  `json:"checkpoint_interval_seconds"`
	QuotaProbe            *bool                `json:"quota_probe"`
	Streams               map[string]rawStream `json:"streams"`
	WebhookSecretToken    Secret               `json:"webhook_secret_token"`
	Serve                 *ServeConfig         `json:"serve"`
	Mapping               map[string]string    `json:"mapping"`
	DefaultTarget         *struct {
		MeetingID     json.RawMessage `json:"meeting_id"`
		WebinarID     json.RawMessage `json:"webinar_id"`
		OccurrenceIDs string          `json:"occurrence_ids"`
	} `json:"default_target"`
	AutoApprove           bool     `json:"auto_approve"`
	SendConfirmationEmail bool     `json:"send_confirmation_email"`
	DryRun                bool     `json:"dry_run"`
	Auth                  *rawAuth `json:"auth"`
}

type rawStream struct {
	PageSize     int   `json:"page_size"`
	Enabled      *bool `json:"enabled"`
	LookbackDays *int  `json:"lookback_days"`
	Priority     int   `json:"priority"`
}

func (r *rawConfig) build() (*Config, []Violation) {
	var v []Violation
	c := &Config{
		AccountID:             r.AccountID,
		ClientID:              r.ClientID,
		ClientSecret:          r.ClientSecret,
		ValidationURL:         r.ValidationURL,
		APIBaseURL:            strings.TrimRight(r.APIBaseURL, "/"),
		OAuthTokenURL:         r.OAuthTokenURL,
		LookbackDays:          DefaultLookbackDays,
		SettleDays:            DefaultSettleDays,
		ReconcileDays:         DefaultReconcileDays,
		Plan:                  r.Plan,
		RateLimits:            RateLimits(r.RateLimits),
		MaxConcurrency:        r.MaxConcurrency,
		PageSize:              r.PageSize,
		RequestTimeout:        time.Duration(r.RequestTimeoutSeconds * float64(time.Second)),
		CheckpointInterval:    time.Duration(r.CheckpointSeconds) * time.Second,
		WebhookSecretToken:    r.WebhookSecretToken,
		Serve:                 r.Serve,
		Mapping:               r.Mapping,
		AutoApprove:           r.AutoApprove,
		SendConfirmationEmail: r.SendConfirmationEmail,
		DryRun:                r.DryRun,
	}
	v = append(v, r.buildAuth(c)...) // auth.go
	if r.LookbackDays != nil {
		c.LookbackDays = *r.LookbackDays
	}
	if r.SettleDays != nil {
		c.SettleDays = *r.SettleDays
	}
	if r.ReconcileDays != nil {
		c.ReconcileDays = *r.ReconcileDays
	}
	c.QuotaProbe = r.QuotaProbe == nil || *r.QuotaProbe
	if r.StartDate != "" {
		t, err := ParseStartDate(r.StartDate)
		if err != nil {
			v = append(v, Violation{Path: "/start_date", Message: err.Error()})
		}
		c.StartDate = t
	}
	if len(r.Streams) > 0 {
		c.Streams = make(map[string]StreamConfig, len(r.Streams))
		for name, s := range r.Streams {
			c.Streams[name] = StreamConfig(s)
		}
	}
	if t := r.DefaultTarget; t != nil {
		c.DefaultTarget = &Target{OccurrenceIDs: t.OccurrenceIDs}
		var err error
		if c.DefaultTarget.MeetingID, err = parseID(t.MeetingID); err != nil {
			v = append(v, Violation{Path: "/default_target/meeting_id", Message: err.Error()})
		}
		if c.DefaultTarget.WebinarID, err = parseID(t.WebinarID); err != nil {
			v = append(v, Violation{Path: "/default_target/webinar_id", Message: err.Error()})
		}
	}
	return c, v
}

// parseID accepts a JSON integer or a string of digits; absent gives 0.
func parseID(raw json.RawMessage) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, errors.New("must be an integer or a string of digits")
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, errors.New("must be a positive integer that fits in 64 bits")
	}
	return id, nil
}

// ParseStartDate parses a start_date setting: YYYY-MM-DD (midnight UTC) or
// an RFC 3339 date-time, where the "T" may also be "t" or a space and a
// missing offset or seconds mean UTC and :00. The result is in UTC.
func ParseStartDate(s string) (time.Time, error) {
	n := s
	if len(n) > 10 && (n[10] == 't' || n[10] == ' ') {
		n = n[:10] + "T" + n[11:]
	}
	if strings.HasSuffix(n, "z") {
		n = n[:len(n)-1] + "Z"
	}
	for _, layout := range []string{
		time.DateOnly,
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
	} {
		if t, err := time.Parse(layout, n); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a valid date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:mm:ssZ)", s)
}

// warnings returns remarks about a valid configuration.
func (c *Config) warnings(now time.Time) []Warning {
	var w []Warning
	for _, u := range []struct{ path, val, what, host string }{
		{"/oauth_token_url", c.OAuthTokenURL, "the client secret is", "zoom.us"},
		{"/api_base_url", c.APIBaseURL, "access tokens are", "api.zoom.us"},
		{"/validation_url", c.ValidationURL, "an access token is", "api.zoom.us"},
	} {
		p, err := url.Parse(u.val)
		if err != nil {
			continue
		}
		h := p.Hostname()
		if h != u.host && !strings.HasSuffix(h, ".zoom.us") {
			w = append(w, Warning{Path: u.path, Message: fmt.Sprintf("%s sent to %s, which is not a Zoom host; use this only with the local simulator", u.what, h)})
		} else if p.Scheme != "https" {
			w = append(w, Warning{Path: u.path, Message: fmt.Sprintf("%s sent without TLS; use https", u.what)})
		}
	}
	plan := PlanRateLimits(c.Plan)
	for _, r := range []struct {
		name       string
		got, limit float64
		unit       string
	}{
		{"light", c.RateLimits.Light, plan.Light, "per second"},
		{"medium", c.RateLimits.Medium, plan.Medium, "per second"},
		{"heavy", c.RateLimits.Heavy, plan.Heavy, "per second"},
		{"resource_intensive", c.RateLimits.ResourceIntensive, plan.ResourceIntensive, "per minute"},
	} {
		if r.limit > 0 && r.got > r.limit {
			w = append(w, Warning{Path: "/rate_limits/" + r.name, Message: fmt.Sprintf("%g %s is above the %s plan's documented %g; expect HTTP 429", r.got, r.unit, c.Plan, r.limit)})
		}
	}
	if !c.StartDate.IsZero() && c.StartDate.After(now) {
		w = append(w, Warning{Path: "/start_date", Message: "is in the future; nothing will be read"})
	}
	return w
}

// configSchema compiles spec/config.schema.json once and lists the JSON
// Pointers of its airbyte_secret properties.
func configSchema() (*jsonschema.Schema, []string, error) {
	r := compiledSchema()
	return r.schema, r.secrets, r.err
}

type schemaResult struct {
	schema  *jsonschema.Schema
	secrets []string
	err     error
}

var compiledSchema = sync.OnceValue(func() schemaResult {
	raw := spec.ConfigSchema()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("config schema: refusing to load %s", s)
	}
	const name = "config.schema.json"
	if err := c.AddResource(name, bytes.NewReader(raw)); err != nil {
		return schemaResult{err: fmt.Errorf("load config schema: %w", err)}
	}
	s, err := c.Compile(name)
	if err != nil {
		return schemaResult{err: fmt.Errorf("compile config schema: %w", err)}
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return schemaResult{err: fmt.Errorf("decode config schema: %w", err)}
	}
	var secrets []string
	collectSecrets(doc, "", &secrets)
	return schemaResult{schema: s, secrets: secrets}
})

// SecretPaths returns the JSON Pointers of the settings marked
// airbyte_secret in spec/config.schema.json, e.g. "/client_secret".
func SecretPaths() []string {
	_, p, err := configSchema()
	if err != nil {
		return nil
	}
	return slices.Clone(p)
}

func collectSecrets(schema map[string]any, prefix string, out *[]string) {
	props, _ := schema["properties"].(map[string]any)
	for name, p := range props {
		ps, ok := p.(map[string]any)
		if !ok {
			continue
		}
		path := prefix + "/" + escapePointer(name)
		if b, _ := ps["airbyte_secret"].(bool); b {
			*out = append(*out, path)
		}
		collectSecrets(ps, path, out)
		for _, branch := range asSlice(ps["oneOf"]) { // the auth choices
			if bs, ok := branch.(map[string]any); ok {
				collectSecrets(bs, path, out)
			}
		}
	}
	slices.Sort(*out)
	*out = slices.Compact(*out)
}

var quotedName = regexp.MustCompile(`'((?:[^'\\]|\\.)*)'`)

// quotedNames extracts the property names jsonschema quotes in "missing
// properties: 'a', 'b'" and "additionalProperties 'x' not allowed".
func quotedNames(msg string) []string {
	var names []string
	for _, m := range quotedName.FindAllStringSubmatch(msg, -1) {
		n := strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(m[1])
		names = append(names, n)
	}
	return names
}

// schemaToViolations flattens a jsonschema error tree into one violation per
// leaf, with messages that never quote a secret's value.
func schemaToViolations(ve *jsonschema.ValidationError, secretPaths []string) []Violation {
	var out []Violation
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			causes := e.Causes
			if strings.HasSuffix(e.KeywordLocation, "/oneOf") { // auth.go
				var only *Violation
				if causes, only = oneOfCauses(e); only != nil {
					out = append(out, *only)
					return
				}
			}
			for _, c := range causes {
				walk(c)
			}
			return
		}
		kw := e.KeywordLocation[strings.LastIndexByte(e.KeywordLocation, '/')+1:]
		inst := e.InstanceLocation
		switch kw {
		case "required":
			for _, n := range quotedNames(e.Message) {
				msg := "required"
				for _, f := range envFields {
					if inst == "" && f.key == n {
						msg = "required: set it in the config or in " + f.env
					}
				}
				out = append(out, Violation{Path: inst + "/" + escapePointer(n), Message: msg})
			}
			return
		case "additionalProperties":
			if strings.HasPrefix(e.Message, "additionalProperties ") {
				for _, n := range quotedNames(e.Message) {
					out = append(out, Violation{Path: inst + "/" + escapePointer(n), Message: "unknown field"})
				}
				return
			}
		}
		msg := e.Message
		if isSecretPath(inst, secretPaths) {
			switch kw {
			case "type":
			case "minLength":
				msg = "must not be empty"
			default:
				msg = "invalid value (not shown: secret)"
			}
		}
		out = append(out, Violation{Path: inst, Message: msg})
	}
	walk(ve)
	return out
}

func isSecretPath(p string, secretPaths []string) bool {
	for _, s := range secretPaths {
		if p == s || strings.HasPrefix(p, s+"/") {
			return true
		}
	}
	return false
}

// minScrubLen is the shortest secret value scrubbed from messages; shorter
// ones would garble unrelated text and are refused by nobody but the
// schema's minLength.
const minScrubLen = 4

// secretValues returns the string values of the secret settings in doc.
func secretValues(doc map[string]any, secretPaths []string) []string {
	var vals []string
	for _, p := range secretPaths {
		var cur any = doc
		for _, tok := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = m[strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)]
		}
		if s, ok := cur.(string); ok && len(s) >= minScrubLen {
			vals = append(vals, s)
		}
	}
	return vals
}

// scrub replaces any secret value in the violations with "[redacted]", a
// last line of defence for messages that quote user input.
func scrub(vs []Violation, secrets []string) []Violation {
	for i := range vs {
		for _, s := range secrets {
			vs[i].Message = strings.ReplaceAll(vs[i].Message, s, Redacted)
			vs[i].Path = strings.ReplaceAll(vs[i].Path, s, Redacted)
		}
	}
	return vs
}

// outOfRangeNumbers lists the numbers of a decoded document that do not fit
// a float64, by JSON pointer.
func outOfRangeNumbers(v any, path string) []Violation {
	var out []Violation
	switch t := v.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(t), 64); err != nil {
			out = append(out, Violation{Path: path, Message: "number out of range"})
		}
	case map[string]any:
		for k, x := range t {
			out = append(out, outOfRangeNumbers(x, path+"/"+escapePointer(k))...)
		}
	case []any:
		for i, x := range t {
			out = append(out, outOfRangeNumbers(x, path+"/"+strconv.Itoa(i))...)
		}
	}
	return out
}
