package write

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/zoom-connector/zoom-connector/connector/registrant"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// Actions of a row's action field.
const (
	ActRegister       = "register"
	ActApprove        = "approve"
	ActDeny           = "deny"
	ActCancel         = "cancel"
	ActDelete         = "delete"
	ActAddPanelist    = "add_panelist"
	ActRemovePanelist = "remove_panelist"
)

// Actions lists every action, the default (register) first.
var Actions = []string{ActRegister, ActApprove, ActDeny, ActCancel, ActDelete, ActAddPanelist, ActRemovePanelist}

// actionSynonyms maps the values a CRM status column holds to actions.
var actionSynonyms = map[string]string{
	"registered": ActRegister, "approved": ActApprove, "denied": ActDeny, "rejected": ActDeny,
	"cancelled": ActCancel, "canceled": ActCancel, "deleted": ActDelete,
	"panelist": ActAddPanelist, "add_panelists": ActAddPanelist, "remove_panelists": ActRemovePanelist,
}

// normalizeAction turns the row's action value into one of Actions: case,
// spaces and hyphens do not matter, and the past forms a status column
// holds ("Approved", "Cancelled") name their action.
func normalizeAction(doc map[string]any) error {
	v, ok := doc["action"]
	if !ok {
		return nil
	}
	s, isStr := v.(string)
	if !isStr {
		return errors.New("action: want a string")
	}
	a := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	if syn, ok := actionSynonyms[a]; ok {
		a = syn
	}
	if !slices.Contains(Actions, a) {
		return fmt.Errorf("action: not one of %s", strings.Join(Actions, ", "))
	}
	doc["action"] = a
	return nil
}

// lifeState is a target's state for the lifecycle actions.
type lifeState struct {
	// byID maps registrant IDs to lower-case emails; built on first use.
	byID map[string]string
	// panelists maps lower-case emails to panelist IDs ("" when added in
	// this run: Zoom's answer has no ID, and the email names it too).
	panelists map[string]string
	// panelLoaded: panelists was listed (or the listing failed: see
	// panelFatal and panelDefer).
	panelLoaded bool
	panelFatal  *rejection
	panelDefer  *deferral
	// seq counts the rows of each person and action, so the ledger tells
	// "approve, cancel, approve again" apart.
	seq map[string]int
	// gone holds the persons a delete row of this input removed (in this
	// run or, by the ledger, an earlier one): a later register row for them
	// must not trust the ledger's older registration.
	gone map[string]bool
}

// idIndex returns the registrant-ID index of the target's registrants.
func (t *target) idIndex() map[string]string {
	if t.life.byID == nil {
		t.life.byID = make(map[string]string, len(t.existing))
		for email, reg := range t.existing {
			if reg.id != "" {
				t.life.byID[reg.id] = email
			}
		}
	}
	return t.life.byID
}

// noteID records a registrant ID learnt in this run.
func (t *target) noteID(id, email string) {
	if t.life.byID != nil && id != "" {
		t.life.byID[id] = email
	}
}

// personKey names the row's person: its lower-case email, or the email of
// its registrant_id, or "id:" and the ID when the target does not list it.
func (t *target) personKey(r *row) string {
	if r.email != "" {
		return r.email
	}
	if email, ok := t.idIndex()[r.regID]; ok {
		return email
	}
	return "id:" + r.regID
}

// findPerson returns the listed registrant a row names (by registrant_id
// when it has one, else by email) and its lower-case email.
func (t *target) findPerson(r *row) (listing, string, bool) {
	email := r.email
	if r.regID != "" {
		e, ok := t.idIndex()[r.regID]
		if !ok {
			return listing{}, "", false
		}
		email = e
	}
	reg, ok := t.existing[email]
	return reg, email, ok
}

// actionKey is the ledger key of the nth row of a person and action.
func actionKey(t TargetKey, who, action string, n int) string {
	h := sha256.Sum256([]byte(t.String() + "\n" + action + "\n" + who + "\n" + strconv.Itoa(n)))
	return hex.EncodeToString(h[:])
}

// inState reports whether a registrant in status already is where the
// action leads, and why.
func inState(action, status string) (string, bool) {
	switch {
	case action == ActApprove && status == "approved":
		return "already approved", true
	case action == ActDeny && status == "denied":
		return "already denied", true
	case action == ActCancel && status == "denied":
		return "not approved or pending: Zoom lists a cancelled registration as denied", true
	}
	return "", false
}

// actBatches holds the action rows waiting for a batch call, by action.
type actBatches struct {
	order []string
	rows  map[string][]*row
	regs  map[string][]listing
	busy  map[string]bool // persons waiting in a batch
}

func newActBatches() *actBatches {
	return &actBatches{rows: map[string][]*row{}, regs: map[string][]listing{}, busy: map[string]bool{}}
}

func (b *actBatches) add(action string, r *row, reg listing, who string) int {
	if len(b.rows[action]) == 0 {
		b.order = append(b.order, action)
	}
	b.rows[action] = append(b.rows[action], r)
	b.regs[action] = append(b.regs[action], reg)
	b.busy[who] = true
	return len(b.rows[action])
}

// take removes and returns the batch of action.
func (b *actBatches) take(t *target, action string) ([]*row, []listing) {
	rows, regs := b.rows[action], b.regs[action]
	delete(b.rows, action)
	delete(b.regs, action)
	b.order = slices.DeleteFunc(b.order, func(a string) bool { return a == action })
	for _, r := range rows {
		delete(b.busy, t.personKey(r))
	}
	return rows, regs
}

// flushActs sends every waiting action batch, in the order they opened.
func (e *engine) flushActs(ctx context.Context, t *target, b *actBatches) error {
	for len(b.order) > 0 {
		if err := e.flushAct(ctx, t, b, b.order[0]); err != nil {
			return err
		}
	}
	return nil
}

// flushAct sends the batch of one action.
func (e *engine) flushAct(ctx context.Context, t *target, b *actBatches, action string) error {
	rows, regs := b.take(t, action)
	if len(rows) == 0 {
		return nil
	}
	if action == ActAddPanelist {
		return e.sendPanelists(ctx, t, rows)
	}
	return e.sendStatus(ctx, t, action, rows, regs)
}

// decideAction reports an action row that needs no request (ledger, state,
// unknown person), queues it for a batch call, or sends it alone.
func (e *engine) decideAction(ctx context.Context, t *target, r *row, b *actBatches) error {
	if t.fatal != nil {
		return e.reject(r, *t.fatal)
	}
	if t.deferred != nil {
		return e.deferRow(r, *t.deferred)
	}
	who := t.personKey(r)
	if t.life.seq == nil {
		t.life.seq = map[string]int{}
	}
	t.life.seq[who+"\n"+r.action]++
	r.actKey = actionKey(t.key, who, r.action, t.life.seq[who+"\n"+r.action])
	if r.action == ActDelete {
		if t.life.gone == nil {
			t.life.gone = map[string]bool{}
		}
		t.life.gone[who] = true
	}
	le, ok, err := e.ledger.lookup(ctx, r.actKey)
	if err != nil {
		return err
	}
	if ok {
		if le.Outcome == StatusNotFound {
			return e.actResult(r, Result{Status: StatusNotFound, Reason: "not found by an earlier run (ledger)"})
		}
		return e.actResult(r, Result{Status: StatusAlreadyDone, RegistrantID: le.RegistrantID, Reason: "settled by an earlier run (ledger)"})
	}
	if r.action == ActAddPanelist || r.action == ActRemovePanelist {
		return e.decidePanelist(ctx, t, r, b, who)
	}
	reg, email, ok := t.findPerson(r)
	if !ok {
		return e.settled(t, r, StatusNotFound, "", "not a registrant of this "+string(t.key.Kind))
	}
	if why, done := inState(r.action, reg.status); done {
		return e.settled(t, r, StatusAlreadyDone, reg.id, why)
	}
	r.person = email
	if r.action == ActDelete {
		return e.sendDelete(ctx, t, r, reg)
	}
	if b.add(r.action, r, reg, who) >= MaxBatch {
		return e.flushAct(ctx, t, b, r.action)
	}
	return nil
}

// settled reports an action row that needed no request (already done, or
// its person not found) and records it in the ledger, so that a re-run
// settles it the same way even after later rows changed the person: in
// "approve (already approved), cancel", a re-run must not approve again.
func (e *engine) settled(t *target, r *row, status, regID, why string) error {
	if !e.dryRun {
		e.ledger.settle([]registrant.Entry{{Key: r.actKey, Target: t.key.String(), Action: r.action, RegistrantID: regID, Row: r.num, Outcome: status}})
	}
	return e.actResult(r, Result{Status: status, RegistrantID: regID, Reason: why})
}

// actResult records the outcome of an action row.
func (e *engine) actResult(r *row, res Result) error {
	res.Action = r.action
	return e.out.result(r, res)
}

// actionFailed reports rows a lifecycle request failed for: deferred for a
// temporary error, rejected for Zoom's permanent answer (every row of the
// target when the answer concerns the whole target).
func (e *engine) actionFailed(t *target, rows []*row, err error) error {
	if temporary(err) {
		d := deferralFor(err, "")
		for _, r := range rows {
			if err := e.out.result(r, Result{Status: StatusDeferred, Action: r.action, Code: d.code, Reason: d.reason, why: d.why}); err != nil {
				return err
			}
		}
		return nil
	}
	rj := zoomRejection(err)
	var ae *zoomapi.APIError
	if errors.As(err, &ae) && targetWide(ae) {
		t.fatal = &rj
	}
	for _, r := range rows {
		if err := e.actResult(r, Result{Status: StatusRejected, Code: rj.code, Reason: rj.reason}); err != nil {
			return err
		}
	}
	return nil
}

// applied records confirmed actions: ledger first (fsynced), then the
// target's view and the results.
func (e *engine) applied(t *target, rows []*row, regs []listing, method, why string) error {
	entries := make([]registrant.Entry, len(rows))
	for i, r := range rows {
		entries[i] = registrant.Entry{Key: r.actKey, Target: t.key.String(), Action: r.action, RegistrantID: regs[i].id, Row: r.num}
	}
	if !e.dryRun {
		if err := e.ledger.record(entries); err != nil {
			return err
		}
	}
	status := StatusApplied
	if e.dryRun {
		status = StatusWouldApply
	}
	for i, r := range rows {
		t.applyLocal(r, regs[i])
		if err := e.actResult(r, Result{Status: status, Method: method, RegistrantID: regs[i].id, Reason: why}); err != nil {
			return err
		}
	}
	return nil
}

// applyLocal changes the target's view as an applied action did.
func (t *target) applyLocal(r *row, reg listing) {
	switch r.action {
	case ActApprove:
		reg.status = "approved"
	case ActDeny, ActCancel:
		reg.status = "denied"
	case ActDelete:
		delete(t.existing, r.person)
		// What this run registered the person for is gone too: a later row
		// registering them again is sent.
		maps.DeleteFunc(t.done, func(k string, _ listing) bool { return strings.HasPrefix(k, r.person+"\n") })
		if t.life.byID != nil {
			delete(t.life.byID, reg.id)
		}
		t.count--
		return
	case ActAddPanelist:
		t.life.panelists[r.email] = ""
		return
	case ActRemovePanelist:
		delete(t.life.panelists, r.email)
		return
	}
	t.existing[r.person] = reg
}

func methodOf(n int) string {
	if n > 1 {
		return MethodBatch
	}
	return MethodSingle
}

// notFoundAnswer reports Zoom's 400 code 3000 "Registrant ... was not
// found." (the person left the list after it was read).
func notFoundAnswer(err error) bool {
	var ae *zoomapi.APIError
	return errors.As(err, &ae) && ae.Code == zoomapi.CodeMeetingAccess && strings.Contains(strings.ToLower(ae.Message), "not found")
}

// sendStatus sends one status update (at most MaxBatch registrants). When
// Zoom refuses the call for one person (its per-registrant daily limit, or
// a registrant it no longer has), the rows are sent one by one, so the
// others go on.
func (e *engine) sendStatus(ctx context.Context, t *target, action string, rows []*row, regs []listing) error {
	if e.dryRun {
		return e.applied(t, rows, regs, methodOf(len(rows)), "")
	}
	list := make([]map[string]any, len(rows))
	for i, r := range rows {
		list[i] = map[string]any{"id": regs[i].id}
		if em, ok := r.fields["email"].(string); ok && r.regID == "" {
			list[i]["email"] = em
		}
	}
	req := e.client.NewRequest(http.MethodPut, t.key.path()+"/registrants/status", nil, map[string]any{"action": action, "registrants": list})
	req.Category = zoomapi.CategoryMedium
	err := e.do(ctx, "status", req, nil)
	if err == nil {
		return e.applied(t, rows, regs, methodOf(len(rows)), "")
	}
	if abortErr(err) {
		return err
	}
	var rl *zoomapi.RateLimitError
	perPerson := notFoundAnswer(err) || (errors.As(err, &rl) && rl.PerRegistrant)
	if perPerson && len(rows) > 1 {
		e.log.Info("write: status update refused for one registrant, sending one by one", "target", t.key.String(), "rows", len(rows))
		for i := range rows {
			if err := e.sendStatus(ctx, t, action, rows[i:i+1], regs[i:i+1]); err != nil {
				return err
			}
		}
		return nil
	}
	if notFoundAnswer(err) {
		return e.settled(t, rows[0], StatusNotFound, "", "Zoom no longer has this registrant")
	}
	return e.actionFailed(t, rows, err)
}

// sendDelete deletes one registrant. Zoom's "not found" after the list
// showed it means the delete (perhaps a retried one) took effect.
func (e *engine) sendDelete(ctx context.Context, t *target, r *row, reg listing) error {
	if e.dryRun {
		return e.applied(t, []*row{r}, []listing{reg}, MethodSingle, "")
	}
	req := e.client.NewRequest(http.MethodDelete, t.key.path()+"/registrants/"+url.PathEscape(reg.id), nil, nil)
	req.Category = zoomapi.CategoryLight
	err := e.do(ctx, "delete", req, nil)
	switch {
	case err == nil:
		return e.applied(t, []*row{r}, []listing{reg}, MethodSingle, "")
	case abortErr(err):
		return err
	case notFoundAnswer(err):
		return e.applied(t, []*row{r}, []listing{reg}, MethodSingle, "Zoom no longer had the registrant it listed")
	}
	return e.actionFailed(t, []*row{r}, err)
}

// decidePanelist handles add_panelist and remove_panelist rows.
func (e *engine) decidePanelist(ctx context.Context, t *target, r *row, b *actBatches, who string) error {
	if t.key.Kind != Webinar {
		return e.actResult(r, Result{Status: StatusRejected, Reason: "action: only webinars have panelists"})
	}
	if err := e.loadPanelists(ctx, t); err != nil {
		return err
	}
	switch {
	case t.life.panelFatal != nil:
		return e.actResult(r, Result{Status: StatusRejected, Code: t.life.panelFatal.code, Reason: t.life.panelFatal.reason})
	case t.life.panelDefer != nil:
		d := t.life.panelDefer
		return e.out.result(r, Result{Status: StatusDeferred, Action: r.action, Code: d.code, Reason: d.reason, why: d.why})
	}
	pid, is := t.life.panelists[r.email]
	if r.action == ActAddPanelist {
		if is {
			return e.settled(t, r, StatusAlreadyDone, "", "already a panelist")
		}
		if b.add(r.action, r, listing{}, who) >= MaxBatch {
			return e.flushAct(ctx, t, b, r.action)
		}
		return nil
	}
	if !is {
		return e.settled(t, r, StatusNotFound, "", "not a panelist of this webinar")
	}
	return e.sendRemovePanelist(ctx, t, r, pid)
}

// loadPanelists lists the webinar's panelists once (GET
// /webinars/{id}/panelists, not paginated). Zoom errors are kept for the
// panelist rows; it returns only errors that end the run.
func (e *engine) loadPanelists(ctx context.Context, t *target) error {
	if t.life.panelLoaded {
		return nil
	}
	t.life.panelLoaded = true
	req := e.client.NewRequest(http.MethodGet, t.key.path()+"/panelists", nil, nil)
	req.Category = zoomapi.CategoryMedium
	var resp struct {
		Panelists []struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"panelists"`
	}
	if err := e.do(ctx, "panelist_list", req, &resp); err != nil {
		if abortErr(err) {
			return err
		}
		if temporary(err) {
			d := deferralFor(err, "listing the panelists failed")
			t.life.panelDefer = &d
		} else {
			rj := zoomRejection(err)
			t.life.panelFatal = &rj
		}
		return nil
	}
	t.life.panelists = make(map[string]string, len(resp.Panelists))
	for _, p := range resp.Panelists {
		t.life.panelists[strings.ToLower(p.Email)] = p.ID
	}
	return nil
}

// sendPanelists adds panelists (at most MaxBatch) with one call. When the
// answer is lost, the panelists are listed again and only the missing ones
// are sent again.
func (e *engine) sendPanelists(ctx context.Context, t *target, rows []*row) error {
	regs := make([]listing, len(rows))
	if e.dryRun {
		return e.applied(t, rows, regs, methodOf(len(rows)), "")
	}
	remaining := rows
	for attempt := 1; ; attempt++ {
		list := make([]map[string]any, len(remaining))
		for i, r := range remaining {
			name := strings.TrimSpace(fmt.Sprint(r.fields["first_name"]) + " " + stringField(r, "last_name"))
			list[i] = map[string]any{"email": r.fields["email"], "name": name}
		}
		req := e.client.NewRequest(http.MethodPost, t.key.path()+"/panelists", nil, map[string]any{"panelists": list})
		req.Category = zoomapi.CategoryMedium
		err := e.do(ctx, "panelists", req, nil)
		if err == nil {
			return e.applied(t, remaining, regs[:len(remaining)], methodOf(len(remaining)), "")
		}
		if abortErr(err) {
			return err
		}
		if !errors.Is(err, zoomapi.ErrOutcomeUnknown) {
			return e.actionFailed(t, remaining, err)
		}
		t.life.panelLoaded = false
		if lerr := e.loadPanelists(ctx, t); lerr != nil {
			return lerr
		}
		if t.life.panelists == nil || t.life.panelDefer != nil || t.life.panelFatal != nil {
			return e.actionFailed(t, remaining, err)
		}
		var found, missing []*row
		for _, r := range remaining {
			if _, ok := t.life.panelists[r.email]; ok {
				found = append(found, r)
			} else {
				missing = append(missing, r)
			}
		}
		if err := e.applied(t, found, regs[:len(found)], methodOf(len(remaining)), ""); err != nil {
			return err
		}
		remaining = missing
		if len(remaining) == 0 {
			return nil
		}
		if attempt >= e.maxAttempts {
			return e.actionFailed(t, remaining, err)
		}
	}
}

func stringField(r *row, f string) string {
	s, _ := r.fields[f].(string)
	return s
}

// sendRemovePanelist removes one panelist by ID (or by email when it was
// added in this run). Zoom's 404 after the list showed the panelist means
// the removal took effect.
func (e *engine) sendRemovePanelist(ctx context.Context, t *target, r *row, pid string) error {
	if e.dryRun {
		return e.applied(t, []*row{r}, []listing{{}}, MethodSingle, "")
	}
	if pid == "" {
		pid = stringField(r, "email")
	}
	req := e.client.NewRequest(http.MethodDelete, t.key.path()+"/panelists/"+url.PathEscape(pid), nil, nil)
	req.Category = zoomapi.CategoryLight
	err := e.do(ctx, "panelist_remove", req, nil)
	var ae *zoomapi.APIError
	switch {
	case err == nil:
		return e.applied(t, []*row{r}, []listing{{}}, MethodSingle, "")
	case abortErr(err):
		return err
	case errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound && ae.Code == zoomapi.CodeUserNotFound:
		return e.applied(t, []*row{r}, []listing{{}}, MethodSingle, "Zoom no longer had the panelist it listed")
	}
	return e.actionFailed(t, []*row{r}, err)
}
