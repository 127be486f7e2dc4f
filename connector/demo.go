package connector

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// runDemo is the demo command: it starts the embedded Zoom simulator on
// 127.0.0.1, reads every stream from it to Parquet, and prints a table of
// streams, records and files. No Zoom account is needed.
func runDemo(ctx context.Context, args []string, stdio IO) int {
	var (
		c       common
		out     string
		dataset string
		format  string
	)
	_, err := parseFlags("demo", args, stdio, func(fs *flagSet) {
		fs.StringVar(&out, "output", "demo-output", "folder for the files")
		fs.StringVar(&dataset, "dataset", "small", "simulated dataset: tiny, small or large")
		fs.StringVar(&format, "format", FormatParquet, "jsonl, arrow or parquet")
		fs.StringVar(&c.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	})
	if err != nil {
		return flagsFailed(stdio, "demo", err)
	}
	if format == FormatAirbyte {
		fmt.Fprintln(stdio.Stderr, "zoom-connector demo: --format must be jsonl, arrow or parquet (the demo writes files)")
		return ExitUsage
	}
	log, err := c.logger(stdio.Stderr)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "zoom-connector demo: %v\n", err)
		return ExitUsage
	}
	sim, err := zoomsim.NewServer(zoomsim.Options{Dataset: dataset, Seed: 1, Plan: "unlimited"})
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "zoom-connector demo: %v\n", err)
		return ExitUsage
	}
	l, err := sim.Listen("127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "zoom-connector demo: %v\n", err)
		return ExitFail
	}
	defer l.Close()
	sc := sim.Config(l.URL)
	cfg := config.Default()
	cfg.APIBaseURL, cfg.OAuthTokenURL, cfg.ValidationURL = sc.APIBaseURL, sc.OAuthTokenURL, sc.ValidationURL
	cfg.AccountID, cfg.ClientID, cfg.ClientSecret = sc.AccountID, sc.ClientID, config.Secret(sc.ClientSecret)
	cfg.Plan = config.PlanUnlimited
	u, _ := url.Parse(l.URL)
	allow := []string{u.Host}

	fmt.Fprintf(stdio.Stdout, "zoom-connector demo: simulated Zoom account (%s dataset) at %s\n", dataset, l.URL)
	d := Diagnose(ctx, cfg, allow, log)
	fmt.Fprintf(stdio.Stdout, "credentials: %s\n", d.Summary)
	if !d.OK {
		return ExitFail
	}
	client, err := NewClient(cfg, allow, log)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "zoom-connector demo: %v\n", err)
		return ExitFail
	}
	job := &readJob{streams: streams.Names(), incremental: map[string]bool{}, state: state.New(),
		stateFile: filepath.Join(out, "state.json"), format: format, outputDir: out}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintf(stdio.Stderr, "zoom-connector demo: %v\n", err)
		return ExitFail
	}
	fmt.Fprintf(stdio.Stdout, "reading %d streams to %s files in %s ...\n\n", len(job.streams), format, out)
	start := time.Now()
	sum, err := runJob(ctx, client, cfg, job, stdio, log, nil)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "zoom-connector demo: %v\n", err)
		return ExitFail
	}
	elapsed := time.Since(start)
	counters := sim.Counters().Snapshot()

	files := map[string][]string{}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || e.Name() == "state.json" {
			continue
		}
		s := streamOfFile(e.Name())
		files[s] = append(files[s], e.Name())
	}
	tw := tabwriter.NewWriter(stdio.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tRECORDS\tSTATUS\tFILES")
	var total int64
	for _, r := range sum.Streams {
		sort.Strings(files[r.Name])
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.Name, r.Records, strings.ToLower(string(r.Status)), strings.Join(files[r.Name], " "))
		total += r.Records
	}
	_ = tw.Flush()
	fmt.Fprintf(stdio.Stdout, "\n%d records from %d streams in %s (%d API requests, %d token requests: the check and the read each got one); state in %s\n",
		total, len(sum.Streams), elapsed.Round(time.Millisecond), counters.TotalRequests, counters.TokenRequests, job.stateFile)
	if sum.Failed() {
		return ExitFail
	}
	return ExitOK
}

// streamOfFile maps an output file name ("meetings-00001.parquet",
// "users.jsonl") to its stream.
func streamOfFile(base string) string {
	name := strings.TrimSuffix(base, filepath.Ext(base))
	if i := strings.LastIndex(name, "-"); i > 0 && name[i+1:] != "" && strings.Trim(name[i+1:], "0123456789") == "" {
		name = name[:i]
	}
	return name
}
