package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/engine"
	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// WebhookEventsStream is the stream of the Zoom webhook events that serve
// stored (connector/streams declares it, spec/streams/webhook_events.json
// is its schema). It is not read from Zoom but from the store (--store,
// else $ZOOM_CONNECTOR_STORE, else zoom-connector.db), by the same engine
// and into the same outputs as every stream: webhookSource is its
// engine.Source. A read emits only the events of one Zoom account: the
// config's account_id (Server-to-Server), or the account that connected
// the --tenant (recorded by serve's /connect), so a tenant never reads
// another tenant's meetings, registrants or participants. Its state is the
// position of the last event committed per account
// ({"version":2,"positions":{"AbC":42}}), written with the same commit
// protocol as every stream's; the next read emits that account's events
// after it, in order. (A "cursor" left by an older version, which read
// every account, is where an account without a position starts.)
const WebhookEventsStream = "webhook_events"

// webhookEventsBatch is how many events are asked of the store at a time.
const webhookEventsBatch = 500

// webhookRecord is one emitted record.
type webhookRecord struct {
	Position   int64           `json:"position"`
	Event      string          `json:"event"`
	EventTS    int64           `json:"event_ts"`
	AccountID  string          `json:"account_id,omitempty"`
	ObjectID   string          `json:"object_id,omitempty"`
	ReceivedAt string          `json:"received_at"`
	Payload    json.RawMessage `json:"payload"`
}

// webhookSource is the engine.Source of webhook_events: one account's
// events in the serve store.
type webhookSource struct {
	st      store.Store
	account string
}

// Records yields the account's events after its position in ss, in order.
func (w *webhookSource) Records(ctx context.Context, ss *state.StreamState) iter.Seq2[engine.SourceRecord, error] {
	return func(yield func(engine.SourceRecord, error) bool) {
		after, err := webhookStart(ss, w.account)
		if err != nil {
			yield(engine.SourceRecord{}, err)
			return
		}
		for {
			evs, err := w.st.AccountEventsAfter(ctx, w.account, after, webhookEventsBatch)
			if err != nil {
				yield(engine.SourceRecord{}, err)
				return
			}
			for _, e := range evs {
				rec, err := webhookEventRecord(e)
				if err != nil {
					yield(engine.SourceRecord{}, err)
					return
				}
				if !yield(engine.SourceRecord{Key: w.account, Position: e.Position, Record: rec}, nil) {
					return
				}
				after = e.Position
			}
			if len(evs) < webhookEventsBatch {
				return
			}
		}
	}
}

// sources returns the readers of the job's streams that do not come from
// Zoom (webhook_events: the serve store and the account whose events this
// read emits). The store is closed by f.closeStores.
func (f *readFlags) sources(ctx context.Context, cfg *config.Config, job *readJob, stdio IO, log *slog.Logger) (map[string]engine.Source, error) {
	if !slices.Contains(job.streams, WebhookEventsStream) {
		return nil, nil
	}
	loc := namedStore(f.auth.store, stdio.Getenv, cfg)
	if loc == "" {
		loc = DefaultStorePath
	}
	as, err := f.accountStore(ctx, cfg, loc, stdio, log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", WebhookEventsStream, err)
	}
	if _, err := webhookStart(job.state.Stream(WebhookEventsStream), as.account); err != nil {
		return nil, usageError(err)
	}
	log.Info("webhook_events: reading the serve store", "account_id", as.account, "store", store.Describe(loc))
	return map[string]engine.Source{WebhookEventsStream: &webhookSource{st: as.st, account: as.account}}, nil
}

// accountStore is an open serve store and the Zoom account whose events a
// read may use. A read opens each store once and finds the account once
// (webhook_events and the change-driven rules share them): for an account
// connected with authorize, finding it costs a request (GET /users/me).
type accountStore struct {
	st      store.Store
	account string
}

// accountStore opens the serve store at loc and finds the account, or
// returns those the read already has.
func (f *readFlags) accountStore(ctx context.Context, cfg *config.Config, loc string, stdio IO, log *slog.Logger) (*accountStore, error) {
	if as := f.stores[loc]; as != nil {
		return as, nil
	}
	st, err := store.Open(ctx, loc)
	if err != nil {
		return nil, err
	}
	account, err := webhookAccount(ctx, cfg, f, st, stdio, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	if f.stores == nil {
		f.stores = map[string]*accountStore{}
	}
	f.stores[loc] = &accountStore{st: st, account: account}
	return f.stores[loc], nil
}

// closeStores closes the stores the read opened.
func (f *readFlags) closeStores() {
	for _, as := range f.stores {
		as.st.Close()
	}
	f.stores = nil
}

// namedStore is the serve store a read names: --store, else
// $ZOOM_CONNECTOR_STORE, else the config's serve.store (the one serve
// writes); "" when it names none.
func namedStore(flag string, getenv func(string) string, cfg *config.Config) string {
	if flag != "" {
		return flag
	}
	if v := getenv(EnvStore); v != "" {
		return v
	}
	if cfg.Serve != nil {
		return cfg.Serve.Store
	}
	return ""
}

// webhookStart is where account's events start: its position in ss, else
// the single cursor of an older version, else the beginning.
func webhookStart(ss *state.StreamState, account string) (int64, error) {
	if ss == nil {
		return 0, nil
	}
	if p, ok := ss.Positions[account]; ok {
		if p < 0 {
			return 0, fmt.Errorf("state: stream %s: position %d of account %s is negative", WebhookEventsStream, p, account)
		}
		return p, nil
	}
	if ss.Cursor == "" {
		return 0, nil
	}
	pos, err := strconv.ParseInt(ss.Cursor, 10, 64)
	if err != nil || pos < 0 {
		return 0, fmt.Errorf("state: stream %s: cursor %q is not a position", WebhookEventsStream, ss.Cursor)
	}
	return pos, nil
}

// webhookAccount is the Zoom account whose events this read may emit: the
// config's account_id (Server-to-Server); for an oauth configuration the
// account that connected the tenant (recorded in the store by serve's
// /connect), else, for an account connected with the authorize command,
// the account of its token (GET /users/me).
func webhookAccount(ctx context.Context, cfg *config.Config, f *readFlags, st store.Store, stdio IO, log *slog.Logger) (string, error) {
	if !cfg.IsOAuth() {
		if cfg.AccountID == "" {
			return "", errors.New("the configuration has no account_id, whose events to read")
		}
		return cfg.AccountID, nil
	}
	tenant := f.auth.tenant
	if tenant == "" {
		tenant = tokenstore.DefaultTenant
	}
	acct, ok, err := store.TenantAccountOf(ctx, st, tenant)
	if err != nil {
		return "", err
	}
	if ok && acct.AccountID != "" {
		return acct.AccountID, nil
	}
	var rot *AirbyteRotation
	if f.format == FormatAirbyte {
		rot = &AirbyteRotation{ConfigPath: f.configPath}
		rot.Bind(airbyte.NewWriter(stdio.Stdout))
	}
	opts := f.auth.options(&f.common, stdio, log, rot)
	if loc, err := tenantStoreLocation(cfg, opts); err != nil {
		return "", err
	} else if loc != "" {
		return "", fmt.Errorf("tenant %q is not connected in the serve store (its owner connects it through serve's /connect with a link from: zoom-connector tenant invite %s)", tenant, tenant)
	}
	client, err := NewClientWith(cfg, opts)
	if err != nil {
		return "", err
	}
	req := client.NewRequest(http.MethodGet, "/users/me", nil, nil)
	req.Category = zoomapi.CategoryLight
	var me struct {
		AccountID string `json:"account_id"`
	}
	if _, err := client.Do(ctx, req, &me); err != nil {
		return "", fmt.Errorf("find the Zoom account of the token: %w", err)
	}
	if me.AccountID == "" {
		return "", errors.New("find the Zoom account of the token: users/me has no account_id")
	}
	return me.AccountID, nil
}

// webhookEventRecord turns a stored event into a record.
func webhookEventRecord(e store.Event) (json.RawMessage, error) {
	var env struct {
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(e.Body, &env); err != nil {
		return nil, fmt.Errorf("event at position %d: %w", e.Position, err)
	}
	if len(env.Payload) == 0 {
		env.Payload = json.RawMessage(`{}`)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(env.Payload), []byte("{")) {
		return nil, errors.New("event payload is not an object")
	}
	return json.Marshal(webhookRecord{
		Position: e.Position, Event: e.Event, EventTS: e.EventTS, AccountID: e.AccountID, ObjectID: e.ObjectID,
		ReceivedAt: e.ReceivedAt.UTC().Format(time.RFC3339Nano), Payload: env.Payload,
	})
}
