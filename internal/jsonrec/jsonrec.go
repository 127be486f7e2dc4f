// Package jsonrec holds the JSON helpers of records as the connector reads
// them: the records of an answer's envelope, an object decoded with exact
// numbers, parent keys added to a record (spliced into Zoom's bytes when
// they can be), and a decoded value as text.
package jsonrec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Str renders a decoded JSON value as text: "" for null, strings as they
// are, json.Number (and anything with a String method) as its text.
func Str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case fmt.Stringer:
		return t.String()
	}
	return fmt.Sprint(v)
}

// AddKeys adds the parent keys to a record. When decode is set it also
// returns the record's top-level fields (with the keys). Without decode the
// keys are spliced into the raw JSON, which keeps Zoom's bytes as they are
// and costs no decoding, unless the record already has a field of that
// name.
func AddKeys(rec json.RawMessage, keys map[string]string, parent map[string]any, decode bool) (json.RawMessage, map[string]any, error) {
	if len(keys) == 0 && !decode {
		return rec, nil, nil
	}
	if !decode {
		if out, ok := spliceKeys(rec, keys, parent); ok {
			return out, nil, nil
		}
	}
	fields, err := DecodeObject(rec)
	if err != nil {
		return nil, nil, err
	}
	if len(keys) == 0 {
		return rec, fields, nil
	}
	for k, pf := range keys {
		fields[k] = parent[pf]
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fields); err != nil {
		return nil, nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), fields, nil
}

// spliceKeys inserts "key":value pairs at the start of a JSON object; false
// when the record is not an object or may already hold one of the keys.
func spliceKeys(rec json.RawMessage, keys map[string]string, parent map[string]any) (json.RawMessage, bool) {
	body := bytes.TrimLeft(rec, " \t\r\n")
	if len(body) == 0 || body[0] != '{' {
		return nil, false
	}
	out := make([]byte, 0, len(rec)+32*len(keys))
	out = append(out, '{')
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		name, _ := json.Marshal(k)
		if bytes.Contains(body, append(name, ':')) {
			return nil, false
		}
		val, err := json.Marshal(parent[keys[k]])
		if err != nil {
			return nil, false
		}
		out = append(out, name...)
		out = append(out, ':')
		out = append(out, val...)
		out = append(out, ',')
	}
	rest := bytes.TrimLeft(body[1:], " \t\r\n")
	if len(rest) > 0 && rest[0] == '}' {
		out = out[:len(out)-1] // an empty object: no comma before '}'
	}
	return append(out, rest...), true
}

// DecodeObject decodes a JSON object keeping numbers exact.
func DecodeObject(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	if m == nil {
		return nil, errors.New("record is not a JSON object")
	}
	return m, nil
}

// EnvelopeItems returns the records of an unpaginated answer: the array
// under envelope, or the whole object when envelope is empty.
func EnvelopeItems(raw json.RawMessage, envelope string) ([]json.RawMessage, error) {
	if envelope == "" {
		if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
			return nil, errors.New("answer is not a JSON object")
		}
		return []json.RawMessage{raw}, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	v, ok := top[envelope]
	if !ok || string(v) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return nil, fmt.Errorf("%q is not an array: %w", envelope, err)
	}
	return items, nil
}
