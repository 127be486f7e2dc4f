package zoomapi

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTokenSingleFlight50Goroutines(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	fz.tokenDelay = 30 * time.Millisecond
	var apiCalls atomic.Int64
	fz.handle("GET /users/me", func(w http.ResponseWriter, r *http.Request) {
		apiCalls.Add(1)
		writeJSON(w, 200, `{"id":"u1"}`)
	})
	c, _, _ := newTestClient(t, fz)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Do(context.Background(), c.NewRequest("GET", "/users/me", nil, nil), nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := fz.tokenCalls.Load(); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
	if n := apiCalls.Load(); n != 50 {
		t.Fatalf("api calls = %d, want 50", n)
	}
}

func TestTokenRequestShape(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var got http.Header
	var form string
	fz.setTokenHandler(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		r.ParseForm()
		form = r.PostForm.Encode()
		writeJSON(w, 200, `{"access_token":"x1","token_type":"bearer","expires_in":3600}`)
	})
	c, _, _ := newTestClient(t, fz)
	tok, err := c.TokenSource().Token(context.Background())
	if err != nil || tok.AccessToken != "x1" {
		t.Fatalf("token %v err %v", tok, err)
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testClient+":"+testSecret))
	if got.Get("Authorization") != wantAuth {
		t.Errorf("auth header = %q", got.Get("Authorization"))
	}
	if !strings.HasPrefix(got.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Errorf("content type %q", got.Get("Content-Type"))
	}
	if form != "account_id=acct-1&grant_type=account_credentials" {
		t.Errorf("form = %q", form)
	}
}

func TestTokenRefreshedEarly(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	fz.handle("GET /users/me", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	c, clk, _ := newTestClient(t, fz)
	ctx := context.Background()
	do := func() {
		t.Helper()
		if _, err := c.Do(ctx, c.NewRequest("GET", "/users/me", nil, nil), nil); err != nil {
			t.Fatal(err)
		}
	}
	do()
	clk.Advance(3600*time.Second - 5*time.Minute - time.Second)
	do()
	if n := fz.tokenCalls.Load(); n != 1 {
		t.Fatalf("token calls = %d before refresh window, want 1", n)
	}
	clk.Advance(2 * time.Second)
	do()
	if n := fz.tokenCalls.Load(); n != 2 {
		t.Fatalf("token calls = %d inside refresh window, want 2", n)
	}
}

func TestTokenShortLifetime(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	fz.expiresIn = 70
	c, clk, _ := newTestClient(t, fz)
	ts := c.TokenSource()
	ctx := context.Background()
	if _, err := ts.Token(ctx); err != nil {
		t.Fatal(err)
	}
	ts.Token(ctx)
	if n := fz.tokenCalls.Load(); n != 1 {
		t.Fatalf("token cached? calls = %d", n)
	}
	clk.Advance(36 * time.Second) // refresh at half-life for short tokens
	ts.Token(ctx)
	if n := fz.tokenCalls.Load(); n != 2 {
		t.Fatalf("calls = %d, want 2", n)
	}
}

func Test401Code124RefreshesOnce(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var calls atomic.Int64
	fz.mux.HandleFunc("GET /v2/users/me", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(w, 401, `{"code":124,"message":"Access token is expired."}`)
			return
		}
		writeJSON(w, 200, `{"id":"me"}`)
	})
	c, _, _ := newTestClient(t, fz)
	var v map[string]any
	if _, err := c.Do(context.Background(), c.NewRequest("GET", "/users/me", nil, nil), &v); err != nil {
		t.Fatal(err)
	}
	if v["id"] != "me" || calls.Load() != 2 || fz.tokenCalls.Load() != 2 {
		t.Fatalf("v=%v calls=%d tokens=%d", v, calls.Load(), fz.tokenCalls.Load())
	}
}

func TestSecond401IsAuthError(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var calls atomic.Int64
	fz.mux.HandleFunc("POST /v2/meetings/1/registrants", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 401, `{"code":124,"message":"Invalid access token."}`)
	})
	c, _, _ := newTestClient(t, fz)
	_, err := c.Do(context.Background(), c.NewRequest("POST", "/meetings/1/registrants", nil, map[string]string{"email": "a@b.c"}), nil)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Kind != AuthRejected {
		t.Fatalf("err = %v, want AuthRejected", err)
	}
	if calls.Load() != 2 || fz.tokenCalls.Load() != 2 {
		t.Fatalf("calls=%d tokens=%d, want 2 and 2", calls.Load(), fz.tokenCalls.Load())
	}
}

func TestInvalidateOnlyStale(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	c, _, _ := newTestClient(t, fz)
	ts := c.TokenSource()
	ctx := context.Background()
	t1, _ := ts.Token(ctx)
	ts.Invalidate(t1)
	t2, _ := ts.Token(ctx)
	ts.Invalidate(t1) // stale: must not drop t2
	t3, _ := ts.Token(ctx)
	if t2.AccessToken != t3.AccessToken || fz.tokenCalls.Load() != 2 {
		t.Fatalf("t2=%s t3=%s calls=%d", t2.AccessToken, t3.AccessToken, fz.tokenCalls.Load())
	}
}

func TestTokenErrorsClassified(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		kind   AuthErrorKind
		reason string
	}{
		{"invalid client", 400, `{"reason":"Invalid client_id or client_secret","error":"invalid_client"}`, AuthInvalidClient, "Invalid client_id or client_secret"},
		{"bad account", 400, `{"reason":"Invalid account_id","error":"invalid_request"}`, AuthInvalidAccount, "Invalid account_id"},
		{"grant", 400, `{"reason":"unsupported grant type","error":"unsupported_grant_type"}`, AuthUnsupportedGrant, "unsupported grant type"},
		{"server html", 502, `<html><body>Bad gateway</body></html>`, AuthServer, "Bad gateway"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fz := newFakeZoom(t)
			fz.setTokenHandler(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			c, _, _ := newTestClient(t, fz, func(c *Config) { c.MaxRetries = -1 })
			_, err := c.Do(context.Background(), c.NewRequest("GET", "/users/me", nil, nil), nil)
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want *AuthError", err, err)
			}
			if ae.Kind != tc.kind || !strings.Contains(ae.Error(), tc.reason) {
				t.Fatalf("kind=%v err=%q", ae.Kind, ae.Error())
			}
		})
	}
}

func TestTokenNetworkErrorRetried(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	fz.handle("GET /users/me", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	c, clk, _ := newTestClient(t, fz, func(c *Config) {
		c.TokenURL = deadURL + "/oauth/token"
		c.AllowHosts = append(c.AllowHosts, strings.TrimPrefix(deadURL, "http://"))
		c.MaxRetries = 2
	})
	_, err := c.Do(context.Background(), c.NewRequest("GET", "/users/me", nil, nil), nil)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Kind != AuthNetwork {
		t.Fatalf("err = %v", err)
	}
	if len(clk.Sleeps()) != 2 {
		t.Fatalf("sleeps = %v, want 2 retries", clk.Sleeps())
	}
}

func TestTokenEndpointRedirectRefused(t *testing.T) {
	t.Parallel()
	var hit atomic.Bool
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Store(true) }))
	defer evil.Close()
	fz := newFakeZoom(t)
	fz.setTokenHandler(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+"/steal", http.StatusTemporaryRedirect)
	})
	c, _, _ := newTestClient(t, fz, func(c *Config) {
		c.AllowHosts = append(c.AllowHosts, strings.TrimPrefix(evil.URL, "http://"))
		c.MaxRetries = -1
	})
	_, err := c.Do(context.Background(), c.NewRequest("GET", "/users/me", nil, nil), nil)
	if err == nil || hit.Load() {
		t.Fatalf("err=%v hit=%v", err, hit.Load())
	}
}
