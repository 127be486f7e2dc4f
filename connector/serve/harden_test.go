package serve

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/store"
)

// These tests pin the fixes of issue 14 ("Harden serve: eight findings
// from an attacker's afternoon"); each failed before its fix.

// TestStoreFilesOwnerOnly (finding 1): the SQLite database and its WAL and
// SHM files, which hold webhook payloads and join links, are created
// owner-only (0600), and files left too open by an earlier version are
// corrected when the store opens.
func TestStoreFilesOwnerOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are a Unix matter")
	}
	f := newFixture(t, nil)
	if resp, _ := do(t, signed(t, f.ts.URL, testSecret, f.clock.Now(), createdBody)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
	db := f.dbPath
	files := []string{db, db + "-wal", db + "-shm"}
	for _, p := range files {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s created with mode %#o, want 0600", filepath.Base(p), m)
		}
	}
	// An earlier version left them world-readable: opening corrects them.
	for _, p := range files {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st2, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	for _, p := range files {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s left at mode %#o after opening, want 0600", filepath.Base(p), m)
		}
	}
}

// TestRegisterDoesNotRevealJoinLinks (finding 2): posting somebody else's
// email returns neither their join link nor whether they were registered:
// a fresh registration, a repeat (ledger) and a person registered with
// Zoom outside serve get the same answer, without a join link (Zoom's
// confirmation email carries it).
func TestRegisterDoesNotRevealJoinLinks(t *testing.T) {
	t.Parallel()
	sim, client, _ := simClient(t)
	web := openTarget(t, sim, true)
	f := newFixture(t, func(o *Options) { o.Targets = []Target{web}; o.Registrar = nil })
	srv, err := New(Options{WebhookSecret: testSecret, Store: f.store, Targets: []Target{web}, AllowedOrigins: []string{origin},
		RateLimitPerMinute: 100, Registrar: &ZoomRegistrar{Client: client, Store: f.store, AccountID: sim.Dataset().AccountID}})
	if err != nil {
		t.Fatal(err)
	}
	f.use(srv)
	// Bea registered on Zoom's own page, not through serve.
	path := fmt.Sprintf("/webinars/%d/registrants", web.ID)
	if _, err := client.Do(context.Background(), client.NewRequest(http.MethodPost, path, nil, map[string]any{"email": "bea@example.com", "first_name": "Bea"}), nil); err != nil {
		t.Fatal(err)
	}
	answer := func(email string) (int, string) {
		resp, body := do(t, jsonReq(t, f.ts.URL, origin, map[string]string{"email": email, "first_name": "Someone"}))
		return resp.StatusCode, body
	}
	freshCode, fresh := answer("ann@example.com")
	againCode, again := answer("ANN@example.com")
	elseCode, elsewhere := answer("bea@example.com")
	if freshCode != 200 || againCode != 200 || elseCode != 200 {
		t.Fatalf("statuses %d %d %d: %s | %s | %s", freshCode, againCode, elseCode, fresh, again, elsewhere)
	}
	if fresh != again || fresh != elsewhere {
		t.Errorf("answers differ, so they tell who was registered:\nfresh:     %s\nrepeat:    %s\nelsewhere: %s", fresh, again, elsewhere)
	}
	for _, reg := range sim.Dataset().CreatedRegistrants() {
		link, _ := reg["join_url"].(string)
		for _, body := range []string{fresh, again, elsewhere} {
			if link != "" && strings.Contains(body, link) {
				t.Errorf("an answer holds the join link of %v: %s", reg["email"], body)
			}
		}
	}
	if !strings.Contains(fresh, "confirmation email") {
		t.Errorf("the answer does not say where the link is: %s", fresh)
	}
}

// TestDedupeKeepsAccountsApart (finding 4): two accounts removing the app
// in the same millisecond are two events; each account's data is deleted.
func TestDedupeKeepsAccountsApart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	now := f.clock.Now()
	post := func(body string) {
		t.Helper()
		if resp, b := do(t, signed(t, f.ts.URL, testSecret, now, body)); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("webhook: %d %s", resp.StatusCode, b)
		}
	}
	for _, acct := range []string{"ACCA", "ACCB"} {
		// Same event, same time, same object id in two accounts.
		post(fmt.Sprintf(`{"event":"meeting.created","event_ts":1700000000123,"payload":{"account_id":%q,"object":{"id":1}}}`, acct))
	}
	if n := len(f.events(t)); n != 2 {
		t.Fatalf("meeting.created of two accounts stored as %d events", n)
	}
	ts := now.UnixMilli()
	for _, acct := range []string{"ACCA", "ACCB"} {
		post(fmt.Sprintf(`{"event":"app_deauthorized","event_ts":%d,"payload":{"account_id":%q,"user_id":"u","client_id":"c","deauthorization_time":"2026-01-01T00:00:00Z"}}`, ts, acct))
	}
	for _, e := range f.events(t) {
		if e.Event != EventDeauthorized {
			t.Errorf("event of %s kept after its account removed the app: %s", e.AccountID, e.Event)
		}
	}
	d, err := f.store.Deauthorizations(context.Background())
	if err != nil || len(d) != 2 {
		t.Fatalf("deauthorizations: %+v %v", d, err)
	}
	// A redelivery of one of them is still stored once.
	post(fmt.Sprintf(`{"event":"app_deauthorized","event_ts":%d,"payload":{"account_id":"ACCB","user_id":"u","client_id":"c","deauthorization_time":"2026-01-01T00:00:00Z"}}`, ts))
	if d, _ := f.store.Deauthorizations(context.Background()); len(d) != 2 {
		t.Errorf("a redelivered deauthorization was recorded again: %d", len(d))
	}
}

// TestMetricsNotOnPublicListener (finding 5): /metrics is not on the
// public handler; it is served by MetricsHandler on its own listener;
// /healthz and /readyz stay public.
func TestMetricsNotOnPublicListener(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	p := person()
	p[HoneypotField] = "bot"
	do(t, jsonReq(t, f.ts.URL, origin, p))
	for path, want := range map[string]int{"/metrics": 404, "/healthz": 200, "/readyz": 200} {
		if resp, body := do(t, mustReq(t, f.ts.URL+path)); resp.StatusCode != want {
			t.Errorf("public %s: %d %.80s", path, resp.StatusCode, body)
		}
	}
	// serve.Run puts the metrics on their own listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, f.srv, RunOptions{Listener: ln, MetricsListener: mln}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	mc := &http.Client{Timeout: 10 * time.Second}
	resp, err := mc.Get("http://" + mln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatalf("metrics listener: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if resp.StatusCode != 200 || !strings.Contains(body, `zoom_connector_registrations_total{outcome="honeypot"} 1`) {
		t.Errorf("metrics listener: %d %.200s", resp.StatusCode, body)
	}
	if resp, _ := do(t, mustReq(t, "http://"+ln.Addr().String()+"/metrics")); resp.StatusCode != 404 {
		t.Errorf("/metrics on the public listener of Run: %d", resp.StatusCode)
	}
	if resp, err := mc.Get("http://" + mln.Addr().String() + "/register"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/register on the metrics listener: %d", resp.StatusCode)
	}
}

// TestRateLimitKeys (finding 6): X-Forwarded-For entries with a port are
// parsed (each visitor has a bucket), and IPv6 visitors share a bucket
// per /64.
func TestRateLimitKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *Options) { o.RateLimitPerMinute = 2; o.TrustProxy = true })
	try := func(xff, remote string) int {
		r := httptest.NewRequest(http.MethodPost, "/register", strings.NewReader(`{"email":"ann@example.com","first_name":"Ann","target":"launch"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Origin", origin)
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(w, r)
		return w.Code
	}
	var got []int
	for _, xff := range []string{"10.9.0.1:5111", "10.9.0.2:5111", "10.9.0.3:6000", "10.9.0.1:5111", "10.9.0.2:1", "10.9.0.3:6000"} {
		got = append(got, try("198.51.100.9, "+xff, "192.0.2.1:443"))
	}
	if fmt.Sprint(got) != "[200 200 200 200 200 200]" {
		t.Errorf("three visitors behind the proxy, with ports: %v", got)
	}
	if c := try("10.9.0.1:7777", "192.0.2.1:443"); c != 429 {
		t.Errorf("visitor 1 from another port, third request: %d", c)
	}
	got = nil
	for _, xff := range []string{"[2001:db8:1:2::1]:443", "2001:db8:1:2::ffff", "[2001:db8:1:2:aaaa::9]:80", "[2001:db8:1:3::1]:80"} {
		got = append(got, try(xff, "192.0.2.1:443"))
	}
	if fmt.Sprint(got) != "[200 200 429 200]" {
		t.Errorf("IPv6 visitors (three in one /64, one in another): %v", got)
	}
	// Without a proxy, the TCP peer: IPv6 by /64 too.
	g := newFixture(t, func(o *Options) { o.RateLimitPerMinute = 1 })
	f = g
	got = nil
	for _, remote := range []string{"[2001:db8:9:9::1]:5000", "[2001:db8:9:9::2]:5001", "[2001:db8:9:a::1]:5000"} {
		got = append(got, try("", remote))
	}
	if fmt.Sprint(got) != "[200 429 200]" {
		t.Errorf("IPv6 peers: %v", got)
	}
}

// TestHoneypotLooksReal (finding 7): a bot that filled the honeypot gets
// exactly the answer of a real registration.
func TestHoneypotLooksReal(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *Options) { o.RateLimitPerMinute = 100 })
	reg := f.srv.opts.Registrar.(*stubRegistrar)
	realResp, real := do(t, jsonReq(t, f.ts.URL, origin, person()))
	p := person()
	p[HoneypotField] = "http://spam.example"
	botResp, bot := do(t, jsonReq(t, f.ts.URL, origin, p))
	if realResp.StatusCode != botResp.StatusCode || real != bot {
		t.Errorf("honeypot answer differs from a real one:\nreal: %d %s\nbot:  %d %s", realResp.StatusCode, real, botResp.StatusCode, bot)
	}
	for _, h := range []string{"Content-Type", "Cache-Control", "Access-Control-Allow-Origin"} {
		if realResp.Header.Get(h) != botResp.Header.Get(h) {
			t.Errorf("header %s: real %q, bot %q", h, realResp.Header.Get(h), botResp.Header.Get(h))
		}
	}
	// A plain form post: both go to the thank-you page.
	v := url.Values{"email": {"bo@example.com"}, "first_name": {"Bo"}, "target": {"launch"}}
	r1, _ := do(t, formReq(f.ts.URL, origin, v))
	v.Set(HoneypotField, "x")
	r2, _ := do(t, formReq(f.ts.URL, origin, v))
	if r1.StatusCode != r2.StatusCode || r1.Header.Get("Location") != r2.Header.Get("Location") {
		t.Errorf("form posts: real %d %s, bot %d %s", r1.StatusCode, r1.Header.Get("Location"), r2.StatusCode, r2.Header.Get("Location"))
	}
	if reg.n() != 2 {
		t.Errorf("registrar calls %d, want the 2 real ones", reg.n())
	}
}

// TestWebhookTrailingBytes (also tighten): a signed body with anything but
// white space after the JSON object is refused and not stored.
func TestWebhookTrailingBytes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	for _, tail := range []string{`{"event":"x"}`, ` garbage`, `]`, "\x00"} {
		resp, _ := do(t, signed(t, f.ts.URL, testSecret, f.clock.Now(), createdBody+tail))
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("trailing %q: %d", tail, resp.StatusCode)
		}
	}
	if n := len(f.events(t)); n != 0 {
		t.Fatalf("%d events stored from bodies with trailing bytes", n)
	}
	if resp, _ := do(t, signed(t, f.ts.URL, testSecret, f.clock.Now(), createdBody+"\r\n")); resp.StatusCode != http.StatusNoContent {
		t.Errorf("trailing newline: %d", resp.StatusCode)
	}
}

// TestCallbackChecksCookieFirst (also tighten): someone who learns a
// victim's state but lacks the browser cookie cannot cancel the victim's
// connection by using the state first.
func TestCallbackChecksCookieFirst(t *testing.T) {
	t.Parallel()
	f := newConnectFixture(t, connectSetup{})
	b := f.browser(t)
	back := f.authorize(t, f.start(t, b, "site-v"))
	u, _ := url.Parse(back)
	// The attacker replays the state (with a code of their own) without
	// the victim's cookie, and from a browser with a cookie of its own.
	forged := f.redirect + "?" + url.Values{"state": {u.Query().Get("state")}, "code": {"attacker-code"}}.Encode()
	nocookie := &http.Client{Transport: recorder{http.DefaultTransport, f.seen}}
	if code, _, _ := f.get(t, nocookie, forged); code != http.StatusForbidden {
		t.Errorf("state without cookie: %d", code)
	}
	other := f.browser(t)
	f.start(t, other, "site-z")
	if code, _, _ := f.get(t, other, forged); code != http.StatusForbidden {
		t.Errorf("state with another browser's cookie: %d", code)
	}
	// The victim's own redirect still connects.
	if code, body, _ := f.get(t, b, back); code != http.StatusOK || !strings.Contains(body, "Connected") {
		t.Fatalf("victim after the attempts: %d %s", code, body)
	}
	if _, err := f.tokens.Load(context.Background(), "site-v"); err != nil {
		t.Fatal(err)
	}
	f.assertNoTokens(t)
}

// TestConnectNeedsInvitation (finding 3): /connect/{tenant} without the
// operator's invitation connects nothing, so nobody can claim a tenant
// before its owner.
func TestConnectNeedsInvitation(t *testing.T) {
	t.Parallel()
	f := newConnectFixture(t, connectSetup{})
	attacker := f.browser(t)
	code, body, _ := f.get(t, attacker, f.serveURL+"/connect/site-d")
	if code != http.StatusForbidden {
		t.Errorf("/connect/site-d without an invitation: %d %.200s", code, body)
	}
	if _, err := f.tokens.Load(context.Background(), "site-d"); err == nil {
		t.Fatal("an uninvited visitor connected site-d")
	}
	ctx := context.Background()
	refused := func(label, u string) {
		t.Helper()
		if code, body, _ := f.get(t, attacker, u); code != http.StatusForbidden || !strings.Contains(body, "Ask the site") {
			t.Errorf("%s: %d %.200s", label, code, body)
		}
	}
	good := f.connectURL(t, "site-d")
	gu, _ := url.Parse(good)
	token := gu.Query().Get(InviteQueryParam)
	// Signed with another key (the attacker's own token key).
	otherKey := make([]byte, 32)
	forged, _, _ := MakeInvite(otherKey, f.redirect, "site-d", 0, f.clock.Now())
	refused("forged invitation", forged)
	// A tampered token, and site-d's invitation used for site-e.
	refused("tampered invitation", f.serveURL+"/connect/site-d?invite="+url.QueryEscape("x"+token))
	refused("another tenant's invitation", f.serveURL+"/connect/site-e?invite="+url.QueryEscape(token))
	// An expired one.
	old, _, _ := MakeInvite(f.tokenKey, f.redirect, "site-d", time.Minute, f.clock.Now().Add(-2*time.Minute))
	refused("expired invitation", old)
	if st := f.sim.UserOAuthStats(); st.Authorizations != 0 {
		t.Errorf("refused links reached Zoom: %+v", st)
	}
	// The owner's link connects once; opened again it is refused.
	owner := f.browser(t)
	if code, body, _ := f.get(t, owner, good); code != http.StatusOK || !strings.Contains(body, "Connected") {
		t.Fatalf("owner: %d %s", code, body)
	}
	refused("used invitation", good)

	// Two replicas sharing the store: one invitation, opened on both
	// before either finished, connects once.
	second, err := New(Options{WebhookSecret: testSecret, Store: f.st, Now: f.clock.Now, Connect: &ConnectOptions{
		App: f.srv.connect.opts.App, RedirectURL: f.redirect, Tokens: f.tokens, InviteKey: f.srv.connect.opts.InviteKey,
		Identify: f.srv.connect.opts.Identify,
	}})
	if err != nil {
		t.Fatal(err)
	}
	replica := httptest.NewServer(second.Handler())
	defer replica.Close()
	link := f.connectURL(t, "site-f")
	b1, b2 := f.browser(t), f.browser(t)
	back1 := f.authorize(t, f.start2(t, b1, link))
	back2 := f.authorize(t, f.start2(t, b2, strings.Replace(link, f.serveURL, replica.URL, 1)))
	// Each replica keeps its own pending state; the callbacks come back
	// to the replica that started them.
	code1, _, _ := f.get(t, b1, back1)
	code2, body2, _ := f.get(t, b2, strings.Replace(back2, f.serveURL, replica.URL, 1))
	if code1 != http.StatusOK || code2 != http.StatusConflict || !strings.Contains(body2, "already used") {
		t.Errorf("one invitation on two replicas: %d and %d %.200s", code1, code2, body2)
	}
	list, _ := f.tokens.Tenants(ctx)
	if len(list) != 2 || list[0].Tenant != "site-d" || list[1].Tenant != "site-f" {
		t.Errorf("tenants: %+v", list)
	}
	f.assertNoTokens(t)
	// The invitation is a bearer credential until used: never logged.
	if strings.Contains(f.logs.String(), token) {
		t.Error("the log holds an invitation token")
	}
}
