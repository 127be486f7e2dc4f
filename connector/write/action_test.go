package write_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/write"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// killAtWrite runs cmd and kills it with SIGKILL the moment its nth write
// request reaches the simulator, before the simulator applies it: the
// request is applied, its answer is lost and the ledger does not know it.
func killAtWrite(t *testing.T, f *fixture, cmd *exec.Cmd, n int32) {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var writes atomic.Int32
	var proc atomic.Pointer[os.Process]
	killed := make(chan struct{})
	f.sim.ObserveRequests(func(rt zoomsim.Route, r *http.Request) {
		if rt.Method != http.MethodGet && writes.Add(1) == n {
			_ = proc.Load().Signal(syscall.SIGKILL)
			close(killed)
		}
	})
	defer f.sim.ObserveRequests(nil)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	proc.Store(cmd.Process)
	select {
	case <-killed:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("child did not progress: %s", stderr.String())
	}
	_ = cmd.Wait()
}

// lifecycleCalls counts the persons the simulator received in lifecycle
// requests, by "target|action|email".
func lifecycleCalls(s *zoomsim.Server) map[string]int {
	out := map[string]int{}
	for _, c := range s.LifecycleCalls() {
		out[c.Target+"|"+c.Action+"|"+c.Email]++
	}
	return out
}

// lifecycleRequests counts the lifecycle requests the simulator received.
func lifecycleRequests(s *zoomsim.Server) (status, del, panelAdd, panelRemove int) {
	req := s.Counters().Snapshot().Requests
	return req["PUT /meetings/{meetingId}/registrants/status"] + req["PUT /webinars/{webinarId}/registrants/status"],
		req["DELETE /meetings/{meetingId}/registrants/{registrantId}"] + req["DELETE /webinars/{webinarId}/registrants/{registrantId}"],
		req["POST /webinars/{webinarId}/panelists"], req["DELETE /webinars/{webinarId}/panelists/{panelistId}"]
}

// statusOf returns the listed status of a registrant email ("" when not
// listed).
func statusOf(f *fixture, m *zoomsim.Meeting, email string) string {
	for _, r := range f.sim.Dataset().Registrants(m) {
		if strings.EqualFold(r.Email, email) {
			return r.Status
		}
	}
	return ""
}

// manualMeeting is a scheduled meeting with manual approval whose first
// three registrants are approved, pending and denied.
func (f *fixture) manualMeeting(t *testing.T) *zoomsim.Meeting {
	t.Helper()
	return f.meeting(t, false, func(m *zoomsim.Meeting) bool {
		return f.open(m) && m.Type == 2 && m.ApprovalType == 1 && m.NRegistrants >= 6
	})
}

// panelistEmail returns an email of a panelist the webinar has now.
func panelistEmail(t *testing.T, f *fixture, w *zoomsim.Meeting) string {
	t.Helper()
	for _, p := range f.sim.Truth()["webinar_panelists"] {
		if fmt.Sprint(p["webinar_id"]) == fmt.Sprint(w.ID) {
			return p["email"].(string)
		}
	}
	t.Fatal("the webinar has no panelist")
	return ""
}

// TestLifecycleMixedFile runs every action in one file against the
// simulator, with rows that need no request, an unknown person, an invalid
// action and several rows on one person (applied in row order); then runs
// it again with the same ledger and sees nothing sent.
func TestLifecycleMixedFile(t *testing.T) {
	t.Parallel()
	mx := newMixed(t)
	f := mx.f
	in := f.file(t, "mixed.jsonl", jsonl(mx.rows()...))
	cfg := f.config(t, nil)
	run := func(results string) (int, string) {
		code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in,
			"--results", f.path(results), "--dead-letter", f.path(results+".dead"), "--ledger", f.path("ledger.jsonl"))
		return code, stderr
	}
	code, stderr := run("r1.jsonl")
	if code != 1 {
		t.Fatalf("exit %d (want 1: rows 15 and 17 are rejected): %s", code, stderr)
	}
	t.Log(strings.TrimSpace(stderr))
	res := readResults(t, f.path("r1.jsonl"))
	want := map[int]string{1: "registered", 2: "applied", 3: "applied", 4: "already_done", 5: "already_done", 6: "applied",
		7: "applied", 8: "applied", 9: "not_found", 10: "not_found", 11: "applied", 12: "applied", 13: "applied",
		14: "not_found", 15: "rejected", 16: "already_done", 17: "rejected", 18: "applied", 19: "registered", 20: "applied", 21: "applied"}
	for row, st := range want {
		if res[row].Status != st {
			t.Errorf("row %d: %+v, want %s", row, res[row], st)
		}
	}
	if res[11].Method != write.MethodBatch || res[12].Method != write.MethodBatch || res[3].Action != "approve" {
		t.Errorf("panelists not added in one call, or action missing: %+v %+v %+v", res[11], res[12], res[3])
	}
	if !strings.Contains(res[17].Reason, "action: not one of") || !strings.Contains(res[15].Reason, "only webinars have panelists") {
		t.Errorf("reasons: %q, %q", res[17].Reason, res[15].Reason)
	}
	mx.checkEffects(t)
	dead := readLines(t, f.path("r1.jsonl.dead"))
	if len(dead) != 2 {
		t.Errorf("dead letters %v", dead)
	}
	before := f.sim.Counters().Snapshot().Requests

	// Run again with the same ledger: nothing is sent.
	code, stderr = run("r2.jsonl")
	if code != 1 {
		t.Fatalf("rerun exit %d: %s", code, stderr)
	}
	checkRerun(t, f, before, readResults(t, f.path("r2.jsonl")), want)
}

// mixed is the fixture of TestLifecycleMixedFile: a manual-approval
// meeting whose first registrants are approved (a), pending (p), denied
// (d) and another (x), and a webinar with an approved registrant (wa) and
// a panelist.
type mixed struct {
	f          *fixture
	m, w       *zoomsim.Meeting
	a, p, d, x *zoomsim.Registrant
	wa         *zoomsim.Registrant
	panel      string
}

func newMixed(t *testing.T) *mixed {
	t.Helper()
	f := startSim(t, zoomsim.Options{})
	m := f.manualMeeting(t)
	w := f.openOfType(t, true, 5)
	regs := f.sim.Dataset().Registrants(m)
	a, p, d, x := regs[0], regs[1], regs[2], regs[3]
	if a.Status != "approved" || p.Status != "pending" || d.Status != "denied" {
		t.Fatalf("fixture statuses %s %s %s", a.Status, p.Status, d.Status)
	}
	panel := panelistEmail(t, f, w)
	var wa *zoomsim.Registrant
	for _, r := range f.sim.Dataset().Registrants(w) {
		if r.Status == "approved" && wa == nil {
			wa = r
		}
	}
	if wa == nil {
		t.Fatal("the webinar has no approved registrant")
	}
	return &mixed{f: f, m: m, w: w, a: a, p: p, d: d, x: x, wa: wa, panel: panel}
}

// rows is the mixed file; the comments say what each row should become.
func (mx *mixed) rows() []map[string]any {
	m, w, a, p, d, x, wa, panel := mx.m, mx.w, mx.a, mx.p, mx.d, mx.x, mx.wa, mx.panel
	mid, wid := m.ID, w.ID
	return []map[string]any{
		{"meeting_id": mid, "email": "new1@example.com", "first_name": "New"},                                                       // 1 registered (pending: manual approval)
		{"meeting_id": mid, "email": "new1@example.com", "action": "approve"},                                                       // 2 applied after row 1
		{"meeting_id": mid, "email": p.Email, "action": "Approved"},                                                                 // 3 applied
		{"meeting_id": mid, "email": a.Email, "action": "approve"},                                                                  // 4 already_done
		{"meeting_id": mid, "email": d.Email, "action": "deny"},                                                                     // 5 already_done
		{"meeting_id": mid, "email": strings.ToUpper(a.Email), "action": "cancel"},                                                  // 6 applied
		{"meeting_id": mid, "registrant_id": d.ID, "action": "approve"},                                                             // 7 applied (denied → approved)
		{"meeting_id": mid, "email": x.Email, "action": "delete"},                                                                   // 8 applied
		{"meeting_id": mid, "email": "ghost@example.com", "action": "approve"},                                                      // 9 not_found
		{"meeting_id": mid, "registrant_id": "noSuchRegistrant00000", "action": "cancel"},                                           // 10 not_found
		{"webinar_id": wid, "email": "speaker1@example.com", "first_name": "Sam", "last_name": "Speaker", "action": "add_panelist"}, // 11 applied
		{"webinar_id": wid, "email": "speaker2@example.com", "first_name": "Kim", "action": "add panelist"},                         // 12 applied (same call)
		{"webinar_id": wid, "email": panel, "action": "remove_panelist"},                                                            // 13 applied
		{"webinar_id": wid, "email": "nobody@example.com", "action": "remove_panelist"},                                             // 14 not_found
		{"meeting_id": mid, "email": "speaker3@example.com", "first_name": "Al", "action": "add_panelist"},                          // 15 rejected: meetings have none
		{"meeting_id": mid, "email": p.Email, "action": "approve"},                                                                  // 16 already_done (row 3 applied first)
		{"meeting_id": mid, "email": p.Email, "action": "frobnicate"},                                                               // 17 rejected: invalid
		{"meeting_id": mid, "email": "new1@example.com", "action": "cancel"},                                                        // 18 applied after row 2
		{"meeting_id": mid, "email": "new2@example.com", "first_name": "Two"},                                                       // 19 registered
		{"meeting_id": mid, "email": "new2@example.com", "action": "deny"},                                                          // 20 applied
		{"webinar_id": wid, "email": wa.Email, "action": "cancel"},                                                                  // 21 applied (a webinar's status call)
	}
}

// checkEffects checks the simulator after the mixed file: statuses, the
// persons each request named, the requests and the emails.
func (mx *mixed) checkEffects(t *testing.T) {
	t.Helper()
	f, m, w, a, p, d, x, wa, panel := mx.f, mx.m, mx.w, mx.a, mx.p, mx.d, mx.x, mx.wa, mx.panel
	mid, wid := m.ID, w.ID
	if got := statusOf(f, w, wa.Email); got != "denied" {
		t.Errorf("webinar registrant %s after cancel: %q", wa.Email, got)
	}
	for email, st := range map[string]string{"new1@example.com": "denied", "new2@example.com": "denied", p.Email: "approved", a.Email: "denied", d.Email: "approved", x.Email: ""} {
		if got := statusOf(f, m, email); got != st {
			t.Errorf("%s: status %q, want %q", email, got, st)
		}
	}
	calls := lifecycleCalls(f.sim)
	mk, wk := fmt.Sprintf("meeting:%d|", mid), fmt.Sprintf("webinar:%d|", wid)
	wantCalls := map[string]int{
		mk + "approve|new1@example.com": 1, mk + "approve|" + strings.ToLower(p.Email): 1, mk + "cancel|" + strings.ToLower(a.Email): 1,
		mk + "approve|" + strings.ToLower(d.Email): 1, mk + "delete|" + strings.ToLower(x.Email): 1, mk + "cancel|new1@example.com": 1,
		mk + "deny|new2@example.com": 1, wk + "cancel|" + strings.ToLower(wa.Email): 1,
		wk + "add_panelist|speaker1@example.com": 1, wk + "add_panelist|speaker2@example.com": 1, wk + "remove_panelist|" + strings.ToLower(panel): 1,
	}
	if fmt.Sprint(calls) != fmt.Sprint(wantCalls) {
		t.Errorf("the simulator received %v\nwant %v", calls, wantCalls)
	}
	// Status calls: approve [new1, p, d] and cancel [a] when row 16 names
	// p again; cancel [new1] and deny [new2] when the meeting's rows end;
	// cancel on the webinar.
	st, del, pa, pr := lifecycleRequests(f.sim)
	if st != 5 || del != 1 || pa != 1 || pr != 1 {
		t.Errorf("requests: %d status, %d delete, %d panelist adds, %d panelist removals; want 5, 1, 1, 1", st, del, pa, pr)
	}
	if e := f.sim.Counters().Snapshot().Emails; e[zoomsim.EmailConfirmation] != 3 || e[zoomsim.EmailCancellation] != 3 {
		t.Errorf("emails %v: want 3 confirmations (new1, p, d) and 3 cancellations (a, new1, the webinar's)", e)
	}
}

// checkRerun checks a re-run with the same ledger: no write request sent
// since before, and each row reported as settled.
func checkRerun(t *testing.T, f *fixture, before map[string]int, res map[int]write.Result, want map[int]string) {
	t.Helper()
	after := f.sim.Counters().Snapshot().Requests
	for k, n := range after {
		if !strings.HasPrefix(k, "GET ") && n != before[k] {
			t.Errorf("rerun sent %s %d more times", k, n-before[k])
		}
	}
	for row, st := range want {
		switch st {
		case "applied":
			st = "already_done"
		case "registered":
			st = "already_registered"
		}
		if res[row].Status != st {
			t.Errorf("rerun row %d: %+v, want %s", row, res[row], st)
		}
	}
}

// TestStatusBatching registers 65 people for a manual-approval meeting and
// approves them in one file: three status calls (30, 30, 5).
func TestStatusBatching(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.manualMeeting(t)
	var rows []map[string]any
	for i := range 65 {
		rows = append(rows, map[string]any{"email": fmt.Sprintf("b%02d@example.com", i), "first_name": "B"})
	}
	for i := range 65 {
		rows = append(rows, map[string]any{"email": fmt.Sprintf("b%02d@example.com", i), "action": "approve"})
	}
	cfg := f.config(t, map[string]any{"default_target": map[string]any{"meeting_id": m.ID}})
	code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", f.file(t, "rows.jsonl", jsonl(rows...)),
		"--results", f.path("r.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st, _, _, _ := lifecycleRequests(f.sim); st != 3 {
		t.Errorf("%d status calls, want 3", st)
	}
	for i := range 65 {
		if s := statusOf(f, m, fmt.Sprintf("b%02d@example.com", i)); s != "approved" {
			t.Errorf("b%02d: %s", i, s)
		}
	}
	res := readResults(t, f.path("r.jsonl"))
	for row := 66; row <= 130; row++ {
		if res[row].Status != write.StatusApplied || res[row].Method != write.MethodBatch || res[row].RegistrantID == "" {
			t.Fatalf("row %d: %+v", row, res[row])
		}
	}
}

// TestLifecycleKilledAndResumed kills a write of approve, cancel and delete
// rows with SIGKILL part-way and runs it again with the same ledger: every
// person gets each action exactly once (counted by the simulator).
func TestLifecycleKilledAndResumed(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Latency: 20 * time.Millisecond})
	m := f.manualMeeting(t)
	cfg := f.config(t, map[string]any{"default_target": map[string]any{"meeting_id": m.ID}})
	var setup, rows []map[string]any
	for i := range 120 {
		setup = append(setup, map[string]any{"email": fmt.Sprintf("k%03d@example.com", i), "first_name": "K"})
	}
	if code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", f.file(t, "setup.jsonl", jsonl(setup...))); code != 0 {
		t.Fatalf("setup: exit %d: %s", code, stderr)
	}
	want := map[string]int{}
	mk := fmt.Sprintf("meeting:%d|", m.ID)
	for i := range 120 {
		e := fmt.Sprintf("k%03d@example.com", i)
		rows = append(rows, map[string]any{"email": e, "action": "approve"})
		want[mk+"approve|"+e] = 1
		switch i % 4 {
		case 1:
			rows = append(rows, map[string]any{"email": e, "action": "cancel"})
			want[mk+"cancel|"+e] = 1
		case 2:
			rows = append(rows, map[string]any{"email": e, "action": "delete"})
			want[mk+"delete|"+e] = 1
		}
	}
	in := f.file(t, "actions.jsonl", jsonl(rows...))
	ledger := f.path("ledger.jsonl")
	cmd := childCommand(t, "write", "--config", cfg, "--allow-host", f.host, "--input", in, "--ledger", ledger, "--results", f.path("r1.jsonl"))
	killAtWrite(t, f, cmd, 12)
	first := len(f.sim.LifecycleCalls())
	if first >= len(rows) {
		t.Fatalf("the child finished before it was killed (%d of %d)", first, len(rows))
	}
	code, _, errs := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in, "--ledger", ledger, "--results", f.path("r2.jsonl"))
	if code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, errs)
	}
	got := lifecycleCalls(f.sim)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		for k, n := range got {
			if want[k] != n {
				t.Errorf("%s received %d times, want %d", k, n, want[k])
			}
		}
		for k := range want {
			if got[k] == 0 {
				t.Errorf("%s never received", k)
			}
		}
	}
	for i := range 120 {
		e := fmt.Sprintf("k%03d@example.com", i)
		wantSt := map[int]string{0: "approved", 1: "denied", 2: "", 3: "approved"}[i%4]
		if s := statusOf(f, m, e); s != wantSt {
			t.Errorf("%s: %q, want %q", e, s, wantSt)
		}
	}
	res := readResults(t, f.path("r2.jsonl"))
	done := 0
	for _, r := range res {
		if r.Status == write.StatusAlreadyDone {
			done++
		}
	}
	t.Logf("killed after %d of %d actions reached the simulator; the rerun found %d already done", first, len(rows), done)
}

// TestAirbyteActionFromUpstreamField maps a CRM status column to action in
// Airbyte mode and echoes the STATE after the actions.
func TestAirbyteActionFromUpstreamField(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.manualMeeting(t)
	regs := f.sim.Dataset().Registrants(m)
	rec := func(email, status string) string {
		return fmt.Sprintf(`{"type":"RECORD","record":{"stream":"contacts","emitted_at":1,"data":{"Email":%q,"Lead Status":%q}}}`, email, status)
	}
	stdin := strings.Join([]string{
		rec(regs[1].Email, "Approved"),
		rec(regs[0].Email, "Cancelled"),
		`{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"contacts"},"stream_state":{"cursor":"2026-01-01"}}}}`,
	}, "\n") + "\n"
	cfg := f.config(t, map[string]any{
		"mapping":        map[string]string{"Email": "email", "Lead Status": "action"},
		"default_target": map[string]any{"meeting_id": m.ID},
	})
	cat := f.file(t, "catalog.json", []byte(`{"streams":[{"stream":{"name":"contacts","json_schema":{}},"sync_mode":"incremental","destination_sync_mode":"append"}]}`))
	code, stdout, stderr := runCLI(t, stdin, "write", "--config", cfg, "--allow-host", f.host, "--catalog", cat, "--results", f.path("r.jsonl"))
	if code != 0 || strings.Count(stdout, `"type":"STATE"`) != 1 {
		t.Fatalf("exit %d, stdout %q: %s", code, stdout, stderr)
	}
	if statusOf(f, m, regs[1].Email) != "approved" || statusOf(f, m, regs[0].Email) != "denied" {
		t.Errorf("statuses %s %s", statusOf(f, m, regs[1].Email), statusOf(f, m, regs[0].Email))
	}
	res := readResults(t, f.path("r.jsonl"))
	if res[1].Action != "approve" || res[2].Action != "cancel" || res[1].Status != write.StatusApplied {
		t.Errorf("results %+v", res)
	}
}

// TestStatusDailyLimitDefers: Zoom's daily 429 of the Medium category on a
// status call defers that call's rows and every later status row (none is
// sent); the next day a re-run with the same ledger applies them, each
// once.
func TestStatusDailyLimitDefers(t *testing.T) {
	t.Parallel()
	var skew atomic.Int64
	// Medium a day: the setup's three registrant lists, then the three of
	// the approve run and one status call; the second status call gets the
	// daily 429.
	f := startSim(t, zoomsim.Options{
		Limits: &zoomsim.Limits{Daily: map[zoomsim.Category]int{zoomsim.Medium: 7}},
		Now:    func() time.Time { return time.Now().Add(time.Duration(skew.Load())) },
	})
	m := f.meeting(t, false, func(m *zoomsim.Meeting) bool {
		return f.open(m) && !m.Over(f.sim.Now().Add(72*time.Hour)) && m.Type == 2 && m.ApprovalType == 1 && m.NRegistrants >= 6
	})
	cfg := f.config(t, map[string]any{"default_target": map[string]any{"meeting_id": m.ID}})
	var setup, rows []map[string]any
	for i := range 70 {
		e := fmt.Sprintf("d%02d@example.com", i)
		setup = append(setup, map[string]any{"email": e, "first_name": "D"})
		rows = append(rows, map[string]any{"email": e, "action": "approve"})
	}
	if code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", f.file(t, "setup.jsonl", jsonl(setup...))); code != 0 {
		t.Fatalf("setup: exit %d: %s", code, stderr)
	}
	in := f.file(t, "approve.jsonl", jsonl(rows...))
	args := []string{"write", "--config", cfg, "--allow-host", f.host, "--input", in, "--ledger", f.path("ledger.jsonl")}
	code, _, stderr := runCLI(t, "", append(args, "--results", f.path("r1.jsonl"))...)
	if code != 1 || !strings.Contains(stderr, "daily limit of medium requests") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("r1.jsonl"))
	for row := 1; row <= 70; row++ {
		want := write.StatusApplied
		if row > 30 {
			want = write.StatusDeferred
		}
		if res[row].Status != want || (want == write.StatusDeferred && res[row].Code != 429) {
			t.Fatalf("row %d: %+v, want %s", row, res[row], want)
		}
	}
	if st, _, _, _ := lifecycleRequests(f.sim); st != 2 {
		t.Errorf("%d status calls reached the simulator, want 2 (the second got the daily 429)", st)
	}
	skew.Store(int64(24 * time.Hour))
	if code, _, stderr := runCLI(t, "", append(args, "--results", f.path("r2.jsonl"))...); code != 0 {
		t.Fatalf("next day: exit %d: %s", code, stderr)
	}
	calls := lifecycleCalls(f.sim)
	for k, n := range calls {
		if n != 1 {
			t.Errorf("%s received %d times", k, n)
		}
	}
	if len(calls) != 70 {
		t.Errorf("%d persons approved, want 70", len(calls))
	}
	for i := range 70 {
		if s := statusOf(f, m, fmt.Sprintf("d%02d@example.com", i)); s != "approved" {
			t.Errorf("d%02d: %s", i, s)
		}
	}
}

// TestActionsDryRun plans actions without sending any or writing the
// ledger.
func TestActionsDryRun(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.manualMeeting(t)
	w := f.openOfType(t, true, 5)
	regs := f.sim.Dataset().Registrants(m)
	in := f.file(t, "rows.jsonl", jsonl(
		map[string]any{"meeting_id": m.ID, "email": regs[1].Email, "action": "approve"},
		map[string]any{"meeting_id": m.ID, "email": regs[1].Email, "action": "approve"},
		map[string]any{"meeting_id": m.ID, "email": regs[3].Email, "action": "delete"},
		map[string]any{"webinar_id": w.ID, "email": "pp@example.com", "first_name": "P", "action": "add_panelist"},
	))
	code, _, stderr := runCLI(t, "", "write", "--config", f.config(t, nil), "--allow-host", f.host, "--input", in, "--dry-run",
		"--results", f.path("r.jsonl"), "--ledger", f.path("ledger.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("r.jsonl"))
	for row, want := range map[int]string{1: write.StatusWouldApply, 2: write.StatusAlreadyDone, 3: write.StatusWouldApply, 4: write.StatusWouldApply} {
		if res[row].Status != want {
			t.Errorf("row %d: %+v, want %s", row, res[row], want)
		}
	}
	if n := len(f.sim.LifecycleCalls()); n != 0 {
		t.Errorf("a dry run sent %d lifecycle requests", n)
	}
	if b, err := os.ReadFile(f.path("ledger.jsonl")); err == nil && len(b) > 0 {
		t.Errorf("a dry run wrote the ledger: %s", b)
	}
}

// TestDeleteThenRegisterAgain: a file that registers a person, deletes
// them and registers them again ends with them registered, also when run
// again with the same ledger.
func TestDeleteThenRegisterAgain(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.openOfType(t, false, 2)
	cfg := f.config(t, map[string]any{"default_target": map[string]any{"meeting_id": m.ID}})
	in := f.file(t, "rows.jsonl", jsonl(
		map[string]any{"email": "again@example.com", "first_name": "A"},
		map[string]any{"email": "again@example.com", "action": "delete"},
		map[string]any{"email": "again@example.com", "first_name": "A"},
	))
	for i, want := range [][3]string{
		{write.StatusRegistered, write.StatusApplied, write.StatusRegistered},
		{write.StatusAlreadyRegistered, write.StatusAlreadyDone, write.StatusAlreadyRegistered},
	} {
		res := f.path(fmt.Sprintf("r%d.jsonl", i))
		if code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in,
			"--ledger", f.path("ledger.jsonl"), "--results", res); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, stderr)
		}
		got := readResults(t, res)
		for row := 1; row <= 3; row++ {
			if got[row].Status != want[row-1] {
				t.Errorf("run %d row %d: %+v, want %s", i, row, got[row], want[row-1])
			}
		}
		if statusOf(f, m, "again@example.com") == "" {
			t.Errorf("run %d: not registered at the end", i)
		}
	}
}

// TestStatusPerRegistrantDailyLimit: a status call that Zoom refuses for
// one person (its 10 status updates a day) is sent again one row at a
// time: the others are applied, that person's row is rejected.
func TestStatusPerRegistrantDailyLimit(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.manualMeeting(t)
	var rows []map[string]any
	for _, e := range []string{"busy", "x1", "x2", "x3"} {
		rows = append(rows, map[string]any{"email": e + "@example.com", "first_name": "X"})
	}
	for i := range 10 { // ten updates of busy@, each its own call (same person)
		rows = append(rows, map[string]any{"email": "busy@example.com", "action": []string{"approve", "deny"}[i%2]})
	}
	for _, e := range []string{"x1", "x2", "busy", "x3"} { // busy@'s 11th update is refused
		rows = append(rows, map[string]any{"email": e + "@example.com", "action": "approve"})
	}
	cfg := f.config(t, map[string]any{"default_target": map[string]any{"meeting_id": m.ID}})
	code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", f.file(t, "rows.jsonl", jsonl(rows...)),
		"--results", f.path("r.jsonl"), "--dead-letter", f.path("d.jsonl"))
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	res := readResults(t, f.path("r.jsonl"))
	for row := 15; row <= 18; row++ {
		want := write.StatusApplied
		if row == 17 {
			want = write.StatusRejected
		}
		if res[row].Status != want {
			t.Errorf("row %d: %+v, want %s", row, res[row], want)
		}
	}
	if r := res[17]; r.Code != 429 || !strings.Contains(r.Reason, "daily limit for this registrant") {
		t.Errorf("row 17: %+v", r)
	}
	for _, e := range []string{"x1", "x2", "x3"} {
		if s := statusOf(f, m, e+"@example.com"); s != "approved" {
			t.Errorf("%s: %s", e, s)
		}
	}
	// 10 for busy@ (the 10th sent when row 17 names busy@ again, with x1
	// and x2 in the next call), then [busy@, x3] refused and sent again
	// one by one.
	if st, _, _, _ := lifecycleRequests(f.sim); st != 10+1+1+2 {
		t.Errorf("%d status calls, want 14", st)
	}
}
