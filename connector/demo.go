package connector

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/engine"
	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/output"
	"github.com/zoom-connector/zoom-connector/internal/state"
)

// DemoAccount is a simulated Zoom account the demo command reads from.
type DemoAccount struct {
	// URL is where the simulated Zoom listens (127.0.0.1).
	URL string
	// Config holds its endpoints and Server-to-Server credentials.
	Config *config.Config
	// Requests returns how many API and token requests it has answered.
	Requests func() (api, token int)
	// Close stops it.
	Close func() error
}

// DemoStarter starts the demo's simulated account with a dataset (tiny,
// small or large). The binary (cmd/zoom-connector) wires the simulator
// in, so this package does not link it.
type DemoStarter func(dataset string) (*DemoAccount, error)

// runDemo is the demo command: it starts the simulated Zoom account
// (stdio.Demo) on 127.0.0.1, reads every stream from it to Parquet, and
// prints a table of streams, records and files. No Zoom account is needed.
func runDemo(ctx context.Context, args []string, stdio IO) error {
	var (
		c       common
		out     string
		dataset string
		format  string
	)
	_, err := parseFlags("demo", args, stdio, func(fs *flagSet) {
		fs.StringVar(&out, "output", "demo-output", "folder for the files")
		fs.StringVar(&dataset, "dataset", "small", "simulated dataset: tiny, small or large")
		fs.StringVar(&format, "format", FormatParquet, strings.Join(output.FileFormats(), ", "))
		fs.StringVar(&c.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	})
	if err != nil {
		return err
	}
	if !output.IsFileFormat(format) {
		return usagef("--format must be %s (the demo writes files)", strings.Join(output.FileFormats(), ", "))
	}
	log, err := c.logger(stdio.Stderr)
	if err != nil {
		return usageError(err)
	}
	if stdio.Demo == nil {
		return errors.New("this build has no simulated Zoom account")
	}
	acct, err := stdio.Demo(dataset)
	if err != nil {
		return usageError(err)
	}
	defer acct.Close()
	cfg := acct.Config
	u, _ := url.Parse(acct.URL)
	allow := []string{u.Host}

	fmt.Fprintf(stdio.Stdout, "zoom-connector demo: simulated Zoom account (%s dataset) at %s\n", dataset, acct.URL)
	d := Diagnose(ctx, cfg, allow, log)
	fmt.Fprintf(stdio.Stdout, "credentials: %s\n", d.Summary)
	if !d.OK {
		return errFailed
	}
	client, err := NewClient(cfg, allow, log)
	if err != nil {
		return err
	}
	job := &readJob{streams: streams.ZoomNames(), incremental: map[string]bool{}, state: state.New(),
		stateFile: filepath.Join(out, "state.json"), format: format, outputDir: out}
	fmt.Fprintf(stdio.Stdout, "reading %d streams to %s files in %s ...\n\n", len(job.streams), format, out)
	start := time.Now()
	sum, err := runJob(ctx, client, cfg, job, stdio, log, nil)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	api, tokens := acct.Requests()
	total := demoTable(stdio, out, sum)
	fmt.Fprintf(stdio.Stdout, "\n%d records from %d streams in %s (%d API requests, %d token requests: the check and the read each got one); state in %s\n",
		total, len(sum.Streams), elapsed.Round(time.Millisecond), api, tokens, job.stateFile)
	if sum.Failed() {
		return errFailed
	}
	return nil
}

// demoTable prints the streams read, their records and files, and
// returns the records in all.
func demoTable(stdio IO, out string, sum *engine.Summary) int64 {
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
		total += r.Records
		sort.Strings(files[r.Name])
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.Name, r.Records, strings.ToLower(string(r.Status)), strings.Join(files[r.Name], " "))
	}
	_ = tw.Flush()
	return total
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
