package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event is one verified Zoom webhook delivery as stored.
type Event struct {
	// Position is the event's place in arrival order (1, 2, ...), assigned
	// by AppendEvent; it only grows, with gaps where events were deleted.
	Position int64
	// Event is Zoom's event name, such as "meeting.registration_created".
	Event string
	// EventTS is Zoom's event_ts, in milliseconds since the Unix epoch.
	EventTS int64
	// AccountID is payload.account_id, "" if the event has none.
	AccountID string
	// ObjectID identifies payload.object (see ObjectID), "" if none.
	ObjectID string
	// Body is the request body exactly as Zoom sent it.
	Body json.RawMessage
	// ReceivedAt is when serve stored the event (UTC, millisecond precision).
	ReceivedAt time.Time
}

// DedupeKey returns the event's idempotency key: a hash of (event name,
// event_ts, account id, object id). Zoom's retries of one event share it;
// the same event of two accounts at the same millisecond does not (for an
// event without an object, serve's ObjectID is a hash of the payload).
func (e Event) DedupeKey() string {
	h := sha256.Sum256([]byte(e.Event + "\x00" + strconv.FormatInt(e.EventTS, 10) + "\x00" + e.AccountID + "\x00" + e.ObjectID))
	return hex.EncodeToString(h[:])
}

// Deauthorization records that an account removed the app
// (app_deauthorized) and what was deleted for it.
type Deauthorization struct {
	AccountID string
	UserID    string
	ClientID  string
	// DeauthorizedAt is payload.deauthorization_time as Zoom sent it.
	DeauthorizedAt string
	// ReceivedAt is when the event was processed.
	ReceivedAt time.Time
	// EventsDeleted and LedgerDeleted count the rows deleted for the account.
	EventsDeleted int64
	LedgerDeleted int64
}

// LedgerEntry is one registration the connector made: the answer to a later
// request with the same Key, so a form submitted twice registers once.
type LedgerEntry struct {
	// Key is the idempotency key chosen by the caller (see
	// connector/registrant.Keys); the store holds no email address.
	Key string
	// AccountID is the Zoom account the target belongs to.
	AccountID string
	// TargetKind is "meeting" or "webinar"; TargetID its numeric ID.
	TargetKind string
	TargetID   int64
	// RegistrantID and JoinURL are Zoom's answer.
	RegistrantID string
	JoinURL      string
	// Status is the registration's status: "registered" or "pending"
	// (waiting for the host's approval).
	Status    string
	CreatedAt time.Time
}

// Store is the serve command's durable state. Implementations are safe for
// concurrent use by many goroutines and, for PostgreSQL, many processes.
// Every method honours ctx: when it ends, the call returns ctx.Err() (or
// an error wrapping it) and a transaction under way is rolled back, so a
// cancelled write either happened completely or not at all.
type Store interface {
	// AppendEvent stores e unless an event with the same DedupeKey was
	// stored before. It returns the event's position and true when stored
	// now, or the first delivery's position and false for a redelivery
	// (0 if that event has since been deleted). Position and ReceivedAt
	// of e are ignored (ReceivedAt zero means now). It returns only after
	// the event is durable.
	AppendEvent(ctx context.Context, e Event) (pos int64, stored bool, err error)
	// EventsAfter returns up to limit events with a position greater than
	// after, in position order.
	EventsAfter(ctx context.Context, after int64, limit int) ([]Event, error)
	// AccountEventsAfter is EventsAfter for the events of one Zoom account
	// (payload.account_id): what one tenant may read.
	AccountEventsAfter(ctx context.Context, accountID string, after int64, limit int) ([]Event, error)
	// Deauthorize handles app_deauthorized in one transaction: unless e is
	// a redelivery, it deletes the account's events and ledger entries,
	// records d (with the counts) and appends e. It returns as AppendEvent.
	Deauthorize(ctx context.Context, d Deauthorization, e Event) (pos int64, stored bool, err error)
	// Deauthorizations lists the recorded deauthorizations, oldest first.
	Deauthorizations(ctx context.Context) ([]Deauthorization, error)
	// LedgerGet returns the entry with key, or nil and no error if none.
	LedgerGet(ctx context.Context, key string) (*LedgerEntry, error)
	// LedgerPut stores e unless an entry with its key exists; it returns
	// the stored entry (the existing one when there was one) and whether
	// e was stored now.
	LedgerPut(ctx context.Context, e LedgerEntry) (*LedgerEntry, bool, error)
	// Ping reports whether the store is reachable and writable.
	Ping(ctx context.Context) error
	// Kind is "sqlite" or "postgres".
	Kind() string
	// Close releases the store; calls after Close fail.
	Close() error
}

// ErrClosed is returned by a Store used after Close.
var ErrClosed = errors.New("store: closed")

// Open opens (creating if needed) the store at location and brings its
// schema up to date. A location starting with postgres:// or
// postgresql://, or a libpq key=value string containing "host=" or
// "dbname=", is a PostgreSQL DSN; anything else is the path of a SQLite
// file. A PostgreSQL password should come from PGPASSWORD or a .pgpass
// file rather than the DSN, which may be logged by other tools.
func Open(ctx context.Context, location string) (Store, error) {
	if location == "" {
		return nil, errors.New("store: no location: give a SQLite file path or a PostgreSQL DSN")
	}
	if IsPostgres(location) {
		return openPostgres(ctx, location)
	}
	return openSQLite(ctx, location)
}

// IsPostgres reports whether location names a PostgreSQL database.
func IsPostgres(location string) bool {
	l := strings.ToLower(strings.TrimSpace(location))
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://") ||
		(strings.Contains(l, "=") && (strings.Contains(l, "host=") || strings.Contains(l, "dbname=")))
}

// Describe returns location fit for a log: a PostgreSQL DSN without its
// password, or the SQLite path.
func Describe(location string) string {
	if !IsPostgres(location) {
		return "sqlite:" + location
	}
	if i := strings.Index(location, "://"); i >= 0 {
		rest := location[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			user := rest[:at]
			if c := strings.IndexByte(user, ':'); c >= 0 {
				user = user[:c] + ":[redacted]"
			}
			rest = user + rest[at:]
		}
		return location[:i+3] + rest
	}
	f := strings.Fields(location)
	for i, kv := range f {
		if strings.HasPrefix(strings.ToLower(kv), "password=") {
			f[i] = "password=[redacted]"
		}
	}
	return strings.Join(f, " ")
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t.UTC()
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
