package zoomapi

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "2", "120", "99999999999999999999", "Sun, 31 May 2020 00:00:00 GMT", "Sunday, 31-May-20 00:00:00 GMT",
		"Sun May 31 00:00:00 2020", "2020-05-31T00:00:00Z", "2020-05-31T00:00:00.123+02:00", "2020-05-31 00:00:00", "", "-1", "1.5", "abc"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseRetryAfter(s, now)
		if !ok && !got.IsZero() {
			t.Fatalf("not ok but non-zero time %v", got)
		}
		if trimmed := strings.TrimSpace(s); ok && isDigits(trimmed) && got.Before(now) {
			t.Fatalf("delta-seconds %q produced a past time %v", s, got)
		}
	})
}

func FuzzEscapeMeetingUUID(f *testing.F) {
	for _, s := range []string{"/ajXp112QmuoKj4854875==", "ab//cd", "a+b/c=", "plain", "", "/", "//", "%2F", "é/ü", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := EscapeMeetingUUID(s)
		if strings.ContainsAny(e, "/?#+= ") {
			t.Fatalf("escaped %q = %q still has reserved characters", s, e)
		}
		d, err := url.PathUnescape(e)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(s, "/") {
			if d, err = url.PathUnescape(d); err != nil {
				t.Fatal(err)
			}
		}
		if d != s {
			t.Fatalf("round trip %q -> %q -> %q", s, e, d)
		}
	})
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://api.zoom.us/v2", "https://zoom.us/oauth/token", "http://zoom.us", "https://zoom.us.evil.com",
		"https://evilzoom.us", "https://169.254.169.254/", "https://[::1]/", "https://u@zoom.us/", "https://api.zoomgov.com",
		"https://ZOOM.US:443/", "https://zoom.us%2eevil.com/", "https://zoom.us\\@evil.com/", "http://127.0.0.1:8080/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckURL(s, nil) != nil {
			return
		}
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("accepted unparsable %q", s)
		}
		h := strings.ToLower(u.Hostname())
		if strings.ToLower(u.Scheme) != "https" || u.User != nil {
			t.Fatalf("accepted %q (scheme %q)", s, u.Scheme)
		}
		if !(h == "zoom.us" || h == "zoomgov.com" || strings.HasSuffix(h, ".zoom.us") || strings.HasSuffix(h, ".zoomgov.com")) {
			t.Fatalf("accepted non-Zoom host %q in %q", h, s)
		}
	})
}

func FuzzDecodePage(f *testing.F) {
	for _, s := range []string{
		`{"total_records":2,"next_page_token":"","users":[{"id":1},{"id":9007199254740993}]}`,
		`{"next_page_token":"abc"}`, `{"users":null}`, `{"users":{}}`, `[]`, `null`, `<html>`, `{"total_records":"x","users":[]}`,
		`{"next_page_token":null,"users":[1,2,3]}`, `{"users":[]} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePage(b, "users")
		if err != nil {
			return
		}
		if p.Raw == nil {
			t.Fatal("nil Raw on success")
		}
		if _, ok := p.Raw["users"]; ok {
			t.Fatal("envelope key left in Raw")
		}
	})
}
