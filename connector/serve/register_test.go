package serve

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

func jsonReq(t *testing.T, base, origin string, body any) *http.Request {
	t.Helper()
	b, _ := json.Marshal(body)
	r, _ := http.NewRequest(http.MethodPost, base+"/register", strings.NewReader(string(b)))
	r.Header.Set("Content-Type", "application/json")
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	return r
}

func formReq(base, origin string, v url.Values) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, base+"/register", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	return r
}

const origin = "https://www.example.org"

func person() map[string]string {
	return map[string]string{"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee", "target": "launch"}
}

func TestRegisterRejections(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *Options) { o.RateLimitPerMinute = 1000 })
	reg := f.srv.opts.Registrar.(*stubRegistrar)
	check := func(name string, r *http.Request, status int, msg string) {
		t.Helper()
		resp, body := do(t, r)
		if resp.StatusCode != status || !strings.Contains(body, msg) {
			t.Errorf("%s: %d %s, want %d %q", name, resp.StatusCode, body, status, msg)
		}
	}
	p := person()
	p["target"] = "999"
	check("target not allowed", jsonReq(t, f.ts.URL, origin, p), 403, "not available")
	p = person()
	delete(p, "target")
	p["meeting_id"] = "111" // 111 is a webinar, not a meeting
	check("wrong kind", jsonReq(t, f.ts.URL, origin, p), 403, "not available")
	p = person()
	delete(p, "target")
	check("no target with two configured", jsonReq(t, f.ts.URL, origin, p), 403, "not available")
	check("origin not allowed", jsonReq(t, f.ts.URL, "https://evil.example", person()), 403, "may not register")
	check("origin lookalike", jsonReq(t, f.ts.URL, "https://www.example.org.evil.example", person()), 403, "may not register")
	check("null origin", jsonReq(t, f.ts.URL, "null", person()), 403, "may not register")
	p = person()
	p["first_name"] = strings.Repeat("x", DefaultMaxFieldBytes+1)
	check("field too long", jsonReq(t, f.ts.URL, origin, p), 413, "too long")
	p = person()
	p["comments"] = strings.Repeat("x", 200)
	for i := range 100 {
		p["extra"+string(rune('a'+i%26))+string(rune('a'+i/26))] = strings.Repeat("y", 200)
	}
	check("body too large", jsonReq(t, f.ts.URL, origin, p), 413, "too large")
	bad := jsonReq(t, f.ts.URL, origin, nil)
	bad.Body = http.NoBody
	check("not JSON", bad, 400, "could not be read")
	r, _ := http.NewRequest(http.MethodPost, f.ts.URL+"/register", strings.NewReader("x"))
	r.Header.Set("Content-Type", "text/plain")
	check("content type", r, 415, "form post")
	r = jsonReq(t, f.ts.URL, origin, map[string]any{"email": []string{"a"}})
	check("non-string field", r, 400, "could not be read")
	check("repeated field", formReq(f.ts.URL, origin, url.Values{"email": {"a@b.co", "c@d.co"}, "first_name": {"A"}}), 400, "repeated")
	r, _ = http.NewRequest(http.MethodGet, f.ts.URL+"/register", nil)
	check("GET", r, 405, "POST")
	// Honeypot: looks like success, registers nobody.
	p = person()
	p[HoneypotField] = "http://spam.example"
	check("honeypot", jsonReq(t, f.ts.URL, origin, p), 200, `"status":"registered"`)
	if reg.n() != 0 {
		t.Fatalf("registrar called %d times for refused requests", reg.n())
	}
	// The refusals carry no CORS grant for a foreign origin.
	resp, _ := do(t, jsonReq(t, f.ts.URL, "https://evil.example", person()))
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS granted to a foreign origin")
	}
}

func TestRegisterRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *Options) { o.RateLimitPerMinute = 3 })
	for i := range 5 {
		resp, body := do(t, jsonReq(t, f.ts.URL, origin, person()))
		want := 200
		if i >= 3 {
			want = 429
		}
		if resp.StatusCode != want {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
		if want == 429 && (resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many")) {
			t.Fatalf("429 answer: %v %s", resp.Header, body)
		}
	}
	// A minute later the bucket has refilled.
	f.clock.mu.Lock()
	f.clock.t = f.clock.t.Add(time.Minute)
	f.clock.mu.Unlock()
	if resp, _ := do(t, jsonReq(t, f.ts.URL, origin, person())); resp.StatusCode != 200 {
		t.Fatalf("after a minute: %d", resp.StatusCode)
	}
	// Behind a trusted proxy, clients are told apart by X-Forwarded-For.
	g := newFixture(t, func(o *Options) { o.RateLimitPerMinute = 1; o.TrustProxy = true })
	for i, ip := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.1"} {
		r := jsonReq(t, g.ts.URL, origin, person())
		r.Header.Set("X-Forwarded-For", "198.51.100.7, "+ip)
		resp, _ := do(t, r)
		if want := map[bool]int{true: 429, false: 200}[i == 2]; resp.StatusCode != want {
			t.Fatalf("proxy client %d: %d", i, resp.StatusCode)
		}
	}
}

func TestRegisterAnswersAndCORS(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	// Preflight from an allowed origin.
	r, _ := http.NewRequest(http.MethodOptions, f.ts.URL+"/register", nil)
	r.Header.Set("Origin", origin)
	r.Header.Set("Access-Control-Request-Method", "POST")
	resp, _ := do(t, r)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != origin || resp.Header.Get("Access-Control-Allow-Methods") != "POST" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	r.Header.Set("Origin", "https://evil.example")
	if resp, _ := do(t, r); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign preflight: %d", resp.StatusCode)
	}
	// JSON from fetch.
	resp, body := do(t, jsonReq(t, f.ts.URL, origin, person()))
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != origin ||
		strings.Contains(body, "join_url") || !strings.Contains(body, `"status":"registered"`) {
		t.Fatalf("json: %d %s", resp.StatusCode, body)
	}
	// A plain form post: 303 to the thank-you page.
	v := url.Values{"email": {"bo@example.com"}, "first_name": {"Bo"}, "meeting_id": {"222"}}
	resp, _ = do(t, formReq(f.ts.URL, origin, v))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://www.example.org/thanks" {
		t.Fatalf("form post: %d %v", resp.StatusCode, resp.Header)
	}
	calls := f.srv.opts.Registrar.(*stubRegistrar).calls
	if len(calls) != 2 || calls[0].Target.ID != 111 || calls[1].Target.Kind != "meeting" || calls[1].Fields["email"] != "bo@example.com" {
		t.Fatalf("registrar calls: %+v", calls)
	}
	// Zoom's errors become visitor messages; Zoom's text never shows.
	stub := f.srv.opts.Registrar.(*stubRegistrar)
	for _, c := range []struct {
		err    error
		status int
		msg    string
	}{
		{&zoomapi.APIError{StatusCode: 400, Code: 3043, Message: "Meeting has reached maximum attendee capacity."}, 409, msgFull},
		{&zoomapi.APIError{StatusCode: 400, Code: 3038, Message: "Meeting is over, you can not register now. internal-detail"}, 410, msgClosed},
		{&zoomapi.APIError{StatusCode: 404, Code: 3001, Message: "Meeting does not exist: 222."}, 409, msgNotOpen},
		{&zoomapi.RateLimitError{Daily: true, PerRegistrant: true, Message: "You have exceeded the daily rate limit of \"3\" for Add meeting registrant API requests"}, 429, msgTooMany},
		{&zoomapi.RateLimitError{Message: "Too many requests"}, 503, msgBusy},
		{errors.New("dial tcp: secret-internal-host refused"), 502, msgUnavailable},
	} {
		stub.mu.Lock()
		stub.err = VisitorMessage(c.err)
		stub.mu.Unlock()
		resp, body := do(t, jsonReq(t, f.ts.URL, origin, person()))
		if resp.StatusCode != c.status || !strings.Contains(body, c.msg) || strings.Contains(body, "internal") || strings.Contains(body, "Meeting") {
			t.Errorf("%v: %d %s", c.err, resp.StatusCode, body)
		}
	}
	// A plain form post that fails gets text, not JSON.
	resp, body = do(t, formReq(f.ts.URL, origin, v))
	if resp.StatusCode != 502 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || !strings.Contains(body, msgUnavailable) {
		t.Fatalf("form error: %d %s", resp.StatusCode, body)
	}
}

// TestRegisterEndToEnd registers through the real Zoom path (simulator):
// validation, the ledger, and the webhook the simulator sends back.
func TestRegisterEndToEnd(t *testing.T) {
	t.Parallel()
	sim, client, _ := simClient(t)
	web := openTarget(t, sim, true)
	var f *fixture
	f = newFixture(t, func(o *Options) {
		o.Targets = []Target{web}
		o.Registrar = nil
	})
	// Rebuild with the real registrar (the fixture's store is needed first).
	zr := &ZoomRegistrar{Client: client, Store: f.store, AccountID: sim.Dataset().AccountID}
	srv, err := New(Options{WebhookSecret: testSecret, Store: f.store, Registrar: zr, Targets: []Target{web},
		AllowedOrigins: []string{origin}, RateLimitPerMinute: 100})
	if err != nil {
		t.Fatal(err)
	}
	f.use(srv)
	sim.SetWebhookTarget(f.ts.URL+"/webhooks/zoom", testSecret)
	sim.SetWebhookRetries(2*time.Second, 50*time.Millisecond)
	if err := sim.ValidateWebhookEndpoint(context.Background()); err != nil {
		t.Fatalf("simulator's URL validation: %v", err)
	}

	p := map[string]string{"email": "visitor@example.com", "first_name": "Vis", "last_name": "Itor"}
	resp, body := do(t, jsonReq(t, f.ts.URL, origin, p))
	var ans registerAnswer
	json.Unmarshal([]byte(body), &ans)
	if resp.StatusCode != 200 || ans.Status != "registered" || ans.Message != msgRegistered {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	created := sim.Dataset().CreatedRegistrants()
	joinURL, _ := created[0]["join_url"].(string)
	if len(created) != 1 || created[0]["email"] != "visitor@example.com" || !strings.HasPrefix(joinURL, "https://") {
		t.Fatalf("simulator registrants: %v", created)
	}
	// Same visitor again: the ledger answers, Zoom is not called, and the
	// answer is the same (it tells nobody the address was registered).
	first := body
	resp, body = do(t, jsonReq(t, f.ts.URL, origin, map[string]string{"email": "VISITOR@example.com", "first_name": "Vis"}))
	if resp.StatusCode != 200 || body != first {
		t.Fatalf("again: %d %s", resp.StatusCode, body)
	}
	if n := len(sim.Dataset().CreatedRegistrants()); n != 1 {
		t.Fatalf("registrants after repeat: %d", n)
	}
	// Invalid rows stop before Zoom, with the write command's schema.
	resp, body = do(t, jsonReq(t, f.ts.URL, origin, map[string]string{"email": "not-an-email", "first_name": "X"}))
	if resp.StatusCode != 400 || !strings.Contains(body, msgInvalid) {
		t.Fatalf("invalid: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, jsonReq(t, f.ts.URL, origin, map[string]string{"email": "x@example.com", "first_name": "X", "country": "usa"}))
	if resp.StatusCode != 400 {
		t.Fatalf("invalid country: %d %s", resp.StatusCode, body)
	}
	// An address the schema's format takes but Zoom does not (no dot in the
	// domain): /register refuses it as write does (registrant.Validate).
	resp, body = do(t, jsonReq(t, f.ts.URL, origin, map[string]string{"email": "x@localhost", "first_name": "X"}))
	if resp.StatusCode != 400 || len(sim.Dataset().CreatedRegistrants()) != 1 {
		t.Fatalf("x@localhost: %d %s", resp.StatusCode, body)
	}
	// The simulator's webhook arrives, verified and stored once.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sim.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	evs := f.events(t)
	if len(evs) != 1 || evs[0].Event != "webinar.registration_created" || evs[0].AccountID != sim.Dataset().AccountID ||
		!strings.Contains(string(evs[0].Body), joinURL) {
		t.Fatalf("stored events: %+v", evs)
	}
	var m strings.Builder
	srv.metrics.write(&m)
	for _, want := range []string{`outcome="registered"} 1`, `outcome="already_registered"} 1`, `outcome="invalid"} 3`,
		`zoom_connector_zoom_request_duration_seconds_count 1`, `event="webinar.registration_created"} 1`} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestOperations(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 404, "/nope": 404} {
		r, _ := http.NewRequest(http.MethodGet, f.ts.URL+path, nil)
		if resp, _ := do(t, r); resp.StatusCode != want {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	f.store.Close()
	r, _ := http.NewRequest(http.MethodGet, f.ts.URL+"/readyz", nil)
	if resp, _ := do(t, r); resp.StatusCode != 503 {
		t.Errorf("readyz with the store closed: %d", resp.StatusCode)
	}
	// The store failing: the webhook is not acknowledged, so Zoom retries.
	if resp, _ := do(t, signed(t, f.ts.URL, testSecret, f.clock.Now(), createdBody)); resp.StatusCode != 503 {
		t.Errorf("webhook with the store closed: %d", resp.StatusCode)
	}
	if _, err := New(Options{Store: f.store}); err == nil {
		t.Error("no secret accepted")
	}
	if _, err := New(Options{WebhookSecret: "x", Store: f.store, AllowedOrigins: []string{"https://a.example/path"}}); err == nil {
		t.Error("origin with a path accepted")
	}
}

// TestRunGracefulShutdown: a request in flight when the context ends is
// finished, and /readyz turns 503 first.
func TestRunGracefulShutdown(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	slow := &slowRegistrar{started: make(chan struct{}), release: make(chan struct{})}
	srv, err := New(Options{WebhookSecret: testSecret, Store: f.store, Registrar: slow, Targets: []Target{{Kind: "meeting", ID: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, srv, RunOptions{Listener: ln, ShutdownTimeout: 5 * time.Second}) }()
	base := "http://" + ln.Addr().String()
	got := make(chan int, 1)
	go func() {
		resp, err := http.Post(base+"/register", "application/json", strings.NewReader(`{"email":"a@b.co","first_name":"A"}`))
		if err != nil {
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	<-slow.started
	cancel()
	time.Sleep(100 * time.Millisecond)
	close(slow.release)
	if code := <-got; code != 200 {
		t.Fatalf("in-flight request: %d", code)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !srv.draining.Load() {
		t.Fatal("not drained")
	}
}

type slowRegistrar struct{ started, release chan struct{} }

func (s *slowRegistrar) Register(ctx context.Context, _ Registration) (Result, error) {
	close(s.started)
	<-s.release
	return Result{Status: "registered", JoinURL: "https://zoom.example/j/2"}, nil
}
