// Package state holds the connector's read state: a cursor per incremental
// stream and, while a sync is under way, its progress (Progress: which
// partitions are finished, in a form whose size does not grow with the
// account), so that a crashed sync resumes where it stopped.
//
// Guarantee: state is emitted or saved only after every record before it
// has been committed by the output (flushed, fsynced and renamed for file
// outputs). A resumed sync therefore loses nothing; it may repeat the
// records of partitions that were in flight at the crash (at-least-once),
// and no more than those.
package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/fsutil"
)

// Version is the state format this build writes; it reads every version
// up to it. Version 3 keeps a sync's progress in Progress (bounded) instead
// of Done (every finished partition), which it still reads; version 2
// added StreamState.Parents; a version 1 state (where a parent stream that
// was not selected had its own entry) still loads.
const Version = 3

// MaxBytes bounds a state file or message; a larger one is refused.
const MaxBytes = 64 << 20

// State is the whole read state.
type State struct {
	Version int                     `json:"version"`
	Streams map[string]*StreamState `json:"streams"`
}

// StreamState is one stream's state.
type StreamState struct {
	// Cursor is how far an incremental stream has read: the value of its
	// cursor field (an ISO date or date-time) up to which every record has
	// been committed. Empty means never read.
	Cursor string `json:"cursor,omitempty"`
	// NextCursor is the cursor a stream reached in a sync under way that
	// completed it while other streams did not complete: it becomes Cursor
	// when the whole sync completes. Until then the resumed runs read with
	// the cursor the sync started from, so every run of the sync lists the
	// same partitions in the same order (the progress spans depend on it).
	NextCursor string `json:"next_cursor,omitempty"`
	// Done lists the partitions (parent keys or windows) of the sync under
	// way whose records are all committed, as versions 1 and 2 wrote it:
	// it grows with the account. A read honours it when it resumes such a
	// state, and writes Progress instead.
	Done []string `json:"done,omitempty"`
	// Progress is, for a root stream (one without a parent), the progress
	// of the sync under way over the stream's partitions and every
	// partition below them (its child streams'): see Progress.
	Progress *Progress `json:"progress,omitempty"`
	// Complete is true when the sync under way finished this stream but
	// not yet the whole sync.
	Complete bool `json:"complete,omitempty"`
	// Parents holds the progress (Progress, Done, Complete) of the sync under way of
	// each parent stream this stream needs but that is not selected (not in
	// the configured catalog), keyed by the parent's name: the platform
	// keeps state only for the streams of the catalog, so a parent's
	// progress travels inside the state of the streams that need it.
	Parents map[string]*StreamState `json:"parents,omitempty"`
	// Positions is, for the webhook_events stream, the position of the last
	// event emitted per Zoom account: each tenant reads only its account's
	// events, so each account has its own position. (A Cursor there is the
	// single position of older versions, which read every account's events.)
	Positions map[string]int64 `json:"positions,omitempty"`
	// Synced marks the last sync of the stream that completed: when it
	// began (the read's clock) and the webhook events it took into account.
	// Change-driven reads (connector/engine/changes.go) skip a meeting or
	// webinar whose children were read completely after it settled.
	Synced *SyncMark `json:"synced,omitempty"`
	// Syncing marks the sync under way (set when it begins, moved to Synced
	// when the stream completes), so that a sync resumed later counts from
	// its beginning.
	Syncing *SyncMark `json:"syncing,omitempty"`
	// ReconciledAt is when the last reconciliation sync of the stream (one
	// that skipped nothing as settled) began.
	ReconciledAt string `json:"reconciled_at,omitempty"`
	// Requests counts the requests the stream's reads sent, for the quota
	// estimate of the next read (connector/quota). Optional: a state
	// without it (any state written before it existed) loads, and the
	// estimate then comes from elsewhere.
	Requests *Requests `json:"requests,omitempty"`
}

// SyncMark is when a sync of a stream began and what it took into account.
type SyncMark struct {
	// At is the read's clock when the sync began (RFC 3339).
	At string `json:"at"`
	// Changes is the position, in the serve store, of the last webhook
	// event of the account known when the sync began (0: none).
	Changes int64 `json:"changes,omitempty"`
	// Reconcile is true for a reconciliation sync, which skips nothing as
	// settled.
	Reconcile bool `json:"reconcile,omitempty"`
}

// Requests are a stream's request counts per rate-limit category, keyed by
// the category's name (light, medium, heavy, resource-intensive: the
// values of zoomapi.Category). A full read and a daily incremental read
// of the same stream cost very differently, so each kind keeps its own.
type Requests struct {
	// Full counts the last completed read that started without a cursor:
	// every window and every parent.
	Full map[string]int64 `json:"full,omitempty"`
	// Incremental counts the last completed read that started from a
	// cursor (a daily read).
	Incremental map[string]int64 `json:"incremental,omitempty"`
	// Reconcile counts the last completed daily read that reconciled (a
	// change-driven sync that skipped nothing as settled: see
	// StreamState.Reconciles), for the streams whose cost that changes.
	Reconcile map[string]int64 `json:"reconcile,omitempty"`
	// Sync counts the sync under way, added up over the runs that resume
	// it (a read that the daily quota stops continues the next day); it
	// moves to Full, Incremental or Reconcile when the stream completes.
	Sync map[string]int64 `json:"sync,omitempty"`
	// Probe is the estimate the probe made at the start of the sync under
	// way, for a stream no earlier read counted: the runs that resume the
	// sync estimate what is left from it. Cleared when the stream
	// completes.
	Probe map[string]int64 `json:"probe,omitempty"`
}

// Clone returns a deep copy (nil for nil).
func (r *Requests) Clone() *Requests {
	if r == nil {
		return nil
	}
	return &Requests{Full: maps.Clone(r.Full), Incremental: maps.Clone(r.Incremental), Reconcile: maps.Clone(r.Reconcile),
		Sync: maps.Clone(r.Sync), Probe: maps.Clone(r.Probe)}
}

// Empty reports whether r counts nothing.
func (r *Requests) Empty() bool {
	return r == nil || len(r.Full) == 0 && len(r.Incremental) == 0 && len(r.Reconcile) == 0 && len(r.Sync) == 0 && len(r.Probe) == 0
}

// Reconciles reports whether the change-driven sync of the stream under
// way, or else one beginning at now, reconciles: the mark of the sync
// under way says so; otherwise ReconcileDue of the last reconciliation.
func (st *StreamState) Reconciles(days int, now time.Time) bool {
	if st.Syncing != nil {
		return st.Syncing.Reconcile
	}
	return ReconcileDue(st.ReconciledAt, days, now)
}

// ReconcileDue reports whether a sync beginning at now reconciles, the
// last reconciliation having begun at last (RFC 3339 or a date; none or
// unreadable: yes): when days (reconcile_days) or more have passed, never
// again with days 0.
func ReconcileDue(last string, days int, now time.Time) bool {
	for _, l := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(l, last); err == nil {
			return days > 0 && !now.Before(t.Add(time.Duration(days)*24*time.Hour))
		}
	}
	return true
}

// Empty reports whether st holds nothing.
func (st *StreamState) Empty() bool {
	return st.Cursor == "" && st.NextCursor == "" && len(st.Done) == 0 && st.Progress == nil && !st.Complete && len(st.Parents) == 0 && len(st.Positions) == 0 &&
		st.Synced == nil && st.Syncing == nil && st.ReconciledAt == "" && st.Requests.Empty()
}

// Progress is the progress of a sync under way below one root stream. A
// read is a tree: each partition of the root stream lists records, each
// record gives the partitions of the child streams (and listed items their
// detail fetches), and so on. A partition is finished when its records and
// those of every partition below it are committed. Progress names the
// finished root partitions, and describes the unfinished ones that have
// finished something below them; everything else is read again on resume.
// Its size grows with the partitions in flight, not with the account: the
// read goes depth-first, children in their parent's order, so the finished
// children of a partition are mostly one span from the first.
type Progress struct {
	// Done lists the keys of the stream's finished partitions.
	Done []string `json:"done,omitempty"`
	// Partitions are the stream's unfinished partitions with progress.
	Partitions []*Partition `json:"partitions,omitempty"`
}

// Partition is the progress of one unfinished partition.
type Partition struct {
	// Stream is the partition's stream (empty for a root stream's own
	// partition, in Progress.Partitions).
	Stream string `json:"stream,omitempty"`
	// Key is the partition's key (parent values, fanout, window).
	Key string `json:"key"`
	// Read is set when the partition's own records are all committed: a
	// resumed read lists it again only to find its children.
	Read bool `json:"read,omitempty"`
	// Done are the finished children, as spans of positions in the order
	// the partition lists them (child partitions of its records, in stream
	// order, and the details of its items).
	Done []Span `json:"done,omitempty"`
	// Children are the unfinished children that have progress.
	Children []*Partition `json:"children,omitempty"`
}

// Span is the finished children at positions From (included) to To
// (excluded) of a partition, and Sum, the sum of a 64-bit hash of each
// child's stream and key (16 hex digits): a resumed read skips the span
// only when the children it lists there have the same sum, so a listing
// that changed since (a parent added or removed) is read again, not lost.
type Span struct {
	From int    `json:"from"`
	To   int    `json:"to"`
	Sum  string `json:"sum"`
}

// Size counts the finished root partitions and the partitions under way
// that p describes (0 for nil).
func (p *Progress) Size() int {
	if p == nil {
		return 0
	}
	n := len(p.Done)
	var count func([]*Partition)
	count = func(ps []*Partition) {
		for _, q := range ps {
			n += 1 + len(q.Done)
			count(q.Children)
		}
	}
	count(p.Partitions)
	return n
}

// Clone returns a deep copy (nil for nil).
func (p *Progress) Clone() *Progress {
	if p == nil {
		return nil
	}
	c := &Progress{Done: slices.Clone(p.Done)}
	for _, q := range p.Partitions {
		c.Partitions = append(c.Partitions, q.Clone())
	}
	return c
}

// Clone returns a deep copy.
func (p *Partition) Clone() *Partition {
	c := *p
	c.Done = slices.Clone(p.Done)
	c.Children = nil
	for _, q := range p.Children {
		c.Children = append(c.Children, q.Clone())
	}
	return &c
}

// Clone returns a deep copy.
func (st *StreamState) Clone() *StreamState {
	c := *st
	c.Done = slices.Clone(st.Done)
	c.Progress = st.Progress.Clone()
	c.Positions = maps.Clone(st.Positions)
	c.Synced, c.Syncing = st.Synced.clone(), st.Syncing.clone()
	c.Requests = st.Requests.Clone()
	if st.Parents != nil {
		c.Parents = make(map[string]*StreamState, len(st.Parents))
		for k, v := range st.Parents {
			c.Parents[k] = v.Clone()
		}
	}
	return &c
}

func (m *SyncMark) clone() *SyncMark {
	if m == nil {
		return nil
	}
	c := *m
	return &c
}

// New returns an empty state.
func New() *State { return &State{Version: Version, Streams: map[string]*StreamState{}} }

// Stream returns the state of a stream, creating it.
func (s *State) Stream(name string) *StreamState {
	st := s.Streams[name]
	if st == nil {
		st = &StreamState{}
		s.Streams[name] = st
	}
	return st
}

// Clone returns a deep copy.
func (s *State) Clone() *State {
	out := New()
	for k, v := range s.Streams {
		out.Streams[k] = v.Clone()
	}
	return out
}

// Parse decodes a state document, refusing a newer format, an oversized
// document and one that is not a state.
func Parse(data []byte) (*State, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("state is %d bytes, more than the %d this connector accepts", len(data), MaxBytes)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("state is not valid JSON: %w", err)
	}
	if s.Version > Version {
		return nil, fmt.Errorf("state version %d is newer than this connector understands (%d): upgrade the connector or start without state", s.Version, Version)
	}
	if s.Version < 1 {
		return nil, errors.New(`state has no "version": not a zoom-connector state`)
	}
	if s.Streams == nil {
		s.Streams = map[string]*StreamState{}
	}
	for name, st := range s.Streams {
		if st == nil {
			s.Streams[name] = &StreamState{}
		}
		s.Streams[name].dropNilParents()
	}
	return &s, nil
}

// Load reads a state file. A missing file is an empty state.
func Load(path string) (*State, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return New(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read state %s: %w", path, err)
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	return s, nil
}

// dropNilParents removes parents and partitions decoded from null.
func (st *StreamState) dropNilParents() {
	for k, v := range st.Parents {
		if v == nil {
			delete(st.Parents, k)
		} else {
			v.dropNilParents()
		}
	}
	if st.Progress != nil {
		st.Progress.Partitions = dropNilPartitions(st.Progress.Partitions)
	}
}

func dropNilPartitions(ps []*Partition) []*Partition {
	ps = slices.DeleteFunc(ps, func(p *Partition) bool { return p == nil })
	for _, p := range ps {
		p.Children = dropNilPartitions(p.Children)
	}
	return ps
}

// sortDone sorts the partition lists, the parents' too.
func (st *StreamState) sortDone() {
	sort.Strings(st.Done)
	if st.Progress != nil {
		sort.Strings(st.Progress.Done)
	}
	for _, p := range st.Parents {
		p.sortDone()
	}
}

// Marshal encodes the state with sorted partition lists.
func (s *State) Marshal() ([]byte, error) {
	for _, st := range s.Streams {
		st.sortDone()
	}
	return json.Marshal(s)
}

// Save writes the state atomically: a temporary file in the same folder,
// fsynced, renamed over path, and the folder fsynced. A crash at any point
// leaves either the old file or the new one, never a mix.
func (s *State) Save(path string) error {
	data, err := s.Marshal()
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, data, 0o600, nil)
}

// Marshal encodes one stream's state with the format version, as the
// stream_state of an Airbyte per-stream STATE message.
func (st *StreamState) Marshal() ([]byte, error) {
	st.sortDone()
	return json.Marshal(struct {
		Version int `json:"version"`
		*StreamState
	}{Version, st})
}

// ParseStream decodes one stream's state written by StreamState.Marshal.
func ParseStream(data []byte) (*StreamState, error) {
	if len(data) == 0 {
		return &StreamState{}, nil
	}
	var v struct {
		Version int `json:"version"`
		StreamState
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not a zoom-connector stream state: %w", err)
	}
	if v.Version > Version {
		return nil, fmt.Errorf("stream state version %d is newer than this connector understands (%d)", v.Version, Version)
	}
	v.StreamState.dropNilParents()
	return &v.StreamState, nil
}
