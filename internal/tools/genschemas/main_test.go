package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/internal/testkit/refdir"
)

// openapiDir is Zoom's OpenAPI documents, in shared/ beside the repository.
const openapiDir = "../../../../shared/zoom-openapi"

// TestCommittedSchemasAreUpToDate regenerates every schema and compares it
// with spec/streams: a stream declaration or generator change must come with
// `go run ./internal/tools/genschemas -openapi ../shared/zoom-openapi -out spec/streams`.
func TestCommittedSchemasAreUpToDate(t *testing.T) {
	if _, err := os.Stat(openapiDir); err != nil {
		refdir.Missing(t, "Zoom's OpenAPI documents are not at %s: %v", openapiDir, err)
	}
	files, err := Generate(openapiDir)
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := Compare(files, "../../../spec/streams")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("spec/streams/%s; regenerate with go run ./internal/tools/genschemas -openapi ../shared/zoom-openapi -out spec/streams", d)
	}
}

func TestConvert(t *testing.T) {
	doc := &document{root: map[string]any{}}
	mustJSON(t, `{"components":{"schemas":{
		"Base":{"type":"object","properties":{"id":{"type":"number","format":"int64","example":1}}},
		"More":{"properties":{"state":{"type":"string","enum":["a","b"],"nullable":true,"x-enum-descriptions":["A","B"]}}}
	}}}`, &doc.root)
	var in map[string]any
	mustJSON(t, `{"allOf":[{"$ref":"#/components/schemas/Base"},{"$ref":"#/components/schemas/More"},
		{"type":"object","required":["when"],"properties":{
			"when":{"type":"string","format":"date-time","readOnly":true,"description":"When it ran.  \n More text. And more."},
			"size":{"type":"integer","format":"int64","maximum":10},
			"meeting_id":{"type":"number"},
			"link":{"type":"string","format":"uri","deprecated":true,"description":"See [docs](https://x). Next."},
			"tags":{"type":"array","items":{"type":"string"}}}}]}`, &in)
	n, err := doc.normalize(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := converter{stream: "s"}.convert(n, "", "", false)
	var want map[string]any
	mustJSON(t, `{"type":"object","additionalProperties":true,"properties":{
		"id":{"type":["null","integer"]},
		"state":{"type":["null","string"],"enum":["a","b",null]},
		"when":{"type":["null","string"],"format":"date-time","description":"When it ran."},
		"size":{"type":["null","integer"]},
		"meeting_id":{"type":["null","integer"]},
		"link":{"type":["null","string"],"description":"Deprecated. See docs."},
		"tags":{"type":["null","array"],"items":{"type":"string"}}}}`, &want)
	if !reflect.DeepEqual(roundTrip(t, got), want) {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("convert =\n%s", b)
	}
}

func TestShortDescription(t *testing.T) {
	for in, want := range map[string]string{
		"The meeting ID, e.g. 123. Second.": "The meeting ID, e.g. 123.",
		"**Deprecated.** Use `x`.":          "Deprecated.",
		"Status:\n `a` - A.\n `b` - B.":     "Status.",
		"One line\nwrapped. Two.":           "One line wrapped.",
		"* `true` - Q&amp;A on.":            "`true` - Q&A on.",
		"":                                  "",
	} {
		if got := shortDescription(map[string]any{"description": in}); got != want {
			t.Errorf("shortDescription(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatal(err)
	}
}

func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	mustJSON(t, string(b), &out)
	return out
}

// TestZoomSendsAreDeclared regenerates the schemas and finds every field of
// zoom_sends.json, typed as the file says, so that the fields Zoom sends
// beyond its documents get typed columns; and the added position keys.
func TestZoomSendsAreDeclared(t *testing.T) {
	if _, err := os.Stat(openapiDir); err != nil {
		t.Skipf("Zoom's OpenAPI documents are not at %s: %v", openapiDir, err)
	}
	files, err := Generate(openapiDir)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := zoomSends()
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) < 16 {
		t.Fatalf("zoom_sends.json has %d entries, want at least the 16 known", len(sent))
	}
	for _, f := range sent {
		var doc map[string]any
		mustJSON(t, string(files[f.Stream+".json"]), &doc)
		cur := doc
		for _, p := range strings.Split(f.Field, ".") {
			name, each := strings.CutSuffix(p, "[]")
			cur, _ = props(cur)[name].(map[string]any)
			if each {
				cur, _ = cur["items"].(map[string]any)
			}
		}
		if cur == nil {
			t.Errorf("%s.%s: not in the generated schema", f.Stream, f.Field)
			continue
		}
		if got := fmt.Sprint(cur["type"]); got != "[null "+f.Type+"]" {
			t.Errorf("%s.%s: type %s, want [null %s]", f.Stream, f.Field, got, f.Type)
		}
		if d, _ := cur["description"].(string); !strings.Contains(d, f.Source) {
			t.Errorf("%s.%s: description %q does not name the source", f.Stream, f.Field, d)
		}
	}
	for _, s := range []string{"meeting_poll_results", "webinar_poll_results", "webinar_qna_results"} {
		var doc map[string]any
		mustJSON(t, string(files[s+".json"]), &doc)
		if p, _ := props(doc)["position"].(map[string]any); p == nil || p["type"] != "integer" {
			t.Errorf("%s.position = %v, want a non-null integer", s, p)
		}
	}
}

func TestAddSentFieldErrors(t *testing.T) {
	properties := map[string]any{
		"name":     map[string]any{"type": "string"},
		"settings": map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{}}},
		"list":     map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{}}},
	}
	for _, c := range []struct {
		field, want string
	}{
		{"name", "declare it now"},
		{"settings.a", "declare it now"},
		{"nope.x", "not an object"},
		{"name.x", "not an object"},
	} {
		err := addSentField(properties, sentField{Stream: "s", Field: c.field, Type: "string", Description: "d", Source: "x"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("addSentField(%s) = %v, want an error containing %q", c.field, err, c.want)
		}
	}
	for _, f := range []string{"settings.b", "list[].c", "top"} {
		if err := addSentField(properties, sentField{Stream: "s", Field: f, Type: "boolean", Description: "d", Source: "x"}); err != nil {
			t.Errorf("addSentField(%s): %v", f, err)
		}
	}
	items := properties["list"].(map[string]any)["items"].(map[string]any)
	if props(items)["c"] == nil {
		t.Errorf("list[].c not added: %v", items)
	}
}
