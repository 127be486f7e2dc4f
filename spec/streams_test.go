package spec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
	"github.com/zoom-connector/zoom-connector/spec"
)

// schemaDoc is the part of a stream schema the tests look at.
type schemaDoc struct {
	Schema               string                     `json:"$schema"`
	Title                string                     `json:"title"`
	Type                 any                        `json:"type"`
	AdditionalProperties any                        `json:"additionalProperties"`
	Required             []string                   `json:"required"`
	Properties           map[string]json.RawMessage `json:"properties"`
}

func loadSchema(t *testing.T, name string) (raw []byte, doc schemaDoc) {
	t.Helper()
	raw, err := spec.StreamSchema(name)
	if err != nil {
		t.Fatalf("StreamSchema(%q): %v", name, err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: decode: %v", name, err)
	}
	return raw, doc
}

func compile(t *testing.T, name string, raw []byte) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	url := "mem://streams/" + name + ".json"
	if err := c.AddResource(url, bytes.NewReader(raw)); err != nil {
		t.Fatalf("%s: add resource: %v", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s: compile: %v", name, err)
	}
	return s
}

// types returns a schema's "type" as a list.
func types(t any) []string {
	switch v := t.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func TestEveryStreamHasASchemaAndNoSchemaIsStale(t *testing.T) {
	names := streams.Names()
	for _, n := range names {
		if _, err := spec.StreamSchema(n); err != nil {
			t.Errorf("stream %s: %v", n, err)
		}
	}
	files, err := fs.Glob(spec.StreamsFS, "streams/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		n := strings.TrimSuffix(strings.TrimPrefix(f, "streams/"), ".json")
		if !slices.Contains(names, n) {
			t.Errorf("%s matches no stream in connector/streams.All()", f)
		}
	}
	if len(files) != len(names) {
		t.Errorf("%d schema files for %d streams", len(files), len(names))
	}
}

func TestStreamSchemaUnknownName(t *testing.T) {
	for _, n := range []string{"", "nope", "../config.schema", "streams/users", "users.json"} {
		if _, err := spec.StreamSchema(n); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("StreamSchema(%q) = %v, want an error wrapping fs.ErrNotExist", n, err)
		}
	}
}

func TestStreamSchemasAreWellFormed(t *testing.T) {
	for _, s := range streams.All() {
		t.Run(s.Name, func(t *testing.T) {
			raw, doc := loadSchema(t, s.Name)
			compile(t, s.Name, raw)
			if doc.Schema != "http://json-schema.org/draft-07/schema#" {
				t.Errorf("$schema = %q", doc.Schema)
			}
			if doc.Title != s.Name {
				t.Errorf("title = %q, want %q", doc.Title, s.Name)
			}
			if doc.Type != "object" {
				t.Errorf("type = %v, want object", doc.Type)
			}
			if doc.AdditionalProperties != true {
				t.Errorf("additionalProperties = %v, want true (unknown fields go to _extra)", doc.AdditionalProperties)
			}
			var pk []string
			for _, p := range s.PrimaryKey {
				if len(p) != 1 {
					t.Fatalf("nested primary key %v", p)
				}
				pk = append(pk, p[0])
			}
			if !slices.Equal(doc.Required, pk) {
				t.Errorf("required = %v, want the primary key %v", doc.Required, pk)
			}
			for name, rawProp := range doc.Properties {
				var p struct {
					Type any   `json:"type"`
					Enum []any `json:"enum"`
				}
				if err := json.Unmarshal(rawProp, &p); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				_, isKey := s.Keys[name]
				// report_users gets its month window's bounds.
				isKey = isKey || (s.Window == streams.MonthWindow && (name == "from" || name == "to"))
				switch {
				case slices.Contains(pk, name) || isKey:
					if slices.Contains(types(p.Type), "null") {
						t.Errorf("key field %s is nullable: %v", name, p.Type)
					}
				case p.Type != nil && !slices.Contains(types(p.Type), "null"):
					t.Errorf("field %s is not nullable: %v", name, p.Type)
				}
			}
			if s.Cursor != "" && doc.Properties[s.Cursor] == nil {
				t.Errorf("cursor %s not in properties", s.Cursor)
			}
		})
	}
}

// TestKeyFieldTypes checks the fields the connector adds to join tables.
func TestKeyFieldTypes(t *testing.T) {
	want := map[string]string{
		"meeting_id": "integer", "webinar_id": "integer",
		"meeting_uuid": "string", "webinar_uuid": "string", "user_id": "string",
		"group_id": "string", "role_id": "string",
	}
	for _, s := range streams.All() {
		_, doc := loadSchema(t, s.Name)
		for k := range s.Keys {
			var p struct {
				Type        any    `json:"type"`
				Description string `json:"description"`
			}
			if err := json.Unmarshal(doc.Properties[k], &p); err != nil {
				t.Errorf("%s: key %s: %v", s.Name, k, err)
				continue
			}
			if w, ok := want[k]; !ok {
				t.Errorf("%s: key %s has no expected type here; add it", s.Name, k)
			} else if p.Type != w {
				t.Errorf("%s: key %s type = %v, want %s", s.Name, k, p.Type, w)
			}
			if p.Description == "" {
				t.Errorf("%s: key %s has no description", s.Name, k)
			}
		}
	}
	_, doc := loadSchema(t, "report_users")
	for _, f := range []string{"from", "to"} {
		var p struct {
			Type   any    `json:"type"`
			Format string `json:"format"`
		}
		if err := json.Unmarshal(doc.Properties[f], &p); err != nil || p.Type != "string" || p.Format != "date" {
			t.Errorf("report_users.%s = %s, want a non-null string of format date", f, doc.Properties[f])
		}
	}
	for _, n := range []string{"meetings", "webinars", "report_meetings", "report_webinars"} {
		_, doc := loadSchema(t, n)
		var p struct {
			Type any `json:"type"`
		}
		_ = json.Unmarshal(doc.Properties["id"], &p)
		if !slices.Contains(types(p.Type), "integer") {
			t.Errorf("%s.id type = %v, want integer (int64 meeting or webinar ID)", n, p.Type)
		}
	}
}

// TestIDsAreNeverNumbers walks every schema: a field named id, *_id or pmi
// that is numeric must be "integer", never "number" (IDs exceed float64's
// exact range and Parquet must store them as int64).
func TestIDsAreNeverNumbers(t *testing.T) {
	var walk func(t *testing.T, path string, s map[string]any)
	walk = func(t *testing.T, path string, s map[string]any) {
		if ps, ok := s["properties"].(map[string]any); ok {
			for name, p := range ps {
				pm, _ := p.(map[string]any)
				if name == "id" || strings.HasSuffix(name, "_id") || name == "pmi" {
					if slices.Contains(types(pm["type"]), "number") {
						t.Errorf("%s.%s is a number, want integer", path, name)
					}
				}
				walk(t, path+"."+name, pm)
			}
		}
		if it, ok := s["items"].(map[string]any); ok {
			walk(t, path+"[]", it)
		}
	}
	for _, n := range streams.Names() {
		raw, _ := loadSchema(t, n)
		var s map[string]any
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		walk(t, n, s)
	}
}

// TestSampleRecords validates hand-written records: a record with only its
// keys (every other field absent), the same with Zoom's fields null, a
// large int64 meeting ID, and unknown fields.
func TestSampleRecords(t *testing.T) {
	sample := func(prop json.RawMessage) any {
		var p struct {
			Type   any    `json:"type"`
			Format string `json:"format"`
		}
		_ = json.Unmarshal(prop, &p)
		switch {
		case slices.Contains(types(p.Type), "integer"):
			return json.Number("98765432101")
		case p.Format == "date-time":
			return "2025-03-04T05:06:07Z"
		case p.Format == "date":
			return "2025-03-01"
		case p.Format == "email":
			return "someone@example.com"
		}
		return "x"
	}
	for _, st := range streams.All() {
		raw, doc := loadSchema(t, st.Name)
		sch := compile(t, st.Name, raw)
		keys := map[string]any{}
		for _, f := range doc.Required {
			keys[f] = sample(doc.Properties[f])
		}
		for f := range st.Keys {
			keys[f] = sample(doc.Properties[f])
		}
		if st.Window == streams.MonthWindow && doc.Properties["to"] != nil {
			keys["to"] = sample(doc.Properties["to"])
		}
		if st.Name == "report_activities" {
			keys["type"] = "Sign in" // an enum
		}
		if err := sch.Validate(keys); err != nil {
			t.Errorf("%s: keys only: %v", st.Name, err)
		}
		nulls := map[string]any{"zoom_added_later": map[string]any{"a": 1}}
		for f := range doc.Properties {
			nulls[f] = nil
		}
		for f, v := range keys {
			nulls[f] = v
		}
		if err := sch.Validate(nulls); err != nil {
			t.Errorf("%s: null fields: %v", st.Name, err)
		}
		missing := map[string]any{}
		for f, v := range keys {
			missing[f] = v
		}
		if len(doc.Required) > 0 {
			delete(missing, doc.Required[0])
			if sch.Validate(missing) == nil {
				t.Errorf("%s: a record without %s validates", st.Name, doc.Required[0])
			}
		}
	}
}

// TestSimulatorTruthConforms validates every record the Zoom simulator says
// a complete read yields against its stream's schema, so the simulator and
// the schemas (both read from Zoom's documentation) keep agreeing.
func TestSimulatorTruthConforms(t *testing.T) {
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	srv, err := zoomsim.NewServer(zoomsim.Options{Dataset: "tiny", Seed: 7, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	truth := srv.Truth()
	total := 0
	for _, st := range streams.All() {
		recs, ok := truth[st.Name]
		if !ok {
			continue
		}
		raw, _ := loadSchema(t, st.Name)
		sch := compile(t, st.Name, raw)
		bad := 0
		for i, r := range recs {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				if bad++; bad <= 3 {
					t.Errorf("%s record %d: %v\n%s", st.Name, i, err, b)
				}
			}
		}
		if bad > 3 {
			t.Errorf("%s: %d of %d records fail", st.Name, bad, len(recs))
		}
		total += len(recs)
		t.Logf("%s: %d records", st.Name, len(recs))
	}
	if total == 0 {
		t.Fatal("the simulator yielded no records: the test checks nothing")
	}
}
