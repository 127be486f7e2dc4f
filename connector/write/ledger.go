package write

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// LedgerEntry is one line of the ledger: a registration or another action
// Zoom confirmed. The key is a hash, so the ledger holds no email address.
type LedgerEntry struct {
	// Key is hex(sha256(target + "\n" + lower(email) + "\n" + occurrence_ids))
	// for a registration; for another action hex(sha256(target + "\n" +
	// action + "\n" + person + "\n" + n)), where person is the lower-case
	// email (or "id:" and the registrant ID) and n counts that person's rows
	// of that action in the input, so "approve, cancel, approve" are three
	// entries.
	Key    string `json:"key"`
	Target string `json:"target"`
	// Action is the action applied; empty for a registration.
	Action string `json:"action,omitempty"`
	// Outcome is how an action row was settled without a request:
	// already_done or not_found; empty when Zoom applied it.
	Outcome      string `json:"outcome,omitempty"`
	RegistrantID string `json:"registrant_id,omitempty"`
	JoinURL      string `json:"join_url,omitempty"`
	Row          int    `json:"row"`
	At           string `json:"at"`
}

// ledgerKey is the key of a registration in the ledger.
func ledgerKey(t TargetKey, email, occ string) string {
	h := sha256.Sum256([]byte(t.String() + "\n" + email + "\n" + occ))
	return hex.EncodeToString(h[:])
}

// Ledger is the append-only record of confirmed registrations that makes a
// re-run after a crash send nothing twice. Its methods are safe for
// concurrent use. A nil *Ledger records nothing (no --ledger).
type Ledger struct {
	mu      sync.Mutex
	f       *os.File
	entries map[string]LedgerEntry
	pending []LedgerEntry // settled entries not yet written (see settle)
	now     func() time.Time
}

// OpenLedger reads the ledger at path (creating it if needed) and opens it
// for appending. A last line cut short by a crash is dropped (and the file
// truncated to the last complete line), so the next append starts clean.
// With readOnly (dry run) the file is read if it exists and never written.
func OpenLedger(path string, readOnly bool) (*Ledger, error) {
	l := &Ledger{entries: map[string]LedgerEntry{}, now: time.Now}
	flag := os.O_RDWR | os.O_CREATE
	if readOnly {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(path, flag, 0o600)
	if readOnly && errors.Is(err, os.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	good := bytes.LastIndexByte(data, '\n') + 1
	sc := bufio.NewScanner(bytes.NewReader(data[:good]))
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e LedgerEntry
		if err := json.Unmarshal(b, &e); err != nil || e.Key == "" {
			f.Close()
			return nil, fmt.Errorf("ledger %s: line %d is not a ledger entry", path, line)
		}
		l.entries[e.Key] = e
	}
	if readOnly {
		f.Close()
		return l, nil
	}
	if good < len(data) {
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return nil, fmt.Errorf("ledger: drop the incomplete last line: %w", err)
		}
	}
	if _, err := f.Seek(int64(good), io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("ledger: %w", err)
	}
	l.f = f
	return l, nil
}

// Len returns the number of entries.
func (l *Ledger) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// lookup returns the entry of key.
func (l *Ledger) lookup(key string) (LedgerEntry, bool) {
	if l == nil {
		return LedgerEntry{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	return e, ok
}

// record appends entries and fsyncs once: it returns only when they are on
// disk.
func (l *Ledger) record(entries []LedgerEntry) error {
	if l == nil {
		return nil
	}
	at := l.now().UTC().Format(time.RFC3339)
	for i := range entries {
		entries[i].At = at
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(entries) == 0 && len(l.pending) == 0 {
		return nil
	}
	var buf bytes.Buffer
	for _, e := range append(l.pending, entries...) {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	if l.f == nil {
		l.pending = nil
		for _, e := range entries {
			l.entries[e.Key] = e
		}
		return nil
	}
	if _, err := l.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("append to ledger: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("sync ledger: %w", err)
	}
	l.pending = nil
	for _, e := range entries {
		l.entries[e.Key] = e
	}
	return nil
}

// settle adds entries that record rows settled without a request (already
// done, not found). They are visible to lookup at once and written with
// the next record or flushPending, which the writer calls before it sends
// any further write request: so when a later action on the same person
// reached Zoom, these entries are on disk too.
func (l *Ledger) settle(entries []LedgerEntry) {
	if l == nil || len(entries) == 0 {
		return
	}
	at := l.now().UTC().Format(time.RFC3339)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range entries {
		e.At = at
		l.entries[e.Key] = e
		l.pending = append(l.pending, e)
	}
}

// flushPending writes and fsyncs the entries settle added.
func (l *Ledger) flushPending() error {
	if l == nil {
		return nil
	}
	return l.record(nil)
}

// Close closes the ledger file.
func (l *Ledger) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	ferr := l.flushPending()
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.f.Close()
	l.f = nil
	if ferr != nil {
		return ferr
	}
	return err
}
