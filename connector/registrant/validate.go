package registrant

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/zoom-connector/zoom-connector/spec"
)

// schema compiles spec/registrant.schema.json once, with format assertions.
// It refuses to load any other document.
var schema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.AssertFormat = true
	if err := c.AddResource(spec.RegistrantSchemaFile, bytes.NewReader(spec.RegistrantSchema())); err != nil {
		return nil, fmt.Errorf("registrant schema: %w", err)
	}
	s, err := c.Compile(spec.RegistrantSchemaFile)
	if err != nil {
		return nil, fmt.Errorf("registrant schema: %w", err)
	}
	return s, nil
})

// Validate checks one registrant row, as decoded JSON (numbers as
// json.Number), against spec/registrant.schema.json and the email syntax
// Zoom accepts. The error names each field at fault ("email: not a valid
// email address; first_name: required") and never quotes a value.
func Validate(doc map[string]any) error {
	s, err := schema()
	if err != nil {
		return err
	}
	if err := s.Validate(doc); err != nil {
		return schemaReason(err)
	}
	if em, ok := doc["email"].(string); ok {
		return CheckEmail(em)
	}
	return nil
}

// CheckEmail applies the syntax check Zoom's own validation is closest to:
// a bare address (no display name) whose domain has a dot.
func CheckEmail(s string) error {
	a, err := mail.ParseAddress(s)
	at := strings.LastIndexByte(s, '@')
	if err != nil || a.Address != s || at < 1 || !strings.Contains(s[at+1:], ".") ||
		strings.HasSuffix(s, ".") || strings.ContainsAny(s, " \t") {
		return errors.New("email: not a valid email address")
	}
	return nil
}

// schemaReason flattens a jsonschema error into "field: problem; ...",
// naming each field at fault.
func schemaReason(err error) error {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var parts []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		for _, c := range e.Causes {
			walk(c)
		}
		if len(e.Causes) == 0 {
			leafReason(e, add)
		}
	}
	walk(ve)
	if len(parts) == 0 {
		return errors.New(ve.Message)
	}
	return errors.New(strings.Join(parts, "; "))
}

// leafReason reports one leaf of a validation error as "field: problem".
func leafReason(e *jsonschema.ValidationError, add func(string)) {
	field := strings.ReplaceAll(strings.TrimPrefix(e.InstanceLocation, "/"), "/", ".")
	msg := e.Message
	if field == "" {
		// Required properties are reported on the object.
		if m, ok := strings.CutPrefix(msg, "missing properties: "); ok {
			for _, p := range strings.Split(m, ",") {
				add(strings.Trim(strings.TrimSpace(p), `'"`) + ": required")
			}
			return
		}
		field = "row"
	}
	switch {
	case strings.HasSuffix(msg, "is not valid 'email'"):
		// The format message quotes the value; reasons never do.
		msg = "not a valid email address"
	case strings.Contains(msg, "is not valid '"):
		msg = "not valid " + msg[strings.LastIndex(msg, "is not valid '")+len("is not valid "):]
	case field == "meeting_id" || field == "webinar_id":
		msg = "must be a positive integer ID"
	}
	add(field + ": " + msg)
}
