package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// bodySchemas checks request bodies against the request body schemas of
// Zoom's Meeting API 2025 document (../shared/zoom-openapi).
type bodySchemas struct {
	paths map[string]any
	root  map[string]any

	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema
	raw      map[string]map[string]any
}

func loadBodySchemas(t *testing.T) *bodySchemas {
	t.Helper()
	wd, _ := os.Getwd()
	var path string
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			path = filepath.Join(filepath.Dir(dir), "shared", "zoom-openapi", "meetings-api-2025.json")
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("../shared/zoom-openapi/meetings-api-2025.json not found: skipping the check of the connector's request bodies against Zoom's schemas (%v)", err)
	}
	var root map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		t.Fatal(err)
	}
	paths, _ := root["paths"].(map[string]any)
	return &bodySchemas{root: root, paths: paths, compiled: map[string]*jsonschema.Schema{}, raw: map[string]map[string]any{}}
}

// resolve replaces every local $ref with its target.
func (b *bodySchemas) resolve(node any, depth int) any {
	if depth > 40 {
		return node
	}
	switch n := node.(type) {
	case map[string]any:
		if ref, ok := n["$ref"].(string); ok {
			var cur any = b.root
			for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				m, _ := cur.(map[string]any)
				cur = m[tok]
			}
			return b.resolve(cur, depth+1)
		}
		out := make(map[string]any, len(n))
		for k, v := range n {
			out[k] = b.resolve(v, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(n))
		for i, v := range n {
			out[i] = b.resolve(v, depth+1)
		}
		return out
	}
	return node
}

// toJSONSchema turns an OpenAPI 3.0 schema into a JSON Schema: examples,
// x-* and descriptions dropped, nullable added to the type. Property names
// are kept as they are.
func toJSONSchema(node any) any {
	s, ok := node.(map[string]any)
	if !ok {
		return node
	}
	out := map[string]any{}
	for k, v := range s {
		switch {
		case k == "example" || k == "description" || k == "nullable" || k == "readOnly" || k == "writeOnly" || strings.HasPrefix(k, "x-"):
		case k == "properties":
			props := map[string]any{}
			for name, p := range v.(map[string]any) {
				props[name] = toJSONSchema(p)
			}
			out[k] = props
		case k == "items" || k == "additionalProperties":
			out[k] = toJSONSchema(v)
		case k == "allOf" || k == "anyOf" || k == "oneOf":
			var list []any
			for _, x := range v.([]any) {
				list = append(list, toJSONSchema(x))
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	if n, _ := s["nullable"].(bool); n {
		if ty, ok := out["type"].(string); ok {
			out["type"] = []any{ty, "null"}
		}
	}
	return out
}

// schema returns the compiled request body schema of method and pattern.
func (b *bodySchemas) schema(method, pattern string) (*jsonschema.Schema, map[string]any, error) {
	key := method + " " + pattern
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := b.compiled[key]; c != nil {
		return c, b.raw[key], nil
	}
	item, _ := b.paths[pattern].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	if op == nil {
		return nil, nil, fmt.Errorf("%s: not in Zoom's Meeting API document", key)
	}
	rb, _ := b.resolve(op["requestBody"], 0).(map[string]any)
	content, _ := rb["content"].(map[string]any)
	mt, _ := content["application/json"].(map[string]any)
	sch, ok := mt["schema"].(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("%s: Zoom documents no JSON request body", key)
	}
	js := toJSONSchema(sch).(map[string]any)
	js["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	raw, _ := json.Marshal(js)
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	url := "mem://zoom/" + strings.NewReplacer("/", "_", "{", "", "}", "", " ", "_").Replace(key) + ".json"
	if err := c.AddResource(url, bytes.NewReader(raw)); err != nil {
		return nil, nil, err
	}
	compiled, err := c.Compile(url)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", key, err)
	}
	b.compiled[key], b.raw[key] = compiled, js
	return compiled, js, nil
}

// undeclared lists members of v that the schema (with its allOf, anyOf and
// oneOf branches) does not declare.
func undeclared(s any, v any, at string) []string {
	sm, _ := s.(map[string]any)
	branches := []map[string]any{sm}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := sm[k].([]any)
		for _, x := range list {
			if xm, ok := x.(map[string]any); ok {
				branches = append(branches, xm)
			}
		}
	}
	var out []string
	switch val := v.(type) {
	case map[string]any:
		for name, sub := range val {
			var decl any
			for _, br := range branches {
				if props, ok := br["properties"].(map[string]any); ok {
					if p, ok := props[name]; ok {
						decl = p
					}
				}
			}
			if decl == nil {
				out = append(out, at+name)
				continue
			}
			out = append(out, undeclared(decl, sub, at+name+".")...)
		}
	case []any:
		for _, br := range branches {
			if items, ok := br["items"]; ok {
				for _, x := range val {
					out = append(out, undeclared(items, x, strings.TrimSuffix(at, ".")+"[].")...)
				}
				break
			}
		}
	}
	return out
}

// check returns what in body Zoom's request schema does not allow.
func (b *bodySchemas) check(rt zoomsim.Route, body []byte) []string {
	key := rt.Method + " " + rt.Pattern
	sch, js, err := b.schema(rt.Method, rt.Pattern)
	if err != nil {
		return []string{err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []string{key + ": body is not JSON"}
	}
	var out []string
	if err := sch.Validate(v); err != nil {
		out = append(out, fmt.Sprintf("%s: %v", key, err))
	}
	for _, f := range undeclared(js, v, "") {
		out = append(out, fmt.Sprintf("%s: body member %s is not documented", key, f))
	}
	return out
}

// TestWriteRequestBodiesMatchZoomsSchemas runs write with every action and
// both ways of registering, on meetings and webinars, and validates the
// body of every request the connector sends against Zoom's documented
// request body schema (and for members the schema does not declare).
func TestWriteRequestBodiesMatchZoomsSchemas(t *testing.T) {
	t.Parallel()
	schemas := loadBodySchemas(t)
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 1})
	rows := bodyTestRows(t, f)
	var in bytes.Buffer
	for _, r := range rows {
		b, _ := json.Marshal(r)
		in.Write(append(b, '\n'))
	}
	inPath := filepath.Join(t.TempDir(), "rows.jsonl")
	if err := os.WriteFile(inPath, in.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	bad := map[string]bool{}
	seen := map[string]int{}
	f.sim.ObserveRequestBodies(func(rt zoomsim.Route, r *http.Request, body []byte) {
		p := schemas.check(rt, body)
		mu.Lock()
		defer mu.Unlock()
		seen[rt.Method+" "+rt.Pattern]++
		for _, s := range p {
			bad[s] = true
		}
	})
	cfg := with(f.cfg, "plan", "unlimited", "auto_approve", true, "send_confirmation_email", true)
	r := runMain(t, "write", "--config", writeConfig(t, cfg), "--allow-host", f.host, "--input", inPath)
	if r.code != 0 {
		t.Fatalf("write exit %d: %s", r.code, tail(r.stderr, 2000))
	}
	var problems []string
	for p := range bad {
		problems = append(problems, p)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	for _, key := range []string{
		"POST /meetings/{meetingId}/batch_registrants", "POST /meetings/{meetingId}/registrants",
		"POST /webinars/{webinarId}/batch_registrants", "POST /webinars/{webinarId}/registrants",
		"PUT /meetings/{meetingId}/registrants/status", "PUT /webinars/{webinarId}/registrants/status",
		"POST /webinars/{webinarId}/panelists",
	} {
		if seen[key] == 0 {
			t.Errorf("the write never sent a body to %s", key)
		}
	}
	t.Logf("request bodies checked: %v", seen)
}

// bodyTestRows are rows that make write send every kind of request with a
// body: batch and single adds for a meeting and a webinar, each status
// action on both, deletes, and a panelist add and removal.
func bodyTestRows(t *testing.T, f *simFixture) []map[string]any {
	t.Helper()
	d := f.sim.Dataset()
	now := f.sim.Now()
	open := func(m *zoomsim.Meeting) bool {
		return !m.Deleted && m.Licensed() && m.RegistrationEnabled() && !m.Over(now)
	}
	find := func(list []*zoomsim.Meeting, ok func(m *zoomsim.Meeting) bool) *zoomsim.Meeting {
		for _, m := range list {
			if ok(m) {
				return m
			}
		}
		t.Fatal("no such meeting or webinar in the dataset")
		return nil
	}
	manual := find(d.Meetings, func(m *zoomsim.Meeting) bool {
		return open(m) && m.Type == 2 && m.ApprovalType == 1 && m.NRegistrants >= 6
	})
	recurring := find(d.Meetings, func(m *zoomsim.Meeting) bool { return open(m) && m.Type == 8 })
	web := find(d.Webinars, func(m *zoomsim.Meeting) bool { return open(m) && m.Type == 5 && m.NRegistrants > 0 })
	regs, wregs := d.Registrants(manual), d.Registrants(web)
	var panelist string
	for _, p := range f.sim.Truth()["webinar_panelists"] {
		if fmt.Sprint(p["webinar_id"]) == fmt.Sprint(web.ID) {
			panelist = p["email"].(string)
		}
	}
	return []map[string]any{
		{"meeting_id": manual.ID, "email": "b1@example.com", "first_name": "B", "last_name": "One"},
		{"meeting_id": manual.ID, "email": "b2@example.com", "first_name": "B"},
		{"meeting_id": recurring.ID, "email": "s1@example.com", "first_name": "S", "city": "Oslo", "country": "NO",
			"custom_questions": []any{map[string]any{"title": "Why", "value": "Because"}}},
		{"webinar_id": web.ID, "email": "w1@example.com", "first_name": "W"},
		{"webinar_id": web.ID, "email": "w2@example.com", "first_name": "W", "org": "Acme"},
		{"meeting_id": manual.ID, "email": regs[1].Email, "action": "approve"},
		{"meeting_id": manual.ID, "registrant_id": regs[0].ID, "action": "cancel"},
		{"meeting_id": manual.ID, "email": "b1@example.com", "action": "deny"},
		{"meeting_id": manual.ID, "email": regs[3].Email, "action": "delete"},
		{"webinar_id": web.ID, "email": wregs[0].Email, "action": "deny"},
		{"webinar_id": web.ID, "email": "w1@example.com", "action": "approve"},
		{"webinar_id": web.ID, "email": wregs[1].Email, "action": "delete"},
		{"webinar_id": web.ID, "email": "p1@example.com", "first_name": "Pat", "last_name": "Panel", "action": "add_panelist"},
		{"webinar_id": web.ID, "email": panelist, "action": "remove_panelist"},
	}
}

// TestBodySchemasFindProblems checks the checker on bodies Zoom's schemas
// refuse.
func TestBodySchemasFindProblems(t *testing.T) {
	t.Parallel()
	b := loadBodySchemas(t)
	rt := zoomsim.Route{Method: "PUT", Pattern: "/webinars/{webinarId}/registrants/status"}
	for body, want := range map[string]string{
		`{"action":"remove","registrants":[{"id":"x"}]}`:             "action",
		`{"registrants":[{"id":"x"}]}`:                               "action",
		`{"action":"approve","registrants":[{"email":"not-mail"}]}`:  "email",
		`{"action":"approve","registrants":[{"id":"x","nick":"y"}]}`: "registrants[].nick is not documented",
	} {
		got := strings.Join(b.check(rt, []byte(body)), "; ")
		if !strings.Contains(got, want) {
			t.Errorf("%s: problems %q, want one naming %q", body, got, want)
		}
	}
	if p := b.check(rt, []byte(`{"action":"approve","registrants":[{"id":"x","email":"a@example.com"}]}`)); len(p) != 0 {
		t.Errorf("a valid body: %v", p)
	}
	if p := b.check(zoomsim.Route{Method: "POST", Pattern: "/webinars/{webinarId}/panelists"},
		[]byte(`{"panelists":[{"email":"a@example.com","name":"A","nickname":"x"}]}`)); len(p) != 1 || !strings.Contains(p[0], "nickname") {
		t.Errorf("panelists: %v", p)
	}
}
