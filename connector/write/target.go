package write

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// MaxBatch is the most registrants one batch_registrants call takes.
const MaxBatch = 30

// MaxRegistrants is Zoom's registrant capacity of one meeting (code 3043,
// "Meeting has reached maximum attendee capacity"). Webinar capacity depends
// on the webinar licence, so only Zoom's own answer limits webinars.
const MaxRegistrants = 4999

// rejection is why every row of a target (or every new one) is rejected.
type rejection struct {
	code   int
	reason string
}

// registrant is an existing registration of a target.
type registrant struct {
	id, joinURL string
}

// target is the state of one meeting or webinar across the run. Only the
// goroutine processing the target's rows touches it (segments run one
// after another).
type target struct {
	key     TargetKey
	loaded  bool
	typ     int
	noBatch bool       // Zoom refused batch_registrants for this target
	fatal   *rejection // every row is rejected (deleted, no registration, ...)
	full    *rejection // capacity reached: rows not yet registered are rejected
	// existing maps lower-case emails to their registration: every status,
	// listed once, plus what this run added.
	existing map[string]registrant
	count    int
}

// batchAllowed reports whether Zoom takes batch_registrants for the target:
// scheduled meetings (type 2) and scheduled webinars (type 5).
func (t *target) batchAllowed() bool {
	if t.noBatch {
		return false
	}
	return (t.key.Kind == Meeting && t.typ == 2) || (t.key.Kind == Webinar && t.typ == 5)
}

// abortErr reports errors that end the run rather than reject a row: the
// credentials or scopes are wrong, a host is not allowed, or the run was
// cancelled. Retrying row by row would only repeat them.
func abortErr(err error) bool {
	var ae *zoomapi.AuthError
	var se *zoomapi.ScopeError
	return errors.As(err, &ae) || errors.As(err, &se) || errors.Is(err, zoomapi.ErrHostNotAllowed) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// targetWide reports Zoom errors that concern the whole target, so every
// row of it is rejected without another request: the meeting does not
// exist (3001), its host may not host (3161), registration is not enabled
// (404, 3000, 300 with that message), or it is over (3038).
func targetWide(ae *zoomapi.APIError) bool {
	return ae.Code == 3038 || zoomapi.IsSkippable(ae)
}

// zoomRejection turns a Zoom error into a rejection with its code and
// message (and field errors, which name fields but never values).
func zoomRejection(err error) rejection {
	var ae *zoomapi.APIError
	if errors.As(err, &ae) {
		msg := ae.Message
		if msg == "" {
			msg = http.StatusText(ae.StatusCode)
		}
		for _, fe := range ae.Errors {
			msg += fmt.Sprintf(" [%s: %s]", fe.Field, fe.Message)
		}
		code := ae.Code
		if code == 0 {
			code = ae.StatusCode
		}
		return rejection{code: code, reason: msg}
	}
	var rl *zoomapi.RateLimitError
	if errors.As(err, &rl) {
		if rl.Daily {
			return rejection{code: http.StatusTooManyRequests, reason: "Zoom's daily limit: " + rl.Message}
		}
		return rejection{code: http.StatusTooManyRequests, reason: "rate limited by Zoom after retries: " + rl.Message}
	}
	return rejection{reason: err.Error()}
}

// load learns the target's type and lists its registrants, once. Zoom
// errors make the target fatal; it returns only errors that end the run.
func (e *engine) load(ctx context.Context, t *target) error {
	if t.loaded {
		return nil
	}
	t.loaded = true
	req := e.client.NewRequest(http.MethodGet, t.key.path(), nil, nil)
	req.Category = zoomapi.CategoryLight
	var info struct {
		Type int `json:"type"`
	}
	e.out.request("get")
	if _, err := e.client.Do(ctx, req, &info); err != nil {
		if abortErr(err) {
			return err
		}
		rj := zoomRejection(err)
		t.fatal = &rj
		e.log.Info("write: target rejected", "target", t.key.String(), "code", rj.code)
		return nil
	}
	t.typ = info.Type
	existing, err := e.list(ctx, t)
	if err != nil {
		if abortErr(err) {
			return err
		}
		rj := zoomRejection(err)
		t.fatal = &rj
		e.log.Info("write: target rejected", "target", t.key.String(), "code", rj.code)
		return nil
	}
	t.existing = existing
	t.count = len(existing)
	e.log.Debug("write: target loaded", "target", t.key.String(), "type", t.typ, "registrants", t.count)
	return nil
}

// list returns every registrant of the target, of every status, by
// lower-case email.
func (e *engine) list(ctx context.Context, t *target) (map[string]registrant, error) {
	out := map[string]registrant{}
	for _, status := range []string{"approved", "pending", "denied"} {
		req := e.client.NewRequest(http.MethodGet, t.key.path()+"/registrants", url.Values{"status": {status}}, nil)
		req.Category = zoomapi.CategoryMedium
		req.PageSize = e.pageSize
		for page, err := range e.client.Pages(ctx, req, "registrants") {
			e.out.request("list")
			if err != nil {
				return nil, err
			}
			for _, item := range page.Items {
				var r struct {
					ID      string `json:"id"`
					Email   string `json:"email"`
					JoinURL string `json:"join_url"`
				}
				if err := decodeJSON(item, &r); err != nil {
					return nil, fmt.Errorf("decode registrant: %w", err)
				}
				if r.Email != "" {
					out[strings.ToLower(r.Email)] = registrant{id: r.ID, joinURL: r.JoinURL}
				}
			}
		}
	}
	return out, nil
}

// relist lists the target again after a request whose outcome is unknown,
// keeping what this run added that the list may not show yet.
func (e *engine) relist(ctx context.Context, t *target) error {
	fresh, err := e.list(ctx, t)
	if err != nil {
		return err
	}
	maps.Copy(fresh, t.existing)
	t.existing = fresh
	t.count = len(fresh)
	return nil
}

// runTarget processes one segment's rows of a target, in order.
func (e *engine) runTarget(ctx context.Context, t *target, rows []*row) error {
	if err := e.load(ctx, t); err != nil {
		return err
	}
	var pending []*row
	inPending := map[string]bool{}
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		b := pending
		pending, inPending = nil, map[string]bool{}
		return e.sendBatch(ctx, t, b)
	}
	for _, r := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		if inPending[r.email] {
			// The same person twice in one batch: send the batch first, so
			// this row finds the registration like any later duplicate.
			if err := flush(); err != nil {
				return err
			}
		}
		if err := e.decide(ctx, t, r, &pending, inPending, flush); err != nil {
			return err
		}
	}
	return flush()
}

// decide reports a row that needs no request, queues it for a batch, or
// sends it alone.
func (e *engine) decide(ctx context.Context, t *target, r *row, pending *[]*row, inPending map[string]bool, flush func() error) error {
	if t.fatal != nil {
		return e.reject(r, *t.fatal)
	}
	if reg, ok := t.existing[r.email]; ok {
		return e.out.result(r, Result{Status: StatusAlreadyRegistered, RegistrantID: reg.id, JoinURL: reg.joinURL,
			Reason: "already registered for this " + string(t.key.Kind)})
	}
	if le, ok := e.ledger.lookup(ledgerKey(t.key, r.email, r.occ)); ok {
		return e.out.result(r, Result{Status: StatusAlreadyRegistered, RegistrantID: le.RegistrantID, JoinURL: le.JoinURL,
			Reason: "registered by an earlier run (ledger)"})
	}
	if t.full != nil {
		return e.reject(r, *t.full)
	}
	if t.key.Kind == Meeting && e.maxRegistrants > 0 && t.count+len(*pending) >= e.maxRegistrants {
		rj := rejection{reason: fmt.Sprintf("the meeting has reached Zoom's capacity of %d registrants", e.maxRegistrants)}
		t.full = &rj
		return e.reject(r, rj)
	}
	if t.batchAllowed() && r.batchable() {
		*pending = append(*pending, r)
		inPending[r.email] = true
		if len(*pending) >= MaxBatch {
			return flush()
		}
		return nil
	}
	if err := flush(); err != nil {
		return err
	}
	return e.sendSingle(ctx, t, r)
}

func (e *engine) reject(r *row, rj rejection) error {
	return e.out.result(r, Result{Status: StatusRejected, Code: rj.code, Reason: rj.reason})
}

// registered records confirmed registrations: ledger first (fsynced), then
// the target's view and the results.
func (e *engine) registered(t *target, rows []*row, regs []registrant, method string) error {
	entries := make([]LedgerEntry, len(rows))
	for i, r := range rows {
		entries[i] = LedgerEntry{Key: ledgerKey(t.key, r.email, r.occ), Target: t.key.String(), RegistrantID: regs[i].id, JoinURL: regs[i].joinURL, Row: r.num}
	}
	if err := e.ledger.record(entries); err != nil {
		return err
	}
	for i, r := range rows {
		if _, ok := t.existing[r.email]; !ok {
			t.count++
		}
		t.existing[r.email] = regs[i]
		if err := e.out.result(r, Result{Status: StatusRegistered, Method: method, RegistrantID: regs[i].id, JoinURL: regs[i].joinURL}); err != nil {
			return err
		}
	}
	return nil
}

// planned reports rows a dry run would send.
func (e *engine) planned(t *target, rows []*row, method string) error {
	for _, r := range rows {
		if _, ok := t.existing[r.email]; !ok {
			t.count++
		}
		t.existing[r.email] = registrant{}
		if err := e.out.result(r, Result{Status: StatusWouldRegister, Method: method}); err != nil {
			return err
		}
	}
	return nil
}

// reconcile lists the target after a request whose outcome is unknown and
// records the rows the list shows as registered. It returns the rows still
// missing.
func (e *engine) reconcile(ctx context.Context, t *target, rows []*row, method string) ([]*row, error) {
	if err := e.relist(ctx, t); err != nil {
		return rows, err
	}
	var found, missing []*row
	var regs []registrant
	for _, r := range rows {
		if reg, ok := t.existing[r.email]; ok {
			found = append(found, r)
			regs = append(regs, reg)
		} else {
			missing = append(missing, r)
		}
	}
	if len(found) > 0 {
		e.log.Info("write: outcome-unknown request had been applied", "target", t.key.String(), "rows", len(found))
	}
	return missing, e.registered(t, found, regs, method)
}

// sendBatch registers rows (at most MaxBatch, names only) with one
// batch_registrants call.
func (e *engine) sendBatch(ctx context.Context, t *target, rows []*row) error {
	if e.dryRun {
		return e.planned(t, rows, MethodBatch)
	}
	remaining := rows
	for attempt := 1; len(remaining) > 0; attempt++ {
		list := make([]map[string]any, len(remaining))
		for i, r := range remaining {
			list[i] = map[string]any{}
			for _, f := range []string{"email", "first_name", "last_name"} {
				if v, ok := r.fields[f]; ok {
					list[i][f] = v
				}
			}
		}
		body := map[string]any{"registrants": list}
		if e.cfg.AutoApprove {
			body["auto_approve"] = true
		}
		if t.key.Kind == Meeting {
			// Webinars' batch body has no such field.
			body["registrants_confirmation_email"] = e.cfg.SendConfirmationEmail
		}
		req := e.client.NewRequest(http.MethodPost, t.key.path()+"/batch_registrants", nil, body)
		req.Category = zoomapi.CategoryHeavy
		var resp struct {
			Registrants []struct {
				Email        string `json:"email"`
				RegistrantID string `json:"registrant_id"`
				JoinURL      string `json:"join_url"`
			} `json:"registrants"`
		}
		e.out.request("batch")
		_, err := e.client.Do(ctx, req, &resp)
		if err == nil {
			got := map[string]registrant{}
			for _, x := range resp.Registrants {
				got[strings.ToLower(x.Email)] = registrant{id: x.RegistrantID, joinURL: x.JoinURL}
			}
			var ok, missing []*row
			var regs []registrant
			for _, r := range remaining {
				if reg, found := got[r.email]; found {
					ok = append(ok, r)
					regs = append(regs, reg)
				} else {
					missing = append(missing, r)
				}
			}
			if err := e.registered(t, ok, regs, MethodBatch); err != nil {
				return err
			}
			if len(missing) == 0 {
				return nil
			}
			// Zoom's answer left some out: believe only its list.
			still, lerr := e.reconcile(ctx, t, missing, MethodBatch)
			if lerr != nil && abortErr(lerr) {
				return lerr
			}
			for _, r := range still {
				if err := e.reject(r, rejection{reason: "Zoom's batch answer did not include this registrant and its list does not show it"}); err != nil {
					return err
				}
			}
			return nil
		}
		if abortErr(err) {
			return err
		}
		if errors.Is(err, zoomapi.ErrOutcomeUnknown) {
			missing, lerr := e.reconcile(ctx, t, remaining, MethodBatch)
			if lerr != nil {
				if abortErr(lerr) {
					return lerr
				}
				return e.rejectAll(missing, rejection{reason: "the outcome of the batch request is unknown and listing the registrants failed: " + lerr.Error()})
			}
			remaining = missing
			if attempt >= e.maxAttempts && len(remaining) > 0 {
				return e.rejectAll(remaining, rejection{reason: fmt.Sprintf("the outcome of the batch request was unknown %d times and Zoom's list does not show these registrants: %v", attempt, err)})
			}
			continue
		}
		var ae *zoomapi.APIError
		if errors.As(err, &ae) {
			if targetWide(ae) {
				rj := zoomRejection(err)
				t.fatal = &rj
				return e.rejectAll(remaining, rj)
			}
			if ae.Code == 303 || strings.Contains(strings.ToLower(ae.Message), "batch registration is not supported") {
				t.noBatch = true
			}
			// Capacity, validation or a type Zoom refuses: add the rows one
			// by one, which answers for each row.
			e.log.Info("write: batch refused, adding rows one by one", "target", t.key.String(), "code", ae.Code, "rows", len(remaining))
			for _, r := range remaining {
				if err := e.decideSingle(ctx, t, r); err != nil {
					return err
				}
			}
			return nil
		}
		return e.rejectAll(remaining, zoomRejection(err))
	}
	return nil
}

// decideSingle sends r alone unless the target became fatal or full.
func (e *engine) decideSingle(ctx context.Context, t *target, r *row) error {
	switch {
	case t.fatal != nil:
		return e.reject(r, *t.fatal)
	case t.full != nil:
		return e.reject(r, *t.full)
	}
	if reg, ok := t.existing[r.email]; ok {
		return e.out.result(r, Result{Status: StatusAlreadyRegistered, RegistrantID: reg.id, JoinURL: reg.joinURL,
			Reason: "already registered for this " + string(t.key.Kind)})
	}
	return e.sendSingle(ctx, t, r)
}

func (e *engine) rejectAll(rows []*row, rj rejection) error {
	for _, r := range rows {
		if err := e.reject(r, rj); err != nil {
			return err
		}
	}
	return nil
}

// sendSingle registers one row with POST .../registrants.
func (e *engine) sendSingle(ctx context.Context, t *target, r *row) error {
	if e.dryRun {
		return e.planned(t, []*row{r}, MethodSingle)
	}
	for attempt := 1; ; attempt++ {
		body := make(map[string]any, len(r.fields)+1)
		maps.Copy(body, r.fields)
		if e.cfg.AutoApprove && t.key.Kind == Meeting {
			// auto_approve is a meeting field (it applies to manual approval).
			body["auto_approve"] = true
		}
		var q url.Values
		if r.occ != "" {
			q = url.Values{"occurrence_ids": {r.occ}}
		}
		req := e.client.NewRequest(http.MethodPost, t.key.path()+"/registrants", q, body)
		req.Category = zoomapi.CategoryLight
		var resp struct {
			RegistrantID string `json:"registrant_id"`
			JoinURL      string `json:"join_url"`
		}
		e.out.request("single")
		_, err := e.client.Do(ctx, req, &resp)
		if err == nil {
			return e.registered(t, []*row{r}, []registrant{{id: resp.RegistrantID, joinURL: resp.JoinURL}}, MethodSingle)
		}
		if abortErr(err) {
			return err
		}
		if errors.Is(err, zoomapi.ErrOutcomeUnknown) {
			missing, lerr := e.reconcile(ctx, t, []*row{r}, MethodSingle)
			if lerr != nil {
				if abortErr(lerr) {
					return lerr
				}
				return e.reject(r, rejection{reason: "the outcome of the request is unknown and listing the registrants failed: " + lerr.Error()})
			}
			if len(missing) == 0 {
				return nil
			}
			if attempt >= e.maxAttempts {
				return e.reject(r, rejection{reason: fmt.Sprintf("the outcome of the request was unknown %d times and Zoom's list does not show this registrant: %v", attempt, err)})
			}
			continue
		}
		rj := zoomRejection(err)
		var ae *zoomapi.APIError
		if errors.As(err, &ae) {
			switch {
			case targetWide(ae):
				t.fatal = &rj
			case ae.Code == 3043:
				t.full = &rj
			}
		}
		return e.reject(r, rj)
	}
}
