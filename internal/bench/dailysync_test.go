package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	quotapkg "github.com/zoom-connector/zoom-connector/connector/quota"
)

// TestDailySyncCost measures the daily sync on the tiny dataset: the
// daily read sends fewer requests than the full read, every category adds
// up, the paced rerun completes, and the section renders.
func TestDailySyncCost(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three reads")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := RunDailySync(ctx, t.TempDir(), DailySyncCase{Dataset: "tiny", Activity: "high", Plan: "business", Seed: 1,
		Latency: 2 * time.Millisecond, MaxConcurrency: 16, Wall: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Changes == 0 {
		t.Error("the account did not change in a simulated day")
	}
	for name, r := range map[string]*DailyRead{"first": d.First, "daily": d.Daily} {
		sum := 0
		for _, n := range r.SentByCategory {
			sum += n
		}
		if r.Records == 0 || r.SentTotal == 0 || sum != r.SentTotal || r.FloorSeconds <= 0 {
			t.Errorf("%s read: %+v", name, r)
		}
	}
	if d.Daily.SentTotal >= d.First.SentTotal {
		t.Errorf("the daily read sent %d requests, the full read %d", d.Daily.SentTotal, d.First.SentTotal)
	}
	if d.Daily.WallSeconds <= 0 || len(d.Daily.Incomplete) > 0 || d.HeavyDailyQuota != 60000 {
		t.Errorf("paced daily read: %+v (quota %d)", d.Daily, d.HeavyDailyQuota)
	}
	for c, n := range d.First.SentByCategory {
		if want := float64(d.Daily.SentByCategory[c]) / float64(n); n > 0 && d.DailyShare[c] != want {
			t.Errorf("%s: daily share %v, want %v", c, d.DailyShare[c], want)
		}
	}
	if d.SettleDays != 3 || d.ReconcileDays != reconcileDay {
		t.Errorf("rules settle %d, reconcile %d: want the config's default and %d", d.SettleDays, d.ReconcileDays, reconcileDay)
	}
	t.Logf("daily ÷ first per category: %v", d.DailyShare)
	if st := d.First.States; st == nil || st.States == 0 || st.MaxFile == 0 || st.MaxMessage == 0 || st.MaxFile > 64<<10 {
		t.Errorf("the first read's states: %+v", st)
	}
	if len(d.Estimates) != 3+laterReads || d.Estimates[0].Probe == nil || !d.Estimates[1].FromFull || d.Estimates[2].FromFull {
		t.Errorf("quota estimates: %+v", d.Estimates)
	}
	for _, e := range d.Estimates {
		t.Logf("quota estimate of the %s read: estimated %v, sent %v, errors %v, within 10%%: %v (%s)", e.Read, e.Estimated, e.Sent, e.Error, e.Within, e.Source)
	}
	if r := d.Estimates[len(d.Estimates)-1]; r.Read != reconcileName || !strings.Contains(r.Source, string(quotapkg.FromLastFullForReconcile)) || d.Reconcile == nil {
		t.Errorf("the reconciliation read's estimate: %+v", r)
	}
	if tg, ok := d.estimateTarget(); !ok || tg.Got == "" {
		t.Errorf("no quota estimate target: %+v", tg)
	}
	md := d.markdown()
	for _, want := range []string{"## Daily sync cost", "| first (full) |", "| daily (incremental) |", "| daily ÷ first (target ≤ 10% per category) |", "`settle_days: 3`", "**State size.**", "| daily 2 (incremental) |", "| daily 3 (incremental) |", "### Quota estimate", "| daily 3 (incremental) | Heavy |"} {
		if !strings.Contains(md, want) {
			t.Errorf("section lacks %q:\n%s", want, md)
		}
	}
}
