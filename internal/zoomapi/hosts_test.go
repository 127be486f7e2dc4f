package zoomapi

import (
	"errors"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	allow := []string{"127.0.0.1:8080", "sim.local", "[::1]:9000"}
	cases := []struct {
		url string
		ok  bool
	}{
		{"https://zoom.us/oauth/token", true},
		{"https://api.zoom.us/v2", true},
		{"https://API.Zoom.US/v2", true},
		{"https://api-eu.zoom.us/v2", true},
		{"https://zoomgov.com/oauth/token", true},
		{"https://api.zoomgov.com/v2", true},
		{"https://api.zoom.us:443/v2", true},
		{"http://api.zoom.us/v2", false},
		{"https://api.zoom.us:8443/v2", false},
		{"https://zoom.us.example.com/", false},
		{"https://evilzoom.us/", false},
		{"https://zoom.us./", false},
		{"https://.zoom.us/", false},
		{"https://a..zoom.us/", false},
		{"https://user@zoom.us/", false},
		{"https://user:pw@api.zoom.us/", false},
		{"https://169.254.169.254/latest", false},
		{"https://127.0.0.1/", false},
		{"https://[::1]/", false},
		{"https://2130706433/", false},
		{"https://zoöm.us/", false},
		{"ftp://zoom.us/", false},
		{"zoom.us/v2", false},
		{"https:zoom.us", false},
		{"//zoom.us/x", false},
		{"", false},
		{"http://127.0.0.1:8080/v2", true},
		{"http://127.0.0.1:8081/v2", false},
		{"http://sim.local:1234/x", true},
		{"http://[::1]:9000/x", true},
		{"http://[::1]:9001/x", false},
		{"http://user@127.0.0.1:8080/", false},
	}
	for _, tc := range cases {
		err := CheckURL(tc.url, allow)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrHostNotAllowed) {
			t.Errorf("CheckURL(%q) error does not wrap ErrHostNotAllowed: %v", tc.url, err)
		}
	}
}

func TestEscapeMeetingUUID(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"/ajXp112QmuoKj4854875==":  "%252FajXp112QmuoKj4854875%253D%253D",
		"ab//cd":                   "ab%252F%252Fcd",
		"4444AAAiAAAAAiAiAiiAii==": "4444AAAiAAAAAiAiAiiAii%3D%3D",
		"a+b/c=":                   "a%252Bb%252Fc%253D",
		"a+b=":                     "a%2Bb%3D",
		"85746065432":              "85746065432",
	}
	for in, want := range cases {
		if got := EscapeMeetingUUID(in); got != want {
			t.Errorf("EscapeMeetingUUID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"120", now.Add(120 * time.Second), true},
		{" 0 ", now, true},
		{"Tue, 10 Mar 2026 12:00:30 GMT", now.Add(30 * time.Second), true},
		{"Tuesday, 10-Mar-26 12:00:30 GMT", now.Add(30 * time.Second), true},
		{"2020-05-31T00:00:00Z", time.Date(2020, 5, 31, 0, 0, 0, 0, time.UTC), true},
		{"2026-03-11T00:00:00+01:00", time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC), true},
		{"2026-03-11T00:00:00", time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), true},
		{"99999999999999999999999", now.Add(maxRetryAfterSeconds * time.Second), true},
		{"", time.Time{}, false},
		{"-5", time.Time{}, false},
		{"1.5", time.Time{}, false},
		{"soon", time.Time{}, false},
	}
	for _, tc := range cases {
		got, ok := ParseRetryAfter(tc.in, now)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("ParseRetryAfter(%q) = %v,%v want %v,%v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
