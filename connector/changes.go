package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/zoom-connector/zoom-connector/connector/engine"
	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/store"
)

// changeRules are the change-driven rules of a read (settle_days,
// reconcile_days; connector/engine/changes.go), with the webhook events of
// the account in the serve store when the read names one (namedStore): a
// read without a store uses the settle rule and reconciliation only. The
// store is closed by f.closeStores.
func (f *readFlags) changeRules(ctx context.Context, cfg *config.Config, job *readJob, stdio IO, log *slog.Logger) (*engine.ChangeRules, error) {
	rules := &engine.ChangeRules{SettleDays: cfg.SettleDays, ReconcileDays: cfg.ReconcileDays}
	loc := namedStore(f.auth.store, stdio.Getenv, cfg)
	if cfg.SettleDays <= 0 || loc == "" || !job.settles() {
		return rules, nil
	}
	as, err := f.accountStore(ctx, cfg, loc, stdio, log)
	if err != nil {
		return nil, fmt.Errorf("the serve store, for change-driven reads: %w", err)
	}
	log.Info("change-driven read: meetings and webinars named by the webhook events in the serve store are read again",
		"account_id", as.account, "store", store.Describe(loc))
	rules.Changes = &storeChanges{st: as.st, account: as.account}
	return rules, nil
}

// settles reports whether the job reads a stream that settles or hangs off
// one that does, incrementally.
func (j *readJob) settles() bool {
	for _, n := range j.streams {
		for s, ok := streams.ByName(n); ok && j.incremental[n]; s, ok = streams.ByName(s.Parent) {
			if s.Settles {
				return true
			}
		}
	}
	return false
}

// storeChanges is the engine.ChangeSource of one account's events in the
// serve store.
type storeChanges struct {
	st      store.Store
	account string
}

// ChangesAfter returns the account's events after a position with the
// meeting or webinar each names: an event meeting.* names the meeting
// payload.object.id, webinar.* the webinar; the others name none.
func (s *storeChanges) ChangesAfter(ctx context.Context, after int64) ([]engine.Change, error) {
	var out []engine.Change
	for {
		evs, err := s.st.AccountEventsAfter(ctx, s.account, after, webhookEventsBatch)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			after = e.Position
			out = append(out, eventChange(e))
		}
		if len(evs) < webhookEventsBatch {
			return out, nil
		}
	}
}

// eventChange is a stored event as a change: the parent it names, if any.
func eventChange(e store.Event) engine.Change {
	none := engine.Change{Position: e.Position}
	kind, _, _ := strings.Cut(e.Event, ".")
	parent := map[string]string{"meeting": "meetings", "webinar": "webinars"}[kind]
	if parent == "" {
		return none
	}
	var env struct {
		Payload struct {
			Object struct {
				ID json.RawMessage `json:"id"`
			} `json:"object"`
		} `json:"payload"`
	}
	if json.Unmarshal(e.Body, &env) != nil {
		return none
	}
	id := string(bytes.Trim(bytes.TrimSpace(env.Payload.Object.ID), `"`))
	if id == "" || id == "null" {
		return none
	}
	return engine.Change{Position: e.Position, Stream: parent, ID: id}
}
