package e2e

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// heavyStreams are the streams whose endpoints Zoom labels Heavy (they
// share the daily Heavy quota).
var heavyStreams = []string{
	"report_activities", "report_daily", "report_meeting_participants", "report_meetings", "report_user_meetings",
	"report_users", "report_webinar_participants", "report_webinars", "webinar_absentees",
}

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
	saved := 0
	for _, n := range heavyStreams {
		if ss := st.Streams[n]; ss != nil && (len(ss.Done) > 0 || ss.Complete) {
			saved++
		}
	}
	t.Logf("state: %d Heavy streams have progress saved", saved)

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
	if want2 := truthSets(t, s2.Server); compare(want2, want, nil).missing != 0 {
		t.Logf("the second simulator's dataset differs; resume after the reset not checked")
	} else {
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
	}
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
			byURI := map[string][]time.Time{}
			for _, q := range p.requests() {
				if strings.HasPrefix(q.path, "/v2/") {
					byURI[q.path] = append(byURI[q.path], q.at)
				}
			}
			var gaps [][]time.Duration
			for uri, ts := range byURI {
				if len(ts) != 6 {
					t.Errorf("%s sent %d times, want 6", uri, len(ts))
				}
				var g []time.Duration
				for i := 1; i < len(ts); i++ {
					d := ts[i].Sub(ts[i-1])
					// Full jitter: retry i waits at most 500ms·2^(i-1).
					if ceil := 500 * time.Millisecond << (i - 1); d > ceil+400*time.Millisecond {
						t.Errorf("%s: wait before attempt %d was %v, more than the %v cap", uri, i+1, d, ceil)
					}
					g = append(g, d.Round(time.Millisecond))
				}
				gaps = append(gaps, g)
			}
			sort.Slice(gaps, func(i, j int) bool { return len(gaps[i]) > 0 && len(gaps[j]) > 0 && gaps[i][0] < gaps[j][0] })
			if len(gaps) >= 2 && slices.Equal(gaps[0], gaps[1]) {
				t.Errorf("two requests waited exactly the same: no jitter (%v)", gaps[0])
			}
			if r.elapsed > 25*time.Second {
				t.Errorf("gave up after %v: the backoff is not capped", r.elapsed)
			}
			t.Logf("summary: %s without Retry-After: %d requests × 6 attempts, gave up after %v (exit %d); waits %v",
				fault, len(byURI), r.elapsed.Round(time.Millisecond), r.code, gaps)
		})
	}
}
