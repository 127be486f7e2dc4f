package bench

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestStateSizeBounded: the states a full read of every stream reports
// stay under 64 KiB as the account grows (tiny, then small: five times the
// users and twice the meetings per user; ZC_STATE_LARGE=1 adds the large
// dataset, 1,100 users, which BENCHMARKS.md measures).
func TestStateSizeBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("full reads")
	}
	sets := []string{"tiny", "small"}
	if os.Getenv("ZC_STATE_LARGE") == "1" {
		sets = append(sets, "large")
	}
	var prev *StateSize
	for _, ds := range sets {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		m, err := RunStateSize(ctx, t.TempDir(), ds, 1, 16, 500)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Log(m)
		if m.States < 3 {
			t.Errorf("%s: %d states: too few for the bound to mean anything", ds, m.States)
		}
		if m.MaxFile > 64<<10 || m.MaxMessage > 64<<10 {
			t.Errorf("%s: largest state file %d bytes, largest STATE message %d: over 64 KiB", ds, m.MaxFile, m.MaxMessage)
		}
		if prev != nil && m.Records < 4*prev.Records {
			t.Errorf("%s has %d records, %s %d: the dataset did not grow enough for the test to mean anything", ds, m.Records, prev.Dataset, prev.Records)
		}
		prev = m
	}
}
