// Package protocoltest validates emitted Airbyte messages against the
// upstream protocol schema, ../shared/airbyte-protocol/airbyte_protocol.yaml
// (the shared/ folder sits beside the repository's directory). Tests that
// use it are skipped when that folder is absent, and fail with CI=true
// (see internal/testkit/refdir).
package protocoltest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/zoom-connector/zoom-connector/internal/testkit/refdir"
	"gopkg.in/yaml.v3"
)

// SkipMessage is the reason tests are skipped without the protocol folder.
const SkipMessage = "../shared/airbyte-protocol not found: skipping protocol validation"

// schemaURL is the name the protocol document is registered under.
const schemaURL = "airbyte_protocol.json"

// ProtocolDir returns the airbyte-protocol folder: <repo>/../shared/airbyte-protocol,
// where <repo> is the nearest directory at or above the working directory
// that holds go.mod. It returns an error when either is missing.
func ProtocolDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(filepath.Dir(dir), "shared", "airbyte-protocol")
			if _, err := os.Stat(filepath.Join(p, "airbyte_protocol.yaml")); err != nil {
				return "", fmt.Errorf("%s: %w", p, err)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

type loaded struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	err      error
	skip     bool
	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema
}

var load = sync.OnceValue(func() *loaded {
	dir, err := ProtocolDir()
	if err != nil {
		return &loaded{skip: true, err: err}
	}
	data, err := os.ReadFile(filepath.Join(dir, "airbyte_protocol.yaml"))
	if err != nil {
		return &loaded{err: err}
	}
	var y any
	if err := yaml.Unmarshal(data, &y); err != nil {
		return &loaded{err: fmt.Errorf("parse airbyte_protocol.yaml: %w", err)}
	}
	doc, ok := toJSONValue(y).(map[string]any)
	if !ok {
		return &loaded{err: errors.New("airbyte_protocol.yaml: top level is not a mapping")}
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return &loaded{err: fmt.Errorf("convert airbyte_protocol.yaml to JSON: %w", err)}
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("protocoltest: refusing to load %s", s)
	}
	if err := c.AddResource(schemaURL, bytes.NewReader(js)); err != nil {
		return &loaded{err: fmt.Errorf("load protocol schema: %w", err)}
	}
	return &loaded{doc: doc, compiler: c, compiled: map[string]*jsonschema.Schema{}}
})

// toJSONValue turns what yaml.v3 decodes into values encoding/json accepts.
func toJSONValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = toJSONValue(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = toJSONValue(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = toJSONValue(e)
		}
		return t
	case time.Time:
		return t.Format(time.RFC3339Nano)
	default:
		return v
	}
}

func get(t testing.TB) *loaded {
	t.Helper()
	l := load()
	if l.skip {
		refdir.Missing(t, "%s (%v)", SkipMessage, l.err)
	}
	if l.err != nil {
		t.Fatalf("protocoltest: %v", l.err)
	}
	return l
}

// Schema returns the compiled protocol definition name (for example
// "AirbyteMessage" or "ConfiguredAirbyteCatalog"), skipping the test when
// the protocol folder is absent.
func Schema(t testing.TB, definition string) *jsonschema.Schema {
	t.Helper()
	l := get(t)
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.compiled[definition]; ok {
		return s
	}
	s, err := l.compiler.Compile(schemaURL + "#/definitions/" + definition)
	if err != nil {
		t.Fatalf("protocoltest: compile %s: %v", definition, err)
	}
	l.compiled[definition] = s
	return s
}

// Definitions returns the protocol's "definitions" object decoded from YAML,
// for tests that compare Go types with the schema. Do not modify it.
func Definitions(t testing.TB) map[string]any {
	t.Helper()
	defs, _ := get(t).doc["definitions"].(map[string]any)
	return defs
}

// Validator returns a function that checks one emitted line (a single JSON
// object, trailing newline allowed) against the AirbyteMessage definition
// and fails the test it is given with the schema's explanation. Validator
// skips t when ../shared/airbyte-protocol is absent (fails it with CI=true).
func Validator(t testing.TB) func(t testing.TB, line []byte) {
	t.Helper()
	s := Schema(t, "AirbyteMessage")
	return func(t testing.TB, line []byte) {
		t.Helper()
		if err := validate(s, line); err != nil {
			t.Errorf("protocol violation: %v\nline: %s", err, bytes.TrimSpace(line))
		}
	}
}

// ValidateLines splits out into lines and validates each non-empty line as
// an AirbyteMessage, returning the number of lines checked.
func ValidateLines(t testing.TB, out []byte) int {
	t.Helper()
	check := Validator(t)
	n := 0
	for _, line := range bytes.Split(out, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		check(t, line)
		n++
	}
	return n
}

func validate(s *jsonschema.Schema, line []byte) error {
	trimmed := bytes.TrimRight(line, "\r\n")
	if bytes.ContainsAny(trimmed, "\n") {
		return errors.New("message spans more than one line")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if dec.More() {
		return errors.New("more than one JSON value on the line")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errors.New("not a JSON object")
	}
	if err := s.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("%#v", ve)
		}
		return err
	}
	// The schema does not tie the payload to the type; the platform does.
	typ, _ := m["type"].(string)
	if key, ok := payloadKey[typ]; ok {
		if _, ok := m[key].(map[string]any); !ok {
			return fmt.Errorf("type %s without a %q object", typ, key)
		}
	}
	return nil
}

// payloadKey is the field each message type carries its payload in.
var payloadKey = map[string]string{
	"RECORD":              "record",
	"STATE":               "state",
	"LOG":                 "log",
	"SPEC":                "spec",
	"CONNECTION_STATUS":   "connectionStatus",
	"CATALOG":             "catalog",
	"TRACE":               "trace",
	"CONTROL":             "control",
	"DESTINATION_CATALOG": "destination_catalog",
}
