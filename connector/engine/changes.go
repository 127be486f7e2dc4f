package engine

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
	"github.com/zoom-connector/zoom-connector/internal/state"
)

// Change-driven reads. A daily incremental read need not ask again for
// what cannot have changed: a meeting or webinar that ended long ago.
//
//   - Settled: a meeting or webinar (a stream with Settles and a Detail)
//     whose last occurrence ended more than SettleDays ago is settled at
//     that point (settledAt). A stream of the read covers it when the
//     stream is read incrementally, its last completed sync began after
//     the parent settled (StreamState.Synced), that sync was not followed
//     by a webhook event naming the parent, and this sync is not a
//     reconciliation. A child stream is not asked for a parent that it and
//     every selected stream below it cover; the parent's details are not
//     asked for when its list item tells when it settled and the parent
//     stream (if selected) and every child cover it.
//   - Webhook-driven: ChangeRules.Changes lists the events serve stored
//     for the account; a parent an event names after a stream's last sync
//     is read again for that stream, settled or not.
//   - Reconciliation: a sync that begins ReconcileDays or more after the
//     stream's last reconciliation (StreamState.ReconciledAt) skips
//     nothing.

// ChangeRules turn on change-driven reads.
type ChangeRules struct {
	// SettleDays is how long after its last occurrence ended a meeting or
	// webinar settles (0 turns the rules off).
	SettleDays int
	// ReconcileDays is how often a sync reconciles (0: never).
	ReconcileDays int
	// Changes, when set, lists the webhook events stored for the account
	// (the serve store).
	Changes ChangeSource
}

// ChangeSource lists the changes webhook events announced.
type ChangeSource interface {
	// ChangesAfter returns the changes after a position of the store, in
	// order.
	ChangesAfter(ctx context.Context, after int64) ([]Change, error)
}

// Change is one webhook event at its Position in the store: Stream is the
// parent stream it names (meetings, webinars; "" for none) and ID the
// parent's id.
type Change struct {
	Position int64
	Stream   string
	ID       string
}

// changes applies the rules in one read. It is built before the workers
// start and only read after (but for the counter).
type changes struct {
	on     bool
	now    time.Time
	settle time.Duration
	plan   *plan
	inc    map[string]bool
	// per stream of the read that the rules concern (a selected stream
	// with Settles or under one): its last completed sync and this one.
	synced  map[string]*state.SyncMark
	syncing map[string]*state.SyncMark
	// changed: parent stream -> parent id -> position of its last event.
	changed map[string]map[string]int64
	// under: stream -> the selected streams at or below it in the read.
	under   map[string][]string
	skipped atomic.Int64 // details and child partitions not read
}

// concerned reports whether the rules concern a selected stream: it
// settles or hangs off a stream that does.
func (p *plan) concerned(stream string) bool {
	if !p.selected[stream] {
		return false
	}
	for _, a := range p.ancestors(stream) {
		if p.all[a].Settles {
			return true
		}
	}
	return false
}

// newChanges prepares the rules for a read from its starting state st,
// and marks in st the syncs that begin now. Without a store, or when it
// cannot be read, no event is known (with an error, nothing is skipped).
func newChanges(ctx context.Context, r *ChangeRules, p *plan, inc map[string]bool, st *state.State, now time.Time) (*changes, error) {
	ch := &changes{plan: p, inc: inc, now: now, synced: map[string]*state.SyncMark{},
		syncing: map[string]*state.SyncMark{}, changed: map[string]map[string]int64{}}
	if r == nil || r.SettleDays <= 0 {
		return ch, nil
	}
	ch.on, ch.settle = true, time.Duration(r.SettleDays)*24*time.Hour
	ch.under = map[string][]string{}
	for _, s := range p.order {
		for _, a := range p.ancestors(s.Name) {
			if p.selected[s.Name] {
				ch.under[a] = append(ch.under[a], s.Name)
			}
		}
	}
	var after, last int64 = -1, 0
	for _, n := range sortedKeys(p.selected) {
		if !p.concerned(n) {
			continue
		}
		ss := st.Stream(n)
		if ss.Synced != nil {
			last = max(last, ss.Synced.Changes)
			if after < 0 || ss.Synced.Changes < after {
				after = ss.Synced.Changes
			}
		}
		ch.synced[n] = ss.Synced
	}
	var err error
	if r.Changes != nil && after >= 0 {
		var evs []Change
		if evs, err = r.Changes.ChangesAfter(ctx, after); err != nil {
			ch.on = false // read everything rather than miss a change
		}
		for _, c := range evs {
			last = max(last, c.Position)
			if c.Stream == "" {
				continue
			}
			if ch.changed[c.Stream] == nil {
				ch.changed[c.Stream] = map[string]int64{}
			}
			ch.changed[c.Stream][c.ID] = c.Position
		}
	}
	for n := range ch.synced {
		ss := st.Stream(n)
		if ss.Syncing == nil && !ss.Complete {
			ss.Syncing = &state.SyncMark{At: now.Format(time.RFC3339), Changes: last, Reconcile: due(ss.ReconciledAt, r.ReconcileDays, now)}
		}
		ch.syncing[n] = ss.Syncing
	}
	return ch, err
}

// due reports whether a sync beginning at now reconciles, the last
// reconciliation having begun at last (never: ""): state.ReconcileDue,
// which the quota estimate asks too.
func due(last string, days int, now time.Time) bool {
	return state.ReconcileDue(last, days, now)
}

// settledAt is when a meeting or webinar settles, from its list item or
// its details: settle after the end of its last occurrence. A single one
// (type 1, 2, 5) ends at start_time + duration. A recurring one with a
// fixed time (8, 9) is known to be over only from its details, whose
// occurrences list those not yet ended (Zoom's GET /meetings/{id} without
// show_previous_occurrences): when that list is empty, start_time is taken
// as the last occurrence's (ASSUMPTION: Zoom documents start_time only as
// "meeting start time"; the simulator answers the last occurrence's). One
// without a fixed time (3, 6) never settles.
func settledAt(item map[string]any, settle time.Duration) (time.Time, bool) {
	switch jsonrec.Str(item["type"]) {
	case "1", "2", "5":
	case "8", "9":
		occ, ok := item["occurrences"].([]any)
		if !ok || len(occ) > 0 {
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	start, ok := parseTime(jsonrec.Str(item["start_time"]))
	if !ok {
		return time.Time{}, false
	}
	minutes, err := strconv.Atoi(jsonrec.Str(item["duration"]))
	if err != nil || minutes < 0 {
		return time.Time{}, false
	}
	return start.Add(time.Duration(minutes)*time.Minute + settle), true
}

// covers reports whether stream n need not read parent id (of stream
// parent) again, the parent having settled at at.
func (ch *changes) covers(n, parent, id string, at time.Time) bool {
	syncing, synced := ch.syncing[n], ch.synced[n]
	if !ch.inc[n] || syncing == nil || syncing.Reconcile || synced == nil {
		return false
	}
	t, ok := parseTime(synced.At)
	if !ok || t.Before(at) {
		return false
	}
	pos, named := ch.changed[parent][id]
	return !named || pos <= synced.Changes
}

// skipChild reports whether child stream c need not be read for the
// parent record fields: the parent settled and c and every selected
// stream below it cover it.
func (ch *changes) skipChild(parent string, c streams.Stream, fields map[string]any) bool {
	if !ch.on || !ch.plan.all[parent].Settles {
		return false
	}
	at, ok := settledAt(fields, ch.settle)
	if !ok || at.After(ch.now) {
		return false
	}
	id := jsonrec.Str(fields["id"])
	for _, d := range ch.under[c.Name] {
		if !ch.covers(d, parent, id, at) {
			return false
		}
	}
	ch.skipped.Add(1)
	return true
}

// skipDetail reports whether a listed meeting or webinar of stream s need
// not be fetched: its list item tells it settled, s (if selected) covers
// it, and every child stream may skip it.
func (ch *changes) skipDetail(s streams.Stream, item map[string]any) bool {
	if !ch.on || !s.Settles {
		return false
	}
	at, ok := settledAt(item, ch.settle)
	if !ok || at.After(ch.now) {
		return false
	}
	id := jsonrec.Str(item["id"])
	for _, d := range ch.under[s.Name] { // s itself if selected, and every stream below
		if !ch.covers(d, s.Name, id, at) {
			return false
		}
	}
	ch.skipped.Add(1)
	return true
}

// finish moves, in st, the mark of each concerned stream that completed
// its sync in this read from Syncing to Synced (and to ReconciledAt for a
// reconciliation). A stream already complete before this read (a resumed
// sync) keeps the marks it got then. Call it after the writer stopped,
// before checkpoint.settle.
func (ch *changes) finish(st *state.State, results map[string]*StreamResult, anyIncomplete bool, log *slog.Logger) {
	if ch.on {
		log.Info("change-driven read: details and child partitions not read for settled meetings and webinars", "skipped", ch.skipped.Load())
	}
	if anyIncomplete {
		// The marks move when the whole sync completes: until then its
		// resumed runs decide what is settled as its first run did, so
		// they list the same partitions in the same order.
		return
	}
	for n := range ch.syncing {
		ss := st.Stream(n)
		if results[n] == nil || results[n].Status != StatusComplete || ss.Syncing == nil {
			continue
		}
		ss.Synced = ss.Syncing
		if ss.Syncing.Reconcile {
			ss.ReconciledAt = ss.Syncing.At
		}
		ss.Syncing = nil
	}
}
