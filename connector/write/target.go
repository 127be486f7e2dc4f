package write

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/registrant"
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

// deferral is why a row was not done for a temporary reason: Zoom's daily
// limit, or errors that outlasted the client's retries. The row is neither
// rejected nor dead-lettered, and a re-run picks it up.
type deferral struct {
	code   int
	reason string // the row's reason in the results
	why    string // the short cause the summary groups rows by
}

// whyTemporary is the summary's cause for temporary errors other than a
// daily limit.
const whyTemporary = "temporary Zoom or network errors outlasted the retries"

// listing is an existing registration of a target; status is Zoom's
// (approved, pending, denied), "" when unknown.
type listing struct {
	id, joinURL, status string
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
	// deferred: the target could not be read for a temporary reason; every
	// row of it is deferred for the rest of the run.
	deferred *deferral
	// existing maps lower-case emails to their registration: every status,
	// listed once, plus what this run added. Zoom's whole list does not say
	// which occurrences a registrant chose, so it decides whole-target rows
	// only (rows naming occurrences: occListed).
	existing map[string]listing
	// done holds what this run registered, by occKey(email, occurrence_ids):
	// it (with the ledger) decides rows that name occurrences.
	done map[string]listing
	// occListed holds Zoom's lists of one occurrence in one status, by
	// occurrence ID "\n" status (occurrenceListed).
	occListed map[string]map[string]listing
	count     int
	// approval is the target's settings.approval_type (0 automatic).
	approval int
	// life is the state of the lifecycle actions (action.go).
	life lifeState
}

// occKey is the key of t.done.
func occKey(email, occ string) string { return email + "\n" + occ }

// find reports whether r needs no request because its person is already
// registered as the row asks, from what the target's list and this run
// show (the ledger is asked separately).
//
// A row without occurrence_ids asks for the whole meeting: a listed email
// counts, whatever occurrences it chose. A row with occurrence_ids counts
// as registered here only when this run registered the same occurrences,
// or the whole meeting (which covers every occurrence), for that email;
// for an email that Zoom's whole list shows, perhaps through other
// occurrences, the ledger and then Zoom's lists of its occurrences decide
// (occurrenceListed).
func (t *target) find(r *row) (listing, string, bool) {
	if r.occ == "" {
		if reg, ok := t.existing[r.email]; ok {
			return reg, "already registered for this " + string(t.key.Kind), true
		}
		return listing{}, "", false
	}
	if reg, ok := t.done[occKey(r.email, r.occ)]; ok {
		return reg, "registered earlier in this run for these occurrences", true
	}
	if reg, ok := t.done[occKey(r.email, "")]; ok {
		return reg, "registered earlier in this run for the whole meeting, every occurrence included", true
	}
	return listing{}, "", false
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
	var le *ledgerError
	return errors.As(err, &ae) || errors.As(err, &se) || errors.As(err, &le) || errors.Is(err, zoomapi.ErrHostNotAllowed) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// ledgerError is a failed ledger read or write: it ends the run.
type ledgerError struct{ error }

func (e *ledgerError) Unwrap() error { return e.error }

// targetWide reports Zoom errors that concern the whole target, so every
// row of it is rejected without another request: the meeting does not
// exist (3001), its host may not host (3161), registration is not enabled
// (404, 3000, 300 with that message), or it is over (3038).
func targetWide(ae *zoomapi.APIError) bool {
	return ae.Code == zoomapi.CodeEventOver || zoomapi.IsSkippable(ae)
}

// accountDaily returns the daily 429 of an account quota (a category's
// daily limit), not the per-registrant one.
func accountDaily(err error) (*zoomapi.RateLimitError, bool) {
	var rl *zoomapi.RateLimitError
	if errors.As(err, &rl) && rl.Daily && !rl.PerRegistrant {
		return rl, true
	}
	return nil, false
}

// exhaustedError reports a category whose daily limit is reached: rl is
// Zoom's 429 that said so, or nil when the request was not sent because an
// earlier one had.
type exhaustedError struct {
	cat   zoomapi.Category
	reset time.Time
	rl    *zoomapi.RateLimitError
}

func (e *exhaustedError) Error() string {
	reset := e.reset.UTC().Format(time.RFC3339)
	if e.rl != nil {
		return fmt.Sprintf("Zoom's daily limit of %s requests is reached (resets at %s): %s", e.cat, reset, e.rl.Message)
	}
	return fmt.Sprintf("Zoom's daily limit of %s requests was reached earlier in this run (resets at %s): not sent", e.cat, reset)
}

func (e *exhaustedError) Unwrap() error {
	if e.rl == nil {
		return nil
	}
	return e.rl
}

// temporary reports errors that say nothing about the row itself, so the
// row is deferred rather than rejected: a daily or per-second 429 of the
// account (not the per-registrant one), a 5xx or 408 after the client's
// retries, a request whose outcome stayed unknown, a network failure, an
// answer that could not be read. Zoom's 4xx answers are permanent.
func temporary(err error) bool {
	var ee *exhaustedError
	if errors.As(err, &ee) {
		return true
	}
	var rl *zoomapi.RateLimitError
	if errors.As(err, &rl) {
		return !rl.PerRegistrant
	}
	if errors.Is(err, zoomapi.ErrOutcomeUnknown) {
		return true
	}
	var ae *zoomapi.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500 || ae.StatusCode == http.StatusRequestTimeout
	}
	return true
}

// deferralFor describes a temporary error as a deferral; what says what
// was being done ("" for nothing more than the error).
func deferralFor(err error, what string) deferral {
	if what != "" {
		what += ": "
	}
	var ee *exhaustedError
	if errors.As(err, &ee) {
		return deferral{code: http.StatusTooManyRequests, reason: what + ee.Error() + "; a re-run after the reset picks the row up",
			why: dailyWhy(ee.cat, ee.reset)}
	}
	d := deferral{reason: what + err.Error() + "; a re-run picks the row up", why: whyTemporary}
	var rl *zoomapi.RateLimitError
	var ae *zoomapi.APIError
	switch {
	case errors.As(err, &rl):
		d.code = http.StatusTooManyRequests
	case errors.As(err, &ae):
		d.code = ae.StatusCode
	}
	return d
}

// dailyWhy is the summary's cause for a category's daily limit.
func dailyWhy(cat zoomapi.Category, reset time.Time) string {
	return fmt.Sprintf("Zoom's daily limit of %s requests reached, resets at %s", cat, reset.UTC().Format(time.RFC3339))
}

// exhaust remembers that cat's daily limit is reached until reset (as the
// read engine does): no further request of that category is sent in this
// run.
func (e *engine) exhaust(cat zoomapi.Category, reset time.Time) {
	if e.exhausted.Note(cat, reset) {
		e.log.Warn("write: Zoom's daily rate limit reached: no more requests of this category in this run; their rows are deferred",
			"category", string(cat), "resets", reset.UTC().Format(time.RFC3339))
	}
}

// checkExhausted returns an *exhaustedError when cat's daily limit was
// reached earlier in the run.
func (e *engine) checkExhausted(cat zoomapi.Category) error {
	if reset, ok := e.exhausted.Reached(cat); ok {
		return &exhaustedError{cat: cat, reset: reset}
	}
	return nil
}

// noteDaily exhausts req's category when err is an account's daily 429,
// and returns err as an *exhaustedError then.
func (e *engine) noteDaily(req *zoomapi.Request, err error) error {
	rl, ok := accountDaily(err)
	if !ok {
		return err
	}
	reset := rl.Reset
	if reset.IsZero() {
		y, m, d := time.Now().UTC().Date()
		reset = time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
	}
	e.exhaust(category(req), reset)
	return &exhaustedError{cat: category(req), reset: reset, rl: rl}
}

func category(req *zoomapi.Request) zoomapi.Category {
	if req.Category == "" {
		return zoomapi.CategoryMedium
	}
	return req.Category
}

// do sends one request, counted under kind, unless its category is
// exhausted; a daily 429 exhausts the category.
func (e *engine) do(ctx context.Context, kind string, req *zoomapi.Request, v any) error {
	if err := e.checkExhausted(category(req)); err != nil {
		return err
	}
	if req.Method != http.MethodGet {
		// Rows settled without a request go to disk before anything else
		// changes Zoom (see journal.settle).
		if err := e.ledger.flushPending(); err != nil {
			return err
		}
	}
	e.out.request(kind)
	_, err := e.client.Do(ctx, req, v)
	return e.noteDaily(req, err)
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
			return rejection{code: http.StatusTooManyRequests, reason: "Zoom's daily limit for this registrant: " + rl.Message}
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
		Type     int `json:"type"`
		Settings struct {
			ApprovalType int `json:"approval_type"`
		} `json:"settings"`
	}
	failed := func(err error, what string) error {
		if abortErr(err) {
			return err
		}
		if temporary(err) {
			d := deferralFor(err, what)
			t.deferred = &d
			e.log.Warn("write: target deferred (temporary error)", "target", t.key.String(), "code", d.code)
			return nil
		}
		rj := zoomRejection(err)
		t.fatal = &rj
		e.log.Info("write: target rejected", "target", t.key.String(), "code", rj.code)
		return nil
	}
	if err := e.do(ctx, "get", req, &info); err != nil {
		return failed(err, "reading the "+string(t.key.Kind)+" failed")
	}
	t.typ, t.approval = info.Type, info.Settings.ApprovalType
	existing, err := e.list(ctx, t)
	if err != nil {
		return failed(err, "listing the registrants failed")
	}
	t.existing = existing
	t.count = len(existing)
	t.life.byID = nil
	e.log.Debug("write: target loaded", "target", t.key.String(), "type", t.typ, "registrants", t.count)
	return nil
}

// list returns every registrant of the target, of every status, by
// lower-case email.
func (e *engine) list(ctx context.Context, t *target) (map[string]listing, error) {
	out := map[string]listing{}
	for _, status := range registrant.ListStatuses {
		regs, err := e.listWhere(ctx, t, url.Values{"status": {status}})
		if err != nil {
			return nil, err
		}
		for email, reg := range regs {
			reg.status = status
			out[email] = reg
		}
	}
	return out, nil
}

// listWhere returns the registrants of the target Zoom lists for query q
// (a status, an occurrence), by lower-case email.
func (e *engine) listWhere(ctx context.Context, t *target, q url.Values) (map[string]listing, error) {
	out := map[string]listing{}
	req := e.client.NewRequest(http.MethodGet, t.key.path()+"/registrants", q, nil)
	req.Category = zoomapi.CategoryMedium
	req.PageSize = e.pageSize
	if err := e.checkExhausted(req.Category); err != nil {
		return nil, err
	}
	for page, err := range e.client.Pages(ctx, req, "registrants") {
		e.out.request("list")
		if err != nil {
			return nil, e.noteDaily(req, err)
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
				out[strings.ToLower(r.Email)] = listing{id: r.ID, joinURL: r.JoinURL}
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

// runTarget processes one segment's rows of a target, in order. Rows are
// batched (registrations, and each lifecycle action apart); a row whose
// person already waits in a batch sends every batch first, so the actions
// on one person apply in row order.
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
	acts := newActBatches()
	flushAll := func() error {
		if err := flush(); err != nil {
			return err
		}
		return e.flushActs(ctx, t, acts)
	}
	for _, r := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		who := t.personKey(r)
		if inPending[who] || acts.busy[who] {
			// The same person again: send what waits first, so this row
			// sees its effect.
			if err := flushAll(); err != nil {
				return err
			}
		}
		var err error
		if r.action == ActRegister {
			err = e.decide(ctx, t, r, &pending, inPending, flush)
		} else {
			err = e.decideAction(ctx, t, r, acts)
		}
		if err != nil {
			return err
		}
	}
	return flushAll()
}

// decide reports a row that needs no request, queues it for a batch, or
// sends it alone.
func (e *engine) decide(ctx context.Context, t *target, r *row, pending *[]*row, inPending map[string]bool, flush func() error) error {
	if t.fatal != nil {
		return e.reject(r, *t.fatal)
	}
	if t.deferred != nil {
		return e.deferRow(r, *t.deferred)
	}
	if reg, why, ok := t.find(r); ok {
		return e.out.result(r, Result{Status: StatusAlreadyRegistered, RegistrantID: reg.id, JoinURL: reg.joinURL, Reason: why})
	}
	le, why, ok, err := e.ledger.findRegistration(ctx, t.key, r)
	if err != nil {
		return err
	}
	if ok && !t.life.gone[r.email] {
		return e.out.result(r, Result{Status: StatusAlreadyRegistered, RegistrantID: le.RegistrantID, JoinURL: le.JoinURL, Reason: why})
	}
	if reg, ok, err := e.occurrenceListed(ctx, t, r); err != nil {
		if abortErr(err) {
			return err
		}
		// Sending the row is safe (Zoom answers a repeated add with the
		// existing registration); only the per-registrant limit suffers.
		e.log.Warn("write: listing the registrants of the occurrences failed; the row is sent", "row", r.num, "target", t.key.String(), "error", err)
	} else if ok {
		return e.registeredEarlier(t, r, reg, "Zoom lists this person for each of these occurrences")
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

// deferRow reports a row not done for a temporary reason: no dead letter,
// no ledger entry, so a re-run sends it.
func (e *engine) deferRow(r *row, d deferral) error {
	return e.out.result(r, Result{Status: StatusDeferred, Code: d.code, Reason: d.reason, why: d.why})
}

func (e *engine) deferAll(rows []*row, d deferral) error {
	for _, r := range rows {
		if err := e.deferRow(r, d); err != nil {
			return err
		}
	}
	return nil
}

// failRows reports rows a request failed for: deferred for a temporary
// error, rejected for Zoom's permanent answer.
func (e *engine) failRows(rows []*row, err error, what string) error {
	if temporary(err) {
		return e.deferAll(rows, deferralFor(err, what))
	}
	return e.rejectAll(rows, zoomRejection(err))
}

// registered records confirmed registrations: ledger first (fsynced), then
// the target's view and the results.
func (e *engine) registered(t *target, rows []*row, regs []listing, method string) error {
	entries := make([]registrant.Entry, len(rows))
	for i, r := range rows {
		entries[i] = registrant.Entry{Key: registrant.Key(t.key.registrant(r.occ), r.email), Target: t.key.String(), RegistrantID: regs[i].id, JoinURL: regs[i].joinURL, Row: r.num}
	}
	if err := e.ledger.record(entries); err != nil {
		return err
	}
	for i, r := range rows {
		old, ok := t.existing[r.email]
		if !ok {
			t.count++
		}
		switch {
		case ok && old.status != "":
			regs[i].status = old.status
		case t.approval == 0 || e.cfg.AutoApprove && (t.key.Kind == Meeting || method == MethodBatch):
			// auto_approve is sent with a meeting's adds and in either
			// kind's batch body, not with a webinar's single add.
			regs[i].status = "approved"
		default:
			regs[i].status = "pending"
		}
		t.existing[r.email] = regs[i]
		t.noteID(regs[i].id, r.email)
		t.done[occKey(r.email, r.occ)] = regs[i]
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
			t.existing[r.email] = listing{} // a person Zoom lists keeps the id and status it has
		}
		t.done[occKey(r.email, r.occ)] = listing{}
		if err := e.out.result(r, Result{Status: StatusWouldRegister, Method: method}); err != nil {
			return err
		}
	}
	return nil
}

// reconcile lists the target after a request whose outcome is unknown and
// records the rows the list shows as registered. It returns the rows still
// missing.
//
// A row with occurrence_ids whose email the list showed before the request
// counts only if the lists of its occurrences, read again, show it: the
// whole list cannot tell whether the request added these occurrences.
func (e *engine) reconcile(ctx context.Context, t *target, rows []*row, method string) ([]*row, error) {
	listedBefore := map[string]bool{}
	for _, r := range rows {
		if _, ok := t.existing[r.email]; ok && r.occ != "" {
			listedBefore[r.email] = true
		}
	}
	if err := e.relist(ctx, t); err != nil {
		return rows, err
	}
	t.occListed = nil
	var found, missing []*row
	var regs []listing
	for _, r := range rows {
		reg, ok := t.existing[r.email]
		if ok && listedBefore[r.email] {
			var err error
			if reg, ok, err = e.occurrenceListed(ctx, t, r); err != nil {
				return rows, err
			}
		}
		if ok {
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
// batch_registrants call, listing the target again after an answer that
// was lost (up to maxAttempts).
func (e *engine) sendBatch(ctx context.Context, t *target, rows []*row) error {
	if e.dryRun {
		return e.planned(t, rows, MethodBatch)
	}
	remaining := rows
	for attempt := 1; len(remaining) > 0; attempt++ {
		answer, err := e.postBatch(ctx, t, remaining)
		if err == nil {
			return e.batchAnswered(ctx, t, remaining, answer)
		}
		if abortErr(err) {
			return err
		}
		if !errors.Is(err, zoomapi.ErrOutcomeUnknown) {
			return e.batchFailed(ctx, t, remaining, err)
		}
		missing, lerr := e.reconcile(ctx, t, remaining, MethodBatch)
		if lerr != nil {
			if abortErr(lerr) {
				return lerr
			}
			return e.deferAll(missing, deferralFor(lerr, "the outcome of the batch request is unknown and listing the registrants failed"))
		}
		remaining = missing
		if attempt >= e.maxAttempts && len(remaining) > 0 {
			return e.deferAll(remaining, deferralFor(err, fmt.Sprintf("the outcome of the batch request was unknown %d times and Zoom's list does not show these registrants", attempt)))
		}
	}
	return nil
}

// postBatch sends one batch_registrants request for rows and returns
// Zoom's registrations by lower-case email.
func (e *engine) postBatch(ctx context.Context, t *target, rows []*row) (map[string]listing, error) {
	list := make([]map[string]any, len(rows))
	for i, r := range rows {
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
	if err := e.do(ctx, "batch", req, &resp); err != nil {
		return nil, err
	}
	got := map[string]listing{}
	for _, x := range resp.Registrants {
		got[strings.ToLower(x.Email)] = listing{id: x.RegistrantID, joinURL: x.JoinURL}
	}
	return got, nil
}

// batchAnswered records the rows Zoom's batch answer holds; the rows it
// left out count only if the target's list shows them.
func (e *engine) batchAnswered(ctx context.Context, t *target, rows []*row, got map[string]listing) error {
	var ok, missing []*row
	var regs []listing
	for _, r := range rows {
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
	still, lerr := e.reconcile(ctx, t, missing, MethodBatch)
	if lerr != nil {
		if abortErr(lerr) {
			return lerr
		}
		return e.deferAll(still, deferralFor(lerr, "Zoom's batch answer did not include this registrant and listing the registrants failed"))
	}
	return e.rejectAll(still, rejection{reason: "Zoom's batch answer did not include this registrant and its list does not show it"})
}

// batchFailed settles rows whose batch Zoom refused: every row rejected
// for a target-wide error, each row sent alone for another of Zoom's
// answers (capacity, validation, a type that takes no batch), deferred or
// rejected otherwise.
func (e *engine) batchFailed(ctx context.Context, t *target, rows []*row, err error) error {
	var ae *zoomapi.APIError
	if !errors.As(err, &ae) || temporary(err) {
		return e.failRows(rows, err, "")
	}
	if targetWide(ae) {
		rj := zoomRejection(err)
		t.fatal = &rj
		return e.rejectAll(rows, rj)
	}
	if ae.Code == zoomapi.CodeBatchNotSupported || strings.Contains(strings.ToLower(ae.Message), "batch registration is not supported") {
		t.noBatch = true
	}
	e.log.Info("write: batch refused, adding rows one by one", "target", t.key.String(), "code", ae.Code, "rows", len(rows))
	for _, r := range rows {
		if err := e.decideSingle(ctx, t, r); err != nil {
			return err
		}
	}
	return nil
}

// decideSingle sends r alone unless the target became fatal or full.
func (e *engine) decideSingle(ctx context.Context, t *target, r *row) error {
	switch {
	case t.fatal != nil:
		return e.reject(r, *t.fatal)
	case t.deferred != nil:
		return e.deferRow(r, *t.deferred)
	case t.full != nil:
		return e.reject(r, *t.full)
	}
	if reg, why, ok := t.find(r); ok {
		return e.out.result(r, Result{Status: StatusAlreadyRegistered, RegistrantID: reg.id, JoinURL: reg.joinURL, Reason: why})
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
		req := registrant.AddRequest(e.client, t.key.registrant(r.occ), r.fields, e.cfg.AutoApprove)
		var resp registrant.Added
		err := e.do(ctx, "single", req, &resp)
		if err == nil {
			return e.registered(t, []*row{r}, []listing{{id: resp.RegistrantID, joinURL: resp.JoinURL}}, MethodSingle)
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
				return e.deferRow(r, deferralFor(lerr, "the outcome of the request is unknown and listing the registrants failed"))
			}
			if len(missing) == 0 {
				return nil
			}
			if attempt >= e.maxAttempts {
				return e.deferRow(r, deferralFor(err, fmt.Sprintf("the outcome of the request was unknown %d times and Zoom's list does not show this registration", attempt)))
			}
			continue
		}
		if temporary(err) {
			return e.deferRow(r, deferralFor(err, ""))
		}
		rj := zoomRejection(err)
		var ae *zoomapi.APIError
		if errors.As(err, &ae) {
			switch {
			case targetWide(ae):
				t.fatal = &rj
			case ae.Code == zoomapi.CodeCapacityReached:
				t.full = &rj
			}
		}
		return e.reject(r, rj)
	}
}
