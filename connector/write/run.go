package write

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/zoom-connector/zoom-connector/connector/registrant"
	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// DefaultSegmentRows is how many valid rows of a file input are read before
// they are written to Zoom; it bounds memory. Airbyte input is cut at each
// STATE message instead (and at this size between them).
const DefaultSegmentRows = 10000

// DefaultMaxAttempts is how many times a request whose outcome stays
// unknown is sent (each retry after listing the target again).
const DefaultMaxAttempts = 3

// Options are the inputs of Run.
type Options struct {
	// Config supplies mapping, default_target, auto_approve,
	// send_confirmation_email, dry_run, max_concurrency and page_size.
	Config *config.Config
	// Client is the one Zoom client of the run (connector.NewClient).
	Client *zoomapi.Client
	// Source yields the rows.
	Source Source
	// Results receives one JSON line per row (see Result); nil for none.
	Results io.Writer
	// DeadLetter receives each rejected row as it came in, plus "_row" and
	// "_error"; nil for none. Deferred rows are not dead letters.
	DeadLetter io.Writer
	// States receives the Airbyte STATE messages of the input, each echoed
	// once every row before it is committed or dead-lettered (usually
	// stdout in Airbyte mode); nil drops them. Once a row is deferred, no
	// later STATE is echoed, so the platform sends that row again.
	States io.Writer
	// Ledger records confirmed registrations and actions
	// (registrant.OpenFile, or registrant.StoreLedger to share the serve
	// store's with /register); nil for none. Run does not close it.
	Ledger registrant.Ledger
	// Log receives counts and targets, never row data. Nil discards.
	Log *slog.Logger
	// MaxRegistrants is a meeting's registrant capacity (default
	// MaxRegistrants); negative disables the local check.
	MaxRegistrants int
	// SegmentRows overrides DefaultSegmentRows.
	SegmentRows int
	// MaxAttempts overrides DefaultMaxAttempts.
	MaxAttempts int
}

// engine is one run's shared state.
type engine struct {
	cfg            *config.Config
	client         *zoomapi.Client
	out            *outputs
	ledger         *journal
	log            *slog.Logger
	dryRun         bool
	maxRegistrants int
	maxAttempts    int
	pageSize       int

	mu      sync.Mutex
	targets map[TargetKey]*target
	// exhausted holds the rate-limit categories whose daily limit Zoom
	// reported: no request of one is sent for the rest of the run.
	exhausted zoomapi.DailyLimits
}

// Run validates and writes every row of opts.Source and returns what it
// did. Rows Zoom or validation rejected, and rows deferred for a temporary
// reason (Zoom's daily limit, errors that outlasted the retries), are
// counted in the Summary, not returned as an error: the error is for what stopped the run (unreadable
// input, bad credentials, a failed ledger write, cancellation), and the
// Summary then covers the rows handled before it.
//
// In dry run (Config.DryRun) Run reads the targets and their registrants
// but sends no write request and writes no ledger entry; rows it would send
// are reported as would_register with the method it would use.
func Run(ctx context.Context, opts Options) (*Summary, error) {
	if opts.Config == nil || opts.Client == nil || opts.Source == nil {
		return nil, errors.New("write: Config, Client and Source are required")
	}
	norm, err := newNormalizer(opts.Config)
	if err != nil {
		return nil, err
	}
	r := &run{e: newEngine(opts), norm: norm, segRows: opts.SegmentRows}
	if r.segRows <= 0 {
		r.segRows = DefaultSegmentRows
	}
	if opts.States != nil {
		r.states = airbyte.NewWriter(opts.States)
	}
	r.e.log.Info("write: starting", "dry_run", opts.Config.DryRun, "ledger_entries", r.e.ledger.size())
	for {
		it, err := opts.Source.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return r.finish(fmt.Errorf("read input: %w", err))
		}
		if err := r.item(ctx, it); err != nil {
			return r.finish(err)
		}
	}
	return r.finish(r.flush(ctx))
}

// newEngine is the shared state of a run of opts, with the defaults.
func newEngine(opts Options) *engine {
	cfg := opts.Config
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &engine{
		cfg: cfg, client: opts.Client, ledger: newJournal(opts.Ledger, cfg.DryRun), log: log, dryRun: cfg.DryRun,
		out:            newOutputs(opts.Results, opts.DeadLetter, cfg.DryRun),
		maxRegistrants: opts.MaxRegistrants, maxAttempts: opts.MaxAttempts, pageSize: cfg.PageSize,
		targets: map[TargetKey]*target{},
	}
	if e.maxRegistrants == 0 {
		e.maxRegistrants = MaxRegistrants
	}
	if e.maxAttempts <= 0 {
		e.maxAttempts = DefaultMaxAttempts
	}
	if e.pageSize <= 0 || e.pageSize > config.MaxPageSize {
		e.pageSize = config.MaxPageSize
	}
	return e
}

// run is one Run's progress through its input: the segment being
// gathered and the STATE messages echoed or held.
type run struct {
	e       *engine
	norm    *normalizer
	states  *airbyte.Writer
	segRows int
	seg     []*row
	echoed  int
	held    int
}

// item handles one input item: a STATE message, a malformed or invalid
// row (rejected at once), or a valid row added to the segment.
func (r *run) item(ctx context.Context, it Item) error {
	e := r.e
	if it.State != nil {
		return r.state(ctx, it.State)
	}
	if it.Err != nil {
		bad := &row{num: it.Row, raw: it.Raw, rawErr: it.RawText, bad: "malformed"}
		return e.out.result(bad, Result{Status: StatusRejected, Reason: it.Err.Error()})
	}
	rw, verr := r.norm.normalize(it.Data)
	if verr != nil {
		bad := &row{num: it.Row, raw: it.Raw, bad: "invalid", fields: map[string]any{}}
		if em, ok := it.Data["email"].(string); ok {
			bad.fields["email"] = em
		}
		return e.out.result(bad, Result{Status: StatusRejected, Reason: verr.Error()})
	}
	rw.num, rw.raw = it.Row, it.Raw
	r.seg = append(r.seg, rw)
	if len(r.seg) >= r.segRows {
		return r.flush(ctx)
	}
	return nil
}

// state writes the rows before a STATE message, then echoes it, unless a
// row before it was deferred: echoing would tell the platform that row is
// done, and it would never be sent again, so this and every later STATE
// is held.
func (r *run) state(ctx context.Context, st *airbyte.AirbyteStateMessage) error {
	if err := r.flush(ctx); err != nil {
		return err
	}
	if r.e.out.deferred() > 0 {
		if r.held == 0 {
			r.e.log.Warn("write: rows were deferred; STATE messages from here on are not echoed, so the platform sends those rows again",
				"deferred", r.e.out.deferred())
		}
		r.held++
		return nil
	}
	if r.states != nil {
		if err := r.states.WriteState(*st); err != nil {
			return fmt.Errorf("echo state: %w", err)
		}
	}
	r.echoed++
	return nil
}

// flush writes the segment gathered so far, then the ledger's held
// entries and the outputs.
func (r *run) flush(ctx context.Context) error {
	e := r.e
	err := e.process(ctx, r.seg)
	r.seg = nil
	if lerr := e.ledger.flushPending(); err == nil && !e.dryRun {
		err = lerr
	}
	if ferr := e.out.flush(); err == nil {
		err = ferr
	}
	return err
}

// finish flushes the outputs and returns the summary with err.
func (r *run) finish(err error) (*Summary, error) {
	e := r.e
	if ferr := e.out.flush(); err == nil {
		err = ferr
	}
	if cols := r.norm.unknownColumns(); len(cols) > 0 {
		e.log.Warn("write: input columns ignored (no registrant field of that name and no mapping)", "columns", cols)
	}
	s := e.out.summary()
	s.StatesEchoed, s.StatesHeld = r.echoed, r.held
	e.log.Info("write: done", "rows", s.Rows, "registered", s.Registered, "already_registered", s.AlreadyRegistered,
		"applied", s.Applied, "already_done", s.AlreadyDone, "not_found", s.NotFound,
		"rejected", s.Rejected, "deferred", s.Deferred, "would_register", s.WouldRegister, "requests", s.Requests)
	return s, err
}

// process writes one segment: its targets concurrently (up to
// max_concurrency), each target's rows in order.
func (e *engine) process(ctx context.Context, rows []*row) error {
	if len(rows) == 0 {
		return nil
	}
	groups := map[TargetKey][]*row{}
	var order []TargetKey
	for _, r := range rows {
		if _, ok := groups[r.target]; !ok {
			order = append(order, r.target)
		}
		groups[r.target] = append(groups[r.target], r)
	}
	g, gctx := errgroup.WithContext(ctx)
	limit := e.cfg.MaxConcurrency
	if limit <= 0 {
		limit = config.DefaultMaxConcurrency
	}
	g.SetLimit(limit)
	for _, k := range order {
		t := e.target(k)
		rs := groups[k]
		g.Go(func() error { return e.runTarget(gctx, t, rs) })
	}
	return g.Wait()
}

// target returns the state of a target, created on first use.
func (e *engine) target(k TargetKey) *target {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.targets[k]
	if !ok {
		t = &target{key: k, existing: map[string]listing{}, done: map[string]listing{}}
		e.targets[k] = t
	}
	return t
}

// decodeJSON decodes b into v keeping numbers exact.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
