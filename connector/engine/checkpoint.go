package engine

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/quota"
	"github.com/zoom-connector/zoom-connector/internal/state"
)

// checkpoint is the one writer of a read's output and state, fed by a
// channel (as cloudquery's scheduler feeds its writer): the workers send
// records, the partitions they finished (after the partition's records)
// and cursors; one goroutine writes the records to the sink, marks the
// partitions done, and commits. A commit makes the sink durable, then
// reports the state; since a partition's done mark follows its records in
// the channel, every partition in a reported state has all its records
// committed.
type checkpoint struct {
	sink   Sink
	events Events
	plan   *plan
	stats  *stats
	out    *outcome
	every  int           // commit after this many records
	base   time.Duration // the configured commit interval

	// st is the state the read started from (after plan). Workers read
	// it (cursors, complete flags) while the read runs; only settle,
	// after the writer stopped, changes it.
	st *state.State

	in     chan cpMsg
	exited chan struct{}

	// tree is the progress of the sync under way (progress.go): the
	// writer marks a partition read when its records are written.
	tree *tracker
	// legacy are the partitions a version 1 or 2 state lists finished
	// (StreamState.Done), by stream; read only.
	legacy map[string]map[string]bool

	// Owned by the writer goroutine while the read runs.
	maxCursor   map[string]time.Time
	positions   map[string]map[string]int64 // stream -> key -> position of the last record written
	sinceCommit int
	lastCommit  time.Time
	dirty       bool // partitions finished since the last commit
	failed      bool // the sink failed: nothing more is written or committed
	cleared     bool // the sync completed: states carry no progress

	// wasComplete are the streams the sync under way had completed before
	// this run: their request counts stay as that run left them. settled
	// is set once settle has put this run's counts into st.
	wasComplete map[string]bool
	settled     bool
}

// cpMsg is one message to the writer: a record to write (with its
// position under a key, for a Source's records), a cursor value seen, a
// partition whose records were all sent (read), or several of these for
// one stream.
type cpMsg struct {
	stream string
	rec    json.RawMessage
	cursor time.Time
	read   *node
	key    string
	pos    int64
}

func newCheckpoint(sink Sink, ev Events, st *state.State, e *engine) *checkpoint {
	c := &checkpoint{sink: sink, events: ev, plan: e.plan, stats: e.stats, out: e.out,
		every: e.opts.CommitEvery, base: e.opts.CommitInterval, st: st, tree: newTracker(e.plan, st),
		in: make(chan cpMsg, 256), exited: make(chan struct{}), legacy: map[string]map[string]bool{},
		maxCursor: map[string]time.Time{}, positions: map[string]map[string]int64{}, lastCommit: time.Now(), wasComplete: map[string]bool{}}
	for n := range e.plan.needed {
		c.wasComplete[n] = st.Streams[n].Complete
		for _, k := range st.Streams[n].Done {
			if c.legacy[n] == nil {
				c.legacy[n] = map[string]bool{}
			}
			c.legacy[n][k] = true
		}
	}
	return c
}

// start starts the writer.
func (c *checkpoint) start() { go c.loop() }

// stop waits for the writer to take every message sent; no message may be
// sent after.
func (c *checkpoint) stop() {
	close(c.in)
	<-c.exited
}

// write sends a record, and its cursor value (zero for none).
func (c *checkpoint) write(stream string, rec json.RawMessage, cursor time.Time) {
	c.in <- cpMsg{stream: stream, rec: rec, cursor: cursor}
}

// writeAt sends a Source's record and its position under key.
func (c *checkpoint) writeAt(stream string, r SourceRecord) {
	c.in <- cpMsg{stream: stream, rec: r.Record, key: r.Key, pos: r.Position}
}

// partitionDone marks a task's partition read once the records sent
// before it are written (engine.partitionDone pushes its children first).
func (c *checkpoint) partitionDone(t task) {
	if t.node != nil {
		c.in <- cpMsg{stream: t.stream.Name, read: t.node}
	}
}

// noteCursor records a cursor value the stream has reached (a window's
// end, a parent's cursor for a stream incremental on its parent).
func (c *checkpoint) noteCursor(stream string, t time.Time) {
	if !t.IsZero() {
		c.in <- cpMsg{stream: stream, cursor: t}
	}
}

// isDone reports whether a task's records need no reading in this sync:
// the sync under way committed them, or its whole stream, in an earlier
// run (the state's progress, or a version 1 or 2 state's done list).
func (c *checkpoint) isDone(t task) bool {
	if ss := c.st.Streams[t.stream.Name]; ss != nil && ss.Complete {
		return true
	}
	return t.node != nil && t.node.wasRead || c.legacy[t.stream.Name][t.partKey]
}

func (c *checkpoint) loop() {
	defer close(c.exited)
	tick := time.NewTicker(min(c.base, time.Second))
	defer tick.Stop()
	for {
		select {
		case m, ok := <-c.in:
			if !ok {
				return
			}
			c.apply(m)
		case <-tick.C:
			// Commit on the interval even when no record flows (a phase
			// of skipped partitions, a slow endpoint).
			if !c.failed && c.out.fatalErr() == nil && (c.dirty || c.sinceCommit > 0) && time.Since(c.lastCommit) >= c.base {
				_ = c.commit()
			}
		}
	}
}

func (c *checkpoint) apply(m cpMsg) {
	if c.failed {
		return
	}
	if m.rec != nil {
		if err := c.sink.Write(m.stream, m.rec); err != nil {
			c.fail(fmt.Errorf("write %s: %w", m.stream, err))
			return
		}
		if c.stats.wrote(m.stream) {
			c.events.StreamStatus(m.stream, StatusRunning, time.Time{})
		}
		c.sinceCommit++
		if m.key != "" {
			if c.positions[m.stream] == nil {
				c.positions[m.stream] = map[string]int64{}
			}
			c.positions[m.stream][m.key] = m.pos
		}
	}
	if m.cursor.After(c.maxCursor[m.stream]) {
		c.maxCursor[m.stream] = m.cursor
	}
	if m.read != nil {
		c.tree.markRead(m.read)
		c.dirty = true
	}
	if m.rec != nil && (c.sinceCommit >= c.every || time.Since(c.lastCommit) >= c.base) {
		_ = c.commit()
	}
}

// fail stops the writing after the sink failed: the read ends without
// another state.
func (c *checkpoint) fail(err error) {
	c.failed = true
	c.out.setFatal(err)
}

// commit commits the sink, then reports the state: every partition
// marked done before this point has all its records in the commit.
func (c *checkpoint) commit() error {
	if err := c.sink.Commit(); err != nil {
		err = fmt.Errorf("commit output: %w", err)
		c.fail(err)
		return err
	}
	c.sinceCommit, c.lastCommit, c.dirty = 0, time.Now(), false
	est := c.stats.takeEstimates()
	for _, n := range sortedKeys(est) {
		c.events.Estimate(n, est[n])
	}
	snap := c.st.Clone()
	for n := range c.plan.needed {
		// A version 1 or 2 done list is honoured, not written again: the
		// tree's progress takes its place as the read goes.
		ss := snap.Stream(n)
		ss.Done, ss.Progress = nil, nil
		if !c.cleared && c.plan.all[n].Parent == "" {
			ss.Progress = c.tree.progress(n)
		}
	}
	c.addPositions(snap)
	if !c.settled {
		for n := range c.plan.needed {
			snap.Stream(n).Requests = c.requests(n, false)
		}
	}
	c.plan.nestParents(snap)
	if err := c.events.State(snap); err != nil {
		err = fmt.Errorf("save state: %w", err)
		c.out.setFatal(err)
		return err
	}
	return nil
}

// addPositions sets, in st, the position of the last record written per
// key of each Source stream, keeping the positions of the other keys.
func (c *checkpoint) addPositions(st *state.State) {
	for n, ps := range c.positions {
		ss := st.Stream(n)
		ss.Positions = maps.Clone(ss.Positions)
		if ss.Positions == nil {
			ss.Positions = map[string]int64{}
		}
		maps.Copy(ss.Positions, ps)
	}
}

// settle writes the read's outcome into the state, after the writer
// stopped: completed streams clear their progress and advance their
// cursors (the latest record, parent or window seen); the progress of the
// sync under way stays in the state until the whole sync completes. If any stream is
// incomplete (rate limit, crash, cancellation) the completed ones keep a
// complete flag so the resumed sync does not read them again; once the
// whole sync completes, every flag is cleared. Then the last commit,
// unless the sink failed.
func (c *checkpoint) settle(results map[string]*StreamResult, anyIncomplete bool) error {
	for n := range c.plan.needed {
		c.st.Stream(n).Requests = c.requests(n, results[n].Status == StatusComplete)
	}
	c.settled = true
	for n := range c.plan.needed {
		r, ss := results[n], c.st.Stream(n)
		if r.Status != StatusComplete {
			continue
		}
		if cur := c.maxCursor[n]; !cur.IsZero() && c.plan.all[n].Incremental() {
			if old, ok := parseTime(ss.NextCursor); !ok || cur.After(old) {
				ss.NextCursor = cur.UTC().Format(time.RFC3339)
			}
		}
		ss.Complete = anyIncomplete
	}
	if !anyIncomplete {
		c.cleared = true
		for _, ss := range c.st.Streams {
			ss.Complete, ss.Done, ss.Progress = false, nil, nil
			advanceCursor(ss)
		}
	}
	c.addPositions(c.st)
	if c.failed {
		return nil
	}
	return c.commit()
}

// advanceCursor moves a stream's NextCursor, reached in the sync that just
// completed, into its Cursor when it is later.
func advanceCursor(ss *state.StreamState) {
	next, ok := parseTime(ss.NextCursor)
	if !ok {
		return
	}
	if old, ok := parseTime(ss.Cursor); !ok || next.After(old) {
		ss.Cursor = next.UTC().Format(time.RFC3339)
	}
	ss.NextCursor = ""
}

// requests returns the request counts of stream n to report: the state's,
// with the requests this run sent added to the sync under way's, and
// moved to the last full, incremental or reconciling read's (its kind,
// plan.kind) when completed (the stream completed in this run). A stream the sync had completed before this run
// keeps its counts: what this run sent for it (a parent listed again for
// its unfinished children) is not a read of it.
func (c *checkpoint) requests(n string, completed bool) *state.Requests {
	prev := c.st.Streams[n].Requests
	if c.wasComplete[n] {
		return prev.Clone()
	}
	s := c.plan.all[n]
	return quota.Settle(prev, c.stats.sentBy(n), c.plan.kind[n], completed, s.Category, s.DetailCategory)
}
