package registrant

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLedgerTornLine: a last line cut short by a crash is dropped, and the
// next append starts on a line of its own.
func TestLedgerTornLine(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "ledger.jsonl")
	ctx := context.Background()
	k1 := Key(Target{Kind: "meeting", ID: 1}, "a@example.com")
	l, err := OpenFile(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Record(ctx, []Entry{{Key: k1, Target: "meeting:1", RegistrantID: "r1"}}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString(`{"key":"torn`)
	f.Close()

	l, err = OpenFile(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok, _ := l.Lookup(ctx, k1); !ok || e.RegistrantID != "r1" || l.Len() != 1 {
		t.Fatalf("after reopen: %+v %v len %d", e, ok, l.Len())
	}
	k2 := Key(Target{Kind: "webinar", ID: 1}, "a@example.com")
	if k2 == k1 {
		t.Fatal("meeting and webinar keys collide")
	}
	if err := l.Record(ctx, []Entry{{Key: k2, Target: "webinar:1"}}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	b, _ := os.ReadFile(p)
	if strings.Contains(string(b), "torn") || strings.Count(string(b), "\n") != 2 || strings.Contains(string(b), "a@example.com") {
		t.Fatalf("ledger:\n%s", b)
	}
	// Read-only (dry run) never creates the file.
	ro, err := OpenFile(filepath.Join(t.TempDir(), "none.jsonl"), true)
	if err != nil || ro.Len() != 0 {
		t.Fatal(err)
	}
	// A corrupt line in the middle is an error, not silently skipped.
	_ = os.WriteFile(p, []byte("{\"key\":\"x\"}\nnot json\n{\"key\":\"y\"}\n"), 0o600)
	if _, err := OpenFile(p, false); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("corrupt ledger: %v", err)
	}
}
