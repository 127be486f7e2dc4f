package write_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/connector/write"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestCSVFormSignupsForWebinar registers a form export (testdata/write/
// signups.csv, the README example) for a scheduled webinar through a
// mapping and a default target.
func TestCSVFormSignupsForWebinar(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	web := f.openOfType(t, true, 5)
	cfg := f.config(t, map[string]any{
		"mapping": map[string]string{"Email Address": "email", "First Name": "first_name", "Last Name": "last_name",
			"Country": "country", "How did you hear about us?": "custom_questions.How did you hear about us?"},
		"default_target": map[string]any{"webinar_id": web.ID},
	})
	csv, err := os.ReadFile(filepath.Join("..", "..", "testdata", "write", "signups.csv"))
	if err != nil {
		t.Fatal(err)
	}
	in := f.file(t, "signups.csv", csv)
	code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in,
		"--results", f.path("results.jsonl"), "--dead-letter", f.path("dead.jsonl"), "--ledger", f.path("ledger.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("results.jsonl"))
	target := fmt.Sprintf("webinar:%d", web.ID)
	for row, want := range map[int]string{1: "batch", 2: "batch", 3: "batch", 4: "single", 5: ""} {
		r := res[row]
		if r.Target != target {
			t.Errorf("row %d: target %q", row, r.Target)
		}
		if want == "" {
			if r.Status != write.StatusAlreadyRegistered || r.RegistrantID != res[1].RegistrantID {
				t.Errorf("row 5 (ada again, other case): %+v, want already_registered as row 1", r)
			}
			continue
		}
		if r.Status != write.StatusRegistered || r.Method != want || r.RegistrantID == "" || r.JoinURL == "" {
			t.Errorf("row %d: %+v, want registered by %s", row, r, want)
		}
	}
	got := created(f.sim)
	for _, e := range []string{"ada@example.com", "grace@example.com", "linus@example.org", "barbara@example.net"} {
		if got[target+"|"+e] != 1 {
			t.Errorf("%s created %d times", e, got[target+"|"+e])
		}
	}
	if len(got) != 4 {
		t.Errorf("created %v", got)
	}
	for _, r := range f.sim.CreatedRegistrants() {
		if r["email"] == "barbara@example.net" {
			q, _ := json.Marshal(r["custom_questions"])
			if !strings.Contains(string(q), "Newsletter") || r["country"] != "US" {
				t.Errorf("barbara: custom questions %s, country %v", q, r["country"])
			}
		}
	}
	if b, s := posts(f.sim); b != 1 || s != 1 {
		t.Errorf("requests: %d batch, %d single; want 1 and 1", b, s)
	}
	t.Log(strings.TrimSpace(stderr))
	if !strings.Contains(stderr, "5 rows: 4 registered, 1 already registered") {
		t.Errorf("summary: %s", stderr)
	}
	if b, _ := os.ReadFile(f.path("dead.jsonl")); len(b) != 0 {
		t.Errorf("dead letters: %s", b)
	}
	if l := readLines(t, f.path("ledger.jsonl")); len(l) != 4 {
		t.Errorf("ledger has %d entries, want 4", len(l))
	}
}

// TestMixedFileWithMalformedRows dead-letters each bad row with its row
// number and reason (naming the field) and registers the rest.
func TestMixedFileWithMalformedRows(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.openOfType(t, false, 2)
	cfg := f.config(t, map[string]any{"default_target": map[string]any{"meeting_id": m.ID}})
	lines := []string{
		`{"email":"ok1@example.com","first_name":"Ok"}`,
		`{"email":"broken@example.com","first_name":`,
		`["not","an","object"]`,
		`{"email":"not-an-email","first_name":"Bad"}`,
		`{"email":"nofirst@example.com"}`,
		`{"email":"country@example.com","first_name":"C","country":"USA"}`,
		`{"email":"long@example.com","first_name":"` + strings.Repeat("x", 65) + `"}`,
		`{"email":"enum@example.com","first_name":"E","purchasing_time_frame":"someday"}`,
		``,
		`{"email":"ok2@example.com","first_name":"Ok","last_name":"Two"}`,
	}
	in := f.file(t, "mixed.jsonl", []byte(strings.Join(lines, "\n")+"\n"))
	code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in,
		"--results", f.path("r.jsonl"), "--dead-letter", f.path("d.jsonl"))
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	dead := readLines(t, f.path("d.jsonl"))
	want := map[string]string{"2": "malformed JSON", "3": "want an object", "4": "email:", "5": "first_name: required",
		"6": "country:", "7": "first_name:", "8": "purchasing_time_frame:"}
	if len(dead) != len(want) {
		t.Fatalf("%d dead letters, want %d: %v", len(dead), len(want), dead)
	}
	for _, d := range dead {
		row := fmt.Sprint(d["_row"])
		if !strings.Contains(fmt.Sprint(d["_error"]), want[row]) {
			t.Errorf("row %s: _error %q, want %q", row, d["_error"], want[row])
		}
		if row == "2" && d["_raw"] != lines[1] {
			t.Errorf("row 2: _raw %q", d["_raw"])
		}
		if row == "6" && (d["email"] != "country@example.com" || d["country"] != "USA") {
			t.Errorf("row 6 is not as it came in: %v", d)
		}
	}
	res := readResults(t, f.path("r.jsonl"))
	if res[1].Status != write.StatusRegistered || res[10].Status != write.StatusRegistered {
		t.Errorf("good rows: %+v %+v", res[1], res[10])
	}
	if len(created(f.sim)) != 2 {
		t.Errorf("created %v", created(f.sim))
	}
	if !strings.Contains(stderr, "7 rejected (5 invalid, 2 malformed)") {
		t.Errorf("summary: %s", stderr)
	}

	// CSV: a record with the wrong number of fields.
	csvIn := f.file(t, "bad.csv", []byte("email,first_name,meeting_id\ncsv1@example.com,A,"+fmt.Sprint(m.ID)+"\ncsv2@example.com,B\ncsv3@example.com,C,"+fmt.Sprint(m.ID)+"\n"))
	code, _, stderr = runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", csvIn, "--dead-letter", f.path("d2.jsonl"))
	if code != 1 {
		t.Fatalf("csv: exit %d: %s", code, stderr)
	}
	dead = readLines(t, f.path("d2.jsonl"))
	if len(dead) != 1 || fmt.Sprint(dead[0]["_row"]) != "2" || !strings.Contains(fmt.Sprint(dead[0]["_error"]), "2 fields, the header has 3") ||
		dead[0]["_raw"] != "csv2@example.com,B" {
		t.Errorf("csv dead letters: %v", dead)
	}
	if got := created(f.sim); got[fmt.Sprintf("meeting:%d|csv3@example.com", m.ID)] != 1 {
		t.Errorf("csv3 not registered: %v", got)
	}
}

// TestAlreadyRegisteredSendsNothing: emails the target already has (any
// status, any case) are reported with their registrant_id and no request.
func TestAlreadyRegisteredSendsNothing(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.meeting(t, false, func(m *zoomsim.Meeting) bool { return f.open(m) && m.NRegistrants >= 3 })
	regs := f.sim.Dataset().Registrants(m)
	var rows []map[string]any
	for _, r := range regs[:3] {
		rows = append(rows, map[string]any{"meeting_id": m.ID, "email": strings.ToUpper(r.Email), "first_name": "Again", "city": "Elsewhere"})
	}
	in := f.file(t, "again.jsonl", jsonl(rows...))
	code, _, stderr := runCLI(t, "", "write", "--config", f.config(t, nil), "--allow-host", f.host, "--input", in, "--results", f.path("r.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("r.jsonl"))
	for i, r := range regs[:3] {
		got := res[i+1]
		if got.Status != write.StatusAlreadyRegistered || got.RegistrantID != r.ID {
			t.Errorf("row %d: %+v, want already_registered %s", i+1, got, r.ID)
		}
	}
	if b, s := posts(f.sim); b+s != 0 {
		t.Errorf("%d batch and %d single requests sent", b, s)
	}
}

// TestBatchVersusSingle measures the requests: name-only rows of a
// scheduled meeting go 30 to a batch call; recurring meetings, rows with
// more fields and rows with occurrence_ids are added one by one.
func TestBatchVersusSingle(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	sched := f.openOfType(t, false, 2)
	recur := f.openOfType(t, false, 8)
	var rows []map[string]any
	for i := range 65 {
		rows = append(rows, map[string]any{"meeting_id": sched.ID, "email": fmt.Sprintf("b%02d@example.com", i), "first_name": "B", "last_name": fmt.Sprint(i)})
	}
	for i := range 5 {
		rows = append(rows, map[string]any{"meeting_id": recur.ID, "email": fmt.Sprintf("r%d@example.com", i), "first_name": "R"})
	}
	rows = append(rows,
		map[string]any{"meeting_id": sched.ID, "email": "full@example.com", "first_name": "F", "org": "Acme"},
		map[string]any{"meeting_id": sched.ID, "email": "occ@example.com", "first_name": "O", "occurrence_ids": "1648194360000"},
	)
	in := f.file(t, "rows.jsonl", jsonl(rows...))
	code, _, stderr := runCLI(t, "", "write", "--config", f.config(t, nil), "--allow-host", f.host, "--input", in, "--results", f.path("r.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("r.jsonl"))
	for row := 1; row <= len(rows); row++ {
		r := res[row]
		want := write.MethodSingle
		if row <= 65 {
			want = write.MethodBatch
		}
		if r.Status != write.StatusRegistered || r.Method != want {
			t.Errorf("row %d: %+v, want registered by %s", row, r, want)
		}
	}
	b, s := posts(f.sim)
	if b != 3 || s != 7 {
		t.Errorf("requests: %d batch, %d single; want 3 batch (30+30+5) and 7 single", b, s)
	}
	t.Logf("%d rows: %d batch + %d single requests (one by one it would be %d)", len(rows), b, s, len(rows))
	if len(created(f.sim)) != len(rows) {
		t.Errorf("created %d registrants, want %d", len(created(f.sim)), len(rows))
	}
}

// TestDryRunSendsNothing plans without a write request or ledger entry.
func TestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	sched := f.openOfType(t, false, 2)
	recur := f.openOfType(t, false, 8)
	in := f.file(t, "rows.jsonl", jsonl(
		map[string]any{"meeting_id": sched.ID, "email": "a@example.com", "first_name": "A"},
		map[string]any{"meeting_id": recur.ID, "email": "b@example.com", "first_name": "B"},
		map[string]any{"meeting_id": sched.ID, "email": "A@example.com", "first_name": "A"},
		map[string]any{"meeting_id": sched.ID, "email": "bad", "first_name": "A"},
	))
	code, _, stderr := runCLI(t, "", "write", "--config", f.config(t, map[string]any{"dry_run": true}), "--allow-host", f.host,
		"--input", in, "--results", f.path("r.jsonl"), "--ledger", f.path("ledger.jsonl"))
	if code != 1 {
		t.Fatalf("exit %d (want 1: one invalid row): %s", code, stderr)
	}
	res := readResults(t, f.path("r.jsonl"))
	if res[1].Status != write.StatusWouldRegister || res[1].Method != write.MethodBatch ||
		res[2].Status != write.StatusWouldRegister || res[2].Method != write.MethodSingle ||
		res[3].Status != write.StatusAlreadyRegistered || res[4].Status != write.StatusRejected {
		t.Errorf("results: %+v", res)
	}
	if b, s := posts(f.sim); b+s != 0 || len(f.sim.CreatedRegistrants()) != 0 {
		t.Errorf("dry run sent %d batch and %d single requests", b, s)
	}
	if _, err := os.Stat(f.path("ledger.jsonl")); !os.IsNotExist(err) {
		t.Errorf("dry run created the ledger: %v", err)
	}
	if !strings.Contains(stderr, "dry run") || !strings.Contains(stderr, "2 would be registered") {
		t.Errorf("summary: %s", stderr)
	}
}

// TestDeletedAndRegistrationDisabledTargets rejects every row of those
// targets with Zoom's code and message; the other rows go on.
func TestDeletedAndRegistrationDisabledTargets(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	del := f.meeting(t, false, func(m *zoomsim.Meeting) bool { return m.Deleted })
	noReg := f.meeting(t, false, func(m *zoomsim.Meeting) bool {
		return !m.Deleted && m.Licensed() && !m.RegistrationEnabled() && !m.Over(f.sim.Now())
	})
	noRegWeb := f.meeting(t, true, func(m *zoomsim.Meeting) bool {
		return !m.Deleted && m.Licensed() && !m.RegistrationEnabled() && !m.Over(f.sim.Now())
	})
	ok := f.openOfType(t, false, 2)
	var rows []map[string]any
	for i := range 3 {
		rows = append(rows,
			map[string]any{"meeting_id": del.ID, "email": fmt.Sprintf("d%d@example.com", i), "first_name": "D"},
			map[string]any{"meeting_id": noReg.ID, "email": fmt.Sprintf("n%d@example.com", i), "first_name": "N"},
			map[string]any{"webinar_id": noRegWeb.ID, "email": fmt.Sprintf("w%d@example.com", i), "first_name": "W"},
			map[string]any{"meeting_id": ok.ID, "email": fmt.Sprintf("o%d@example.com", i), "first_name": "O"})
	}
	in := f.file(t, "rows.jsonl", jsonl(rows...))
	code, _, stderr := runCLI(t, "", "write", "--config", f.config(t, nil), "--allow-host", f.host, "--input", in,
		"--results", f.path("r.jsonl"), "--dead-letter", f.path("d.jsonl"))
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("r.jsonl"))
	for row, r := range res {
		switch r.Target {
		case fmt.Sprintf("meeting:%d", del.ID):
			if r.Status != write.StatusRejected || r.Code != 3001 || !strings.Contains(r.Reason, "does not exist") {
				t.Errorf("deleted row %d: %+v", row, r)
			}
		case fmt.Sprintf("meeting:%d", noReg.ID):
			if r.Status != write.StatusRejected || r.Code != 404 || !strings.Contains(r.Reason, "Registration has not been enabled") {
				t.Errorf("no-registration row %d: %+v", row, r)
			}
		case fmt.Sprintf("webinar:%d", noRegWeb.ID):
			if r.Status != write.StatusRejected || r.Code == 0 || !strings.Contains(strings.ToLower(r.Reason), "registration") {
				t.Errorf("no-registration webinar row %d: %+v", row, r)
			}
		default:
			if r.Status != write.StatusRegistered {
				t.Errorf("row %d: %+v", row, r)
			}
		}
	}
	if len(readLines(t, f.path("d.jsonl"))) != 9 || len(created(f.sim)) != 3 {
		t.Errorf("dead letters %d, created %d", len(readLines(t, f.path("d.jsonl"))), len(created(f.sim)))
	}
	if b, s := posts(f.sim); s != 0 || b != 1 {
		t.Errorf("requests: %d batch, %d single: rejected targets must send nothing", b, s)
	}
}

// TestCapacity: rows past the meeting's capacity are rejected with Zoom's
// reason, for batch and single adds alike.
func TestCapacity(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	d := f.sim.Dataset()
	sched := f.openOfType(t, false, 2)
	recur := f.openOfType(t, false, 8)
	// Room for two more on each (set before any request: the simulator
	// reads it under its lock).
	d.MaxRegistrants = max(len(d.Registrants(sched)), len(d.Registrants(recur))) + 2
	room := map[int64]int{sched.ID: d.MaxRegistrants - len(d.Registrants(sched)), recur.ID: d.MaxRegistrants - len(d.Registrants(recur))}
	var rows []map[string]any
	for _, m := range []*zoomsim.Meeting{sched, recur} {
		for i := range 5 {
			rows = append(rows, map[string]any{"meeting_id": m.ID, "email": fmt.Sprintf("c%d-%d@example.com", m.ID, i), "first_name": "C"})
		}
	}
	in := f.file(t, "rows.jsonl", jsonl(rows...))
	code, _, stderr := runCLI(t, "", "write", "--config", f.config(t, nil), "--allow-host", f.host, "--input", in, "--results", f.path("r.jsonl"))
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("r.jsonl"))
	for i, m := range []*zoomsim.Meeting{sched, recur} {
		for j := range 5 {
			r := res[i*5+j+1]
			if j < room[m.ID] {
				if r.Status != write.StatusRegistered {
					t.Errorf("meeting %d row %d: %+v, want registered", m.ID, j, r)
				}
			} else if r.Status != write.StatusRejected || r.Code != 3043 || !strings.Contains(r.Reason, "maximum attendee capacity") {
				t.Errorf("meeting %d row %d: %+v, want rejected 3043", m.ID, j, r)
			}
		}
	}
	// The local check: Zoom's 4,999 (here lowered through Options) stops
	// rows before any request.
	f2 := startSim(t, zoomsim.Options{})
	m2 := f2.openOfType(t, false, 8)
	have := len(f2.sim.Dataset().Registrants(m2))
	sum, resLocal := runInProcess(t, f2, nil, write.Options{MaxRegistrants: have + 1}, jsonl(
		map[string]any{"meeting_id": m2.ID, "email": "l1@example.com", "first_name": "L"},
		map[string]any{"meeting_id": m2.ID, "email": "l2@example.com", "first_name": "L"},
	))
	if sum.Registered != 1 || sum.Rejected != 1 || !strings.Contains(resLocal[2].Reason, "capacity") {
		t.Errorf("local capacity: %+v %+v", sum, resLocal)
	}
	if _, s := posts(f2.sim); s != 1 {
		t.Errorf("local capacity sent %d single adds, want 1", s)
	}
}

// TestPerRegistrantDailyLimit: Zoom allows three add calls a day per
// registrant and meeting; the fourth is rejected with the daily 429 and the
// other rows go on.
func TestPerRegistrantDailyLimit(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	d := f.sim.Dataset()
	m := f.openOfType(t, false, 8)
	// Three adds that Zoom counts but that do not register: the meeting is
	// full.
	d.MaxRegistrants = len(d.Registrants(m))
	for range 3 {
		st := simPost(t, f, fmt.Sprintf("/meetings/%d/registrants", m.ID), map[string]any{"email": "busy@example.com", "first_name": "Busy"})
		if st != 400 {
			t.Fatalf("setup add: HTTP %d", st)
		}
	}
	in := f.file(t, "rows.jsonl", jsonl(
		map[string]any{"meeting_id": m.ID, "email": "before@example.com", "first_name": "B"},
		map[string]any{"meeting_id": m.ID, "email": "busy@example.com", "first_name": "Busy"},
		map[string]any{"meeting_id": m.ID, "email": "after@example.com", "first_name": "A"},
	))
	cfg := f.config(t, nil)
	// Make room again (no request is in flight).
	d.MaxRegistrants = zoomsim.MaxRegistrantsPerMeeting
	code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in, "--results", f.path("r.jsonl"))
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("r.jsonl"))
	if res[1].Status != write.StatusRegistered || res[3].Status != write.StatusRegistered {
		t.Errorf("other rows: %+v %+v", res[1], res[3])
	}
	if r := res[2]; r.Status != write.StatusRejected || r.Code != 429 || !strings.Contains(r.Reason, "daily") {
		t.Errorf("4th add of the day: %+v", r)
	}
}

// TestExitCodes covers usage and configuration errors (2).
func TestExitCodes(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	cfg := f.config(t, nil)
	in := f.file(t, "x.jsonl", []byte("{}\n"))
	badMap := f.config(t, map[string]any{"mapping": map[string]string{"E-mail": "emial"}})
	for name, args := range map[string][]string{
		"no input":        {"write", "--config", cfg},
		"both inputs":     {"write", "--config", cfg, "--input", in, "--catalog", in},
		"bad format":      {"write", "--config", cfg, "--input", in, "--input-format", "xml"},
		"missing file":    {"write", "--config", cfg, "--input", f.path("nope.csv")},
		"no config":       {"write", "--input", in},
		"unknown flag":    {"write", "--config", cfg, "--input", in, "--frobnicate"},
		"mapping typo":    {"write", "--config", badMap, "--allow-host", f.host, "--input", in},
		"bad catalog":     {"write", "--config", cfg, "--catalog", in},
		"format no input": {"write", "--config", cfg, "--catalog", in, "--input-format", "csv"},
	} {
		code, _, stderr := runCLI(t, "", args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2: %s", name, code, stderr)
		}
	}
}
