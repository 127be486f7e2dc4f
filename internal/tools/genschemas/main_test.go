package main

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// openapiDir is Zoom's OpenAPI documents, in shared/ beside the repository.
const openapiDir = "../../../../shared/zoom-openapi"

// TestCommittedSchemasAreUpToDate regenerates every schema and compares it
// with spec/streams: a stream declaration or generator change must come with
// `go run ./internal/tools/genschemas -openapi ../shared/zoom-openapi -out spec/streams`.
func TestCommittedSchemasAreUpToDate(t *testing.T) {
	if _, err := os.Stat(openapiDir); err != nil {
		t.Skipf("Zoom's OpenAPI documents are not at %s: %v", openapiDir, err)
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
