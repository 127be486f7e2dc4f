package zoomapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

func tokFor(s string) *oauth2.Token { return &oauth2.Token{AccessToken: s, TokenType: "Bearer"} }

// listServer serves n users in pages of page_size, with tokens "p<offset>".
type listServer struct {
	mu      sync.Mutex
	n       int
	queries []url.Values
	// failToken: the first time this token is used, answer "expired".
	failToken map[string]int
	cycle     bool
}

func (ls *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	q := r.URL.Query()
	ls.queries = append(ls.queries, q)
	size, _ := strconv.Atoi(q.Get("page_size"))
	if size == 0 {
		size = 30
	}
	off := 0
	if tok := q.Get("next_page_token"); tok != "" {
		if ls.failToken[tok] > 0 {
			ls.failToken[tok]--
			writeJSON(w, 400, `{"code":300,"message":"The next page token is invalid or has expired."}`)
			return
		}
		off, _ = strconv.Atoi(strings.TrimPrefix(tok, "p"))
	}
	var items []string
	for i := off; i < off+size && i < ls.n; i++ {
		items = append(items, fmt.Sprintf(`{"id":%d}`, 9007199254740993+int64(i)))
	}
	next := ""
	if off+size < ls.n {
		next = "p" + strconv.Itoa(off+size)
	}
	if ls.cycle && off > 0 {
		next = "p" + strconv.Itoa(size) // loops back to page 2
	}
	writeJSON(w, 200, fmt.Sprintf(`{"page_size":%d,"total_records":%d,"next_page_token":%q,"users":[%s]}`, size, ls.n, next, strings.Join(items, ",")))
}

func newPagesClient(t *testing.T, ls *listServer) *Client {
	fz := newFakeZoom(t)
	fz.mux.Handle("/v2/users", ls)
	c, _, _ := newTestClient(t, fz, func(c *Config) { c.TokenSource = StaticTokenSource(tokFor("static")) })
	return c
}

func collect(t *testing.T, c *Client, req *Request) ([]string, error) {
	t.Helper()
	var ids []string
	for page, err := range c.Pages(context.Background(), req, "users") {
		if err != nil {
			return ids, err
		}
		for _, it := range page.Items {
			var v struct{ ID json.Number }
			d := json.NewDecoder(strings.NewReader(string(it)))
			d.UseNumber()
			if err := d.Decode(&v); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, v.ID.String())
		}
	}
	return ids, nil
}

func TestPagesFollowsTokens(t *testing.T) {
	t.Parallel()
	ls := &listServer{n: 7}
	c := newPagesClient(t, ls)
	req := c.NewRequest("GET", "/users", url.Values{"status": {"active"}}, nil)
	req.PageSize = 3
	ids, err := collect(t, c, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 7 || ids[0] != "9007199254740993" || ids[6] != "9007199254740999" {
		t.Fatalf("ids = %v", ids)
	}
	if len(ls.queries) != 3 {
		t.Fatalf("requests = %d", len(ls.queries))
	}
	for i, q := range ls.queries {
		if q.Get("status") != "active" || q.Get("page_size") != "3" {
			t.Errorf("page %d query = %v", i, q)
		}
	}
	if ls.queries[0].Has("next_page_token") || ls.queries[2].Get("next_page_token") != "p6" {
		t.Errorf("tokens: %v", ls.queries)
	}
	if req.Query.Has("next_page_token") || req.Query.Has("page_size") {
		t.Errorf("caller's query mutated: %v", req.Query)
	}
}

func TestPagesEarlyStop(t *testing.T) {
	t.Parallel()
	ls := &listServer{n: 10}
	c := newPagesClient(t, ls)
	req := c.NewRequest("GET", "/users", nil, nil)
	req.PageSize = 2
	for range c.Pages(context.Background(), req, "users") {
		break
	}
	if len(ls.queries) != 1 {
		t.Fatalf("requests after break = %d", len(ls.queries))
	}
}

func TestPagesCycleDetected(t *testing.T) {
	t.Parallel()
	ls := &listServer{n: 100, cycle: true}
	c := newPagesClient(t, ls)
	req := c.NewRequest("GET", "/users", nil, nil)
	req.PageSize = 2
	ids, err := collect(t, c, req)
	if !errors.Is(err, ErrPageTokenCycle) {
		t.Fatalf("err = %v", err)
	}
	if len(ids) != 4 { // page 1 and page 2 once each
		t.Fatalf("ids = %v", ids)
	}
}

func TestPagesRestartOnExpiredToken(t *testing.T) {
	t.Parallel()
	ls := &listServer{n: 7, failToken: map[string]int{"p6": 1}}
	c := newPagesClient(t, ls)
	req := c.NewRequest("GET", "/users", nil, nil)
	req.PageSize = 3
	ids, err := collect(t, c, req)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"9007199254740993", "9007199254740994", "9007199254740995", "9007199254740996", "9007199254740997", "9007199254740998", "9007199254740999"}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("ids = %v, want each once", ids)
	}
	// p0, p3, p6 (expired), restart p0, p3, p6.
	if len(ls.queries) != 6 {
		t.Fatalf("requests = %d", len(ls.queries))
	}
}

func TestPagesRestartLimit(t *testing.T) {
	t.Parallel()
	ls := &listServer{n: 7, failToken: map[string]int{"p3": 100}}
	c := newPagesClient(t, ls)
	req := c.NewRequest("GET", "/users", nil, nil)
	req.PageSize = 3
	ids, err := collect(t, c, req)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 300 {
		t.Fatalf("err = %v", err)
	}
	if len(ids) != 3 {
		t.Fatalf("ids = %v (no duplicates expected)", ids)
	}
	if len(ls.queries) != 2*(MaxPartitionRestarts+1) {
		t.Fatalf("requests = %d", len(ls.queries))
	}
}

func TestDecodePage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		body    string
		items   int
		total   int64
		next    string
		wantErr string
	}{
		{"normal", `{"total_records":2,"next_page_token":"","users":[{"id":1},{"id":2}],"page_size":30}`, 2, 2, "", ""},
		{"no total", `{"next_page_token":"abc","activity_logs":[]}`, 0, -1, "abc", `"users" missing`},
		{"absent empty total0", `{"total_records":0,"next_page_token":"x"}`, 0, 0, "x", ""},
		{"absent last page", `{"page_size":30}`, 0, -1, "", ""},
		{"absent with records announced", `{"total_records":12}`, 0, 0, "", "missing"},
		{"null array", `{"users":null}`, 0, -1, "", ""},
		{"not array", `{"users":{"a":1}}`, 0, -1, "", "not an array"},
		{"not object", `[1,2]`, 0, -1, "", "not a JSON object"},
		{"html", `<html>oops</html>`, 0, -1, "", "not a JSON object"},
		{"null", `null`, 0, -1, "", "null"},
		{"bad token", `{"next_page_token":5,"users":[]}`, 0, -1, "", "next_page_token"},
		{"trailing", `{"users":[]} {}`, 0, -1, "", "trailing"},
		{"missing with more", `{"total_records":5,"next_page_token":"t"}`, 0, 5, "t", `"users" missing`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := DecodePage([]byte(tc.body), "users")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != tc.items || p.TotalRecords != tc.total || p.NextPageToken != tc.next {
				t.Fatalf("page = %+v", p)
			}
			if _, ok := p.Raw["users"]; ok {
				t.Fatal("Raw must not hold the envelope key")
			}
		})
	}
}
