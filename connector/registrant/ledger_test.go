package registrant

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/internal/store"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestKeys: the key is normalised and distinct per target and
// occurrences, and both forms the two ledgers wrote before they became one
// are among Keys, so their entries are still recognised.
func TestKeys(t *testing.T) {
	t.Parallel()
	m := Target{Kind: "meeting", ID: 42}
	k := Keys(m, "Ann@Example.com")
	if k != Keys(m, " ann@example.COM ") {
		t.Fatal("keys not normalised")
	}
	if k[0] == Key(Target{Kind: "webinar", ID: 42}, "ann@example.com") || k[0] == Key(Target{Kind: "meeting", ID: 42, OccurrenceIDs: "1"}, "ann@example.com") {
		t.Fatal("keys of different targets collide")
	}
	// serve's store key: kind \0 id \0 occurrences \0 lower(email).
	if want := sum("meeting\x0042\x003,4\x00ann@example.com"); Key(Target{Kind: "meeting", ID: 42, OccurrenceIDs: "3,4"}, "Ann@example.com") != want {
		t.Fatal("the serve store's existing rows are keyed differently")
	}
	// write's file key: kind:id \n lower(email) \n occurrences.
	if want := sum("meeting:42\nann@example.com\n3,4"); Keys(Target{Kind: "meeting", ID: 42, OccurrenceIDs: "3,4"}, "Ann@example.com")[1] != want {
		t.Fatal("write's existing ledger files are keyed differently")
	}
	if strings.Contains(k[0]+k[1], "ann") {
		t.Fatal("the key holds the email")
	}
}

// TestFindAcceptsAnOldFileEntry: a ledger file written by an earlier
// `write --ledger` (its own key form) still answers Find.
func TestFindAcceptsAnOldFileEntry(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "old.jsonl")
	old := `{"key":"` + sum("webinar:7\nbob@example.com\n") + `","target":"webinar:7","registrant_id":"r7","join_url":"https://j/7","row":3,"at":"2026-01-01T00:00:00Z"}` + "\n"
	if err := os.WriteFile(p, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := OpenFile(p, true)
	if err != nil {
		t.Fatal(err)
	}
	e, ok, err := Find(context.Background(), l, Target{Kind: "webinar", ID: 7}, "Bob@Example.com")
	if err != nil || !ok || e.RegistrantID != "r7" {
		t.Fatalf("old entry: %+v %v %v", e, ok, err)
	}
	if _, ok, _ := Find(context.Background(), l, Target{Kind: "meeting", ID: 7}, "bob@example.com"); ok {
		t.Fatal("found for another target")
	}
}

// TestStoreLedger: registrations and actions (with their outcome) round
// trip through the store's table; the first registration of a key stays.
func TestStoreLedger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := StoreLedger{Store: st, AccountID: "acct"}
	tg := Target{Kind: "meeting", ID: 9}
	reg := Entry{Key: Key(tg, "a@example.com"), Target: tg.String(), RegistrantID: "r1", JoinURL: "https://j/1"}
	act := Entry{Key: "act-1", Target: tg.String(), Action: "cancel", Outcome: "not_found", Row: 4}
	if err := l.Record(ctx, []Entry{reg, act}); err != nil {
		t.Fatal(err)
	}
	again := reg
	again.RegistrantID = "r2"
	if err := l.Record(ctx, []Entry{again}); err != nil {
		t.Fatal(err)
	}
	e, ok, err := Find(ctx, l, tg, "A@example.com")
	if err != nil || !ok || e.RegistrantID != "r1" || e.JoinURL != "https://j/1" || e.Action != "" || e.Target != "meeting:9" || e.At == "" {
		t.Fatalf("registration: %+v %v %v", e, ok, err)
	}
	e, ok, err = l.Lookup(ctx, "act-1")
	if err != nil || !ok || e.Action != "cancel" || e.Outcome != "not_found" {
		t.Fatalf("action: %+v %v %v", e, ok, err)
	}
	if row, _ := st.LedgerGet(ctx, reg.Key); row == nil || row.AccountID != "acct" || row.TargetID != 9 {
		t.Fatalf("store row: %+v", row)
	}
	if err := l.Record(ctx, []Entry{{Key: "k", Target: "meeting"}}); err == nil {
		t.Fatal("a target without an ID was recorded")
	}
}
