package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// AuthType selects how the connector signs in to Zoom (the auth_type of
// the auth setting).
type AuthType string

// Authentication methods.
const (
	// AuthServerToServer is a Server-to-Server OAuth app (account_id,
	// client_id, client_secret): the default, and what the top-level
	// credentials mean.
	AuthServerToServer AuthType = "server_to_server"
	// AuthOAuth is a user-authorized OAuth app connected to one account
	// (client_id, client_secret and a rotating refresh token).
	AuthOAuth AuthType = "oauth"
)

// EnvRefreshToken fills auth.refresh_token when an oauth auth leaves it out.
const EnvRefreshToken = "ZOOM_REFRESH_TOKEN"

// rawAuth mirrors the auth object of the JSON document.
type rawAuth struct {
	AuthType     AuthType `json:"auth_type"`
	AccountID    string   `json:"account_id"`
	ClientID     string   `json:"client_id"`
	ClientSecret Secret   `json:"client_secret"`
	RefreshToken Secret   `json:"refresh_token"`
	TokenStore   string   `json:"token_store"`
}

// buildAuth copies the auth object into c; the credentials land in the
// same fields as the top-level ones, so code that only knows
// Server-to-Server keeps working.
func (r *rawConfig) buildAuth(c *Config) []Violation {
	a := r.Auth
	if a == nil {
		return nil
	}
	var v []Violation
	if r.AccountID != "" || r.ClientID != "" || !r.ClientSecret.IsZero() {
		v = append(v, Violation{Path: "/auth", Message: "set the credentials in auth or at the top level (account_id, client_id, client_secret), not both"})
	}
	c.authBlock = true
	c.AuthType = a.AuthType
	if c.AuthType == "" {
		// Not defaulted: the schema reports the missing auth_type, and the
		// credential checks must not guess which fields were meant.
		c.AuthType = "unset"
	}
	c.AccountID, c.ClientID, c.ClientSecret = a.AccountID, a.ClientID, a.ClientSecret
	c.RefreshToken, c.TokenStore = a.RefreshToken, a.TokenStore
	return v
}

// hasAuth reports whether the document has an auth setting.
func hasAuth(doc map[string]any) bool {
	_, ok := doc["auth"]
	return ok
}

// authEnv fills the auth object's missing credentials from env, as the
// top-level ones are filled without it.
func authEnv(doc map[string]any, env func(string) string) []Warning {
	a, ok := doc["auth"].(map[string]any)
	if !ok || env == nil {
		return nil
	}
	fields := []struct{ key, env string }{{"client_id", EnvClientID}, {"client_secret", EnvClientSecret}}
	switch a["auth_type"] {
	case string(AuthServerToServer):
		fields = append(fields, struct{ key, env string }{"account_id", EnvAccountID})
	case string(AuthOAuth):
		fields = append(fields, struct{ key, env string }{"refresh_token", EnvRefreshToken})
	}
	var w []Warning
	for _, f := range fields {
		val := env(f.env)
		if val == "" {
			continue
		}
		if _, ok := a[f.key]; ok {
			w = append(w, Warning{Path: "/auth/" + f.key, Message: "set in the config and in " + f.env + "; the config wins"})
			continue
		}
		a[f.key] = val
	}
	return w
}

// validateCredentials reports missing credentials for the auth type.
func (c *Config) validateCredentials(add func(path, format string, args ...any)) {
	prefix := ""
	if c.authBlock || c.AuthType == AuthOAuth {
		prefix = "/auth"
	}
	switch c.AuthType {
	case "", AuthServerToServer:
		if c.AccountID == "" {
			add(prefix+"/account_id", "required: set it in the config or in %s", EnvAccountID)
		}
	case AuthOAuth:
		if c.AccountID != "" {
			add("/auth/account_id", "not used by oauth (the account is the one that authorized the app)")
		}
	default:
		add("/auth/auth_type", "must be %s or %s", AuthServerToServer, AuthOAuth)
		return
	}
	if c.ClientID == "" {
		add(prefix+"/client_id", "required: set it in the config or in %s", EnvClientID)
	}
	if c.ClientSecret.IsZero() {
		add(prefix+"/client_secret", "required: set it in the config or in %s", EnvClientSecret)
	}
}

// IsOAuth reports whether the configuration uses a user-authorized OAuth
// app (auth_type oauth).
func (c *Config) IsOAuth() bool { return c.AuthType == AuthOAuth }

// redactedAuth is the auth object of Redacted, or nil without one.
func (c *Config) redactedAuth() map[string]any {
	if !c.authBlock && c.AuthType != AuthOAuth {
		return nil
	}
	secret := func(s Secret) string {
		if s.IsZero() {
			return ""
		}
		return Redacted
	}
	m := map[string]any{"auth_type": string(c.AuthType), "client_id": c.ClientID, "client_secret": secret(c.ClientSecret)}
	if c.AuthType == AuthOAuth {
		m["refresh_token"] = secret(c.RefreshToken)
		if c.TokenStore != "" {
			m["token_store"] = c.TokenStore
		}
	} else {
		m["account_id"] = c.AccountID
	}
	return m
}

// WithRefreshToken returns the configuration document doc (JSON) with
// auth.refresh_token set to refresh, everything else unchanged (numbers
// keep their text; the output is indented). It is what the connector saves
// to the config file, or sends in an Airbyte CONTROL message, after Zoom
// rotates the refresh token. doc must have an oauth auth object.
func WithRefreshToken(doc []byte, refresh string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("config: rewrite refresh token: the config is not a JSON object")
	}
	a, ok := m["auth"].(map[string]any)
	if !ok || a["auth_type"] != string(AuthOAuth) {
		return nil, errors.New(`config: rewrite refresh token: the config has no auth object with auth_type "oauth"`)
	}
	if refresh == "" {
		return nil, errors.New("config: rewrite refresh token: empty refresh token")
	}
	a["refresh_token"] = refresh
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("config: rewrite refresh token: %w", err)
	}
	return buf.Bytes(), nil
}

// oneOfCauses picks the branches of a failed oneOf worth reporting: a
// branch whose discriminator (a "const" property such as auth_type) does
// not match says nothing about what the user meant. When the discriminator
// is missing or matches no branch, it returns the one violation to report.
func oneOfCauses(e *jsonschema.ValidationError) ([]*jsonschema.ValidationError, *Violation) {
	var kept []*jsonschema.ValidationError
	var consts []string
	discr := ""
	for _, branch := range e.Causes {
		mismatch := false
		var walk func(c *jsonschema.ValidationError)
		walk = func(c *jsonschema.ValidationError) {
			for _, cc := range c.Causes {
				walk(cc)
			}
			if len(c.Causes) > 0 {
				return
			}
			switch c.KeywordLocation[strings.LastIndexByte(c.KeywordLocation, '/')+1:] {
			case "const":
				mismatch = true
				discr = c.InstanceLocation
				consts = append(consts, quotedValues(c.Message)...)
			case "required":
				if names := quotedNames(c.Message); len(names) > 0 && names[0] == "auth_type" {
					mismatch = true
					discr = c.InstanceLocation + "/auth_type"
				}
			}
		}
		walk(branch)
		if !mismatch {
			kept = append(kept, branch)
		}
	}
	if len(kept) > 0 || discr == "" {
		return kept, nil
	}
	msg := "required"
	if len(consts) > 0 {
		msg = "must be one of " + strings.Join(consts, ", ")
	} else {
		msg += ": " + string(AuthServerToServer) + " or " + string(AuthOAuth)
	}
	return nil, &Violation{Path: discr, Message: msg}
}

// quotedValues extracts the "..." values of a jsonschema const message.
func quotedValues(msg string) []string {
	var out []string
	for {
		i := strings.IndexByte(msg, '"')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(msg[i+1:], '"')
		if j < 0 {
			return out
		}
		out = append(out, msg[i+1:i+1+j])
		msg = msg[i+2+j:]
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
