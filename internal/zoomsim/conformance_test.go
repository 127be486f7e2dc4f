package zoomsim

// Conformance of the simulator with Zoom's OpenAPI documents in
// ../shared/zoom-openapi (see openapi_test.go): every route answers real
// HTTP requests with bodies that validate against the operation's success
// schema and declare no field the schema lacks; documented query enums are
// accepted; page_size is clamped to the documented maximum; 404 bodies are
// {"code":int,"message":string}; and the route table agrees with
// endpoints.json on rate-limit labels and scopes. checkRequestAgainstSpec
// is the request-side check, used on every request sent here.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// extraFieldsAllowed lists the response fields the simulator may send
// although the endpoint's schema does not declare them, because the facts
// file (../shared/reference/zoom-api-facts.md) says Zoom sends them. Keys
// are "METHOD /pattern", values map a field path ("users[].display_name")
// to the reason. Keep this list short: every other undeclared field is a
// simulator deviation.
//
// "capture" is a real answer of a Zoom sandbox account (February 2024),
// published as Airbyte's source-zoom integration test records
// (airbytehq/airbyte, airbyte-integrations/connectors/source-zoom/
// integration_tests/expected_records.jsonl); the connector declares the
// same fields in internal/tools/genschemas/zoom_sends.json.
var extraFieldsAllowed = map[string]map[string]string{
	"GET /users": {
		// Facts §f: GET /users → users[] with "id, email, first_name,
		// last_name, display_name, …"; the 2023 schema predates display_name.
		"users[].display_name":    "facts §f lists display_name in GET /users users[]",
		"users[].language":        "capture: a GET /users item has language",
		"users[].phone_number":    "capture: a GET /users item has phone_number",
		"users[].user_created_at": "facts §f lists created_at/user_created_at; capture has both",
	},
	"GET /meetings/{meetingId}": {
		"registration_url": "capture: a meeting with registration has registration_url",
		"settings.request_permission_to_unmute_participants": "capture: in every meeting's settings",
		"settings.show_join_info":                            "capture: in every meeting's settings",
		"settings.enable_dedicated_group_chat":               "capture: in every meeting's settings",
	},
	"GET /report/meetings/{meetingId}": {
		"host_id": "capture: every report_meetings record has host_id",
	},
	"GET /report/meetings/{meetingId}/participants": {
		"participants[].attentiveness_score": `capture: every participant has attentiveness_score ""`,
	},
	"GET /past_meetings/{meetingId}/participants": {
		"participants[].groupId": `capture: every participant has groupId ""`,
	},
	"GET /past_webinars/{webinarId}/participants": {
		"participants[].groupId": `capture: every participant has groupId ""`,
	},
	"GET /past_meetings/{meetingId}/polls": {
		"questions[].first_name": "capture: every poll result has first_name (a guest's is the display name)",
		"questions[].last_name":  "capture: a registrant's poll result has last_name",
	},
	"GET /past_webinars/{webinarId}/polls": {
		// Inferred: no capture of webinar polls; Zoom documents the same
		// questions[] object for both endpoints.
		"questions[].first_name": "as GET /past_meetings/{meetingId}/polls (same documented object)",
		"questions[].last_name":  "as GET /past_meetings/{meetingId}/polls (same documented object)",
	},
}

// formatAllowed lists response fields whose value may break the format
// the schema declares, because Zoom's real answers do: key "METHOD
// /pattern", then field path, then the format the value has instead (one of
// zoomFormats).
var formatAllowed = map[string]map[string]string{
	// Capture: "date_time": "2024-02-20 15:31:33" (UTC, no zone) where both
	// documents declare date-time; webinar polls by the same documented
	// object.
	"GET /past_meetings/{meetingId}/polls": {"questions[].question_details[].date_time": "zoom-space-date-time"},
	"GET /past_webinars/{webinarId}/polls": {"questions[].question_details[].date_time": "zoom-space-date-time"},
}

// granularScopesAllowed lists granular scopes a route may have beyond
// endpoints.json: the Users API document is missing (SOURCE.md), so the
// 2023 document lists no granular scopes for /users and /users/{userId};
// the facts file §h gives them from third-party notes.
var granularScopesAllowed = map[string][]string{
	"GET /users":          {"user:read:list_users:admin"}, // facts §h
	"GET /users/{userId}": {"user:read:user:admin"},       // facts §h
}

// successStatusAllowed lists 2xx statuses accepted although the endpoint
// documents another one. Facts §f: batch registration is keyed "201" in
// SPEC25 but its text says "HTTP Status Code: 200 OK": accept both.
var successStatusAllowed = map[string]string{
	"POST /meetings/{meetingId}/batch_registrants": "200",
	"POST /webinars/{webinarId}/batch_registrants": "200",
}

// confFixtures are the dataset objects the conformance requests use.
type confFixtures struct {
	now                              time.Time
	owner, webUser, recUser          *User
	groupUser                        *User // optional: a user in a group
	meeting, recurring, regMeeting   *Meeting
	pollMeeting, openMeeting         *Meeting
	batchMeeting                     *Meeting
	pastInstance, pollInstance       *Instance
	slashInstance, dslashInstance    *Instance
	webinar, regWebinar, pastWebinar *Meeting
	recurringWebinar                 *Meeting  // with two or more past instances
	summaryInstance                  *Instance // with an AI Companion summary
	transcriptInstance               *Instance // recorded, with a transcript
	openWebinar, batchWebinar        *Meeting
	recFrom, recTo                   string
	reportFrom, reportTo             string
}

func plainUUID(u string) bool { return !strings.HasPrefix(u, "/") && !strings.Contains(u, "//") }

// encodeUUID puts a meeting UUID in a path segment as Zoom requires: double
// URL-encoded when it begins with "/" or contains "//", else encoded once.
func encodeUUID(u string) string {
	if !plainUUID(u) {
		return url.PathEscape(url.PathEscape(u))
	}
	return url.PathEscape(u)
}

// pickFixtures chooses the objects; missing names what it could not find.
func pickFixtures(d *Dataset, now time.Time) (fx confFixtures, missing []string) {
	fx.now = now
	today := truncDay(now)
	fx.reportFrom, fx.reportTo = today.AddDate(0, 0, -27).Format(zoomDate), today.Format(zoomDate)
	fx.owner, fx.groupUser = d.Users[0], d.Users[0]
	for _, u := range d.Users {
		if u.ID != "" && len(u.GroupIDs) > 0 {
			fx.groupUser = u
			break
		}
	}
	usable := func(m *Meeting) bool { return !m.Deleted && m.Licensed() && m.Host.ID != "" }
	past := func(in *Instance) bool { return in.Participants >= 2 && now.Sub(in.Start) < 300*24*time.Hour }
	open := func(m *Meeting) bool { return usable(m) && m.RegistrationEnabled() && !m.Over(now.Add(time.Hour)) }
	for _, m := range d.Meetings {
		if !usable(m) {
			continue
		}
		if fx.meeting == nil && m.Type == 2 {
			fx.meeting = m
		}
		if fx.recurring == nil && m.Type == 8 {
			fx.recurring = m
		}
		if m.RegistrationEnabled() && (fx.regMeeting == nil || (fx.regMeeting.ApprovalType != 1 && m.ApprovalType == 1 && m.NRegistrants >= 6)) {
			fx.regMeeting = m
		}
		if open(m) && (fx.openMeeting == nil || (fx.openMeeting.Type != 8 && m.Type == 8)) {
			fx.openMeeting = m // a recurring one, when there is, so occurrences are listed
		}
		if fx.batchMeeting == nil && open(m) && m.Type == 2 {
			fx.batchMeeting = m
		}
		for _, in := range m.Instances {
			if !past(in) {
				continue
			}
			if fx.pastInstance == nil && plainUUID(in.UUID) && in == m.LatestInstance() {
				fx.pastInstance = in
			}
			if fx.pollInstance == nil && m.NPolls > 0 {
				fx.pollMeeting, fx.pollInstance = m, in
			}
			if fx.transcriptInstance == nil && d.HasTranscript(in) {
				fx.transcriptInstance = in
			}
			if fx.summaryInstance == nil && in.HasSummary() {
				fx.summaryInstance = in
			}
			if fx.slashInstance == nil && strings.HasPrefix(in.UUID, "/") {
				fx.slashInstance = in
			}
			if fx.dslashInstance == nil && !strings.HasPrefix(in.UUID, "/") && strings.Contains(in.UUID, "//") {
				fx.dslashInstance = in
			}
		}
	}
	for _, w := range d.Webinars {
		if !usable(w) {
			continue
		}
		if fx.webinar == nil {
			fx.webinar, fx.webUser = w, w.Host
		}
		if fx.regWebinar == nil && w.RegistrationEnabled() {
			fx.regWebinar = w
		}
		if w.RegistrationEnabled() && w.LatestInstance() != nil && past(w.LatestInstance()) &&
			(fx.pastWebinar == nil || (fx.pastWebinar.NPolls == 0 && w.NPolls > 0)) {
			fx.pastWebinar = w // one with polls, when there is
		}
		if fx.recurringWebinar == nil && len(w.Instances) >= 2 && past(w.Instances[0]) {
			fx.recurringWebinar = w
		}
		if open(w) && (fx.openWebinar == nil || (fx.openWebinar.Type != 9 && w.Type == 9)) {
			fx.openWebinar = w // a recurring one, when there is
		}
		if fx.batchWebinar == nil && open(w) && w.Type == 5 {
			fx.batchWebinar = w
		}
	}
	// A recorded instance within the report window, for /recordings.
	from, _ := time.Parse(zoomDate, fx.reportFrom)
	for _, m := range append(append([]*Meeting{}, d.Meetings...), d.Webinars...) {
		if m.Deleted || m.Host.ID == "" || m.Host.Status != "active" {
			continue
		}
		for _, in := range m.Instances {
			if in.Recorded && inWindow(in.Start, from, today) && fx.recUser == nil {
				fx.recUser = m.Host
			}
		}
	}
	fx.recFrom, fx.recTo = fx.reportFrom, fx.reportTo
	for name, ok := range map[string]bool{
		"type 2 meeting": fx.meeting != nil, "recurring meeting": fx.recurring != nil,
		"meeting with registration": fx.regMeeting != nil, "meeting instance with a plain UUID": fx.pastInstance != nil,
		"meeting with pending and denied registrants": hasStatuses(fx.regMeeting, "pending", "denied"),
		"instance of a meeting with polls":            fx.pollInstance != nil,
		"instance UUID beginning with /":              fx.slashInstance != nil, "instance UUID containing //": fx.dslashInstance != nil,
		"open meeting with registration": fx.openMeeting != nil, "open type 2 meeting with registration": fx.batchMeeting != nil,
		"webinar": fx.webinar != nil, "webinar with registration": fx.regWebinar != nil,
		"past webinar with registration": fx.pastWebinar != nil, "webinar with two past instances": fx.recurringWebinar != nil,
		"instance with a summary": fx.summaryInstance != nil, "recording with a transcript": fx.transcriptInstance != nil, "open webinar with registration": fx.openWebinar != nil,
		"open type 5 webinar with registration": fx.batchWebinar != nil, "recording in the last month": fx.recUser != nil,
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	return fx, missing
}

// confCase is one request of the conformance run.
type confCase struct {
	name  string
	path  string // escaped, without /v2
	query url.Values
	body  any
}

func confFillPath(pattern string, params map[string]string) string {
	out := pattern
	for k, v := range params {
		out = strings.ReplaceAll(out, "{"+k+"}", v)
	}
	return out
}

var registrantSeq atomic.Int64

// registrantBody is a full add-registrant body with a fresh email.
func registrantBody(webinar bool) map[string]any {
	n := registrantSeq.Add(1)
	b := map[string]any{
		"email": fmt.Sprintf("conformance%d@example.com", n), "first_name": "Conform", "last_name": fmt.Sprintf("Tester%d", n),
		"address": "1 Main St", "city": "San Jose", "state": "CA", "zip": "95113", "country": "US",
		"phone": "555-0100", "comments": "conformance test", "industry": "Software", "job_title": "Engineer",
		"no_of_employees": "1-20", "org": "Acme Corp", "purchasing_time_frame": "Within a month",
		"role_in_purchase_process": "Decision Maker", "language": "en-US",
		"custom_questions": []any{map[string]any{"title": "Favourite colour", "value": "blue"}},
	}
	if !webinar {
		b["auto_approve"] = true // meetings only
	}
	return b
}

func batchBody(webinar bool) map[string]any {
	var regs []any
	for i := 0; i < 2; i++ {
		n := registrantSeq.Add(1)
		regs = append(regs, map[string]any{"email": fmt.Sprintf("batch%d@example.com", n), "first_name": "Batch", "last_name": fmt.Sprintf("Tester%d", n)})
	}
	b := map[string]any{"auto_approve": true, "registrants": regs}
	if !webinar {
		b["registrants_confirmation_email"] = false // meetings only
	}
	return b
}

// casesFor returns the requests that exercise a route; nil for a route this
// test does not know yet (a failure: add its cases).
func casesFor(rt Route, fx confFixtures) []confCase {
	id := func(m *Meeting) string { return idStr(m.ID) }
	window := func() url.Values { return url.Values{"from": {fx.reportFrom}, "to": {fx.reportTo}} }
	one := func(params map[string]string, q url.Values) []confCase {
		return []confCase{{name: "basic", path: confFillPath(rt.Pattern, params), query: q}}
	}
	// uuidCases are the path forms of a past meeting or webinar: numeric
	// ID (latest instance), a UUID, and UUIDs that need double encoding.
	uuidCases := func(param string, webinar bool, q url.Values) []confCase {
		var out []confCase
		add := func(name, v string) {
			out = append(out, confCase{name: name, path: confFillPath(rt.Pattern, map[string]string{param: v}), query: q})
		}
		if webinar {
			add("id", id(fx.pastWebinar))
			add("uuid", encodeUUID(fx.pastWebinar.LatestInstance().UUID))
			add("uuid_earlier_occurrence", encodeUUID(fx.recurringWebinar.Instances[0].UUID))
			return out
		}
		add("id", id(fx.pastInstance.Meeting))
		add("uuid", encodeUUID(fx.pastInstance.UUID))
		add("uuid_leading_slash_double_encoded", encodeUUID(fx.slashInstance.UUID))
		add("uuid_double_slash_double_encoded", encodeUUID(fx.dslashInstance.UUID))
		return out
	}
	switch rt.Method + " " + rt.Pattern {
	case "GET /users":
		return one(nil, nil)
	case "GET /users/{userId}":
		return []confCase{
			{name: "me", path: "/users/me"},
			{name: "id", path: "/users/" + url.PathEscape(fx.owner.ID)},
			{name: "email", path: "/users/" + url.PathEscape(fx.webUser.Email)},
			{name: "in_group", path: "/users/" + url.PathEscape(fx.groupUser.ID)},
		}
	case "GET /users/{userId}/meetings":
		return one(map[string]string{"userId": fx.owner.ID}, nil)
	case "GET /meetings/{meetingId}":
		return []confCase{
			{name: "single", path: "/meetings/" + id(fx.meeting)},
			{name: "recurring", path: "/meetings/" + id(fx.recurring), query: url.Values{"show_previous_occurrences": {"true"}}},
			{name: "registration", path: "/meetings/" + id(fx.regMeeting)},
		}
	case "GET /meetings/{meetingId}/registrants", "GET /meetings/{meetingId}/registrants/questions":
		return one(map[string]string{"meetingId": id(fx.regMeeting)}, nil)
	case "GET /meetings/{meetingId}/polls":
		return one(map[string]string{"meetingId": id(fx.pollMeeting)}, nil)
	case "GET /past_meetings/{meetingId}/instances":
		return []confCase{
			{name: "recurring", path: "/past_meetings/" + id(fx.slashInstance.Meeting) + "/instances"},
			{name: "single", path: "/past_meetings/" + id(fx.pastInstance.Meeting) + "/instances"},
		}
	case "GET /past_meetings/{meetingId}/participants":
		return uuidCases("meetingId", false, url.Values{"page_size": {"300"}})
	case "GET /past_meetings/{meetingId}/polls":
		return append(uuidCases("meetingId", false, nil), confCase{name: "with_polls",
			path: "/past_meetings/" + encodeUUID(fx.pollInstance.UUID) + "/polls"})
	case "GET /users/{userId}/webinars":
		return one(map[string]string{"userId": fx.webUser.ID}, nil)
	case "GET /webinars/{webinarId}":
		return []confCase{
			{name: "basic", path: "/webinars/" + id(fx.webinar)},
			{name: "registration", path: "/webinars/" + id(fx.regWebinar), query: url.Values{"show_previous_occurrences": {"true"}}},
		}
	case "GET /webinars/{webinarId}/registrants", "GET /webinars/{webinarId}/registrants/questions":
		return one(map[string]string{"webinarId": id(fx.regWebinar)}, nil)
	case "GET /webinars/{webinarId}/panelists", "GET /webinars/{webinarId}/polls", "GET /webinars/{webinarId}/tracking_sources":
		return []confCase{
			{name: "basic", path: confFillPath(rt.Pattern, map[string]string{"webinarId": id(fx.webinar)})},
			{name: "past", path: confFillPath(rt.Pattern, map[string]string{"webinarId": id(fx.pastWebinar)})},
		}
	case "GET /past_webinars/{webinarId}/instances":
		return []confCase{
			{name: "recurring", path: "/past_webinars/" + id(fx.recurringWebinar) + "/instances"},
			{name: "past", path: "/past_webinars/" + id(fx.pastWebinar) + "/instances"},
		}
	case "GET /past_webinars/{webinarId}/participants", "GET /past_webinars/{webinarId}/absentees",
		"GET /past_webinars/{webinarId}/polls", "GET /past_webinars/{webinarId}/qa":
		return uuidCases("webinarId", true, nil)
	case "GET /metrics/meetings":
		q := window()
		q.Set("type", "past")
		return one(nil, q)
	case "GET /metrics/meetings/{meetingId}/participants":
		return uuidCases("meetingId", false, url.Values{"type": {"past"}})
	case "GET /meetings/meeting_summaries":
		return []confCase{
			{name: "all", path: "/meetings/meeting_summaries", query: url.Values{"page_size": {"300"}}},
			{name: "window", path: "/meetings/meeting_summaries", query: url.Values{"from": {fx.reportFrom + "T00:00:00Z"}, "to": {fx.reportTo + "T23:59:59Z"}}},
		}
	case "GET /meetings/{meetingId}/meeting_summary":
		return []confCase{{name: "uuid", path: "/meetings/" + encodeUUID(fx.summaryInstance.UUID) + "/meeting_summary"}}
	case "GET /meetings/{meetingId}/transcript":
		return []confCase{{name: "uuid", path: "/meetings/" + encodeUUID(fx.transcriptInstance.UUID) + "/transcript"}}
	case "GET /groups", "GET /roles", "GET /tracking_fields":
		return one(nil, nil)
	case "GET /groups/{groupId}/members":
		return one(map[string]string{"groupId": fx.groupUser.GroupIDs[0]}, url.Values{"page_size": {"300"}})
	case "GET /roles/{roleId}/members":
		return []confCase{
			{name: "owner", path: "/roles/0/members"},
			{name: "member", path: "/roles/2/members", query: url.Values{"page_size": {"300"}}},
		}
	case "GET /report/daily":
		return one(nil, url.Values{"year": {strconv.Itoa(fx.now.Year())}, "month": {strconv.Itoa(int(fx.now.Month()))}})
	case "GET /report/users", "GET /report/activities", "GET /report/operationlogs", "GET /report/cloud_recording":
		return one(nil, window())
	case "GET /report/users/{userId}/meetings":
		return one(map[string]string{"userId": fx.owner.ID}, window())
	case "GET /report/meetings/{meetingId}", "GET /report/meetings/{meetingId}/participants":
		return uuidCases("meetingId", false, nil)
	case "GET /past_meetings/{meetingId}/qa", "GET /report/meetings/{meetingId}/qa", "GET /report/meetings/{meetingId}/survey":
		return uuidCases("meetingId", false, nil)
	case "GET /report/webinars/{webinarId}", "GET /report/webinars/{webinarId}/participants", "GET /report/webinars/{webinarId}/survey":
		return uuidCases("webinarId", true, nil)
	case "GET /users/{userId}/recordings":
		return []confCase{
			{name: "window", path: "/users/" + fx.recUser.ID + "/recordings", query: url.Values{"from": {fx.recFrom}, "to": {fx.recTo}}},
			{name: "default_window", path: "/users/" + fx.recUser.ID + "/recordings"},
		}
	case "POST /meetings/{meetingId}/registrants":
		return []confCase{{name: "full_body", path: "/meetings/" + id(fx.openMeeting) + "/registrants", body: registrantBody(false)}}
	case "POST /webinars/{webinarId}/registrants":
		return []confCase{{name: "full_body", path: "/webinars/" + id(fx.openWebinar) + "/registrants", body: registrantBody(true)}}
	case "POST /meetings/{meetingId}/batch_registrants":
		return []confCase{{name: "two", path: "/meetings/" + id(fx.batchMeeting) + "/batch_registrants", body: batchBody(false)}}
	case "POST /webinars/{webinarId}/batch_registrants":
		return []confCase{{name: "two", path: "/webinars/" + id(fx.batchWebinar) + "/batch_registrants", body: batchBody(true)}}
	}
	return lifecycleCases(rt, fx)
}

// simAnswer is one HTTP answer of the simulator.
type simAnswer struct {
	status int
	header http.Header
	raw    []byte
}

var confClient = &http.Client{Timeout: 20 * time.Second}

// sendSim sends one API request to the simulator at base (no /v2). path
// is escaped and starts with "/".
func sendSim(t *testing.T, base, token, method, path string, q url.Values, body any) simAnswer {
	t.Helper()
	u := base + "/v2" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	if got := req.URL.EscapedPath(); got != "/v2"+path {
		t.Fatalf("the client would send path %s, not %s", got, "/v2"+path)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := confClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, u, err)
	}
	return simAnswer{status: resp.StatusCode, header: resp.Header, raw: raw}
}

// confRun is the shared state of one conformance run.
type confRun struct {
	srv   *Server
	spec  *zoomSpec
	base  string
	token string
	fx    confFixtures

	mu       sync.Mutex
	nonEmpty map[string]map[string]bool // endpoint → array field → seen non-empty
}

// checkSuccess checks a 2xx answer of endpoint e: status, content type,
// the success schema and undeclared fields. It returns the decoded body.
func (r *confRun) checkSuccess(t *testing.T, e specEndpoint, a simAnswer) map[string]any {
	t.Helper()
	d, err := r.spec.doc(e)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := d.successCodes(e.Method, e.Path)
	if err != nil {
		t.Fatal(err)
	}
	code := strconv.Itoa(a.status)
	if code == "204" && slices.Contains(codes, code) {
		if len(a.raw) != 0 {
			t.Errorf("HTTP 204 with a body: %s", confClip(a.raw))
		}
		return nil
	}
	documented := false
	for _, c := range codes {
		documented = documented || c == code
	}
	if !documented {
		if successStatusAllowed[e.key()] == code {
			code = codes[0]
		} else {
			t.Errorf("HTTP %d, want a documented success status %v; body: %s", a.status, codes, confClip(a.raw))
			return nil
		}
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	sch, js, err := r.spec.successValidator(e, code)
	if err != nil {
		t.Fatal(err)
	}
	v, err := decodeJSONNumbers(a.raw)
	if err != nil {
		t.Errorf("body is not JSON: %v: %s", err, confClip(a.raw))
		return nil
	}
	if err := sch.Validate(v); err != nil {
		for _, p := range validationProblems(err) {
			t.Errorf("%s %s: schema %s/%s: %s", e.Method, e.Path, e.Source, code, p)
		}
	}
	for _, f := range undeclaredFields(js, v) {
		if _, ok := extraFieldsAllowed[e.key()][f]; !ok {
			t.Errorf("%s %s: field %q is not declared by the %s schema in %s (the simulator must not invent fields)", e.Method, e.Path, f, code, e.Source)
		}
	}
	obj, _ := v.(map[string]any)
	r.mu.Lock()
	for _, f := range e.ArrayFields {
		if list, ok := obj[f].([]any); ok {
			if r.nonEmpty[e.key()] == nil {
				r.nonEmpty[e.key()] = map[string]bool{}
			}
			r.nonEmpty[e.key()][f] = r.nonEmpty[e.key()][f] || len(list) > 0
		}
	}
	r.mu.Unlock()
	return obj
}

func confClip(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}

// send checks the request against the spec, sends it, and expects 2xx.
func (r *confRun) send(t *testing.T, e specEndpoint, c confCase) (simAnswer, map[string]any) {
	t.Helper()
	checkRequestAgainstSpec(t, e.Method, c.path, c.query)
	if c.body != nil {
		b, _ := json.Marshal(c.body)
		checkRequestBodyAgainstSpec(t, e.Method, c.path, b)
	}
	a := sendSim(t, r.base, r.token, e.Method, c.path, c.query, c.body)
	if a.status < 200 || a.status > 299 {
		t.Errorf("%s %s?%s: HTTP %d, want 2xx; body: %s", e.Method, c.path, c.query.Encode(), a.status, confClip(a.raw))
		return a, nil
	}
	return a, r.checkSuccess(t, e, a)
}

// startConformance starts a tiny simulator whose dataset has every object
// the requests need (the first such seed from 1). For wider runs,
// ZOOMSIM_CONFORMANCE_DATASET picks another preset and
// ZOOMSIM_CONFORMANCE_SEED the first seed tried.
func startConformance(t *testing.T) *confRun { return startConformanceAfter(t, 0, "") }

// startConformanceAfter is startConformance on an account that has lived
// through advance of simulated time at the given activity.
func startConformanceAfter(t *testing.T, advance time.Duration, activity string) *confRun {
	t.Helper()
	spec := loadZoomSpec(t)
	preset := "tiny"
	if v := os.Getenv("ZOOMSIM_CONFORMANCE_DATASET"); v != "" {
		preset = v
	}
	first := int64(1)
	if v := os.Getenv("ZOOMSIM_CONFORMANCE_SEED"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("ZOOMSIM_CONFORMANCE_SEED=%q: %v", v, err)
		}
		first = n
	}
	seed := int64(-1)
	start := time.Now().UTC().Truncate(time.Second)
	var lastMissing []string
	for s := first; s < first+64; s++ {
		srv, err := NewServer(Options{Dataset: preset, Seed: s, Start: start, Life: LifeOptions{Activity: activity}})
		if err != nil {
			t.Fatal(err)
		}
		if advance > 0 {
			if _, err := srv.Advance(advance); err != nil {
				t.Fatal(err)
			}
		}
		if _, missing := pickFixtures(srv.Dataset(), srv.Clock()); len(missing) == 0 {
			seed = s
			break
		} else {
			lastMissing = missing
		}
	}
	if seed < 0 {
		t.Fatalf("no %s dataset (seeds %d-%d) has every fixture the conformance test needs; missing e.g. %v", preset, first, first+63, lastMissing)
	}
	t.Logf("dataset %s, seed %d", preset, seed)
	s, base, tok := StartTest(t, Options{Dataset: preset, Seed: seed, Start: start, Life: LifeOptions{Activity: activity}})
	if advance > 0 {
		if _, err := s.Advance(advance); err != nil {
			t.Fatal(err)
		}
	}
	fx, missing := pickFixtures(s.Dataset(), s.Clock())
	if len(missing) > 0 {
		t.Fatalf("seed %d: missing fixtures %v", seed, missing)
	}
	return &confRun{srv: s, spec: spec, base: base, token: tok, fx: fx, nonEmpty: map[string]map[string]bool{}}
}

// hasStatuses reports whether m has generated registrants in each status
// (the lifecycle requests approve a pending one and deny a denied one).
func hasStatuses(m *Meeting, statuses ...string) bool {
	if m == nil {
		return false
	}
	seen := map[string]bool{}
	for _, r := range generatedRegistrants(m) {
		seen[r.Status] = true
	}
	for _, s := range statuses {
		if !seen[s] {
			return false
		}
	}
	return true
}

// TestConformanceRoutes checks the route table against endpoints.json:
// every route is a documented endpoint with the same rate-limit label and
// scopes, and every endpoint is served.
func TestConformanceRoutes(t *testing.T) {
	t.Parallel()
	spec := loadZoomSpec(t)
	d, err := Generate("tiny", 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, rt := range d.Routes() {
		key := rt.Method + " " + rt.Pattern
		if served[key] {
			t.Errorf("%s: routed twice", key)
		}
		served[key] = true
		e, ok := spec.endpoint(rt.Method, rt.Pattern)
		if !ok {
			t.Errorf("%s: simulated but not in endpoints.json", key)
			continue
		}
		if got := strings.ToLower(string(rt.Category)); got != e.RateLimitLabel {
			t.Errorf("%s: Category %q, endpoints.json rate_limit_label %q", key, rt.Category, e.RateLimitLabel)
		}
		if !oaSameSet(rt.Scopes, e.Scopes) {
			t.Errorf("%s: classic scopes %v, endpoints.json %v", key, rt.Scopes, e.Scopes)
		}
		want := append(append([]string{}, e.GranularScopes...), granularScopesAllowed[key]...)
		if !oaSameSet(rt.Granular, want) {
			t.Errorf("%s: granular scopes %v, want %v (endpoints.json %v)", key, rt.Granular, want, e.GranularScopes)
		}
		if rt.Handle == nil {
			t.Errorf("%s: no handler", key)
		}
	}
	for _, e := range spec.endpoints {
		if !served[e.key()] {
			t.Errorf("%s: in endpoints.json but not served by the simulator", e.key())
		}
	}
}

// TestConformanceResponses sends, for every route, real requests with
// valid parameters and validates each 2xx answer against the operation's
// success schema (and for undeclared fields); then the documented query
// enums, page_size clamping and the 404 error bodies.
func TestConformanceResponses(t *testing.T) {
	t.Parallel()
	conformanceResponses(t, startConformance(t))
}

// TestConformanceResponsesAfterAdvance runs the same checks on an account
// that lived ten simulated days at high activity: users, meetings,
// webinars, registrants, instances and recordings made by the simulator's
// life still answer with Zoom's schemas.
func TestConformanceResponsesAfterAdvance(t *testing.T) {
	t.Parallel()
	conformanceResponses(t, startConformanceAfter(t, 10*24*time.Hour, "high"))
}

func conformanceResponses(t *testing.T, run *confRun) {
	routes := run.srv.Dataset().Routes()
	t.Cleanup(func() {
		run.mu.Lock()
		defer run.mu.Unlock()
		for _, rt := range routes {
			e, _ := run.spec.endpoint(rt.Method, rt.Pattern)
			for _, f := range e.ArrayFields {
				if seen, ok := run.nonEmpty[e.key()][f]; ok && !seen {
					t.Logf("note: %s: %q was always empty, so its item schema was not exercised", e.key(), f)
				}
			}
		}
	})
	for _, rt := range routes {
		e, ok := run.spec.endpoint(rt.Method, rt.Pattern)
		if !ok {
			t.Errorf("%s %s: not in endpoints.json (see TestConformanceRoutes)", rt.Method, rt.Pattern)
			continue
		}
		cases := casesFor(rt, run.fx)
		if len(cases) == 0 {
			t.Errorf("%s: no conformance request for this route: add it to casesFor", e.key())
			continue
		}
		t.Run(e.key(), func(t *testing.T) {
			t.Parallel()
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					run.send(t, e, c)
				})
			}
			if rt.Method == http.MethodGet {
				t.Run("query_enums", func(t *testing.T) { run.checkEnums(t, e, cases[0]) })
				t.Run("page_size", func(t *testing.T) { run.checkPageSize(t, e, cases[0]) })
			}
			t.Run("not_found", func(t *testing.T) { run.checkNotFound(t, e, rt) })
			if rt.Method == http.MethodGet {
				t.Run("sweep", func(t *testing.T) { run.sweep(t, e, sweepCases(rt, run.srv.Dataset(), run.fx.now)) })
			}
		})
	}
}

// checkEnums sends each value of each documented query enum and expects a
// valid 2xx answer.
func (r *confRun) checkEnums(t *testing.T, e specEndpoint, base confCase) {
	d, _ := r.spec.doc(e)
	params, err := d.parameters(e.Method, e.Path)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := params[k]
		sch, _ := p["schema"].(map[string]any)
		enum, _ := sch["enum"].([]any)
		if p["in"] != "query" || len(enum) == 0 {
			continue
		}
		name, _ := p["name"].(string)
		for _, v := range enum {
			c := base
			c.query = url.Values{}
			for qk, qv := range base.query {
				c.query[qk] = qv
			}
			c.query.Set(name, fmt.Sprint(v))
			t.Run(name+"="+fmt.Sprint(v), func(t *testing.T) { r.send(t, e, c) })
		}
	}
}

// checkPageSize checks the default page_size and that a page_size above
// the documented maximum is clamped to it.
func (r *confRun) checkPageSize(t *testing.T, e specEndpoint, base confCase) {
	var ps *specParam
	for i, p := range e.Parameters {
		if p.Name == "page_size" && p.In == "query" {
			ps = &e.Parameters[i]
		}
	}
	if ps == nil {
		t.Skip("no page_size parameter documented")
	}
	if def, ok := ps.Default.(float64); ok {
		c := base
		c.query = url.Values{}
		for k, v := range base.query {
			if k != "page_size" {
				c.query[k] = v
			}
		}
		_, body := r.send(t, e, c)
		if got, _ := body["page_size"].(json.Number); body != nil && got.String() != strconv.Itoa(int(def)) {
			t.Errorf("default page_size answered as %v, documented default %v", body["page_size"], def)
		}
	}
	if ps.Maximum == nil {
		t.Logf("%s documents no page_size maximum: clamping not checked", e.key())
		return
	}
	max := int(*ps.Maximum)
	for _, n := range []int{max + 1, max * 10} {
		q := url.Values{}
		for k, v := range base.query {
			q[k] = v
		}
		q.Set("page_size", strconv.Itoa(n))
		// Not passed through checkRequestAgainstSpec: the value is above
		// the documented maximum on purpose.
		a := sendSim(t, r.base, r.token, e.Method, base.path, q, nil)
		if a.status < 200 || a.status > 299 {
			t.Errorf("page_size=%d: HTTP %d, want 2xx with page_size clamped to %d; body: %s", n, a.status, max, confClip(a.raw))
			continue
		}
		body := r.checkSuccess(t, e, a)
		if body == nil {
			continue
		}
		if got, _ := body["page_size"].(json.Number); got.String() != strconv.Itoa(max) {
			t.Errorf("page_size=%d answered page_size %v, want the documented maximum %d", n, body["page_size"], max)
		}
		for _, f := range e.ArrayFields {
			if list, ok := body[f].([]any); ok && len(list) > max {
				t.Errorf("page_size=%d: %d %s, more than the maximum %d", n, len(list), f, max)
			}
		}
	}
}

// checkNotFound sends the route with an unknown user, meeting or webinar
// and expects 404 with exactly {"code":int,"message":string}: code 1001
// for users, 3001 for meetings and webinars.
func (r *confRun) checkNotFound(t *testing.T, e specEndpoint, rt Route) {
	var body any
	switch e.key() {
	case "POST /meetings/{meetingId}/registrants":
		body = registrantBody(false)
	case "POST /webinars/{webinarId}/registrants":
		body = registrantBody(true)
	case "POST /meetings/{meetingId}/batch_registrants":
		body = batchBody(false)
	case "POST /webinars/{webinarId}/batch_registrants":
		body = batchBody(true)
	default:
		body = lifecycleNotFoundBody(e.key())
	}
	type probe struct {
		param, value string
		code         int
	}
	var probes []probe
	switch {
	case strings.Contains(rt.Pattern, "{userId}"):
		probes = append(probes, probe{"userId", "zzNoSuchUserzzzzzzzzzz", 1001})
	case strings.Contains(rt.Pattern, "{meetingId}"):
		probes = append(probes, probe{"meetingId", "19999999999", 3001})
	case strings.Contains(rt.Pattern, "{webinarId}"):
		probes = append(probes, probe{"webinarId", "19999999999", 3001})
	}
	// Where the meeting/webinar path parameter also takes a UUID (typed
	// string, or oneOf integer|string), probe an unknown double-encoded one.
	for _, p := range e.Parameters {
		if p.In == "path" && (p.Name == "meetingId" || p.Name == "webinarId") && p.Type != "integer" {
			probes = append(probes, probe{p.Name, encodeUUID("/zzNoSuchUUID//zzzzzzzzz=="), 3001})
		}
	}
	if len(probes) == 0 {
		t.Skip("no user, meeting or webinar in the path")
	}
	for _, p := range probes {
		path := confFillPath(rt.Pattern, map[string]string{p.param: p.value, "registrantId": "zzNoSuchRegistrantzzzz", "panelistId": "zzNoSuchPanelistzzzzzz"})
		var q url.Values
		if strings.HasPrefix(rt.Pattern, "/report/users/") {
			q = url.Values{"from": {r.fx.reportFrom}, "to": {r.fx.reportTo}}
		}
		checkRequestAgainstSpec(t, e.Method, path, q)
		a := sendSim(t, r.base, r.token, e.Method, path, q, body)
		if a.status != http.StatusNotFound {
			t.Errorf("%s %s: HTTP %d, want 404; body: %s", e.Method, path, a.status, confClip(a.raw))
			continue
		}
		checkErrorBody(t, a, p.code)
	}
}

// checkErrorBody checks Zoom's error shape {"code":int,"message":string}
// and the code.
func checkErrorBody(t *testing.T, a simAnswer, wantCode int) {
	t.Helper()
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	v, err := decodeJSONNumbers(a.raw)
	obj, isObj := v.(map[string]any)
	if err != nil || !isObj {
		t.Errorf("error body is not a JSON object: %s", confClip(a.raw))
		return
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "code,message" {
		t.Errorf("error body has members %v, want exactly code and message: %s", keys, confClip(a.raw))
	}
	n, isNum := obj["code"].(json.Number)
	code, err := n.Int64()
	if !isNum || err != nil {
		t.Errorf("error code %v is not an integer", obj["code"])
	} else if code != int64(wantCode) {
		t.Errorf("error code %d, want %d (%s)", code, wantCode, confClip(a.raw))
	}
	if m, ok := obj["message"].(string); !ok || m == "" {
		t.Errorf("error message %v is not a non-empty string", obj["message"])
	}
}

// matchOperation finds the endpoints.json operation whose template matches
// method and the escaped path (with or without /v2), returning it and the
// path parameters (decoded once, as a server's router would).
func matchOperation(spec *zoomSpec, method, path string) (specEndpoint, map[string]string, bool) {
	path = strings.TrimPrefix(path, "/v2")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, bestLiterals := -1, -1
	var bestParams map[string]string
	for i, e := range spec.endpoints {
		if e.Method != method {
			continue
		}
		tsegs := strings.Split(strings.Trim(e.Path, "/"), "/")
		if len(tsegs) != len(segs) {
			continue
		}
		params, literals, ok := map[string]string{}, 0, true
		for j, ts := range tsegs {
			if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
				v, err := url.PathUnescape(segs[j])
				if err != nil || v == "" {
					ok = false
					break
				}
				params[ts[1:len(ts)-1]] = v
				continue
			}
			if ts != segs[j] {
				ok = false
				break
			}
			literals++
		}
		if ok && literals > bestLiterals {
			best, bestLiterals, bestParams = i, literals, params
		}
	}
	if best < 0 {
		return specEndpoint{}, nil, false
	}
	return spec.endpoints[best], bestParams, true
}

// checkRequestAgainstSpec checks a request the connector (or this test)
// sends to Zoom against the documented operation: method and path must
// match an operation in endpoints.json; each path parameter must fit its
// documented type; each query parameter must be documented for the
// operation, given once, and hold a value of its documented type, enum,
// format and bounds; required query parameters must be present. path is
// the escaped request path (URL.EscapedPath()), with or without /v2.
func checkRequestAgainstSpec(t testing.TB, method, path string, query url.Values) {
	t.Helper()
	spec := loadZoomSpec(t)
	e, pathParams, ok := matchOperation(spec, method, path)
	if !ok {
		t.Errorf("request %s %s: no documented operation matches (endpoints.json)", method, path)
		return
	}
	d, err := spec.doc(e)
	if err != nil {
		t.Error(err)
		return
	}
	params, err := d.parameters(e.Method, e.Path)
	if err != nil {
		t.Error(err)
		return
	}
	for name, v := range pathParams {
		p, ok := params["path:"+name]
		if !ok {
			t.Errorf("request %s %s: path parameter %s is not documented for %s", method, path, name, e.key())
			continue
		}
		sch, _ := p["schema"].(map[string]any)
		if prob := paramValueProblem(sch, v); prob != "" {
			t.Errorf("request %s %s: path parameter %s: %s", method, path, name, prob)
		}
	}
	for name, vs := range query {
		p, ok := params["query:"+name]
		if !ok {
			t.Errorf("request %s %s: query parameter %q is not documented for %s (%s)", method, path, name, e.key(), e.Source)
			continue
		}
		if dep, _ := p["deprecated"].(bool); dep {
			t.Errorf("request %s %s: query parameter %q is deprecated", method, path, name)
		}
		if len(vs) != 1 {
			t.Errorf("request %s %s: query parameter %q given %d times, want once", method, path, name, len(vs))
		}
		sch, _ := p["schema"].(map[string]any)
		for _, v := range vs {
			if prob := paramValueProblem(sch, v); prob != "" {
				t.Errorf("request %s %s: query parameter %s: %s", method, path, name, prob)
			}
		}
	}
	for _, p := range params {
		if req, _ := p["required"].(bool); req && p["in"] == "query" {
			name, _ := p["name"].(string)
			if _, ok := query[name]; !ok {
				t.Errorf("request %s %s: required query parameter %q is missing", method, path, name)
			}
		}
	}
}

// checkRequestBodyAgainstSpec validates a JSON request body against the
// operation's request body schema, and reports members the schema does not
// declare.
func checkRequestBodyAgainstSpec(t testing.TB, method, path string, body []byte) {
	t.Helper()
	spec := loadZoomSpec(t)
	e, _, ok := matchOperation(spec, method, path)
	if !ok {
		t.Errorf("request %s %s: no documented operation matches (endpoints.json)", method, path)
		return
	}
	d, _ := spec.doc(e)
	js, err := d.requestBodySchema(e.Method, e.Path)
	if err != nil {
		t.Error(err)
		return
	}
	key := "request " + e.key()
	spec.mu.Lock()
	sch := spec.compiled[key]
	if sch == nil {
		sch, err = compileJSONSchema(key, js)
		if err == nil {
			spec.compiled[key] = sch
		}
	}
	spec.mu.Unlock()
	if err != nil {
		t.Errorf("compile %s: %v", key, err)
		return
	}
	v, err := decodeJSONNumbers(body)
	if err != nil {
		t.Errorf("request %s %s: body is not JSON: %v", method, path, err)
		return
	}
	if err := sch.Validate(v); err != nil {
		for _, p := range validationProblems(err) {
			t.Errorf("request %s %s: body: %s", method, path, p)
		}
	}
	for _, f := range undeclaredFields(js, v) {
		t.Errorf("request %s %s: body member %q is not documented for %s", method, path, f, e.key())
	}
}

// sweepCases are requests for every user, meeting, webinar, instance,
// status and report window of the dataset, so that data-dependent
// deviations show up. Some answer errors (deleted meetings, Basic hosts,
// no registration): the sweep checks those only for Zoom's error shape.
func sweepCases(rt Route, d *Dataset, now time.Time) []confCase {
	var out []confCase
	add := func(name string, params map[string]string, q url.Values) {
		out = append(out, confCase{name: name, path: confFillPath(rt.Pattern, params), query: q})
	}
	windows := ReportWindows(now)
	win := func(w [2]string) url.Values { return url.Values{"from": {w[0]}, "to": {w[1]}} }
	var users []*User
	for _, u := range d.Users {
		if u.ID != "" {
			users = append(users, u)
		}
	}
	kind := d.Meetings
	param := "meetingId"
	if strings.Contains(rt.Pattern, "{webinarId}") {
		kind, param = d.Webinars, "webinarId"
	}
	statuses := []string{"approved", "pending", "denied"}
	switch {
	case rt.Pattern == "/users":
		for _, st := range []string{"active", "inactive", "pending"} {
			add("status="+st, nil, url.Values{"status": {st}})
		}
	case rt.Pattern == "/report/daily":
		for i := 0; i < 6; i++ {
			m := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -i, 0)
			add(m.Format("2006-01"), nil, url.Values{"year": {strconv.Itoa(m.Year())}, "month": {strconv.Itoa(int(m.Month()))}})
		}
	case rt.Pattern == "/report/users" || rt.Pattern == "/report/activities" || rt.Pattern == "/report/operationlogs" || rt.Pattern == "/report/cloud_recording":
		for _, w := range windows {
			add(w[0], nil, win(w))
		}
	case rt.Pattern == "/meetings/{meetingId}/meeting_summary" || rt.Pattern == "/meetings/{meetingId}/transcript":
		for _, m := range append(append([]*Meeting{}, d.Meetings...), d.Webinars...) {
			for _, in := range m.Instances {
				add("uuid "+in.UUID, map[string]string{param: encodeUUID(in.UUID)}, nil)
			}
		}
	case rt.Pattern == "/metrics/meetings":
		for _, w := range windows {
			q := win(w)
			q.Set("type", "past")
			add(w[0], nil, q)
		}
	case rt.Pattern == "/metrics/meetings/{meetingId}/participants":
		for _, m := range d.Meetings {
			for _, in := range m.Instances {
				add("uuid "+in.UUID, map[string]string{param: encodeUUID(in.UUID)}, url.Values{"type": {"past"}})
			}
		}
	case rt.Pattern == "/meetings/meeting_summaries":
		for _, w := range windows {
			add(w[0], nil, url.Values{"from": {w[0] + "T00:00:00Z"}, "to": {w[1] + "T23:59:59Z"}})
		}
	case strings.Contains(rt.Pattern, "{userId}"):
		for _, u := range users {
			switch {
			case rt.Pattern == "/report/users/{userId}/meetings" || rt.Pattern == "/users/{userId}/recordings":
				for _, w := range windows {
					add(u.ID+"/"+w[0], map[string]string{"userId": u.ID}, win(w))
				}
			default:
				add(u.ID, map[string]string{"userId": u.ID}, nil)
			}
		}
	case strings.HasPrefix(rt.Pattern, "/past_") && strings.HasSuffix(rt.Pattern, "/instances"):
		for _, m := range kind {
			add(idStr(m.ID), map[string]string{param: idStr(m.ID)}, nil)
		}
	case strings.HasPrefix(rt.Pattern, "/past_") || strings.HasPrefix(rt.Pattern, "/report/"):
		for _, m := range kind {
			add(idStr(m.ID), map[string]string{param: idStr(m.ID)}, nil)
			for _, in := range m.Instances {
				add("uuid "+in.UUID, map[string]string{param: encodeUUID(in.UUID)}, nil)
			}
		}
	case strings.HasSuffix(rt.Pattern, "/registrants"):
		for _, m := range kind {
			for _, st := range statuses {
				add(idStr(m.ID)+"/"+st, map[string]string{param: idStr(m.ID)}, url.Values{"status": {st}})
			}
		}
	case strings.Contains(rt.Pattern, "{"+param+"}"):
		for _, m := range kind {
			add(idStr(m.ID), map[string]string{param: idStr(m.ID)}, nil)
		}
	}
	return out
}

// sweep sends every case, following next_page_token to the last page;
// 2xx answers are checked like the main cases, errors for Zoom's error
// shape. At least one case must succeed.
func (r *confRun) sweep(t *testing.T, e specEndpoint, cases []confCase) {
	if len(cases) == 0 {
		t.Skip("nothing to sweep")
	}
	ok := 0
	errs := map[string]int{} // "HTTP status/code" → count
	defer func() { t.Logf("%d pages answered 2xx; errors: %v", ok, errs) }()
	for _, c := range cases {
		checkRequestAgainstSpec(t, e.Method, c.path, c.query)
		q := c.query
		for page := 1; ; page++ {
			a := sendSim(t, r.base, r.token, e.Method, c.path, q, nil)
			if a.status < 200 || a.status > 299 {
				if page > 1 {
					t.Errorf("%s %s?%s: page %d: HTTP %d: %s", e.Method, c.path, q.Encode(), page, a.status, confClip(a.raw))
				} else if a.status == http.StatusTooManyRequests || a.status >= 500 {
					t.Errorf("%s %s?%s: HTTP %d: %s", e.Method, c.path, q.Encode(), a.status, confClip(a.raw))
				} else {
					checkErrorShape(t, a)
					var eb struct{ Code json.Number }
					_ = json.Unmarshal(a.raw, &eb)
					errs[fmt.Sprintf("%d/%s", a.status, eb.Code)]++
				}
				break
			}
			ok++
			body := r.checkSuccess(t, e, a)
			next, _ := body["next_page_token"].(string)
			if next == "" {
				break
			}
			if page >= 100 {
				t.Errorf("%s %s: more than 100 pages", e.Method, c.path)
				break
			}
			q = url.Values{}
			for k, v := range c.query {
				q[k] = v
			}
			q.Set("next_page_token", next)
		}
	}
	if ok == 0 {
		t.Errorf("%s: no sweep request succeeded", e.key())
	}
}

// checkErrorShape checks a 4xx body: {"code":int,"message":string}, plus
// "errors":[{"field","message"}] for validation errors (code 300).
func checkErrorShape(t *testing.T, a simAnswer) {
	t.Helper()
	v, err := decodeJSONNumbers(a.raw)
	obj, isObj := v.(map[string]any)
	if err != nil || !isObj {
		t.Errorf("HTTP %d: error body is not a JSON object: %s", a.status, confClip(a.raw))
		return
	}
	for k := range obj {
		if k != "code" && k != "message" && k != "errors" {
			t.Errorf("HTTP %d: error body member %q, want only code, message (and errors): %s", a.status, k, confClip(a.raw))
		}
	}
	if n, ok := obj["code"].(json.Number); !ok {
		t.Errorf("HTTP %d: error code %v is not a number", a.status, obj["code"])
	} else if _, err := n.Int64(); err != nil {
		t.Errorf("HTTP %d: error code %v is not an integer", a.status, n)
	}
	if m, ok := obj["message"].(string); !ok || m == "" {
		t.Errorf("HTTP %d: error message %v is not a non-empty string", a.status, obj["message"])
	}
}

// tbRecorder records Errorf calls instead of failing the test.
type tbRecorder struct {
	testing.TB
	errs []string
}

func (r *tbRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *tbRecorder) Error(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }

// TestConformanceRequestCheck checks checkRequestAgainstSpec itself.
func TestConformanceRequestCheck(t *testing.T) {
	t.Parallel()
	loadZoomSpec(t)
	for _, c := range []struct {
		method, path, query string
		wantErrs            int
	}{
		{"GET", "/v2/users", "status=pending&page_size=300", 0},
		{"GET", "/users", "status=bogus", 1},
		{"GET", "/users", "status=active&status=pending", 1},
		{"GET", "/users", "made_up=1", 1},
		{"GET", "/users/me", "login_type=100&encrypted_email=true", 0},
		{"GET", "/users/me", "login_type=5", 1},
		{"GET", "/users/abc/meetings", "type=upcoming&page_size=301", 1},
		{"GET", "/users/abc/meetings", "page_size=ten", 1},
		{"GET", "/users/abc/meetings", "from=2025-13-01", 1},
		{"GET", "/meetings/85746065432", "show_previous_occurrences=yes", 1},
		{"GET", "/meetings/abc", "", 1},
		{"GET", "/report/users", "from=2025-01-01", 1},
		{"GET", "/report/users/abc/meetings", "from=2025-01-01&to=2025-01-31&type=pastOne", 0},
		{"GET", "/past_meetings/%252Fab%252F%252Fcd%253D%253D/participants", "page_size=30", 0},
		{"GET", "/report/meetings/%2Fab", "", 0},
		{"POST", "/meetings/85746065432/registrants", "occurrence_ids=1648194360000,1648799160000", 0},
		{"GET", "/nope", "", 1},
		{"DELETE", "/users/me", "", 1},
	} {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		rec := &tbRecorder{TB: t}
		checkRequestAgainstSpec(rec, c.method, c.path, q)
		if len(rec.errs) != c.wantErrs {
			t.Errorf("%s %s?%s: %d problems %q, want %d", c.method, c.path, c.query, len(rec.errs), rec.errs, c.wantErrs)
		}
	}
}
