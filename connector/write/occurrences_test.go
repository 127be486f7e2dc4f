package write_test

import (
	"testing"

	"github.com/zoom-connector/zoom-connector/connector/write"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestOccurrenceRowAfterDelete: a person registered for an occurrence,
// then deleted, then registered for it again in the same input is sent
// again: the delete forgets what the run registered them for.
func TestOccurrenceRowAfterDelete(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.meeting(t, false, func(m *zoomsim.Meeting) bool { return f.open(m) && m.Type == 8 && m.ApprovalType == 0 })
	const occ = "1648194360000"
	in := f.file(t, "rows.jsonl", jsonl(
		map[string]any{"meeting_id": m.ID, "email": "q@example.com", "first_name": "Q", "occurrence_ids": occ},
		map[string]any{"meeting_id": m.ID, "email": "q@example.com", "action": "delete"},
		map[string]any{"meeting_id": m.ID, "email": "q@example.com", "first_name": "Q", "occurrence_ids": occ},
	))
	code, _, stderr := runCLI(t, "", "write", "--config", f.config(t, nil), "--allow-host", f.host, "--input", in, "--results", f.path("r.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("r.jsonl"))
	if res[1].Status != write.StatusRegistered || res[3].Status != write.StatusRegistered {
		t.Errorf("rows 1 and 3: %+v, %+v (want both registered)", res[1], res[3])
	}
	if _, s := posts(f.sim); s != 2 {
		t.Errorf("%d single adds, want 2", s)
	}
}

// TestOccurrenceRowsDryRun: a dry run decides rows naming occurrences as
// the real run does: a person pending for one occurrence (manual approval),
// asked for another and then for that one, would be registered for the
// other and is already registered for that one; then the real run agrees.
func TestOccurrenceRowsDryRun(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.meeting(t, false, func(m *zoomsim.Meeting) bool { return f.open(m) && m.Type == 8 && m.ApprovalType == 1 })
	const occ1, occ2 = "1648194360000", "1648799160000"
	cfg := f.config(t, nil)
	first := f.file(t, "first.jsonl", jsonl(map[string]any{"meeting_id": m.ID, "email": "p@example.com", "first_name": "P", "occurrence_ids": occ1}))
	if code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", first); code != 0 {
		t.Fatalf("registering p for occurrence 1: exit %d: %s", code, stderr)
	}
	in := f.file(t, "rows.jsonl", jsonl(
		map[string]any{"meeting_id": m.ID, "email": "p@example.com", "first_name": "P", "occurrence_ids": occ2},
		map[string]any{"meeting_id": m.ID, "email": "p@example.com", "first_name": "P", "occurrence_ids": occ1},
	))
	code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in, "--dry-run", "--results", f.path("dry.jsonl"))
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	dry := readResults(t, f.path("dry.jsonl"))
	if dry[1].Status != write.StatusWouldRegister || dry[2].Status != write.StatusAlreadyRegistered {
		t.Errorf("dry run: %+v, %+v (want would_register, already_registered)", dry[1], dry[2])
	}
	code, _, stderr = runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in, "--results", f.path("real.jsonl"))
	if code != 0 {
		t.Fatalf("real run: exit %d: %s", code, stderr)
	}
	real := readResults(t, f.path("real.jsonl"))
	if real[1].Status != write.StatusRegistered || real[2].Status != write.StatusAlreadyRegistered {
		t.Errorf("real run: %+v, %+v (want registered, already_registered)", real[1], real[2])
	}
}

// TestWebinarSingleAddStaysPending: auto_approve goes with a meeting's add
// and in a batch body, not with a webinar's single add, so a person added
// alone to a webinar with manual approval is pending: a later approve row
// of the same input is sent, not taken as already done.
func TestWebinarSingleAddStaysPending(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	w := f.meeting(t, true, func(m *zoomsim.Meeting) bool { return f.open(m) && m.ApprovalType == 1 })
	in := f.file(t, "rows.jsonl", jsonl(
		map[string]any{"webinar_id": w.ID, "email": "w@example.com", "first_name": "W", "city": "Lyon"}, // a field a batch does not take
		map[string]any{"webinar_id": w.ID, "email": "w@example.com", "action": "approve"},
	))
	code, _, stderr := runCLI(t, "", "write", "--config", f.config(t, map[string]any{"auto_approve": true}), "--allow-host", f.host,
		"--input", in, "--results", f.path("r.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := readResults(t, f.path("r.jsonl"))
	if res[1].Status != write.StatusRegistered || res[1].Method != write.MethodSingle || res[2].Status != write.StatusApplied {
		t.Errorf("rows: %+v, %+v (want registered alone, then the approval applied)", res[1], res[2])
	}
	for _, r := range f.sim.Dataset().Registrants(w) {
		if r.Email == "w@example.com" && r.Status != "approved" {
			t.Errorf("w@example.com is %s in Zoom, want approved", r.Status)
		}
	}
}
