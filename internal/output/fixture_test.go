package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// meetingsSchema exercises every IR kind: int64 IDs above 2^53, number,
// boolean, date-time, date, nested struct, list of structs via $ref, list of
// nullable strings, a free-form object, a multi-branch oneOf and a nullable
// anyOf.
const meetingsSchema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "definitions": {
    "occurrence": {"type": "object", "properties": {
      "occurrence_id": {"type": ["null", "integer"]},
      "start_time": {"type": ["null", "string"], "format": "date-time"},
      "status": {"type": ["null", "string"]}}}
  },
  "properties": {
    "id": {"type": ["null", "integer"]},
    "uuid": {"type": ["null", "string"]},
    "topic": {"type": ["null", "string"]},
    "duration": {"type": ["null", "number"]},
    "pmi": {"type": ["null", "boolean"]},
    "start_time": {"type": ["null", "string"], "format": "date-time"},
    "created_date": {"type": ["null", "string"], "format": "date"},
    "settings": {"type": ["null", "object"], "properties": {
      "host_video": {"type": ["null", "boolean"]},
      "approval_type": {"type": ["null", "integer"]},
      "alternative_hosts": {"type": ["null", "string"]}}},
    "occurrences": {"type": ["null", "array"], "items": {"$ref": "#/definitions/occurrence"}},
    "tags": {"type": ["null", "array"], "items": {"type": ["null", "string"]}},
    "tracking_fields": {"type": ["null", "object"], "additionalProperties": true},
    "recurrence": {"oneOf": [{"type": "object", "properties": {"type": {"type": "integer"}}}, {"type": "string"}]},
    "agenda": {"anyOf": [{"type": "null"}, {"type": "string"}]}
  }
}`

// meetingsRecords: a full record, a record of nulls and empties, and a record
// with type mismatches and unknown fields.
var meetingsRecords = []string{
	`{"id":9007199254740993,"uuid":"aB/c==","topic":"Weekly <sync> & \"plan\"","duration":45.5,"pmi":false,` +
		`"start_time":"2024-03-01T10:00:00Z","created_date":"2024-03-01",` +
		`"settings":{"host_video":true,"approval_type":2,"alternative_hosts":""},` +
		`"occurrences":[{"occurrence_id":1709287200000,"start_time":"2024-03-01T12:00:00.123456+02:00","status":"available"},` +
		`{"occurrence_id":9223372036854775807,"start_time":null,"status":"deleted"}],` +
		`"tags":["a",null,"é"],"tracking_fields":{"field":"x","n":12345678901234567890,"nested":{"a":[1,2.5]}},` +
		`"recurrence":{"type":1},"agenda":"hello"}`,
	`{"id":-9007199254740993,"uuid":null,"topic":"","duration":0,"pmi":null,"start_time":null,"created_date":null,` +
		`"settings":null,"occurrences":[],"tags":null,"tracking_fields":null,"recurrence":"daily"}`,
	`{"id":"abc","topic":12,"start_time":"2024-13-45 99:00","created_date":"1969-12-31","duration":"long",` +
		`"settings":{"host_video":"yes","approval_type":99999999999999999999,"new_flag":true},` +
		`"occurrences":[{"occurrence_id":"x","status":"ok"},"bad"],"tags":"notalist",` +
		`"unknown_field":{"x":[1,2]},"_extra":"mine"}`,
}

// jsonText marks an expected KindJSON value; it is compared canonically.
type jsonText string

// meetingsExpected is the normalized form of meetingsRecords: int64, float64,
// bool, string, timestamps as UTC microseconds (int64), dates as days (int32),
// structs as map[string]any, lists as []any.
func meetingsExpected() []map[string]any {
	occ0 := time.Date(2024, 3, 1, 10, 0, 0, 123456000, time.UTC).UnixMicro()
	return []map[string]any{
		{
			"id": int64(9007199254740993), "uuid": "aB/c==", "topic": `Weekly <sync> & "plan"`,
			"duration": 45.5, "pmi": false,
			"start_time":   time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC).UnixMicro(),
			"created_date": int32(19783),
			"settings":     map[string]any{"host_video": true, "approval_type": int64(2), "alternative_hosts": ""},
			"occurrences": []any{
				map[string]any{"occurrence_id": int64(1709287200000), "start_time": occ0, "status": "available"},
				map[string]any{"occurrence_id": int64(9223372036854775807), "start_time": nil, "status": "deleted"},
			},
			"tags":            []any{"a", nil, "é"},
			"tracking_fields": jsonText(`{"field":"x","n":12345678901234567890,"nested":{"a":[1,2.5]}}`),
			"recurrence":      jsonText(`{"type":1}`),
			"agenda":          "hello",
			"_extra":          nil,
		},
		{
			"id": int64(-9007199254740993), "uuid": nil, "topic": "", "duration": 0.0, "pmi": nil,
			"start_time": nil, "created_date": nil, "settings": nil, "occurrences": []any{}, "tags": nil,
			"tracking_fields": nil, "recurrence": jsonText(`"daily"`), "agenda": nil, "_extra": nil,
		},
		{
			"id": nil, "uuid": nil, "topic": nil, "duration": nil, "pmi": nil, "start_time": nil,
			"created_date": int32(-1),
			"settings":     map[string]any{"host_video": nil, "approval_type": nil, "alternative_hosts": nil},
			"occurrences": []any{
				map[string]any{"occurrence_id": nil, "start_time": nil, "status": "ok"},
				nil,
			},
			"tags": nil, "tracking_fields": nil, "recurrence": nil, "agenda": nil,
			"_extra": jsonText(`{"_extra":"mine","duration":"long","id":"abc",` +
				`"occurrences[0].occurrence_id":"x","occurrences[1]":"bad",` +
				`"settings.approval_type":99999999999999999999,"settings.host_video":"yes","settings.new_flag":true,` +
				`"start_time":"2024-13-45 99:00","tags":"notalist","topic":12,"unknown_field":{"x":[1,2]}}`),
		},
	}
}

func mustSchema(t testing.TB, stream, js string) *Schema {
	t.Helper()
	s, err := FromJSONSchema(stream, []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// canonicalJSON decodes with UseNumber (numbers stay exact) and re-encodes
// with sorted keys.
func canonicalJSON(t testing.TB, text string) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", text, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(buf.String())
}

// canonicalize replaces jsonText values by their canonical form.
func canonicalize(t testing.TB, v any) any {
	switch x := v.(type) {
	case jsonText:
		return jsonText(canonicalJSON(t, string(x)))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonicalize(t, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonicalize(t, e)
		}
		return out
	}
	return v
}

// compareRows compares normalized rows field by field.
func compareRows(t *testing.T, format string, got []map[string]any, want []map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d rows, want %d", format, len(got), len(want))
	}
	for i := range want {
		w := canonicalize(t, want[i]).(map[string]any)
		g := canonicalize(t, got[i]).(map[string]any)
		if len(g) != len(w) {
			t.Errorf("%s row %d: got %d columns %v, want %d", format, i, len(g), keys(g), len(w))
		}
		for k, wv := range w {
			if gv := g[k]; !reflect.DeepEqual(gv, wv) {
				t.Errorf("%s row %d field %q:\n got  %s\n want %s", format, i, k, show(gv), show(wv))
			}
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func show(v any) string { return fmt.Sprintf("%#v", v) }
