package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// Options select what a Run measures. Zero fields take the defaults that
// Defaults (or, with Quick, QuickDefaults) sets.
type Options struct {
	// Dataset, Plan, Latency, Streams, MaxConcurrency and PageSize shape
	// the rate-limited read (section 1).
	Dataset        string
	Plan           string
	Latency        time.Duration
	Streams        []string
	MaxConcurrency int
	PageSize       int
	// BaselineDataset is read at max_concurrency 1 (section 2); when it is
	// not Dataset, its time per request is extrapolated to the requests of
	// the section 1 read.
	BaselineDataset string
	// ThroughputDataset is read once per output format (section 3).
	ThroughputDataset string
	// ThroughputRepeat reads each format this many times; the median run
	// is reported.
	ThroughputRepeat int
	// Memory lists the reads whose peak RSS is measured (section 4).
	Memory []MemoryCase
	// QuotaDataset is the dataset whose Heavy requests are compared with
	// the plan's daily quota ("large", the dataset the issue names).
	QuotaDataset string
	// DailyDataset and DailyActivity shape the daily-sync cost (a first
	// full read and the incremental read a simulated day later; default
	// large and normal); DailyWall adds the daily read's paced rerun (its
	// wall time at the plan's limits: about 36 minutes on the large
	// dataset, so the default run leaves it out); SkipDailySync leaves out
	// the whole measurement.
	DailyDataset  string
	DailyActivity string
	DailyWall     bool
	SkipDailySync bool
	// Seed seeds every simulator.
	Seed int64
	// Quick selects tiny datasets and short reads (seconds), for tests.
	Quick bool
	// WorkDir holds configs, output files and the connector binary
	// (default: a temporary folder, removed afterwards).
	WorkDir string
	// ConnectorBin is a built zoom-connector; empty builds ./cmd/zoom-connector.
	ConnectorBin string
	// ProfilePath keeps the CPU profile there (default: not kept).
	ProfilePath string
	// Log receives progress lines (nil: none).
	Log io.Writer
}

// MemoryCase is one read whose peak RSS is measured.
type MemoryCase struct {
	Label   string   `json:"label"`
	Dataset string   `json:"dataset"`
	Streams []string `json:"streams"`
}

// Defaults fills o's zero fields with the default run's settings.
func (o *Options) Defaults() {
	if o.Quick {
		def(&o.Dataset, "tiny")
		def(&o.BaselineDataset, "tiny")
		def(&o.ThroughputDataset, "tiny")
		def(&o.QuotaDataset, "small")
		def(&o.DailyDataset, "tiny")
		if o.Latency == 0 {
			o.Latency = 5 * time.Millisecond
		}
		if o.Streams == nil {
			o.Streams = []string{"users", "meetings", "meeting_registrants", "past_meeting_instances", "report_daily", "report_activities"}
		}
		if o.Memory == nil {
			o.Memory = []MemoryCase{
				{Label: "tiny: report_activities", Dataset: "tiny", Streams: []string{"report_activities"}},
				{Label: "tiny: every stream", Dataset: "tiny"},
			}
		}
		if o.ThroughputRepeat == 0 {
			o.ThroughputRepeat = 1
		}
	}
	def(&o.Dataset, "small")
	def(&o.Plan, "business")
	def(&o.BaselineDataset, "tiny")
	def(&o.ThroughputDataset, "small")
	def(&o.QuotaDataset, "large")
	def(&o.DailyDataset, "large")
	def(&o.DailyActivity, "normal")
	if o.Latency == 0 {
		o.Latency = 120 * time.Millisecond
	}
	if o.MaxConcurrency == 0 {
		o.MaxConcurrency = 64
	}
	if o.PageSize == 0 {
		o.PageSize = 300
	}
	if o.ThroughputRepeat == 0 {
		o.ThroughputRepeat = 3
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Memory == nil {
		o.Memory = []MemoryCase{
			{Label: "~100,000 records", Dataset: "large", Streams: []string{"report_activities", "recordings"}},
			{Label: "~1,000,000 records", Dataset: "large", Streams: []string{"past_meeting_participants"}},
		}
	}
}

func def(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

// Formats are the output formats measured for throughput.
var Formats = []string{"airbyte", "jsonl", "arrow", "parquet"}

// Report is everything one Run measured.
type Report struct {
	Machine     Machine `json:"machine"`
	Quick       bool    `json:"quick"`
	Command     string  `json:"command"`
	StartedAt   string  `json:"started_at"`
	WallSeconds float64 `json:"wall_seconds"`
	// Sync is the rate-limited read; Quota compares the Heavy requests of
	// a full read of QuotaDataset with the plan's daily quota.
	Sync  *SyncResult `json:"rate_limited_sync"`
	Quota Quota       `json:"heavy_daily_quota"`
	// Baseline is the one-at-a-time read.
	Baseline *Baseline `json:"baseline"`
	// Throughput has one median read per format; Profile the CPU profile.
	Throughput []*ChildRead `json:"throughput"`
	// ThroughputRepeat is the runs per format the medians come from.
	ThroughputRepeat int      `json:"throughput_repeat"`
	Profile          *Profile `json:"profile"`
	// Memory has one read per MemoryCase.
	Memory []*MemoryResult `json:"memory"`
	// Write is the write benchmark, or why it was not measured.
	Write WriteResult `json:"write"`
	// DailySync is the cost of a daily sync (nil: not measured).
	DailySync *DailySync `json:"daily_sync,omitempty"`
}

// Quota is a full read's Heavy requests against the daily quota.
type Quota struct {
	Dataset string `json:"dataset"`
	Plan    string `json:"plan"`
	// Heavy counts Heavy and Resource-intensive requests of a full read.
	Heavy int `json:"heavy_requests"`
	// Daily is the plan's shared daily quota (0: none).
	Daily int `json:"daily_quota"`
	// Days is how many days of quota the read needs.
	Days     int  `json:"days"`
	Fits     bool `json:"fits"`
	Records  int  `json:"records,omitempty"`
	Requests int  `json:"requests"`
	// FloorSeconds is the read's per-second floor (ignoring the quota).
	FloorSeconds float64 `json:"floor_seconds"`
}

// Baseline is the read at max_concurrency 1.
type Baseline struct {
	Run *SyncResult `json:"run"`
	// Extrapolated is true when Run read a smaller dataset than the
	// rate-limited sync; SecondsPerRequest then scales it.
	Extrapolated      bool    `json:"extrapolated"`
	SecondsPerRequest float64 `json:"seconds_per_request"`
	// Seconds is the baseline's (estimated) time for the sync's read;
	// Speedup is Seconds over the sync's wall time.
	Seconds float64 `json:"seconds"`
	Speedup float64 `json:"speedup"`
}

// MemoryResult is one peak-RSS read.
type MemoryResult struct {
	Case MemoryCase `json:"case"`
	Read *ChildRead `json:"read"`
}

// WriteResult is the write benchmark: batch adds against single adds.
type WriteResult struct {
	Measured bool      `json:"measured"`
	Note     string    `json:"note,omitempty"`
	Batch    *WriteRun `json:"batch,omitempty"`
	Single   *WriteRun `json:"single,omitempty"`
	// Status is the status-update run (cancelling registrants, 30 a call).
	Status *WriteRun `json:"status,omitempty"`
}

// runs returns the runs measured, in report order.
func (w WriteResult) runs() []*WriteRun {
	var out []*WriteRun
	for _, r := range []*WriteRun{w.Batch, w.Single, w.Status} {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

// Run measures everything Options select and returns the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.Defaults()
	start := time.Now()
	dir := o.WorkDir
	if dir == "" {
		d, err := os.MkdirTemp("", "zoombench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	r := &runner{o: o, dir: dir, bin: o.ConnectorBin,
		rep: &Report{Machine: ThisMachine(), Quick: o.Quick, ThroughputRepeat: o.ThroughputRepeat, StartedAt: start.UTC().Format(time.RFC3339)}}
	if r.bin == "" {
		r.logf("building ./cmd/zoom-connector")
		b, err := buildConnector(ctx, dir)
		if err != nil {
			return nil, err
		}
		r.bin = b
	}
	steps := []func(context.Context) error{r.syncAndQuota, r.baseline, r.throughput, r.memory, r.write, r.dailySync}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	r.rep.WallSeconds = time.Since(start).Seconds()
	return r.rep, nil
}

// runner is one Run: its options, work folder, connector binary and the
// report its steps fill in, one section a step, in report order.
type runner struct {
	o   Options
	dir string
	bin string
	rep *Report
}

func (r *runner) logf(format string, args ...any) {
	if r.o.Log != nil {
		fmt.Fprintf(r.o.Log, "zoombench: "+format+"\n", args...)
	}
}

// syncCase is the rate-limited read of section 1.
func (r *runner) syncCase() syncCase {
	o := r.o
	return syncCase{dataset: o.Dataset, seed: o.Seed, plan: o.Plan, latency: o.Latency, concurrency: o.MaxConcurrency,
		pageSize: o.PageSize, streams: o.Streams}
}

// syncAndQuota is section 1: the rate-limited sync, and the quota of a full
// read of the quota dataset.
func (r *runner) syncAndQuota(ctx context.Context) error {
	o := r.o
	r.logf("rate-limited read: %s dataset, %s plan, latency %s, max_concurrency %d", o.Dataset, o.Plan, o.Latency, o.MaxConcurrency)
	s, err := runSync(ctx, filepath.Join(r.dir, "sync"), r.syncCase())
	if err != nil {
		return fmt.Errorf("rate-limited read: %w", err)
	}
	r.rep.Sync = s
	r.logf("  %s", s)
	q, err := quota(o.QuotaDataset, o.Seed, o.Plan, o.PageSize)
	if err != nil {
		return err
	}
	r.rep.Quota = q
	return nil
}

// baseline is section 2: one request at a time, extrapolated to the
// sync's requests when it read a smaller dataset.
func (r *runner) baseline(ctx context.Context) error {
	r.logf("baseline: %s dataset at max_concurrency 1", r.o.BaselineDataset)
	bc := r.syncCase()
	bc.dataset, bc.concurrency = r.o.BaselineDataset, 1
	b, err := runSync(ctx, filepath.Join(r.dir, "baseline"), bc)
	if err != nil {
		return fmt.Errorf("baseline read: %w", err)
	}
	r.logf("  %s", b)
	s := r.rep.Sync
	bl := &Baseline{Run: b, Extrapolated: r.o.BaselineDataset != r.o.Dataset,
		SecondsPerRequest: b.WallSeconds / float64(b.SentTotal)}
	bl.Seconds = b.WallSeconds
	if bl.Extrapolated {
		bl.Seconds = bl.SecondsPerRequest * float64(s.SentTotal)
	}
	bl.Speedup = bl.Seconds / s.WallSeconds
	r.rep.Baseline = bl
	return nil
}

// throughput is section 3: the median of ThroughputRepeat reads per
// format, then the CPU profile of an in-process Parquet read.
func (r *runner) throughput(ctx context.Context) error {
	o := r.o
	for _, f := range Formats {
		var runs []*ChildRead
		for i := 0; i < o.ThroughputRepeat; i++ {
			c, err := childRead(ctx, r.bin, filepath.Join(r.dir, "throughput"), o.ThroughputDataset, o.Seed, nil, f, 8)
			if err != nil {
				return fmt.Errorf("throughput %s: %w", f, err)
			}
			runs = append(runs, c)
		}
		m := median(runs)
		r.logf("throughput %s: %d records in %.2fs = %.0f records/s, %.1f µs CPU/record (connector)", f, m.Records, m.WallSeconds, m.RecordsPerSecond(), m.CPUMicrosPerRecord())
		r.rep.Throughput = append(r.rep.Throughput, m)
	}
	r.logf("profiling an in-process Parquet read of the %s dataset", o.ThroughputDataset)
	p, err := profileRead(ctx, filepath.Join(r.dir, "profile"), o.ThroughputDataset, o.Seed, nil, "parquet", 8, o.ProfilePath)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	r.rep.Profile = p
	return nil
}

// memory is section 4: the peak RSS of each MemoryCase's read.
func (r *runner) memory(ctx context.Context) error {
	for _, mc := range r.o.Memory {
		r.logf("memory: %s (%s dataset, streams %s)", mc.Label, mc.Dataset, streamList(mc.Streams))
		c, err := childRead(ctx, r.bin, filepath.Join(r.dir, "memory"), mc.Dataset, r.o.Seed, mc.Streams, "parquet", 8)
		if err != nil {
			return fmt.Errorf("memory %s: %w", mc.Label, err)
		}
		r.logf("  %d records in %.1fs, peak RSS %.1f MiB", c.Records, c.WallSeconds, mib(c.PeakRSSBytes))
		r.rep.Memory = append(r.rep.Memory, &MemoryResult{Case: mc, Read: c})
	}
	return nil
}

// write is section 5: batch adds, single adds and status updates.
func (r *runner) write(ctx context.Context) error {
	o := r.o
	batchRows, singleRows := 1200, 400
	if o.Quick {
		batchRows, singleRows = 90, 30
	}
	r.logf("write: %d rows in batches, %d single adds, %s plan, latency %s", batchRows, singleRows, o.Plan, o.Latency)
	w := WriteResult{Measured: true}
	for _, run := range []struct {
		mode string
		rows int
		into **WriteRun
	}{{"batch", batchRows, &w.Batch}, {"single", singleRows, &w.Single}, {"status", batchRows, &w.Status}} {
		res, err := runWrite(ctx, filepath.Join(r.dir, "write"), run.mode, run.rows, o.Plan, o.Latency, o.MaxConcurrency)
		if err != nil {
			return fmt.Errorf("write %s: %w", run.mode, err)
		}
		r.logf("  %s", res)
		*run.into = res
	}
	r.rep.Write = w
	return nil
}

// dailySync is section 6: the cost of a daily sync, unless skipped.
func (r *runner) dailySync(ctx context.Context) error {
	if r.o.SkipDailySync {
		return nil
	}
	ds, err := RunDailySync(ctx, filepath.Join(r.dir, "daily"), r.o.dailyCase())
	if err != nil {
		return fmt.Errorf("daily sync: %w", err)
	}
	r.rep.DailySync = ds
	return nil
}

// quota counts the Heavy requests of a full read of dataset.
func quota(dataset string, seed int64, plan string, pageSize int) (Quota, error) {
	d, err := zoomsim.Generate(dataset, seed, time.Now())
	if err != nil {
		return Quota{}, err
	}
	lim, err := zoomsim.PlanLimits(plan)
	if err != nil {
		return Quota{}, err
	}
	m := MinimumRequests(d, nil, pageSize, time.Now())
	q := Quota{Dataset: dataset, Plan: plan, Daily: lim.SharedHeavyDaily, Requests: m.Total,
		Heavy: m.ByCategory[string(zoomsim.Heavy)] + m.ByCategory[string(zoomsim.ResourceIntensive)]}
	q.FloorSeconds, _, _ = floor(m.ByCategory, perSecond(lim))
	q.Fits = q.Daily == 0 || q.Heavy <= q.Daily
	q.Days = 1
	if q.Daily > 0 {
		q.Days = (q.Heavy + q.Daily - 1) / q.Daily
	}
	return q, nil
}

func median(rs []*ChildRead) *ChildRead {
	s := append([]*ChildRead(nil), rs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j].WallSeconds < s[i].WallSeconds {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func streamList(s []string) string {
	if len(s) == 0 {
		return "all"
	}
	return strings.Join(s, ",")
}

// Machine describes where the benchmark ran.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemoryMiB int    `json:"memory_mib"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Date      string `json:"date"`
}

// ThisMachine reads the CPU model from /proc/cpuinfo and the memory from
// /proc/meminfo.
func ThisMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		Date: time.Now().UTC().Format("2006-01-02")}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				fmt.Sscanf(strings.TrimPrefix(l, "MemTotal:"), "%d", &kb)
			}
		}
		m.MemoryMiB = kb / 1024
	}
	if m.CPU == "" {
		m.CPU = "unknown"
	}
	return m
}

// dailyCase is the daily-sync measurement o selects.
func (o *Options) dailyCase() DailySyncCase {
	return DailySyncCase{Dataset: o.DailyDataset, Activity: o.DailyActivity, Plan: o.Plan, Seed: o.Seed,
		Latency: o.Latency, MaxConcurrency: o.MaxConcurrency, Wall: o.DailyWall, Log: o.Log}
}

// RunDailySyncOnly measures only the daily-sync cost, with o's defaults.
func RunDailySyncOnly(ctx context.Context, o Options) (*DailySync, error) {
	o.Defaults()
	dir, err := os.MkdirTemp("", "zoombench-daily-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	return RunDailySync(ctx, dir, o.dailyCase())
}

// DailySyncMarkdown renders the daily-sync section alone.
func DailySyncMarkdown(d *DailySync) string { return d.markdown() }
