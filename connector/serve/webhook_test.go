package serve

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const createdBody = `{"event":"meeting.created","event_ts":1700000000123,"payload":{"account_id":"ACC1","operator":"ops@example.com","object":{"id":85746065432,"uuid":"abc==","topic":"Weekly"}}}`

func TestWebhookRejections(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	now := f.clock.Now()
	flip := []byte(createdBody)
	flip[len(flip)-5] ^= 0x01 // one changed byte
	cases := map[string]func() *http.Request{
		"no signature": func() *http.Request {
			r := signed(t, f.ts.URL, testSecret, now, createdBody)
			r.Header.Del(HeaderSignature)
			return r
		},
		"no timestamp": func() *http.Request {
			r := signed(t, f.ts.URL, testSecret, now, createdBody)
			r.Header.Del(HeaderTimestamp)
			return r
		},
		"no headers": func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, f.ts.URL+"/webhooks/zoom", strings.NewReader(createdBody))
			return r
		},
		"garbage signature": func() *http.Request {
			r := signed(t, f.ts.URL, testSecret, now, createdBody)
			r.Header.Set(HeaderSignature, "v0=zz")
			return r
		},
		"signature without v0": func() *http.Request {
			r := signed(t, f.ts.URL, testSecret, now, createdBody)
			r.Header.Set(HeaderSignature, strings.TrimPrefix(r.Header.Get(HeaderSignature), "v0="))
			return r
		},
		"upper-case hex": func() *http.Request {
			r := signed(t, f.ts.URL, testSecret, now, createdBody)
			r.Header.Set(HeaderSignature, "v0="+strings.ToUpper(strings.TrimPrefix(r.Header.Get(HeaderSignature), "v0=")))
			return r
		},
		"one changed byte": func() *http.Request {
			r := signed(t, f.ts.URL, testSecret, now, createdBody)
			r2, _ := http.NewRequest(http.MethodPost, f.ts.URL+"/webhooks/zoom", strings.NewReader(string(flip)))
			r2.Header = r.Header
			return r2
		},
		"wrong secret": func() *http.Request { return signed(t, f.ts.URL, testSecret+"x", now, createdBody) },
		"stale timestamp": func() *http.Request {
			return signed(t, f.ts.URL, testSecret, now.Add(-5*time.Minute-2*time.Second), createdBody)
		},
		"future timestamp": func() *http.Request {
			return signed(t, f.ts.URL, testSecret, now.Add(5*time.Minute+2*time.Second), createdBody)
		},
		"timestamp changed after signing": func() *http.Request {
			r := signed(t, f.ts.URL, testSecret, now, createdBody)
			r.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
			return r
		},
		"timestamp in milliseconds": func() *http.Request {
			r := signed(t, f.ts.URL, testSecret, now, createdBody)
			ms := strconv.FormatInt(now.UnixMilli(), 10)
			r.Header.Set(HeaderTimestamp, ms)
			r.Header.Set(HeaderSignature, Sign([]byte(testSecret), ms, []byte(createdBody)))
			return r
		},
		"duplicated signature header": func() *http.Request {
			r := signed(t, f.ts.URL, testSecret, now, createdBody)
			r.Header.Add(HeaderSignature, "v0=00")
			return r
		},
	}
	for name, mk := range cases {
		resp, body := do(t, mk())
		if resp.StatusCode != http.StatusUnauthorized || body != "" {
			t.Errorf("%s: %d %q, want a bare 401", name, resp.StatusCode, body)
		}
	}
	if n := len(f.events(t)); n != 0 {
		t.Fatalf("%d events stored from refused requests", n)
	}
	// The window is inclusive up to 5 minutes either way.
	for _, d := range []time.Duration{-5*time.Minute + time.Second, 5*time.Minute - time.Second} {
		resp, _ := do(t, signed(t, f.ts.URL, testSecret, now.Add(d), createdBody))
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("skew %v: %d", d, resp.StatusCode)
		}
	}
	// Oversized body: 413 before any verification.
	big := `{"event":"x","payload":{"pad":"` + strings.Repeat("a", DefaultMaxWebhookBytes) + `"}}`
	resp, _ := do(t, signed(t, f.ts.URL, testSecret, now, big))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: %d", resp.StatusCode)
	}
	// Wrong method.
	r, _ := http.NewRequest(http.MethodGet, f.ts.URL+"/webhooks/zoom", nil)
	if resp, _ := do(t, r); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	var m strings.Builder
	f.srv.metrics.write(&m)
	for _, want := range []string{`zoom_connector_webhook_rejected_total{reason="signature"} 6`, `reason="timestamp"} 3`, `reason="headers"} 4`, `reason="body_too_large"} 1`} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %s:\n%s", want, m.String())
		}
	}
}

func TestWebhookStoreOnceAndValidate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	now := f.clock.Now()
	resp, _ := do(t, signed(t, f.ts.URL, testSecret, now, createdBody))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("first delivery: %d", resp.StatusCode)
	}
	// Zoom's retry: same body, new timestamp and signature.
	resp, _ = do(t, signed(t, f.ts.URL, testSecret, now.Add(20*time.Second), createdBody))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("redelivery: %d", resp.StatusCode)
	}
	evs := f.events(t)
	if len(evs) != 1 || evs[0].Event != "meeting.created" || evs[0].AccountID != "ACC1" || evs[0].EventTS != 1700000000123 ||
		evs[0].ObjectID != "85746065432/abc==" || string(evs[0].Body) != createdBody {
		t.Fatalf("stored: %+v", evs)
	}
	// URL validation: answered only when signed.
	val := `{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}`
	resp, body := do(t, signed(t, f.ts.URL, testSecret, now, val))
	var ans map[string]string
	json.Unmarshal([]byte(body), &ans)
	if resp.StatusCode != 200 || ans["plainToken"] != "qgg8vlvZRS6UYooatFL8Aw" || ans["encryptedToken"] != EncryptToken([]byte(testSecret), "qgg8vlvZRS6UYooatFL8Aw") || len(ans["encryptedToken"]) != 64 {
		t.Fatalf("validation: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(body, testSecret) {
		t.Fatal("validation answer contains the secret")
	}
	resp, body = do(t, signed(t, f.ts.URL, "not-the-secret", now, val))
	if resp.StatusCode != 401 || body != "" {
		t.Fatalf("unsigned validation: %d %q", resp.StatusCode, body)
	}
	if len(f.events(t)) != 1 {
		t.Fatal("validation requests must not be stored")
	}
}

func TestWebhookDeauthorized(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	now := f.clock.Now()
	other := strings.Replace(strings.Replace(createdBody, "ACC1", "ACC2", 1), "123,", "125,", 1)
	for _, b := range []string{createdBody, strings.Replace(createdBody, "123,", "124,", 1), other} {
		if resp, _ := do(t, signed(t, f.ts.URL, testSecret, now, b)); resp.StatusCode != 204 {
			t.Fatal(resp.StatusCode)
		}
	}
	deauth := `{"event":"app_deauthorized","event_ts":1700000009000,"payload":{"account_id":"ACC1","user_id":"U1","signature":"sig","deauthorization_time":"2023-11-14T22:13:29.000Z","client_id":"CID"}}`
	for range 2 {
		if resp, _ := do(t, signed(t, f.ts.URL, testSecret, now, deauth)); resp.StatusCode != 204 {
			t.Fatal(resp.StatusCode)
		}
	}
	evs := f.events(t)
	if len(evs) != 2 || evs[0].AccountID != "ACC2" || evs[1].Event != "app_deauthorized" || evs[1].AccountID != "ACC1" {
		t.Fatalf("after deauthorization: %+v", evs)
	}
	ds, _ := f.store.Deauthorizations(t.Context())
	if len(ds) != 1 || ds[0].EventsDeleted != 2 || ds[0].UserID != "U1" || ds[0].DeauthorizedAt != "2023-11-14T22:13:29.000Z" {
		t.Fatalf("deauthorizations: %+v", ds)
	}
}

func TestDescribePayloadKeepsRegistrantsApart(t *testing.T) {
	t.Parallel()
	mk := func(rid string) string {
		return `{"account_id":"A","object":{"id":5,"uuid":"u","registrant":{"id":"` + rid + `","email":"x@y.z"}}}`
	}
	a1, o1 := describePayload(json.RawMessage(mk("r1")))
	_, o2 := describePayload(json.RawMessage(mk("r2")))
	if a1 != "A" || o1 == o2 || o1 != "5/u/registrant:r1" {
		t.Fatalf("%q %q %q", a1, o1, o2)
	}
	if a, o := describePayload(json.RawMessage(`"not an object"`)); a != "" || o != "" {
		t.Fatal("junk payload")
	}
}

// nearMisses are signatures that differ from good only in length or case:
// truncated, extended, and with letters changed to upper case. A
// comparison by prefix or without regard to case accepts some of them.
func nearMisses(good string) map[string]string {
	hexPart := strings.TrimPrefix(good, "v0=")
	firstLetter := strings.IndexAny(hexPart, "abcdef")
	oneUpper := good
	if firstLetter >= 0 {
		oneUpper = "v0=" + hexPart[:firstLetter] + strings.ToUpper(hexPart[firstLetter:firstLetter+1]) + hexPart[firstLetter+1:]
	}
	return map[string]string{
		"one character short":   good[:len(good)-1],
		"half of it":            good[:3+32],
		"the prefix alone":      "v0=",
		"one character more":    good + "0",
		"twice":                 good + good,
		"a trailing space":      good + " ",
		"upper-case hex":        "v0=" + strings.ToUpper(hexPart),
		"one upper-case letter": oneUpper,
		"upper-case V0":         "V0=" + hexPart,
	}
}

// TestVerifyRejectsNearMisses: Verify accepts the exact signature and
// nothing that is only truncated, extended or changed in case.
func TestVerifyRejectsNearMisses(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	good := Sign([]byte(testSecret), ts, []byte(createdBody))
	h := func(sig string) http.Header {
		h := http.Header{}
		h.Set(HeaderSignature, sig)
		h.Set(HeaderTimestamp, ts)
		return h
	}
	if err := Verify([]byte(testSecret), h(good), []byte(createdBody), now); err != nil {
		t.Fatalf("the exact signature was refused: %v", err)
	}
	for name, sig := range nearMisses(good) {
		if sig == good {
			t.Fatalf("%s: the near miss equals the signature", name)
		}
		if err := Verify([]byte(testSecret), h(sig), []byte(createdBody), now); err == nil {
			t.Errorf("%s: accepted %q", name, sig)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add([]byte(createdBody), "v0=00", "1700000000")
	f.Add([]byte{}, "", "")
	f.Add([]byte("x"), "v0="+strings.Repeat("a", 64), "-1")
	for _, sig := range nearMisses(Sign([]byte(testSecret), "1700000000", []byte(createdBody))) {
		f.Add([]byte(createdBody), sig, "1700000000")
	}
	for _, sig := range nearMisses(Sign([]byte(testSecret), "1700000000", nil)) {
		f.Add([]byte{}, sig, "1700000000")
	}
	now := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, body []byte, sig, ts string) {
		h := http.Header{}
		h.Set(HeaderSignature, sig)
		h.Set(HeaderTimestamp, ts)
		err := Verify([]byte(testSecret), h, body, now)
		if err == nil && sig != Sign([]byte(testSecret), ts, body) {
			t.Fatalf("accepted a wrong signature %q", sig)
		}
	})
}
