package zoomapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func get(t *testing.T, c *Client, path string, v any) (*Response, error) {
	t.Helper()
	return c.Do(context.Background(), c.NewRequest("GET", path, nil, nil), v)
}

func TestResponseHeadersParsed(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	fz.handle("GET /users/me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != "zc-test" {
			t.Errorf("UA = %q", r.Header.Get("User-Agent"))
		}
		h := w.Header()
		h.Set("X-RateLimit-Category", "Light")
		h.Set("X-RateLimit-Type", "QPS")
		h.Set("X-RateLimit-Limit", "30")
		h.Set("X-RateLimit-Remaining", "29")
		h.Set("x-zm-trackingid", "WEB_abc")
		writeJSON(w, 200, `{"id":9007199254740993,"big":[1234567890123456789]}`)
	})
	c, _, _ := newTestClient(t, fz, func(c *Config) { c.UserAgent = "zc-test" })
	var v map[string]any
	resp, err := get(t, c, "/users/me", &v)
	if err != nil {
		t.Fatal(err)
	}
	if resp.RateLimitCategory != "Light" || resp.RateLimitType != "QPS" || resp.Limit != 30 || resp.Remaining != 29 || resp.TrackingID != "WEB_abc" || resp.Attempts != 1 {
		t.Fatalf("resp = %+v", resp)
	}
	if n, ok := v["id"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Fatalf("id = %#v, want exact json.Number", v["id"])
	}
	if b, _ := io.ReadAll(resp.Body); !strings.Contains(string(b), "9007199254740993") {
		t.Fatalf("body not re-readable: %q", b)
	}
	var raw json.RawMessage
	if _, err := get(t, c, "/users/me", &raw); err != nil || !strings.Contains(string(raw), "1234567890123456789") {
		t.Fatalf("raw = %s err %v", raw, err)
	}
}

func TestRetry5xxThenSuccess(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var calls atomic.Int64
	fz.handle("GET /users", func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			writeJSON(w, 503, `{"code":503,"message":"busy"}`)
		case 2:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			w.Write([]byte("<html><body>" + strings.Repeat("Bad Gateway ", 200) + "</body></html>"))
		default:
			writeJSON(w, 200, `{"users":[]}`)
		}
	})
	c, clk, _ := newTestClient(t, fz)
	resp, err := get(t, c, "/users", nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 || resp.Attempts != 3 || len(clk.Sleeps()) != 2 {
		t.Fatalf("calls=%d attempts=%d sleeps=%v", calls.Load(), resp.Attempts, clk.Sleeps())
	}
	for i, s := range clk.Sleeps() {
		ceil := DefaultBaseBackoff << i
		if s < 0 || s > ceil {
			t.Errorf("sleep %d = %v outside full-jitter [0,%v]", i, s, ceil)
		}
	}
}

func TestRetriesExhausted(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var calls atomic.Int64
	fz.handle("GET /users", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(500)
		w.Write([]byte("<html>" + strings.Repeat("x", 5000) + "</html>"))
	})
	c, clk, _ := newTestClient(t, fz, func(c *Config) { c.MaxRetries = 3; c.MaxBackoff = 2 * time.Second })
	_, err := get(t, c, "/users", nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 {
		t.Fatalf("err = %v", err)
	}
	if len(ae.Message) > 400 {
		t.Fatalf("message not truncated: %d bytes", len(ae.Message))
	}
	if calls.Load() != 4 || !strings.Contains(err.Error(), "giving up after 4 attempts") {
		t.Fatalf("calls=%d err=%v", calls.Load(), err)
	}
	for _, s := range clk.Sleeps() {
		if s > 2*time.Second {
			t.Fatalf("sleep %v above MaxBackoff", s)
		}
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "2", 2 * time.Second},
		{"capped", "1000", 60 * time.Second},
		{"http date", "Tue, 10 Mar 2026 12:00:07 GMT", 7 * time.Second},
		{"iso", "2026-03-10T12:00:05Z", 5 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fz := newFakeZoom(t)
			var calls atomic.Int64
			fz.handle("GET /users", func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", tc.header)
					w.Header().Set("X-RateLimit-Type", "QPS")
					writeJSON(w, 429, `{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}`)
					return
				}
				writeJSON(w, 200, `{}`)
			})
			c, clk, _ := newTestClient(t, fz)
			if _, err := get(t, c, "/users", nil); err != nil {
				t.Fatal(err)
			}
			// A per-second 429's wait is the server's plus up to half of it
			// (spreadWait), never past MaxRetryAfter (60 s here).
			if s := clk.Sleeps(); len(s) != 1 || s[0] < tc.want || s[0] > min(tc.want*3/2, 60*time.Second) {
				t.Fatalf("sleeps = %v, want one in [%v, %v]", s, tc.want, min(tc.want*3/2, 60*time.Second))
			}
		})
	}
}

// TestSpreadWaitSpreads: the retries of requests refused in the same second
// do not all wake at the same instant.
func TestSpreadWaitSpreads(t *testing.T) {
	t.Parallel()
	c := &Client{cfg: Config{MaxRetryAfter: time.Minute}}
	seen := map[time.Duration]bool{}
	for range 100 {
		d, ok := c.spreadWait(time.Second, true)
		if !ok || d < time.Second || d > 1500*time.Millisecond {
			t.Fatalf("spreadWait(1s) = %v, %v; want in [1s, 1.5s]", d, ok)
		}
		seen[d] = true
	}
	if len(seen) < 50 {
		t.Errorf("100 waits took only %d values: not spread", len(seen))
	}
	if d, ok := c.spreadWait(50*time.Second, true); !ok || d < 50*time.Second || d > time.Minute {
		t.Errorf("spreadWait(50s) = %v, beyond MaxRetryAfter", d)
	}
	if _, ok := c.spreadWait(0, true); ok {
		t.Error("a zero wait is kept instead of falling back to the backoff")
	}
}

func TestDailyLimitNotRetried(t *testing.T) {
	t.Parallel()
	t.Run("header", func(t *testing.T) {
		t.Parallel()
		fz := newFakeZoom(t)
		var calls atomic.Int64
		fz.handle("GET /report/users", func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			h := w.Header()
			h.Set("X-RateLimit-Category", "Heavy")
			h.Set("X-RateLimit-Type", "Daily-limit")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("Retry-After", "2026-03-11T00:00:00Z")
			writeJSON(w, 429, `{"code":429,"message":"You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request."}`)
		})
		c, clk, _ := newTestClient(t, fz)
		_, err := get(t, c, "/report/users", nil)
		var rl *RateLimitError
		if !errors.As(err, &rl) || !rl.Daily || rl.Category != "Heavy" || !rl.Reset.Equal(time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("err = %#v", err)
		}
		if calls.Load() != 1 || len(clk.Sleeps()) != 0 {
			t.Fatalf("calls=%d sleeps=%v", calls.Load(), clk.Sleeps())
		}
	})
	t.Run("body only", func(t *testing.T) {
		t.Parallel()
		fz := newFakeZoom(t)
		fz.handle("POST /meetings/5/registrants", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 429, `{"code":429,"message":"You have exceeded the daily rate limit of \"3\" for Add meeting registrant API requests for the registrant \"a@b.c\". You can resume these API requests at GMT 00:00:00."}`)
		})
		c, _, _ := newTestClient(t, fz)
		_, err := c.Do(context.Background(), c.NewRequest("POST", "/meetings/5/registrants", nil, map[string]string{"email": "a@b.c"}), nil)
		var rl *RateLimitError
		if !errors.As(err, &rl) || !rl.Daily || !rl.Reset.Equal(time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("err = %v", err)
		}
		if errors.Is(err, ErrOutcomeUnknown) {
			t.Fatal("429 must not be outcome-unknown")
		}
	})
}

func TestNoRetryFor4xx(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		status   int
		body     string
		check    func(error) bool
		skip     bool
		notFound bool
	}{
		{"validation", 400, `{"code":300,"message":"Validation Failed.","errors":[{"field":"email","message":"Invalid field."}]}`,
			func(err error) bool {
				var ae *APIError
				return errors.As(err, &ae) && ae.Code == 300 && len(ae.Errors) == 1 && ae.Errors[0].Field == "email"
			}, false, false},
		{"user missing", 404, `{"code":1001,"message":"User does not exist: x."}`, nil, true, true},
		{"meeting missing", 404, `{"code":3001,"message":"Meeting does not exist: 1."}`, nil, true, true},
		{"not host", 400, `{"code":3161,"message":"Meeting hosting and scheduling capabilities are not allowed for your user account."}`, nil, true, false},
		{"year ago", 400, `{"code":12702,"message":"Can not access a meeting a year ago."}`, nil, true, false},
		{"registration", 400, `{"code":404,"message":"Registration has not been enabled for this meeting: 123"}`, nil, true, false},
		{"webinar registration", 400, `{"code":3000,"message":"This webinar does not have registration as required"}`, nil, true, false},
		{"webinar absentees without registration", 400, `{"code":3000,"message":"This webinar doesn't have registration required: Lbdc/0u2HtkAN7G8nyQPHw==."}`, nil, true, false},
		{"forbidden", 403, `not json at all`, func(err error) bool {
			var ae *APIError
			return errors.As(err, &ae) && ae.Message == "not json at all"
		}, false, false},
		{"scope", 400, `{"code":4711,"message":"Invalid access token, does not contain scopes:[meeting:read:list_meetings, meeting:read:list_meetings:admin]."}`,
			func(err error) bool {
				var se *ScopeError
				return errors.As(err, &se) && len(se.Scopes) == 2 && se.Scopes[1] == "meeting:read:list_meetings:admin"
			}, false, false},
		{"scope 4700", 400, `{"code":4700,"message":"Invalid access token, does not contain scopes:[report:read:admin]."}`,
			func(err error) bool {
				var se *ScopeError
				return errors.As(err, &se) && len(se.Scopes) == 1
			}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fz := newFakeZoom(t)
			var calls atomic.Int64
			fz.handle("GET /x", func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("x-zm-trackingid", "TRK1")
				writeJSON(w, tc.status, tc.body)
			})
			c, _, _ := newTestClient(t, fz)
			_, err := get(t, c, "/x", nil)
			if err == nil || calls.Load() != 1 {
				t.Fatalf("err=%v calls=%d", err, calls.Load())
			}
			if tc.check != nil && !tc.check(err) {
				t.Fatalf("check failed: %v", err)
			}
			if IsSkippable(err) != tc.skip {
				t.Fatalf("IsSkippable = %v, want %v (%v)", !tc.skip, tc.skip, err)
			}
			if errors.Is(err, ErrNotFound) != tc.notFound {
				t.Fatalf("ErrNotFound mismatch: %v", err)
			}
			var se *ScopeError
			if !errors.As(err, &se) && !strings.Contains(err.Error(), "TRK1") {
				t.Fatalf("tracking id missing: %v", err)
			}
		})
	}
}

func TestPOSTNotRetriedAfterSend(t *testing.T) {
	t.Parallel()
	t.Run("5xx", func(t *testing.T) {
		t.Parallel()
		fz := newFakeZoom(t)
		var calls atomic.Int64
		fz.handle("POST /meetings/1/registrants", func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			writeJSON(w, 502, `{"code":502,"message":"gateway"}`)
		})
		c, _, _ := newTestClient(t, fz)
		_, err := c.Do(context.Background(), c.NewRequest("POST", "/meetings/1/registrants", nil, map[string]string{"email": "a@b.c"}), nil)
		var ae *APIError
		if !errors.Is(err, ErrOutcomeUnknown) || !errors.As(err, &ae) || calls.Load() != 1 {
			t.Fatalf("err=%v calls=%d", err, calls.Load())
		}
	})
	t.Run("timeout after write", func(t *testing.T) {
		t.Parallel()
		fz := newFakeZoom(t)
		var calls atomic.Int64
		fz.handle("POST /meetings/1/registrants", func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			io.ReadAll(r.Body) // lets the server notice the client going away
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		})
		c, _, _ := newTestClient(t, fz, func(c *Config) { c.RequestTimeout = 50 * time.Millisecond })
		_, err := c.Do(context.Background(), c.NewRequest("POST", "/meetings/1/registrants", nil, map[string]string{"email": "a@b.c"}), nil)
		if !errors.Is(err, ErrOutcomeUnknown) || calls.Load() != 1 {
			t.Fatalf("err=%v calls=%d", err, calls.Load())
		}
	})
	t.Run("429 per second retried", func(t *testing.T) {
		t.Parallel()
		fz := newFakeZoom(t)
		var calls atomic.Int64
		fz.handle("POST /meetings/1/registrants", func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				writeJSON(w, 429, `{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}`)
				return
			}
			writeJSON(w, 201, `{"registrant_id":"r1","id":85746065432}`)
		})
		c, _, _ := newTestClient(t, fz)
		var out struct {
			RegistrantID string `json:"registrant_id"`
			ID           int64  `json:"id"`
		}
		_, err := c.Do(context.Background(), c.NewRequest("POST", "/meetings/1/registrants", nil, map[string]string{"email": "a@b.c"}), &out)
		if err != nil || calls.Load() != 2 || out.RegistrantID != "r1" || out.ID != 85746065432 {
			t.Fatalf("err=%v calls=%d out=%+v", err, calls.Load(), out)
		}
	})
	t.Run("dial error retried", func(t *testing.T) {
		t.Parallel()
		fz := newFakeZoom(t)
		var calls atomic.Int64
		fz.handle("POST /meetings/1/registrants", func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			writeJSON(w, 201, `{"registrant_id":"r1"}`)
		})
		var fails atomic.Int64
		base := http.DefaultTransport.(*http.Transport).Clone()
		tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if strings.Contains(r.URL.Path, "registrants") && fails.Add(1) <= 2 {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
			}
			return base.RoundTrip(r)
		})
		c, clk, _ := newTestClient(t, fz, func(c *Config) { c.Transport = tr })
		_, err := c.Do(context.Background(), c.NewRequest("POST", "/meetings/1/registrants", nil, map[string]string{"email": "a@b.c"}), nil)
		if err != nil || calls.Load() != 1 || len(clk.Sleeps()) != 2 {
			t.Fatalf("err=%v calls=%d sleeps=%v", err, calls.Load(), clk.Sleeps())
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestGETTimeoutRetried(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var calls atomic.Int64
	fz.handle("GET /users", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		writeJSON(w, 200, `{}`)
	})
	c, _, _ := newTestClient(t, fz, func(c *Config) { c.RequestTimeout = 50 * time.Millisecond })
	if _, err := get(t, c, "/users", nil); err != nil || calls.Load() != 2 {
		t.Fatalf("err=%v calls=%d", err, calls.Load())
	}
}

func TestTruncatedAndInvalidBodiesRetried(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var calls atomic.Int64
	fz.handle("GET /users", func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1: // truncated: promise more bytes than sent
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(200)
			w.Write([]byte(`{"users":[`))
		case 2:
			writeJSON(w, 200, `{"users":[{"id":1},`)
		default:
			writeJSON(w, 200, `{"users":[{"id":1}]}`)
		}
	})
	c, _, _ := newTestClient(t, fz)
	var v struct{ Users []map[string]any }
	if _, err := get(t, c, "/users", &v); err != nil || calls.Load() != 3 || len(v.Users) != 1 {
		t.Fatalf("err=%v calls=%d v=%v", err, calls.Load(), v)
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	fz.handle("GET /users", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"users":["`+strings.Repeat("a", 500)+`"]}`)
	})
	c, _, _ := newTestClient(t, fz, func(c *Config) { c.MaxBodyBytes = 100 })
	if _, err := get(t, c, "/users", nil); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

func TestContextCancelledDuringRetries(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int64
	fz.handle("GET /users", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		cancel()
		writeJSON(w, 503, `{}`)
	})
	c, _, _ := newTestClient(t, fz)
	_, err := c.Do(ctx, c.NewRequest("GET", "/users", nil, nil), nil)
	if !errors.Is(err, context.Canceled) || calls.Load() != 1 {
		t.Fatalf("err=%v calls=%d", err, calls.Load())
	}
}

func TestRealSleepHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := realSleep(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("err=%v", err)
	}
}

func TestEscapedPathSentVerbatim(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var got atomic.Value
	fz.mux.HandleFunc("/v2/past_meetings/", func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.RequestURI)
		writeJSON(w, 200, `{"participants":[]}`)
	})
	fz.mux.HandleFunc("/v2/meetings/", func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.RequestURI)
		writeJSON(w, 200, `{}`)
	})
	c, _, _ := newTestClient(t, fz, func(c *Config) { c.TokenSource = StaticTokenSource(tokFor("static")) })
	cases := []struct{ uuid, want string }{
		{"/ajXp112QmuoKj4854875==", "/v2/past_meetings/%252FajXp112QmuoKj4854875%253D%253D/participants?page_size=30"},
		{"ab//cd+e=", "/v2/past_meetings/ab%252F%252Fcd%252Be%253D/participants?page_size=30"},
		{"ab/cd+e=", "/v2/past_meetings/ab%252Fcd%252Be%253D/participants?page_size=30"},
		{"abcd+e=", "/v2/past_meetings/abcd%2Be%3D/participants?page_size=30"},
	}
	for _, tc := range cases {
		req := c.NewRequest("GET", "/past_meetings/"+EscapeMeetingUUID(tc.uuid)+"/participants", map[string][]string{"page_size": {"30"}}, nil)
		if _, err := c.Do(context.Background(), req, nil); err != nil {
			t.Fatal(err)
		}
		if g := got.Load().(string); g != tc.want {
			t.Errorf("server saw %q, want %q", g, tc.want)
		}
	}
	// A relative path with its own query string.
	if _, err := c.Do(context.Background(), c.NewRequest("GET", "/meetings/85746065432?occurrence_id=1", nil, nil), nil); err != nil {
		t.Fatal(err)
	}
	if g := got.Load().(string); g != "/v2/meetings/85746065432?occurrence_id=1" {
		t.Errorf("server saw %q", g)
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	var otherAuth atomic.Value
	var otherHit atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHit.Store(true)
		otherAuth.Store(r.Header.Get("Authorization"))
		writeJSON(w, 200, `{}`)
	}))
	defer other.Close()
	fz := newFakeZoom(t)
	fz.handle("GET /redir", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/x", http.StatusFound)
	})
	fz.handle("GET /meta", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
	})

	c, _, _ := newTestClient(t, fz)
	if _, err := get(t, c, "/redir", nil); err == nil || !errors.Is(err, ErrHostNotAllowed) || otherHit.Load() {
		t.Fatalf("redirect to non-allowed host: err=%v hit=%v", err, otherHit.Load())
	}
	if _, err := get(t, c, "/meta", nil); err == nil {
		t.Fatal("redirect to metadata IP followed")
	}

	c2, _, _ := newTestClient(t, fz, func(c *Config) {
		c.AllowHosts = append(c.AllowHosts, strings.TrimPrefix(other.URL, "http://"))
	})
	if _, err := get(t, c2, "/redir", nil); err != nil {
		t.Fatal(err)
	}
	if !otherHit.Load() || otherAuth.Load().(string) != "" {
		t.Fatalf("allowed redirect: hit=%v auth=%q", otherHit.Load(), otherAuth.Load())
	}
}

func TestNewRejectsBadHosts(t *testing.T) {
	t.Parallel()
	base := Config{AccountID: "a", ClientID: "b", ClientSecret: "c"}
	for _, u := range []string{"http://api.zoom.us/v2", "https://api.zoom.us.evil.example/v2", "https://169.254.169.254/v2", "https://user:pw@api.zoom.us/v2"} {
		cfg := base
		cfg.APIBaseURL = u
		if _, err := New(cfg); !errors.Is(err, ErrHostNotAllowed) {
			t.Errorf("APIBaseURL %q: err = %v", u, err)
		}
		cfg = base
		cfg.TokenURL = u
		if _, err := New(cfg); !errors.Is(err, ErrHostNotAllowed) {
			t.Errorf("TokenURL %q: err = %v", u, err)
		}
	}
	c, err := New(base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), c.NewRequest("GET", "https://evil.example/validate", nil, nil), nil); !errors.Is(err, ErrHostNotAllowed) {
		t.Fatalf("absolute URL: err = %v", err)
	}
	if r := c.NewRequest("GET", "https://zoom.us/oauth/validate", nil, nil); r.err != nil || r.URL.Host != "zoom.us" {
		t.Fatalf("absolute zoom URL: %v", r.err)
	}
}

func TestPOSTUnreadable2xxIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var calls atomic.Int64
	fz.handle("POST /meetings/1/registrants", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 201, `{"registrant_id":"r1",`)
	})
	c, _, _ := newTestClient(t, fz)
	var out map[string]any
	_, err := c.Do(context.Background(), c.NewRequest("POST", "/meetings/1/registrants", nil, map[string]string{"email": "a@b.c"}), &out)
	if !errors.Is(err, ErrOutcomeUnknown) || calls.Load() != 1 {
		t.Fatalf("err=%v calls=%d", err, calls.Load())
	}
}

func TestConcurrent401sRefreshOnce(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	var first atomic.Value
	fz.mux.HandleFunc("GET /v2/users/me", func(w http.ResponseWriter, r *http.Request) {
		first.CompareAndSwap(nil, r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") == first.Load().(string) {
			writeJSON(w, 401, `{"code":124,"message":"Invalid access token."}`)
			return
		}
		writeJSON(w, 200, `{}`)
	})
	c, _, _ := newTestClient(t, fz)
	if _, err := c.TokenSource().Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 20)
	for range 20 {
		go func() {
			_, err := get(t, c, "/users/me", nil)
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := fz.tokenCalls.Load(); n != 2 {
		t.Fatalf("token calls = %d, want 2 (one refresh for all 401s)", n)
	}
}
