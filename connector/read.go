package connector

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/zoom-connector/zoom-connector/connector/engine"
	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/output"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
	"github.com/zoom-connector/zoom-connector/spec"
)

// Output formats of the read command: Airbyte messages on stdout, or one
// of the file formats of the output registry (output.FileFormats).
const (
	FormatAirbyte = "airbyte"
	FormatJSONL   = output.FormatJSONL
	FormatArrow   = output.FormatArrow
	FormatParquet = output.FormatParquet
)

// formatNames lists every --format value.
func formatNames() string {
	return strings.Join(append([]string{FormatAirbyte}, output.FileFormats()...), ", ")
}

// readFlags are the read command's flags.
type readFlags struct {
	common
	auth      authFlags
	catalog   string
	stateIn   string
	stateFile string
	streams   []string
	format    string
	outputDir string
	// stores are the serve stores the read opened (accountStore).
	stores map[string]*accountStore
}

func (f *readFlags) register(fs *pflag.FlagSet) {
	f.common.register(fs)
	f.auth.register(fs)
	f.auth.registerStore(fs)
	fs.StringVar(&f.catalog, "catalog", "", "configured catalog (Airbyte) naming the streams and their sync modes")
	fs.StringVar(&f.stateIn, "state", "", "state to start from: Airbyte state messages or a zoom-connector state file")
	fs.StringVar(&f.stateFile, "state-file", "", "state file to start from (if it exists) and to keep up to date, atomically")
	fs.StringSliceVar(&f.streams, "streams", nil, "streams to read, comma-separated (default: every enabled stream)")
	fs.StringVar(&f.format, "format", FormatAirbyte, "output: airbyte (stdout), or "+strings.Join(output.FileFormats(), ", ")+" (files under --output)")
	fs.StringVar(&f.outputDir, "output", "", "folder for jsonl, arrow and parquet files")
}

// runRead is the read command.
func runRead(ctx context.Context, args []string, stdio IO) error {
	var f readFlags
	if _, err := parseFlags("read", args, stdio, f.register); err != nil {
		return err
	}
	cfg, log, err := f.setup(stdio)
	if err != nil {
		return err
	}
	job, err := f.plan(cfg)
	if err != nil {
		return usageError(err)
	}
	defer f.closeStores()                                // the serve store webhook_events and the change-driven rules share
	sources, err := f.sources(ctx, cfg, job, stdio, log) // webhook_events.go
	if err != nil {
		return err
	}
	if job.changes, err = f.changeRules(ctx, cfg, job, stdio, log); err != nil { // changes.go
		return err
	}
	var rot *AirbyteRotation
	if job.format == FormatAirbyte {
		rot = &AirbyteRotation{ConfigPath: f.configPath}
	}
	var client *zoomapi.Client
	if job.readsZoom() {
		sess, err := f.auth.open(ctx, &f.common, cfg, stdio, log, rot)
		if err != nil {
			return err
		}
		defer sess.Close()
		if client, err = sess.client(); err != nil {
			return err
		}
	}
	job.sources = sources
	sum, err := runJob(ctx, client, cfg, job, stdio, log, rot)
	if err != nil && sum != nil {
		log.Error("read stopped", "error", err)
		return errFailed
	}
	if err != nil {
		return err
	}
	if sum.Failed() {
		return errFailed
	}
	return nil
}

// readJob is a resolved read: which streams, how, and where to.
type readJob struct {
	streams     []string
	sources     map[string]engine.Source // readers of the streams that do not come from Zoom
	incremental map[string]bool
	changes     *engine.ChangeRules // change-driven reads (changes.go)
	state       *state.State
	stateFile   string
	format      string
	outputDir   string
}

// readsZoom reports whether the job reads a stream from Zoom's API (a read
// of webhook_events alone needs no Zoom credentials).
func (j *readJob) readsZoom() bool {
	for _, n := range j.streams {
		if s, ok := streams.ByName(n); ok && s.Source == streams.SourceZoom {
			return true
		}
	}
	return false
}

func (f *readFlags) plan(cfg *config.Config) (*readJob, error) {
	j := &readJob{incremental: map[string]bool{}, stateFile: f.stateFile, format: f.format, outputDir: f.outputDir}
	switch {
	case f.format == FormatAirbyte:
	case output.IsFileFormat(f.format):
		if f.outputDir == "" {
			return nil, fmt.Errorf("--format %s writes files: --output DIR is required", f.format)
		}
	default:
		return nil, fmt.Errorf("--format %q: want %s", f.format, formatNames())
	}
	if f.catalog != "" && len(f.streams) > 0 {
		return nil, errors.New("--catalog and --streams both name streams: use one")
	}
	var err error
	if f.catalog != "" {
		err = j.selectCatalog(f.catalog)
	} else {
		err = j.selectStreams(cfg, f.streams)
	}
	if err != nil {
		return nil, err
	}
	if len(j.streams) == 0 {
		return nil, errors.New("no stream selected")
	}
	j.state = state.New()
	if f.stateFile != "" {
		if j.state, err = state.Load(f.stateFile); err != nil {
			return nil, err
		}
	}
	if f.stateIn != "" {
		if j.state, err = loadStateInput(f.stateIn); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// selectCatalog selects the streams of the configured catalog at path,
// incremental where it says so.
func (j *readJob) selectCatalog(path string) error {
	cat, err := airbyte.ParseConfiguredCatalog(path)
	if err != nil {
		return err
	}
	var unknown []string
	for _, cs := range cat.Streams {
		s, ok := streams.ByName(cs.Stream.Name)
		if !ok {
			unknown = append(unknown, cs.Stream.Name)
			continue
		}
		j.streams = append(j.streams, s.Name)
		if cs.SyncMode == airbyte.SyncIncremental {
			if !s.Incremental() {
				return fmt.Errorf("catalog: stream %s supports full_refresh only", s.Name)
			}
			j.incremental[s.Name] = true
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("catalog names unknown streams: %s (known: %s)", strings.Join(unknown, ", "), strings.Join(streams.Names(), ", "))
	}
	return nil
}

// selectStreams selects the streams --streams names, or those selected by
// default (and enabled in the config) when it names none. Without a
// catalog, every stream that can be is incremental: its cursor is
// honoured when the state has one.
func (j *readJob) selectStreams(cfg *config.Config, names []string) error {
	if len(names) == 0 {
		for _, s := range streams.All() {
			if s.SelectedByDefault(cfg.Streams[s.Name].Enabled) {
				names = append(names, s.Name)
			}
		}
	}
	var unknown []string
	for _, n := range names {
		s, ok := streams.ByName(strings.TrimSpace(n))
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		j.streams = append(j.streams, s.Name)
		j.incremental[s.Name] = s.Incremental()
	}
	if len(unknown) > 0 {
		return fmt.Errorf("--streams names unknown streams: %s (known: %s)", strings.Join(unknown, ", "), strings.Join(streams.Names(), ", "))
	}
	return nil
}

// loadStateInput reads --state: a zoom-connector state document, or
// Airbyte per-stream STATE messages (a list or one), as Airbyte passes them.
func loadStateInput(path string) (*state.State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	if len(data) > state.MaxBytes {
		return nil, fmt.Errorf("state %s is %d bytes, more than the %d this connector accepts", path, len(data), state.MaxBytes)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return state.New(), nil
	}
	if trimmed[0] == '{' && bytes.Contains(trimmed, []byte(`"version"`)) && !bytes.Contains(trimmed, []byte(`"stream_descriptor"`)) {
		st, err := state.Parse(trimmed)
		if err != nil {
			return nil, fmt.Errorf("state %s: %w", path, err)
		}
		return st, nil
	}
	msgs, err := airbyte.DecodeState(trimmed)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	st := state.New()
	for i, m := range msgs {
		if m.Stream == nil {
			return nil, fmt.Errorf("state %s: message %d is not a per-stream (STREAM) state", path, i+1)
		}
		name := m.Stream.StreamDescriptor.Name
		if _, ok := streams.ByName(name); !ok {
			return nil, fmt.Errorf("state %s: unknown stream %q", path, name)
		}
		ss, err := state.ParseStream(m.Stream.StreamState)
		if err != nil {
			return nil, fmt.Errorf("state %s: stream %s: %w", path, name, err)
		}
		st.Streams[name] = ss
	}
	return st, nil
}

// commitPace is how many records and how long a read goes between
// commits: Airbyte output commits by flushing stdout, which is cheap; a
// file output commit closes a part file, so it happens less often. A
// configured checkpoint interval wins.
func commitPace(format string, checkpoint time.Duration) (int, time.Duration) {
	every, interval := 20000, 5*time.Second
	if format != FormatAirbyte {
		every, interval = 500000, time.Minute
	}
	if checkpoint > 0 {
		interval = checkpoint
	}
	return every, interval
}

// runJob runs a planned read with the job's output and reports.
func runJob(ctx context.Context, client *zoomapi.Client, cfg *config.Config, job *readJob, stdio IO, log *slog.Logger, rot *AirbyteRotation) (*engine.Summary, error) {
	var sink interface {
		engine.Sink
		Close() error
	}
	var aw *airbyte.Writer
	schemas, err := outputSchemas(job.streams)
	if err != nil {
		return nil, err
	}
	if job.format == FormatAirbyte {
		aw = rot.Writer(stdio.Stdout, airbyte.WithBufferSize(airbyteReadBuffer))
		sink = &airbyteSink{w: aw, schemas: schemas}
	} else {
		if err := os.MkdirAll(job.outputDir, 0o755); err != nil {
			return nil, fmt.Errorf("--output: %w", err)
		}
		if sink, err = output.Open(job.format, job.outputDir, schemas); err != nil {
			return nil, err
		}
	}
	ev := &readEvents{aw: aw, stateFile: job.stateFile, log: log, last: map[string][]byte{}, streams: map[string]bool{}}
	for _, n := range job.streams {
		ev.streams[n] = true
	}
	opts := readOptions(cfg, job, stdio, log)
	opts.Began = readClock(opts) // one instant for the estimate and the read
	announceQuota(ctx, client, cfg, job, opts, aw)
	opts.Progress = newProgressReporter(stdio.Stderr, log).update
	sum, err := engine.Read(ctx, client, sink, ev, opts)
	if cerr := sink.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close output: %w", cerr)
	}
	if sum != nil {
		for _, r := range sum.Streams {
			attrs := []any{"stream", r.Name, "records", r.Records, "skipped", r.Skipped, "status", string(r.Status)}
			if r.Err != nil {
				attrs = append(attrs, "error", r.Err.Error())
			}
			if !r.Reset.IsZero() {
				attrs = append(attrs, "rate_limit_resets", r.Reset.Format(time.RFC3339))
			}
			log.Info("stream done", attrs...)
		}
	}
	return sum, err
}

// readOptions are the engine's options of a planned read.
func readOptions(cfg *config.Config, job *readJob, stdio IO, log *slog.Logger) engine.ReadOptions {
	// start_date is not clamped here: each windowed stream moves it forward
	// to what Zoom keeps (reports: six months; recordings: no limit).
	start := cfg.StartDate
	if !start.IsZero() {
		if _, w := cfg.ClampStartDate(time.Now(), zoomapi.ReportRetention); w != nil {
			msg := "config: " + w.String()
			if start.Before(time.Now()) {
				msg += " for the report streams (recordings read from start_date)"
			}
			log.Warn(msg)
		}
	}
	every, interval := commitPace(job.format, cfg.CheckpointInterval)
	return engine.ReadOptions{
		CommitEvery:    every,
		CommitInterval: interval,
		Streams:        job.streams,
		Incremental:    job.incremental,
		State:          job.state,
		MaxConcurrency: cfg.MaxConcurrency,
		CategoryCaps:   categoryCaps(cfg),
		PageSize:       cfg.PageSize,
		StartDate:      start,
		Lookback:       time.Duration(cfg.LookbackDays) * 24 * time.Hour,
		StreamLookback: streamLookbacks(cfg, job.streams),
		StreamPageSize: streamPageSizes(cfg, job.streams),
		Sources:        job.sources,
		Changes:        job.changes,
		StreamPriority: streamPriorities(cfg, job.streams),
		Log:            log,
		Now:            stdio.Now,
	}
}

// outputSchemas builds the output schema of each stream from its embedded
// JSON Schema.
func outputSchemas(names []string) (map[string]*output.Schema, error) {
	out := map[string]*output.Schema{}
	for _, n := range names {
		raw, err := spec.StreamSchema(n)
		if err != nil {
			return nil, err
		}
		s, err := output.FromJSONSchema(n, raw)
		if err != nil {
			return nil, fmt.Errorf("schema of %s: %w", n, err)
		}
		out[n] = s
	}
	return out, nil
}

// airbyteReadBuffer is the stdout buffer of an Airbyte read. Records
// leave it when it fills and at each commit (every other message flushes
// it too). Without files to buffer, an Airbyte read's live heap is a few
// MiB, so the garbage collector, whose goal is twice the live heap, runs
// two to three times as often as in a JSON lines read (whose part files
// hold 256 KiB buffers each); 4 MiB here cut the read's CPU by about a
// tenth (measured on the small dataset, zoombench's throughput read).
const airbyteReadBuffer = 4 << 20

// airbyteSink writes RECORD messages on stdout; Commit flushes them. A
// record keeps every value as Zoom sent it. Fields its schema does not
// declare are named in meta.extra_fields; a declared field whose value
// does not fit the declared type gets a meta.changes entry (see
// typeMismatch). Both are found by walking the raw record against the
// stream's schema (output.Schema.Inspect), without converting it.
type airbyteSink struct {
	w       *airbyte.Writer
	schemas map[string]*output.Schema
	issues  output.Issues
}

// typeMismatch is how a declared field whose value does not fit its
// declared type is reported in meta.changes. The record keeps the value as
// Zoom sent it, so a destination that loads raw JSON loses nothing; a
// destination that types columns from the catalog cannot cast it and nulls
// the column, which is what the protocol's NULLED / DESTINATION_TYPECAST_ERROR
// change names. The protocol has no change type for "kept, but does not fit".
var typeMismatch = struct {
	change airbyte.ChangeType
	reason airbyte.ChangeReason
}{airbyte.ChangeNulled, airbyte.ReasonDestinationTypecastError}

// Write emits one RECORD message.
func (s *airbyteSink) Write(stream string, rec json.RawMessage) error {
	sc := s.schemas[stream]
	if sc == nil {
		if t := bytes.TrimSpace(rec); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
			return fmt.Errorf("stream %q: %w", stream, output.ErrInvalidRecord)
		}
		return s.w.WriteValidRecord(stream, rec, nil)
	}
	s.issues.Reset()
	if err := sc.Inspect(rec, &s.issues); err != nil {
		return err
	}
	var meta *airbyte.AirbyteRecordMessageMeta
	if len(s.issues.Undeclared) > 0 || len(s.issues.Mismatched) > 0 {
		meta = &airbyte.AirbyteRecordMessageMeta{}
		if len(s.issues.Undeclared) > 0 {
			meta.ExtraFields = slices.Clone(s.issues.Undeclared)
			slices.Sort(meta.ExtraFields)
			meta.ExtraFields = slices.Compact(meta.ExtraFields)
		}
		mismatched := slices.Clone(s.issues.Mismatched)
		slices.Sort(mismatched)
		for _, f := range slices.Compact(mismatched) {
			meta.Changes = append(meta.Changes, airbyte.AirbyteRecordMessageMetaChange{
				Field: f, Change: typeMismatch.change, Reason: typeMismatch.reason})
		}
	}
	return s.w.WriteValidRecord(stream, rec, meta)
}

// Commit flushes the records written so far.
func (s *airbyteSink) Commit() error { return s.w.Flush() }

// Close flushes what is left.
func (s *airbyteSink) Close() error { return s.w.Flush() }

// readEvents reports a read: in Airbyte mode as TRACE and STATE messages
// on stdout, always as logs on stderr, and to the state file if any.
type readEvents struct {
	aw        *airbyte.Writer
	stateFile string
	log       *slog.Logger
	mu        sync.Mutex
	last      map[string][]byte // last emitted stream state, to emit changes only
	// streams are the selected streams (the configured catalog's): only
	// their state is emitted in Airbyte mode. The state file also keeps
	// the state of streams this read did not touch.
	streams map[string]bool
}

// StreamStatus emits a STREAM_STATUS trace (Airbyte) or logs a rate-limit stop.
func (e *readEvents) StreamStatus(stream string, st engine.StreamStatus, reset time.Time) {
	if e.aw == nil {
		if st == engine.StatusIncomplete && !reset.IsZero() {
			e.log.Warn("stream stopped by Zoom's daily rate limit; run again after the reset to resume", "stream", stream, "resets", reset.Format(time.RFC3339))
		}
		return
	}
	var reasons []airbyte.AirbyteStreamStatusReason
	if !reset.IsZero() {
		reasons = append(reasons, airbyte.RateLimited(reset))
	}
	if err := e.aw.TraceStreamStatus(stream, airbyte.AirbyteStreamStatus(st), reasons...); err != nil {
		e.log.Error("write STREAM_STATUS", "error", err)
	}
}

// Estimate emits an ESTIMATE trace in Airbyte mode.
func (e *readEvents) Estimate(stream string, rows int64) {
	if e.aw != nil {
		_ = e.aw.TraceEstimate(stream, rows)
	}
}

// StreamError logs why a stream failed and, in Airbyte mode, emits an ERROR trace.
func (e *readEvents) StreamError(stream string, err error) {
	e.log.Error("stream failed", "stream", stream, "error", err.Error())
	if e.aw != nil {
		_ = e.aw.TraceError(fmt.Sprintf("stream %s failed: %v", stream, err), "", airbyte.FailureConfig, stream)
	}
}

// State saves the state file and, in Airbyte mode, emits a STATE message
// per changed stream of the configured catalog: first the streams whose
// state holds the most progress (a root stream's holds that of every
// partition below it), so a read killed between two messages of one
// commit keeps the most.
func (e *readEvents) State(st *state.State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stateFile != "" {
		if err := st.Save(e.stateFile); err != nil {
			return err
		}
	}
	if e.aw == nil {
		return nil
	}
	names := slices.Sorted(maps.Keys(st.Streams))
	slices.SortStableFunc(names, func(a, b string) int {
		return cmp.Compare(st.Streams[b].Progress.Size(), st.Streams[a].Progress.Size())
	})
	for _, n := range names {
		if !e.streams[n] {
			continue
		}
		b, err := st.Streams[n].Marshal()
		if err != nil {
			return err
		}
		if bytes.Equal(b, e.last[n]) {
			continue
		}
		e.last[n] = slices.Clone(b)
		if err := e.aw.WriteState(airbyte.AirbyteStateMessage{
			Type:   airbyte.StateTypeStream,
			Stream: &airbyte.AirbyteStreamState{StreamDescriptor: airbyte.StreamDescriptor{Name: n}, StreamState: b},
		}); err != nil {
			return err
		}
	}
	return e.aw.Flush()
}

var _ io.Closer = (*airbyteSink)(nil)

// categoryCaps shares max_concurrency between the rate-limit categories in
// proportion to the configured rates.
func categoryCaps(cfg *config.Config) map[zoomapi.Category]int {
	r := cfg.EffectiveRateLimits()
	return engine.CategoryCaps(cfg.MaxConcurrency, map[zoomapi.Category]float64{
		zoomapi.CategoryLight: r.Light, zoomapi.CategoryMedium: r.Medium,
		zoomapi.CategoryHeavy: r.Heavy, zoomapi.CategoryResourceIntensive: r.ResourceIntensive / 60,
	})
}

// streamLookbacks and streamPageSizes are the per-stream settings of the
// config (streams.NAME.lookback_days and page_size).
func streamLookbacks(cfg *config.Config, names []string) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, n := range names {
		out[n] = cfg.StreamLookback(n)
	}
	return out
}

// streamPriorities are the configured priorities (streams.NAME.priority).
func streamPriorities(cfg *config.Config, names []string) map[string]int {
	out := map[string]int{}
	for _, n := range names {
		if p := cfg.StreamPriority(n); p != 0 {
			out[n] = p
		}
	}
	return out
}

func streamPageSizes(cfg *config.Config, names []string) map[string]int {
	out := map[string]int{}
	for _, n := range names {
		out[n] = cfg.StreamPageSize(n)
	}
	return out
}
