package zoomsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for the simulator.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func call(t *testing.T, method, u, token string, form url.Values) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func tokenRequest(t *testing.T, base, id, secret string, form url.Values, inQuery bool) answer {
	t.Helper()
	u := base + "/oauth/token"
	var body io.Reader
	if inQuery {
		u += "?" + form.Encode()
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(http.MethodPost, u, body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(id, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	s, base, _ := StartTest(t, Options{})
	acct := s.Dataset().AccountID
	good := url.Values{"grant_type": {"account_credentials"}, "account_id": {acct}}
	for _, tc := range []struct {
		name        string
		id, secret  string
		form        url.Values
		inQuery     bool
		status      int
		errorCode   string
		wantToken   bool
		wantInScope string
	}{
		{name: "form body", id: DefaultClientID, secret: DefaultClientSecret, form: good, status: 200, wantToken: true, wantInScope: "meeting:read:admin"},
		{name: "query string", id: DefaultClientID, secret: DefaultClientSecret, form: good, inQuery: true, status: 200, wantToken: true},
		{name: "bad secret", id: DefaultClientID, secret: "nope", form: good, status: 400, errorCode: "invalid_client"},
		{name: "bad client id", id: "nope", secret: DefaultClientSecret, form: good, status: 400, errorCode: "invalid_client"},
		{name: "no basic auth", form: good, status: 400, errorCode: "invalid_client"},
		{name: "wrong account", id: DefaultClientID, secret: DefaultClientSecret, form: url.Values{"grant_type": {"account_credentials"}, "account_id": {"other"}}, status: 400, errorCode: "invalid_request"},
		{name: "other grant", id: DefaultClientID, secret: DefaultClientSecret, form: url.Values{"grant_type": {"client_credentials"}, "account_id": {acct}}, status: 400, errorCode: "unsupported_grant_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tokenRequest(t, base, tc.id, tc.secret, tc.form, tc.inQuery)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.raw)
			}
			if tc.errorCode != "" && a.body["error"] != tc.errorCode {
				t.Errorf("error %v, want %s", a.body["error"], tc.errorCode)
			}
			if tc.wantToken {
				if a.body["access_token"] == "" || a.body["token_type"] != "bearer" || a.body["expires_in"] != float64(3600) {
					t.Errorf("token answer %s", a.raw)
				}
				if tc.wantInScope != "" && !strings.Contains(" "+a.body["scope"].(string)+" ", " "+tc.wantInScope+" ") {
					t.Errorf("scope %q lacks %s", a.body["scope"], tc.wantInScope)
				}
			}
		})
	}
}

func TestBearerTokenExpiryAndUnknown(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	_, base, tok := StartTest(t, Options{Now: clk.Now, TokenTTL: time.Hour})
	if a := call(t, "GET", base+"/v2/users/me", tok, nil); a.status != 200 {
		t.Fatalf("fresh token: %d %s", a.status, a.raw)
	}
	if a := call(t, "GET", base+"/v2/users/me", "sim_unknown", nil); a.status != 401 || a.body["code"] != float64(124) {
		t.Fatalf("unknown token: %d %s", a.status, a.raw)
	}
	if a := call(t, "GET", base+"/v2/users/me", "", nil); a.status != 401 || a.body["code"] != float64(124) {
		t.Fatalf("no token: %d %s", a.status, a.raw)
	}
	clk.Advance(time.Hour)
	a := call(t, "GET", base+"/v2/users/me", tok, nil)
	if a.status != 401 || a.body["code"] != float64(124) || !strings.Contains(a.raw, "expired") {
		t.Fatalf("expired token: %d %s", a.status, a.raw)
	}
}

func TestMissingScope(t *testing.T) {
	t.Parallel()
	// The app may list users but not meetings.
	app := App{AccountID: "", ClientID: "c", ClientSecret: "s", Scopes: []string{"user:read:admin"}}
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	app.AccountID = s.Dataset().AccountID
	_, base, tok := StartTest(t, Options{Apps: []App{app}})
	if a := call(t, "GET", base+"/v2/users", tok, nil); a.status != 200 {
		t.Fatalf("users: %d %s", a.status, a.raw)
	}
	a := call(t, "GET", base+"/v2/users/me/meetings", tok, nil)
	if a.status != 400 || a.body["code"] != float64(4711) {
		t.Fatalf("meetings without scope: %d %s", a.status, a.raw)
	}
	msg := a.body["message"].(string)
	for _, want := range []string{"does not contain scopes:[", "meeting:read:list_meetings:admin", "meeting:read:admin"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestPerSecondAndDailyLimits(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	lim := Limits{PerSecond: map[Category]int{Medium: 2, Light: 100, Heavy: 100}, SharedHeavyDaily: 3}
	_, base, tok := StartTest(t, Options{Now: clk.Now, Limits: &lim})
	// Medium: two a second.
	for i := 0; i < 2; i++ {
		a := call(t, "GET", base+"/v2/users", tok, nil)
		if a.status != 200 {
			t.Fatalf("request %d: %d %s", i, a.status, a.raw)
		}
		if a.header.Get("X-RateLimit-Category") != "Medium" || a.header.Get("X-RateLimit-Type") != "QPS" ||
			a.header.Get("X-RateLimit-Limit") != "2" {
			t.Errorf("headers %v", a.header)
		}
	}
	a := call(t, "GET", base+"/v2/users", tok, nil)
	if a.status != 429 || !strings.Contains(a.raw, "per-second") || a.header.Get("Retry-After") != "" {
		t.Fatalf("third request in a second: %d %v %s", a.status, a.header, a.raw)
	}
	clk.Advance(time.Second)
	if a := call(t, "GET", base+"/v2/users", tok, nil); a.status != 200 {
		t.Fatalf("next second: %d", a.status)
	}
	// Heavy shares a daily quota of 3 here.
	from := clk.Now().AddDate(0, 0, -20).Format("2006-01-02")
	to := clk.Now().Format("2006-01-02")
	q := "/v2/report/users?from=" + from + "&to=" + to
	for i := 0; i < 3; i++ {
		a := call(t, "GET", base+q, tok, nil)
		if a.status != 200 || a.header.Get("X-RateLimit-Type") != "Daily-limit" {
			t.Fatalf("heavy %d: %d %v %s", i, a.status, a.header, a.raw)
		}
	}
	a = call(t, "GET", base+q, tok, nil)
	if a.status != 429 || !strings.Contains(a.raw, "daily") {
		t.Fatalf("over daily: %d %s", a.status, a.raw)
	}
	ra, err := time.Parse(time.RFC3339, a.header.Get("Retry-After"))
	if err != nil || !ra.Equal(time.Date(2026, 6, 16, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("Retry-After %q: want next UTC midnight (%v)", a.header.Get("Retry-After"), err)
	}
}

func TestPlanLimits(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"free", "pro", "business", "unlimited"} {
		if _, err := PlanLimits(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := PlanLimits("gold"); err == nil {
		t.Error("unknown plan accepted")
	}
	b, _ := PlanLimits("business")
	if b.PerSecond[Heavy] != 40 || b.SharedHeavyDaily != 60000 || b.ResourcePerMinute != 20 {
		t.Errorf("business limits %+v", b)
	}
}

func TestPaginationTokens(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	s, base, tok := StartTest(t, Options{Now: clk.Now, PageTokenTTL: 15 * time.Minute})
	first := call(t, "GET", base+"/v2/users?page_size=1", tok, nil)
	if first.status != 200 {
		t.Fatalf("%d %s", first.status, first.raw)
	}
	next, _ := first.body["next_page_token"].(string)
	if next == "" || first.body["page_size"] != float64(1) {
		t.Fatalf("first page: %s", first.raw)
	}
	total := int(first.body["total_records"].(float64))
	// Walk every page: all users, no repeats, last token empty.
	seen := map[string]bool{}
	u0 := first.body["users"].([]any)[0].(map[string]any)
	seen[u0["id"].(string)] = true
	for next != "" {
		a := call(t, "GET", base+"/v2/users?page_size=1&next_page_token="+next, tok, nil)
		if a.status != 200 {
			t.Fatalf("%d %s", a.status, a.raw)
		}
		for _, u := range a.body["users"].([]any) {
			id := u.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("user %s twice", id)
			}
			seen[id] = true
		}
		next = a.body["next_page_token"].(string)
	}
	if len(seen) != total {
		t.Fatalf("walked %d users, total_records %d", len(seen), total)
	}
	// The token is bound to the other parameters.
	tokn := first.body["next_page_token"].(string)
	if a := call(t, "GET", base+"/v2/users?page_size=2&next_page_token="+tokn, tok, nil); a.status != 400 || a.body["code"] != float64(300) {
		t.Fatalf("token with other params: %d %s", a.status, a.raw)
	}
	if a := call(t, "GET", base+"/v2/users?page_size=1&next_page_token=garbage", tok, nil); a.status != 400 || a.body["code"] != float64(300) {
		t.Fatalf("garbage token: %d %s", a.status, a.raw)
	}
	// Page size is clamped to 300, default 30.
	if a := call(t, "GET", base+"/v2/users?page_size=5000", tok, nil); a.body["page_size"] != float64(300) {
		t.Fatalf("page_size 5000 answered %v", a.body["page_size"])
	}
	if a := call(t, "GET", base+"/v2/users", tok, nil); a.body["page_size"] != float64(30) {
		t.Fatalf("default page_size %v", a.body["page_size"])
	}
	// After 15 minutes the token has expired.
	clk.Advance(16 * time.Minute)
	s.tokMu.Lock()
	for _, t := range s.tokens {
		t.expires = clk.Now().Add(time.Hour)
	}
	s.tokMu.Unlock()
	a := call(t, "GET", base+"/v2/users?page_size=1&next_page_token="+tokn, tok, nil)
	if a.status != 400 || a.body["code"] != float64(300) || a.body["message"] != msgBadPageToken {
		t.Fatalf("expired token: %d %s", a.status, a.raw)
	}
}

func TestParseFaults(t *testing.T) {
	t.Parallel()
	fs, err := ParseFaults("5xx=0.04,reset=0.01,hang_for=3s")
	if err != nil {
		t.Fatal(err)
	}
	if fs.Rates["500"] != 0.01 || fs.Rates["reset"] != 0.01 || fs.HangFor != 3*time.Second {
		t.Fatalf("%+v", fs)
	}
	for _, bad := range []string{"boom=0.1", "500", "500=2", "500=x", "hang_for=soon"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fault string
		check func(t *testing.T, a answer, err error)
	}{
		{"503", func(t *testing.T, a answer, err error) {
			if err != nil || a.status != 503 {
				t.Fatalf("%v %d", err, a.status)
			}
		}},
		{"html", func(t *testing.T, a answer, err error) {
			if err != nil || a.status != 502 || !strings.HasPrefix(a.raw, "<html>") {
				t.Fatalf("%v %d %s", err, a.status, a.raw)
			}
		}},
		{"reset", func(t *testing.T, a answer, err error) {
			if err == nil {
				t.Fatalf("reset answered %d", a.status)
			}
		}},
		{"truncate", func(t *testing.T, a answer, err error) {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("truncate: err %v status %d body %q", err, a.status, a.raw)
			}
		}},
		{"429", func(t *testing.T, a answer, err error) {
			if err != nil || a.status != 429 || a.header.Get("X-RateLimit-Type") != "QPS" {
				t.Fatalf("%v %d %v", err, a.status, a.header)
			}
		}},
		{"auth124", func(t *testing.T, a answer, err error) {
			if err != nil || a.status != 401 || a.body["code"] != float64(124) {
				t.Fatalf("%v %d %s", err, a.status, a.raw)
			}
		}},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			t.Parallel()
			s, base, tok := StartTest(t, Options{Faults: FaultSpec{Rates: map[string]float64{tc.fault: 1}}})
			req, _ := http.NewRequest("GET", base+"/v2/users", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Do(req)
			var a answer
			if err == nil {
				a.status, a.header = resp.StatusCode, resp.Header
				b, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				a.raw = string(b)
				_ = json.Unmarshal(b, &a.body)
				err = rerr
			}
			tc.check(t, a, err)
			if got := s.Counters().Snapshot().Faults[tc.fault]; got != 1 {
				t.Errorf("fault counter %d, want 1", got)
			}
		})
	}
}

func TestHangStopsWhenClientGivesUp(t *testing.T) {
	t.Parallel()
	_, base, tok := StartTest(t, Options{Faults: FaultSpec{Rates: map[string]float64{"hang": 1}, HangFor: time.Minute}})
	req, _ := http.NewRequest("GET", base+"/v2/users", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	start := time.Now()
	_, err := (&http.Client{Timeout: 200 * time.Millisecond}).Do(req)
	if err == nil {
		t.Fatal("hung answer arrived")
	}
	if time.Since(start) > 20*time.Second {
		t.Fatalf("client timeout did not end the hang")
	}
}

func TestPageFaults(t *testing.T) {
	t.Parallel()
	for _, fault := range []string{"repeat_token", "expire_token"} {
		t.Run(fault, func(t *testing.T) {
			t.Parallel()
			_, base, tok := StartTest(t, Options{Faults: FaultSpec{Rates: map[string]float64{fault: 1}}})
			first := call(t, "GET", base+"/v2/users?page_size=1", tok, nil)
			next := first.body["next_page_token"].(string)
			a := call(t, "GET", base+"/v2/users?page_size=1&next_page_token="+next, tok, nil)
			switch fault {
			case "repeat_token":
				if a.status != 200 || a.body["next_page_token"] != next {
					t.Fatalf("repeat: %d %s", a.status, a.raw)
				}
			case "expire_token":
				if a.status != 400 || a.body["code"] != float64(300) {
					t.Fatalf("expire: %d %s", a.status, a.raw)
				}
			}
		})
	}
}

func TestTokenEndpointFault(t *testing.T) {
	t.Parallel()
	s, base, _ := StartTest(t, Options{Faults: FaultSpec{Rates: map[string]float64{"token_fail": 1}}})
	a := tokenRequest(t, base, DefaultClientID, DefaultClientSecret,
		url.Values{"grant_type": {"account_credentials"}, "account_id": {s.Dataset().AccountID}}, false)
	if a.status != 503 {
		t.Fatalf("token endpoint fault: %d %s", a.status, a.raw)
	}
}

func TestAdminAPI(t *testing.T) {
	t.Parallel()
	_, base, tok := StartTest(t, Options{})
	call(t, "GET", base+"/v2/users", tok, nil)
	c := call(t, "GET", base+"/_sim/counters", "", nil)
	if c.body["total_requests"] != float64(1) || c.body["requests"].(map[string]any)["GET /users"] != float64(1) {
		t.Fatalf("counters %s", c.raw)
	}
	if c.body["by_category"].(map[string]any)["Medium"] != float64(1) {
		t.Fatalf("by category %s", c.raw)
	}
	cfg := call(t, "GET", base+"/_sim/config", "", nil)
	if cfg.body["api_base_url"] != base+"/v2" || cfg.body["oauth_token_url"] != base+"/oauth/token" ||
		cfg.body["validation_url"] != base+"/v2/users/me" || cfg.body["client_secret"] != DefaultClientSecret {
		t.Fatalf("config %s", cfg.raw)
	}
	truth := call(t, "GET", base+"/_sim/truth/users", "", nil)
	if truth.status != 200 || !strings.HasPrefix(truth.raw, "[") {
		t.Fatalf("truth: %d %.200s", truth.status, truth.raw)
	}
	if a := call(t, "GET", base+"/_sim/truth/nope", "", nil); a.status != 404 {
		t.Fatalf("unknown stream: %d", a.status)
	}
	if a := call(t, "POST", base+"/_sim/expire-tokens", "", nil); a.status != 204 {
		t.Fatalf("expire-tokens %d", a.status)
	}
	if a := call(t, "GET", base+"/v2/users", tok, nil); a.status != 401 {
		t.Fatalf("after expire-tokens: %d", a.status)
	}
}

func TestUnknownPath(t *testing.T) {
	t.Parallel()
	_, base, tok := StartTest(t, Options{})
	if a := call(t, "GET", base+"/v2/nowhere", tok, nil); a.status != 404 {
		t.Fatalf("%d", a.status)
	}
}

// TestReportRetention: a year after a meeting ran, its participant report
// answers 400 code 12702, as Zoom does.
func TestReportRetention(t *testing.T) {
	t.Parallel()
	s, base, tok := StartTest(t, Options{})
	var uuid string
	for _, m := range s.Dataset().Meetings {
		if !m.Deleted && len(m.Instances) > 0 && !strings.ContainsAny(m.Instances[0].UUID, "/+") {
			uuid = m.Instances[0].UUID
			break
		}
	}
	if uuid == "" {
		t.Fatal("no past instance in the dataset")
	}
	u := base + "/v2/report/meetings/" + url.PathEscape(uuid) + "/participants"
	if a := call(t, "GET", u, tok, nil); a.status != 200 {
		t.Fatalf("recent instance: %d %s", a.status, a.raw)
	}
	// The account's data follows the simulated clock (tokens the real one).
	if _, err := s.Advance(366 * 24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	a := call(t, "GET", u, tok, nil)
	if a.status != 400 || a.body["code"] != float64(12702) {
		t.Fatalf("instance a year old: %d %s", a.status, a.raw)
	}
}
