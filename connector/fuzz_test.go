package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// Kinds of fuzzed page (the low nibble of a page's kind byte; 0..7 and
// 15 are a normal page).
const (
	pageGarbage      = 8  // not JSON
	page500          = 9  // a Zoom 500
	pageExpireOnce   = 10 // 400 code 300 the first time its token is used
	pageNoEnvelope   = 11 // the envelope key is missing
	pageNullItems    = 12 // "things": null
	pageTrailing     = 13 // a valid page followed by more data
	pageNumericToken = 14 // next_page_token is a number
)

// fuzzPage is one page of a scripted paginated list.
type fuzzPage struct {
	items int
	next  int // index of the next page; -1 ends the list
	kind  int
}

// fuzzScript turns fuzz bytes into a list of pages: page 0 is the first
// (no token); page j > 0 is reached with next_page_token "t<j>", so a
// token can point back at any page but the first.
func fuzzScript(b []byte) []fuzzPage {
	if len(b) == 0 {
		return []fuzzPage{{items: 1, next: -1}}
	}
	n := 1 + int(b[0])%6
	b = b[1:]
	at := func(i int) int {
		if i < len(b) {
			return int(b[i])
		}
		return 0
	}
	pages := make([]fuzzPage, n)
	for i := range pages {
		p := fuzzPage{items: at(3*i) % 5, kind: at(3*i+2) % 16}
		if n == 1 || at(3*i+1)%(n+1) == 0 {
			p.next = -1
		} else {
			p.next = 1 + at(3*i+1)%(n-1)
		}
		pages[i] = p
	}
	return pages
}

// FuzzPages drives the paginator (zoomapi.Client.Pages, which every read
// goes through) against a fake server answering a fuzzed sequence of
// pages: chains that end, cycle back, expire their tokens, or break with
// garbage, 500s, missing envelopes and malformed tokens. The paginator must
// end, never yield an item twice, yield exactly the chain's items in order
// (a prefix when it stops on an error), end a cycle with
// ErrPageTokenCycle, and restart an expired token without losing or
// repeating items.
//
//	go test -run='^$' -fuzz=FuzzPages -fuzztime=60s ./connector/
func FuzzPages(f *testing.F) {
	for _, s := range [][]byte{
		{0, 3, 0, 0},                                                   // one page
		{2, 2, 1, 0, 3, 2, 0, 1, 0, 0},                                 // 0 -> 1 -> 2 -> end
		{2, 2, 1, 0, 3, 2, 0, 1, 1, 0},                                 // 0 -> 1 -> 2 -> 1: cycle
		{1, 2, 1, 0, 3, 1, 0},                                          // 0 -> 1 -> 1: repeated token
		{2, 2, 1, 0, 3, 2, 10, 1, 0, 0},                                // page 1 expires once
		{3, 1, 1, 0, 1, 2, 10, 1, 3, 10, 1, 0},                         // two expiries
		{2, 2, 1, 0, 3, 2, 8, 1, 0, 0},                                 // garbage on page 1
		{2, 2, 1, 0, 3, 2, 9, 1, 0, 0},                                 // 500 on page 1
		{2, 2, 1, 11, 3, 2, 0, 1, 0, 11},                               // missing envelopes
		{2, 2, 1, 12, 3, 2, 13, 1, 0, 14},                              // null items, trailing data, numeric token
		{5, 4, 1, 10, 4, 2, 10, 4, 3, 10, 4, 4, 10, 4, 5, 10, 4, 0, 0}, // five expiries: more than the restarts allowed
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pages := fuzzScript(b)
		var mu sync.Mutex
		visits := map[int]int{}
		requests := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			requests++
			tok := r.URL.Query().Get("next_page_token")
			idx := 0
			if tok != "" {
				j, err := strconv.Atoi(strings.TrimPrefix(tok, "t"))
				if err != nil || !strings.HasPrefix(tok, "t") || j < 1 || j >= len(pages) {
					mu.Unlock()
					writeErr(w, 400, 300, "The next page token is invalid or has expired.")
					return
				}
				idx = j
			}
			visits[idx]++
			first := visits[idx] == 1
			mu.Unlock()
			p := pages[idx]
			body := map[string]any{"page_size": 5, "total_records": 1000, "next_page_token": ""}
			if p.next >= 0 {
				body["next_page_token"] = "t" + strconv.Itoa(p.next)
			}
			items := []any{}
			for k := range p.items {
				items = append(items, map[string]any{"id": fmt.Sprintf("p%d-%d", idx, k)})
			}
			body["things"] = items
			switch p.kind {
			case pageGarbage:
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"things": [ <html>`))
				return
			case page500:
				writeErr(w, 500, 500, "Internal error")
				return
			case pageExpireOnce:
				if tok != "" && first {
					writeErr(w, 400, 300, "The next page token is invalid or has expired.")
					return
				}
			case pageNoEnvelope:
				delete(body, "things")
			case pageNullItems:
				body["things"] = nil
			case pageNumericToken:
				if p.next >= 0 {
					body["next_page_token"] = p.next
				}
			}
			data, _ := json.Marshal(body)
			if p.kind == pageTrailing {
				data = append(data, []byte(` {"more": true}`)...)
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(data)
		}))
		defer srv.Close()
		c, err := zoomapi.New(zoomapi.Config{
			APIBaseURL:  srv.URL + "/v2",
			TokenSource: zoomapi.StaticTokenSource(&oauth2.Token{AccessToken: "fuzz-token"}),
			AllowHosts:  []string{strings.TrimPrefix(srv.URL, "http://")},
			Plan:        zoomapi.PlanUnlimited,
			MaxRetries:  -1,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req := c.NewRequest(http.MethodGet, "/things", nil, nil)
		req.PageSize = 5
		var got []string
		var iterErr error
		for page, err := range c.Pages(ctx, req, "things") {
			if err != nil {
				iterErr = err
				break
			}
			for _, it := range page.Items {
				var m struct{ ID string }
				if err := json.Unmarshal(it, &m); err != nil {
					t.Fatalf("item %s: %v", it, err)
				}
				got = append(got, m.ID)
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("the paginator did not end within 10 s (%d requests)", requests)
		}

		// The chain a correct paginator follows, and how it must end.
		var want []string
		seen := map[int]bool{}
		var wantErr string // "" none, "cycle", "fault"
		expiries := 0
		for i := 0; ; {
			p := pages[i]
			seen[i] = true
			switch {
			case p.kind == pageGarbage || p.kind == page500 || p.kind == pageTrailing:
				wantErr = "fault"
			case p.kind == pageNumericToken && p.next >= 0:
				wantErr = "fault"
			case p.kind == pageNoEnvelope && p.next >= 0:
				wantErr = "fault"
			case p.kind == pageExpireOnce && i > 0:
				expiries++
			}
			if wantErr != "" {
				break
			}
			if p.kind != pageNoEnvelope && p.kind != pageNullItems {
				for k := range p.items {
					want = append(want, fmt.Sprintf("p%d-%d", i, k))
				}
			}
			if p.next < 0 {
				break
			}
			if seen[p.next] {
				wantErr = "cycle"
				break
			}
			i = p.next
		}
		if expiries > zoomapi.MaxPartitionRestarts && wantErr == "" {
			wantErr = "expired"
		}

		dup := map[string]bool{}
		for _, id := range got {
			if dup[id] {
				t.Fatalf("item %s yielded twice: %v (pages %+v)", id, got, pages)
			}
			dup[id] = true
		}
		if len(got) > len(want) || strings.Join(got, ",") != strings.Join(want[:len(got)], ",") {
			t.Fatalf("yielded %v, not a prefix of the chain %v (pages %+v)", got, want, pages)
		}
		switch wantErr {
		case "":
			if iterErr != nil {
				t.Fatalf("error %v on a clean chain (pages %+v)", iterErr, pages)
			}
			if len(got) != len(want) {
				t.Fatalf("yielded %v, want %v (pages %+v)", got, want, pages)
			}
		case "cycle":
			if expiries <= zoomapi.MaxPartitionRestarts && !errors.Is(iterErr, zoomapi.ErrPageTokenCycle) {
				t.Fatalf("a cycling chain ended with %v, want ErrPageTokenCycle (pages %+v)", iterErr, pages)
			}
		default:
			if iterErr == nil {
				t.Fatalf("a chain with a %s ended without an error (pages %+v)", wantErr, pages)
			}
		}
		if max := (len(pages) + 1) * (zoomapi.MaxPartitionRestarts + 2); requests > max {
			t.Fatalf("%d requests for %d pages, more than %d", requests, len(pages), max)
		}
	})
}

func writeErr(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"code":%d,"message":%q}`, code, msg)
}
