package spec

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	if err := c.AddResource(ConfigSchemaFile, bytes.NewReader(ConfigSchema())); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(ConfigSchemaFile)
	if err != nil {
		t.Fatalf("config schema does not compile as draft-07: %v", err)
	}
	return s
}

func TestEmbeddedJSONIsValid(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(FS, "*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded files: %v", err)
	}
	for _, f := range files {
		b, _ := fs.ReadFile(FS, f)
		if !json.Valid(b) {
			t.Errorf("%s is not valid JSON", f)
		}
	}
}

type prop struct {
	Title         string          `json:"title"`
	Description   string          `json:"description"`
	Examples      []any           `json:"examples"`
	Default       json.RawMessage `json:"default"`
	AirbyteSecret *bool           `json:"airbyte_secret"`
}

func TestConfigSchemaShape(t *testing.T) {
	t.Parallel()
	s := compile(t)
	var doc struct {
		Schema               string   `json:"$schema"`
		Type                 string   `json:"type"`
		AdditionalProperties *bool    `json:"additionalProperties"`
		Required             []string `json:"required"`
		Then                 struct {
			Required []string `json:"required"`
		} `json:"then"`
		Properties map[string]prop `json:"properties"`
	}
	if err := json.Unmarshal(ConfigSchema(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "http://json-schema.org/draft-07/schema#" || doc.Type != "object" || doc.AdditionalProperties == nil || *doc.AdditionalProperties {
		t.Error("want a draft-07 object schema with additionalProperties: false")
	}
	// The top-level credentials are required unless an auth object is set.
	if len(doc.Required) != 0 || strings.Join(doc.Then.Required, ",") != "account_id,client_id,client_secret" {
		t.Errorf("required = %v, then.required = %v", doc.Required, doc.Then.Required)
	}
	wantProps := "account_id client_id client_secret validation_url api_base_url oauth_token_url start_date lookback_days settle_days reconcile_days plan rate_limits max_concurrency page_size request_timeout_seconds streams webhook_secret_token mapping default_target auto_approve send_confirmation_email dry_run checkpoint_interval_seconds quota_probe auth serve"
	if len(doc.Properties) != len(strings.Fields(wantProps)) {
		t.Errorf("got %d properties, want %d", len(doc.Properties), len(strings.Fields(wantProps)))
	}
	secrets := map[string]bool{"client_secret": true, "webhook_secret_token": true, "account_id": false, "client_id": false}
	for _, name := range strings.Fields(wantProps) {
		p, ok := doc.Properties[name]
		if !ok {
			t.Errorf("%s: missing", name)
			continue
		}
		if p.Title == "" || p.Description == "" || len(p.Examples) == 0 {
			t.Errorf("%s: needs title, description and examples", name)
		}
		if want, ok := secrets[name]; ok && (p.AirbyteSecret == nil || *p.AirbyteSecret != want) {
			t.Errorf("%s: airbyte_secret must be %v", name, want)
		}
		if !ok && p.AirbyteSecret != nil && *p.AirbyteSecret {
			t.Errorf("%s: unexpected airbyte_secret", name)
		}
		// Every default and example must itself be valid.
		values := append([]any{}, p.Examples...)
		if p.Default != nil {
			var d any
			_ = json.Unmarshal(p.Default, &d)
			values = append(values, d)
		}
		for _, v := range values {
			inst := map[string]any{"account_id": "a", "client_id": "b", "client_secret": "c", name: v}
			if err := s.Validate(inst); err != nil && !strings.Contains(name, "secret") {
				t.Errorf("%s: example/default %v invalid: %v", name, v, err)
			}
		}
	}
}

func TestConfigSchemaRejects(t *testing.T) {
	t.Parallel()
	s := compile(t)
	base := func() map[string]any {
		return map[string]any{"account_id": "a", "client_id": "b", "client_secret": "c"}
	}
	if err := s.Validate(base()); err != nil {
		t.Fatalf("minimal config rejected: %v", err)
	}
	bad := map[string]any{
		"page_size": 301.0, "max_concurrency": 65.0, "plan": "gold", "start_date": "01/02/2025",
		"client_secret": "", "extra": true, "lookback_days": 1.5, "rate_limits": map[string]any{"light": 0.0},
	}
	for k, v := range bad {
		m := base()
		m[k] = v
		if err := s.Validate(m); err == nil {
			t.Errorf("%s=%v accepted", k, v)
		}
	}
}
