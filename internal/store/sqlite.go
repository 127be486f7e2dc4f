package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go)
)

// sqliteSchema creates the tables; it is idempotent.
const sqliteSchema = `
CREATE TABLE IF NOT EXISTS webhook_events (
	position    INTEGER PRIMARY KEY AUTOINCREMENT,
	event       TEXT    NOT NULL,
	event_ts    INTEGER NOT NULL,
	account_id  TEXT    NOT NULL,
	object_id   TEXT    NOT NULL,
	dedupe_key  TEXT    NOT NULL,
	body        BLOB    NOT NULL,
	received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_events_account ON webhook_events (account_id);
CREATE INDEX IF NOT EXISTS webhook_events_account_position ON webhook_events (account_id, position);
CREATE TABLE IF NOT EXISTS webhook_dedupe (
	dedupe_key     TEXT    PRIMARY KEY,
	first_position INTEGER NOT NULL,
	received_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deauthorizations (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id      TEXT    NOT NULL,
	user_id         TEXT    NOT NULL,
	client_id       TEXT    NOT NULL,
	deauthorized_at TEXT    NOT NULL,
	received_at     INTEGER NOT NULL,
	events_deleted  INTEGER NOT NULL,
	ledger_deleted  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS registration_ledger (
	ledger_key    TEXT    PRIMARY KEY,
	account_id    TEXT    NOT NULL,
	target_kind   TEXT    NOT NULL,
	target_id     INTEGER NOT NULL,
	registrant_id TEXT    NOT NULL,
	join_url      TEXT    NOT NULL,
	status        TEXT    NOT NULL,
	created_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS registration_ledger_account ON registration_ledger (account_id);
` + sqliteTokensSchema

type sqliteBackend struct{ db *sql.DB }

// openSQLite opens the SQLite file at path in WAL mode with full fsync on
// commit, a busy timeout for concurrent readers and writers, and write
// transactions that take the write lock at BEGIN (no upgrade deadlocks).
func openSQLite(ctx context.Context, path string) (Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: SQLite path %q must not contain ? or #", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: create folder of %s: %w", path, err)
		}
	}
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	if _, err := db.ExecContext(ctx, sqliteSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: create schema in %s: %w", path, err)
	}
	// SQLite created the WAL and SHM files with the database's mode; a
	// second pass corrects any an older version left too open.
	if err := ownerOnly(path); err != nil {
		db.Close()
		return nil, err
	}
	return &sqlStore{b: &sqliteBackend{db: db}}, nil
}

// sqliteFileSuffixes are the files SQLite keeps beside the database: they
// hold the same data (the WAL holds recent webhook payloads and join links).
var sqliteFileSuffixes = []string{"", "-wal", "-shm", "-journal"}

// ownerOnly creates the database file with mode 0600 if it does not exist
// (SQLite then gives its WAL and SHM files the same mode), and sets any of
// the database's files that exist and are open to others to 0600.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	f.Close()
	for _, suf := range sqliteFileSuffixes {
		fi, err := os.Stat(path + suf)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(path+suf, fi.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("store: make %s readable by its owner only: %w", path+suf, err)
		}
	}
	return nil
}

func (b *sqliteBackend) kind() string { return "sqlite" }

func (b *sqliteBackend) tx(ctx context.Context, fn func(q querier) error) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(sqlQuerier{tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (b *sqliteBackend) read(ctx context.Context, fn func(q querier) error) error {
	return fn(sqlQuerier{b.db})
}

func (b *sqliteBackend) ping(ctx context.Context) error {
	var n int
	return b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_dedupe WHERE dedupe_key = ''`).Scan(&n)
}

func (b *sqliteBackend) close() error { return b.db.Close() }

// sqlConn is what *sql.DB and *sql.Tx share.
type sqlConn interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

type sqlQuerier struct{ c sqlConn }

func (q sqlQuerier) exec(ctx context.Context, s string, args ...any) (int64, error) {
	r, err := q.c.ExecContext(ctx, s, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (q sqlQuerier) queryRow(ctx context.Context, s string, args ...any) scanner {
	return sqlRow{q.c.QueryRowContext(ctx, s, args...)}
}

func (q sqlQuerier) query(ctx context.Context, s string, args ...any) (rowsIter, error) {
	r, err := q.c.QueryContext(ctx, s, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

type sqlRow struct{ r *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	}
	return err
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }
