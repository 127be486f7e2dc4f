package zoomsim

// Helpers that load Zoom's OpenAPI 3.0 documents from
// <repo>/../shared/zoom-openapi, turn their schemas into JSON Schemas for
// santhosh-tekuri/jsonschema/v5, and check responses and requests against
// them. The tests that use them skip when the folder is absent.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/zoom-connector/zoom-connector/internal/testkit/refdir"
)

const (
	spec2025 = "meetings-api-2025.json"
	spec2023 = "ZoomMeetingAPISpec-2023.json"
)

// specParam is one parameter as endpoints.json indexes it.
type specParam struct {
	Name     string   `json:"name"`
	In       string   `json:"in"`
	Required bool     `json:"required"`
	Type     string   `json:"type"`
	Format   string   `json:"format"`
	Enum     []any    `json:"enum"`
	Default  any      `json:"default"`
	Maximum  *float64 `json:"maximum"`
}

// specEndpoint is one entry of endpoints.json: an operation the connector
// and the simulator use.
type specEndpoint struct {
	Method         string      `json:"method"`
	Path           string      `json:"path"`
	Source         string      `json:"source"`
	OperationID    string      `json:"operationId"`
	RateLimitLabel string      `json:"rate_limit_label"`
	Scopes         []string    `json:"scopes"`
	GranularScopes []string    `json:"granular_scopes"`
	Parameters     []specParam `json:"parameters"`
	ArrayFields    []string    `json:"array_fields"`
	ResponseCodes  []string    `json:"response_codes"`
}

func (e specEndpoint) key() string { return e.Method + " " + e.Path }

// zoomSpec is the loaded shared/zoom-openapi folder.
type zoomSpec struct {
	dir       string
	docs      map[string]*openAPIDoc // by file name
	endpoints []specEndpoint

	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema // by method, path and code
}

// openAPIDoc is one parsed OpenAPI 3.0 document.
type openAPIDoc struct {
	name string
	root map[string]any
}

var (
	specOnce   sync.Once
	specLoaded *zoomSpec
	specErr    error
	specAbsent bool
)

const skipNoSpec = "../shared/zoom-openapi not found: skipping the OpenAPI conformance tests"

// findOpenAPIDir walks up from the working directory to the directory that
// holds go.mod and returns <that>/../shared/zoom-openapi, or "" when the
// module root or the folder is missing.
func findOpenAPIDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			spec := filepath.Join(filepath.Dir(dir), "shared", "zoom-openapi")
			if fi, err := os.Stat(spec); err == nil && fi.IsDir() {
				return spec, nil
			}
			return "", nil
		}
		if filepath.Dir(dir) == dir {
			return "", nil
		}
	}
}

// loadZoomSpec returns the loaded documents and endpoints.json, skipping
// the test when the folder is absent and failing it when it is broken.
// The folder is read once per test binary.
func loadZoomSpec(t testing.TB) *zoomSpec {
	t.Helper()
	specOnce.Do(func() {
		dir, err := findOpenAPIDir()
		if err != nil {
			specErr = err
			return
		}
		if dir == "" {
			specAbsent = true
			return
		}
		specLoaded, specErr = readZoomSpec(dir)
	})
	if specAbsent {
		refdir.Missing(t, skipNoSpec)
	}
	if specErr != nil {
		t.Fatalf("load ../shared/zoom-openapi: %v", specErr)
	}
	return specLoaded
}

func readZoomSpec(dir string) (*zoomSpec, error) {
	s := &zoomSpec{dir: dir, docs: map[string]*openAPIDoc{}, compiled: map[string]*jsonschema.Schema{}}
	raw, err := os.ReadFile(filepath.Join(dir, "endpoints.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &s.endpoints); err != nil {
		return nil, fmt.Errorf("endpoints.json: %w", err)
	}
	for _, name := range []string{spec2025, spec2023} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var root map[string]any
		if err := dec.Decode(&root); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if v, _ := root["openapi"].(string); !strings.HasPrefix(v, "3.0") {
			return nil, fmt.Errorf("%s: openapi %q, want 3.0.x", name, v)
		}
		s.docs[name] = &openAPIDoc{name: name, root: root}
	}
	more, err := lifecycleEndpoints(s)
	if err != nil {
		return nil, err
	}
	s.endpoints = append(s.endpoints, more...)
	if err := s.addDerivedEndpoints(); err != nil {
		return nil, err
	}
	return s, nil
}

// endpoint returns the endpoints.json entry of method and path template.
func (s *zoomSpec) endpoint(method, path string) (specEndpoint, bool) {
	for _, e := range s.endpoints {
		if e.Method == method && e.Path == path {
			return e, true
		}
	}
	return specEndpoint{}, false
}

// doc returns the document an endpoint is described in.
func (s *zoomSpec) doc(e specEndpoint) (*openAPIDoc, error) {
	d := s.docs[e.Source]
	if d == nil {
		return nil, fmt.Errorf("%s: unknown source document %q", e.key(), e.Source)
	}
	return d, nil
}

// pointer resolves a local JSON pointer such as #/components/schemas/X.
func (d *openAPIDoc) pointer(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#") {
		return nil, fmt.Errorf("%s: external $ref %q not supported", d.name, ref)
	}
	var cur any = d.root
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#"), "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("%s: $ref %q: no %q", d.name, ref, tok)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("%s: $ref %q: bad index %q", d.name, ref, tok)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("%s: $ref %q: cannot descend into %T", d.name, ref, cur)
		}
	}
	return cur, nil
}

// resolve returns a deep copy of node with every $ref replaced by its
// target (OpenAPI 3.0 ignores a $ref's siblings). Cyclic references are an
// error: none of Zoom's schemas is recursive.
func (d *openAPIDoc) resolve(node any) (any, error) {
	return d.resolveIn(node, nil)
}

func (d *openAPIDoc) resolveIn(node any, stack []string) (any, error) {
	switch n := node.(type) {
	case map[string]any:
		if ref, ok := n["$ref"].(string); ok {
			for _, r := range stack {
				if r == ref {
					return nil, fmt.Errorf("%s: cyclic $ref %q", d.name, ref)
				}
			}
			target, err := d.pointer(ref)
			if err != nil {
				return nil, err
			}
			return d.resolveIn(target, append(stack, ref))
		}
		out := make(map[string]any, len(n))
		for k, v := range n {
			r, err := d.resolveIn(v, stack)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(n))
		for i, v := range n {
			r, err := d.resolveIn(v, stack)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return node, nil
}

// operation returns the resolved operation object of method and path.
func (d *openAPIDoc) operation(method, path string) (map[string]any, error) {
	paths, _ := d.root["paths"].(map[string]any)
	item, ok := paths[path]
	if !ok {
		return nil, fmt.Errorf("%s: no path %s", d.name, path)
	}
	r, err := d.resolve(item)
	if err != nil {
		return nil, err
	}
	pi, _ := r.(map[string]any)
	op, ok := pi[strings.ToLower(method)].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: no %s %s", d.name, method, path)
	}
	return op, nil
}

// parameters returns the operation's parameters (path-item level ones
// included, operation level ones winning), keyed by in+":"+name.
func (d *openAPIDoc) parameters(method, path string) (map[string]map[string]any, error) {
	paths, _ := d.root["paths"].(map[string]any)
	r, err := d.resolve(paths[path])
	if err != nil {
		return nil, err
	}
	pi, _ := r.(map[string]any)
	op, ok := pi[strings.ToLower(method)].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: no %s %s", d.name, method, path)
	}
	out := map[string]map[string]any{}
	for _, list := range []any{pi["parameters"], op["parameters"]} {
		ps, _ := list.([]any)
		for _, p := range ps {
			pm, ok := p.(map[string]any)
			if !ok {
				continue
			}
			in, _ := pm["in"].(string)
			name, _ := pm["name"].(string)
			out[in+":"+name] = pm
		}
	}
	return out, nil
}

// successSchema returns the JSON Schema (converted) of the operation's
// 2xx answer with the given status code.
func (d *openAPIDoc) responseSchema(method, path, code string) (map[string]any, error) {
	op, err := d.operation(method, path)
	if err != nil {
		return nil, err
	}
	rs, _ := op["responses"].(map[string]any)
	r, ok := rs[code].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %s %s documents no %s answer", d.name, method, path, code)
	}
	content, _ := r["content"].(map[string]any)
	mt, ok := content["application/json"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %s %s %s has no application/json content", d.name, method, path, code)
	}
	sch, ok := mt["schema"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %s %s %s has no schema", d.name, method, path, code)
	}
	return toJSONSchema(sch, false).(map[string]any), nil
}

// requestBodySchema returns the converted application/json request body
// schema of an operation.
func (d *openAPIDoc) requestBodySchema(method, path string) (map[string]any, error) {
	op, err := d.operation(method, path)
	if err != nil {
		return nil, err
	}
	rb, _ := op["requestBody"].(map[string]any)
	content, _ := rb["content"].(map[string]any)
	mt, _ := content["application/json"].(map[string]any)
	sch, ok := mt["schema"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %s %s has no JSON request body", d.name, method, path)
	}
	return toJSONSchema(sch, true).(map[string]any), nil
}

// successCodes lists the operation's documented 2xx status codes.
func (d *openAPIDoc) successCodes(method, path string) ([]string, error) {
	op, err := d.operation(method, path)
	if err != nil {
		return nil, err
	}
	rs, _ := op["responses"].(map[string]any)
	var out []string
	for code := range rs {
		if strings.HasPrefix(code, "2") {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return out, nil
}

// toJSONSchema converts an OpenAPI 3.0 Schema Object (refs resolved) to
// a draft 2020-12 JSON Schema:
//   - nullable: true adds "null" to type (and to enum);
//   - exclusiveMinimum/exclusiveMaximum booleans become draft 2020 numbers;
//   - example, x-*, discriminator, xml, externalDocs, readOnly, writeOnly
//     are dropped; format is kept;
//   - additionalProperties is kept as given;
//   - properties that are writeOnly (in a response) or readOnly (in a
//     request) are removed from required, as OpenAPI 3.0 specifies.
//
// Property names are never touched: only keywords of schema objects are.
func toJSONSchema(node any, request bool) any {
	s, ok := node.(map[string]any)
	if !ok {
		return node
	}
	out := map[string]any{}
	var dropped []string // minimum/maximum turned into exclusive bounds
	for k, v := range s {
		switch {
		case k == "example" || k == "discriminator" || k == "xml" || k == "externalDocs" ||
			k == "readOnly" || k == "writeOnly" || k == "nullable" || strings.HasPrefix(k, "x-"):
			// dropped (nullable handled below)
		case k == "properties":
			props := map[string]any{}
			if pm, ok := v.(map[string]any); ok {
				for name, ps := range pm {
					props[name] = toJSONSchema(ps, request)
				}
			}
			out[k] = props
		case k == "items" || k == "not" || (k == "additionalProperties" && oaIsMap(v)):
			out[k] = toJSONSchema(v, request)
		case k == "allOf" || k == "anyOf" || k == "oneOf":
			list, _ := v.([]any)
			conv := make([]any, len(list))
			for i, x := range list {
				conv[i] = toJSONSchema(x, request)
			}
			out[k] = conv
		case k == "exclusiveMinimum" || k == "exclusiveMaximum":
			if b, isBool := v.(bool); isBool {
				if b {
					bound := "minimum"
					if k == "exclusiveMaximum" {
						bound = "maximum"
					}
					if n, ok := s[bound]; ok {
						out[k] = n
						dropped = append(dropped, bound)
					}
				}
			} else {
				out[k] = v
			}
		default:
			out[k] = v
		}
	}
	for _, k := range dropped {
		delete(out, k)
	}
	if n, _ := s["nullable"].(bool); n {
		switch ty := out["type"].(type) {
		case string:
			out["type"] = []any{ty, "null"}
		}
		if enum, ok := out["enum"].([]any); ok {
			out["enum"] = append(append([]any{}, enum...), nil)
		}
	}
	if req, ok := out["required"].([]any); ok {
		props, _ := s["properties"].(map[string]any)
		drop := "writeOnly"
		if request {
			drop = "readOnly"
		}
		kept := []any{}
		for _, r := range req {
			name, _ := r.(string)
			if ps, ok := props[name].(map[string]any); ok {
				if b, _ := ps[drop].(bool); b {
					continue
				}
			}
			kept = append(kept, r)
		}
		out["required"] = kept
	}
	return out
}

func oaIsMap(v any) bool { _, ok := v.(map[string]any); return ok }

// zoomDateTimeLayout is the only date-time layout Zoom sends.
const zoomDateTimeLayout = "2006-01-02T15:04:05Z"

// zoomFormats are the format assertions: date-time in Zoom's layout, date
// as yyyy-mm-dd, int64 in range, and email (or "", which Zoom sends for
// guests without one; SPEC25 allows it explicitly on report webinar
// participants). Formats not listed here and not known to the validator
// (such as "string") are ignored.
var zoomFormats = map[string]func(any) bool{
	"date-time": func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return true
		}
		_, err := time.Parse(zoomDateTimeLayout, s)
		return err == nil && len(s) == len(zoomDateTimeLayout)
	},
	// Zoom's real poll answer times: "2024-02-20 15:31:33", UTC without a
	// zone (formatAllowed).
	"zoom-space-date-time": func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return true
		}
		_, err := time.Parse("2006-01-02 15:04:05", s)
		return err == nil && len(s) == 19
	},
	"date": func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return true
		}
		_, err := time.Parse("2006-01-02", s)
		return err == nil && len(s) == 10
	},
	"int64": func(v any) bool {
		n, ok := v.(json.Number)
		if !ok {
			return true
		}
		_, err := strconv.ParseInt(n.String(), 10, 64)
		return err == nil
	},
	"int32": func(v any) bool {
		n, ok := v.(json.Number)
		if !ok {
			return true
		}
		_, err := strconv.ParseInt(n.String(), 10, 32)
		return err == nil
	},
	"email": func(v any) bool {
		s, ok := v.(string)
		if !ok || s == "" {
			return true
		}
		a, err := mail.ParseAddress(s)
		return err == nil && a.Address == s
	},
}

// compileJSONSchema compiles a converted schema with format assertion on.
func compileJSONSchema(name string, schema map[string]any) (*jsonschema.Schema, error) {
	doc := map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema"}
	for k, v := range schema {
		doc[k] = v
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	for k, f := range zoomFormats {
		c.Formats[k] = f
	}
	url := "mem://zoom/" + regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(name, "_") + ".json"
	if err := c.AddResource(url, bytes.NewReader(b)); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// successValidator returns the compiled schema of an endpoint's answer with
// the given code, compiled once.
func (s *zoomSpec) successValidator(e specEndpoint, code string) (*jsonschema.Schema, map[string]any, error) {
	d, err := s.doc(e)
	if err != nil {
		return nil, nil, err
	}
	js, err := d.responseSchema(e.Method, e.Path, code)
	if err != nil {
		return nil, nil, err
	}
	key := e.key() + " " + code
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.compiled[key]; c != nil {
		return c, js, nil
	}
	for path, format := range formatAllowed[e.key()] {
		if err := setFormat(js, path, format); err != nil {
			return nil, nil, fmt.Errorf("%s: formatAllowed: %w", e.key(), err)
		}
	}
	c, err := compileJSONSchema(key, js)
	if err != nil {
		return nil, nil, fmt.Errorf("compile %s: %w", key, err)
	}
	s.compiled[key] = c
	return c, js, nil
}

// setFormat replaces the format of the field at path ("a[].b") in a
// converted schema (allOf branches searched too).
func setFormat(s map[string]any, path, format string) error {
	parts := strings.Split(path, ".")
	var walk func(s map[string]any, parts []string) bool
	walk = func(s map[string]any, parts []string) bool {
		if len(parts) == 0 {
			if _, ok := s["format"]; !ok {
				return false
			}
			s["format"] = format
			return true
		}
		found := false
		for _, b := range schemaBranches(s) {
			name, each := strings.CutSuffix(parts[0], "[]")
			p, _ := b["properties"].(map[string]any)
			next, _ := p[name].(map[string]any)
			if each && next != nil {
				next, _ = next["items"].(map[string]any)
			}
			if next != nil && walk(next, parts[1:]) {
				found = true
			}
		}
		return found
	}
	if !walk(s, parts) {
		return fmt.Errorf("no field %s with a format in the schema", path)
	}
	return nil
}

// decodeJSONNumbers decodes JSON keeping numbers as json.Number, so that
// 64-bit IDs keep every digit.
func decodeJSONNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// validationProblems flattens a validation error to its leaf messages,
// each prefixed by the instance location.
func validationProblems(err error) []string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []string{err.Error()}
	}
	var out []string
	var walk func(*jsonschema.ValidationError)
	walk = func(v *jsonschema.ValidationError) {
		if len(v.Causes) == 0 {
			loc := v.InstanceLocation
			if loc == "" {
				loc = "/"
			}
			out = append(out, loc+": "+v.Message+" (schema "+v.KeywordLocation+")")
			return
		}
		for _, c := range v.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.Strings(out)
	return out
}

// schemaBranches returns s and, recursively, its allOf/anyOf/oneOf parts.
func schemaBranches(s any) []map[string]any {
	m, ok := s.(map[string]any)
	if !ok {
		return nil
	}
	out := []map[string]any{m}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := m[k].([]any)
		for _, x := range list {
			out = append(out, schemaBranches(x)...)
		}
	}
	return out
}

// undeclaredFields lists, as paths such as "users[].display_name", the
// object members of v that schema s does not declare in any properties
// (allOf/anyOf/oneOf branches merged). Objects whose schema declares no
// properties at all (free-form) and members allowed by an
// additionalProperties schema or true are not reported. Sorted, unique.
func undeclaredFields(s any, v any) []string {
	set := map[string]bool{}
	walkUndeclared(schemaBranches(s), v, "", set)
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func walkUndeclared(branches []map[string]any, v any, path string, out map[string]bool) {
	switch val := v.(type) {
	case map[string]any:
		props := map[string][]any{}
		declares, extra := false, false
		for _, b := range branches {
			if pm, ok := b["properties"].(map[string]any); ok {
				declares = true
				for name, ps := range pm {
					props[name] = append(props[name], ps)
				}
			}
			switch ap := b["additionalProperties"].(type) {
			case bool:
				extra = extra || ap
			case map[string]any:
				extra = true
			}
		}
		if !declares {
			return
		}
		for name, mv := range val {
			p := name
			if path != "" {
				p = path + "." + name
			}
			subs, ok := props[name]
			if !ok {
				if !extra {
					out[p] = true
				}
				continue
			}
			var bs []map[string]any
			for _, ss := range subs {
				bs = append(bs, schemaBranches(ss)...)
			}
			walkUndeclared(bs, mv, p, out)
		}
	case []any:
		var bs []map[string]any
		for _, b := range branches {
			if it, ok := b["items"]; ok {
				bs = append(bs, schemaBranches(it)...)
			}
		}
		if len(bs) == 0 {
			return
		}
		for _, x := range val {
			walkUndeclared(bs, x, path+"[]", out)
		}
	}
}

// rateLimitLabel extracts the "Rate Limit Label" of an operation's
// description, lower-cased.
var rateLimitRE = regexp.MustCompile("Rate Limit Label[^`]*`([A-Za-z-]+)`")

func rateLimitLabel(op map[string]any) string {
	desc, _ := op["description"].(string)
	m := rateLimitRE.FindStringSubmatch(desc)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// classicScopes returns an operation's classic scopes: x-macro-scopes in
// the 2025 document, the backticked "Scopes:" line of the description in
// the 2023 one.
var scopesLineRE = regexp.MustCompile(`(?m)Scopes?[^:\n]*(?::\*\*|\*\*:)(.*)$`)
var backtickRE = regexp.MustCompile("`([^`]+)`")

func classicScopes(op map[string]any) []string {
	if xe, ok := op["x-extensions"].(map[string]any); ok {
		return oaStrings(xe["x-macro-scopes"])
	}
	desc, _ := op["description"].(string)
	m := scopesLineRE.FindStringSubmatch(desc)
	if m == nil {
		return nil
	}
	line, _, _ := strings.Cut(m[1], "Rate Limit") // the label may follow on the same line
	var out []string
	for _, b := range backtickRE.FindAllStringSubmatch(line, -1) {
		for _, sc := range strings.Split(b[1], ",") {
			if sc = strings.TrimSpace(sc); sc != "" {
				out = append(out, sc)
			}
		}
	}
	return out
}

func granularScopes(op map[string]any) []string {
	xe, _ := op["x-extensions"].(map[string]any)
	return oaStrings(xe["x-granular-scopes"])
}

func oaStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// sameSet reports whether a and b hold the same strings, ignoring order.
func oaSameSet(a, b []string) bool {
	x := append([]string(nil), a...)
	y := append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, "\x00") == strings.Join(y, "\x00")
}

// paramValueProblem checks one raw (query or decoded path) parameter value
// against its OpenAPI parameter schema; "" means valid.
func paramValueProblem(schema map[string]any, raw string) string {
	if branches, ok := schema["oneOf"].([]any); ok {
		return oaAnyBranch(branches, raw)
	}
	if branches, ok := schema["anyOf"].([]any); ok {
		return oaAnyBranch(branches, raw)
	}
	ty, _ := schema["type"].(string)
	var num *big.Float
	switch ty {
	case "integer":
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Sprintf("%q is not an integer", raw)
		}
		num = new(big.Float).SetInt64(n)
	case "number":
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Sprintf("%q is not a number", raw)
		}
		num = big.NewFloat(f)
	case "boolean":
		if raw != "true" && raw != "false" {
			return fmt.Sprintf("%q is not a boolean (true|false)", raw)
		}
	case "string", "":
		switch schema["format"] {
		case "date":
			if _, err := time.Parse("2006-01-02", raw); err != nil || len(raw) != 10 {
				return fmt.Sprintf("%q is not a date (yyyy-mm-dd)", raw)
			}
		case "date-time":
			if _, err := time.Parse(zoomDateTimeLayout, raw); err != nil {
				return fmt.Sprintf("%q is not a date-time (%s)", raw, zoomDateTimeLayout)
			}
		case "email":
			if a, err := mail.ParseAddress(raw); err != nil || a.Address != raw {
				return fmt.Sprintf("%q is not an email address", raw)
			}
		}
		if ml, ok := oaJSONInt(schema["maxLength"]); ok && int64(len([]rune(raw))) > ml {
			return fmt.Sprintf("%q is longer than maxLength %d", raw, ml)
		}
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if fmt.Sprint(e) == raw {
				found = true
				break
			}
		}
		if !found {
			return fmt.Sprintf("%q is not one of the documented values %v", raw, enum)
		}
	}
	if num != nil {
		if mx, ok := oaJSONFloat(schema["maximum"]); ok && num.Cmp(mx) > 0 {
			return fmt.Sprintf("%s is above the documented maximum %s", raw, mx.Text('g', -1))
		}
		if mn, ok := oaJSONFloat(schema["minimum"]); ok && num.Cmp(mn) < 0 {
			return fmt.Sprintf("%s is below the documented minimum %s", raw, mn.Text('g', -1))
		}
	}
	return ""
}

func oaAnyBranch(branches []any, raw string) string {
	var probs []string
	for _, b := range branches {
		bm, _ := b.(map[string]any)
		p := paramValueProblem(bm, raw)
		if p == "" {
			return ""
		}
		probs = append(probs, p)
	}
	return "matches no oneOf/anyOf branch: " + strings.Join(probs, "; ")
}

func oaJSONInt(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

func oaJSONFloat(v any) (*big.Float, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, false
	}
	f, _, err := big.ParseFloat(n.String(), 10, 64, big.ToNearestEven)
	return f, err == nil
}

// TestOpenAPIDocuments checks that both documents load, that every $ref
// resolves, and that every success response schema of our endpoints
// converts and compiles.
func TestOpenAPIDocuments(t *testing.T) {
	t.Parallel()
	spec := loadZoomSpec(t)
	if len(spec.endpoints) == 0 {
		t.Fatal("endpoints.json lists no endpoint")
	}
	for _, e := range spec.endpoints {
		d, err := spec.doc(e)
		if err != nil {
			t.Error(err)
			continue
		}
		codes, err := d.successCodes(e.Method, e.Path)
		if err != nil {
			t.Error(err)
			continue
		}
		if len(codes) == 0 {
			t.Errorf("%s: %s documents no 2xx answer", e.key(), e.Source)
		}
		for _, code := range codes {
			if code == "204" {
				continue // no content
			}
			if _, _, err := spec.successValidator(e, code); err != nil {
				t.Errorf("%s %s: %v", e.key(), code, err)
			}
		}
	}
}

// TestOpenAPIEndpointsIndex checks endpoints.json against the documents it
// was derived from (the documents win): operationId, rate-limit label,
// classic and granular scopes, and each parameter's name, place, type,
// enum and maximum.
func TestOpenAPIEndpointsIndex(t *testing.T) {
	t.Parallel()
	spec := loadZoomSpec(t)
	seen := map[string]bool{}
	for _, e := range spec.endpoints {
		if seen[e.key()] {
			t.Errorf("endpoints.json lists %s twice", e.key())
		}
		seen[e.key()] = true
		d, err := spec.doc(e)
		if err != nil {
			t.Error(err)
			continue
		}
		op, err := d.operation(e.Method, e.Path)
		if err != nil {
			t.Error(err)
			continue
		}
		if id, _ := op["operationId"].(string); id != e.OperationID {
			t.Errorf("%s: operationId %q in endpoints.json, %q in %s", e.key(), e.OperationID, id, e.Source)
		}
		if l := rateLimitLabel(op); l != e.RateLimitLabel {
			t.Errorf("%s: rate limit label %q in endpoints.json, %q in %s", e.key(), e.RateLimitLabel, l, e.Source)
		}
		if sc := classicScopes(op); !oaSameSet(sc, e.Scopes) {
			t.Errorf("%s: classic scopes %v in endpoints.json, %v in %s", e.key(), e.Scopes, sc, e.Source)
		}
		if g := granularScopes(op); !oaSameSet(g, e.GranularScopes) {
			t.Errorf("%s: granular scopes %v in endpoints.json, %v in %s", e.key(), e.GranularScopes, g, e.Source)
		}
		params, err := d.parameters(e.Method, e.Path)
		if err != nil {
			t.Error(err)
			continue
		}
		if len(params) != len(e.Parameters) {
			t.Errorf("%s: %d parameters in endpoints.json, %d in %s", e.key(), len(e.Parameters), len(params), e.Source)
		}
		for _, p := range e.Parameters {
			dp, ok := params[p.In+":"+p.Name]
			if !ok {
				t.Errorf("%s: parameter %s (%s) of endpoints.json is not in %s", e.key(), p.Name, p.In, e.Source)
				continue
			}
			sch, _ := dp["schema"].(map[string]any)
			if ty, _ := sch["type"].(string); ty != p.Type {
				t.Errorf("%s: parameter %s type %q in endpoints.json, %q in %s", e.key(), p.Name, p.Type, ty, e.Source)
			}
			enum, _ := sch["enum"].([]any)
			if fmt.Sprint(enum) != fmt.Sprint(p.Enum) && !(len(enum) == 0 && len(p.Enum) == 0) {
				t.Errorf("%s: parameter %s enum %v in endpoints.json, %v in %s", e.key(), p.Name, p.Enum, enum, e.Source)
			}
			mx, hasMax := oaJSONFloat(sch["maximum"])
			switch {
			case hasMax != (p.Maximum != nil):
				t.Errorf("%s: parameter %s maximum %v in endpoints.json, %v in %s", e.key(), p.Name, p.Maximum, sch["maximum"], e.Source)
			case hasMax && mx.Cmp(big.NewFloat(*p.Maximum)) != 0:
				t.Errorf("%s: parameter %s maximum %v in endpoints.json, %v in %s", e.key(), p.Name, *p.Maximum, sch["maximum"], e.Source)
			}
		}
	}
}

// TestOpenAPIConversion checks toJSONSchema and the Zoom formats on small
// hand-written schemas.
func TestOpenAPIConversion(t *testing.T) {
	t.Parallel()
	oa := map[string]any{
		"type": "object", "example": map[string]any{"x": 1}, "x-note": "dropped",
		"required": []any{"id", "secret"},
		"properties": map[string]any{
			"id":      map[string]any{"type": "integer", "format": "int64", "readOnly": true},
			"secret":  map[string]any{"type": "string", "writeOnly": true},
			"when":    map[string]any{"type": "string", "format": "date-time"},
			"day":     map[string]any{"type": "string", "format": "date"},
			"note":    map[string]any{"type": "string", "nullable": true, "enum": []any{"a", "b"}},
			"example": map[string]any{"type": "string"}, // a property named like a dropped keyword
		},
	}
	js := toJSONSchema(oa, false).(map[string]any)
	if _, ok := js["example"]; ok {
		t.Error("example keyword kept")
	}
	if _, ok := js["x-note"]; ok {
		t.Error("x-* keyword kept")
	}
	if _, ok := js["properties"].(map[string]any)["example"]; !ok {
		t.Error("a property named example was dropped")
	}
	if got := fmt.Sprint(js["required"]); got != "[id]" {
		t.Errorf("required in a response = %s, want [id] (writeOnly secret dropped)", got)
	}
	sch, err := compileJSONSchema("conversion", js)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		doc string
		ok  bool
	}{
		{`{"id":9007199254740993,"when":"2025-01-02T03:04:05Z","day":"2025-01-02","note":null}`, true},
		{`{"id":1,"note":"a"}`, true},
		{`{"id":1,"note":"c"}`, false},
		{`{"id":1,"when":"2025-01-02T03:04:05.123Z"}`, false},
		{`{"id":1,"when":"2025-01-02T03:04:05+01:00"}`, false},
		{`{"id":1,"day":"2025-1-2"}`, false},
		{`{"id":"1"}`, false},
		{`{"id":99999999999999999999}`, false},
		{`{}`, false},
	} {
		v, err := decodeJSONNumbers([]byte(c.doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); (err == nil) != c.ok {
			t.Errorf("%s: valid = %v, want %v (%v)", c.doc, err == nil, c.ok, err)
		}
	}
	v, _ := decodeJSONNumbers([]byte(`{"id":1,"extra":1,"list":[{"a":1}]}`))
	if got := fmt.Sprint(undeclaredFields(js, v)); got != "[extra list]" {
		t.Errorf("undeclaredFields = %s, want [extra list]", got)
	}
}

// TestOpenAPINegative makes sure the real schemas reject bad answers: a
// wrong type, a non-Zoom date-time, a 64-bit ID as a string, and an
// invented field.
func TestOpenAPINegative(t *testing.T) {
	t.Parallel()
	spec := loadZoomSpec(t)
	for _, c := range []struct {
		method, path, body string
		wantInvalid        bool
		wantUndeclared     string
	}{
		{"GET", "/users", `{"users":[{"email":"a@example.com","type":2,"created_at":"2025-01-01T00:00:00Z"}]}`, false, "[]"},
		{"GET", "/users", `{"users":[{"email":"a@example.com","type":"2"}]}`, true, "[]"},
		{"GET", "/users", `{"users":[{"email":"a@example.com","type":2,"created_at":"2025-01-01 00:00:00"}]}`, true, "[]"},
		{"GET", "/users", `{"users":[{"email":"a@example.com","type":2,"made_up":1}]}`, false, "[users[].made_up]"},
		{"GET", "/meetings/{meetingId}", `{"id":"85746065432"}`, true, "[]"},
		{"GET", "/meetings/{meetingId}", `{"id":9007199254740993,"settings":{"made_up":true}}`, false, "[settings.made_up]"},
		{"GET", "/report/daily", `{"year":2025,"month":1,"dates":[{"date":"2025-01-32"}]}`, true, "[]"},
	} {
		e, ok := spec.endpoint(c.method, c.path)
		if !ok {
			t.Fatalf("%s %s not in endpoints.json", c.method, c.path)
		}
		sch, js, err := spec.successValidator(e, "200")
		if err != nil {
			t.Fatal(err)
		}
		v, err := decodeJSONNumbers([]byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); (err != nil) != c.wantInvalid {
			t.Errorf("%s %s %s: invalid = %v, want %v (%v)", c.method, c.path, c.body, err != nil, c.wantInvalid, err)
		}
		if got := fmt.Sprint(undeclaredFields(js, v)); got != c.wantUndeclared {
			t.Errorf("%s %s %s: undeclared %s, want %s", c.method, c.path, c.body, got, c.wantUndeclared)
		}
	}
}
