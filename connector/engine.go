package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// Sink receives what a read produces. Write and Commit are called with the
// engine's emit lock held, so a Sink need not be safe for concurrent use.
type Sink interface {
	// Write takes one record of a stream.
	Write(stream string, rec json.RawMessage) error
	// Commit makes every record written so far durable.
	Commit() error
}

// Events receives the read's progress and outcome; every method may be
// called from several goroutines.
type Events interface {
	// StreamStatus reports a stream starting, running, completing, or ending
	// incomplete (reset is set when a daily rate limit stopped it).
	StreamStatus(stream string, status StreamStatus, reset time.Time)
	// Estimate reports the total records Zoom announced so far for a stream.
	Estimate(stream string, rows int64)
	// State reports a state whose records are all committed.
	State(st *state.State) error
	// StreamError reports why a stream failed.
	StreamError(stream string, err error)
}

// StreamStatus is a stream's status in a read.
type StreamStatus string

// Stream statuses, as Airbyte's STREAM_STATUS names them.
const (
	StatusStarted    StreamStatus = "STARTED"
	StatusRunning    StreamStatus = "RUNNING"
	StatusComplete   StreamStatus = "COMPLETE"
	StatusIncomplete StreamStatus = "INCOMPLETE"
)

// ReadOptions configure one read.
type ReadOptions struct {
	// Streams are the selected streams, parents before children or in any
	// order; every stream they need as a parent is listed too, once.
	Streams []string
	// Incremental names the selected streams read incrementally (their
	// cursor in State is honoured); the others are full refresh.
	Incremental map[string]bool
	// State is the state of the previous run (nil for none).
	State *state.State
	// MaxConcurrency bounds the requests in flight (default 8).
	MaxConcurrency int
	// CategoryCaps bounds the requests in flight per rate-limit category
	// (absent or 0: no bound but MaxConcurrency). See CategoryCaps.
	CategoryCaps map[zoomapi.Category]int
	// PageSize caps every stream's page size (0 keeps each stream's own).
	PageSize int
	// StartDate is the earliest date to read time-windowed streams from
	// (zero: as far back as Zoom keeps, six months).
	StartDate time.Time
	// Lookback re-reads this much before an incremental cursor;
	// StreamLookback overrides it per stream.
	Lookback       time.Duration
	StreamLookback map[string]time.Duration
	// StreamPageSize overrides PageSize per stream.
	StreamPageSize map[string]int
	// CommitEvery commits after this many records (default 20,000) and
	// CommitInterval after this long (default 5 s), whichever comes first.
	CommitEvery    int
	CommitInterval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives diagnostics.
	Log *slog.Logger
	// Progress, when set, is called every ProgressInterval (default 1 s)
	// with each selected stream's progress, and once at the end.
	Progress         func([]StreamProgress)
	ProgressInterval time.Duration
}

// StreamProgress is a stream's progress during a read.
type StreamProgress struct {
	Name string
	// Records read so far; Estimate is the total Zoom announced so far
	// (0 when unknown).
	Records, Estimate int64
	// Requests sent for the stream so far (pages and details).
	Requests int64
	Status   StreamStatus
}

// StreamResult is one stream's outcome.
type StreamResult struct {
	Name    string
	Records int64
	// Skipped counts partitions Zoom answered with a skippable error
	// (deleted meeting, unlicensed host, registration disabled).
	Skipped int64
	Status  StreamStatus
	// Err is why the stream failed, if it did.
	Err error
	// Reset is when a daily rate limit that stopped the stream resets.
	Reset time.Time
}

// Summary is a read's outcome.
type Summary struct {
	// Streams are the selected streams' results, in streams.All order.
	Streams []*StreamResult
	// Elapsed is the read's wall time.
	Elapsed time.Duration
}

// Failed reports whether any stream did not complete.
func (s *Summary) Failed() bool {
	for _, r := range s.Streams {
		if r.Status != StatusComplete {
			return true
		}
	}
	return false
}

// engine runs one read.
type engine struct {
	client *zoomapi.Client
	opts   ReadOptions
	sink   Sink
	events Events
	log    *slog.Logger
	now    time.Time

	all      map[string]streams.Stream
	selected map[string]bool
	needed   map[string]bool
	children map[string][]streams.Stream

	emitMu      sync.Mutex // guards sink, st, results' counters, sinceCommit
	st          *state.State
	done        map[string]map[string]bool // stream -> finished partitions of this sync
	results     map[string]*StreamResult
	sinceCommit int
	lastCommit  time.Time
	dirty       bool          // partitions finished since the last commit
	interval    time.Duration // the commit interval, grown with the state's size
	estimates   map[string]int64
	estDirty    bool
	running     map[string]bool
	requests    map[string]int64
	maxCursor   map[string]time.Time

	failMu    sync.Mutex
	failed    map[string]error // stream -> permanent error
	exhausted zoomapi.DailyLimits
	// incomplete marks streams that lost a partition to something a later
	// run can resume (rate limit, cancellation): their progress is kept.
	incomplete map[string]bool
	partErr    map[string]error // first error that lost a partition
	partErrs   map[string]int   // partitions lost
	fatal      error
	sinkFailed bool

	queue *taskQueue
}

type task struct {
	stream  streams.Stream
	parent  map[string]any
	partKey string
	query   url.Values
	// window bounds (zero for none), for cursors
	winEnd time.Time
	// item, when set, makes this task the fetch of one listed item's
	// details (Stream.Detail).
	item map[string]any
}

// category is the rate-limit category of the task's request.
func (t task) category() zoomapi.Category {
	if t.item != nil {
		return t.stream.DetailCategory
	}
	return t.stream.Category
}

// Read reads the selected streams through client into sink. It returns
// when every stream has completed, failed or been stopped by a rate limit;
// a fatal error (bad credentials, cancellation, a sink failure) stops it
// early, after committing what was written and reporting the state.
func Read(ctx context.Context, client *zoomapi.Client, sink Sink, events Events, opts ReadOptions) (*Summary, error) {
	start := time.Now()
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = config.DefaultMaxConcurrency
	}
	if opts.CommitEvery <= 0 {
		opts.CommitEvery = 20000
	}
	if opts.CommitInterval <= 0 {
		opts.CommitInterval = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	e := &engine{
		client: client, opts: opts, sink: sink, events: events, log: opts.Log, now: opts.Now().UTC(),
		all: map[string]streams.Stream{}, selected: map[string]bool{}, needed: map[string]bool{},
		children: map[string][]streams.Stream{}, done: map[string]map[string]bool{},
		results: map[string]*StreamResult{}, estimates: map[string]int64{}, running: map[string]bool{}, requests: map[string]int64{},
		maxCursor: map[string]time.Time{}, failed: map[string]error{},
		interval: opts.CommitInterval, incomplete: map[string]bool{}, partErr: map[string]error{}, partErrs: map[string]int{}, lastCommit: time.Now(),
	}
	if opts.State != nil {
		e.st = opts.State.Clone()
	} else {
		e.st = state.New()
	}
	if err := e.plan(); err != nil {
		return nil, err
	}
	e.queue = newTaskQueue(opts.CategoryCaps)
	for _, s := range streams.All() {
		if !e.needed[s.Name] {
			continue
		}
		if e.selected[s.Name] {
			e.events.StreamStatus(s.Name, StatusStarted, time.Time{})
		}
		if s.Parent == "" {
			for _, t := range e.partitions(s, nil) {
				e.queue.push(t)
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if opts.Progress != nil {
		interval := opts.ProgressInterval
		if interval <= 0 {
			interval = time.Second
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
					opts.Progress(e.progress())
				case <-stop:
					return
				}
			}
		}()
		defer func() {
			close(stop)
			<-done
			opts.Progress(e.progress())
		}()
	}
	timerStop, timerDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(timerDone)
		e.commitOnTimer(timerStop)
	}()
	for i := 0; i < opts.MaxConcurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				t, ok := e.queue.pop(ctx)
				if !ok {
					return
				}
				e.run(ctx, t)
				e.queue.finish(t)
				if e.fatalErr() != nil {
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	close(timerStop)
	<-timerDone
	return e.finish(ctx, start)
}

// plan resolves the selected streams and every parent they need.
func (e *engine) plan() error {
	for _, s := range streams.All() {
		e.all[s.Name] = s
	}
	names := e.opts.Streams
	if len(names) == 0 {
		names = streams.Names()
	}
	for _, n := range names {
		s, ok := e.all[n]
		if !ok {
			return fmt.Errorf("unknown stream %q (known: %s)", n, strings.Join(streams.Names(), ", "))
		}
		e.selected[n] = true
		for p := s; ; {
			e.needed[p.Name] = true
			if p.Parent == "" {
				break
			}
			p = e.all[p.Parent]
		}
	}
	for _, s := range streams.All() {
		if e.needed[s.Name] && s.Parent != "" {
			e.children[s.Parent] = append(e.children[s.Parent], s)
		}
	}
	e.adoptParentProgress()
	for n := range e.needed {
		ss := e.st.Stream(n)
		e.done[n] = map[string]bool{}
		for _, k := range ss.Done {
			e.done[n][k] = true
		}
		e.results[n] = &StreamResult{Name: n, Status: StatusStarted}
	}
	return nil
}

// partitions returns the tasks that read stream s for one parent record
// (nil for a root stream): one per fanout entry and time window.
func (e *engine) partitions(s streams.Stream, parent map[string]any) []task {
	base := ""
	if parent != nil {
		for _, ph := range sortedKeys(s.PathFrom) {
			base += ph + "=" + jsonrec.Str(parent[s.PathFrom[ph]]) + ";"
		}
	}
	fan := s.Fanout
	if len(fan) == 0 {
		fan = []url.Values{nil}
	}
	type win struct {
		q   url.Values
		key string
		end time.Time
	}
	wins := []win{{}}
	if s.Window != streams.NoWindow {
		wins = nil
		for _, w := range e.windows(s) {
			wins = append(wins, win{q: w.query, key: w.key, end: w.end})
		}
	}
	var out []task
	for _, f := range fan {
		for _, w := range wins {
			q := url.Values{}
			for k, v := range s.Query {
				q[k] = slices.Clone(v)
			}
			key := base
			for _, k := range sortedKeys(f) {
				q[k] = slices.Clone(f[k])
				key += k + "=" + f.Get(k) + ";"
			}
			for k, v := range w.q {
				q[k] = v
			}
			key += w.key
			if key == "" {
				key = "all"
			}
			out = append(out, task{stream: s, parent: parent, partKey: key, query: q, winEnd: w.end})
		}
	}
	return out
}

type window struct {
	query url.Values
	key   string
	end   time.Time
}

// retention is how far back Zoom serves report data, the age beyond which
// start_date earns a warning.
const retention = zoomapi.ReportRetention

// defaultMonths is how far back windowed streams read without start_date:
// as far as Zoom serves reports.
const defaultMonths = zoomapi.ReportRetentionMonths

// windows splits [start, today] into calendar months, as Zoom requires
// windows of at most a month. The start is start_date (six months ago
// without one), moved forward to the stream's MaxAgeMonths (reports: Zoom
// keeps no older data) and, for an incremental read, to the cursor less the
// lookback.
func (e *engine) windows(s streams.Stream) []window {
	today := e.now.Truncate(24 * time.Hour)
	from := today.AddDate(0, -defaultMonths, 0)
	if !e.opts.StartDate.IsZero() {
		from = e.opts.StartDate.UTC().Truncate(24 * time.Hour)
	}
	if s.MaxAgeMonths > 0 {
		if oldest := today.AddDate(0, -s.MaxAgeMonths, 0); from.Before(oldest) {
			from = oldest
		}
	}
	floor := from
	if e.opts.Incremental[s.Name] {
		if c, ok := parseTime(e.st.Stream(s.Name).Cursor); ok {
			c = c.Add(-e.lookback(s.Name)).Truncate(24 * time.Hour)
			if c.After(from) {
				from = c
			}
		}
	}
	if from.After(today) { // a cursor in the future (a clock set wrong)
		from = today
	}
	if s.WindowKeys {
		// Rows that are totals over their window keep calendar-month
		// windows, so a re-read month has the same key.
		from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
		if from.Before(floor) {
			from = floor
		}
	}
	if s.Window == streams.YearMonthWindow {
		// /report/daily takes the current month and the five before it.
		if first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -5, 0); from.Before(first) {
			from = first
		}
	}
	var out []window
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(today); m = m.AddDate(0, 1, 0) {
		lo, hi := m, m.AddDate(0, 1, -1)
		if lo.Before(from) {
			lo = from
		}
		if hi.After(today) {
			hi = today
		}
		switch s.Window {
		case streams.YearMonthWindow:
			out = append(out, window{
				query: url.Values{"year": {strconv.Itoa(m.Year())}, "month": {strconv.Itoa(int(m.Month()))}},
				key:   m.Format("2006-01"), end: hi,
			})
		case streams.MonthTimeWindow:
			out = append(out, window{
				query: url.Values{"from": {lo.Format("2006-01-02") + "T00:00:00Z"}, "to": {hi.Format("2006-01-02") + "T23:59:59Z"}},
				key:   lo.Format("2006-01-02") + ".." + hi.Format("2006-01-02"), end: hi,
			})
		default:
			out = append(out, window{
				query: url.Values{"from": {lo.Format("2006-01-02")}, "to": {hi.Format("2006-01-02")}},
				key:   lo.Format("2006-01-02") + ".." + hi.Format("2006-01-02"), end: hi,
			})
		}
	}
	return out
}

// run reads one partition, or fetches one listed item's details.
func (e *engine) run(ctx context.Context, t task) {
	s := t.stream
	if e.streamFailed(s.Name) || ctx.Err() != nil {
		e.markIncomplete(s.Name)
		return
	}
	if reset, ok := e.categoryExhausted(t.category()); ok {
		e.rateLimited(s.Name, reset)
		return
	}
	if t.item != nil {
		e.runDetail(ctx, t)
		return
	}
	isDone := e.isDone(s.Name, t.partKey)
	hasChildren := len(e.children[s.Name]) > 0
	// A listing whose items are fetched one by one is never marked done:
	// each item's detail is its own partition, and the list is read again
	// on resume to find the ones not done.
	if isDone && !hasChildren && s.Detail == "" {
		return
	}
	path, err := fillPath(s.Path, s.PathFrom, s.UUIDParam, t.parent)
	if err != nil {
		e.fail(s.Name, err)
		return
	}
	req := e.client.NewRequest(http.MethodGet, path, t.query, nil)
	req.Category = s.Category
	emit := e.selected[s.Name] && !isDone
	pos := 0 // the record's position in the partition (Stream.Position)
	handle := func(item json.RawMessage) bool {
		if s.Detail != "" {
			fields, err := jsonrec.DecodeObject(item)
			if err != nil {
				e.failPartition(s.Name, fmt.Errorf("list item of %s: %w", s.Name, err))
				return true
			}
			key := t.partKey + "detail=" + jsonrec.Str(fields[s.DetailFrom[firstKey(s.DetailFrom)]])
			e.queue.push(task{stream: s, parent: t.parent, partKey: key, query: t.query, item: fields})
			return true
		}
		pos++
		if s.Download != "" && emit { // engine_download.go
			var err error
			if item, err = e.download(ctx, s, item); err != nil {
				e.partitionError(s, t, err)
				return false
			}
		}
		return e.record(t, item, pos-1, emit, hasChildren)
	}
	ok := true
	if s.PageSize > 0 {
		req.PageSize = s.PageSize
		want := e.opts.PageSize
		if n := e.opts.StreamPageSize[s.Name]; n > 0 {
			want = n
		}
		if want > 0 && want < s.PageSize {
			req.PageSize = want
		}
		first := true
		for page, err := range e.client.Pages(ctx, req, s.Envelope) {
			e.countRequest(s.Name)
			if err != nil {
				e.partitionError(s, t, err)
				return
			}
			if first && page.TotalRecords > 0 && emit {
				e.addEstimate(s.Name, page.TotalRecords)
			}
			first = false
			for _, item := range page.Items {
				if ok = handle(item); !ok {
					break
				}
			}
			if !ok {
				break
			}
		}
	} else {
		var raw json.RawMessage
		e.countRequest(s.Name)
		if _, err := e.client.Do(ctx, req, &raw); err != nil {
			e.partitionError(s, t, err)
			return
		}
		items, err := jsonrec.EnvelopeItems(raw, s.Envelope)
		if err != nil {
			e.failPartition(s.Name, fmt.Errorf("%s %s: %w", s.Name, path, err))
			return
		}
		for _, item := range items {
			if ok = handle(item); !ok {
				break
			}
		}
	}
	if !ok || ctx.Err() != nil {
		e.markIncomplete(s.Name)
		return
	}
	if s.Window != streams.NoWindow {
		e.noteCursorTime(s.Name, t.winEnd)
	}
	if s.Detail == "" {
		e.partitionDone(s.Name, t.partKey)
	}
}

// record handles one record of a partition (the pos-th): rewrites Zoom's
// zone-less UTC times, adds the parent keys and the position, applies the
// incremental cursor, writes it when emit is set, and queues the partitions
// of the child streams it is the parent of. False stops the partition.
func (e *engine) record(t task, rec json.RawMessage, pos int, emit, hasChildren bool) bool {
	s := t.stream
	keys, src := s.Keys, t.parent
	if s.WindowKeys {
		keys, src = map[string]string{"from": "from", "to": "to"}, map[string]any{"from": t.query.Get("from"), "to": t.query.Get("to")}
	}
	if s.Position != "" {
		keys, src = maps.Clone(keys), maps.Clone(src)
		if keys == nil {
			keys, src = map[string]string{}, map[string]any{}
		}
		keys[s.Position], src[s.Position] = s.Position, pos
	}
	rec, err := s.RewriteUTCTimes(rec)
	if err != nil {
		e.failPartition(s.Name, fmt.Errorf("record of %s: %w", s.Name, err))
		return false
	}
	rec, fields, err := jsonrec.AddKeys(rec, keys, src, hasChildren || s.Cursor != "")
	if err != nil {
		e.failPartition(s.Name, fmt.Errorf("record of %s: %w", s.Name, err))
		return false
	}
	// A record older than the stream's cursor is not emitted again, but its
	// children are still considered: each child stream judges by its own
	// cursor, which may be behind the parent's (a child read for the first
	// time, or one that failed when the parent completed).
	if s.Cursor != "" && e.opts.Incremental[s.Name] && !e.newEnough(s.Name, fields[s.Cursor]) {
		emit = false
	}
	if emit {
		if err := e.write(s.Name, rec, fields[s.Cursor]); err != nil {
			return false
		}
	}
	for _, c := range e.children[s.Name] {
		if c.Needs != nil && !c.Needs(fields) {
			continue
		}
		if c.ParentCursor != "" && e.opts.Incremental[c.Name] && !e.newEnough(c.Name, fields[c.ParentCursor]) {
			continue
		}
		if c.ParentCursor != "" {
			e.noteCursor(c.Name, fields[c.ParentCursor])
		}
		for _, ct := range e.partitions(c, fields) {
			e.queue.push(ct)
		}
	}
	return true
}

// runDetail fetches one listed item's details (a meeting's, a webinar's):
// the detail is the record. An item deleted since it was listed (code
// 3001) is skipped and counted.
func (e *engine) runDetail(ctx context.Context, t task) {
	s := t.stream
	isDone := e.isDone(s.Name, t.partKey)
	hasChildren := len(e.children[s.Name]) > 0
	if isDone && !hasChildren {
		return
	}
	path, err := fillPath(s.Detail, s.DetailFrom, s.UUIDParam, t.item)
	if err != nil {
		e.failPartition(s.Name, err)
		return
	}
	req := e.client.NewRequest(http.MethodGet, path, nil, nil)
	req.Category = s.DetailCategory
	var raw json.RawMessage
	e.countRequest(s.Name)
	if _, err := e.client.Do(ctx, req, &raw); err != nil {
		e.partitionError(s, t, err)
		return
	}
	if !e.record(t, raw, 0, e.selected[s.Name] && !isDone, hasChildren) || ctx.Err() != nil {
		e.markIncomplete(s.Name)
		return
	}
	e.partitionDone(s.Name, t.partKey)
}

func firstKey(m map[string]string) string {
	// The first in sorted order, not in map order: the partition key must
	// be the same in every run.
	if keys := sortedKeys(m); len(keys) > 0 {
		return keys[0]
	}
	return ""
}

// partitionError classifies an error that ended a partition.
func (e *engine) partitionError(s streams.Stream, t task, err error) {
	if zoomapi.IsSkippable(err) {
		e.skipped(s.Name)
		e.partitionDone(s.Name, t.partKey)
		return
	}
	e.partitionErrorRaw(s, t.category(), err)
}

func (e *engine) partitionErrorRaw(s streams.Stream, cat zoomapi.Category, err error) {
	var rl *zoomapi.RateLimitError
	var ae *zoomapi.AuthError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		e.markIncomplete(s.Name)
	case errors.As(err, &rl) && rl.Daily:
		e.exhaust(cat, rl.Reset)
		e.rateLimited(s.Name, rl.Reset)
	case errors.As(err, &ae):
		e.setFatal(err)
		e.markIncomplete(s.Name)
	case errors.As(err, new(*zoomapi.ScopeError)):
		// The app lacks a scope: no partition of this stream can succeed.
		e.fail(s.Name, err)
	default:
		e.failPartition(s.Name, err)
	}
}

func (e *engine) write(stream string, rec json.RawMessage, cursor any) error {
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	if err := e.sink.Write(stream, rec); err != nil {
		e.fatal, e.sinkFailed = fmt.Errorf("write %s: %w", stream, err), true
		return e.fatal
	}
	r := e.results[stream]
	r.Records++
	if !e.running[stream] {
		e.running[stream] = true
		e.events.StreamStatus(stream, StatusRunning, time.Time{})
	}
	if cursor != nil {
		if t, ok := parseTime(jsonrec.Str(cursor)); ok && t.After(e.maxCursor[stream]) {
			e.maxCursor[stream] = t
		}
	}
	e.sinceCommit++
	if e.sinceCommit >= e.opts.CommitEvery || time.Since(e.lastCommit) >= e.interval {
		return e.commitLocked()
	}
	return nil
}

// commitLocked commits the sink, then reports the state: every partition
// marked done before this point has all its records in the commit.
func (e *engine) commitLocked() error {
	if err := e.sink.Commit(); err != nil {
		e.fatal, e.sinkFailed = fmt.Errorf("commit output: %w", err), true
		return e.fatal
	}
	e.sinceCommit, e.lastCommit, e.dirty = 0, time.Now(), false
	if e.estDirty {
		for n, v := range e.estimates {
			e.events.Estimate(n, v)
		}
		e.estDirty = false
	}
	snap := e.st.Clone()
	entries := 0
	for n, d := range e.done {
		if e.needed[n] {
			snap.Stream(n).Done = sortedKeys(d)
			entries += len(d)
		}
	}
	e.nestParents(snap)
	// The state lists every finished partition of the sync under way and is
	// sent whole at each commit: as it grows, commit less often, so the
	// state written stays about 20,000 entries per interval.
	e.interval = min(e.opts.CommitInterval*time.Duration(max(1, entries/20000)), 10*time.Minute)
	if err := e.events.State(snap); err != nil {
		e.fatal = fmt.Errorf("save state: %w", err)
		return e.fatal
	}
	return nil
}

func (e *engine) partitionDone(stream, key string) {
	e.emitMu.Lock()
	e.done[stream][key] = true
	e.dirty = true
	e.emitMu.Unlock()
}

// commitOnTimer commits on the interval even when no record flows (a
// phase of skipped partitions, a slow endpoint), until stop is closed.
func (e *engine) commitOnTimer(stop <-chan struct{}) {
	tick := time.NewTicker(min(e.opts.CommitInterval, time.Second))
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			e.emitMu.Lock()
			if e.fatal == nil && (e.dirty || e.sinceCommit > 0) && time.Since(e.lastCommit) >= e.interval {
				_ = e.commitLocked()
			}
			e.emitMu.Unlock()
		case <-stop:
			return
		}
	}
}

func (e *engine) isDone(stream, key string) bool {
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	return e.done[stream][key] || e.st.Stream(stream).Complete
}

func (e *engine) addEstimate(stream string, n int64) {
	e.emitMu.Lock()
	e.estimates[stream] += n
	e.estDirty = true
	e.emitMu.Unlock()
}

func (e *engine) countRequest(stream string) {
	e.emitMu.Lock()
	e.requests[stream]++
	e.emitMu.Unlock()
}

// progress returns each selected stream's progress, in All's order.
func (e *engine) progress() []StreamProgress {
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	var out []StreamProgress
	for _, s := range streams.All() {
		if !e.selected[s.Name] {
			continue
		}
		r := e.results[s.Name]
		st := r.Status
		if e.running[s.Name] && st == StatusStarted {
			st = StatusRunning
		}
		out = append(out, StreamProgress{Name: s.Name, Records: r.Records, Estimate: e.estimates[s.Name],
			Requests: e.requests[s.Name], Status: st})
	}
	return out
}

func (e *engine) skipped(stream string) {
	e.emitMu.Lock()
	e.results[stream].Skipped++
	e.emitMu.Unlock()
}

// noteCursor records a parent's cursor value for a stream incremental on
// its parent.
func (e *engine) noteCursor(stream string, v any) {
	if t, ok := parseTime(jsonrec.Str(v)); ok {
		e.noteCursorTime(stream, t)
	}
}

func (e *engine) noteCursorTime(stream string, t time.Time) {
	e.emitMu.Lock()
	if t.After(e.maxCursor[stream]) {
		e.maxCursor[stream] = t
	}
	e.emitMu.Unlock()
}

// newEnough reports whether a record's cursor value is past the stream's
// saved cursor less the lookback.
func (e *engine) newEnough(stream string, v any) bool {
	c, ok := parseTime(e.st.Stream(stream).Cursor)
	if !ok {
		return true
	}
	t, ok := parseTime(jsonrec.Str(v))
	if !ok {
		return true
	}
	// Without a lookback only what is past the cursor is new. With one,
	// the lookback's first instant is included: a record exactly at the
	// cursor less the lookback (a daily report row of the day before the
	// cursor's day, with lookback_days 1) is read again, as its window is.
	lb := e.lookback(stream)
	if lb <= 0 {
		return t.After(c)
	}
	return !t.Before(c.Add(-lb))
}

// lookback is how far before its cursor a stream's incremental read starts.
func (e *engine) lookback(stream string) time.Duration {
	if d, ok := e.opts.StreamLookback[stream]; ok {
		return d
	}
	return e.opts.Lookback
}

// failPartition records an error that lost one partition: the stream goes
// on with its other partitions, ends incomplete, and keeps its progress so
// a later run reads the lost partition again.
func (e *engine) failPartition(stream string, err error) {
	e.failMu.Lock()
	defer e.failMu.Unlock()
	e.incomplete[stream] = true
	e.partErrs[stream]++
	if _, ok := e.partErr[stream]; !ok {
		e.partErr[stream] = err
		e.events.StreamError(stream, err)
	}
}

// fail records an error that stops a whole stream (and its children).
func (e *engine) fail(stream string, err error) {
	e.failMu.Lock()
	defer e.failMu.Unlock()
	if _, ok := e.failed[stream]; !ok {
		e.failed[stream] = err
		e.events.StreamError(stream, err)
	}
}

func (e *engine) streamFailed(stream string) bool {
	e.failMu.Lock()
	defer e.failMu.Unlock()
	for s := stream; s != ""; s = e.all[s].Parent {
		if _, ok := e.failed[s]; ok {
			return true
		}
	}
	return false
}

func (e *engine) markIncomplete(stream string) {
	e.failMu.Lock()
	e.incomplete[stream] = true
	e.failMu.Unlock()
}

func (e *engine) exhaust(cat zoomapi.Category, reset time.Time) {
	if e.exhausted.Note(cat, reset) {
		e.log.Warn("daily rate limit reached: streams of this category stop with their state saved",
			"category", string(cat), "resets", reset.Format(time.RFC3339))
	}
}

func (e *engine) categoryExhausted(cat zoomapi.Category) (time.Time, bool) {
	return e.exhausted.Reached(cat)
}

func (e *engine) rateLimited(stream string, reset time.Time) {
	e.failMu.Lock()
	e.incomplete[stream] = true
	e.failMu.Unlock()
	e.emitMu.Lock()
	if r := e.results[stream]; reset.After(r.Reset) {
		r.Reset = reset
	}
	e.emitMu.Unlock()
}

func (e *engine) setFatal(err error) {
	e.emitMu.Lock()
	if e.fatal == nil {
		e.fatal = err
	}
	e.emitMu.Unlock()
}

func (e *engine) fatalErr() error {
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	return e.fatal
}

// finish settles each stream's status and the final state.
func (e *engine) finish(ctx context.Context, start time.Time) (*Summary, error) {
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	// A stream is incomplete when it, or a parent it hangs off, lost a
	// partition; failed when it, or a parent, failed.
	var anyIncomplete bool
	for n := range e.needed {
		r := e.results[n]
		switch {
		case e.hasFailed(n) != nil:
			r.Status, r.Err = StatusIncomplete, e.hasFailed(n)
		case e.isIncomplete(n) || e.fatal != nil || ctx.Err() != nil:
			r.Status = StatusIncomplete
			anyIncomplete = true
			if err := e.partErr[n]; err != nil {
				r.Err = fmt.Errorf("%d partitions lost, the first: %w", e.partErrs[n], err)
			}
		default:
			r.Status = StatusComplete
		}
	}
	// Cursors advance for incremental streams that completed; progress is
	// kept for resumable streams and cleared when the whole sync is done.
	for n := range e.needed {
		r, ss := e.results[n], e.st.Stream(n)
		if r.Status == StatusComplete {
			if c := e.maxCursor[n]; !c.IsZero() && e.all[n].Incremental() {
				if old, ok := parseTime(ss.Cursor); !ok || c.After(old) {
					ss.Cursor = c.UTC().Format(time.RFC3339)
				}
			}
			ss.Done = nil
			ss.Complete = anyIncomplete
			delete(e.done, n)
		}
	}
	if !anyIncomplete {
		for _, ss := range e.st.Streams {
			ss.Complete, ss.Done = false, nil
		}
	}
	var err error
	if !e.sinkFailed {
		err = e.commitLocked()
	}
	sum := &Summary{Elapsed: time.Since(start)}
	for _, s := range streams.All() {
		if !e.selected[s.Name] {
			continue
		}
		r := e.results[s.Name]
		sum.Streams = append(sum.Streams, r)
		e.events.StreamStatus(s.Name, r.Status, r.Reset)
	}
	if e.fatal != nil {
		return sum, e.fatal
	}
	if ctx.Err() != nil {
		return sum, ctx.Err()
	}
	return sum, err
}

func (e *engine) hasFailed(stream string) error {
	for s := stream; s != ""; s = e.all[s].Parent {
		if err, ok := e.failed[s]; ok {
			if s != stream {
				return fmt.Errorf("parent stream %s failed: %w", s, err)
			}
			return err
		}
	}
	return nil
}

func (e *engine) isIncomplete(stream string) bool {
	for s := stream; s != ""; s = e.all[s].Parent {
		if e.incomplete[s] {
			return true
		}
	}
	return false
}

// CategoryCaps shares maxConcurrency between the rate-limit categories in
// proportion to their rates (per second), at least 2 each, so that no
// category's rate-limit waits can hold every request slot. With no rates
// (plan unlimited) there are no caps.
func CategoryCaps(maxConcurrency int, perSecond map[zoomapi.Category]float64) map[zoomapi.Category]int {
	var sum float64
	for _, r := range perSecond {
		sum += r
	}
	if sum <= 0 {
		return nil
	}
	caps := map[zoomapi.Category]int{}
	for c, r := range perSecond {
		caps[c] = max(2, int(math.Ceil(float64(maxConcurrency)*r/sum)))
	}
	return caps
}

// fillPath fills a path template from a record, escaping each value; the
// UUID placeholder is encoded as Zoom requires.
func fillPath(tmpl string, from map[string]string, uuidParam string, rec map[string]any) (string, error) {
	out := tmpl
	for ph, field := range from {
		v := jsonrec.Str(rec[field])
		if v == "" {
			return "", fmt.Errorf("%s: parent record has no %q", tmpl, field)
		}
		if ph == uuidParam {
			v = zoomapi.EscapeMeetingUUID(v)
		} else {
			v = url.PathEscape(v)
		}
		out = strings.ReplaceAll(out, "{"+ph+"}", v)
	}
	return out, nil
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// taskQueue holds the tasks to run: a LIFO stack per rate-limit category,
// so children pushed last run first and a read goes depth-first, holding
// few parents in memory. A category may have a cap on the tasks of it in
// flight: without caps, workers that wait in one category's rate limiter
// (say Heavy reports) would hold every slot while the listings of another
// category (Medium) that feed later work sat queued.
type taskQueue struct {
	mu       sync.Mutex
	cond     *sync.Cond
	stacks   map[zoomapi.Category][]queued
	inflight map[zoomapi.Category]int
	caps     map[zoomapi.Category]int
	seq      uint64
	pending  int // pushed and not yet finished
}

type queued struct {
	t   task
	seq uint64
}

func newTaskQueue(caps map[zoomapi.Category]int) *taskQueue {
	q := &taskQueue{stacks: map[zoomapi.Category][]queued{}, inflight: map[zoomapi.Category]int{}, caps: caps}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *taskQueue) push(t task) {
	q.mu.Lock()
	q.seq++
	c := t.category()
	q.stacks[c] = append(q.stacks[c], queued{t, q.seq})
	q.pending++
	q.mu.Unlock()
	q.cond.Signal()
}

// pop waits for a task it may start (its category under its cap), the
// most recently pushed of those; false when every task has finished or ctx
// ended. After ctx ends the tasks left are handed out regardless of caps,
// so they can be marked incomplete.
func (q *taskQueue) pop(ctx context.Context) (task, bool) {
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		cancelled := ctx.Err() != nil
		var best zoomapi.Category
		var bestSeq uint64
		found, any := false, false
		for c, st := range q.stacks {
			if len(st) == 0 {
				continue
			}
			any = true
			if !cancelled && q.caps[c] > 0 && q.inflight[c] >= q.caps[c] {
				continue
			}
			if top := st[len(st)-1].seq; !found || top > bestSeq {
				best, bestSeq, found = c, top, true
			}
		}
		if found {
			st := q.stacks[best]
			t := st[len(st)-1].t
			q.stacks[best] = st[:len(st)-1]
			q.inflight[best]++
			return t, true
		}
		if !any && (q.pending == 0 || cancelled) {
			return task{}, false
		}
		q.cond.Wait()
	}
}

// finish ends a task popped earlier.
func (q *taskQueue) finish(t task) {
	q.mu.Lock()
	q.pending--
	q.inflight[t.category()]--
	q.mu.Unlock()
	q.cond.Broadcast()
}
