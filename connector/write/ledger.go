package write

import (
	"context"
	"sync"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/registrant"
)

// journal is the run's view of its ledger (registrant.Ledger: a file, or
// the serve store's table). Registrations and actions are keyed as
// registrant.Key says; an action's key is actionKey(...). Entries that
// record rows settled without a request (already done, not found) are
// held by settle and written with the next record or flushPending, which
// the writer calls before it sends any further write request: so when a
// later action on the same person reached Zoom, these entries are durable
// too. Methods are safe for concurrent use; a journal without a ledger
// records nothing (no --ledger), and a read-only one (dry run) keeps what
// it is given in memory.
type journal struct {
	l        registrant.Ledger
	readOnly bool
	now      func() time.Time

	mu      sync.Mutex
	pending []registrant.Entry
	held    map[string]registrant.Entry // pending entries by key
}

func newJournal(l registrant.Ledger, readOnly bool) *journal {
	return &journal{l: l, readOnly: readOnly, now: time.Now, held: map[string]registrant.Entry{}}
}

// lookup returns the entry of key.
func (j *journal) lookup(ctx context.Context, key string) (registrant.Entry, bool, error) {
	j.mu.Lock()
	e, ok := j.held[key]
	j.mu.Unlock()
	if ok || j.l == nil {
		return e, ok, nil
	}
	e, ok, err := j.l.Lookup(ctx, key)
	if err != nil {
		return e, ok, &ledgerError{err}
	}
	return e, ok, nil
}

// findRegistration looks up the registration of r's person for t: its own
// key (current or earlier form), or for a row with occurrence_ids also the
// whole meeting's.
func (j *journal) findRegistration(ctx context.Context, t TargetKey, r *row) (registrant.Entry, string, bool, error) {
	for _, occ := range []string{r.occ, ""} {
		for _, k := range registrant.Keys(t.registrant(occ), r.email) {
			if le, ok, err := j.lookup(ctx, k); err != nil || ok {
				why := "registered by an earlier run (ledger)"
				if occ != r.occ {
					why = "registered for the whole meeting by an earlier run (ledger)"
				}
				return le, why, ok, err
			}
		}
		if r.occ == "" {
			break
		}
	}
	return registrant.Entry{}, "", false, nil
}

// record makes what settle held, then entries, durable (one Record), and
// returns only when they are. It is not cancelled with the run: what Zoom
// already applied is recorded even when the run is being interrupted.
func (j *journal) record(entries []registrant.Entry) error {
	at := j.now().UTC().Format(time.RFC3339)
	for i := range entries {
		entries[i].At = at
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	all := append(j.pending[:len(j.pending):len(j.pending)], entries...)
	if len(all) == 0 {
		return nil
	}
	if j.l == nil {
		j.pending = nil
		return nil
	}
	if j.readOnly {
		for _, e := range all {
			j.held[e.Key] = e
		}
		j.pending = nil
		return nil
	}
	if err := j.l.Record(context.Background(), all); err != nil {
		return &ledgerError{err}
	}
	j.pending = nil
	clear(j.held)
	return nil
}

// settle holds entries of rows settled without a request: lookup sees
// them at once, and the next record or flushPending writes them.
func (j *journal) settle(entries []registrant.Entry) {
	if j.l == nil || len(entries) == 0 {
		return
	}
	at := j.now().UTC().Format(time.RFC3339)
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range entries {
		e.At = at
		j.held[e.Key] = e
		j.pending = append(j.pending, e)
	}
}

// flushPending makes the entries settle held durable.
func (j *journal) flushPending() error { return j.record(nil) }

// size returns the ledger's number of entries when it can tell (a file),
// else -1.
func (j *journal) size() int {
	if l, ok := j.l.(interface{ Len() int }); ok {
		return l.Len()
	}
	return -1
}
