package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// proxy sits between the connector and the simulator: it records every
// request and lets a test answer some itself (a scripted fault).
type proxy struct {
	*httptest.Server
	host string

	mu   sync.Mutex
	seen []seenRequest
	// intercept, when set, may answer a request itself (returning true).
	// n is the 1-based count of API requests so far, this one included.
	intercept func(w http.ResponseWriter, r *http.Request, n int) bool
	api       int
	statuses  map[int]int
}

// seenRequest is one request the proxy forwarded or answered.
type seenRequest struct {
	at     time.Time
	method string
	path   string // path and query
	auth   string
}

// startProxy starts a proxy to target on 127.0.0.1.
func startProxy(t *testing.T, target string, intercept func(w http.ResponseWriter, r *http.Request, n int) bool) *proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{intercept: intercept, statuses: map[int]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		p.mu.Lock()
		p.statuses[resp.StatusCode]++
		p.mu.Unlock()
		return nil
	}
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		// Pass a reset or truncation on as a dropped connection.
		panic(http.ErrAbortHandler)
	}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, seenRequest{at: time.Now(), method: r.Method, path: r.URL.RequestURI(), auth: r.Header.Get("Authorization")})
		n := 0
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			p.api++
			n = p.api
		}
		ic := p.intercept
		p.mu.Unlock()
		if ic != nil && ic(w, r, n) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	p.host = strings.TrimPrefix(p.URL, "http://")
	return p
}

// config points a simulator config, and its download URLs, at the proxy.
func (p *proxy) config(s *sim, kv ...any) map[string]any {
	// Download URLs (transcripts) go through the proxy too, as every
	// request of the read does.
	s.SetDownloadBase(p.URL)
	return with(s.config(), append([]any{
		"api_base_url", p.URL + "/v2", "oauth_token_url", p.URL + "/oauth/token", "validation_url", p.URL + "/v2/users/me",
	}, kv...)...)
}

func (p *proxy) requests() []seenRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]seenRequest(nil), p.seen...)
}

// apiRequests counts the API requests the proxy saw.
func (p *proxy) apiRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.api
}

func (p *proxy) status(code int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statuses[code]
}

// zoomError answers with Zoom's error body.
func zoomError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"code":` + strconv.Itoa(code) + `,"message":"` + msg + `"}`))
}
