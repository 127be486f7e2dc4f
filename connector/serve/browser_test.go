package serve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// findChromium returns the Chromium binary, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// TestBrowserForm serves testdata/serve/form.html from one origin and
// serve from another, drives the page in headless Chromium (it fills the
// form and submits it with fetch on load), and checks that the dumped DOM
// says the visitor is registered (the join link comes by email) and that the simulator created the registrant.
func TestBrowserForm(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("Chromium is not installed (no chromium on PATH or /usr/bin/chromium); .ci/install-deps.sh installs it")
	}
	t.Parallel()
	page, err := os.ReadFile(filepath.Join("..", "..", "testdata", "serve", "form.html"))
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer site.Close()

	sim, client, _ := simClient(t)
	web := openTarget(t, sim, true)
	web.Label = "launch"
	f := newFixture(t, nil)
	srv, err := New(Options{
		WebhookSecret: testSecret, Store: f.store, Targets: []Target{web},
		Registrar:      &ZoomRegistrar{Client: client, Store: f.store, AccountID: sim.Dataset().AccountID},
		AllowedOrigins: []string{site.URL}, RateLimitPerMinute: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.use(srv)

	q := url.Values{"auto": {"1"}, "endpoint": {f.ts.URL + "/register"}, "target": {"launch"},
		"email": {"browser.visitor@example.com"}, "first_name": {"Browser"}, "last_name": {"Visitor"}}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom", site.URL+"/form.html?"+q.Encode())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	created := sim.Dataset().CreatedRegistrants()
	if len(created) != 1 || created[0]["email"] != "browser.visitor@example.com" {
		t.Fatalf("simulator registrants: %v\nDOM:\n%s", created, out)
	}
	joinURL, _ := created[0]["join_url"].(string)
	dom := string(out)
	if !strings.Contains(dom, msgRegistered) || strings.Contains(dom, strings.ReplaceAll(joinURL, "&", "&amp;")) {
		t.Fatalf("the page does not show the registered message (or shows the join link %s):\n%s", joinURL, dom)
	}
}
