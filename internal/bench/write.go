package bench

import (
	"bytes"
	"context"
	"encoding/csv"
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
	// batch_registrants call), "single" (rows with more fields, one add
	// each) or "status" (cancelling registrants, 30 to a status call).
	Mode    string  `json:"mode"`
	Rows    int     `json:"rows"`
	Targets int     `json:"targets"`
	Wall    float64 `json:"wall_seconds"`
	// Registered counts the registrants the simulator created.
	Registered int `json:"registered"`
	// StatusUpdates counts the registrants the "status" run cancelled, as
	// the simulator received them.
	StatusUpdates int `json:"status_updates,omitempty"`
	// PerSecond is registrants (or, for "status", status updates) per
	// second.
	PerSecond float64 `json:"registrants_per_second"`
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
	// once (three statuses, pages of 300), then one add per row (single),
	// one batch per 30 rows (batch) or one status call per 30 rows (status).
	Minimum map[string]int `json:"minimum"`
	// SentOnce is true when the simulator received exactly one request for
	// each row's person: one add (batch, single) or one cancel (status).
	SentOnce bool `json:"sent_once"`
	// Chain is the most requests one target needs (type, lists, writes);
	// Latency the median latency of each answer.
	Chain   int    `json:"chain"`
	Latency string `json:"latency_median"`
}

// writeTarget is a meeting or webinar the write benchmark registers for.
type writeTarget struct {
	kind string // meeting_id or webinar_id
	id   int64
}

// runWrite registers rows people, spread over the open, registration-enabled
// scheduled webinars (type 5) and meetings (type 2) of the small dataset,
// with the write command against a simulator with plan and latency. Mode
// "status" first registers them (not timed), then times a file that
// cancels every one of them: status updates, 30 a call.
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
	targets := openTargets(srv.Dataset(), srv.Now())
	if len(targets) == 0 {
		return nil, fmt.Errorf("the small dataset has no open scheduled meeting or webinar with registration")
	}
	u, _ := url.Parse(l.URL)
	w := writeCommand{dir: dir, mode: mode, rows: rows, targets: targets, host: u.Host,
		config: filepath.Join(dir, "config-write-"+mode+".json")}
	if err := writeConfig(w.config, srv.Config(l.URL), plan, concurrency, 0); err != nil {
		return nil, err
	}
	if mode == "status" {
		if _, err := w.run(ctx, "status-setup"); err != nil {
			return nil, err
		}
		srv.Counters().Reset()
	}
	// The minimum is counted before the timed run, on the registrants the
	// targets hold then (for status: those the setup registered too).
	minimum, chain := writeMinimum(srv.Dataset(), targetIDs(targets), rowsPerTarget(rows, len(targets)), mode)
	wall, err := w.run(ctx, mode)
	if err != nil {
		return nil, err
	}
	r, err := writeResult(srv, mode, rows, min(rows, len(targets)), wall, plan)
	if err != nil {
		return nil, err
	}
	r.Minimum, r.Chain, r.Latency = minimum, chain, latency.String()
	return r, nil
}

// openTargets are the meetings and webinars of d, webinars first, that
// take registrants at now: scheduled (type 2 or 5), licensed, not over,
// not deleted, registration enabled.
func openTargets(d *zoomsim.Dataset, now time.Time) []writeTarget {
	var targets []writeTarget
	for _, m := range append(append([]*zoomsim.Meeting{}, d.Webinars...), d.Meetings...) {
		if m.Deleted || !m.RegistrationEnabled() || !m.Licensed() || m.Over(now) || (m.Type != 2 && m.Type != 5) {
			continue
		}
		kind := "meeting_id"
		if m.Webinar {
			kind = "webinar_id"
		}
		targets = append(targets, writeTarget{kind, m.ID})
	}
	return targets
}

// targetIDs are the targets' meeting or webinar IDs, in order.
func targetIDs(targets []writeTarget) []int64 {
	ids := make([]int64, len(targets))
	for i, t := range targets {
		ids[i] = t.id
	}
	return ids
}

// rowsPerTarget counts the rows each target index gets when rows are dealt
// round-robin over n targets, as writeInput deals them.
func rowsPerTarget(rows, n int) map[int]int {
	per := map[int]int{}
	for i := 0; i < rows; i++ {
		per[i%n]++
	}
	return per
}

// writeCommand runs the connector's write command in this process for one
// benchmark run, against the simulator its config points at.
type writeCommand struct {
	dir, mode string
	rows      int
	targets   []writeTarget
	host      string // HOST:PORT for --allow-host
	config    string // path of the connector config file
}

// run writes the input of mode m (see writeInput), runs write on it and
// returns its wall time in seconds.
func (w writeCommand) run(ctx context.Context, m string) (float64, error) {
	input, _, err := writeInput(w.dir, w.mode, m, w.rows, w.targets)
	if err != nil {
		return 0, err
	}
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := connector.Main(ctx, []string{"write", "--config", w.config, "--allow-host", w.host, "--input", input,
		"--input-format", "csv", "--results", filepath.Join(w.dir, "results-"+m+".jsonl"),
		"--dead-letter", filepath.Join(w.dir, "dead-"+m+".jsonl"), "--log-level", "warn"},
		connector.IO{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	if code != connector.ExitOK {
		return 0, fmt.Errorf("write %s exited %d: %s", m, code, stderr.String())
	}
	return time.Since(start).Seconds(), nil
}

// writeInput writes the CSV of a run and returns its path. Modes: "batch"
// (email and names), "single" (plus a city, so each row is added alone),
// "status-setup" (as batch) and "status" (action cancel for the same
// people).
func writeInput(dir, people, mode string, rows int, targets []writeTarget) (string, int, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"meeting_id", "webinar_id", "email", "first_name", "last_name"}
	switch mode {
	case "single":
		header = append(header, "city")
	case "status":
		header = append(header, "action")
	}
	_ = w.Write(header)
	used := map[int]bool{}
	for i := 0; i < rows; i++ {
		t := targets[i%len(targets)]
		used[i%len(targets)] = true
		rec := []string{"", "", fmt.Sprintf("bench.%s.%d@example.com", people, i), "Bench", strconv.Itoa(i)}
		if t.kind == "meeting_id" {
			rec[0] = strconv.FormatInt(t.id, 10)
		} else {
			rec[1] = strconv.FormatInt(t.id, 10)
		}
		switch mode {
		case "single":
			rec = append(rec, "Lisbon")
		case "status":
			rec = append(rec, "cancel")
		}
		_ = w.Write(rec)
	}
	w.Flush()
	input := filepath.Join(dir, "rows-"+mode+".csv")
	return input, len(used), os.WriteFile(input, buf.Bytes(), 0o600)
}

// writeResult reads a write run's counts from the simulator and sets its
// floor: the largest of requests ÷ per-second limit over the categories.
func writeResult(srv *zoomsim.Server, mode string, rows, targets int, wall float64, plan string) (*WriteRun, error) {
	c := srv.Counters().Snapshot()
	r := &WriteRun{Mode: mode, Rows: rows, Targets: targets, Wall: wall, Registered: len(srv.CreatedRegistrants()),
		Requests: c.Requests, Light: c.ByCategory[zoomsim.Light], Medium: c.ByCategory[zoomsim.Medium],
		Heavy: c.ByCategory[zoomsim.Heavy], Limited429: c.Limited429}
	lim, err := zoomsim.PlanLimits(plan)
	if err != nil {
		return nil, err
	}
	for cat, n := range map[zoomsim.Category]int{zoomsim.Light: r.Light, zoomsim.Medium: r.Medium, zoomsim.Heavy: r.Heavy} {
		if rate := lim.PerSecond[cat]; rate > 0 {
			r.FloorSeconds = math.Max(r.FloorSeconds, float64(n)/float64(rate))
		}
	}
	done, sent := r.Registered, srv.AddsReceived()
	if mode == "status" {
		sent = map[string]int{}
		for _, call := range srv.LifecycleCalls() {
			if call.Action == "cancel" {
				r.StatusUpdates++
				sent[call.Target+"\n"+call.Email]++
			}
		}
		done = r.StatusUpdates
	}
	r.SentOnce = len(sent) == rows
	for _, n := range sent {
		if n != 1 {
			r.SentOnce = false
		}
	}
	r.PerSecond = float64(done) / wall
	if r.FloorSeconds > 0 {
		r.Ratio = wall / r.FloorSeconds
	}
	return r, nil
}

// String summarises a write run.
func (r *WriteRun) String() string {
	if r.Mode == "status" {
		return fmt.Sprintf("%s: %d status updates over %d targets in %.1fs = %.1f/s (Light %d, Medium %d, Heavy %d requests; floor %.1fs, %.2fx; %d 429s)",
			r.Mode, r.StatusUpdates, r.Targets, r.Wall, r.PerSecond, r.Light, r.Medium, r.Heavy, r.FloorSeconds, r.Ratio, r.Limited429)
	}
	return fmt.Sprintf("%s: %d registrants over %d targets in %.1fs = %.1f/s (Light %d, Medium %d, Heavy %d requests; floor %.1fs, %.2fx; %d 429s)",
		r.Mode, r.Registered, r.Targets, r.Wall, r.PerSecond, r.Light, r.Medium, r.Heavy, r.FloorSeconds, r.Ratio, r.Limited429)
}

// writeMinimum counts the fewest requests of a write of perTarget rows
// (by index in ids) before it runs, and the most one target needs: its
// type (Light), its registrants of each status listed (Medium, pages of
// 300), then one add per row (single, Light), one batch per 30 rows
// (batch, Heavy) or one status call per 30 rows (status, Medium).
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
		switch mode {
		case "batch":
			req["Heavy"] += (n + 29) / 30
			chain += (n + 29) / 30
		case "status":
			req["Medium"] += (n + 29) / 30
			chain += (n + 29) / 30
		default:
			req["Light"] += n
			chain += n
		}
		longest = max(longest, chain)
	}
	return req, longest
}
