package zoomapi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// zoomDomains are the registrable domains credentials may be sent to.
var zoomDomains = []string{"zoom.us", "zoomgov.com"}

// CheckURL reports whether a credential may be sent to raw. Without an allow
// list entry the URL must use https, carry no user-info, and name zoom.us,
// zoomgov.com or one of their subdomains by DNS name (IP literals, trailing
// dots, non-ASCII hosts and look-alikes such as zoom.us.example.com or
// evilzoom.us are refused; port, if any, must be 443).
//
// allow holds operator-approved "HOST" or "HOST:PORT" entries (the
// --allow-host flag). An entry without a port matches the host on any port;
// an entry with a port matches only that port. An allowed host may use http
// or https and may be an IP literal (for tests and local simulators).
// Failures wrap ErrHostNotAllowed.
func CheckURL(raw string, allow []string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: unparsable URL", ErrHostNotAllowed)
	}
	return checkParsedURL(u, allow)
}

func checkParsedURL(u *url.URL, allow []string) error {
	if u.Opaque != "" {
		return fmt.Errorf("%w: opaque URL", ErrHostNotAllowed)
	}
	if u.User != nil {
		return fmt.Errorf("%w: URL must not contain user-info", ErrHostNotAllowed)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return fmt.Errorf("%w: scheme %q not allowed", ErrHostNotAllowed, u.Scheme)
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if host == "" {
		return fmt.Errorf("%w: missing host", ErrHostNotAllowed)
	}
	if hostAllowListed(host, port, allow) {
		return nil
	}
	if scheme != "https" {
		return fmt.Errorf("%w: %q must use https", ErrHostNotAllowed, host)
	}
	if port != "" && port != "443" {
		return fmt.Errorf("%w: port %q not allowed for %q", ErrHostNotAllowed, port, host)
	}
	if isIPLiteral(host) {
		return fmt.Errorf("%w: IP literal %q not allowed", ErrHostNotAllowed, host)
	}
	if !isZoomHost(host) {
		return fmt.Errorf("%w: %q is not a Zoom host (use --allow-host to permit it)", ErrHostNotAllowed, host)
	}
	return nil
}

func isIPLiteral(host string) bool {
	h := host
	if i := strings.IndexByte(h, '%'); i >= 0 { // IPv6 zone
		h = h[:i]
	}
	return net.ParseIP(strings.Trim(h, "[]")) != nil
}

// isZoomHost reports whether host is exactly a Zoom domain or a subdomain of
// one, with only LDH characters and no empty labels.
func isZoomHost(host string) bool {
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" {
			return false
		}
	}
	for _, d := range zoomDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

func hostAllowListed(host, port string, allow []string) bool {
	for _, a := range allow {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		ah, ap := a, ""
		if h, p, err := net.SplitHostPort(a); err == nil {
			ah, ap = h, p
		}
		ah = strings.Trim(ah, "[]")
		if ah != strings.Trim(host, "[]") {
			continue
		}
		if ap == "" || ap == port {
			return true
		}
	}
	return false
}

// errRedirectRefused is wrapped when a redirect target fails CheckURL.
var errRedirectRefused = errors.New("zoomapi: redirect refused")

// redirectPolicy returns an http.Client CheckRedirect that refuses redirects
// to hosts that would not pass CheckURL and strips Authorization whenever the
// redirect leaves the original host (Go's own rule allows subdomains; ours is
// stricter).
func redirectPolicy(allow []string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return fmt.Errorf("%w: too many redirects", errRedirectRefused)
		}
		if err := checkParsedURL(req.URL, allow); err != nil {
			return fmt.Errorf("%w: %w", errRedirectRefused, err)
		}
		if len(via) > 0 && !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
			req.Header.Del("Authorization")
		}
		return nil
	}
}

// noRedirects refuses every redirect (used for the token endpoint, which
// receives the Basic client credentials).
func noRedirects(*http.Request, []*http.Request) error {
	return fmt.Errorf("%w: token endpoint redirects are not followed", errRedirectRefused)
}
