package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/zoom-connector/zoom-connector/connector"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// WriteRun is one write of rows to registrants.
type WriteRun struct {
	// Mode is "batch" (rows with only email and names, sent 30 to a
	// batch_registrants call) or "single" (rows with more fields, one add
	// each).
	Mode    string  `json:"mode"`
	Rows    int     `json:"rows"`
	Targets int     `json:"targets"`
	Wall    float64 `json:"wall_seconds"`
	// Registered counts the registrants the simulator created.
	Registered int     `json:"registered"`
	PerSecond  float64 `json:"registrants_per_second"`
	// Requests by endpoint; Light, Medium and Heavy by category.
	Requests map[string]int `json:"requests"`
	Light    int            `json:"light"`
	Medium   int            `json:"medium"`
	Heavy    int            `json:"heavy"`
	// FloorSeconds is the fastest the plan's per-second limits allow for
	// the requests sent; Ratio is Wall over it.
	FloorSeconds float64 `json:"floor_seconds"`
	Ratio        float64 `json:"ratio"`
	Limited429   int     `json:"limited_429"`
	// Minimum is the fewest requests by category ("Light", "Medium",
	// "Heavy"): per target its type read once and its registrants listed
	// once (three statuses, pages of 300), then one add per row (single)
	// or one batch per 30 rows (batch).
	Minimum map[string]int `json:"minimum"`
	// SentOnce is true when the simulator received exactly one add for
	// each row's person.
	SentOnce bool `json:"sent_once"`
	// Chain is the most requests one target needs (type, lists, adds);
	// Latency the median latency of each answer.
	Chain   int    `json:"chain"`
	Latency string `json:"latency_median"`
}

// runWrite registers rows people, spread over the open, registration-enabled
// scheduled webinars (type 5) and meetings (type 2) of the small dataset,
// with the write command against a simulator with plan and latency.
func runWrite(ctx context.Context, dir, mode string, rows int, plan string, latency time.Duration, concurrency int) (*WriteRun, error) {
	srv, err := zoomsim.NewServer(zoomsim.Options{Dataset: "small", Seed: 1, Plan: plan, Latency: latency})
	if err != nil {
		return nil, err
	}
	l, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer l.Close()
	now := srv.Now()
	type target struct {
		kind string
		id   int64
	}
	var targets []target
	for _, m := range append(append([]*zoomsim.Meeting{}, srv.Dataset().Webinars...), srv.Dataset().Meetings...) {
		if m.Deleted || !m.RegistrationEnabled() || !m.Licensed() || m.Over(now) || (m.Type != 2 && m.Type != 5) {
			continue
		}
		kind := "meeting_id"
		if m.Webinar {
			kind = "webinar_id"
		}
		targets = append(targets, target{kind, m.ID})
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("the small dataset has no open scheduled meeting or webinar with registration")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"meeting_id", "webinar_id", "email", "first_name", "last_name"}
	if mode == "single" {
		header = append(header, "city")
	}
	_ = w.Write(header)
	used := map[int]bool{}
	perTarget := map[int]int{}
	for i := 0; i < rows; i++ {
		t := targets[i%len(targets)]
		used[i%len(targets)] = true
		perTarget[i%len(targets)]++
		rec := []string{"", "", fmt.Sprintf("bench.%s.%d@example.com", mode, i), "Bench", strconv.Itoa(i)}
		if t.kind == "meeting_id" {
			rec[0] = strconv.FormatInt(t.id, 10)
		} else {
			rec[1] = strconv.FormatInt(t.id, 10)
		}
		if mode == "single" {
			rec = append(rec, "Lisbon")
		}
		_ = w.Write(rec)
	}
	w.Flush()
	input := filepath.Join(dir, "rows-"+mode+".csv")
	if err := os.WriteFile(input, buf.Bytes(), 0o600); err != nil {
		return nil, err
	}
	sc := srv.Config(l.URL)
	u, _ := url.Parse(l.URL)
	cfg, _ := json.Marshal(map[string]any{
		"account_id": sc.AccountID, "client_id": sc.ClientID, "client_secret": sc.ClientSecret,
		"api_base_url": sc.APIBaseURL, "oauth_token_url": sc.OAuthTokenURL, "validation_url": sc.ValidationURL,
		"plan": plan, "max_concurrency": concurrency,
	})
	cfgPath := filepath.Join(dir, "config-write-"+mode+".json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return nil, err
	}
	ids := make([]int64, len(targets))
	for i, t := range targets {
		ids[i] = t.id
	}
	minimum, chain := writeMinimum(srv.Dataset(), ids, perTarget, mode)
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := connector.Main(ctx, []string{"write", "--config", cfgPath, "--allow-host", u.Host, "--input", input,
		"--input-format", "csv", "--results", filepath.Join(dir, "results-"+mode+".jsonl"),
		"--dead-letter", filepath.Join(dir, "dead-"+mode+".jsonl"), "--log-level", "warn"},
		connector.IO{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	wall := time.Since(start).Seconds()
	if code != connector.ExitOK {
		return nil, fmt.Errorf("write %s exited %d: %s", mode, code, stderr.String())
	}
	c := srv.Counters().Snapshot()
	r := &WriteRun{Mode: mode, Rows: rows, Targets: len(used), Wall: wall, Registered: len(srv.CreatedRegistrants()),
		Requests: c.Requests, Light: c.ByCategory[zoomsim.Light], Medium: c.ByCategory[zoomsim.Medium],
		Heavy: c.ByCategory[zoomsim.Heavy], Limited429: c.Limited429, Latency: latency.String(),
		Minimum: map[string]int{}, SentOnce: true}
	r.Minimum, r.Chain = minimum, chain
	adds := srv.AddsReceived()
	if len(adds) != rows {
		r.SentOnce = false
	}
	for _, n := range adds {
		if n != 1 {
			r.SentOnce = false
		}
	}
	lim, err := zoomsim.PlanLimits(plan)
	if err != nil {
		return nil, err
	}
	for cat, n := range map[zoomsim.Category]int{zoomsim.Light: r.Light, zoomsim.Medium: r.Medium, zoomsim.Heavy: r.Heavy} {
		if rate := lim.PerSecond[cat]; rate > 0 {
			r.FloorSeconds = math.Max(r.FloorSeconds, float64(n)/float64(rate))
		}
	}
	r.PerSecond = float64(r.Registered) / wall
	if r.FloorSeconds > 0 {
		r.Ratio = wall / r.FloorSeconds
	}
	return r, nil
}

// writeMinimum counts the fewest requests of a write of perTarget rows
// (by index in ids) before it runs, and the most one target needs: its
// type (Light), its registrants of each status listed (Medium, pages of
// 300), then one add per row (Light) or one batch per 30 rows (Heavy).
func writeMinimum(d *zoomsim.Dataset, ids []int64, perTarget map[int]int, mode string) (map[string]int, int) {
	req, longest := map[string]int{}, 0
	for ti, n := range perTarget {
		byStatus := map[string]int{}
		for _, reg := range d.Registrants(d.MeetingByID(ids[ti])) {
			byStatus[reg.Status]++
		}
		chain := 1
		req["Light"]++
		for _, st := range []string{"approved", "pending", "denied"} {
			p := max(1, (byStatus[st]+299)/300)
			req["Medium"] += p
			chain += p
		}
		if mode == "batch" {
			req["Heavy"] += (n + 29) / 30
			chain += (n + 29) / 30
		} else {
			req["Light"] += n
			chain += n
		}
		longest = max(longest, chain)
	}
	return req, longest
}

// String summarises a write run.
func (r *WriteRun) String() string {
	return fmt.Sprintf("%s: %d registrants over %d targets in %.1fs = %.1f/s (Light %d, Medium %d, Heavy %d requests; floor %.1fs, %.2fx; %d 429s)",
		r.Mode, r.Registered, r.Targets, r.Wall, r.PerSecond, r.Light, r.Medium, r.Heavy, r.FloorSeconds, r.Ratio, r.Limited429)
}
