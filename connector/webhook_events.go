package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// WebhookEventsStream is the stream of the Zoom webhook events that serve
// stored. It is not read from Zoom but from the store (--store, else
// $ZOOM_CONNECTOR_STORE, else zoom-connector.db). A read emits only the
// events of one Zoom account: the config's account_id (Server-to-Server),
// or the account that connected the --tenant (recorded by serve's
// /connect), so a tenant never reads another tenant's meetings,
// registrants or participants. Its state is the position of the last event
// emitted per account ({"version":1,"positions":{"AbC":42}}); the next read
// emits that account's events after it, in order. (A "cursor" left by an
// older version, which read every account, is where an account without a
// position starts.) Delivery is at-least-once: STATE follows the records
// it covers.
const WebhookEventsStream = "webhook_events"

// webhookEventsBatch is how many events are emitted between two states.
const webhookEventsBatch = 500

// WebhookEventsSchema is the JSON Schema of a webhook_events record, for
// the catalog (discover).
const WebhookEventsSchema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "additionalProperties": true,
  "properties": {
    "position": {"type": "integer", "description": "Place of the event in arrival order; the stream's cursor."},
    "event": {"type": "string", "description": "Zoom's event name, such as meeting.registration_created."},
    "event_ts": {"type": "integer", "description": "Zoom's event_ts (milliseconds since the Unix epoch)."},
    "account_id": {"type": ["string", "null"]},
    "object_id": {"type": ["string", "null"], "description": "The id of payload.object (with the registrant or participant) used to drop Zoom's redeliveries."},
    "received_at": {"type": "string", "format": "date-time"},
    "payload": {"type": "object", "description": "Zoom's payload, as delivered."}
  }
}`

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

// readWebhookEvents is the read command's hook for the webhook_events
// stream. It returns done=false when the read does not select the
// stream. When webhook_events is the only stream selected it reads it and
// returns done=true (and the read's error). Read together with Zoom
// streams through --streams, it reads webhook_events first, removes it
// from f.streams and returns done=false so the engine reads the others.
func readWebhookEvents(ctx context.Context, cfg *config.Config, f *readFlags, stdio IO, log *slog.Logger) (done bool, err error) {
	selected, others := false, []string{}
	if f.catalog != "" {
		cat, err := airbyte.ParseConfiguredCatalog(f.catalog)
		if err != nil {
			return false, nil // plan reports it
		}
		var names []string
		for _, cs := range cat.Streams {
			names = append(names, cs.Stream.Name)
		}
		if !slices.Contains(names, WebhookEventsStream) {
			return false, nil
		}
		selected = true
		for _, n := range names {
			if n != WebhookEventsStream {
				others = append(others, n)
			}
		}
	} else {
		for _, n := range f.streams {
			if strings.TrimSpace(n) == WebhookEventsStream {
				selected = true
			} else {
				others = append(others, n)
			}
		}
	}
	if !selected {
		return false, nil
	}
	if f.format != FormatAirbyte && f.format != FormatJSONL {
		return true, usagef("%s supports --format airbyte or jsonl", WebhookEventsStream)
	}
	if f.format == FormatJSONL && f.outputDir == "" {
		return true, usagef("--format jsonl writes files: --output DIR is required")
	}
	base, err := webhookInputState(f)
	if err != nil {
		return true, usageError(err)
	}
	loc := storeLocation(f.auth.store, stdio.Getenv)
	st, err := store.Open(ctx, loc)
	if err != nil {
		return true, fmt.Errorf("%s: %w", WebhookEventsStream, err)
	}
	defer st.Close()
	account, err := webhookAccount(ctx, cfg, f, st, stdio, log)
	if err != nil {
		return true, fmt.Errorf("%s: %w", WebhookEventsStream, err)
	}
	after, err := webhookStart(base, account)
	if err != nil {
		return true, usageError(err)
	}
	n, last, err := emitWebhookEvents(ctx, st, webhookPlace{base: base, account: account, after: after}, f, stdio)
	log.Info("stream done", "stream", WebhookEventsStream, "account_id", account, "records", n, "position", last, "store", store.Describe(loc))
	if err != nil {
		log.Error("read stopped", "stream", WebhookEventsStream, "error", err.Error())
		return true, errFailed
	}
	if len(others) > 0 {
		if f.catalog == "" {
			f.streams = others
		}
		// With a catalog, plan() skips webhook_events, read here.
		return false, nil
	}
	return true, nil
}

// webhookInputState is the stream's state from --state or --state-file
// (never nil).
func webhookInputState(f *readFlags) (*state.StreamState, error) {
	ss, err := webhookStateIn(f)
	if err != nil || ss == nil {
		return &state.StreamState{}, err
	}
	return ss, nil
}

func webhookStateIn(f *readFlags) (*state.StreamState, error) {
	var ss *state.StreamState
	if f.stateFile != "" {
		st, err := state.Load(f.stateFile)
		if err != nil {
			return nil, err
		}
		ss = st.Streams[WebhookEventsStream]
	}
	if f.stateIn != "" {
		data, err := os.ReadFile(f.stateIn)
		if err != nil {
			return nil, fmt.Errorf("read state: %w", err)
		}
		trimmed := bytes.TrimSpace(data)
		ss = nil
		switch {
		case len(trimmed) == 0:
		case trimmed[0] == '{' && bytes.Contains(trimmed, []byte(`"version"`)) && !bytes.Contains(trimmed, []byte(`"stream_descriptor"`)):
			st, err := state.Parse(trimmed)
			if err != nil {
				return nil, fmt.Errorf("state %s: %w", f.stateIn, err)
			}
			ss = st.Streams[WebhookEventsStream]
		default:
			msgs, err := airbyte.DecodeState(trimmed)
			if err != nil {
				return nil, fmt.Errorf("state %s: %w", f.stateIn, err)
			}
			for _, m := range msgs {
				if m.Stream != nil && m.Stream.StreamDescriptor.Name == WebhookEventsStream {
					if ss, err = state.ParseStream(m.Stream.StreamState); err != nil {
						return nil, fmt.Errorf("state %s: stream %s: %w", f.stateIn, WebhookEventsStream, err)
					}
				}
			}
		}
	}
	return ss, nil
}

// webhookStart is where account's events start: its position in ss, else
// the single cursor of an older version, else the beginning.
func webhookStart(ss *state.StreamState, account string) (int64, error) {
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

// webhookPlace is what a webhook_events read emits: the account's events
// after a position, and the input state its STATE messages extend.
type webhookPlace struct {
	base    *state.StreamState
	account string
	after   int64
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

// emitWebhookEvents writes the account's events after position pl.after
// as records, a STATE after each batch (and the state file, if any), and
// returns how many it wrote and the last position.
func emitWebhookEvents(ctx context.Context, st store.Store, pl webhookPlace, f *readFlags, stdio IO) (int64, int64, error) {
	after := pl.after
	var aw *airbyte.Writer
	var out *os.File
	if f.format == FormatAirbyte {
		aw = airbyte.NewWriter(stdio.Stdout)
	} else {
		if err := os.MkdirAll(f.outputDir, 0o755); err != nil {
			return 0, after, fmt.Errorf("--output: %w", err)
		}
		var err error
		// Owner only: the events hold registrants' emails and join links.
		out, err = os.OpenFile(filepath.Join(f.outputDir, WebhookEventsStream+".jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return 0, after, err
		}
		defer out.Close()
	}
	var total int64
	pos := after
	for {
		evs, err := st.AccountEventsAfter(ctx, pl.account, pos, webhookEventsBatch)
		if err != nil {
			return total, pos, err
		}
		if len(evs) == 0 {
			break
		}
		var buf bytes.Buffer
		for _, e := range evs {
			rec, err := webhookEventRecord(e)
			if err != nil {
				return total, pos, err
			}
			if aw != nil {
				if err := aw.Record(WebhookEventsStream, rec); err != nil {
					return total, pos, err
				}
			} else {
				buf.Write(rec)
				buf.WriteByte('\n')
			}
			pos = e.Position
		}
		total += int64(len(evs))
		if out != nil {
			if _, err := out.Write(buf.Bytes()); err != nil {
				return total, pos, err
			}
			if err := out.Sync(); err != nil {
				return total, pos, err
			}
		}
		if err := commitWebhookState(aw, f.stateFile, pl, pos, int64(len(evs))); err != nil {
			return total, pos, err
		}
		if len(evs) < webhookEventsBatch {
			break
		}
	}
	if total == 0 {
		// Say where the stream stands even when nothing is new.
		if err := commitWebhookState(aw, f.stateFile, pl, pos, 0); err != nil {
			return 0, pos, err
		}
	}
	return total, pos, nil
}

// commitWebhookState records pos as the account's position: in the state
// file (keeping the other accounts' positions there) and in a STATE
// message (the input state with this account's position).
func commitWebhookState(aw *airbyte.Writer, stateFile string, pl webhookPlace, pos, n int64) error {
	withPos := func(ss *state.StreamState) *state.StreamState {
		c := *ss
		c.Positions = maps.Clone(ss.Positions)
		if c.Positions == nil {
			c.Positions = map[string]int64{}
		}
		c.Positions[pl.account] = pos
		return &c
	}
	ss := withPos(pl.base)
	if stateFile != "" {
		full, err := state.Load(stateFile)
		if err != nil {
			return err
		}
		cur := full.Streams[WebhookEventsStream]
		if cur == nil {
			cur = &state.StreamState{}
		}
		full.Streams[WebhookEventsStream] = withPos(cur)
		if err := full.Save(stateFile); err != nil {
			return err
		}
	}
	if aw == nil {
		return nil
	}
	b, err := ss.Marshal()
	if err != nil {
		return err
	}
	if err := aw.State(WebhookEventsStream, json.RawMessage(b), &n); err != nil {
		return err
	}
	return aw.Flush()
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
