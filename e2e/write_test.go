package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// writeTargets picks open meetings and webinars that take registrants:
// scheduled ones (batch adds) and a recurring one (single adds).
func writeTargets(t *testing.T, s *sim) []string {
	t.Helper()
	now := s.Now()
	var out []string
	pick := func(list []*zoomsim.Meeting, kind string, typ, n int) {
		for _, m := range list {
			if n == 0 {
				return
			}
			if !m.Deleted && m.Licensed() && m.RegistrationEnabled() && !m.Over(now) && m.Type == typ && m.NRegistrants < 4000 {
				out = append(out, fmt.Sprintf("%s:%d", kind, m.ID))
				n--
			}
		}
	}
	d := s.Dataset()
	pick(d.Meetings, "meeting", 2, 2)
	pick(d.Meetings, "meeting", 8, 1)
	pick(d.Webinars, "webinar", 5, 1)
	if len(out) < 2 {
		t.Skipf("the dataset has too few open targets: %v", out)
	}
	return out
}

// registrantRows are n valid rows spread over the targets, each a new
// person; keys returns their "target|email" keys.
func registrantRows(targets []string, n int, tag string) (rows []map[string]any, keys []string) {
	for i := range n {
		tgt := targets[i%len(targets)]
		kind, id, _ := strings.Cut(tgt, ":")
		email := fmt.Sprintf("%s-%03d@e2e.example.com", tag, i)
		rows = append(rows, map[string]any{kind + "_id": id, "email": email, "first_name": "Person", "last_name": fmt.Sprintf("N%03d", i)})
		keys = append(keys, tgt+"|"+email)
	}
	return rows, keys
}

func jsonLines(rows []map[string]any) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		j, _ := json.Marshal(r)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// createdCounts counts the registrants created through the API, by
// "target|lower-case email".
func createdCounts(s *sim) map[string]int {
	out := map[string]int{}
	for _, r := range s.CreatedRegistrants() {
		k := ""
		if id, ok := r["meeting_id"]; ok {
			k = fmt.Sprintf("meeting:%v", id)
		} else {
			k = fmt.Sprintf("webinar:%v", r["webinar_id"])
		}
		out[k+"|"+strings.ToLower(fmt.Sprint(r["email"]))]++
	}
	return out
}

// checkCreatedOnce fails unless every key was created exactly once and
// nothing else was created; it returns the missing and twice-created
// counts.
func checkCreatedOnce(t *testing.T, label string, s *sim, keys []string) (missing, twice int) {
	t.Helper()
	got := createdCounts(s)
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
		switch got[k] {
		case 1:
		case 0:
			missing++
			if missing <= 3 {
				t.Errorf("%s: %s was never registered", label, k)
			}
		default:
			twice++
			t.Errorf("%s: %s was registered %d times", label, k, got[k])
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("%s: unexpected registrant %s", label, k)
		}
	}
	figures.add(func(f *tally) { f.recordsCompared += len(keys); f.recordsLost += missing; f.duplicates += twice })
	return missing, twice
}

// readResults decodes a results file: row number to status.
func readResults(t *testing.T, path string) map[int]map[string]any {
	t.Helper()
	out := map[int]map[string]any{}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v: %s", path, err, sc.Bytes())
		}
		row, _ := m["row"].(float64)
		out[int(row)] = m
	}
	return out
}

// TestWriteKilledAndResumed kills `write` with SIGKILL at random points
// (five in CI, twenty with ZC_SOAK=1), each after the ledger has grown by
// a random few rows, each time running it again with the same ledger, then
// lets it finish: every registrant is created exactly once, none is
// missing, no person is sent twice, and the last run accounts for every
// row. Zoom answers a repeated add with the existing registration, so the
// simulator's add counts, not its registrants, show a second send. Rows
// naming occurrences of the recurring target are settled on a rerun by the
// ledger, or, when a kill fell between Zoom's answer and the ledger's
// fsync, by Zoom's list of each occurrence: sending them again would count
// against Zoom's limit of three adds a day per registrant, which the
// rows in flight at every kill reached before that list was asked.
func TestWriteKilledAndResumed(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 101, Latency: 40 * time.Millisecond})
	e := newEnv(t, s)
	targets := writeTargets(t, s)
	rows, keys := registrantRows(targets, 150, "kill")
	occ := map[int]bool{} // row numbers of rows naming occurrences
	for i, r := range rows {
		if recurringTarget(s, targets[i%len(targets)]) {
			r["occurrence_ids"] = "1648194360000"
			occ[i+1] = true
		}
	}
	if len(occ) == 0 {
		t.Fatalf("no recurring target among %v: no row needs the lists of occurrences", targets)
	}
	input := e.path("rows.jsonl")
	if err := os.WriteFile(input, jsonLines(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := e.writeConfig(s.config("max_concurrency", 4))
	ledger := e.path("ledger.jsonl")
	kills := 5
	if soak() {
		kills = 20
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 11))
	t.Logf("kill schedule seed %d, targets %v", seed, targets)
	landed, partial := 0, 0
	// checkLedgerHeld fails for every row the ledger held before a run
	// that the run sent again.
	checkLedgerHeld := func(run string, held map[int]bool, before map[string]int) {
		after := s.AddsReceived()
		for row := range held {
			if k := keys[row-1]; after[k] != before[k] {
				t.Errorf("%s: row %d (%s) sent again although the ledger held it (%d adds before, %d after)", run, row, k, before[k], after[k])
			}
		}
	}
	for i := range kills {
		held, before := ledgerRows(t, ledger), s.AddsReceived()
		if len(held) == len(rows) {
			break // nothing left for a kill to interrupt
		}
		args := []string{"write", "--config", cfg, "--allow-host", s.host, "--log-level", "debug", "--input", input,
			"--ledger", ledger, "--results", e.path(fmt.Sprintf("results-%d.jsonl", i)), "--dead-letter", e.path(fmt.Sprintf("dead-%d.jsonl", i))}
		cmd := exec.Command(binPath, args...)
		cmd.Env = cleanEnv()
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		grow := 1 + rng.IntN(12)
		killed := false
		deadline := time.After(2 * time.Minute)
	wait:
		for {
			select {
			case <-done:
				break wait
			case <-deadline:
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("run %d: the ledger did not grow by %d rows within 2 minutes", i, grow)
			case <-time.After(5 * time.Millisecond):
				if len(ledgerRows(t, ledger)) >= len(held)+grow {
					_ = cmd.Process.Signal(syscall.SIGKILL)
					<-done
					killed = true
					break wait
				}
			}
		}
		e.save(result{stdout: out.Bytes(), stderr: errb.Bytes()}, args)
		figures.add(func(f *tally) { f.runs++; f.kills++ })
		now := len(ledgerRows(t, ledger))
		if killed {
			landed++
			if now < len(rows) {
				partial++
			}
		}
		t.Logf("run %d: killed once the ledger grew by %d: %v; ledger %d -> %d of %d rows; %d registrants created so far", i, grow, killed, len(held), now, len(rows), len(s.CreatedRegistrants()))
		checkLedgerHeld(fmt.Sprintf("run %d", i), held, before)
		for k, v := range createdCounts(s) {
			if v > 1 {
				t.Fatalf("after kill %d: %s registered %d times", i, k, v)
			}
		}
	}
	if landed == 0 || partial == 0 {
		t.Fatalf("%d kills landed, %d with rows left to write: the test checked no interrupted write", landed, partial)
	}
	held, before := ledgerRows(t, ledger), s.AddsReceived()
	final := e.path("results-final.jsonl")
	r := e.run(2*time.Minute, "write", "--config", cfg, "--allow-host", s.host, "--log-level", "debug", "--input", input,
		"--ledger", ledger, "--results", final, "--dead-letter", e.path("dead-final.jsonl"))
	if r.code != 0 {
		if _, err := os.Stat(final); err != nil {
			t.Fatalf("final write (no results file: %v): %s", err, r)
		}
		res := readResults(t, final)
		for i := range rows {
			if st, _ := res[i+1]["status"].(string); st != "registered" && st != "already_registered" {
				t.Errorf("row %d (%s): final status %q (%v)", i+1, keys[i], st, res[i+1])
			}
		}
		t.Fatalf("final write: %s", r)
	}
	res := readResults(t, final)
	checkLedgerHeld("final run", held, before)
	for i := range rows {
		st, _ := res[i+1]["status"].(string)
		if st != "registered" && st != "already_registered" {
			t.Errorf("row %d: final status %q (%v)", i+1, st, res[i+1])
		}
	}
	missing, twice := checkCreatedOnce(t, "after kills and resume", s, keys)
	adds := s.AddsReceived()
	for i, k := range keys {
		switch n := adds[k]; {
		case n == 0:
			t.Errorf("row %d (%s): never sent", i+1, k)
		case n > 1:
			// Zoom's whole list settles whole-meeting rows on a rerun, the
			// lists of each occurrence the rows naming occurrences.
			t.Errorf("row %d (%s): sent %d times in %d kills", i+1, k, n, landed)
		}
	}
	c := s.Counters().Snapshot()
	t.Logf("summary: write of %d rows (%d naming occurrences) killed %d times mid-run (%d with rows left), then finished: missing %d, created twice %d; %d batch and %d single POSTs; %s",
		len(rows), len(occ), landed, partial, missing, twice,
		c.Requests["POST /meetings/{meetingId}/batch_registrants"]+c.Requests["POST /webinars/{webinarId}/batch_registrants"],
		c.Requests["POST /meetings/{meetingId}/registrants"]+c.Requests["POST /webinars/{webinarId}/registrants"], lastLine(string(r.stderr)))
}

// recurringTarget reports whether a "meeting:ID" target is a recurring
// meeting (type 8), whose rows may name occurrences.
func recurringTarget(s *sim, target string) bool {
	kind, id, _ := strings.Cut(target, ":")
	if kind != "meeting" {
		return false
	}
	for _, m := range s.Dataset().Meetings {
		if fmt.Sprint(m.ID) == id {
			return m.Type == 8
		}
	}
	return false
}

// ledgerRows returns the input rows the ledger at path records (a last
// line cut short by a kill is ignored).
func ledgerRows(t *testing.T, path string) map[int]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[int]bool{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		var e struct{ Row int }
		if json.Unmarshal(line, &e) == nil && e.Row > 0 {
			out[e.Row] = true
		}
	}
	return out
}

// TestWriteUnderFaults writes through 5xx answers, resets and HTML pages
// (mixed=0.1) and one expired token: answers lost after Zoom applied a
// POST are reconciled by listing, so every registrant is created exactly
// once and none is missing.
func TestWriteUnderFaults(t *testing.T) {
	t.Parallel()
	spec, _ := zoomsim.ParseFaults("mixed=0.1,auth124=0.02")
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 102, Faults: spec})
	e := newEnv(t, s)
	targets := writeTargets(t, s)
	rows, keys := registrantRows(targets, 120, "fault")
	input := e.path("rows.jsonl")
	if err := os.WriteFile(input, jsonLines(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := e.writeConfig(s.config("max_concurrency", 4, "request_timeout_seconds", 2))
	ledger := e.path("ledger.jsonl")
	// A row whose POST fails ambiguously three times is rejected (and
	// dead-lettered) rather than retried for ever; running the same input
	// again with the same ledger must then register it, once.
	var runs []string
	pending := len(rows)
	for i := 0; i < 3 && pending > 0; i++ {
		results := e.path(fmt.Sprintf("results-%d.jsonl", i))
		r := e.run(3*time.Minute, "write", "--config", cfg, "--allow-host", s.host, "--log-level", "debug", "--input", input,
			"--ledger", ledger, "--results", results, "--dead-letter", e.path(fmt.Sprintf("dead-%d.jsonl", i)))
		pending = 0
		for row, m := range readResults(t, results) {
			if m["status"] != "registered" && m["status"] != "already_registered" {
				pending++
				t.Logf("run %d: row %d rejected: %v", i, row, m["reason"])
				if !strings.Contains(fmt.Sprint(m["reason"]), "outcome") {
					t.Errorf("run %d: row %d rejected for a reason other than a lost answer: %v", i, row, m)
				}
			}
		}
		if (pending == 0) != (r.code == 0) {
			t.Errorf("run %d: exit %d with %d rows rejected", i, r.code, pending)
		}
		runs = append(runs, fmt.Sprintf("run %d: exit %d, %d rejected", i, r.code, pending))
	}
	c := s.Counters().Snapshot()
	missing, twice := checkCreatedOnce(t, "under mixed=0.1", s, keys)
	t.Logf("summary: write of %d rows under mixed=0.1,auth124=0.02: %s; %s; missing %d, created twice %d", len(rows), faultSummary(c), strings.Join(runs, "; "), missing, twice)
}

// TestWriteMalformedRows: rows that are not JSON, lack a required field,
// carry an unknown one, a bad email, or two targets are dead-lettered with
// a reason naming the problem; the good rows around them are registered,
// and the run exits non-zero.
func TestWriteMalformedRows(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 103})
	e := newEnv(t, s)
	targets := writeTargets(t, s)
	good, keys := registrantRows(targets, 6, "good")
	// An upstream column that maps to no field is ignored with a warning
	// naming it (upstream exports carry columns of their own).
	good[2]["shoe_size"] = 44
	kind, id, _ := strings.Cut(targets[0], ":")
	bad := []struct {
		line string
		want string
	}{
		{`{"` + kind + `_id": "` + id + `", "email": "not-an-email", "first_name": "A"}`, "email"},
		{`{"` + kind + `_id": "` + id + `", "email": "nofirst@e2e.example.com"}`, "first_name"},
		{`{"meeting_id": "1", "webinar_id": "2", "email": "two@e2e.example.com", "first_name": "A"}`, "webinar_id"},
		{`{"email": "notarget@e2e.example.com", "first_name": "A"}`, "meeting_id"},
		{`{"` + kind + `_id": "` + id + `", "email": "broken@e2e.example.com", "first_name": `, ""},
		{`this is not json`, ""},
		{`{"` + kind + `_id": -5, "email": "neg@e2e.example.com", "first_name": "A"}`, kind + "_id"},
	}
	var lines []string
	for i, g := range good {
		j, _ := json.Marshal(g)
		lines = append(lines, string(j))
		if i < len(bad) {
			lines = append(lines, bad[i].line)
		}
	}
	for i := len(good); i < len(bad); i++ {
		lines = append(lines, bad[i].line)
	}
	input := e.path("rows.jsonl")
	if err := os.WriteFile(input, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dead, results := e.path("dead.jsonl"), e.path("results.jsonl")
	r := e.run(time.Minute, "write", "--config", e.writeConfig(s.config()), "--allow-host", s.host, "--log-level", "debug",
		"--input", input, "--ledger", e.path("ledger.jsonl"), "--results", results, "--dead-letter", dead)
	if r.code == 0 {
		t.Errorf("a write with %d malformed rows exited 0", len(bad))
	}
	if strings.Contains(string(r.stderr), "panic:") {
		t.Errorf("write panicked:\n%s", tail(string(r.stderr), 1500))
	}
	if !strings.Contains(string(r.stderr), "shoe_size") {
		t.Errorf("no warning names the ignored column shoe_size")
	}
	checkCreatedOnce(t, "good rows among malformed ones", s, keys)
	db, _ := os.ReadFile(dead)
	var deadLines []string
	for _, l := range strings.Split(strings.TrimSpace(string(db)), "\n") {
		if l != "" {
			deadLines = append(deadLines, l)
		}
	}
	if len(deadLines) != len(bad) {
		t.Errorf("%d dead letters for %d bad rows:\n%s", len(deadLines), len(bad), db)
	}
	for _, b := range bad {
		if b.want == "" {
			continue
		}
		found := false
		for _, l := range deadLines {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && strings.Contains(fmt.Sprint(m["_error"]), b.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no dead letter names %q for %s", b.want, b.line)
		}
	}
	var reasons []string
	for _, l := range deadLines {
		var m map[string]any
		_ = json.Unmarshal([]byte(l), &m)
		reasons = append(reasons, fmt.Sprintf("row %v: %.90v", m["_row"], m["_error"]))
	}
	sort.Strings(reasons)
	t.Logf("dead letters:\n  %s", strings.Join(reasons, "\n  "))
	t.Logf("summary: %d good and %d malformed rows: exit %d, %d dead letters; %s", len(good), len(bad), r.code, len(deadLines), lastLine(string(r.stderr)))
}
