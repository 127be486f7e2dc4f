package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// errNoRows is what a scanner returns when the query found no row, for
// both drivers.
var errNoRows = errors.New("store: no rows")

// querier runs SQL written with ? placeholders; each backend rebinds them.
type querier interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	queryRow(ctx context.Context, q string, args ...any) scanner
	query(ctx context.Context, q string, args ...any) (rowsIter, error)
}

type scanner interface{ Scan(dest ...any) error }

type rowsIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// backend is what differs between SQLite and PostgreSQL.
type backend interface {
	kind() string
	// tx runs fn in a write transaction, serialized with every other
	// append (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock).
	tx(ctx context.Context, fn func(q querier) error) error
	// read runs fn outside a transaction.
	read(ctx context.Context, fn func(q querier) error) error
	ping(ctx context.Context) error
	close() error
}

// sqlStore implements Store over a backend with portable SQL.
type sqlStore struct {
	b      backend
	closed atomic.Bool
}

func (s *sqlStore) Kind() string { return s.b.kind() }

func (s *sqlStore) check() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return nil
}

func (s *sqlStore) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.b.close()
}

func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	return wrap("ping", s.b.ping(ctx))
}

// appendLocked inserts e and its dedupe key inside a transaction; stored
// is false for a redelivery.
func appendLocked(ctx context.Context, q querier, e Event) (int64, bool, error) {
	key := e.DedupeKey()
	var first int64
	err := q.queryRow(ctx, `SELECT first_position FROM webhook_dedupe WHERE dedupe_key = ?`, key).Scan(&first)
	switch {
	case err == nil:
		var n int64
		if err := q.queryRow(ctx, `SELECT COUNT(*) FROM webhook_events WHERE position = ?`, first).Scan(&n); err != nil {
			return 0, false, err
		}
		if n == 0 {
			first = 0
		}
		return first, false, nil
	case !errors.Is(err, errNoRows):
		return 0, false, err
	}
	now := nowOr(e.ReceivedAt).UnixMilli()
	var pos int64
	if err := q.queryRow(ctx, `INSERT INTO webhook_events (event, event_ts, account_id, object_id, dedupe_key, body, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING position`,
		e.Event, e.EventTS, e.AccountID, e.ObjectID, key, []byte(e.Body), now).Scan(&pos); err != nil {
		return 0, false, err
	}
	if _, err := q.exec(ctx, `INSERT INTO webhook_dedupe (dedupe_key, first_position, received_at) VALUES (?, ?, ?)`, key, pos, now); err != nil {
		return 0, false, err
	}
	return pos, true, nil
}

func (s *sqlStore) AppendEvent(ctx context.Context, e Event) (int64, bool, error) {
	if err := s.check(); err != nil {
		return 0, false, err
	}
	var pos int64
	var stored bool
	err := s.b.tx(ctx, func(q querier) error {
		var err error
		pos, stored, err = appendLocked(ctx, q, e)
		return err
	})
	if err != nil {
		return 0, false, wrap("append event", err)
	}
	return pos, stored, nil
}

func (s *sqlStore) EventsAfter(ctx context.Context, after int64, limit int) ([]Event, error) {
	return s.eventsAfter(ctx, nil, after, limit)
}

func (s *sqlStore) AccountEventsAfter(ctx context.Context, accountID string, after int64, limit int) ([]Event, error) {
	if accountID == "" {
		return nil, errors.New("store: account events: no account id")
	}
	return s.eventsAfter(ctx, &accountID, after, limit)
}

// eventsAfter lists events after a position, of one account if account
// is not nil.
func (s *sqlStore) eventsAfter(ctx context.Context, account *string, after int64, limit int) ([]Event, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 1000
	}
	where, args := `position > ?`, []any{after}
	if account != nil {
		where, args = `account_id = ? AND position > ?`, []any{*account, after}
	}
	var out []Event
	err := s.b.read(ctx, func(q querier) error {
		rows, err := q.query(ctx, `SELECT position, event, event_ts, account_id, object_id, body, received_at
			FROM webhook_events WHERE `+where+` ORDER BY position LIMIT `+strconv.Itoa(limit), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Event
			var body []byte
			var recv int64
			if err := rows.Scan(&e.Position, &e.Event, &e.EventTS, &e.AccountID, &e.ObjectID, &body, &recv); err != nil {
				return err
			}
			e.Body = append([]byte(nil), body...)
			e.ReceivedAt = msTime(recv)
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrap("list events", err)
	}
	return out, nil
}

func (s *sqlStore) Deauthorize(ctx context.Context, d Deauthorization, e Event) (int64, bool, error) {
	if err := s.check(); err != nil {
		return 0, false, err
	}
	if d.AccountID == "" {
		return 0, false, errors.New("store: deauthorize: no account_id")
	}
	var pos int64
	var stored bool
	err := s.b.tx(ctx, func(q querier) error {
		var first int64
		err := q.queryRow(ctx, `SELECT first_position FROM webhook_dedupe WHERE dedupe_key = ?`, e.DedupeKey()).Scan(&first)
		if err == nil {
			pos, stored = 0, false
			return nil
		}
		if !errors.Is(err, errNoRows) {
			return err
		}
		if d.EventsDeleted, err = q.exec(ctx, `DELETE FROM webhook_events WHERE account_id = ?`, d.AccountID); err != nil {
			return err
		}
		if d.LedgerDeleted, err = q.exec(ctx, `DELETE FROM registration_ledger WHERE account_id = ?`, d.AccountID); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `INSERT INTO deauthorizations (account_id, user_id, client_id, deauthorized_at, received_at, events_deleted, ledger_deleted)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, d.AccountID, d.UserID, d.ClientID, d.DeauthorizedAt, nowOr(d.ReceivedAt).UnixMilli(), d.EventsDeleted, d.LedgerDeleted); err != nil {
			return err
		}
		pos, stored, err = appendLocked(ctx, q, e)
		return err
	})
	if err != nil {
		return 0, false, wrap("deauthorize", err)
	}
	return pos, stored, nil
}

func (s *sqlStore) Deauthorizations(ctx context.Context) ([]Deauthorization, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	var out []Deauthorization
	err := s.b.read(ctx, func(q querier) error {
		rows, err := q.query(ctx, `SELECT account_id, user_id, client_id, deauthorized_at, received_at, events_deleted, ledger_deleted
			FROM deauthorizations ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d Deauthorization
			var recv int64
			if err := rows.Scan(&d.AccountID, &d.UserID, &d.ClientID, &d.DeauthorizedAt, &recv, &d.EventsDeleted, &d.LedgerDeleted); err != nil {
				return err
			}
			d.ReceivedAt = msTime(recv)
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrap("list deauthorizations", err)
	}
	return out, nil
}

const ledgerColumns = `ledger_key, account_id, target_kind, target_id, registrant_id, join_url, status, created_at`

func scanLedger(sc scanner) (*LedgerEntry, error) {
	var e LedgerEntry
	var created int64
	if err := sc.Scan(&e.Key, &e.AccountID, &e.TargetKind, &e.TargetID, &e.RegistrantID, &e.JoinURL, &e.Status, &created); err != nil {
		return nil, err
	}
	e.CreatedAt = msTime(created)
	return &e, nil
}

func (s *sqlStore) LedgerGet(ctx context.Context, key string) (*LedgerEntry, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	var out *LedgerEntry
	err := s.b.read(ctx, func(q querier) error {
		e, err := scanLedger(q.queryRow(ctx, `SELECT `+ledgerColumns+` FROM registration_ledger WHERE ledger_key = ?`, key))
		if errors.Is(err, errNoRows) {
			return nil
		}
		out = e
		return err
	})
	if err != nil {
		return nil, wrap("ledger get", err)
	}
	return out, nil
}

func (s *sqlStore) LedgerPut(ctx context.Context, e LedgerEntry) (*LedgerEntry, bool, error) {
	if err := s.check(); err != nil {
		return nil, false, err
	}
	if e.Key == "" {
		return nil, false, errors.New("store: ledger put: empty key")
	}
	e.CreatedAt = nowOr(e.CreatedAt).Truncate(time.Millisecond)
	var out *LedgerEntry
	var stored bool
	err := s.b.tx(ctx, func(q querier) error {
		n, err := q.exec(ctx, `INSERT INTO registration_ledger (`+ledgerColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (ledger_key) DO NOTHING`,
			e.Key, e.AccountID, e.TargetKind, e.TargetID, e.RegistrantID, e.JoinURL, e.Status, e.CreatedAt.UnixMilli())
		if err != nil {
			return err
		}
		if n == 1 {
			out, stored = &e, true
			return nil
		}
		out, err = scanLedger(q.queryRow(ctx, `SELECT `+ledgerColumns+` FROM registration_ledger WHERE ledger_key = ?`, e.Key))
		return err
	})
	if err != nil {
		return nil, false, wrap("ledger put", err)
	}
	return out, stored, nil
}

// rebindDollar rewrites ? placeholders as $1, $2, ... for PostgreSQL. The
// store's SQL has no ? inside literals.
func rebindDollar(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
