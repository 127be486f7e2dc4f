package zoomsim

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

func kindWord(webinar bool) string {
	if webinar {
		return "Webinar"
	}
	return "Meeting"
}

func idParamName(webinar bool) string {
	if webinar {
		return "webinarId"
	}
	return "meetingId"
}

// lookupMeeting resolves the numeric meetingId/webinarId path parameter, or
// answers 404 code 3001 (unknown, wrong kind, or deleted).
func lookupMeeting(c *Call, webinar bool) *Meeting {
	raw := c.Param(idParamName(webinar))
	id, ok := parseID(raw)
	var m *Meeting
	if ok {
		m = c.Data.byID[id]
	}
	if m == nil || m.Webinar != webinar || m.Deleted {
		c.Error(http.StatusNotFound, 3001, fmt.Sprintf("%s does not exist: %s.", kindWord(webinar), raw))
		return nil
	}
	return m
}

// requireLicensed answers 400 code 3161 for meetings of unlicensed hosts.
func requireLicensed(c *Call, m *Meeting) bool {
	if !m.Licensed() {
		c.Error(http.StatusBadRequest, 3161, "Meeting hosting and scheduling capabilities are not allowed for your user account.")
		return false
	}
	return true
}

// lookupInstance resolves a past meeting/webinar path parameter that holds
// either a UUID (that instance) or a numeric ID (the latest instance).
func lookupInstance(c *Call, webinar bool) *Instance {
	raw, ok := c.UUIDParam(idParamName(webinar))
	notFound := func() *Instance {
		c.Error(http.StatusNotFound, 3001, fmt.Sprintf("%s does not exist: %s.", kindWord(webinar), raw))
		return nil
	}
	if !ok {
		return notFound()
	}
	if id, isNum := parseID(raw); isNum {
		m := c.Data.byID[id]
		if m == nil || m.Webinar != webinar || m.Deleted {
			return notFound()
		}
		in := m.LatestInstance()
		if in == nil {
			c.Error(http.StatusNotFound, 3001, fmt.Sprintf("%s %s is not found or has expired.", kindWord(webinar), raw))
			return nil
		}
		return in
	}
	in := c.Data.byUUID[raw]
	if in == nil || in.Meeting.Webinar != webinar {
		return notFound()
	}
	return in
}

// listItem is a meeting as GET /users/{userId}/meetings lists it (or a
// webinar as GET /users/{userId}/webinars does). Recurring ones show the
// next occurrence's start.
func (m *Meeting) listItem(now time.Time) map[string]any {
	o := map[string]any{
		"uuid": m.UUID, "id": m.ID, "host_id": m.Host.ID, "topic": m.Topic, "type": m.Type,
		"start_time": ztime(m.nextStart(now)), "duration": m.Duration, "timezone": m.Timezone,
		"agenda": m.Agenda, "created_at": ztime(m.CreatedAt), "join_url": m.joinURL(),
	}
	if m.Webinar {
		o["is_simulive"] = false
	}
	return o
}

// occurrences lists a recurring meeting's occurrences: those not yet
// ended, or all of them when all is true.
func (m *Meeting) occurrences(now time.Time, all bool) []map[string]any {
	out := []map[string]any{}
	if m.Type != 8 && m.Type != 9 {
		return out
	}
	for _, st := range m.occurrenceStarts() {
		if !all && st.Add(time.Duration(m.Duration)*time.Minute).Before(now) {
			continue
		}
		out = append(out, map[string]any{
			"occurrence_id": strconv.FormatInt(st.UnixMilli(), 10), "start_time": ztime(st),
			"duration": m.Duration, "status": "available",
		})
	}
	return out
}

func (m *Meeting) recurrence() map[string]any {
	wd := int(m.Start.Weekday()) + 1 // Zoom: 1 = Sunday
	return map[string]any{
		"type": 2, "repeat_interval": 1, "weekly_days": strconv.Itoa(wd), "end_times": m.Occurrences,
	}
}

func (m *Meeting) autoRecording() string {
	if m.Licensed() && m.seed%3 == 0 {
		return "cloud"
	}
	return "none"
}

// detail is a meeting as GET /meetings/{meetingId} returns it.
func (m *Meeting) detail(now time.Time, showPrevious bool) map[string]any {
	o := m.listItem(now)
	o["host_email"] = m.Host.Email
	o["status"] = "waiting"
	o["start_url"] = fmt.Sprintf("https://us05web.zoom.us/s/%d?zak=%s", m.ID, m.Password+m.Host.ID)
	o["password"] = m.Password
	o["h323_password"] = fmt.Sprintf("%06d", m.seed%1000000)
	o["pstn_password"] = fmt.Sprintf("%06d", m.seed%1000000)
	o["encrypted_password"] = m.Password + "Enc1"
	o["pre_schedule"] = false
	o["creation_source"] = "web_portal"
	settings := map[string]any{
		"host_video": m.seed%2 == 0, "participant_video": m.seed%4 < 2, "cn_meeting": false, "in_meeting": false,
		"join_before_host": m.seed%5 == 0, "jbh_time": 0, "mute_upon_entry": m.seed%3 == 1, "watermark": false,
		"use_pmi": false, "approval_type": m.ApprovalType, "audio": "both", "auto_recording": m.autoRecording(),
		"enforce_login": false, "enforce_login_domains": "", "alternative_hosts": "",
		"alternative_hosts_email_notification": true, "close_registration": false, "show_share_button": true,
		"allow_multiple_devices": true, "registrants_confirmation_email": true, "waiting_room": m.seed%4 == 3,
		"registrants_email_notification": true, "meeting_authentication": false,
		"encryption_type": "enhanced_encryption", "email_notification": true, "focus_mode": false,
		"private_meeting": false, "host_save_video_order": false, "device_testing": false,
		"approved_or_denied_countries_or_regions": map[string]any{"enable": false},
		"breakout_room":           map[string]any{"enable": false},
		"continuous_meeting_chat": map[string]any{"enable": false},
	}
	if m.Type == 8 || m.Type == 9 {
		o["occurrences"] = m.occurrences(now, showPrevious)
		o["recurrence"] = m.recurrence()
		if m.RegistrationEnabled() {
			settings["registration_type"] = 1
		}
	}
	if m.Webinar {
		delete(o, "status")
		delete(o, "h323_password")
		delete(o, "pstn_password")
		delete(o, "encrypted_password")
		delete(o, "pre_schedule")
		o["password"] = m.Password[:6]
		o["encrypted_passcode"] = m.Password + "Enc1"
		o["h323_passcode"] = fmt.Sprintf("%06d", m.seed%1000000)
		settings = map[string]any{
			"host_video": true, "panelists_video": true, "approval_type": m.ApprovalType, "audio": "both",
			"auto_recording": m.autoRecording(), "enforce_login": false, "enforce_login_domains": "",
			"alternative_hosts": "", "close_registration": false, "show_share_button": true,
			"allow_multiple_devices": true, "practice_session": m.seed%2 == 0, "hd_video": false,
			"question_and_answer": map[string]any{"enable": true, "allow_submit_questions": true,
				"allow_anonymous_questions": true, "answer_questions": "all", "attendees_can_comment": true,
				"attendees_can_upvote": true},
			"registrants_email_notification": true, "registrants_confirmation_email": true,
			"registrants_restrict_number": 0, "on_demand": false, "post_webinar_survey": false,
			"contact_name": m.Host.FirstName + " " + m.Host.LastName, "contact_email": m.Host.Email,
			"email_language": "en-US", "panelists_invitation_email_notification": true,
			"meeting_authentication": false, "add_watermark": false, "add_audio_watermark": false,
		}
		if m.Type == 9 && m.RegistrationEnabled() {
			settings["registration_type"] = 1
		}
	}
	if !m.Webinar {
		// Sent by Zoom, not in its schema (extraFieldsAllowed).
		settings["request_permission_to_unmute_participants"] = false
		settings["show_join_info"] = m.seed%3 != 2
		settings["enable_dedicated_group_chat"] = m.seed%5 == 1
		if m.RegistrationEnabled() {
			o["registration_url"] = fmt.Sprintf("https://us05web.zoom.us/meeting/register/%s", m.Password+m.Host.ID[:8])
		}
	}
	o["settings"] = settings
	return o
}

// meetingListItems lists the meetings of u as /users/{userId}/meetings
// does for typ. "scheduled" lists every meeting the user scheduled (past
// and upcoming; deleted ones included, as Zoom's list lags deletion);
// "upcoming"/"upcoming_meetings" those not yet ended; "previous_meetings"
// those whose first start is in the past; "live" none (nothing is running).
func (d *Dataset) meetingListItems(u *User, typ string, now time.Time) []any {
	var out []any
	for _, m := range u.Meetings {
		keep := true
		switch typ {
		case "upcoming", "upcoming_meetings":
			keep = !m.Over(now)
		case "previous_meetings":
			keep = m.Start.Before(now)
		case "live":
			keep = false
		}
		if keep {
			out = append(out, m.listItem(now))
		}
	}
	return out
}

// handleListMeetings: GET /users/{userId}/meetings.
func handleListMeetings(c *Call) {
	u := userParam(c, "")
	if u == nil {
		return
	}
	typ := c.Query("type")
	switch typ {
	case "":
		typ = "scheduled"
	case "scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings":
	default:
		c.Validation([]FieldError{{Field: "type", Message: "Invalid field."}})
		return
	}
	c.Page("meetings", c.Data.meetingListItems(u, typ, c.Now), nil, PageOpts{Legacy: true})
}

// handleGetMeeting: GET /meetings/{meetingId}.
func handleGetMeeting(c *Call) {
	m := lookupMeeting(c, false)
	if m == nil {
		return
	}
	c.JSON(http.StatusOK, m.detail(c.Now, c.Query("show_previous_occurrences") == "true"))
}

// registrationDisabled answers the error for a meeting or webinar without
// registration (SPEC25 texts: code 404 for meetings, 3000 for webinars).
func registrationDisabled(c *Call, m *Meeting) {
	if m.Webinar {
		c.Error(http.StatusBadRequest, 3000, fmt.Sprintf("Registration has not been enabled for this webinar: %d.", m.ID))
		return
	}
	c.Error(http.StatusBadRequest, 404, fmt.Sprintf("Registration has not been enabled for this meeting: %d.", m.ID))
}

// registrantItems lists the registrants of one status registered for the
// occurrence ("" for any).
func (d *Dataset) registrantItems(m *Meeting, status, occurrence string) []any {
	var out []any
	for _, r := range d.Registrants(m) {
		if r.Status == status && r.attends(occurrence) {
			out = append(out, r.object())
		}
	}
	return out
}

// handleRegistrants: GET /meetings/{id}/registrants and
// GET /webinars/{id}/registrants (status approved by default). With
// occurrence_id, only the registrants of that occurrence: those who chose
// it and those registered for every occurrence (facts file: the list takes
// occurrence_id; which registrants it keeps is not documented).
func handleRegistrants(webinar bool) func(*Call) {
	return func(c *Call) {
		m := lookupMeeting(c, webinar)
		if m == nil || !requireLicensed(c, m) {
			return
		}
		status := c.Query("status")
		if status == "" {
			status = "approved"
		}
		if status != "approved" && status != "pending" && status != "denied" {
			c.Validation([]FieldError{{Field: "status", Message: "Invalid field."}})
			return
		}
		if !m.RegistrationEnabled() {
			registrationDisabled(c, m)
			return
		}
		c.Page("registrants", c.Data.registrantItems(m, status, c.Query("occurrence_id")), nil, PageOpts{Legacy: true})
	}
}

// questionsObject is the GET .../registrants/questions answer.
func questionsObject(m *Meeting) map[string]any {
	r := childRand(m.seed, 5)
	fields := []string{"last_name", "address", "city", "country", "zip", "state", "phone", "industry", "org", "job_title", "purchasing_time_frame", "role_in_purchase_process", "no_of_employees", "comments"}
	qs := []map[string]any{}
	for _, f := range fields {
		if r.IntN(3) == 0 {
			qs = append(qs, map[string]any{"field_name": f, "required": r.IntN(2) == 0})
		}
	}
	return map[string]any{"questions": qs, "custom_questions": customQuestions(m)}
}

// handleQuestions: GET /meetings/{id}/registrants/questions and the
// webinar variant.
func handleQuestions(webinar bool) func(*Call) {
	return func(c *Call) {
		m := lookupMeeting(c, webinar)
		if m == nil || !requireLicensed(c, m) {
			return
		}
		if !m.RegistrationEnabled() {
			registrationDisabled(c, m)
			return
		}
		c.JSON(http.StatusOK, questionsObject(m))
	}
}

type pollQuestion struct {
	name, typ string
	answers   []string
}

var pollBank = []pollQuestion{
	{"How would you rate this session?", "single", []string{"Excellent", "Good", "Fair", "Poor"}},
	{"Which topics interest you?", "multiple", []string{"Pricing", "Integrations", "Security", "Roadmap"}},
	{"Would you recommend us to a colleague?", "single", []string{"Yes", "No", "Maybe"}},
	{"Which region are you in?", "single", []string{"Americas", "EMEA", "APAC"}},
	{"What should we cover next time?", "short_answer", nil},
}

// pollQuestions returns the questions of poll i of m.
func pollQuestions(m *Meeting, i int) []pollQuestion {
	r := childRand(m.seed, 6+uint64(i))
	n := 1 + r.IntN(3)
	start := r.IntN(len(pollBank))
	out := make([]pollQuestion, n)
	for k := range out {
		out[k] = pollBank[(start+k)%len(pollBank)]
	}
	return out
}

func pollID(m *Meeting, i int) string { return ridToken(childRand(m.seed, 20+uint64(i)), 22) }

// pollItems are the meeting's or webinar's polls.
func pollItems(m *Meeting) []map[string]any {
	out := []map[string]any{}
	for i := 0; i < m.NPolls; i++ {
		qs := []map[string]any{}
		for _, q := range pollQuestions(m, i) {
			o := map[string]any{"name": q.name, "type": q.typ, "answer_required": false}
			if q.answers != nil {
				o["answers"] = q.answers
			} else {
				o["answer_min_character"] = 1
				o["answer_max_character"] = 200
			}
			qs = append(qs, o)
		}
		status := "notstart"
		if len(m.Instances) > 0 {
			status = "ended"
		}
		title := fmt.Sprintf("Poll %d: %s", i+1, m.Topic)
		if len(title) > 64 {
			title = title[:64]
		}
		out = append(out, map[string]any{
			"id": pollID(m, i), "title": title,
			"status": status, "anonymous": false, "poll_type": 1, "questions": qs,
		})
	}
	return out
}

// handlePolls: GET /meetings/{id}/polls and GET /webinars/{id}/polls.
func handlePolls(webinar bool) func(*Call) {
	return func(c *Call) {
		m := lookupMeeting(c, webinar)
		if m == nil || !requireLicensed(c, m) {
			return
		}
		polls := pollItems(m)
		c.JSON(http.StatusOK, map[string]any{"total_records": len(polls), "polls": polls})
	}
}

// pastInstances is the GET /past_meetings/{id}/instances answer.
func pastInstances(m *Meeting) map[string]any {
	list := []map[string]any{}
	for _, in := range m.Instances {
		list = append(list, map[string]any{"uuid": in.UUID, "start_time": ztime(in.Start)})
	}
	return map[string]any{"meetings": list}
}

// handlePastInstances: GET /past_meetings/{meetingId}/instances (not
// paginated).
func handlePastInstances(c *Call) {
	m := lookupMeeting(c, false)
	if m == nil {
		return
	}
	c.JSON(http.StatusOK, pastInstances(m))
}

// pastParticipantItems are the participants of an instance as
// /past_meetings/{uuid}/participants serves them; empty when only one
// person attended.
func (d *Dataset) pastParticipantItems(in *Instance) []any {
	if in.Participants < 2 {
		return nil
	}
	var out []any
	for _, p := range d.participants(in) {
		o := map[string]any{
			"id": p.ID, "name": p.Name, "user_id": p.UserID, "user_email": p.Email,
			"join_time": ztime(p.Join), "leave_time": ztime(p.Leave),
			"duration": int(p.Leave.Sub(p.Join).Seconds()), "failover": false,
			"status": "in_meeting", "internal_user": p.Internal, "registrant_id": p.RegistrantID,
			// Not in Zoom's schema; real answers carry it (extraFieldsAllowed).
			"groupId": "",
		}
		out = append(out, o)
	}
	return out
}

// handlePastParticipants: GET /past_meetings/{meetingId}/participants and
// GET /past_webinars/{webinarId}/participants.
func handlePastParticipants(webinar bool) func(*Call) {
	return func(c *Call) {
		in := lookupInstance(c, webinar)
		if in == nil {
			return
		}
		if c.Now.Sub(in.Start) > 365*24*time.Hour {
			c.Error(http.StatusBadRequest, 12702, "Can not access a meeting a year ago.")
			return
		}
		c.Page("participants", c.Data.pastParticipantItems(in), nil, PageOpts{})
	}
}

// pastPollsObject is the answer of GET /past_meetings/{uuid}/polls and
// /past_webinars/{id}/polls (when the meeting has polls): three in four
// participants answer every question of every poll, each poll at one
// second per person. Shapes as in real answers (zoom_sends.json's
// capture): guests without email have no "email" member, first_name is
// the display name unless the person registered, and date_time is
// "yyyy-mm-dd hh:mm:ss" in UTC although Zoom documents RFC 3339.
func (d *Dataset) pastPollsObject(in *Instance) map[string]any {
	m := in.Meeting
	questions := []map[string]any{}
	if m.NPolls > 0 {
		r := childRand(in.seed, 7)
		for _, p := range d.participants(in) {
			if p.Rejoin || (r.IntN(4) == 0 && !in.guestQuirks) {
				continue
			}
			details := []map[string]any{}
			for i := 0; i < m.NPolls; i++ {
				at := in.Start.Add(time.Duration(10+5*i)*time.Minute + time.Duration(r.IntN(240))*time.Second)
				for _, q := range pollQuestions(m, i) {
					ans := "More case studies, please"
					if q.answers != nil {
						ans = q.answers[r.IntN(len(q.answers))]
					}
					details = append(details, map[string]any{
						"question": q.name, "answer": ans, "polling_id": pollID(m, i),
						"date_time": at.UTC().Format(zoomSpaceTime),
					})
				}
			}
			o := map[string]any{"name": p.Name, "first_name": p.FirstName, "question_details": details}
			if p.Email != "" {
				o["email"] = p.Email
			}
			if p.LastName != "" {
				o["last_name"] = p.LastName
			}
			questions = append(questions, o)
		}
	}
	return map[string]any{"id": m.ID, "uuid": in.UUID, "start_time": ztime(in.Start), "questions": questions}
}

// handlePastPolls: GET /past_meetings/{meetingId}/polls and
// GET /past_webinars/{webinarId}/polls.
func handlePastPolls(webinar bool) func(*Call) {
	return func(c *Call) {
		in := lookupInstance(c, webinar)
		if in == nil {
			return
		}
		c.JSON(http.StatusOK, c.Data.pastPollsObject(in))
	}
}
