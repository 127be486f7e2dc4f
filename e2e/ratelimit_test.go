package e2e

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// heavyStreams are the streams whose endpoints Zoom labels Heavy (they
// share the daily Heavy quota), as connector/streams declares them.
var heavyStreams = func() []string {
	var out []string
	for _, s := range streams.Zoom() {
		if s.Category == zoomapi.CategoryHeavy {
			out = append(out, s.Name)
		}
	}
	return out
}()

// TestRateLimitPerSecondWaitedOut: the simulator enforces low per-second
// limits (with Retry-After) while the client's own limiter is off; every
// 429 is waited out and the records equal a clean run's.
func TestRateLimitPerSecondWaitedOut(t *testing.T) {
	t.Parallel()
	lim := &zoomsim.Limits{PerSecond: map[zoomsim.Category]int{zoomsim.Light: 30, zoomsim.Medium: 40, zoomsim.Heavy: 30}}
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 31, Limits: lim, QPSRetryAfter: true})
	e := newEnv(t, s)
	r := e.read(2*time.Minute, e.writeConfig(s.config("max_concurrency", 16)), s.host)
	c := s.Counters().Snapshot()
	if r.code != 0 {
		t.Errorf("read under per-second limits: %s", r)
	}
	if c.Limited429 == 0 {
		t.Errorf("the simulator sent no 429: the test proves nothing (%s)", faultSummary(c))
	}
	d := expectExact(t, "per-second 429s", parseAirbyte(t, r.stdout, false).Records, truthSets(t, s.Server), nil)
	t.Logf("summary: per-second limits: %d 429s waited out in %v, %s", c.Limited429, r.elapsed.Round(time.Millisecond), d)
}

// TestRateLimitDailyStopsHeavyStreams: the shared Heavy daily quota runs
// out part-way. Heavy streams stop INCOMPLETE with a RATE_LIMITED reason
// and their state saved; the other streams complete and equal the truth;
// the daily 429s stay few (no retry storm), and a second run against the
// exhausted quota stops at once too.
func TestRateLimitDailyStopsHeavyStreams(t *testing.T) {
	t.Parallel()
	const quota, workers = 40, 8
	// A fixed simulator clock, so that a second simulator can serve the
	// same dataset the day after.
	now := time.Now()
	clock := func() time.Time { return now }
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 32, Now: clock, Limits: &zoomsim.Limits{SharedHeavyDaily: quota}})
	e := newEnv(t, s)
	cfg := e.writeConfig(s.config("max_concurrency", workers))
	stateFile := e.path("state.json")
	r := e.read(2*time.Minute, cfg, s.host, "--state-file", stateFile)
	c := s.Counters().Snapshot()
	if r.code == 0 {
		t.Errorf("a read stopped by the daily limit exited 0")
	}
	if !strings.Contains(string(r.stderr), "daily rate limit") {
		t.Errorf("stderr does not say the daily rate limit stopped streams:\n%s", tail(string(r.stderr), 1500))
	}
	if c.Daily429 == 0 || c.Daily429 > workers {
		t.Errorf("%d daily-limit 429s, want between 1 and %d (one per worker in flight at most)", c.Daily429, workers)
	}
	out := parseAirbyte(t, r.stdout, false)
	want := truthSets(t, s.Server)
	var others []string
	for _, n := range streamNames(want) {
		heavy := slices.Contains(heavyStreams, n)
		switch {
		case !heavy:
			others = append(others, n)
			if out.Status[n] != "COMPLETE" {
				t.Errorf("%s (not Heavy): status %q, want COMPLETE", n, out.Status[n])
			}
		case out.Status[n] == "INCOMPLETE":
			if !slices.Contains(out.Reasons[n], "RATE_LIMITED") {
				t.Errorf("%s: INCOMPLETE without a RATE_LIMITED reason (%v)", n, out.Reasons[n])
			}
		case out.Status[n] != "COMPLETE":
			t.Errorf("%s (Heavy): status %q, want INCOMPLETE with RATE_LIMITED (or COMPLETE if it fit in the quota)", n, out.Status[n])
		}
	}
	expectExact(t, "streams the daily limit did not stop", out.Records, want, others)
	// Heavy streams: what was emitted is true and not repeated.
	hd := compare(out.Records, want, heavyStreams)
	if hd.unexpected+hd.duplicates > 0 {
		t.Errorf("Heavy streams: %s", hd)
	}
	st, err := state.Load(stateFile)
	if err != nil {
		t.Fatalf("state after the daily limit: %v", err)
	}
	// A Heavy stream's progress is its complete flag, or (state version 3)
	// the progress of the root stream it hangs off, which holds that of
	// every partition below it.
	saved := 0
	for _, n := range heavyStreams {
		root, _ := streams.ByName(n)
		for root.Parent != "" {
			root, _ = streams.ByName(root.Parent)
		}
		ss, rs := st.Streams[n], st.Streams[root.Name]
		if ss != nil && (len(ss.Done) > 0 || ss.Complete) || rs != nil && rs.Progress != nil {
			saved++
		}
	}
	incomplete := 0
	for _, n := range heavyStreams {
		if out.Status[n] == "INCOMPLETE" {
			incomplete++
		}
	}
	t.Logf("state: %d Heavy streams have progress saved, %d stopped INCOMPLETE", saved, incomplete)
	if incomplete == 0 {
		t.Fatalf("no Heavy stream was stopped by the daily quota of %d: the test checks nothing", quota)
	}
	if saved == 0 {
		t.Errorf("the daily limit stopped %d Heavy streams but the state file saved no progress of any", incomplete)
	}

	// A second run: the quota is still spent; it must stop as quickly.
	r2 := e.read(2*time.Minute, cfg, s.host, "--state-file", stateFile)
	c2 := s.Counters().Snapshot()
	if extra := c2.Daily429 - c.Daily429; extra > workers {
		t.Errorf("second run: %d more daily 429s, want at most %d", extra, workers)
	}
	if r2.code == 0 {
		t.Errorf("second run with the quota spent exited 0")
	}
	// Resume after the reset: a simulator with the same dataset and no
	// quota stands in for the next day.
	s2 := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 32, Now: clock, Apps: []zoomsim.App{s.app}})
	e.watch(s2)
	if d := compare(truthSets(t, s2.Server), want, nil); d.missing+d.unexpected != 0 {
		t.Fatalf("the second simulator's dataset differs from the first (%s): the resume after the reset cannot be checked", d)
	}
	r3 := e.read(2*time.Minute, e.writeConfig(s2.config("max_concurrency", workers)), s2.host, "--state-file", stateFile)
	if r3.code != 0 {
		t.Fatalf("resume after the reset: %s", r3)
	}
	resumed := parseAirbyte(t, r3.stdout, false)
	union := map[string][]string{}
	for _, n := range heavyStreams {
		union[n] = append(slices.Clone(out.Records[n]), resumed.Records[n]...)
	}
	ud := expectExact(t, "Heavy streams, stopped then resumed after the reset", union, want, heavyStreams)
	t.Logf("resume after the reset: first run %d Heavy records, resumed run %d: %s", hd.compared, compare(resumed.Records, want, heavyStreams).compared, ud)
	t.Logf("summary: daily quota %d: first run %d daily 429s, %d Heavy requests, %v; second run %d more daily 429s; Heavy streams after the first run: %s",
		quota, c.Daily429, c.ByCategory[zoomsim.Heavy], r.elapsed.Round(time.Millisecond), c2.Daily429-c.Daily429, hd)
}

// TestBackoffWithoutRetryAfterGivesUp: every answer is a 429 (or a 503)
// without Retry-After. Each request is tried 6 times (5 retries) with
// growing, jittered waits, then the stream fails with a clear error, in
// bounded time.
func TestBackoffWithoutRetryAfterGivesUp(t *testing.T) {
	t.Parallel()
	for _, fault := range []string{"429", "503"} {
		t.Run(fault, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 33, Faults: zoomsim.FaultSpec{Rates: map[string]float64{fault: 1}}})
			p := startProxy(t, s.URL, nil)
			e := newEnv(t, s)
			r := e.read(time.Minute, e.writeConfig(p.config(s, "max_concurrency", 3)), p.host, "--streams", "users")
			if r.code == 0 {
				t.Errorf("every request answered %s: exit 0", fault)
			}
			if !strings.Contains(string(r.stderr), "giving up after 6 attempts") || !strings.Contains(string(r.stderr), fault) {
				t.Errorf("stderr does not say it gave up on %s after 6 attempts:\n%s", fault, tail(string(r.stderr), 1500))
			}
			byURI := map[string]int{}
			for _, q := range p.requests() {
				if strings.HasPrefix(q.path, "/v2/") {
					byURI[q.path]++
				}
			}
			for uri, n := range byURI {
				if n != 6 {
					t.Errorf("%s sent %d times, want 6", uri, n)
				}
			}
			// The waits the client chose, from its debug log: full jitter,
			// retry i waits at most 500ms·2^(i-1). Checked on the chosen
			// waits, not on the gaps between requests, which a loaded
			// machine stretches.
			waits := loggedWaits(t, r.stderr)
			if want := 5 * len(byURI); len(waits) != want {
				t.Errorf("%d retries logged, want %d (5 per request)", len(waits), want)
			}
			distinct := map[time.Duration]bool{}
			var total time.Duration
			for _, w := range waits {
				if ceil := 500 * time.Millisecond << (w.attempt - 1); w.wait > ceil || w.wait < 0 {
					t.Errorf("%s: wait after attempt %d was %v, outside [0, %v]", w.path, w.attempt, w.wait, ceil)
				}
				distinct[w.wait] = true
				total += w.wait
			}
			if len(waits) >= 2 && len(distinct) < 2 {
				t.Errorf("every retry waited exactly %v: no jitter", waits[0].wait)
			}
			gaps := len(waits)
			t.Logf("summary: %s without Retry-After: %d requests × 6 attempts, gave up after %v (exit %d); %d waits, %v in all",
				fault, len(byURI), r.elapsed.Round(time.Millisecond), r.code, gaps, total.Round(time.Millisecond))
		})
	}
}

// loggedWait is one "zoomapi: retrying" debug line.
type loggedWait struct {
	path    string
	attempt int
	wait    time.Duration
}

var retryLine = regexp.MustCompile(`msg="zoomapi: retrying" method=\S+ path=(\S+) attempt=(\d+) wait=(\S+)`)

// loggedWaits parses the client's retry lines from a debug log.
func loggedWaits(t *testing.T, stderr []byte) []loggedWait {
	t.Helper()
	var out []loggedWait
	for _, m := range retryLine.FindAllSubmatch(stderr, -1) {
		a, _ := strconv.Atoi(string(m[2]))
		w, err := time.ParseDuration(string(m[3]))
		if err != nil || a < 1 {
			t.Fatalf("retry line %q: %v", m[0], err)
		}
		out = append(out, loggedWait{path: string(m[1]), attempt: a, wait: w})
	}
	return out
}
