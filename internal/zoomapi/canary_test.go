package zoomapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// TestNoSecretsInErrorsOrLogs drives every error path with a canary client
// secret and canary access tokens that the fake server echoes back, and
// checks that neither they nor the Basic header value appear in errors or in
// debug logs.
func TestNoSecretsInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	basic := base64.StdEncoding.EncodeToString([]byte(testClient + ":" + testSecret))
	const tokPfx = "CANARYTOKEN-q9"
	canaries := []string{testSecret, basic, tokPfx}

	type scenario struct {
		name  string
		token http.HandlerFunc // nil: default (issues canary tokens)
		api   func(w http.ResponseWriter, r *http.Request, tok string)
	}
	echoTok := func(r *http.Request) string { return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") }
	scenarios := []scenario{
		{name: "token invalid_client echoing secret", token: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, `{"error":"invalid_client","reason":"Invalid client_secret `+testSecret+` in `+r.Header.Get("Authorization")+`"}`)
		}},
		{name: "token 500 html echoing basic", token: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			w.Write([]byte("<html>" + r.Header.Get("Authorization") + " " + testSecret + "</html>"))
		}},
		{name: "token malformed 200", token: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"access_token":"`+tokPfx+`-x","token_type":`)
		}},
		{name: "token 200 text echo", token: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("secret=" + testSecret))
		}},
		{name: "api 400 echoing token", api: func(w http.ResponseWriter, r *http.Request, tok string) {
			writeJSON(w, 400, `{"code":300,"message":"bad token `+tok+`","errors":[{"field":"`+tok+`","message":"`+tok+`"}]}`)
		}},
		{name: "api 5xx exhausted echoing token", api: func(w http.ResponseWriter, r *http.Request, tok string) {
			writeJSON(w, 503, `{"code":503,"message":"upstream saw `+tok+`"}`)
		}},
		{name: "api html 502 echoing token", api: func(w http.ResponseWriter, r *http.Request, tok string) {
			w.WriteHeader(502)
			w.Write([]byte("<html>Authorization: Bearer " + tok + "</html>"))
		}},
		{name: "daily limit echoing token", api: func(w http.ResponseWriter, r *http.Request, tok string) {
			w.Header().Set("X-RateLimit-Type", "Daily-limit")
			writeJSON(w, 429, `{"code":429,"message":"daily limit for `+tok+`"}`)
		}},
		{name: "per-second exhausted", api: func(w http.ResponseWriter, r *http.Request, tok string) {
			writeJSON(w, 429, `{"code":429,"message":"per-second limit `+tok+`"}`)
		}},
		{name: "401 twice echoing token", api: func(w http.ResponseWriter, r *http.Request, tok string) {
			writeJSON(w, 401, `{"code":124,"message":"Invalid access token `+tok+`"}`)
		}},
		{name: "scope error", api: func(w http.ResponseWriter, r *http.Request, tok string) {
			writeJSON(w, 400, `{"code":4711,"message":"Invalid access token, does not contain scopes:[`+tok+`]."}`)
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			fz := newFakeZoom(t)
			fz.tokenPfx = tokPfx
			if sc.token != nil {
				fz.setTokenHandler(sc.token)
			}
			fz.mux.HandleFunc("/v2/users", func(w http.ResponseWriter, r *http.Request) {
				if sc.api != nil {
					sc.api(w, r, echoTok(r))
					return
				}
				writeJSON(w, 200, `{}`)
			})
			c, _, logs := newTestClient(t, fz, func(c *Config) { c.MaxRetries = 2 })
			for _, method := range []string{"GET", "POST"} {
				_, err := c.Do(context.Background(), c.NewRequest(method, "/users", nil, map[string]string{"a": "b"}), nil)
				if err == nil {
					t.Fatalf("%s: expected an error", method)
				}
				msg := err.Error()
				for _, cn := range canaries {
					if strings.Contains(msg, cn) {
						t.Errorf("%s: error leaks %q: %s", method, cn, msg)
					}
				}
			}
			l := logs.String()
			for _, cn := range canaries {
				if strings.Contains(l, cn) {
					t.Errorf("logs leak %q: %s", cn, l)
				}
			}
		})
	}
}

func TestAuthErrorSurfacesReason(t *testing.T) {
	t.Parallel()
	fz := newFakeZoom(t)
	fz.setTokenHandler(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"error":"invalid_client","reason":"Invalid client_id or client_secret (`+testSecret+`)"}`)
	})
	c, _, _ := newTestClient(t, fz)
	_, err := c.Do(context.Background(), c.NewRequest("GET", "/users", nil, nil), nil)
	if err == nil || !strings.Contains(err.Error(), "Invalid client_id or client_secret ([REDACTED])") {
		t.Fatalf("err = %v", err)
	}
}
