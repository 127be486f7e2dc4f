package zoomsim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

const msgWebinarPlanMissing = "Webinar plan is missing. You must subscribe to the webinar plan and enable webinars for this user in order to perform this action."

// webinarListItems lists the webinars of u: "scheduled" all of them,
// "upcoming" those not yet over; deleted ones (the account's life) are
// not listed.
func (d *Dataset) webinarListItems(u *User, typ string, now time.Time) []any {
	var out []any
	for _, w := range u.Webinars {
		if w.Deleted || (typ == "upcoming" && w.Over(now)) {
			continue
		}
		out = append(out, w.listItem(now))
	}
	return out
}

// handleListWebinars: GET /users/{userId}/webinars. Basic (unlicensed)
// users have no webinar plan: 400 code 200.
func handleListWebinars(c *Call) {
	u := userParam(c, "")
	if u == nil {
		return
	}
	if u.Type != 2 {
		c.Error(http.StatusBadRequest, 200, msgWebinarPlanMissing)
		return
	}
	typ := c.Query("type")
	if typ == "" {
		typ = "scheduled"
	}
	if typ != "scheduled" && typ != "upcoming" {
		c.Validation([]FieldError{{Field: "type", Message: "Invalid field."}})
		return
	}
	c.Page("webinars", c.Data.webinarListItems(u, typ, c.Now), nil, PageOpts{Legacy: true})
}

// handleGetWebinar: GET /webinars/{webinarId}.
func handleGetWebinar(c *Call) {
	w := lookupMeeting(c, true)
	if w == nil {
		return
	}
	c.JSON(http.StatusOK, w.detail(c.Now, c.Query("show_previous_occurrences") == "true"))
}

// panelistItems are the webinar's panelists.
func panelistItems(w *Meeting) []map[string]any {
	r := childRand(w.seed, 8)
	out := []map[string]any{}
	for i := 0; i < w.NPanelists; i++ {
		f, l := pick(r, firstNames), pick(r, lastNames)
		out = append(out, map[string]any{
			"id":       ridToken(r, 22),
			"email":    fmt.Sprintf("%s.%s.panel%d@partner.example", strings.ToLower(f), strings.ToLower(strings.ReplaceAll(l, " ", "")), i),
			"name":     f + " " + l,
			"join_url": fmt.Sprintf("https://us05web.zoom.us/w/%d?tk=%s", w.ID, ridToken(r, 43)),
		})
	}
	return out
}

// handlePanelists: GET /webinars/{webinarId}/panelists (not paginated).
func handlePanelists(c *Call) {
	w := lookupMeeting(c, true)
	if w == nil {
		return
	}
	p := c.Data.panelistItems(w)
	c.JSON(http.StatusOK, map[string]any{"total_records": len(p), "panelists": p})
}

var sourceNames = []string{"Newsletter", "LinkedIn", "Partner site", "Twitter"}

// trackingSourceItems are the webinar's registration tracking sources.
func trackingSourceItems(w *Meeting) []map[string]any {
	r := childRand(w.seed, 9)
	out := []map[string]any{}
	for i := 0; i < w.NTrackingSources; i++ {
		visitors := r.IntN(500)
		out = append(out, map[string]any{
			"id": ridToken(r, 22), "source_name": sourceNames[i%len(sourceNames)],
			"tracking_url":       fmt.Sprintf("https://us05web.zoom.us/webinar/register/WN_%s?tk=%s", ridToken(r, 22), ridToken(r, 10)),
			"visitor_count":      visitors,
			"registration_count": r.IntN(visitors + 1),
		})
	}
	return out
}

// handleTrackingSources: GET /webinars/{webinarId}/tracking_sources.
func handleTrackingSources(c *Call) {
	w := lookupMeeting(c, true)
	if w == nil {
		return
	}
	t := trackingSourceItems(w)
	c.JSON(http.StatusOK, map[string]any{"total_records": len(t), "tracking_sources": t})
}

// absenteeItems are the approved registrants who did not attend the
// instance.
func (d *Dataset) absenteeItems(in *Instance) []any {
	att := d.attendeeEmails(in)
	var out []any
	for _, reg := range d.Registrants(in.Meeting) {
		if reg.Status == "approved" && !att[reg.Email] && !reg.CreateTime.After(in.Start) {
			out = append(out, reg.object())
		}
	}
	return out
}

// handleAbsentees: GET /past_webinars/{webinarId}/absentees (ID or UUID).
func handleAbsentees(c *Call) {
	in := lookupInstance(c, true)
	if in == nil {
		return
	}
	if !in.Meeting.RegistrationEnabled() {
		c.Error(http.StatusBadRequest, 3000, "This webinar doesn't have registration required: "+in.UUID+".")
		return
	}
	c.Page("registrants", c.Data.absenteeItems(in), nil, PageOpts{Legacy: true})
}

var qaQuestions = []string{"Will the recording be shared?", "Does this work with SSO?", "What is the pricing for teams?", "Is there an API for this?", "When is the next release?"}

// pastQAObject is the GET /past_webinars/{webinarId}/qa answer.
func (d *Dataset) pastQAObject(in *Instance) map[string]any {
	r := childRand(in.seed, 10)
	questions := []map[string]any{}
	for _, p := range d.participants(in) {
		if p.Email == "" || p.Internal || r.IntN(3) != 0 {
			continue
		}
		q := pick(r, qaQuestions)
		ans := ""
		if r.IntN(4) > 0 {
			ans = "Thanks for asking! " + pick(r, []string{"Yes.", "Not yet, it is on the roadmap.", "Please see the follow-up email."})
		}
		questions = append(questions, map[string]any{"name": p.Name, "email": p.Email,
			"question_details": []map[string]any{{"question": q, "answer": ans}}})
	}
	return map[string]any{"id": in.Meeting.ID, "uuid": in.UUID, "start_time": ztime(in.Start), "questions": questions}
}

// handlePastQA: GET /past_webinars/{webinarId}/qa.
func handlePastQA(c *Call) {
	in := lookupInstance(c, true)
	if in == nil {
		return
	}
	c.JSON(http.StatusOK, c.Data.pastQAObject(in))
}

// pastWebinarInstances is the GET /past_webinars/{webinarId}/instances
// answer: every occurrence that ran, oldest first.
func pastWebinarInstances(w *Meeting) map[string]any {
	list := []map[string]any{}
	for _, in := range w.Instances {
		list = append(list, map[string]any{"uuid": in.UUID, "start_time": ztime(in.Start)})
	}
	return map[string]any{"webinars": list}
}

// handlePastWebinarInstances: GET /past_webinars/{webinarId}/instances (a
// numeric ID only; not paginated).
func handlePastWebinarInstances(c *Call) {
	w := lookupMeeting(c, true)
	if w == nil {
		return
	}
	c.JSON(http.StatusOK, pastWebinarInstances(w))
}
