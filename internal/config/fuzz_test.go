package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the config loader. It must never
// panic; a config it accepts must pass Validate and carry credentials;
// and no error, printed Config or Redacted view may show the value of a
// secret setting (when that value is not also some other, non-secret
// string of the document, which the error may legitimately quote).
//
//	go test -run='^$' -fuzz=FuzzParse -fuzztime=60s ./internal/config/
func FuzzParse(f *testing.F) {
	seeds := []string{
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value"}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","plan":"unlimited","max_concurrency":16,"page_size":300,
		  "request_timeout_seconds":1.5,"checkpoint_interval_seconds":1,"lookback_days":0,"start_date":"2025-01-01T00:00:00Z",
		  "api_base_url":"http://127.0.0.1:8089/v2","oauth_token_url":"http://127.0.0.1:8089/oauth/token",
		  "validation_url":"http://127.0.0.1:8089/v2/users/me","rate_limits":{"light":20,"medium":10,"heavy":5,"resource_intensive":5},
		  "streams":{"users":{"page_size":100,"enabled":false,"lookback_days":3}}}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","max_concurrency":"eight"}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","clientsecret":"s3cr3t-value2"}`,
		`{"account_id":"acc","client_id":"cid","client_secret":""}`,
		`{"account_id":"acc","client_id":"cid","client_secret":12345}`,
		`{"account_id":"acc","client_id":"cid","client_secret":["s3cr3t-value"]}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","webhook_secret_token":"wh-s3cr3t"}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","page_size":3e2,"max_concurrency":8.0}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","page_size":1e400}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","page_size":1e100000000}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","lookback_days":-1e-100000000}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","api_base_url":"https://user:s3cr3t-value@zoom.us/v2"}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","default_target":{"meeting_id":9007199254740993,"occurrence_ids":"a,,b"}}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","mapping":{"Email":"email","Name":""}}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","start_date":"yesterday"}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","streams":{"":{"page_size":0}}}`,
		`{"auth":{"type":"oauth","client_id":"cid","client_secret":"s3cr3t-value","refresh_token":"r3fr3sh-token"}}`,
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value"} {"x":1}`,
		`{"account_id": "acc", "client_id": `,
		`[]`, `null`, ``, `"s3cr3t-value"`, "{\"client_secret\":\"\\u0073\\u0033cr3t\"}",
		`{"account_id":"acc","client_id":"cid","client_secret":"s3cr3t-value","client_secret":"other-s3cr3t"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, _, err := Parse(data, nil)
		secrets, masked := fuzzSecrets(data)
		// The same document with every secret value replaced: a secret
		// may show up in the output only as often as it does there (in
		// a default URL, say), never because it is the secret.
		var cfg2 *Config
		var err2 error
		if masked != nil {
			cfg2, _, err2 = Parse(masked, nil)
		}
		if err != nil {
			if cfg != nil {
				t.Fatalf("error %v with a non-nil config", err)
			}
			for _, s := range secrets {
				if n := strings.Count(err.Error(), s); n > 0 && (err2 == nil || n > strings.Count(err2.Error(), s)) {
					t.Fatalf("the error shows the secret %q: %v", s, err)
				}
			}
			return
		}
		if cfg == nil {
			t.Fatal("nil config without an error")
		}
		if verr := cfg.Validate(); verr != nil {
			t.Fatalf("Parse accepted a config that Validate refuses: %v", verr)
		}
		if cfg.ClientID == "" || cfg.ClientSecret.IsZero() {
			t.Fatalf("accepted a config without client credentials")
		}
		printed := printConfig(t, cfg)
		base := ""
		if cfg2 != nil {
			base = printConfig(t, cfg2)
		}
		for _, s := range secrets {
			if n := strings.Count(printed, s); n > 0 && (cfg2 == nil || n > strings.Count(base, s)) {
				t.Fatalf("a printed config shows the secret %q:\n%s", s, printed)
			}
		}
	})
}

// printConfig prints a config every way a log line might.
func printConfig(t *testing.T, cfg *Config) string {
	red, err := json.Marshal(cfg.Redacted())
	if err != nil {
		t.Fatalf("Redacted does not marshal: %v", err)
	}
	return fmt.Sprintf("%v %+v %#v %s %v", *cfg, *cfg, *cfg, red, cfg)
}

// fuzzSecrets returns the string values at the schema's secret paths of a
// document, leaving out short ones and those that also occur in another
// (non-secret) key or string value, where an error may quote them; and
// the document with every secret value replaced (nil if it does not
// decode).
func fuzzSecrets(data []byte) ([]string, []byte) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return nil, nil
	}
	secretPaths := map[string]bool{}
	for _, p := range SecretPaths() {
		secretPaths[p] = true
	}
	var secrets, others []string
	var walk func(path string, v any) any
	walk = func(path string, v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				others = append(others, k)
				t[k] = walk(path+"/"+escapePointer(k), e)
			}
		case []any:
			for i, e := range t {
				t[i] = walk(fmt.Sprintf("%s/%d", path, i), e)
			}
		case string:
			if secretPaths[path] {
				secrets = append(secrets, t)
				return "masked-secret-value"
			}
			others = append(others, t)
		case json.Number:
			others = append(others, string(t))
		}
		return v
	}
	doc = walk("", doc)
	masked, err := json.Marshal(doc)
	if err != nil {
		masked = nil
	}
	var out []string
	for _, s := range secrets {
		if len(s) < minScrubLen {
			continue
		}
		shared := false
		for _, o := range others {
			if strings.Contains(o, s) {
				shared = true
				break
			}
		}
		// A secret that is a fragment of a longer secret, or of an error's
		// fixed wording, is not checked.
		for _, o := range secrets {
			if o != s && strings.Contains(o, s) {
				shared = true
			}
		}
		if !shared {
			out = append(out, s)
		}
	}
	return out, masked
}
