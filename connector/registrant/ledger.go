package registrant

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/store"
)

// Entry is one ledger entry: a registration, or another action Zoom
// confirmed (or a row settled without a request). The key is a hash, so a
// ledger holds no email address.
type Entry struct {
	// Key is Key(target, email) for a registration; the write command keys
	// its lifecycle actions itself (see package write).
	Key string `json:"key"`
	// Target is "meeting:ID" or "webinar:ID".
	Target string `json:"target"`
	// Action is the action applied; empty for a registration.
	Action string `json:"action,omitempty"`
	// Outcome is how an action row was settled without a request:
	// already_done or not_found; empty when Zoom applied it.
	Outcome      string `json:"outcome,omitempty"`
	RegistrantID string `json:"registrant_id,omitempty"`
	JoinURL      string `json:"join_url,omitempty"`
	// Row is the input row of the write command that made the entry (0
	// for /register).
	Row int `json:"row"`
	// At is when the entry was recorded (RFC 3339, UTC).
	At string `json:"at"`
}

// Ledger is the durable record of confirmed registrations and actions that
// makes a repeated request send nothing twice. Implementations are safe
// for concurrent use.
type Ledger interface {
	// Lookup returns the entry of key.
	Lookup(ctx context.Context, key string) (Entry, bool, error)
	// Record makes entries durable before it returns. An entry whose key
	// the ledger already holds replaces it in a file and is ignored by the
	// store (the first registration stays).
	Record(ctx context.Context, entries []Entry) error
	// Close releases what the ledger opened.
	Close() error
}

// Find looks the registration of email for t up under each of Keys.
func Find(ctx context.Context, l Ledger, t Target, email string) (Entry, bool, error) {
	for _, k := range Keys(t, email) {
		if e, ok, err := l.Lookup(ctx, k); err != nil || ok {
			return e, ok, err
		}
	}
	return Entry{}, false, nil
}

// StoreLedger is the ledger in the serve store's registration_ledger table
// (SQLite or PostgreSQL): the one /register uses, and `write --ledger
// store`, so a person registered by either is known to both. It does not
// close the store.
type StoreLedger struct {
	Store store.Store
	// AccountID is the Zoom account the entries belong to (the account's
	// entries are deleted when it removes the app).
	AccountID string
}

// Lookup implements Ledger.
func (s StoreLedger) Lookup(ctx context.Context, key string) (Entry, bool, error) {
	e, err := s.Store.LedgerGet(ctx, key)
	if err != nil || e == nil {
		return Entry{}, false, err
	}
	out := Entry{Key: e.Key, Target: e.TargetKind + ":" + strconv.FormatInt(e.TargetID, 10),
		RegistrantID: e.RegistrantID, JoinURL: e.JoinURL}
	if !e.CreatedAt.IsZero() {
		out.At = e.CreatedAt.UTC().Format(time.RFC3339)
	}
	if e.Status != statusRegistered {
		out.Action, out.Outcome, _ = strings.Cut(e.Status, ":")
	}
	return out, true, nil
}

// statusRegistered is the store's status of a registration; an action's
// is the action, then ":" and the outcome when it was settled without a
// request.
const statusRegistered = "registered"

// Record implements Ledger: one LedgerPut per entry, each durable when it
// returns.
func (s StoreLedger) Record(ctx context.Context, entries []Entry) error {
	for _, e := range entries {
		kind, id, ok := strings.Cut(e.Target, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			return fmt.Errorf("ledger: entry target %q is not kind:ID", e.Target)
		}
		status := statusRegistered
		if e.Action != "" {
			status = e.Action
			if e.Outcome != "" {
				status += ":" + e.Outcome
			}
		}
		if _, _, err := s.Store.LedgerPut(ctx, store.LedgerEntry{Key: e.Key, AccountID: s.AccountID, TargetKind: kind, TargetID: n,
			RegistrantID: e.RegistrantID, JoinURL: e.JoinURL, Status: status}); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	return nil
}

// Close implements Ledger; the store stays open (its opener closes it).
func (s StoreLedger) Close() error { return nil }

// errNoLedger is returned by Register without a ledger.
var errNoLedger = errors.New("registrant: no ledger")
