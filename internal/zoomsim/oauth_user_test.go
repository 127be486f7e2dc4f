package zoomsim

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const (
	uaID       = "ua-id"
	uaSecret   = "ua-secret"
	uaRedirect = "https://app.example.com/oauth/callback"
)

func startUserApp(t *testing.T, scopes []string) (*Server, string, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	s, err := NewServer(Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RegisterOAuthApp(UserApp{ClientID: uaID, ClientSecret: uaSecret, RedirectURIs: []string{uaRedirect}, Scopes: scopes}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts.URL, clock
}

// authorize asks for a code; it returns the redirect's query, or nil and
// the status when there is no redirect.
func authorize(t *testing.T, base string, q url.Values) (url.Values, int) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, resp.StatusCode
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if !strings.HasPrefix(loc.String(), uaRedirect+"?") {
		t.Errorf("redirected to %s", loc)
	}
	return loc.Query(), resp.StatusCode
}

func authQuery(extra ...string) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {uaID}, "redirect_uri": {uaRedirect}, "state": {"st-1"}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

func codeGrant(code, verifier string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {uaRedirect}}
	if verifier != "" {
		f.Set("code_verifier", verifier)
	}
	return f
}

func TestUserOAuthGrants(t *testing.T) {
	t.Parallel()
	s, base, clock := startUserApp(t, nil)
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	// S256.
	q, _ := authorize(t, base, authQuery("code_challenge", challenge, "code_challenge_method", "S256"))
	if q.Get("state") != "st-1" || q.Get("code") == "" {
		t.Fatalf("redirect query %v", q)
	}
	a := tokenRequest(t, base, uaID, uaSecret, codeGrant(q.Get("code"), verifier), false)
	if a.status != 200 || a.body["refresh_token"] == nil || a.body["access_token"] == nil || a.body["expires_in"] != 3600.0 {
		t.Fatalf("exchange: %d %s", a.status, a.raw)
	}
	// The access token works on the API.
	if got := call(t, "GET", base+"/v2/users/me", a.body["access_token"].(string), nil); got.status != 200 {
		t.Errorf("API with a user token: %d %s", got.status, got.raw)
	}
	// Refresh rotates; the old refresh token then gets Zoom's body.
	rt := a.body["refresh_token"].(string)
	r1 := tokenRequest(t, base, uaID, uaSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, false)
	if r1.status != 200 || r1.body["refresh_token"] == rt {
		t.Fatalf("refresh: %d %s", r1.status, r1.raw)
	}
	r2 := tokenRequest(t, base, uaID, uaSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, false)
	if r2.status != 400 || r2.raw != `{"error":"invalid_grant","reason":"Invalid Token!"}` {
		t.Errorf("old refresh token: %d %s", r2.status, r2.raw)
	}
	// Another app's credentials cannot use this app's refresh token.
	rt2 := r1.body["refresh_token"].(string)
	if o := tokenRequest(t, base, DefaultClientID, DefaultClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt2}}, false); o.status != 400 {
		t.Errorf("S2S app used a user refresh token: %d", o.status)
	}

	// plain PKCE, and no PKCE at all.
	q, _ = authorize(t, base, authQuery("code_challenge", verifier, "code_challenge_method", "plain"))
	if a := tokenRequest(t, base, uaID, uaSecret, codeGrant(q.Get("code"), verifier), false); a.status != 200 {
		t.Errorf("plain PKCE: %d %s", a.status, a.raw)
	}
	q, _ = authorize(t, base, authQuery())
	if a := tokenRequest(t, base, uaID, uaSecret, codeGrant(q.Get("code"), ""), false); a.status != 200 {
		t.Errorf("no PKCE: %d %s", a.status, a.raw)
	}
	// A challenge without verifier, a wrong one.
	q, _ = authorize(t, base, authQuery("code_challenge", challenge, "code_challenge_method", "S256"))
	if a := tokenRequest(t, base, uaID, uaSecret, codeGrant(q.Get("code"), ""), false); a.status != 400 || a.body["error"] != "invalid_grant" {
		t.Errorf("missing verifier: %d %s", a.status, a.raw)
	}
	// Expiry on the simulator clock.
	q, _ = authorize(t, base, authQuery())
	clock.Advance(AuthCodeTTL)
	if a := tokenRequest(t, base, uaID, uaSecret, codeGrant(q.Get("code"), ""), false); a.status != 400 || !strings.Contains(a.raw, "expired") {
		t.Errorf("expired code: %d %s", a.status, a.raw)
	}
	// Revocation of a refresh token.
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth/revoke?token="+rt2, nil)
	req.SetBasicAuth(uaID, uaSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if a := tokenRequest(t, base, uaID, uaSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt2}}, false); a.status != 400 {
		t.Errorf("revoked refresh token: %d", a.status)
	}
	st := s.UserOAuthStats()
	if st.CodeExchanges != 3 || st.Refreshes != 1 || st.Revocations != 1 || st.Authorizations != 5 {
		t.Errorf("stats %+v", st)
	}
	if len(s.IssuedRefreshTokens()) != 4 {
		t.Errorf("issued %d refresh tokens", len(s.IssuedRefreshTokens()))
	}
}

func TestUserOAuthAuthorizeRefusals(t *testing.T) {
	t.Parallel()
	_, base, _ := startUserApp(t, nil)
	for name, q := range map[string]url.Values{
		"unknown client":         authQuery("client_id", "other"),
		"one character off":      authQuery("redirect_uri", uaRedirect+"/"),
		"other host":             authQuery("redirect_uri", "https://evil.example/oauth/callback"),
		"case differs":           authQuery("redirect_uri", strings.ToUpper(uaRedirect[:5])+uaRedirect[5:]),
		"missing redirect_uri":   authQuery("redirect_uri", ""),
		"query added to the URI": authQuery("redirect_uri", uaRedirect+"?next=https://evil.example"),
	} {
		if got, status := authorize(t, base, q); got != nil || status != http.StatusBadRequest {
			t.Errorf("%s: redirected (%v) or status %d", name, got, status)
		}
	}
	// Errors after the redirect URI is verified go back to it.
	q, _ := authorize(t, base, authQuery("response_type", "token"))
	if q.Get("error") != "unsupported_response_type" || q.Get("state") != "st-1" {
		t.Errorf("response_type=token: %v", q)
	}
	q, _ = authorize(t, base, authQuery("code_challenge", "x", "code_challenge_method", "S512"))
	if q.Get("error") != "invalid_request" {
		t.Errorf("bad method: %v", q)
	}
}

func TestUserOAuthScopesApply(t *testing.T) {
	t.Parallel()
	_, base, _ := startUserApp(t, []string{"user:read:user"})
	q, _ := authorize(t, base, authQuery())
	a := tokenRequest(t, base, uaID, uaSecret, codeGrant(q.Get("code"), ""), false)
	if a.status != 200 || a.body["scope"] != "user:read:user" {
		t.Fatalf("exchange %d %s", a.status, a.raw)
	}
	if got := call(t, "GET", base+"/v2/report/meetings/1/participants", a.body["access_token"].(string), nil); got.status != 400 || got.body["code"] != 4711.0 {
		t.Errorf("call without the scope: %d %s", got.status, got.raw)
	}
}

func TestRegisterOAuthAppChecks(t *testing.T) {
	t.Parallel()
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.RegisterOAuthApp(UserApp{ClientID: "a", ClientSecret: "b"}) == nil {
		t.Error("app without redirect URIs accepted")
	}
	if s.RegisterOAuthApp(UserApp{ClientID: DefaultClientID, ClientSecret: "b", RedirectURIs: []string{uaRedirect}}) == nil {
		t.Error("duplicate client id accepted")
	}
	if !redirectMatches("http://127.0.0.1/cb", "http://127.0.0.1:5555/cb") || redirectMatches("http://127.0.0.1/cb", "http://127.0.0.1:5555/cb2") ||
		redirectMatches("https://a.example/cb", "https://a.example:443/cb") {
		t.Error("redirectMatches")
	}
}
