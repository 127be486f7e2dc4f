package write_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/registrant"
	"github.com/zoom-connector/zoom-connector/connector/write"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// airbyteRecord and airbyteState render Airbyte messages of the stream
// "signups".
func airbyteRecord(data map[string]any) string {
	b, _ := json.Marshal(map[string]any{"type": "RECORD", "record": map[string]any{"stream": "signups", "data": data, "emitted_at": 1}})
	return string(b)
}

func airbyteState(n int) string {
	return fmt.Sprintf(`{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"signups"},"stream_state":{"n":%d}}}}`, n)
}

// stateLines collects echoed STATE lines.
type stateLines struct {
	mu    sync.Mutex
	lines []string
}

func (s *stateLines) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		s.lines = append(s.lines, l)
	}
	return len(p), nil
}

// TestHeavyDailyLimitDefers: after Zoom's daily 429 of the Heavy category
// no further batch request is sent in the run; the batch rows are deferred
// (not rejected, not dead-lettered) with the reset time, single adds (Light)
// go on, no STATE after the first deferred row is echoed, and the exit
// status is 1. A re-run with the same ledger after the reset registers
// them, sending nothing twice.
func TestHeavyDailyLimitDefers(t *testing.T) {
	t.Parallel()
	var skew atomic.Int64 // the simulator's clock runs this far ahead
	f := startSim(t, zoomsim.Options{
		Limits: &zoomsim.Limits{Daily: map[zoomsim.Category]int{zoomsim.Heavy: 3}},
		Now:    func() time.Time { return time.Now().Add(time.Duration(skew.Load())) },
	})
	later := f.sim.Now().Add(72 * time.Hour)
	openLater := func(m *zoomsim.Meeting) bool { return f.open(m) && !m.Over(later) }
	sched := f.meeting(t, false, func(m *zoomsim.Meeting) bool { return openLater(m) && m.Type == 2 })
	recur := f.meeting(t, false, func(m *zoomsim.Meeting) bool { return openLater(m) && m.Type == 8 })

	// Rows are numbered by input line, STATE lines included.
	var lines []string
	records := map[int]bool{} // row -> deferred
	add := func(m *zoomsim.Meeting, email string, deferred bool) {
		lines = append(lines, airbyteRecord(map[string]any{"meeting_id": m.ID, "email": email, "first_name": "H"}))
		records[len(lines)] = deferred
	}
	for i := range 3 { // three batches (a STATE ends each): the daily quota
		add(sched, fmt.Sprintf("b%d@example.com", i), false)
		lines = append(lines, airbyteState(i+1))
	}
	for i := range 45 { // two batches: the first gets the daily 429, the second is not sent
		add(sched, fmt.Sprintf("c%02d@example.com", i), true)
	}
	for i := range 3 { // single adds (Light) are not affected
		add(recur, fmt.Sprintf("r%d@example.com", i), false)
	}
	lines = append(lines, airbyteState(4))
	add(sched, "d0@example.com", true)
	lines = append(lines, airbyteState(5))
	stdin := strings.Join(lines, "\n") + "\n"

	var dead, results bytes.Buffer
	states := &stateLines{}
	ledger, err := registrant.OpenFile(f.path("ledger.jsonl"), false)
	if err != nil {
		t.Fatal(err)
	}
	cl, cfg := f.client(t, nil)
	sum, err := write.Run(context.Background(), write.Options{Config: cfg, Client: cl,
		Source:  write.NewAirbyteSource(strings.NewReader(stdin), []string{"signups"}),
		Results: &results, DeadLetter: &dead, States: states, Ledger: ledger})
	if err != nil {
		t.Fatal(err)
	}
	ledger.Close()
	rp := f.file(t, "results1.jsonl", results.Bytes())
	res := readResults(t, rp)
	reset := f.sim.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour).Format(time.RFC3339)
	nDeferred := 0
	if len(res) != len(records) {
		t.Errorf("%d results for %d records", len(res), len(records))
	}
	for n, deferred := range records {
		r := res[n]
		if deferred {
			nDeferred++
			if r.Status != write.StatusDeferred || r.Code != 429 || !strings.Contains(r.Reason, "daily") || !strings.Contains(r.Reason, reset) {
				t.Errorf("row %d: %+v, want deferred with the daily limit's reset %s", n, r, reset)
			}
		} else if r.Status != write.StatusRegistered {
			t.Errorf("row %d: %+v, want registered", n, r)
		}
	}
	if dead.Len() != 0 {
		t.Errorf("deferred rows were dead-lettered: %s", dead.String())
	}
	if sum.Requests["batch"] != 4 {
		t.Errorf("%d batch requests sent, want 4 (none after the daily 429)", sum.Requests["batch"])
	}
	if got := f.sim.Counters().Snapshot().Daily429; got != 1 {
		t.Errorf("the simulator answered %d daily 429s, want 1", got)
	}
	if len(states.lines) != 3 || !strings.Contains(states.lines[2], `"n":3`) {
		t.Errorf("echoed states %v, want the first three (every later one follows a deferred row)", states.lines)
	}
	if sum.Deferred != nDeferred || sum.Rejected != 0 || sum.StatesEchoed != 3 || sum.StatesHeld != 2 || !sum.Failed() {
		t.Errorf("summary %+v", sum)
	}
	if s := sum.String(); !strings.Contains(s, fmt.Sprintf("%d rows deferred", nDeferred)) ||
		!strings.Contains(s, "daily limit of heavy requests") || !strings.Contains(s, "re-run with the same ledger") {
		t.Errorf("summary line: %s", s)
	}
	if l := readLines(t, f.path("ledger.jsonl")); len(l) != 6 {
		t.Errorf("ledger has %d entries, want 6", len(l))
	}

	// The next day, the same input through the command line with the same
	// ledger: the deferred rows are registered, nothing twice, every STATE
	// echoed, exit 0.
	skew.Store(int64(24 * time.Hour))
	cat := f.file(t, "catalog.json", []byte(`{"streams":[{"stream":{"name":"signups","json_schema":{}},"sync_mode":"full_refresh","destination_sync_mode":"append"}]}`))
	code, stdout, stderr := runCLI(t, stdin, "write", "--config", f.config(t, nil), "--allow-host", f.host, "--catalog", cat,
		"--ledger", f.path("ledger.jsonl"), "--results", f.path("results2.jsonl"))
	if code != 0 || strings.Count(stdout, `"type":"STATE"`) != 5 {
		t.Errorf("re-run: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	for n, r := range readResults(t, f.path("results2.jsonl")) {
		want := write.StatusAlreadyRegistered
		if records[n] {
			want = write.StatusRegistered
		}
		if r.Status != want {
			t.Errorf("re-run row %d: %+v, want %s", n, r, want)
		}
	}
	got := created(f.sim)
	for k, n := range got {
		if n != 1 {
			t.Errorf("%s created %d times", k, n)
		}
	}
	if len(got) != len(records) {
		t.Errorf("%d registrants created, want %d", len(got), len(records))
	}
}

// TestHeavyDailyLimitExitCode runs the command line into the daily limit:
// exit 1, stdout holds only the STATE before the first deferred row, and
// stderr says how many rows were deferred, why, and that a re-run picks
// them up.
func TestHeavyDailyLimitExitCode(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Limits: &zoomsim.Limits{Daily: map[zoomsim.Category]int{zoomsim.Heavy: 1}}})
	sched := f.openOfType(t, false, 2)
	var lines []string
	for i := range 3 {
		lines = append(lines, airbyteRecord(map[string]any{"meeting_id": sched.ID, "email": fmt.Sprintf("a%d@example.com", i), "first_name": "A"}))
	}
	lines = append(lines, airbyteState(1))
	for i := range 3 {
		lines = append(lines, airbyteRecord(map[string]any{"meeting_id": sched.ID, "email": fmt.Sprintf("b%d@example.com", i), "first_name": "B"}))
	}
	lines = append(lines, airbyteState(2), airbyteRecord(map[string]any{"meeting_id": sched.ID, "email": "c@example.com", "first_name": "C"}), airbyteState(3))
	cat := f.file(t, "catalog.json", []byte(`{"streams":[{"stream":{"name":"signups","json_schema":{}},"sync_mode":"full_refresh","destination_sync_mode":"append"}]}`))
	code, stdout, stderr := runCLI(t, strings.Join(lines, "\n")+"\n", "write", "--config", f.config(t, nil), "--allow-host", f.host,
		"--catalog", cat, "--dead-letter", f.path("dead.jsonl"))
	if code != 1 {
		t.Errorf("exit %d, want 1: %s", code, stderr)
	}
	if strings.Count(stdout, `"type":"STATE"`) != 1 || !strings.Contains(stdout, `"n":1`) {
		t.Errorf("stdout %q: want only the first STATE", stdout)
	}
	if !strings.Contains(stderr, "4 deferred") || !strings.Contains(stderr, "4 rows deferred") ||
		!strings.Contains(stderr, "daily limit of heavy requests") || !strings.Contains(stderr, "re-run with the same ledger") {
		t.Errorf("stderr: %s", stderr)
	}
	if b, _ := os.ReadFile(f.path("dead.jsonl")); len(b) != 0 {
		t.Errorf("dead letters: %s", b)
	}
	if _, s := posts(f.sim); s != 0 {
		t.Errorf("%d single adds", s)
	}
	if b, _ := posts(f.sim); b != 2 {
		t.Errorf("%d batch requests reached the simulator, want 2", b)
	}
}

// faultTransport fails chosen requests before the simulator sees them.
type faultTransport struct {
	next http.RoundTripper
	// fail returns the fault for a request: "" (forward), "503" or "reset".
	fail func(r *http.Request, body string) string
}

func (ft *faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body string
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body.Close()
		body = string(b)
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	switch ft.fail(r, body) {
	case "503":
		return &http.Response{StatusCode: 503, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"code":503,"message":"Service Unavailable"}`)), Request: r}, nil
	case "reset":
		return nil, errors.New("connection refused")
	}
	return ft.next.RoundTrip(r)
}

// TestTemporaryErrorsDefer: a 5xx after the client's retries, a network
// failure, a failed re-listing after an unknown outcome and a target that
// cannot be read defer the rows (no dead letter, no ledger entry) instead
// of rejecting them; the other rows go on.
func TestTemporaryErrorsDefer(t *testing.T) {
	t.Parallel()
	isPost := func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.Contains(r.URL.Path, "registrants")
	}
	for _, c := range []struct {
		name   string
		typ    int
		fail   func(armed *atomic.Bool) func(r *http.Request, body string) string
		reason string
	}{
		{"5xx on single add", 8, func(*atomic.Bool) func(*http.Request, string) string {
			return func(r *http.Request, body string) string {
				if isPost(r) && strings.Contains(body, "tmp@") {
					return "503"
				}
				return ""
			}
		}, "unknown 3 times"},
		{"5xx on batch", 2, func(*atomic.Bool) func(*http.Request, string) string {
			return func(r *http.Request, body string) string {
				if isPost(r) && strings.HasSuffix(r.URL.Path, "batch_registrants") && strings.Contains(body, "tmp@") {
					return "503"
				}
				return ""
			}
		}, "unknown 3 times"},
		{"network failure", 8, func(*atomic.Bool) func(*http.Request, string) string {
			return func(r *http.Request, body string) string {
				if isPost(r) && strings.Contains(body, "tmp@") {
					return "reset"
				}
				return ""
			}
		}, "connection refused"},
		{"re-listing fails", 8, func(armed *atomic.Bool) func(*http.Request, string) string {
			return func(r *http.Request, body string) string {
				switch {
				case isPost(r) && strings.Contains(body, "tmp@"):
					armed.Store(true)
					return "503"
				case isPost(r):
					armed.Store(false)
				case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/registrants") && armed.Load():
					return "503"
				}
				return ""
			}
		}, "listing the registrants failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := startSim(t, zoomsim.Options{})
			m := f.openOfType(t, false, c.typ)
			var armed atomic.Bool
			ft := &faultTransport{fail: c.fail(&armed)}
			ledger, err := registrant.OpenFile(f.path("ledger.jsonl"), false)
			if err != nil {
				t.Fatal(err)
			}
			defer ledger.Close()
			var dead bytes.Buffer
			rows := []map[string]any{
				{"meeting_id": m.ID, "email": "ok1@example.com", "first_name": "O"},
				{"meeting_id": m.ID, "email": "tmp@example.com", "first_name": "T"},
			}
			if c.typ == 2 {
				// The batch holds both: both are deferred.
				rows = rows[:2]
			} else {
				rows = append(rows, map[string]any{"meeting_id": m.ID, "email": "ok2@example.com", "first_name": "O"})
			}
			sum, res := runInProcess(t, f, func(rt http.RoundTripper) http.RoundTripper { ft.next = rt; return ft },
				write.Options{Ledger: ledger, DeadLetter: &dead}, jsonl(rows...))
			for n, r := range res {
				wantDeferred := r.Email == "tmp@example.com" || c.typ == 2
				switch {
				case wantDeferred && (r.Status != write.StatusDeferred || !strings.Contains(r.Reason, c.reason) || !strings.Contains(r.Reason, "re-run")):
					t.Errorf("row %d: %+v, want deferred (%s)", n, r, c.reason)
				case !wantDeferred && r.Status != write.StatusRegistered:
					t.Errorf("row %d: %+v, want registered", n, r)
				}
			}
			if dead.Len() != 0 {
				t.Errorf("dead letters: %s", dead.String())
			}
			if sum.Rejected != 0 || sum.Deferred == 0 || !sum.Failed() || sum.DeferredWhy["temporary Zoom or network errors outlasted the retries"] != sum.Deferred {
				t.Errorf("summary %+v", sum)
			}
			if got := created(f.sim)[fmt.Sprintf("meeting:%d|tmp@example.com", m.ID)]; got != 0 {
				t.Errorf("tmp created %d times", got)
			}
			if want := len(rows) - sum.Deferred; ledger.Len() != want {
				t.Errorf("ledger has %d entries, want %d", ledger.Len(), want)
			}
		})
	}

	// A target whose GET keeps failing: its rows are deferred, the other
	// target's rows registered.
	t.Run("target unreadable", func(t *testing.T) {
		t.Parallel()
		f := startSim(t, zoomsim.Options{})
		bad := f.openOfType(t, false, 8)
		good := f.openOfType(t, false, 8, bad.ID)
		ft := &faultTransport{fail: func(r *http.Request, _ string) string {
			if r.Method == http.MethodGet && r.URL.Path == fmt.Sprintf("/v2/meetings/%d", bad.ID) {
				return "503"
			}
			return ""
		}}
		var dead bytes.Buffer
		sum, res := runInProcess(t, f, func(rt http.RoundTripper) http.RoundTripper { ft.next = rt; return ft },
			write.Options{DeadLetter: &dead}, jsonl(
				map[string]any{"meeting_id": bad.ID, "email": "x1@example.com", "first_name": "X"},
				map[string]any{"meeting_id": good.ID, "email": "y1@example.com", "first_name": "Y"},
				map[string]any{"meeting_id": bad.ID, "email": "x2@example.com", "first_name": "X"},
			))
		if res[1].Status != write.StatusDeferred || res[3].Status != write.StatusDeferred || res[1].Code != 503 || res[2].Status != write.StatusRegistered {
			t.Errorf("results %+v", res)
		}
		if dead.Len() != 0 || sum.Rejected != 0 || sum.Deferred != 2 {
			t.Errorf("dead letters %q, summary %+v", dead.String(), sum)
		}
	})
}

// TestOccurrenceRows: rows for different occurrences of one recurring
// meeting are each sent; a row for occurrences the person already has (by
// this run, the ledger, or Zoom's list of each occurrence), or for a
// person registered for the whole meeting, is not. Whole-meeting rows rely
// on Zoom's whole list.
func TestOccurrenceRows(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.meeting(t, false, func(m *zoomsim.Meeting) bool { return f.open(m) && m.Type == 8 && m.NRegistrants >= 1 })
	listed := f.sim.Dataset().Registrants(m)[0]
	const occ1, occ2 = "1648194360000", "1648799160000"
	rows := []map[string]any{
		{"meeting_id": m.ID, "email": "x@example.com", "first_name": "X", "occurrence_ids": occ1}, // 1 sent
		{"meeting_id": m.ID, "email": "x@example.com", "first_name": "X", "occurrence_ids": occ2}, // 2 sent: another occurrence
		{"meeting_id": m.ID, "email": "X@example.com", "first_name": "X", "occurrence_ids": occ1}, // 3 same as row 1
		{"meeting_id": m.ID, "email": "y@example.com", "first_name": "Y"},                         // 4 sent: whole meeting
		{"meeting_id": m.ID, "email": "y@example.com", "first_name": "Y", "occurrence_ids": occ1}, // 5 covered by row 4
		{"meeting_id": m.ID, "email": "x@example.com", "first_name": "X"},                         // 6 listed: whole-meeting rows trust the list
		{"meeting_id": m.ID, "email": listed.Email, "first_name": "Z", "occurrence_ids": occ2},    // 7 listed for every occurrence: the list of occ2 shows it
	}
	want := []string{write.StatusRegistered, write.StatusRegistered, write.StatusAlreadyRegistered, write.StatusRegistered,
		write.StatusAlreadyRegistered, write.StatusAlreadyRegistered, write.StatusAlreadyRegistered}
	ledgerPath := f.path("ledger.jsonl")
	in := f.file(t, "rows.jsonl", jsonl(rows...))
	cfg := f.config(t, nil)
	code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in, "--ledger", ledgerPath, "--results", f.path("r1.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("r1.jsonl"))
	for i, w := range want {
		if r := res[i+1]; r.Status != w {
			t.Errorf("row %d: %+v, want %s", i+1, r, w)
		}
	}
	if res[2].RegistrantID == "" || res[7].RegistrantID != listed.ID {
		t.Errorf("row 2 %+v, row 7 %+v (want the listed registrant's id %s)", res[2], res[7], listed.ID)
	}
	if _, s := posts(f.sim); s != 3 {
		t.Errorf("%d single adds, want 3 (rows 1, 2, 4)", s)
	}
	if l := readLines(t, ledgerPath); len(l) != 3 {
		t.Errorf("ledger has %d entries, want 3 (rows 1, 2, 4 sent; row 7, found in a list, is asked again next time)", len(l))
	}

	// Again with the same ledger: every row is already registered, by the
	// list or the ledger's occurrence-specific keys; nothing is sent.
	code, _, stderr = runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in, "--ledger", ledgerPath, "--results", f.path("r2.jsonl"))
	if code != 0 {
		t.Fatalf("re-run: exit %d: %s", code, stderr)
	}
	for n, r := range readResults(t, f.path("r2.jsonl")) {
		if r.Status != write.StatusAlreadyRegistered {
			t.Errorf("re-run row %d: %+v", n, r)
		}
	}
	if _, s := posts(f.sim); s != 3 {
		t.Errorf("re-run sent %d single adds", s-3)
	}

	// Again with a new ledger, as after a kill between Zoom's answer and
	// the ledger's fsync: Zoom's lists of each occurrence settle the rows
	// naming occurrences, and still nothing is sent.
	code, _, stderr = runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in, "--ledger", f.path("ledger2.jsonl"), "--results", f.path("r3.jsonl"))
	if code != 0 {
		t.Fatalf("re-run without the ledger: exit %d: %s", code, stderr)
	}
	for n, r := range readResults(t, f.path("r3.jsonl")) {
		if r.Status != write.StatusAlreadyRegistered || r.RegistrantID == "" {
			t.Errorf("re-run without the ledger, row %d: %+v", n, r)
		}
	}
	if _, s := posts(f.sim); s != 3 {
		t.Errorf("re-run without the ledger sent %d single adds", s-3)
	}
}

// TestLightDailyLimitDefers: a daily 429 on a single add (Light, not the
// per-registrant one) stops every Light request of the run: the next rows
// and a target not yet read are deferred without a request.
func TestLightDailyLimitDefers(t *testing.T) {
	t.Parallel()
	// Light: the first target's GET and two adds, then the 429.
	f := startSim(t, zoomsim.Options{Limits: &zoomsim.Limits{Daily: map[zoomsim.Category]int{zoomsim.Light: 3}}})
	m1 := f.openOfType(t, false, 8)
	m2 := f.openOfType(t, false, 8, m1.ID)
	cl, cfg := f.client(t, nil)
	cfg.MaxConcurrency = 1 // targets one after another, in input order
	var dead bytes.Buffer
	sum, res := runInProcess(t, f, nil, write.Options{Client: cl, Config: cfg, DeadLetter: &dead}, jsonl(
		map[string]any{"meeting_id": m1.ID, "email": "l1@example.com", "first_name": "L"},
		map[string]any{"meeting_id": m1.ID, "email": "l2@example.com", "first_name": "L"},
		map[string]any{"meeting_id": m1.ID, "email": "l3@example.com", "first_name": "L"},
		map[string]any{"meeting_id": m1.ID, "email": "l4@example.com", "first_name": "L"},
		map[string]any{"meeting_id": m2.ID, "email": "l5@example.com", "first_name": "L"},
	))
	for n := 1; n <= 5; n++ {
		want := write.StatusDeferred
		if n <= 2 {
			want = write.StatusRegistered
		}
		if r := res[n]; r.Status != want || (want == write.StatusDeferred && (r.Code != 429 || !strings.Contains(r.Reason, "light"))) {
			t.Errorf("row %d: %+v, want %s", n, r, want)
		}
	}
	snap := f.sim.Counters().Snapshot()
	if snap.Daily429 != 1 || sum.Requests["single"] != 3 || sum.Requests["get"] != 1 {
		t.Errorf("%d daily 429s, requests %v: want one 429, 3 single adds and 1 get", snap.Daily429, sum.Requests)
	}
	if dead.Len() != 0 || sum.Deferred != 3 || sum.DeferredWhy == nil || len(sum.DeferredWhy) != 1 {
		t.Errorf("dead letters %q, summary %+v", dead.String(), sum)
	}
}
