package serve

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

const testSecret = "whsec-test-0123456789"

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// stubRegistrar answers every registration with a fixed result or error.
type stubRegistrar struct {
	mu    sync.Mutex
	calls []Registration
	res   Result
	err   error
}

func (s *stubRegistrar) Register(_ context.Context, r Registration) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, r)
	return s.res, s.err
}

func (s *stubRegistrar) n() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.calls) }

type fixture struct {
	srv   *Server
	ts    *httptest.Server
	store store.Store
	clock *fakeClock
	// dbPath is the SQLite file of store.
	dbPath string
	h      atomic.Pointer[handlerBox]
}

// newFixture starts a Server on httptest with a SQLite store; edit may
// adjust the options.
func newFixture(t *testing.T, edit func(*Options)) *fixture {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "serve.db")
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &fakeClock{t: time.Now()}
	opts := Options{
		WebhookSecret:  testSecret,
		Store:          st,
		Registrar:      &stubRegistrar{res: Result{Status: "registered", JoinURL: "https://zoom.example/j/1"}},
		Targets:        []Target{{Kind: "webinar", ID: 111, Label: "launch"}, {Kind: "meeting", ID: 222}},
		AllowedOrigins: []string{"https://www.example.org"},
		ThankYouURL:    "https://www.example.org/thanks",
		Now:            clock.Now,
	}
	if edit != nil {
		edit(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: srv, store: st, clock: clock, dbPath: dbPath}
	f.h.Store(&handlerBox{srv.Handler()})
	f.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.h.Load().h.ServeHTTP(w, r) }))
	t.Cleanup(f.ts.Close)
	return f
}

type handlerBox struct{ h http.Handler }

// use makes the fixture's listener serve srv instead.
func (f *fixture) use(srv *Server) { f.h.Store(&handlerBox{srv.Handler()}) }

// signed builds a webhook request signed at ts with secret.
func signed(t *testing.T, base, secret string, ts time.Time, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/zoom", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, stamp)
	req.Header.Set(HeaderSignature, Sign([]byte(secret), stamp, []byte(body)))
	return req
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp, b.String()
}

func (f *fixture) events(t *testing.T) []store.Event {
	t.Helper()
	evs, err := f.store.EventsAfter(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// simClient starts zoomsim (real clock) and a Zoom client for it.
func simClient(t *testing.T) (*zoomsim.Server, *zoomapi.Client, string) {
	t.Helper()
	sim, base, _ := zoomsim.StartTest(t, zoomsim.Options{Dataset: "tiny", Seed: 7})
	cfg := sim.Config(base)
	u, _ := url.Parse(base)
	c, err := zoomapi.New(zoomapi.Config{
		APIBaseURL: cfg.APIBaseURL, TokenURL: cfg.OAuthTokenURL, AccountID: cfg.AccountID,
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, AllowHosts: []string{u.Host}, Plan: "unlimited",
		MaxRetries: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c, base
}

// openTarget finds a meeting or webinar of the simulator open for
// registration.
func openTarget(t *testing.T, sim *zoomsim.Server, webinar bool) Target {
	t.Helper()
	d := sim.Dataset()
	list := d.Meetings
	kind := "meeting"
	if webinar {
		list, kind = d.Webinars, "webinar"
	}
	for _, m := range list {
		if m.RegistrationEnabled() && !m.Over(time.Now()) && m.Licensed() && !m.Deleted {
			return Target{Kind: kind, ID: m.ID, Label: "sim-" + kind}
		}
	}
	t.Fatalf("the simulator has no open %s", kind)
	return Target{}
}
