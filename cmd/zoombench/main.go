// Command zoombench benchmarks zoom-connector against the Zoom simulator
// and writes the report: Markdown (BENCHMARKS.md) and JSON.
//
//	go run ./cmd/zoombench                 the default run (well under 15 minutes on 2 cores)
//	go run ./cmd/zoombench --quick         tiny datasets, seconds; figures not meaningful
//	go run ./cmd/zoombench --dataset large --streams report_meetings,report_users
//	go run ./cmd/zoombench --daily-sync-only --daily-wall   the daily-sync cost alone (large dataset, ~45 min)
//	go run ./cmd/zoombench --daily-sync-only --into BENCHMARKS.json   measure it again into the report
//
// See internal/bench for what each section measures.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/zoom-connector/zoom-connector/internal/bench"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := pflag.NewFlagSet("zoombench", pflag.ContinueOnError)
	var o bench.Options
	fs.StringVar(&o.Dataset, "dataset", "", "dataset of the rate-limited read: tiny, small or large (default small; quick: tiny)")
	fs.StringVar(&o.Plan, "plan", "", "plan of the rate-limited read: free, pro, business (default) or unlimited")
	fs.DurationVar(&o.Latency, "latency", 0, "median latency of the rate-limited reads (default 120ms; quick: 5ms)")
	fs.StringSliceVar(&o.Streams, "streams", nil, "streams of the rate-limited reads (default: every stream)")
	fs.IntVar(&o.MaxConcurrency, "max-concurrency", 0, "max_concurrency of the rate-limited read (default 64)")
	fs.StringVar(&o.BaselineDataset, "baseline-dataset", "", "dataset of the one-at-a-time read (default tiny, extrapolated per request)")
	fs.StringVar(&o.ThroughputDataset, "throughput-dataset", "", "dataset of the throughput reads (default small)")
	fs.IntVar(&o.ThroughputRepeat, "throughput-repeat", 0, "reads per format, the median is reported (default 3)")
	fs.BoolVar(&o.Quick, "quick", false, "tiny datasets and short reads: a few seconds, to exercise the code")
	fs.StringVar(&o.ConnectorBin, "connector", "", "a built zoom-connector binary (default: go build ./cmd/zoom-connector)")
	fs.StringVar(&o.ProfilePath, "cpuprofile", "", "keep the CPU profile of the Parquet read in this file")
	fs.StringVar(&o.DailyDataset, "daily-dataset", "", "dataset of the daily-sync cost (default large; quick: tiny)")
	fs.StringVar(&o.DailyActivity, "daily-activity", "", "the simulated account's activity between the two reads: low, normal (default) or high")
	fs.BoolVar(&o.DailyWall, "daily-wall", false, "also rerun the daily read at the plan's limits for its wall time (about 36 minutes on the large dataset)")
	dailyOnly := fs.Bool("daily-sync-only", false, "measure only the daily-sync cost and print its section on stdout (no report files)")
	md := fs.String("out", "BENCHMARKS.md", "Markdown report (- for stdout)")
	js := fs.String("json", "BENCHMARKS.json", "JSON report (empty: none)")
	render := fs.String("render", "", "measure nothing: write the Markdown report (--out) of this earlier JSON report, with the report code of this build")
	into := fs.String("into", "", "with --daily-sync-only: replace the daily-sync section of this earlier JSON report with the new measurement, write it back, and write its Markdown report (--out)")
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "zoombench: unexpected arguments %q\n", strings.Join(fs.Args(), " "))
		return 2
	}
	if *render != "" {
		return renderReport(*render, *md)
	}
	o.Log = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	if *dailyOnly {
		ds, err := bench.RunDailySyncOnly(ctx, o)
		if err != nil {
			fmt.Fprintf(os.Stderr, "zoombench: %v\n", err)
			return 1
		}
		if *into != "" {
			return replaceDailySync(*into, *md, ds, start)
		}
		fmt.Print(bench.DailySyncMarkdown(ds))
		fmt.Fprintf(os.Stderr, "zoombench: done in %s\n", time.Since(start).Round(time.Second))
		return 0
	}
	rep, err := bench.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zoombench: %v\n", err)
		return 1
	}
	rep.Command = "go run ./cmd/zoombench"
	if len(args) > 0 {
		rep.Command += " " + strings.Join(args, " ")
	}
	if *md == "-" {
		fmt.Print(rep.Markdown())
	} else if err := os.WriteFile(*md, []byte(rep.Markdown()), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "zoombench: %v\n", err)
		return 1
	}
	if *js != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*js, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "zoombench: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(os.Stderr, "zoombench: done in %s\n%s\n", time.Since(start).Round(time.Second), rep.Headline())
	return 0
}

// replaceDailySync puts ds, measured from start on, into the JSON report
// in path in place of its daily-sync section, writes the report back and
// its Markdown to md (- for stdout).
func replaceDailySync(path, md string, ds *bench.DailySync, start time.Time) int {
	rep, err := loadReport(path)
	if err != nil {
		return fail(err)
	}
	ds.RemeasuredAt = start.UTC().Format(time.RFC3339)
	rep.DailySync = ds
	out, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		return fail(err)
	}
	fmt.Fprintf(os.Stderr, "zoombench: daily sync measured again in %s\n", time.Since(start).Round(time.Second))
	return renderReport(path, md)
}

// renderReport writes the Markdown of the JSON report in path to md (- for
// stdout): after a change of the report's wording or targets, the figures
// of the run it was measured in are rendered again without measuring.
func renderReport(path, md string) int {
	rep, err := loadReport(path)
	if err != nil {
		return fail(err)
	}
	if md == "-" {
		fmt.Print(rep.Markdown())
		return 0
	}
	if err := os.WriteFile(md, []byte(rep.Markdown()), 0o644); err != nil {
		return fail(err)
	}
	return 0
}

// loadReport reads an earlier JSON report.
func loadReport(path string) (*bench.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep bench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &rep, nil
}

// fail says err on stderr and returns the exit status of a failed run.
func fail(err error) int {
	fmt.Fprintf(os.Stderr, "zoombench: %v\n", err)
	return 1
}
