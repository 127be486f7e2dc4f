package zoomapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testAccount = "acct-1"
	testClient  = "client-id-1"
	testSecret  = "s3cret-CANARY-7f3a9"
)

// fakeClock is a manual clock whose Sleep advances time instantly.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	if d > 0 {
		f.t = f.t.Add(d)
	}
	return nil
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// fakeZoom is a tiny fake of Zoom's token endpoint and API.
type fakeZoom struct {
	t          *testing.T
	srv        *httptest.Server
	mux        *http.ServeMux
	tokenCalls atomic.Int64
	tokenDelay time.Duration
	expiresIn  int
	tokenPfx   string

	mu         sync.Mutex
	tokenFn    http.HandlerFunc // overrides the default token handler
	lastTokens []string
}

func newFakeZoom(t *testing.T) *fakeZoom {
	t.Helper()
	fz := &fakeZoom{t: t, mux: http.NewServeMux(), expiresIn: 3600, tokenPfx: "tok"}
	fz.mux.HandleFunc("POST /oauth/token", fz.handleToken)
	fz.srv = httptest.NewServer(fz.mux)
	t.Cleanup(fz.srv.Close)
	return fz
}

func (fz *fakeZoom) setTokenHandler(h http.HandlerFunc) {
	fz.mu.Lock()
	defer fz.mu.Unlock()
	fz.tokenFn = h
}

func (fz *fakeZoom) handleToken(w http.ResponseWriter, r *http.Request) {
	n := fz.tokenCalls.Add(1)
	fz.mu.Lock()
	h := fz.tokenFn
	fz.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	if fz.tokenDelay > 0 {
		time.Sleep(fz.tokenDelay)
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(testClient+":"+testSecret))
	if r.Header.Get("Authorization") != want {
		w.WriteHeader(400)
		w.Write([]byte(`{"reason":"Invalid client_id or client_secret","error":"invalid_client"}`))
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "account_credentials" || r.PostForm.Get("account_id") != testAccount {
		w.WriteHeader(400)
		w.Write([]byte(`{"reason":"Invalid account_id","error":"invalid_request"}`))
		return
	}
	tok := fmt.Sprintf("%s-%d", fz.tokenPfx, n)
	fz.mu.Lock()
	fz.lastTokens = append(fz.lastTokens, tok)
	fz.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok, "token_type": "bearer", "expires_in": fz.expiresIn,
		"scope": "user:read:admin", "api_url": "https://api.zoom.us",
	})
}

// validToken reports whether r carries the most recently issued token.
func (fz *fakeZoom) validToken(r *http.Request) bool {
	fz.mu.Lock()
	defer fz.mu.Unlock()
	if len(fz.lastTokens) == 0 {
		return false
	}
	return r.Header.Get("Authorization") == "Bearer "+fz.lastTokens[len(fz.lastTokens)-1]
}

// handle registers an API handler under /v2 that first checks the bearer.
func (fz *fakeZoom) handle(pattern string, h http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	p := "/v2" + path
	if method != "" {
		p = method + " " + p
	}
	fz.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		if !fz.validToken(r) {
			writeJSON(w, 401, `{"code":124,"message":"Invalid access token."}`)
			return
		}
		h(w, r)
	})
}

func (fz *fakeZoom) host() string { return strings.TrimPrefix(fz.srv.URL, "http://") }

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// newTestClient builds a Client against fz with a fake clock, no rate limit
// and a debug logger into the returned buffer.
func newTestClient(t *testing.T, fz *fakeZoom, mods ...func(*Config)) (*Client, *fakeClock, *syncBuffer) {
	t.Helper()
	clk := newFakeClock()
	logs := &syncBuffer{}
	cfg := Config{
		APIBaseURL:   fz.srv.URL + "/v2",
		TokenURL:     fz.srv.URL + "/oauth/token",
		AccountID:    testAccount,
		ClientID:     testClient,
		ClientSecret: testSecret,
		AllowHosts:   []string{fz.host()},
		Plan:         PlanUnlimited,
		Now:          clk.Now,
		Sleep:        clk.Sleep,
		Logger:       slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, clk, logs
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
