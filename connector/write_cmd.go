package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/zoom-connector/zoom-connector/connector/registrant"
	"github.com/zoom-connector/zoom-connector/connector/write"
	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/store"
)

// writeFlags are the write command's flags.
type writeFlags struct {
	common
	auth        authFlags
	catalog     string
	input       string
	inputFormat string
	results     string
	deadLetter  string
	ledger      string
	dryRun      bool
}

func (f *writeFlags) register(fs *pflag.FlagSet) {
	f.common.register(fs)
	f.auth.register(fs)
	f.auth.registerStore(fs)
	fs.StringVar(&f.catalog, "catalog", "", "configured catalog (Airbyte); rows are then Airbyte RECORD messages on stdin")
	fs.StringVar(&f.input, "input", "", "input file of rows, or - for stdin (instead of Airbyte messages)")
	fs.StringVar(&f.inputFormat, "input-format", "", "input format: jsonl, csv, parquet or arrow (default: from the file extension, else jsonl)")
	fs.StringVar(&f.results, "results", "", "results file: one JSON line per row")
	fs.StringVar(&f.deadLetter, "dead-letter", "", "dead-letter file: each rejected row as it came in, with _row and _error")
	fs.StringVar(&f.ledger, "ledger", "", "ledger file of confirmed registrations (append-only), or \"store\" for the serve store's (--store), which serve's /register shares; a re-run sends nothing twice")
	fs.BoolVar(&f.dryRun, "dry-run", false, "validate and plan, send nothing (same as dry_run in the config)")
}

// runWrite is the write command: it registers people for meetings and
// webinars from upstream rows (see package write).
func runWrite(ctx context.Context, args []string, stdio IO) error {
	var f writeFlags
	if _, err := parseFlags("write", args, stdio, f.register); err != nil {
		return err
	}
	switch {
	case f.input == "" && f.catalog == "":
		return usagef("--input FILE (or -) or --catalog F (Airbyte messages on stdin) is required")
	case f.input != "" && f.catalog != "":
		return usagef("--input and --catalog both name the input: use one")
	case f.inputFormat != "" && f.input == "":
		return usagef("--input-format needs --input")
	}
	cfg, log, err := f.setup(stdio)
	if err != nil {
		return err
	}
	if f.dryRun {
		cfg.DryRun = true
	}
	if err := write.CheckMapping(cfg.Mapping); err != nil {
		return configError(err)
	}
	opts := write.Options{Config: cfg, Log: log}
	closeInput, err := f.openInput(&opts, stdio)
	if err != nil {
		return usageError(err)
	}
	defer closeInput()
	if opts.Ledger, err = openLedger(ctx, f.ledger, f.auth.store, cfg, stdio); err != nil {
		return usageError(err)
	}
	if opts.Ledger != nil {
		defer opts.Ledger.Close()
	}
	closeOutputs, err := f.openOutputs(&opts)
	if err != nil {
		return usageError(err)
	}
	defer closeOutputs()
	sess, err := f.auth.open(ctx, &f.common, cfg, stdio, log, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	if opts.Client, err = sess.client(); err != nil {
		return err
	}
	sum, err := write.Run(ctx, opts)
	if sum != nil {
		fmt.Fprintln(stdio.Stderr, "zoom-connector "+sum.String())
	}
	switch {
	case err != nil && sum == nil:
		return usageError(err)
	case err != nil:
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("stopped: %w", err)
	case sum.Failed():
		return errFailed
	}
	return nil
}

// openInput sets opts.Source (and opts.States in Airbyte mode) from
// --catalog or --input.
func (f *writeFlags) openInput(opts *write.Options, stdio IO) (func(), error) {
	if f.catalog == "" {
		src, closeInput, err := write.OpenInput(f.input, f.inputFormat, stdio.Stdin)
		if err != nil {
			return nil, err
		}
		opts.Source = src
		return func() { closeInput() }, nil
	}
	cat, err := airbyte.ParseConfiguredCatalog(f.catalog)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, s := range cat.Streams {
		names = append(names, s.Stream.Name)
	}
	opts.Source, opts.States = write.NewAirbyteSource(stdio.Stdin, names), stdio.Stdout
	return func() {}, nil
}

// openOutputs creates the --results and --dead-letter files.
func (f *writeFlags) openOutputs(opts *write.Options) (func(), error) {
	var files []*os.File
	closeAll := func() {
		for _, file := range files {
			file.Close()
		}
	}
	for _, o := range []struct {
		path string
		w    *io.Writer
	}{{f.results, &opts.Results}, {f.deadLetter, &opts.DeadLetter}} {
		if o.path == "" {
			continue
		}
		file, err := os.OpenFile(o.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			closeAll()
			return nil, err
		}
		files = append(files, file)
		*o.w = file
	}
	return closeAll, nil
}

// LedgerInStore is the --ledger value that keeps the ledger in the serve
// store (--store, else $ZOOM_CONNECTOR_STORE, else the default file), the
// one serve's /register records in.
const LedgerInStore = "store"

// openLedger opens the write command's ledger: none, the file at flag, or
// the serve store's table (flag LedgerInStore). Closing the returned
// ledger closes what it opened.
func openLedger(ctx context.Context, flag, storeFlag string, cfg *config.Config, stdio IO) (registrant.Ledger, error) {
	switch flag {
	case "":
		return nil, nil
	case LedgerInStore:
		st, err := store.Open(ctx, storeLocation(storeFlag, stdio.Getenv))
		if err != nil {
			return nil, err
		}
		return storeLedger{StoreLedger: registrant.StoreLedger{Store: st, AccountID: cfg.AccountID}}, nil
	}
	return registrant.OpenFile(flag, cfg.DryRun)
}

// storeLedger is the store's ledger of the write command, which opened
// the store and closes it with the ledger.
type storeLedger struct{ registrant.StoreLedger }

// Close closes the store.
func (l storeLedger) Close() error { return l.Store.Close() }
