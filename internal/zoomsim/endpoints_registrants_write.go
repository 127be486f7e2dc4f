package zoomsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Enums of the add-registrant request body (SPEC25).
var (
	reqEmployeeCounts = []string{"", "1-20", "21-50", "51-100", "101-500", "500-1,000", "1,001-5,000", "5,001-10,000", "More than 10,000"}
	reqLanguages      = []string{"en-US", "de-DE", "es-ES", "fr-FR", "jp-JP", "pt-PT", "ru-RU", "zh-CN", "zh-TW", "ko-KO", "it-IT", "vi-VN", "pl-PL", "Tr-TR"}
)

// perRegistrantDailyLimit is how many add-registrant calls one registrant
// (email) may make for one meeting per UTC day (facts file, section d).
const perRegistrantDailyLimit = 3

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// decodeBody reads the JSON object body, answering 400 code 300 when it
// is not one.
func decodeBody(c *Call) (map[string]any, bool) {
	var body map[string]any
	dec := json.NewDecoder(http.MaxBytesReader(c.W, c.R.Body, 1<<20))
	if err := dec.Decode(&body); err != nil || body == nil {
		c.Error(http.StatusBadRequest, 300, "Request Body should be a valid JSON object.")
		return nil, false
	}
	return body, true
}

// validateRegistrant checks one registrant body; prefix names nested
// fields (e.g. "registrants[0].").
func validateRegistrant(b map[string]any, prefix string, full bool) []FieldError {
	var errs []FieldError
	bad := func(f string) { errs = append(errs, FieldError{Field: prefix + f, Message: "Invalid field."}) }
	str := func(f string, required bool, maxLen int, enum []string) {
		v, present := b[f]
		if !present || v == nil {
			if required {
				bad(f)
			}
			return
		}
		s, ok := v.(string)
		switch {
		case !ok, required && strings.TrimSpace(s) == "", maxLen > 0 && len([]rune(s)) > maxLen,
			enum != nil && !contains(enum, s):
			bad(f)
		}
	}
	str("email", true, 128, nil)
	if s, ok := b["email"].(string); ok && s != "" {
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
			bad("email")
		}
	}
	str("first_name", true, 64, nil)
	str("last_name", false, 64, nil)
	if !full {
		return errs
	}
	for _, f := range []string{"address", "city", "state", "zip", "phone", "comments", "industry", "job_title", "org", "source_id"} {
		str(f, false, 0, nil)
	}
	str("no_of_employees", false, 0, reqEmployeeCounts)
	str("purchasing_time_frame", false, 0, timeFrames)
	str("role_in_purchase_process", false, 0, purchaseRoles)
	str("language", false, 0, reqLanguages)
	if v, ok := b["country"]; ok && v != nil {
		s, isStr := v.(string)
		if !isStr || (s != "" && (len(s) != 2 || strings.ToUpper(s) != s || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')) {
			bad("country")
		}
	}
	if v, ok := b["auto_approve"]; ok && v != nil {
		if _, isBool := v.(bool); !isBool {
			bad("auto_approve")
		}
	}
	if v, ok := b["custom_questions"]; ok && v != nil {
		qs, isArr := v.([]any)
		if !isArr {
			bad("custom_questions")
		}
		for i, q := range qs {
			qm, isObj := q.(map[string]any)
			if !isObj {
				bad(fmt.Sprintf("custom_questions[%d]", i))
				continue
			}
			if t, present := qm["title"]; present {
				if _, isStr := t.(string); !isStr {
					bad(fmt.Sprintf("custom_questions[%d].title", i))
				}
			}
			if t, present := qm["value"]; present {
				if s, isStr := t.(string); !isStr || len([]rune(s)) > 128 {
					bad(fmt.Sprintf("custom_questions[%d].value", i))
				}
			}
		}
	}
	return errs
}

// findRegistrant returns the meeting's registrant with that email.
func (d *Dataset) findRegistrant(m *Meeting, email string) *Registrant {
	for _, r := range d.Registrants(m) {
		if strings.EqualFold(r.Email, email) {
			return r
		}
	}
	return nil
}

// newRegistrant creates, stores and returns a registrant from a body.
func (d *Dataset) newRegistrant(m *Meeting, b map[string]any, approved bool, now time.Time) *Registrant {
	s := func(f string) string { v, _ := b[f].(string); return v }
	r := childRand(uint64(d.Seed), 1_000_000+uint64(len(d.createdLog)))
	reg := &Registrant{
		ID: ridToken(r, 22), Email: s("email"), FirstName: s("first_name"), LastName: s("last_name"),
		Address: s("address"), City: s("city"), State: s("state"), Zip: s("zip"), Country: s("country"),
		Phone: s("phone"), Comments: s("comments"), Industry: s("industry"), JobTitle: s("job_title"),
		NoOfEmployees: s("no_of_employees"), Org: s("org"), PurchasingTimeFrame: s("purchasing_time_frame"),
		RoleInPurchaseProcess: s("role_in_purchase_process"), Status: "pending",
		CreateTime: now.UTC().Truncate(time.Second), MeetingID: m.ID, Webinar: m.Webinar,
	}
	if approved {
		reg.Status = "approved"
	}
	if qs, ok := b["custom_questions"].([]any); ok {
		for _, q := range qs {
			qm, _ := q.(map[string]any)
			t, _ := qm["title"].(string)
			v, _ := qm["value"].(string)
			reg.CustomQuestions = append(reg.CustomQuestions, map[string]any{"title": t, "value": v})
		}
	}
	reg.JoinURL = fmt.Sprintf("https://us05web.zoom.us/w/%d?tk=%s", m.ID, ridToken(r, 43))
	if !m.Webinar {
		reg.PinCode = 100000 + r.Int64N(900000)
	}
	d.created[m.ID] = append(d.created[m.ID], reg)
	d.createdLog = append(d.createdLog, reg)
	return reg
}

// occurrenceIDs splits an occurrence_ids query; nil when there is none.
func occurrenceIDs(q string) []string {
	var out []string
	for id := range strings.SplitSeq(q, ",") {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// choose adds occurrences to those the registrant chose; a registrant of
// every occurrence (nil), or an add without occurrence_ids, stays or
// becomes one of every occurrence.
func (r *Registrant) choose(occ []string) {
	if r.Occurrences == nil {
		return
	}
	if occ == nil {
		r.Occurrences = nil
		return
	}
	for _, id := range occ {
		if !slices.Contains(r.Occurrences, id) {
			r.Occurrences = append(r.Occurrences, id)
		}
	}
}

// countAdd counts a request to add email to m, alone or in a batch,
// whatever Zoom answers (AddsReceived).
func (d *Dataset) countAdd(m *Meeting, email string) {
	if d.addsReceived == nil {
		d.addsReceived = map[string]int{}
	}
	d.addsReceived[fmt.Sprintf("%s:%d|%s", strings.ToLower(kindWord(m.Webinar)), m.ID, strings.ToLower(email))]++
}

// AddsReceived returns how many add-registrant requests (a single add or
// one entry of a batch, with a valid body) named each person, by
// "meeting:ID|email" or "webinar:ID|email" with the email in lower case,
// whatever the answer. Zoom answers a repeated add with the existing
// registration, so only these counts show whether a person was sent twice.
func (s *Server) AddsReceived() map[string]int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return clone(s.data.addsReceived)
}

// CreatedRegistrants returns every registrant created through the API, in
// creation order, as the registrants endpoints serve them plus meeting_id
// or webinar_id.
func (d *Dataset) CreatedRegistrants() []map[string]any {
	out := make([]map[string]any, 0, len(d.createdLog))
	for _, reg := range d.createdLog {
		o := reg.object()
		if reg.Webinar {
			o["webinar_id"] = reg.MeetingID
		} else {
			o["meeting_id"] = reg.MeetingID
		}
		out = append(out, o)
	}
	return out
}

func overText(m *Meeting, batch bool) string {
	switch {
	case m.Webinar && batch:
		return "The webinar is over. You cannot register now. If you have any questions, contact the webinar's host."
	case m.Webinar:
		return "Webinar is over, you cannot register now. If you have any questions, contact the webinar host."
	case batch:
		return "Meeting is over, you can not register now. If you have any questions, please contact the Meeting host."
	}
	return "Meeting/Webinar is over, you cannot register now."
}

func capacityText(m *Meeting) string {
	return kindWord(m.Webinar) + " has reached maximum attendee capacity."
}

// checkRegistrable runs the checks shared by single and batch adds.
func checkRegistrable(c *Call, m *Meeting) bool {
	if !requireLicensed(c, m) {
		return false
	}
	if !m.RegistrationEnabled() {
		if m.Webinar {
			c.Error(http.StatusBadRequest, 3000, fmt.Sprintf("This webinar does not have registration as required: %d.", m.ID))
		} else {
			registrationDisabled(c, m)
		}
		return false
	}
	return true
}

// registrationAnswer is the 201 body of an add-registrant call.
func registrationAnswer(m *Meeting, reg *Registrant, now time.Time) map[string]any {
	o := map[string]any{
		"id": m.ID, "registrant_id": reg.ID, "join_url": reg.JoinURL, "topic": m.Topic,
		"start_time": ztime(m.nextStart(now)), "occurrences": m.occurrences(now, false),
	}
	if !m.Webinar {
		o["participant_pin_code"] = reg.PinCode
	}
	return o
}

// handleAddRegistrant: POST /meetings/{id}/registrants and
// POST /webinars/{id}/registrants.
func handleAddRegistrant(webinar bool) func(*Call) {
	return func(c *Call) {
		m := lookupMeeting(c, webinar)
		if m == nil || !checkRegistrable(c, m) {
			return
		}
		body, ok := decodeBody(c)
		if !ok {
			return
		}
		if errs := validateRegistrant(body, "", true); len(errs) > 0 {
			c.Validation(errs)
			return
		}
		c.Data.countAdd(m, body["email"].(string))
		if m.Over(c.Now) {
			c.Error(http.StatusBadRequest, 3038, overText(m, false))
			return
		}
		email := body["email"].(string)
		if webinar && strings.EqualFold(email, m.Host.Email) {
			c.Error(http.StatusBadRequest, 3027, "Host cannot register.")
			return
		}
		d := c.Data
		key := fmt.Sprintf("%d|%s|%s", m.ID, strings.ToLower(email), c.Now.UTC().Format(zoomDate))
		d.addCounts[key]++
		if d.addCounts[key] > perRegistrantDailyLimit {
			c.Error(http.StatusTooManyRequests, 429, fmt.Sprintf(
				"You have exceeded the daily rate limit of \"%d\" for Add %s registrant API requests for the registrant \"%s\". You can resume these API requests at GMT 00:00:00.",
				perRegistrantDailyLimit, strings.ToLower(kindWord(webinar)), email))
			return
		}
		occ := occurrenceIDs(c.Query("occurrence_ids"))
		if reg := d.findRegistrant(m, email); reg != nil {
			// Undocumented; forum reports say Zoom answers 201 with the
			// existing registration (facts file, section f). The
			// occurrences asked for are added to those it had.
			reg.choose(occ)
			c.JSON(http.StatusCreated, registrationAnswer(m, reg, c.Now))
			return
		}
		if len(d.Registrants(m)) >= d.MaxRegistrants {
			c.Error(http.StatusBadRequest, 3043, capacityText(m))
			return
		}
		auto, _ := body["auto_approve"].(bool)
		approved := m.ApprovalType == 0 || (!webinar && auto)
		reg := d.newRegistrant(m, body, approved, c.Now)
		reg.Occurrences = occ
		if approved {
			c.S.counter.email(EmailConfirmation)
		}
		c.S.webhookRegistrantCreated(m, reg)
		c.JSON(http.StatusCreated, registrationAnswer(m, reg, c.Now))
	}
}

// handleBatchRegistrants: POST /meetings/{id}/batch_registrants (type 2
// only, else 400 code 303) and POST /webinars/{id}/batch_registrants
// (type 5 only, else 400 code 300); at most 30 registrants.
func handleBatchRegistrants(webinar bool) func(*Call) {
	return func(c *Call) {
		m := lookupMeeting(c, webinar)
		if m == nil || !checkBatchable(c, m, webinar) {
			return
		}
		body, ok := decodeBody(c)
		if !ok {
			return
		}
		list, errs := validateBatch(body)
		if len(errs) > 0 {
			c.Validation(errs)
			return
		}
		for _, x := range list {
			c.Data.countAdd(m, x.(map[string]any)["email"].(string))
		}
		if m.Over(c.Now) {
			c.Error(http.StatusBadRequest, 3038, overText(m, true))
			return
		}
		d := c.Data
		if len(d.Registrants(m))+freshRegistrants(d, m, list) > d.MaxRegistrants {
			c.Error(http.StatusBadRequest, 3043, capacityText(m))
			return
		}
		c.JSON(http.StatusCreated, map[string]any{"registrants": addBatch(c, m, body, list)})
	}
}

// checkBatchable answers the errors of a batch add to m that come before
// its body is read: unlicensed host, a type that takes no batch, or
// registration off.
func checkBatchable(c *Call, m *Meeting, webinar bool) bool {
	if !requireLicensed(c, m) {
		return false
	}
	if !webinar && m.Type != 2 {
		c.Error(http.StatusBadRequest, 303, "This API can only be used for scheduled meeting(meeting type: 2). Batch registration is not supported for other meeting types.")
		return false
	}
	if webinar && m.Type != 5 {
		c.Error(http.StatusBadRequest, 300, "This API can only be used for scheduled webinars (type 5). Batch registration is not supported for other webinar types.")
		return false
	}
	if !m.RegistrationEnabled() {
		registrationDisabled(c, m)
		return false
	}
	return true
}

// validateBatch returns the registrants of a batch body (1 to 30 objects)
// and the field errors of the body: the list, each registrant, and a
// non-boolean auto_approve.
func validateBatch(body map[string]any) ([]any, []FieldError) {
	list, isArr := body["registrants"].([]any)
	var errs []FieldError
	if !isArr || len(list) == 0 || len(list) > 30 {
		errs = append(errs, FieldError{Field: "registrants", Message: "Invalid field."})
	}
	for i, x := range list {
		b, isObj := x.(map[string]any)
		if !isObj {
			errs = append(errs, FieldError{Field: fmt.Sprintf("registrants[%d]", i), Message: "Invalid field."})
			continue
		}
		errs = append(errs, validateRegistrant(b, fmt.Sprintf("registrants[%d].", i), false)...)
	}
	if v, ok := body["auto_approve"]; ok && v != nil {
		if _, isBool := v.(bool); !isBool {
			errs = append(errs, FieldError{Field: "auto_approve", Message: "Invalid field."})
		}
	}
	return list, errs
}

// freshRegistrants counts the distinct emails (case folded) of list that
// are not yet registered for m: the places the batch would take.
func freshRegistrants(d *Dataset, m *Meeting, list []any) int {
	fresh := 0
	seen := map[string]bool{}
	for _, x := range list {
		e := strings.ToLower(x.(map[string]any)["email"].(string))
		if !seen[e] && d.findRegistrant(m, e) == nil {
			fresh++
		}
		seen[e] = true
	}
	return fresh
}

// addBatch registers each person of list who is not registered yet (with
// their confirmation email and registrant.created webhook) and returns
// the answer's entry for every person of list, in order, existing or new.
func addBatch(c *Call, m *Meeting, body map[string]any, list []any) []map[string]any {
	d := c.Data
	auto, _ := body["auto_approve"].(bool)
	approved := m.ApprovalType == 0 || auto
	out := []map[string]any{}
	for _, x := range list {
		b := x.(map[string]any)
		reg := d.findRegistrant(m, b["email"].(string))
		if reg == nil {
			reg = d.newRegistrant(m, b, approved, c.Now)
			if confirm, set := body["registrants_confirmation_email"].(bool); approved && (!set || confirm) {
				c.S.counter.email(EmailConfirmation)
			}
			c.S.webhookRegistrantCreated(m, reg)
		}
		o := map[string]any{"email": reg.Email, "registrant_id": reg.ID, "join_url": reg.JoinURL}
		if !m.Webinar {
			o["participant_pin_code"] = reg.PinCode
		}
		out = append(out, o)
	}
	return out
}
