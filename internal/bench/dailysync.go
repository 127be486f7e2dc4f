package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zoom-connector/zoom-connector/connector"
	"github.com/zoom-connector/zoom-connector/connector/engine"
	quotapkg "github.com/zoom-connector/zoom-connector/connector/quota"
	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// DailySync is the cost of syncing a living account every day: the first
// full read, then the incremental read one simulated day later (state of
// the first, lookback_days 1), on an account that changed in between at
// the given activity.
type DailySync struct {
	Dataset        string `json:"dataset"`
	Activity       string `json:"activity"`
	Plan           string `json:"plan"`
	LatencyMedian  string `json:"latency_median"`
	MaxConcurrency int    `json:"max_concurrency"`
	// Changes is what the account did in the simulated day.
	Changes int `json:"changes"`
	// First and Daily are the two reads.
	First *DailyRead `json:"first_read"`
	Daily *DailyRead `json:"daily_read"`
	// HeavyDailyQuota is the plan's daily quota that Heavy and
	// Resource-intensive requests share (0: none).
	HeavyDailyQuota int `json:"heavy_daily_quota"`
	// DailyShare is, per rate-limit category, the daily read's requests
	// over the first read's (the target: at most DailyTarget each).
	DailyShare map[string]float64 `json:"daily_share_by_category"`
	// SettleDays and ReconcileDays are the change-driven rules of the
	// daily read (the config's defaults).
	SettleDays    int `json:"settle_days"`
	ReconcileDays int `json:"reconcile_days"`
	// Later are the daily reads after the first one, a simulated day apart,
	// each from the previous one's state: their quota estimates are made
	// from the counts of an incremental read like them (the first of them
	// from the first daily read's, which a full read preceded).
	Later []*DailyRead `json:"later_daily_reads,omitempty"`
	// Reconcile is the daily read after those, a simulated day later, on
	// the day the change-driven rules reconcile (ReconcileDays is set so
	// that it does): it asks again for what the others skip, and its
	// estimate comes from the full read's counts.
	Reconcile *DailyRead `json:"reconciliation_read,omitempty"`
	// Estimates compare the quota estimate made before each read with
	// what the read sent (first, daily, the later ones, the
	// reconciliation).
	Estimates []*EstimateCheck `json:"quota_estimates,omitempty"`
	// RemeasuredAt is when this section was measured apart from the rest
	// of its report (zoombench --daily-sync-only --into), "" when with it.
	RemeasuredAt string `json:"remeasured_at,omitempty"`
}

// DailyTarget is the share of the first read's requests, per category, a
// typical daily read should stay under (issue 19); measured, not asserted.
const DailyTarget = 0.10

// shares computes DailyShare.
func (d *DailySync) shares() {
	d.DailyShare = map[string]float64{}
	for c, n := range d.First.SentByCategory {
		if n > 0 {
			d.DailyShare[c] = float64(d.Daily.SentByCategory[c]) / float64(n)
		}
	}
}

// DailyRead is one read of a DailySync.
type DailyRead struct {
	Records int64 `json:"records"`
	// SentByCategory counts the requests of a read against an unlimited
	// simulator (no 429 retries among them).
	SentByCategory map[string]int `json:"sent_by_category"`
	SentTotal      int            `json:"sent_total"`
	// Heavy counts Heavy and Resource-intensive requests; HeavyShare is
	// their share of the plan's daily quota.
	Heavy      int     `json:"heavy_requests"`
	HeavyShare float64 `json:"heavy_share_of_daily_quota"`
	// FloorSeconds is the largest of requests / per-second limit over the
	// categories, at the plan's limits; FloorCategory sets it.
	FloorSeconds  float64 `json:"floor_seconds"`
	FloorCategory string  `json:"floor_category"`
	// WallSeconds is the read's wall time against a simulator with the
	// plan's limits and latency (0: not measured); Ratio is wall / floor.
	WallSeconds float64  `json:"wall_seconds,omitempty"`
	Ratio       float64  `json:"wall_over_floor,omitempty"`
	Limited429  int      `json:"limited_429,omitempty"`
	Incomplete  []string `json:"incomplete,omitempty"`
	// States measures the states the read reported (committing every
	// second, as Airbyte mode does every checkpoint_interval_seconds).
	States *StateSize `json:"states,omitempty"`
}

// DailySyncCase selects what RunDailySync measures.
type DailySyncCase struct {
	Dataset, Activity, Plan string
	Seed                    int64
	Latency                 time.Duration
	MaxConcurrency          int
	// Wall measures the daily read's wall time at the plan's limits too
	// (the request counts come from an unlimited simulator either way).
	Wall bool
	// Log receives progress lines (nil: none).
	Log io.Writer
}

// RunDailySync measures a daily sync. Both reads run in this process
// through the connector's HTTP client and engine, with the connector's
// clock on the simulator's (the account's day). The request counts come
// from a simulator without limits; with c.Wall, a second simulator with
// the plan's limits and latency, the same seed and start, so the same
// account and the same day, serves the daily read again for its wall time.
func RunDailySync(ctx context.Context, dir string, c DailySyncCase) (*DailySync, error) {
	logf := func(format string, args ...any) {
		if c.Log != nil {
			fmt.Fprintf(c.Log, "zoombench: "+format+"\n", args...)
		}
	}
	start := time.Now().UTC().Truncate(time.Minute)
	lim, err := zoomsim.PlanLimits(c.Plan)
	if err != nil {
		return nil, err
	}
	rates := perSecond(lim)
	ds := &DailySync{Dataset: c.Dataset, Activity: c.Activity, Plan: c.Plan, LatencyMedian: c.Latency.String(),
		MaxConcurrency: c.MaxConcurrency, HeavyDailyQuota: lim.SharedHeavyDaily}
	count, err := startLiving(dir, c, start, "unlimited", 0)
	if err != nil {
		return nil, err
	}
	// The full read reconciles (there is no reconciliation before it), the
	// daily reads after it do not, and the one reconcileDay days after it
	// does.
	count.cfg.ReconcileDays = reconcileDay
	defer count.close()
	first, daily, st, err := ds.countReads(ctx, count, c, logf)
	if err != nil {
		return nil, err
	}
	for _, r := range append([]*DailyRead{first, daily, ds.Reconcile}, ds.Later...) {
		r.Heavy = r.SentByCategory[string(zoomsim.Heavy)] + r.SentByCategory[string(zoomsim.ResourceIntensive)]
		if lim.SharedHeavyDaily > 0 {
			r.HeavyShare = float64(r.Heavy) / float64(lim.SharedHeavyDaily)
		}
		r.FloorSeconds, r.FloorCategory, _ = floor(r.SentByCategory, rates)
		r.WallSeconds, r.Limited429 = 0, 0
	}
	ds.First, ds.Daily = first, daily
	ds.SettleDays, ds.ReconcileDays = count.cfg.SettleDays, count.cfg.ReconcileDays
	ds.shares()
	for _, r := range []*DailyRead{first, daily} {
		logf("  %d records, requests by category %v (total %d), %.1f%% of the Heavy daily quota, floor %.0f s (%s)",
			r.Records, r.SentByCategory, r.SentTotal, 100*r.HeavyShare, r.FloorSeconds, r.FloorCategory)
		logf("  states: %s", r.States)
	}
	if c.Wall {
		logf("daily sync: the daily read again at the %s plan's limits, latency %s", c.Plan, c.Latency)
		paced, err := startLiving(dir, c, start, c.Plan, c.Latency)
		if err != nil {
			return nil, err
		}
		defer paced.close()
		if _, err := paced.sim.Advance(24 * time.Hour); err != nil {
			return nil, err
		}
		w, _, err := paced.read(ctx, st, c.MaxConcurrency)
		if err != nil {
			return nil, fmt.Errorf("paced daily read: %w", err)
		}
		daily.WallSeconds, daily.Limited429, daily.Incomplete = w.WallSeconds, w.Limited429, w.Incomplete
		if daily.FloorSeconds > 0 {
			daily.Ratio = daily.WallSeconds / daily.FloorSeconds
		}
	}
	logf("  %s", ds)
	return ds, nil
}

// countReads runs the reads whose requests are counted, against the
// unlimited simulator: the first full read, the daily read a simulated day
// later and a second daily read a day after that, each after the quota
// estimate the connector makes before it (a probe before the first, the
// previous read's counts in the state before the others). It returns the
// first two reads and the first read's state.
func (ds *DailySync) countReads(ctx context.Context, count *living, c DailySyncCase, logf func(string, ...any)) (first, daily *DailyRead, st *state.State, err error) {
	logf("daily sync: quota probe, then the first full read of the %s dataset (counting requests)", c.Dataset)
	probe, err := count.probe(ctx, c.MaxConcurrency, c.Plan)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("probe: %w", err)
	}
	first, st, err = count.read(ctx, nil, c.MaxConcurrency)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("first read: %w", err)
	}
	ds.Estimates = append(ds.Estimates, checkEstimate("first (full)", probe, first.SentByCategory, c.Plan))
	changes, err := count.sim.Advance(24 * time.Hour)
	if err != nil {
		return nil, nil, nil, err
	}
	ds.Changes = len(changes)
	logf("daily sync: %d changes in a simulated day at %s activity; daily read", ds.Changes, c.Activity)
	est := count.estimate(st)
	daily, st2, err := count.read(ctx, st, c.MaxConcurrency)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("daily read: %w", err)
	}
	ds.Estimates = append(ds.Estimates, checkEstimate("daily (incremental)", est, daily.SentByCategory, c.Plan))
	for i := range laterReads {
		if _, err := count.sim.Advance(24 * time.Hour); err != nil {
			return nil, nil, nil, err
		}
		logf("daily sync: daily read %d, one more simulated day later", i+2)
		est = count.estimate(st2)
		var r *DailyRead
		if r, st2, err = count.read(ctx, st2, c.MaxConcurrency); err != nil {
			return nil, nil, nil, fmt.Errorf("daily read %d: %w", i+2, err)
		}
		ds.Later = append(ds.Later, r)
		ds.Estimates = append(ds.Estimates, checkEstimate(laterName(i), est, r.SentByCategory, c.Plan))
	}
	if _, err := count.sim.Advance(24 * time.Hour); err != nil {
		return nil, nil, nil, err
	}
	logf("daily sync: daily read %d, %d simulated days after the full read: a reconciliation", laterReads+2, reconcileDay)
	est = count.estimate(st2)
	if ds.Reconcile, _, err = count.read(ctx, st2, c.MaxConcurrency); err != nil {
		return nil, nil, nil, fmt.Errorf("reconciliation read: %w", err)
	}
	ds.Estimates = append(ds.Estimates, checkEstimate(reconcileName, est, ds.Reconcile.SentByCategory, c.Plan))
	for _, e := range ds.Estimates {
		logf("  quota estimate of the %s read: estimated %v, sent %v, probe %v, within 10%%: %v", e.Read, e.Estimated, e.Sent, e.Probe, e.Within)
	}
	return first, daily, st, nil
}

// laterReads is how many daily reads follow the first daily read: the
// first of them is estimated from the counts of a daily read that followed
// a full read (its lookback re-read the generated history's last day), the
// second from those of a daily read like it.
const laterReads = 2

func laterName(i int) string { return fmt.Sprintf("daily %d (incremental)", i+2) }

// reconcileDay is the day after the full read of the reconciliation read,
// the read after the later ones: reconcile_days of the daily sync.
const reconcileDay = laterReads + 2

var reconcileName = fmt.Sprintf("daily %d (reconciliation)", reconcileDay)

// estimate is the quota estimate of a read of TruthStreams (every stream
// incremental that can be) from st, with the change-driven rules of v's
// config, beginning at the simulator's clock, as the connector makes it.
func (v *living) estimate(st *state.State) *quotapkg.Estimate {
	return quotapkg.Make(quotapkg.Read{Selected: zoomsim.TruthStreams, Incremental: incrementalAll(), State: st,
		SettleDays: v.cfg.SettleDays, ReconcileDays: v.cfg.ReconcileDays, Now: v.sim.Clock()}, nil)
}

func incrementalAll() map[string]bool {
	inc := map[string]bool{}
	for _, s := range streams.Zoom() {
		inc[s.Name] = s.Incremental()
	}
	return inc
}

// String summarises the measurement in one line.
func (d *DailySync) String() string {
	return fmt.Sprintf("daily sync of %s (%s activity, %s): first read %d requests (floor %.0fs), daily read %d requests, %.1f%% of the Heavy daily quota, floor %.0fs, wall %.0fs",
		d.Dataset, d.Activity, d.Plan, d.First.SentTotal, d.First.FloorSeconds, d.Daily.SentTotal, 100*d.Daily.HeavyShare, d.Daily.FloorSeconds, d.Daily.WallSeconds)
}

// sharePct renders a category's DailyShare, bold when over DailyTarget.
func (d *DailySync) sharePct(c string) string {
	v, ok := d.DailyShare[c]
	if !ok {
		return "—"
	}
	if v > DailyTarget {
		return fmt.Sprintf("**%.1f%%** (over)", 100*v)
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

// living is a simulator of a living account and a connector client for it.
type living struct {
	dataset string
	sim     *zoomsim.Server
	l       *zoomsim.Listening
	cfg     *config.Config
	host    string
}

func startLiving(dir string, c DailySyncCase, start time.Time, plan string, latency time.Duration) (*living, error) {
	srv, err := zoomsim.NewServer(zoomsim.Options{Dataset: c.Dataset, Seed: c.Seed, Plan: plan, Latency: latency,
		Start: start, Life: zoomsim.LifeOptions{Activity: c.Activity}})
	if err != nil {
		return nil, err
	}
	l, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(l.URL)
	path := filepath.Join(dir, "daily-"+plan+".json")
	if err := writeConfig(path, srv.Config(l.URL), plan, c.MaxConcurrency, 300); err != nil {
		l.Close()
		return nil, err
	}
	cfg, _, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		l.Close()
		return nil, err
	}
	return &living{dataset: c.Dataset, sim: srv, l: l, cfg: cfg, host: u.Host}, nil
}

func (v *living) close() { _ = v.l.Close() }

// recordCounter counts records and discards them.
type recordCounter struct{ n atomic.Int64 }

func (s *recordCounter) Write(string, json.RawMessage) error { s.n.Add(1); return nil }
func (s *recordCounter) Commit() error                       { return nil }

// stateEvents keeps the last state a read reports, and measures them all.
type stateEvents struct {
	sizeEvents
	last *state.State
}

func (e *stateEvents) State(st *state.State) error {
	e.last = st.Clone()
	return e.sizeEvents.State(st)
}

// read reads every stream, incrementally where a stream can be, from st
// (nil: a first read), and returns its counts and final state.
func (v *living) read(ctx context.Context, st *state.State, concurrency int) (*DailyRead, *state.State, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := connector.NewClient(v.cfg, []string{v.host}, log)
	if err != nil {
		return nil, nil, err
	}
	v.sim.Counters().Reset()
	sizes := &StateSize{Dataset: v.dataset}
	ev := &stateEvents{sizeEvents: sizeEvents{m: sizes, last: map[string][]byte{}}}
	sink := &recordCounter{}
	began := time.Now()
	sum, err := engine.Read(ctx, client, sink, ev, v.options(st, concurrency, log))
	if err != nil {
		return nil, nil, err
	}
	snap := v.sim.Counters().Snapshot()
	r := &DailyRead{Records: sink.n.Load(), SentByCategory: map[string]int{}, SentTotal: snap.TotalRequests,
		WallSeconds: time.Since(began).Seconds(), Limited429: snap.Limited429, States: sizes}
	sizes.Records, sizes.Seconds = r.Records, r.WallSeconds
	for k, n := range snap.ByCategory {
		r.SentByCategory[string(k)] = n
	}
	for _, s := range sum.Streams {
		if s.Status != engine.StatusComplete {
			r.Incomplete = append(r.Incomplete, s.Name)
		}
	}
	sort.Strings(r.Incomplete)
	return r, ev.last, nil
}

// options are the engine's options of a read of every stream of the truth,
// incremental where a stream can be, from st.
func (v *living) options(st *state.State, concurrency int, log *slog.Logger) engine.ReadOptions {
	return engine.ReadOptions{
		Streams: zoomsim.TruthStreams, Incremental: incrementalAll(), State: st, MaxConcurrency: concurrency, PageSize: 300,
		Lookback: 24 * time.Hour, CommitInterval: time.Second, Log: log, Now: v.sim.Clock,
		Changes: &engine.ChangeRules{SettleDays: v.cfg.SettleDays, ReconcileDays: v.cfg.ReconcileDays},
	}
}

// probe is the quota estimate the connector makes before a first read on
// plan: engine.Probe's sample, its own requests counted apart.
func (v *living) probe(ctx context.Context, concurrency int, plan string) (*quotapkg.Estimate, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := connector.NewClient(v.cfg, []string{v.host}, log)
	if err != nil {
		return nil, err
	}
	res, err := engine.Probe(ctx, client, v.options(nil, concurrency, log), quotapkg.ProbeSamples(plan))
	if err != nil {
		return nil, err
	}
	est := quotapkg.Make(quotapkg.Read{Selected: zoomsim.TruthStreams, Incremental: incrementalAll()}, res.Streams)
	est.Probe = res.Sent
	return est, nil
}

// markdown renders the daily-sync section of the report.
func (d *DailySync) markdown() string {
	if d == nil {
		return ""
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("## Daily sync cost\n\n")
	if d.RemeasuredAt != "" {
		p("*Measured on its own at %s (`zoombench --daily-sync-only --into`), after the rest of this report.*\n\n", d.RemeasuredAt)
	}
	p("What running `read --state-file S` every day costs on the **%s** dataset at **%s** activity (the simulator's living account: %s changes in the simulated day between the reads), with the **%s** plan's limits. ", d.Dataset, d.Activity, thousands(int64(d.Changes)), d.Plan)
	p("The first read is a full read; the daily read runs one simulated day later with the first read's state and `lookback_days: 1`, every stream that can be incremental read incrementally, change-driven (`settle_days: %d`, `reconcile_days: %d`, no webhook store: meetings and webinars settled before the first read are not asked for again); %d more daily reads follow, a simulated day apart, each with the previous one's state", d.SettleDays, d.ReconcileDays, laterReads)
	if d.Reconcile != nil {
		p(", then a last one on day %d after the full read, which reconciles (it skips nothing as settled)", d.ReconcileDays)
	}
	p(". ")
	p("Requests are counted against a simulator without limits; the floor is the largest of requests ÷ per-second limit over the categories at the %s plan's limits", d.Plan)
	if d.Daily.WallSeconds > 0 {
		p("; the daily read's wall time is measured again against a simulator with those limits and a median latency of %s (same seed, start and day), `max_concurrency: %d`", d.LatencyMedian, d.MaxConcurrency)
	}
	p(".\n\n")
	p("| Read | Records | Light | Medium | Heavy | Resource-intensive | Total | Heavy share of the daily quota (%s) | Floor | Wall | Wall ÷ floor |\n|---|---|---|---|---|---|---|---|---|---|---|\n", thousands(int64(d.HeavyDailyQuota)))
	printRow := func(name string, r *DailyRead) {
		wall, ratio := "not measured (`--daily-wall`)", "—"
		if r != d.Daily {
			wall = "not measured"
		}
		if r.WallSeconds > 0 {
			wall, ratio = fmt.Sprintf("%.1f s", r.WallSeconds), fmt.Sprintf("%.2f×", r.Ratio)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | **%.1f%%** | %.1f s (%s) | %s | %s |\n", name, thousands(r.Records),
			thousands(int64(r.SentByCategory["Light"])), thousands(int64(r.SentByCategory["Medium"])), thousands(int64(r.SentByCategory["Heavy"])),
			thousands(int64(r.SentByCategory["Resource-intensive"])), thousands(int64(r.SentTotal)), 100*r.HeavyShare, r.FloorSeconds, r.FloorCategory, wall, ratio)
	}
	printRow("first (full)", d.First)
	printRow("daily (incremental)", d.Daily)
	p("| daily ÷ first (target ≤ %.0f%% per category) | %.1f%% | %s | %s | %s | %s | %.1f%% | | | | |\n", 100*DailyTarget,
		100*float64(d.Daily.Records)/float64(max(1, d.First.Records)),
		d.sharePct("Light"), d.sharePct("Medium"), d.sharePct("Heavy"), d.sharePct("Resource-intensive"),
		100*float64(d.Daily.SentTotal)/float64(max(1, d.First.SentTotal)))
	for i, r := range d.Later {
		printRow(laterName(i), r)
	}
	if d.Reconcile != nil {
		printRow(reconcileName, d.Reconcile)
	}
	p("\n")
	if st := d.First.States; st != nil {
		p("**State size.** During the first read (every stream, committing every second), the largest state file was **%s** and the largest Airbyte STATE message **%s** (%s), over %d states; a read in Airbyte mode would have emitted %d STATE messages totalling %s. Target: both ≤ 64 KiB whatever the account's size (issue 19; 6.2 MB and 2.8 MB before, for four streams).\n\n",
			kib(st.MaxFile), kib(st.MaxMessage), st.MaxStream, st.States, st.Messages, kib(int(st.MessageBytes)))
	}
	if len(d.Daily.Incomplete) > 0 {
		p("The paced daily read left incomplete: %s.\n\n", strings.Join(d.Daily.Incomplete, ", "))
	}
	b.WriteString(d.estimatesMarkdown())
	return b.String()
}
