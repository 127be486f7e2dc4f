package write_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/connector/write"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestCRMStatusColumnExample runs the README's worked example: the form
// sign-ups (testdata/write/signups.csv) registered for a webinar with
// manual approval, then a CRM export (testdata/write/crm.csv) whose Lead
// Status column approves two of them, cancels two (and one who never
// registered), and adds two panelists.
func TestCRMStatusColumnExample(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	web := f.meeting(t, true, func(m *zoomsim.Meeting) bool { return f.open(m) && m.Type == 5 && m.ApprovalType == 1 })
	signups, err := os.ReadFile(filepath.Join("..", "..", "testdata", "write", "signups.csv"))
	if err != nil {
		t.Fatal(err)
	}
	crm, err := os.ReadFile(filepath.Join("..", "..", "testdata", "write", "crm.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.config(t, map[string]any{
		"mapping": map[string]string{"Email Address": "email", "First Name": "first_name", "Last Name": "last_name",
			"Country": "country", "How did you hear about us?": "custom_questions.How did you hear about us?",
			"Email": "email", "Lead Status": "action"},
		"default_target": map[string]any{"webinar_id": web.ID},
	})
	if code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", f.file(t, "signups.csv", signups),
		"--ledger", f.path("ledger.jsonl")); code != 0 {
		t.Fatalf("signups: exit %d: %s", code, stderr)
	}
	code, _, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", f.file(t, "crm.csv", crm),
		"--results", f.path("results.jsonl"), "--ledger", f.path("ledger.jsonl"))
	if code != 0 {
		t.Fatalf("crm: exit %d: %s", code, stderr)
	}
	t.Log(strings.TrimSpace(stderr))
	const summary = "7 rows: 0 registered, 0 already registered, 6 actions applied, 0 already done, 1 not found, 0 rejected; requests: 0 batch, 0 single, 1 get, 3 list, 2 status, 1 panelists, 1 panelist_list"
	if !strings.Contains(stderr, summary) {
		t.Errorf("summary is not the README's %q", summary)
	}
	for email, want := range map[string]string{"ada@example.com": "approved", "grace@example.com": "approved",
		"linus@example.org": "denied", "barbara@example.net": "denied"} {
		if got := statusOf(f, web, email); got != want {
			t.Errorf("%s: %q, want %q", email, got, want)
		}
	}
	res := readResults(t, f.path("results.jsonl"))
	if res[5].Status != write.StatusNotFound || res[6].Status != write.StatusApplied || res[7].Action != write.ActAddPanelist {
		t.Errorf("results %+v", res)
	}
	panelists := 0
	for _, p := range f.sim.Truth()["webinar_panelists"] {
		if e := p["email"]; e == "katherine@example.com" || e == "margaret@example.com" {
			panelists++
		}
	}
	if panelists != 2 {
		t.Errorf("%d of the two panelists added", panelists)
	}
	if e := f.sim.Counters().Snapshot().Emails; e[zoomsim.EmailConfirmation] != 2 || e[zoomsim.EmailCancellation] != 2 {
		t.Errorf("emails %v", e)
	}
}
