package zoomsim

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"
)

// The registrant lifecycle after registration: status updates (approve,
// deny, cancel), deleting a registrant, and adding and removing webinar
// panelists.
//
// From Zoom's documents (Meeting API 2025 and 2023, facts file):
//   - PUT .../registrants/status takes {"action": approve|deny|cancel,
//     "registrants": [{id, email}]} with at most 30 registrants and answers
//     204; Medium label. "cancel" is "Cancel previously approved
//     registrant's registration". Webinars answer 300 "Registration has not
//     been enabled for this meeting" when registration is off.
//   - Status updates are limited to 10 a day per registrant (facts §d, from
//     a third-party copy of the rate-limit page); the 429 text is SPEC23's.
//   - DELETE .../registrants/{registrantId} answers 204; an unknown
//     registrant is 400 code 3000 "Registrant {id} was not found."; Light.
//   - POST /webinars/{id}/panelists takes {"panelists": [{email, name,
//     ...}]} (at most 30), answers 201 {"id": webinar ID as a string,
//     "updated_at"}; too many panelists is 400 code 3000 "You have reached
//     the limit for the number of panelists you can add. ..."; Medium.
//   - DELETE /webinars/{id}/panelists/{panelistId} ("The panelist's ID or
//     email") answers 204; Light. SPEC23 documents 404 code 1001 "User
//     {email} does not exist or does not belong to this account." for it.
//   - Webhooks meeting|webinar.registration_approved, _denied, _cancelled
//     (facts §g).
//
// Invented (Zoom does not document it), marked where it is used:
//   - which transitions apply: approve moves pending or denied to approved;
//     deny moves pending or approved to denied; cancel moves approved or
//     pending out of the registration. A registrant already in the wanted
//     state is left alone (204, no email, no webhook).
//   - what a cancelled registrant looks like: listed as denied, or (with
//     Dataset.CancelRemoves) no longer listed at all.
//   - an unknown registrant in a status update: 400 code 3000 "Registrant
//     {id or email} was not found.", nothing applied (the call is atomic).
//   - an empty or missing registrants list: 400 code 300 Validation Failed.
//   - panelist name required; a panelist whose email is already a panelist
//     is updated, not added twice; the panelist limit is
//     Dataset.MaxPanelists (default 100, Zoom's usual webinar allowance).
//   - emails: approving (and an add that is approved at once, unless a
//     meeting batch asks registrants_confirmation_email false) sends a
//     confirmation email; cancelling sends a cancellation email; deny and
//     delete send none. They are counters (/_sim/counters "emails").

// lifecycleRouteTable lists the registrant lifecycle endpoints, which
// endpoints.json does not index: categories and scopes are taken from the
// Meeting API 2025 document (its "Rate Limit Label", x-macro-scopes and
// x-granular-scopes), as the conformance test checks.
var lifecycleRouteTable = []Route{
	{Method: "PUT", Pattern: "/meetings/{meetingId}/registrants/status", Category: Medium, Scopes: []string{"meeting:write:admin", "meeting:write"}, Granular: []string{"meeting:update:registrant_status", "meeting:update:registrant_status:admin"}},
	{Method: "PUT", Pattern: "/webinars/{webinarId}/registrants/status", Category: Medium, Scopes: []string{"webinar:write:admin", "webinar:write"}, Granular: []string{"webinar:update:registrant_status", "webinar:update:registrant_status:admin"}},
	{Method: "DELETE", Pattern: "/meetings/{meetingId}/registrants/{registrantId}", Category: Light, Scopes: []string{"meeting:write:admin", "meeting:write"}, Granular: []string{"meeting:delete:registrant", "meeting:delete:registrant:admin"}},
	{Method: "DELETE", Pattern: "/webinars/{webinarId}/registrants/{registrantId}", Category: Light, Scopes: []string{"webinar:write:admin", "webinar:write"}, Granular: []string{"webinar:delete:registrant", "webinar:delete:registrant:admin"}},
	{Method: "POST", Pattern: "/webinars/{webinarId}/panelists", Category: Medium, Scopes: []string{"webinar:write:admin", "webinar:write"}, Granular: []string{"webinar:write:panelist", "webinar:write:panelist:admin"}},
	{Method: "DELETE", Pattern: "/webinars/{webinarId}/panelists/{panelistId}", Category: Light, Scopes: []string{"webinar:write:admin", "webinar:write"}, Granular: []string{"webinar:delete:panelist", "webinar:delete:panelist:admin"}},
}

// statusDailyLimit is how many status updates one registrant may get per
// UTC day (facts file, section d).
const statusDailyLimit = 10

// DefaultMaxPanelists is the invented default panelist limit of a webinar.
const DefaultMaxPanelists = 100

// lifecycle holds what the lifecycle endpoints changed; the generated
// registrants and panelists are derived on demand, so changes are overlays.
type lifecycle struct {
	status      map[string]string // meetingID|registrantID → status
	deleted     map[string]bool   // meetingID|registrantID
	statusCalls map[string]int    // meetingID|registrantID|day → updates
	panelAdded  map[int64][]map[string]any
	panelGone   map[string]bool // webinarID|panelistID
	panelSeq    int
	calls       []LifecycleCall
}

// LifecycleCall is one person named in a lifecycle request the simulator
// accepted: a status update names each of its registrants, a panelist add
// each of its panelists. Tests count them per person and action.
type LifecycleCall struct {
	// Target is "meeting:ID" or "webinar:ID".
	Target string `json:"target"`
	// Action is approve, deny, cancel, delete, add_panelist or
	// remove_panelist.
	Action string `json:"action"`
	// Email is the person's lower-case email.
	Email string `json:"email"`
}

func (d *Dataset) logCall(m *Meeting, action, email string) {
	kind := "meeting:"
	if m.Webinar {
		kind = "webinar:"
	}
	l := d.life()
	l.calls = append(l.calls, LifecycleCall{Target: kind + idStr(m.ID), Action: action, Email: strings.ToLower(email)})
}

// LifecycleCalls returns every person named in an accepted lifecycle
// request, in order (GET /_sim/lifecycle).
func (s *Server) LifecycleCalls() []LifecycleCall {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.data.lc == nil {
		return nil
	}
	return append([]LifecycleCall(nil), s.data.lc.calls...)
}

func (d *Dataset) life() *lifecycle {
	if d.lc == nil {
		d.lc = &lifecycle{
			status: map[string]string{}, deleted: map[string]bool{}, statusCalls: map[string]int{},
			panelAdded: map[int64][]map[string]any{}, panelGone: map[string]bool{},
		}
	}
	return d.lc
}

func regKey(m *Meeting, id string) string { return idStr(m.ID) + "|" + id }

// overlay applies status changes and deletions to a meeting's registrants.
func (d *Dataset) overlay(m *Meeting, regs []*Registrant) []*Registrant {
	if d.lc == nil {
		return regs
	}
	out := regs[:0]
	for _, r := range regs {
		k := regKey(m, r.ID)
		if d.lc.deleted[k] {
			continue
		}
		// Registrants created through the API are shared by concurrent
		// GETs (read lock): setStatus already set theirs, so only the
		// generated ones, fresh on every call, are written here.
		if s, ok := d.lc.status[k]; ok && r.Status != s {
			r.Status = s
		}
		out = append(out, r)
	}
	return out
}

// setStatus records a registrant's new status ("" removes it from every
// list).
func (d *Dataset) setStatus(m *Meeting, r *Registrant, status string) {
	l := d.life()
	k := regKey(m, r.ID)
	if status == "" {
		l.deleted[k] = true
		return
	}
	l.status[k] = status
	r.Status = status
}

// transition returns the status an action leads to from status, and
// whether it changes anything (invented rules, see the file comment).
func transition(action, status string, cancelRemoves bool) (string, bool) {
	switch action {
	case "approve":
		return "approved", status == "pending" || status == "denied"
	case "deny":
		return "denied", status == "pending" || status == "approved"
	case "cancel":
		if cancelRemoves {
			return "", status == "approved" || status == "pending"
		}
		return "denied", status == "approved" || status == "pending"
	}
	return status, false
}

// statusBody validates a status update body and resolves its registrants.
func statusBody(c *Call, m *Meeting, body map[string]any) (string, []*Registrant, bool) {
	action, _ := body["action"].(string)
	var errs []FieldError
	if action != "approve" && action != "deny" && action != "cancel" {
		errs = append(errs, FieldError{Field: "action", Message: "Invalid field."})
	}
	list, isArr := body["registrants"].([]any)
	if !isArr || len(list) == 0 || len(list) > 30 {
		// Invented for an empty list; 30 is Zoom's documented maximum.
		errs = append(errs, FieldError{Field: "registrants", Message: "Invalid field."})
	}
	type ref struct{ id, email string }
	refs := make([]ref, 0, len(list))
	for i, x := range list {
		o, isObj := x.(map[string]any)
		id, _ := o["id"].(string)
		email, _ := o["email"].(string)
		if !isObj || (id == "" && email == "") {
			errs = append(errs, FieldError{Field: fmt.Sprintf("registrants[%d]", i), Message: "Invalid field."})
			continue
		}
		refs = append(refs, ref{id, email})
	}
	if len(errs) > 0 {
		c.Validation(errs)
		return "", nil, false
	}
	all := c.Data.Registrants(m)
	var out []*Registrant
	for _, rf := range refs {
		var found *Registrant
		for _, r := range all {
			if (rf.id != "" && r.ID == rf.id) || (rf.id == "" && strings.EqualFold(r.Email, rf.email)) {
				found = r
				break
			}
		}
		if found == nil {
			who := rf.id
			if who == "" {
				who = rf.email
			}
			c.Error(http.StatusBadRequest, 3000, fmt.Sprintf("Registrant %s was not found.", who)) // invented
			return "", nil, false
		}
		out = append(out, found)
	}
	return action, out, true
}

// checkRegistrationOn answers the documented errors of a target whose
// registration is off: meetings 404-coded, webinars code 300.
func checkRegistrationOn(c *Call, m *Meeting) bool {
	if m.RegistrationEnabled() {
		return true
	}
	if m.Webinar {
		c.Error(http.StatusBadRequest, 300, fmt.Sprintf("Registration has not been enabled for this meeting: %d.", m.ID))
	} else {
		registrationDisabled(c, m)
	}
	return false
}

// handleRegistrantStatus: PUT /meetings/{meetingId}/registrants/status and
// PUT /webinars/{webinarId}/registrants/status.
func handleRegistrantStatus(webinar bool) func(*Call) {
	return func(c *Call) {
		m := lookupMeeting(c, webinar)
		if m == nil || !requireLicensed(c, m) || !checkRegistrationOn(c, m) {
			return
		}
		body, ok := decodeBody(c)
		if !ok {
			return
		}
		action, regs, ok := statusBody(c, m, body)
		if !ok {
			return
		}
		d, l := c.Data, c.Data.life()
		day := c.Now.UTC().Format(zoomDate)
		for _, r := range regs {
			if l.statusCalls[regKey(m, r.ID)+"|"+day]+1 > statusDailyLimit {
				c.Error(http.StatusTooManyRequests, 429, fmt.Sprintf(
					"You have exceeded the daily rate limit of \"%d\" for %s Update registrant's status API requests for the registrant \"%s\". You can resume these API requests at GMT 00:00:00.",
					statusDailyLimit, strings.ToLower(kindWord(webinar)), r.Email))
				return
			}
		}
		for _, r := range regs {
			d.logCall(m, action, r.Email)
			l.statusCalls[regKey(m, r.ID)+"|"+day]++
			to, change := transition(action, r.Status, d.CancelRemoves)
			if !change {
				continue
			}
			d.setStatus(m, r, to)
			switch action {
			case "approve":
				c.S.counter.email(EmailConfirmation)
			case "cancel":
				c.S.counter.email(EmailCancellation)
			}
			c.S.webhookRegistrant(m, r, map[string]string{"approve": "approved", "deny": "denied", "cancel": "cancelled"}[action])
		}
		c.W.WriteHeader(http.StatusNoContent)
	}
}

// handleDeleteRegistrant: DELETE /meetings/{meetingId}/registrants/{registrantId}
// and the webinar equivalent.
func handleDeleteRegistrant(webinar bool) func(*Call) {
	return func(c *Call) {
		m := lookupMeeting(c, webinar)
		if m == nil || !requireLicensed(c, m) || !checkRegistrationOn(c, m) {
			return
		}
		id := c.Param("registrantId")
		if strings.TrimSpace(id) == "" {
			c.Error(http.StatusBadRequest, 300, "The value that you entered for the Registrant ID field is invalid. Enter a valid value and try again.")
			return
		}
		for _, r := range c.Data.Registrants(m) {
			if r.ID == id {
				c.Data.logCall(m, "delete", r.Email)
				c.Data.setStatus(m, r, "")
				c.W.WriteHeader(http.StatusNoContent)
				return
			}
		}
		c.Error(http.StatusBadRequest, 3000, fmt.Sprintf("Registrant %s was not found.", id))
	}
}

// panelistItems are the webinar's panelists: the generated ones not
// removed, then those added through the API.
func (d *Dataset) panelistItems(w *Meeting) []map[string]any {
	gen := panelistItems(w)
	if d.lc == nil {
		return gen
	}
	out := make([]map[string]any, 0, len(gen))
	for _, p := range gen {
		if !d.lc.panelGone[regKey(w, p["id"].(string))] {
			out = append(out, p)
		}
	}
	for _, p := range d.lc.panelAdded[w.ID] {
		if !d.lc.panelGone[regKey(w, p["id"].(string))] {
			out = append(out, p)
		}
	}
	return out
}

// webinarWritable answers the panelist endpoints' documented errors.
func webinarWritable(c *Call) *Meeting {
	w := lookupMeeting(c, true)
	if w == nil {
		return nil
	}
	if !w.Licensed() {
		c.Error(http.StatusBadRequest, 200, msgWebinarPlanMissing)
		return nil
	}
	return w
}

// handleAddPanelists: POST /webinars/{webinarId}/panelists.
func handleAddPanelists(c *Call) {
	w := webinarWritable(c)
	if w == nil {
		return
	}
	body, ok := decodeBody(c)
	if !ok {
		return
	}
	list, isArr := body["panelists"].([]any)
	var errs []FieldError
	if !isArr || len(list) == 0 || len(list) > 30 {
		errs = append(errs, FieldError{Field: "panelists", Message: "Invalid field."})
	}
	for i, x := range list {
		o, _ := x.(map[string]any)
		email, _ := o["email"].(string)
		name, _ := o["name"].(string)
		if a, err := parseEmail(email); err != nil || a != email {
			errs = append(errs, FieldError{Field: fmt.Sprintf("panelists[%d].email", i), Message: "Invalid field."})
		}
		if strings.TrimSpace(name) == "" { // invented: a panelist needs a name
			errs = append(errs, FieldError{Field: fmt.Sprintf("panelists[%d].name", i), Message: "Invalid field."})
		}
	}
	if len(errs) > 0 {
		c.Validation(errs)
		return
	}
	d, l := c.Data, c.Data.life()
	current := d.panelistItems(w)
	byEmail := map[string]map[string]any{}
	for _, p := range current {
		byEmail[strings.ToLower(p["email"].(string))] = p
	}
	var fresh []map[string]any
	for _, x := range list {
		o := x.(map[string]any)
		e := strings.ToLower(o["email"].(string))
		d.logCall(w, "add_panelist", e)
		if _, ok := byEmail[e]; !ok {
			p := map[string]any{"email": o["email"], "name": o["name"]}
			byEmail[e] = p
			fresh = append(fresh, p)
		} else if old := byEmail[e]; old != nil {
			old["name"] = o["name"] // invented: a repeated email updates the name
		}
	}
	limit := d.MaxPanelists
	if limit <= 0 {
		limit = DefaultMaxPanelists
	}
	if len(current)+len(fresh) > limit {
		c.Error(http.StatusBadRequest, 3000, "You have reached the limit for the number of panelists you can add. Contact Zoom Support for more information.")
		return
	}
	for _, p := range fresh {
		r := childRand(uint64(d.Seed), 2_000_000+uint64(l.panelSeq))
		l.panelSeq++
		p["id"] = ridToken(r, 22)
		p["join_url"] = fmt.Sprintf("https://us05web.zoom.us/w/%d?tk=%s", w.ID, ridToken(r, 43))
		l.panelAdded[w.ID] = append(l.panelAdded[w.ID], p)
	}
	c.JSON(http.StatusCreated, map[string]any{"id": idStr(w.ID), "updated_at": ztime(c.Now.Truncate(time.Second))})
}

// handleRemovePanelist: DELETE /webinars/{webinarId}/panelists/{panelistId}
// (an ID or an email).
func handleRemovePanelist(c *Call) {
	w := webinarWritable(c)
	if w == nil {
		return
	}
	who := c.Param("panelistId")
	for _, p := range c.Data.panelistItems(w) {
		if p["id"] == who || strings.EqualFold(p["email"].(string), who) {
			c.Data.logCall(w, "remove_panelist", p["email"].(string))
			c.Data.life().panelGone[regKey(w, p["id"].(string))] = true
			c.W.WriteHeader(http.StatusNoContent)
			return
		}
	}
	c.Error(http.StatusNotFound, 1001, fmt.Sprintf("User %s does not exist or does not belong to this account.", who))
}

// parseEmail returns the bare address of s, with a dot in its domain.
func parseEmail(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	if !strings.Contains(a.Address[strings.LastIndex(a.Address, "@"):], ".") {
		return "", errors.New("no dot in the domain")
	}
	return a.Address, nil
}
