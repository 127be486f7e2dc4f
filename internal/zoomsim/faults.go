package zoomsim

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultSpec sets the rate (0..1) of each injectable fault. Rates are drawn
// per API request from a generator seeded with Options.Seed.
type FaultSpec struct {
	// Rates maps a fault name to its probability per request. Names:
	// "500", "502", "503", "504" (a Zoom-style 5xx), "html" (a 502 HTML
	// error page), "reset" (the connection is reset before any answer),
	// "truncate" (a 200 whose body stops half-way), "hang" (no answer for
	// HangFor), "429" (a per-second 429 regardless of the limits),
	// "repeat_token" (a page whose next_page_token is the one just used),
	// "expire_token" (a 400 code 300 for a next_page_token), "auth124" (a
	// 401 code 124 for a valid token), "token_fail" (the token endpoint
	// answers 503; rate per token request).
	Rates map[string]float64
	// HangFor is how long a hung answer waits (default 2 minutes); it stops
	// early when the client goes away.
	HangFor time.Duration
}

type faultKind string

const (
	faultNone        faultKind = ""
	fault500         faultKind = "500"
	fault502         faultKind = "502"
	fault503         faultKind = "503"
	fault504         faultKind = "504"
	faultHTML        faultKind = "html"
	faultReset       faultKind = "reset"
	faultTruncate    faultKind = "truncate"
	faultHang        faultKind = "hang"
	fault429         faultKind = "429"
	faultRepeatToken faultKind = "repeat_token"
	faultExpireToken faultKind = "expire_token"
	faultAuth124     faultKind = "auth124"
	faultTokenFail   faultKind = "token_fail"
)

var requestFaults = []faultKind{fault500, fault502, fault503, fault504, faultHTML, faultReset,
	faultTruncate, faultHang, fault429, faultRepeatToken, faultExpireToken, faultAuth124}

func (k faultKind) pageLevel() bool { return k == faultRepeatToken || k == faultExpireToken }

// ParseFaults parses a fault spec such as "500=0.02,reset=0.01,hang_for=40s".
// "5xx=R" spreads R evenly over 500, 502, 503 and 504; "mixed=R" spreads R
// over every transport fault (5xx, html, reset, truncate).
func ParseFaults(spec string) (FaultSpec, error) {
	fs := FaultSpec{Rates: map[string]float64{}}
	if strings.TrimSpace(spec) == "" {
		return fs, nil
	}
	known := map[string]bool{string(faultTokenFail): true}
	for _, k := range requestFaults {
		known[string(k)] = true
	}
	for _, part := range strings.Split(spec, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fs, fmt.Errorf("fault %q: want name=value", part)
		}
		if name == "hang_for" {
			d, err := time.ParseDuration(val)
			if err != nil {
				return fs, fmt.Errorf("fault hang_for: %w", err)
			}
			fs.HangFor = d
			continue
		}
		rate, err := strconv.ParseFloat(val, 64)
		if err != nil || rate < 0 || rate > 1 {
			return fs, fmt.Errorf("fault %s: rate %q is not a number between 0 and 1", name, val)
		}
		switch name {
		case "5xx":
			for _, k := range []string{"500", "502", "503", "504"} {
				fs.Rates[k] += rate / 4
			}
		case "mixed":
			for _, k := range []string{"500", "502", "503", "504", "html", "reset", "truncate"} {
				fs.Rates[k] += rate / 7
			}
		default:
			if !known[name] {
				return fs, fmt.Errorf("unknown fault %q", name)
			}
			fs.Rates[name] += rate
		}
	}
	return fs, nil
}

// String renders the spec in ParseFaults' syntax.
func (f FaultSpec) String() string {
	var parts []string
	for k, v := range f.Rates {
		parts = append(parts, fmt.Sprintf("%s=%g", k, v))
	}
	sort.Strings(parts)
	if f.HangFor > 0 {
		parts = append(parts, "hang_for="+f.HangFor.String())
	}
	return strings.Join(parts, ",")
}

type faultInjector struct {
	spec FaultSpec
	mu   sync.Mutex
	rng  *rand.Rand
}

func newFaultInjector(spec FaultSpec, seed int64) *faultInjector {
	if spec.HangFor <= 0 {
		spec.HangFor = 2 * time.Minute
	}
	return &faultInjector{spec: spec, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
}

// draw picks at most one fault for a request.
func (f *faultInjector) draw(isGet bool) faultKind {
	if len(f.spec.Rates) == 0 {
		return faultNone
	}
	f.mu.Lock()
	x := f.rng.Float64()
	f.mu.Unlock()
	acc := 0.0
	for _, k := range requestFaults {
		acc += f.spec.Rates[string(k)]
		if x < acc {
			if (k == faultTruncate || k.pageLevel()) && !isGet {
				return faultNone
			}
			return k
		}
	}
	return faultNone
}

func (f *faultInjector) tokenFault() bool {
	r := f.spec.Rates[string(faultTokenFail)]
	if r == 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < r
}

// latency draws a log-normal latency with the given median (sigma 0.35).
func (f *faultInjector) latency(median time.Duration) time.Duration {
	f.mu.Lock()
	z := f.rng.NormFloat64()
	f.mu.Unlock()
	return time.Duration(float64(median) * math.Exp(0.35*z))
}

// injectTransportFault answers with a fault and reports true, or reports
// false when the call should go on (truncate and page-level faults act
// later, on the handler's answer).
func (s *Server) injectTransportFault(w http.ResponseWriter, r *http.Request, k faultKind, rt Route) bool {
	switch k {
	case fault500, fault502, fault503, fault504:
		code, _ := strconv.Atoi(string(k))
		writeZoomError(w, code, code, http.StatusText(code))
	case faultHTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"))
	case faultReset:
		resetConn(w)
	case faultHang:
		_ = s.opts.Sleep(r.Context(), s.faults.spec.HangFor)
		writeZoomError(w, http.StatusGatewayTimeout, 504, "Gateway Timeout")
	case fault429:
		w.Header().Set("X-RateLimit-Category", string(rt.Category))
		w.Header().Set("X-RateLimit-Type", "QPS")
		w.Header().Set("X-RateLimit-Remaining", "0")
		if s.opts.QPSRetryAfter {
			w.Header().Set("Retry-After", "1")
		}
		s.counter.limited(rt.Method+" "+rt.Pattern, false)
		return429(w)
	case faultAuth124:
		writeZoomError(w, http.StatusUnauthorized, 124, "Invalid access token.")
	default:
		return false
	}
	return true
}

// resetConn closes the connection with an RST, before any answer.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// serveTruncated runs the handler into a buffer, then sends the full
// Content-Length but only half the body and drops the connection.
func (s *Server) serveTruncated(c *Call, rt Route) {
	rec := httptest.NewRecorder()
	real := c.W
	c.W = rec
	s.serve(c, rt)
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		real.Header()[k] = v
	}
	real.Header().Set("Content-Length", strconv.Itoa(len(body)))
	real.WriteHeader(rec.Code)
	_, _ = real.Write(bytes.Clone(body[:len(body)/2]))
	if f, ok := real.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler)
}
