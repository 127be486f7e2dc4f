package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sort"
	"time"

	"github.com/zoom-connector/zoom-connector/connector"
	"github.com/zoom-connector/zoom-connector/connector/engine"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// SyncResult is one measured read against a rate-limited simulator.
type SyncResult struct {
	Dataset        string   `json:"dataset"`
	Plan           string   `json:"plan"`
	LatencyMedian  string   `json:"latency_median"`
	MaxConcurrency int      `json:"max_concurrency"`
	PageSize       int      `json:"page_size"`
	Streams        []string `json:"streams"`
	// Records is what the read emitted (checked against the simulator's
	// truth, record by record: a read that differs fails the benchmark);
	// Incomplete names streams that did not complete.
	Records    int64    `json:"records"`
	Incomplete []string `json:"incomplete,omitempty"`
	// WallSeconds is the read's wall time, token request included.
	WallSeconds float64 `json:"wall_seconds"`
	// Sent counts the requests the simulator received, by endpoint and by
	// category, 429s included.
	Sent map[string]int `json:"sent_by_endpoint"`
	// Refused counts the 429s by endpoint.
	Refused        map[string]int `json:"refused_429_by_endpoint,omitempty"`
	SentByCategory map[string]int `json:"sent_by_category"`
	SentTotal      int            `json:"sent_total"`
	// Minimum is what a complete read needs.
	Minimum Minimum `json:"minimum"`
	// FloorSeconds is max over categories of minimum / per-second limit;
	// FloorCategory the category that sets it.
	FloorSeconds  float64            `json:"floor_seconds"`
	FloorCategory string             `json:"floor_category"`
	FloorBy       map[string]float64 `json:"floor_by_category_seconds"`
	Ratio         float64            `json:"wall_over_floor"`
	Limited429    int                `json:"limited_429"`
	Daily429      int                `json:"daily_429"`
	TokenRequests int                `json:"token_requests"`
}

// perSecond returns the plan's per-second rate of each category
// (Resource-intensive's per-minute limit divided by 60); 0 is unlimited.
func perSecond(l zoomsim.Limits) map[string]float64 {
	out := map[string]float64{}
	for c, v := range l.PerSecond {
		out[string(c)] = float64(v)
	}
	if l.ResourcePerMinute > 0 {
		out[string(zoomsim.ResourceIntensive)] = float64(l.ResourcePerMinute) / 60
	}
	return out
}

// floor returns the largest requests/rate over the categories.
func floor(byCat map[string]int, rates map[string]float64) (float64, string, map[string]float64) {
	by := map[string]float64{}
	best, which := 0.0, ""
	for _, c := range sortedKeys(byCat) {
		r := rates[c]
		if r <= 0 {
			continue
		}
		s := float64(byCat[c]) / r
		by[c] = s
		if s > best {
			best, which = s, c
		}
	}
	return best, which, by
}

// nopEvents ignores a read's events.
type nopEvents struct{}

func (nopEvents) StreamStatus(string, engine.StreamStatus, time.Time) {}
func (nopEvents) Estimate(string, int64)                              {}
func (nopEvents) State(*state.State) error                            { return nil }
func (nopEvents) StreamError(string, error)                           {}

// syncCase describes one rate-limited read.
type syncCase struct {
	dataset     string
	seed        int64
	plan        string
	latency     time.Duration
	concurrency int
	pageSize    int
	streams     []string
	timeout     time.Duration
}

// runSync starts a simulator for c and reads c.streams from it in this
// process through the real HTTP client and engine, and checks the records
// against the simulator's truth (an error when they differ).
func runSync(ctx context.Context, dir string, c syncCase) (*SyncResult, error) {
	sim, err := startSim(dir, c.dataset, c.seed, c.plan, c.latency, c.plan, c.concurrency, c.pageSize)
	if err != nil {
		return nil, err
	}
	defer sim.close()
	cfg, _, err := config.Load(sim.config, func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := connector.NewClient(cfg, []string{sim.host}, log)
	if err != nil {
		return nil, err
	}
	names := c.streams
	if len(names) == 0 {
		names = defaultStreams()
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	sink := newTruthSink()
	start := time.Now()
	sum, err := engine.Read(ctx, client, sink, nopEvents{}, engine.ReadOptions{
		Streams: names, MaxConcurrency: c.concurrency, PageSize: c.pageSize,
		CommitEvery: 1 << 30, CommitInterval: time.Hour, Log: log,
	})
	wall := time.Since(start)
	if err != nil && sum == nil {
		return nil, err
	}
	snap := sim.l.Counters().Snapshot()
	lim, err := zoomsim.PlanLimits(c.plan)
	if err != nil {
		return nil, err
	}
	r := &SyncResult{
		Dataset: c.dataset, Plan: c.plan, LatencyMedian: c.latency.String(), MaxConcurrency: c.concurrency,
		PageSize: c.pageSize, Streams: names, Records: sink.n, WallSeconds: wall.Seconds(),
		Sent: snap.Requests, Refused: snap.Refused429, SentByCategory: map[string]int{}, SentTotal: snap.TotalRequests,
		Limited429: snap.Limited429, Daily429: snap.Daily429, TokenRequests: snap.TokenRequests,
	}
	for k, v := range snap.ByCategory {
		r.SentByCategory[string(k)] = v
	}
	if sum != nil {
		for _, s := range sum.Streams {
			if s.Status != engine.StatusComplete {
				r.Incomplete = append(r.Incomplete, s.Name)
			}
		}
	}
	sort.Strings(r.Incomplete)
	if err := checkRecords(sink.got, sim.l.Truth(), c.streams); err != nil {
		return nil, fmt.Errorf("%s dataset, max_concurrency %d: %w (incomplete streams: %v)", c.dataset, c.concurrency, err, r.Incomplete)
	}
	r.Minimum = MinimumRequests(sim.l.Dataset(), c.streams, c.pageSize, time.Now())
	r.FloorSeconds, r.FloorCategory, r.FloorBy = floor(r.Minimum.ByCategory, perSecond(lim))
	if r.FloorSeconds > 0 {
		r.Ratio = r.WallSeconds / r.FloorSeconds
	}
	return r, nil
}

// Answered is the requests that were not refused with a 429.
func (r *SyncResult) Answered() int { return r.SentTotal - r.Limited429 - r.Daily429 }

// EndpointDiff is one endpoint whose answered requests differ from the
// minimum; Why says why its requests beyond the minimum could not return
// data, when the dataset's facts tell.
type EndpointDiff struct {
	Endpoint string `json:"endpoint"`
	Sent     int    `json:"sent"`
	Refused  int    `json:"refused_429,omitempty"`
	Minimum  int    `json:"minimum"`
	Why      string `json:"why,omitempty"`
}

// Answered is the endpoint's requests that were not refused with a 429.
func (d EndpointDiff) Answered() int { return d.Sent - d.Refused }

// Diffs lists the endpoints where the requests answered (sent minus 429s,
// which are retried) differ from the minimum.
func (r *SyncResult) Diffs() []EndpointDiff {
	keys := map[string]bool{}
	for k := range r.Sent {
		keys[k] = true
	}
	for k := range r.Minimum.ByEndpoint {
		keys[k] = true
	}
	var out []EndpointDiff
	for _, k := range sortedKeys(keys) {
		d := EndpointDiff{Endpoint: k, Sent: r.Sent[k], Refused: r.Refused[k], Minimum: r.Minimum.ByEndpoint[k]}
		if d.Answered() != d.Minimum {
			if d.Answered() > d.Minimum {
				d.Why = r.Minimum.Futile[k].Why
			}
			out = append(out, d)
		}
	}
	return out
}

// Waste is the requests answered beyond the minimum: requests that could
// not return data. Unavoidable counts those of them that only asking
// could tell apart (MinimumFormula).
func (r *SyncResult) Waste() (waste, unavoidable int) {
	for _, d := range r.Diffs() {
		extra := max(0, d.Answered()-d.Minimum)
		waste += extra
		if f := r.Minimum.Futile[d.Endpoint]; f.Unavoidable {
			unavoidable += min(extra, f.Requests)
		}
	}
	return waste, unavoidable
}

// RequestsMet reports whether every endpoint answered its minimum plus at
// most the futile requests that only asking tells apart.
func (r *SyncResult) RequestsMet() bool {
	for _, d := range r.Diffs() {
		f := r.Minimum.Futile[d.Endpoint]
		if d.Answered() < d.Minimum || !f.Unavoidable || d.Answered()-d.Minimum > f.Requests {
			return false
		}
	}
	return true
}

// tokenBudget is one token request per started hour of sync.
func tokenBudget(wall float64) int { return int(math.Max(1, math.Ceil(wall/3600))) }

// String summarises the read in one line.
func (r *SyncResult) String() string {
	return fmt.Sprintf("%s/%s: %d records in %.1fs (floor %.1fs, x%.2f), %d requests (minimum %d), %d 429s, %d token requests",
		r.Dataset, r.Plan, r.Records, r.WallSeconds, r.FloorSeconds, r.Ratio, r.SentTotal, r.Minimum.Total, r.Limited429+r.Daily429, r.TokenRequests)
}

// zoomsimPlan returns the plan's per-second rates by category name.
func zoomsimPlan(plan string) (map[string]float64, error) {
	l, err := zoomsim.PlanLimits(plan)
	if err != nil {
		return nil, err
	}
	return perSecond(l), nil
}
