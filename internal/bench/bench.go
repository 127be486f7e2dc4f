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
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "zoombench: "+format+"\n", args...)
		}
	}
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
	rep := &Report{Machine: ThisMachine(), Quick: o.Quick, ThroughputRepeat: o.ThroughputRepeat, StartedAt: start.UTC().Format(time.RFC3339)}

	bin := o.ConnectorBin
	if bin == "" {
		logf("building ./cmd/zoom-connector")
		b, err := buildConnector(ctx, dir)
		if err != nil {
			return nil, err
		}
		bin = b
	}

	// 1. Rate-limited sync, and the quota of a full read of the quota dataset.
	logf("rate-limited read: %s dataset, %s plan, latency %s, max_concurrency %d", o.Dataset, o.Plan, o.Latency, o.MaxConcurrency)
	sc := syncCase{dataset: o.Dataset, seed: o.Seed, plan: o.Plan, latency: o.Latency, concurrency: o.MaxConcurrency,
		pageSize: o.PageSize, streams: o.Streams}
	s, err := runSync(ctx, filepath.Join(dir, "sync"), sc)
	if err != nil {
		return nil, fmt.Errorf("rate-limited read: %w", err)
	}
	rep.Sync = s
	logf("  %s", s)
	q, err := quota(o.QuotaDataset, o.Seed, o.Plan, o.PageSize)
	if err != nil {
		return nil, err
	}
	rep.Quota = q

	// 2. One request at a time.
	logf("baseline: %s dataset at max_concurrency 1", o.BaselineDataset)
	bc := sc
	bc.dataset, bc.concurrency = o.BaselineDataset, 1
	b, err := runSync(ctx, filepath.Join(dir, "baseline"), bc)
	if err != nil {
		return nil, fmt.Errorf("baseline read: %w", err)
	}
	logf("  %s", b)
	rep.Baseline = &Baseline{Run: b, Extrapolated: o.BaselineDataset != o.Dataset,
		SecondsPerRequest: b.WallSeconds / float64(b.SentTotal)}
	rep.Baseline.Seconds = b.WallSeconds
	if rep.Baseline.Extrapolated {
		rep.Baseline.Seconds = rep.Baseline.SecondsPerRequest * float64(s.SentTotal)
	}
	rep.Baseline.Speedup = rep.Baseline.Seconds / s.WallSeconds

	// 3. Throughput per format, then the profile.
	for _, f := range Formats {
		var runs []*ChildRead
		for i := 0; i < o.ThroughputRepeat; i++ {
			r, err := childRead(ctx, bin, filepath.Join(dir, "throughput"), o.ThroughputDataset, o.Seed, nil, f, 8)
			if err != nil {
				return nil, fmt.Errorf("throughput %s: %w", f, err)
			}
			runs = append(runs, r)
		}
		m := median(runs)
		logf("throughput %s: %d records in %.2fs = %.0f records/s, %.1f µs CPU/record (connector)", f, m.Records, m.WallSeconds, m.RecordsPerSecond(), m.CPUMicrosPerRecord())
		rep.Throughput = append(rep.Throughput, m)
	}
	logf("profiling an in-process Parquet read of the %s dataset", o.ThroughputDataset)
	p, err := profileRead(ctx, filepath.Join(dir, "profile"), o.ThroughputDataset, o.Seed, nil, "parquet", 8, o.ProfilePath)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	rep.Profile = p

	// 4. Memory.
	for _, mc := range o.Memory {
		logf("memory: %s (%s dataset, streams %s)", mc.Label, mc.Dataset, streamList(mc.Streams))
		r, err := childRead(ctx, bin, filepath.Join(dir, "memory"), mc.Dataset, o.Seed, mc.Streams, "parquet", 8)
		if err != nil {
			return nil, fmt.Errorf("memory %s: %w", mc.Label, err)
		}
		logf("  %d records in %.1fs, peak RSS %.1f MiB", r.Records, r.WallSeconds, mib(r.PeakRSSBytes))
		rep.Memory = append(rep.Memory, &MemoryResult{Case: mc, Read: r})
	}

	// 5. Write.
	batchRows, singleRows := 1200, 400
	if o.Quick {
		batchRows, singleRows = 90, 30
	}
	logf("write: %d rows in batches, %d single adds, %s plan, latency %s", batchRows, singleRows, o.Plan, o.Latency)
	wb, err := runWrite(ctx, filepath.Join(dir, "write"), "batch", batchRows, o.Plan, o.Latency, o.MaxConcurrency)
	if err != nil {
		return nil, fmt.Errorf("write batch: %w", err)
	}
	logf("  %s", wb)
	ws, err := runWrite(ctx, filepath.Join(dir, "write"), "single", singleRows, o.Plan, o.Latency, o.MaxConcurrency)
	if err != nil {
		return nil, fmt.Errorf("write single: %w", err)
	}
	logf("  %s", ws)
	wst, err := runWrite(ctx, filepath.Join(dir, "write"), "status", batchRows, o.Plan, o.Latency, o.MaxConcurrency)
	if err != nil {
		return nil, fmt.Errorf("write status: %w", err)
	}
	logf("  %s", wst)
	rep.Write = WriteResult{Measured: true, Batch: wb, Single: ws, Status: wst}

	// 6. The cost of a daily sync.
	if !o.SkipDailySync {
		ds, err := RunDailySync(ctx, filepath.Join(dir, "daily"), o.dailyCase())
		if err != nil {
			return nil, fmt.Errorf("daily sync: %w", err)
		}
		rep.DailySync = ds
	}
	rep.WallSeconds = time.Since(start).Seconds()
	return rep, nil
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
