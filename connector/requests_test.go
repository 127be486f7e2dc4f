package connector

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/testkit/refdir"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// endpointIndex is ../shared/zoom-openapi/endpoints.json: Zoom's documented
// parameters for each endpoint the connector uses.
type endpointIndex map[string]struct{ Parameters []endpointParam }

// endpointParam is one documented parameter.
type endpointParam struct {
	Name     string
	In       string
	Type     string
	Format   string
	Required bool
	Enum     []any
	Maximum  *float64
}

func loadEndpointIndex(t *testing.T) endpointIndex {
	t.Helper()
	wd, _ := os.Getwd()
	var path string
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			path = filepath.Join(filepath.Dir(dir), "shared", "zoom-openapi", "endpoints.json")
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		refdir.Missing(t, "../shared/zoom-openapi/endpoints.json not found: skipping the check of the connector's requests against Zoom's parameters (%v)", err)
	}
	var list []struct {
		Method, Path string
		Parameters   json.RawMessage
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	idx := endpointIndex{}
	for _, e := range list {
		v := idx[e.Method+" "+e.Path]
		if err := json.Unmarshal(e.Parameters, &v.Parameters); err != nil {
			t.Fatal(err)
		}
		idx[e.Method+" "+e.Path] = v
	}
	addDocumentedParameters(t, idx, filepath.Dir(path))
	return idx
}

// addDocumentedParameters adds to idx the endpoints the simulator serves
// that endpoints.json does not index (the streams added after it was
// made), with their parameters read from Zoom's OpenAPI documents in dir
// (the 2025 document first).
func addDocumentedParameters(t *testing.T, idx endpointIndex, dir string) {
	t.Helper()
	var docs []map[string]any
	for _, name := range []string{"meetings-api-2025.json", "ZoomMeetingAPISpec-2023.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs = append(docs, d)
	}
	d, err := zoomsim.Generate("tiny", 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range d.Routes() {
		key := rt.Method + " " + rt.Pattern
		if _, ok := idx[key]; ok {
			continue
		}
		for _, doc := range docs {
			paths, _ := doc["paths"].(map[string]any)
			item, _ := paths[rt.Pattern].(map[string]any)
			op, ok := item[strings.ToLower(rt.Method)].(map[string]any)
			if !ok {
				continue
			}
			var v struct{ Parameters []endpointParam }
			ps, _ := op["parameters"].([]any)
			for _, p := range ps {
				pm, _ := p.(map[string]any)
				sch, _ := pm["schema"].(map[string]any)
				ep := endpointParam{}
				ep.Name, _ = pm["name"].(string)
				ep.In, _ = pm["in"].(string)
				ep.Required, _ = pm["required"].(bool)
				ep.Type, _ = sch["type"].(string)
				ep.Format, _ = sch["format"].(string)
				ep.Enum, _ = sch["enum"].([]any)
				if mx, ok := sch["maximum"].(float64); ok {
					ep.Maximum = &mx
				}
				v.Parameters = append(v.Parameters, ep)
			}
			idx[key] = v
			break
		}
	}
}

// problems lists what in a request Zoom does not document.
func (idx endpointIndex) problems(rt zoomsim.Route, r *http.Request) []string {
	key := rt.Method + " " + rt.Pattern
	e, ok := idx[key]
	if !ok {
		return []string{key + ": not a documented endpoint"}
	}
	var out []string
	q := r.URL.Query()
	for _, p := range e.Parameters {
		if p.In != "query" {
			continue
		}
		vals, present := q[p.Name]
		if p.Required && !present {
			out = append(out, fmt.Sprintf("%s: required query parameter %s missing", key, p.Name))
		}
		for _, v := range vals {
			if len(p.Enum) > 0 && !slices.ContainsFunc(p.Enum, func(e any) bool { return fmt.Sprint(e) == v }) {
				out = append(out, fmt.Sprintf("%s: %s=%q is not one of %v", key, p.Name, v, p.Enum))
			}
			switch {
			case p.Type == "integer":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					out = append(out, fmt.Sprintf("%s: %s=%q is not an integer", key, p.Name, v))
				} else if p.Maximum != nil && float64(n) > *p.Maximum {
					out = append(out, fmt.Sprintf("%s: %s=%d is above Zoom's maximum %v", key, p.Name, n, *p.Maximum))
				}
			case p.Format == "date":
				if _, err := time.Parse("2006-01-02", v); err != nil {
					out = append(out, fmt.Sprintf("%s: %s=%q is not a yyyy-mm-dd date", key, p.Name, v))
				}
			}
		}
	}
	for name := range q {
		if !slices.ContainsFunc(e.Parameters, func(p endpointParam) bool { return p.Name == name && p.In == "query" }) {
			out = append(out, fmt.Sprintf("%s: query parameter %s is not documented", key, name))
		}
	}
	return out
}

// TestReadRequestsMatchZoomsParameters reads every stream and checks each
// request the connector sends against Zoom's documented endpoints and query
// parameters (names, required ones, enums, maximums, date formats).
func TestReadRequestsMatchZoomsParameters(t *testing.T) {
	t.Parallel()
	idx := loadEndpointIndex(t)
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 8})
	var mu sync.Mutex
	seen := map[string]int{}
	bad := map[string]bool{}
	f.sim.ObserveRequests(func(rt zoomsim.Route, r *http.Request) {
		p := idx.problems(rt, r)
		mu.Lock()
		defer mu.Unlock()
		seen[rt.Method+" "+rt.Pattern]++
		for _, s := range p {
			bad[s] = true
		}
	})
	r := runMain(t, "read", "--config", writeConfig(t, readConfig(f, "page_size", 50)), "--allow-host", f.host,
		"--streams", strings.Join(streams.ZoomNames(), ","))
	if r.code != 0 {
		t.Fatalf("read exit %d: %s", r.code, tail(r.stderr, 2000))
	}
	var problems []string
	for p := range bad {
		problems = append(problems, p)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	// Every GET endpoint of the index was exercised by the read.
	for key := range idx {
		if key[:4] == "GET " && seen[key] == 0 && key != "GET /users/{userId}" {
			t.Errorf("the read never called %s", key)
		}
	}
}

func TestEndpointIndexFindsProblems(t *testing.T) {
	t.Parallel()
	idx := loadEndpointIndex(t)
	rt := zoomsim.Route{Method: "GET", Pattern: "/report/users"}
	r, _ := http.NewRequest("GET", "http://x/v2/report/users?type=everyone&page_size=500&bogus=1&to=2026-13-01", nil)
	got := idx.problems(rt, r)
	for _, want := range []string{"required query parameter from missing", `type="everyone" is not one of`, "page_size=500 is above Zoom's maximum 300",
		"query parameter bogus is not documented", `to="2026-13-01" is not a yyyy-mm-dd date`} {
		if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("problems %q lack %q", got, want)
		}
	}
}
