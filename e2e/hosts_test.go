package e2e

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// trap is a TCP listener that must never be contacted: it records every
// connection and whatever bytes arrive.
type trap struct {
	ln   net.Listener
	addr string // HOST:PORT
	mu   sync.Mutex
	data bytes.Buffer
	hits int
}

func startTrap(t *testing.T, network, addr string) *trap {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil
	}
	tr := &trap{ln: ln, addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tr.mu.Lock()
			tr.hits++
			tr.mu.Unlock()
			go func() {
				defer c.Close()
				_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
				b, _ := io.ReadAll(io.LimitReader(c, 1<<16))
				tr.mu.Lock()
				tr.data.Write(b)
				tr.mu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return tr
}

func (tr *trap) seen() (int, string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.hits, tr.data.String()
}

// TestCredentialsGoOnlyToAllowedHosts: token, API and validation URLs on
// http, on IP literals, with user-info, on look-alike hosts, or answering
// with a redirect to a host that is not allowed are refused before any
// credential is sent: a trap listener standing in for the attacker's host
// sees no connection at all.
func TestCredentialsGoOnlyToAllowedHosts(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 81})
	e := newEnv(t, s)
	tr := startTrap(t, "tcp", "127.0.0.1:0")
	trURL := "http://" + tr.addr
	tr6 := startTrap(t, "tcp6", "[::1]:0")
	tr6URL := "https://[::1]:443"
	if tr6 != nil {
		tr6URL = "https://" + tr6.addr
	}
	// A redirector on an allowed host, pointing at the trap.
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, trURL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redir.Close)
	redirHost := strings.TrimPrefix(redir.URL, "http://")
	redirMeta := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	}))
	t.Cleanup(redirMeta.Close)
	metaHost := strings.TrimPrefix(redirMeta.URL, "http://")

	// A redirector to another allowed host that records whether the
	// Authorization header followed the redirect.
	var authSeen []string
	var authMu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authMu.Lock()
		authSeen = append(authSeen, r.Header.Get("Authorization"))
		authMu.Unlock()
		zoomError(w, http.StatusUnauthorized, 124, "Invalid access token.")
	}))
	t.Cleanup(other.Close)
	otherHost := strings.TrimPrefix(other.URL, "http://")
	redirOther := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirOther.Close)
	redirOtherHost := strings.TrimPrefix(redirOther.URL, "http://")

	cases := []struct {
		name  string
		field string // config field
		url   string
		allow []string
		// read and check-credentials outcomes: exit codes and a word of
		// the error
		readCode  int // -1: read does not use the field
		checkCode int // -1: check-credentials does not use the field
		want      string
	}{
		{name: "token URL on http", field: "oauth_token_url", url: trURL + "/oauth/token", checkCode: 1, readCode: 2, want: "must use https"},
		{name: "API URL on http", field: "api_base_url", url: trURL + "/v2", checkCode: 1, readCode: 2, want: "must use https"},
		{name: "validation URL on http", field: "validation_url", url: trURL + "/v2/users/me", checkCode: 1, readCode: -1, want: "must use https"},
		{name: "token URL on https IP literal", field: "oauth_token_url", url: "https://" + tr.addr + "/oauth/token", checkCode: 1, readCode: 2, want: "not allowed"},
		{name: "token URL on 127.0.0.1:443", field: "oauth_token_url", url: "https://127.0.0.1/oauth/token", checkCode: 1, readCode: 2, want: "IP literal"},
		{name: "token URL on metadata IP", field: "oauth_token_url", url: "https://169.254.169.254/oauth/token", checkCode: 1, readCode: 2, want: "IP literal"},
		{name: "API URL on metadata IP", field: "api_base_url", url: "https://169.254.169.254/v2", checkCode: 1, readCode: 2, want: "IP literal"},
		{name: "API URL on [::1]", field: "api_base_url", url: tr6URL + "/v2", checkCode: 1, readCode: 2, want: "not allowed"},
		{name: "validation URL on [::1]", field: "validation_url", url: "https://[::1]/v2/users/me", checkCode: 1, readCode: -1, want: "IP literal"},
		{name: "decimal IP host", field: "oauth_token_url", url: "https://2130706433/oauth/token", checkCode: 1, readCode: 2, want: "not a Zoom host"},
		{name: "user-info on an allowed host", field: "oauth_token_url", url: "http://user:pw@" + tr.addr + "/oauth/token", allow: []string{tr.addr}, readCode: 2, checkCode: 2, want: "must not contain user information"},
		{name: "user-info on zoom.us", field: "api_base_url", url: "https://api.zoom.us@" + tr.addr + "/v2", readCode: 2, checkCode: 2, want: "must not contain user information"},
		{name: "look-alike zoom.us.example.com", field: "oauth_token_url", url: "https://zoom.us.example.com/oauth/token", checkCode: 1, readCode: 2, want: "not a Zoom host"},
		{name: "look-alike evilzoom.us", field: "api_base_url", url: "https://evilzoom.us/v2", checkCode: 1, readCode: 2, want: "not a Zoom host"},
		{name: "look-alike trailing dot", field: "api_base_url", url: "https://api.zoom.us./v2", checkCode: 1, readCode: 2, want: "not a Zoom host"},
		{name: "zoom.us on another port", field: "oauth_token_url", url: "https://zoom.us:8443/oauth/token", checkCode: 1, readCode: 2, want: "port"},
		{name: "token URL redirects to the trap", field: "oauth_token_url", url: redir.URL + "/oauth/token", allow: []string{redirHost}, checkCode: 1, readCode: 1, want: "redirect"},
		{name: "API URL redirects to the trap", field: "api_base_url", url: redir.URL + "/v2", allow: []string{redirHost}, readCode: 1, checkCode: -1, want: "redirect"},
		{name: "validation URL redirects to the trap", field: "validation_url", url: redir.URL + "/v2/users/me", allow: []string{redirHost}, checkCode: 1, readCode: -1, want: "redirect"},
		{name: "API URL redirects to the metadata IP", field: "api_base_url", url: redirMeta.URL + "/v2", allow: []string{metaHost}, readCode: 1, checkCode: -1, want: "redirect"},
		{name: "API URL redirects to another allowed host", field: "api_base_url", url: redirOther.URL + "/v2", allow: []string{redirOtherHost, otherHost}, readCode: 1, checkCode: -1, want: "rejected"},
	}
	for _, tc := range cases {
		cfgPath := e.writeConfig(with(s.config("max_concurrency", 2), tc.field, tc.url))
		allow := append([]string{s.host}, tc.allow...)
		var allowArgs []string
		for _, a := range allow {
			allowArgs = append(allowArgs, "--allow-host", a)
		}
		cc := e.run(time.Minute, append([]string{"check-credentials", "--config", cfgPath, "--log-level", "debug"}, allowArgs...)...)
		out := string(cc.stdout) + string(cc.stderr)
		if tc.checkCode >= 0 && (cc.code != tc.checkCode || !strings.Contains(out, tc.want)) {
			t.Errorf("%s: check-credentials exit %d, want %d and an error with %q:\n%s", tc.name, cc.code, tc.checkCode, tc.want, tail(out, 800))
		}
		if tc.readCode >= 0 {
			r := e.run(time.Minute, append([]string{"read", "--config", cfgPath, "--log-level", "debug", "--streams", "users"}, allowArgs...)...)
			if r.code != tc.readCode || !strings.Contains(string(r.stderr), tc.want) {
				t.Errorf("%s: read exit %d, want %d and an error with %q:\n%s", tc.name, r.code, tc.readCode, tc.want, tail(string(r.stderr), 800))
			}
		}
		t.Logf("%-40s check-credentials exit %d: %.160s", tc.name, cc.code, strings.TrimSpace(lastLine(out)))
	}
	for _, x := range []*trap{tr, tr6} {
		if x == nil {
			continue
		}
		if hits, data := x.seen(); hits > 0 {
			t.Errorf("the trap %s was contacted %d times; it received %d bytes (Authorization header: %v, secret: %v)",
				x.addr, hits, len(data), strings.Contains(strings.ToLower(data), "authorization"), strings.Contains(data, s.app.ClientSecret))
		}
	}
	authMu.Lock()
	for _, a := range authSeen {
		if a != "" {
			t.Errorf("a redirect to another host carried the Authorization header (%.12s…)", a)
		}
	}
	t.Logf("redirect to another allowed host: %d requests arrived there, none with Authorization", len(authSeen))
	authMu.Unlock()
	t.Logf("summary: %d refused destinations, trap contacted 0 times (IPv6 trap: %v)", len(cases), tr6 != nil)
}
