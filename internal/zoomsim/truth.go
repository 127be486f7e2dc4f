package zoomsim

import "time"

// TruthStreams lists the connector streams Truth covers, in order.
var TruthStreams = []string{
	"users", "meetings", "meeting_registrants", "meeting_registration_questions", "meeting_polls",
	"past_meeting_instances", "past_meeting_participants", "meeting_poll_results",
	"webinars", "webinar_registrants", "webinar_registration_questions", "webinar_panelists",
	"webinar_polls", "webinar_tracking_sources", "past_webinar_instances", "past_webinar_participants", "webinar_absentees",
	"webinar_poll_results", "webinar_qna_results",
	"report_meetings", "report_meeting_participants", "report_webinars", "report_webinar_participants",
	"report_daily", "report_users", "report_user_meetings", "report_activities", "recordings",
	"groups", "group_members", "roles", "role_members", "tracking_fields",
	"meeting_qna_results", "report_meeting_qa", "report_meeting_surveys", "report_webinar_surveys",
	"report_operation_logs", "report_cloud_recording", "meeting_summaries", "recording_transcripts",
	"metrics_meetings", "metrics_meeting_participants",
}

// Truth returns, for each connector stream, the records a complete read
// must yield at the dataset's clock (d.Now): each record is the object
// exactly as the endpoint serves it, plus the parent keys named below,
// with two changes the connector makes: the poll results' and Q&A's
// "position" (the record's 0-based index in the answer's questions array)
// and the poll results' question_details[].date_time, which Zoom serves as
// "yyyy-mm-dd hh:mm:ss" in UTC, in RFC 3339 ("yyyy-mm-ddThh:mm:ssZ").
// Every stream key is present, with an empty slice when it has no records.
//
// Parents ("active users" = GET /users, default status active; "listed
// meetings" = GET /users/{id}/meetings?type=scheduled of active users,
// skipping deleted ones, whose detail is 404; "listed webinars" = GET
// /users/{id}/webinars?type=scheduled of active licensed users, Basic users
// answering 400 code 200):
//
//	users                          GET /users for status active, inactive and pending (pending users have no id)
//	meetings                       GET /meetings/{id} of each listed meeting; + user_id
//	meeting_registrants            GET /meetings/{id}/registrants, status approved, pending and denied, of each listed meeting with
//	                               registration (approval_type 0/1) whose host is licensed (Basic hosts: 400 code 3161); + meeting_id
//	meeting_registration_questions the GET /meetings/{id}/registrants/questions object of the same meetings; + meeting_id
//	meeting_polls                  each GET /meetings/{id}/polls entry of listed meetings of licensed hosts; + meeting_id
//	past_meeting_instances         each GET /past_meetings/{id}/instances entry of listed meetings; + meeting_id
//	past_meeting_participants      GET /past_meetings/{uuid}/participants of each instance; + meeting_id, meeting_uuid
//	meeting_poll_results           each "questions" entry of GET /past_meetings/{uuid}/polls of each instance; + meeting_id, meeting_uuid
//	webinars                       GET /webinars/{id} of each listed webinar; + user_id
//	webinar_registrants            GET /webinars/{id}/registrants, all three statuses, of listed webinars with registration; + webinar_id
//	webinar_registration_questions the questions object of the same webinars; + webinar_id
//	webinar_panelists              each GET /webinars/{id}/panelists entry; + webinar_id
//	webinar_polls                  each GET /webinars/{id}/polls entry; + webinar_id
//	webinar_tracking_sources       each GET /webinars/{id}/tracking_sources entry; + webinar_id
//	past_webinar_instances         each GET /past_webinars/{id}/instances entry of listed webinars (every occurrence that ran;
//	                               the latest one's UUID is the webinar's uuid); + webinar_id
//	past_webinar_participants      GET /past_webinars/{uuid}/participants of each webinar instance; + webinar_id, webinar_uuid
//	webinar_absentees              GET /past_webinars/{uuid}/absentees of each instance of webinars with registration; + the same
//	webinar_poll_results           each "questions" entry of GET /past_webinars/{uuid}/polls of each instance; + webinar_id,
//	                               webinar_uuid, position
//	webinar_qna_results            each "questions" entry of GET /past_webinars/{uuid}/qa of each instance; + the same
//	report_meetings                GET /report/meetings/{uuid} of each instance of each listed meeting; + meeting_id
//	report_meeting_participants    GET /report/meetings/{uuid}/participants (no include_fields) of each instance; + meeting_id, meeting_uuid
//	report_webinars                GET /report/webinars/{uuid} of each webinar instance; + webinar_id
//	report_webinar_participants    GET /report/webinars/{uuid}/participants of each webinar instance; + webinar_id, webinar_uuid
//	report_daily                   each "dates" entry of GET /report/daily for the current month and the five before it
//	report_users                   GET /report/users (no type) for each ReportWindows window; + from, to
//	report_user_meetings           GET /report/users/{id}/meetings (type past) of each active user for each window; + user_id
//	report_activities              GET /report/activities for each window
//	recordings                     GET /users/{id}/recordings of each active user for each window; + user_id
//	groups                         each GET /groups entry
//	group_members                  GET /groups/{id}/members of each group; + group_id
//	roles                          each GET /roles entry
//	role_members                   GET /roles/{id}/members of each role; + role_id
//	tracking_fields                each GET /tracking_fields entry
//	meeting_qna_results            each "questions" entry of GET /past_meetings/{uuid}/qa of each instance; + meeting_id,
//	                               meeting_uuid, position
//	report_meeting_qa              each "questions" entry of GET /report/meetings/{uuid}/qa of each instance; + the same
//	report_meeting_surveys         each "survey_answers" entry of GET /report/meetings/{uuid}/survey of each instance; + the same
//	report_webinar_surveys         each "survey_answers" entry of GET /report/webinars/{uuid}/survey of each webinar instance;
//	                               + webinar_id, webinar_uuid, position
//	report_operation_logs          GET /report/operationlogs (no category_type) for each window
//	report_cloud_recording         each "cloud_recording_storage" entry of GET /report/cloud_recording for each window
//	meeting_summaries              GET /meetings/{uuid}/meeting_summary of each GET /meetings/meeting_summaries entry for each
//	                               window (from yyyy-mm-ddT00:00:00Z to yyyy-mm-ddT23:59:59Z)
//	recording_transcripts          GET /meetings/{uuid}/transcript of each recording with a TRANSCRIPT file; + meeting_uuid and
//	                               transcript, the text its download_url serves, in place of download_url
//	metrics_meetings               GET /metrics/meetings?type=past for each window (the plan allowing the Dashboard)
//	metrics_meeting_participants   GET /metrics/meetings/{uuid}/participants?type=past of each; + meeting_id, meeting_uuid
func (d *Dataset) Truth() map[string][]map[string]any {
	t := map[string][]map[string]any{}
	for _, s := range TruthStreams {
		t[s] = []map[string]any{}
	}
	d.eachTruth(func(stream string, o map[string]any, kv []any) {
		rec := make(map[string]any, len(o)+len(kv)/2)
		for k, v := range o {
			rec[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			rec[kv[i].(string)] = kv[i+1]
		}
		t[stream] = append(t[stream], rec)
	})
	return t
}

// TruthCounts returns how many records Truth holds for each stream,
// without keeping them (the large dataset's truth needs gigabytes).
func (d *Dataset) TruthCounts() map[string]int {
	n := map[string]int{}
	for _, s := range TruthStreams {
		n[s] = 0
	}
	d.eachTruth(func(stream string, _ map[string]any, _ []any) { n[stream]++ })
	return n
}

// eachTruth calls emit with each record of Truth: the served object and
// the parent keys to add (name, value pairs).
func (d *Dataset) eachTruth(emit func(stream string, o map[string]any, kv []any)) {
	now := d.Now
	t := truthSet(emit)
	for _, st := range []string{"active", "inactive", "pending"} {
		t.addAll("users", d.userItems(st, ""))
	}
	windows := ReportWindows(now)
	for _, u := range d.Users {
		if u.ID == "" || u.Status != "active" {
			continue
		}
		for _, m := range u.Meetings {
			if !m.Deleted {
				d.meetingTruth(t, u, m)
			}
		}
		if u.Type == 2 {
			for _, w := range u.Webinars {
				if w.Deleted {
					continue
				}
				d.webinarTruth(t, u, w)
			}
		}
		for _, win := range windows {
			from, to := mustDate(win[0]), mustDate(win[1])
			t.addAll("report_user_meetings", d.reportUserMeetingItems(u, from, to, "past"), "user_id", u.ID)
			recs := d.recordingItems(u, from, to)
			t.addAll("recordings", recs, "user_id", u.ID)
			for _, r := range recs {
				if in := d.byUUID[r.(map[string]any)["uuid"].(string)]; d.HasTranscript(in) {
					o := d.transcriptObject(in)
					delete(o, "download_url") // the connector puts the text in its place
					t.add("recording_transcripts", o, "meeting_uuid", in.UUID, "transcript", d.transcriptText(in))
				}
			}
		}
	}
	y, mo := now.Year(), int(now.Month())
	for i := 5; i >= 0; i-- {
		first := time.Date(y, time.Month(mo-i), 1, 0, 0, 0, 0, time.UTC)
		for _, e := range d.dailyDates(now, first.Year(), int(first.Month())) {
			t.add("report_daily", e)
		}
	}
	for _, win := range windows {
		from, to := mustDate(win[0]), mustDate(win[1])
		items, _ := d.reportUserItems(from, to, "")
		t.addAll("report_users", items, "from", win[0], "to", win[1])
		t.addAll("report_activities", d.activityItems(from, to))
		t.addAll("report_operation_logs", d.operationLogItems(from, to, ""))
		t.addAll("report_cloud_recording", d.cloudRecordingItems(from, to, now))
		for _, it := range d.metricsMeetingItems(from, to, false) {
			m := it.(map[string]any)
			t.add("metrics_meetings", m)
			t.addAll("metrics_meeting_participants", d.metricsParticipantItems(d.byUUID[m["uuid"].(string)], false), "meeting_id", m["id"], "meeting_uuid", m["uuid"])
		}
		for _, it := range d.summaryItems(from, to.Add(24*time.Hour-time.Second)) {
			t.add("meeting_summaries", d.summaryObject(d.byUUID[it.(map[string]any)["meeting_uuid"].(string)]))
		}
	}
	d.accountTruth(t)
}

// accountTruth adds the account-level lists: groups, roles and their
// members, tracking fields.
func (d *Dataset) accountTruth(t truthSet) {
	for _, g := range d.groupItems() {
		t.add("groups", g)
		t.addAll("group_members", memberItems(d.groupMembers(g["id"].(string)), false), "group_id", g["id"])
	}
	for _, r := range d.roleItems() {
		t.add("roles", r)
		t.addAll("role_members", memberItems(d.roleMembers(r["id"].(string)), true), "role_id", r["id"])
	}
	for _, f := range d.trackingFieldItems() {
		t.add("tracking_fields", f)
	}
}

// truthSet emits the records of Truth (see eachTruth).
type truthSet func(stream string, o map[string]any, kv []any)

// add emits o with the key-value pairs kv for stream.
func (t truthSet) add(stream string, o map[string]any, kv ...any) { t(stream, o, kv) }

// addAll adds each item (a map[string]any) as add does.
func (t truthSet) addAll(stream string, items []any, kv ...any) {
	for _, it := range items {
		t.add(stream, it.(map[string]any), kv...)
	}
}

// meetingTruth adds a listed, non-deleted meeting and its children.
func (d *Dataset) meetingTruth(t truthSet, u *User, m *Meeting) {
	t.add("meetings", m.detail(d.Now, false), "user_id", u.ID)
	if m.Licensed() {
		if m.RegistrationEnabled() {
			for _, st := range []string{"approved", "pending", "denied"} {
				t.addAll("meeting_registrants", d.registrantItems(m, st, ""), "meeting_id", m.ID)
			}
			t.add("meeting_registration_questions", questionsObject(m), "meeting_id", m.ID)
		}
		for _, p := range pollItems(m) {
			t.add("meeting_polls", p, "meeting_id", m.ID)
		}
	}
	for _, x := range pastInstances(m)["meetings"].([]map[string]any) {
		t.add("past_meeting_instances", x, "meeting_id", m.ID)
	}
	for _, in := range m.Instances {
		t.addAll("past_meeting_participants", d.pastParticipantItems(in), "meeting_id", m.ID, "meeting_uuid", in.UUID)
		for i, q := range d.pastPollsObject(in)["questions"].([]map[string]any) {
			t.add("meeting_poll_results", rfc3339PollTimes(q), "meeting_id", m.ID, "meeting_uuid", in.UUID, "position", i)
		}
		t.addAll("report_meeting_participants", d.reportParticipantItems(in, false), "meeting_id", m.ID, "meeting_uuid", in.UUID)
		t.add("report_meetings", d.reportMeetingObject(in), "meeting_id", m.ID)
		keys := []any{"meeting_id", m.ID, "meeting_uuid", in.UUID}
		for i, q := range d.pastQAObject(in)["questions"].([]map[string]any) {
			t.add("meeting_qna_results", q, append(keys, "position", i)...)
		}
		for i, q := range d.reportQAObject(in)["questions"].([]map[string]any) {
			t.add("report_meeting_qa", q, append(keys, "position", i)...)
		}
		for i, a := range d.surveyObject(in)["survey_answers"].([]map[string]any) {
			t.add("report_meeting_surveys", a, append(keys, "position", i)...)
		}
	}
}

// webinarTruth adds a listed webinar and its children: those of each
// occurrence that ran (past_webinar_instances) keyed by its UUID.
func (d *Dataset) webinarTruth(t truthSet, u *User, w *Meeting) {
	t.add("webinars", w.detail(d.Now, false), "user_id", u.ID)
	if w.RegistrationEnabled() {
		for _, st := range []string{"approved", "pending", "denied"} {
			t.addAll("webinar_registrants", d.registrantItems(w, st, ""), "webinar_id", w.ID)
		}
		t.add("webinar_registration_questions", questionsObject(w), "webinar_id", w.ID)
	}
	for _, p := range d.panelistItems(w) {
		t.add("webinar_panelists", p, "webinar_id", w.ID)
	}
	for _, p := range pollItems(w) {
		t.add("webinar_polls", p, "webinar_id", w.ID)
	}
	for _, s := range trackingSourceItems(w) {
		t.add("webinar_tracking_sources", s, "webinar_id", w.ID)
	}
	for _, x := range pastWebinarInstances(w)["webinars"].([]map[string]any) {
		t.add("past_webinar_instances", x, "webinar_id", w.ID)
	}
	for _, in := range w.Instances {
		keys := []any{"webinar_id", w.ID, "webinar_uuid", in.UUID}
		t.addAll("past_webinar_participants", d.pastParticipantItems(in), keys...)
		if w.RegistrationEnabled() {
			t.addAll("webinar_absentees", d.absenteeItems(in), keys...)
		}
		for i, q := range d.pastPollsObject(in)["questions"].([]map[string]any) {
			t.add("webinar_poll_results", rfc3339PollTimes(q), append(keys, "position", i)...)
		}
		for i, q := range d.pastQAObject(in)["questions"].([]map[string]any) {
			t.add("webinar_qna_results", q, append(keys, "position", i)...)
		}
		t.add("report_webinars", d.reportMeetingObject(in), "webinar_id", w.ID)
		t.addAll("report_webinar_participants", d.reportParticipantItems(in, false), keys...)
		for i, a := range d.surveyObject(in)["survey_answers"].([]map[string]any) {
			t.add("report_webinar_surveys", a, append(keys, "position", i)...)
		}
	}
}

// rfc3339PollTimes returns a copy of a poll result with its answers'
// date_time ("yyyy-mm-dd hh:mm:ss", UTC) in RFC 3339, as the connector
// writes it.
func rfc3339PollTimes(q map[string]any) map[string]any {
	out := make(map[string]any, len(q))
	for k, v := range q {
		out[k] = v
	}
	var details []map[string]any
	for _, a := range q["question_details"].([]map[string]any) {
		c := make(map[string]any, len(a))
		for k, v := range a {
			c[k] = v
		}
		if t, err := time.Parse(zoomSpaceTime, c["date_time"].(string)); err == nil {
			c["date_time"] = t.Format(time.RFC3339)
		}
		details = append(details, c)
	}
	out["question_details"] = details
	return out
}

func mustDate(s string) time.Time {
	t, err := time.Parse(zoomDate, s)
	if err != nil {
		panic(err)
	}
	return t
}
