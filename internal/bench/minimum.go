package bench

import (
	"sort"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// Minimum is the fewest API requests a complete read of the selected
// streams needs: each partition (a parent record, a status, a month
// window) asked once, with as few pages as its records fill.
type Minimum struct {
	// ByEndpoint maps "METHOD /pattern" (the simulator's counter keys) to
	// the minimum number of requests.
	ByEndpoint map[string]int `json:"by_endpoint"`
	// ByCategory sums ByEndpoint by rate-limit category.
	ByCategory map[string]int `json:"by_category"`
	// Total sums every endpoint.
	Total int `json:"total"`
	// PageSize is the page size the pages were counted with.
	PageSize int `json:"page_size"`
}

// MinimumFormula documents how MinimumRequests counts, for the report.
const MinimumFormula = `pages(n) = max(1, ceil(n / page_size)): an empty partition still costs one request.
Active users are those with an id and status active; listed meetings are every meeting of an active user
(GET /users/{id}/meetings lists deleted ones too); listed webinars every webinar of an active licensed user.
"Ended" is the connector's own test on a detail (recurring, or start_time not in the future).

  GET /users                                   sum over active, inactive, pending of pages(users of that status)
  GET /users/{id}/meetings                     sum over active users of pages(their meetings)
  GET /meetings/{id}                           one per listed meeting (a deleted one answers 404: only asking tells)
  GET /meetings/{id}/registrants               for each non-deleted meeting with registration, sum over approved,
                                               pending, denied of pages(registrants of that status)
  GET /meetings/{id}/registrants/questions     one per non-deleted meeting with registration
  GET /meetings/{id}/polls                     one per non-deleted meeting
  GET /past_meetings/{id}/instances            one per non-deleted meeting
  GET /past_meetings/{uuid}/participants       sum over instances of pages(participants; 0 below two)
  GET /past_meetings/{uuid}/polls              one per instance
  GET /users/{id}/webinars                     sum over active licensed users of pages(their webinars)
  GET /webinars/{id}                           one per listed webinar
  GET /webinars/{id}/registrants               as for meetings, per webinar with registration
  GET /webinars/{id}/registrants/questions     one per webinar with registration
  GET /webinars/{id}/panelists, polls, tracking_sources      one each per webinar
  GET /past_webinars/{uuid}/participants       per ended webinar, pages(participants of its latest instance)
  GET /past_webinars/{uuid}/absentees          per ended webinar with registration, pages(approved registrants) (an upper bound on absentees; exact below one page)
  GET /past_webinars/{id}/polls, qa            one each per ended webinar
  GET /report/meetings/{uuid}                  one per instance
  GET /report/meetings/{uuid}/participants     sum over instances of pages(participants; 0 below two)
  GET /report/webinars/{id}                    one per ended webinar
  GET /report/webinars/{uuid}/participants     per ended webinar, pages(participants of its latest instance)
  GET /report/daily                            one per month: the current one and the five before
  GET /report/users                            per month window, pages(active users)
  GET /report/users/{id}/meetings              per active user and month window, pages(instances with two or more participants started in it)
  GET /report/activities                       per month window, pages(sign-in/out events in it)
  GET /users/{id}/recordings                   per active user and month window, pages(recorded instances started in it)`

// streamEndpoints maps each stream to the endpoints a read of it calls
// (the list and, for meetings and webinars, the detail). A stream's
// parents are added by MinimumRequests.
var streamEndpoints = map[string][]string{
	"users":                          {"GET /users"},
	"meetings":                       {"GET /users/{userId}/meetings", "GET /meetings/{meetingId}"},
	"meeting_registrants":            {"GET /meetings/{meetingId}/registrants"},
	"meeting_registration_questions": {"GET /meetings/{meetingId}/registrants/questions"},
	"meeting_polls":                  {"GET /meetings/{meetingId}/polls"},
	"past_meeting_instances":         {"GET /past_meetings/{meetingId}/instances"},
	"past_meeting_participants":      {"GET /past_meetings/{meetingId}/participants"},
	"meeting_poll_results":           {"GET /past_meetings/{meetingId}/polls"},
	"webinars":                       {"GET /users/{userId}/webinars", "GET /webinars/{webinarId}"},
	"webinar_registrants":            {"GET /webinars/{webinarId}/registrants"},
	"webinar_registration_questions": {"GET /webinars/{webinarId}/registrants/questions"},
	"webinar_panelists":              {"GET /webinars/{webinarId}/panelists"},
	"webinar_polls":                  {"GET /webinars/{webinarId}/polls"},
	"webinar_tracking_sources":       {"GET /webinars/{webinarId}/tracking_sources"},
	"past_webinar_participants":      {"GET /past_webinars/{webinarId}/participants"},
	"webinar_absentees":              {"GET /past_webinars/{webinarId}/absentees"},
	"webinar_poll_results":           {"GET /past_webinars/{webinarId}/polls"},
	"webinar_qna_results":            {"GET /past_webinars/{webinarId}/qa"},
	"report_meetings":                {"GET /report/meetings/{meetingId}"},
	"report_meeting_participants":    {"GET /report/meetings/{meetingId}/participants"},
	"report_webinars":                {"GET /report/webinars/{webinarId}"},
	"report_webinar_participants":    {"GET /report/webinars/{webinarId}/participants"},
	"report_daily":                   {"GET /report/daily"},
	"report_users":                   {"GET /report/users"},
	"report_user_meetings":           {"GET /report/users/{userId}/meetings"},
	"report_activities":              {"GET /report/activities"},
	"recordings":                     {"GET /users/{userId}/recordings"},
}

// streamParent is each stream's parent stream (as connector/streams
// declares it).
var streamParent = map[string]string{
	"meetings":                       "users",
	"webinars":                       "users",
	"report_user_meetings":           "users",
	"recordings":                     "users",
	"meeting_registrants":            "meetings",
	"meeting_registration_questions": "meetings",
	"meeting_polls":                  "meetings",
	"past_meeting_instances":         "meetings",
	"past_meeting_participants":      "past_meeting_instances",
	"meeting_poll_results":           "past_meeting_instances",
	"report_meetings":                "past_meeting_instances",
	"report_meeting_participants":    "past_meeting_instances",
	"webinar_registrants":            "webinars",
	"webinar_registration_questions": "webinars",
	"webinar_panelists":              "webinars",
	"webinar_polls":                  "webinars",
	"webinar_tracking_sources":       "webinars",
	"past_webinar_participants":      "webinars",
	"webinar_absentees":              "webinars",
	"webinar_poll_results":           "webinars",
	"webinar_qna_results":            "webinars",
	"report_webinars":                "webinars",
	"report_webinar_participants":    "webinars",
}

// MinimumRequests counts the minimum requests of a complete read of
// streams (every stream when empty) from dataset d at now, with pages of
// pageSize records, following MinimumFormula. Only endpoints that the
// selected streams or their parents call are counted.
func MinimumRequests(d *zoomsim.Dataset, streams []string, pageSize int, now time.Time) Minimum {
	if len(streams) == 0 {
		streams = zoomsim.TruthStreams
	}
	need := map[string]bool{}
	for _, s := range streams {
		for p := s; p != ""; p = streamParent[p] {
			for _, ep := range streamEndpoints[p] {
				need[ep] = true
			}
		}
	}
	pages := func(n int) int {
		if n <= pageSize {
			return 1
		}
		return (n + pageSize - 1) / pageSize
	}
	parts := func(n int) int { // participants as served: none below two
		if n < 2 {
			return 0
		}
		return n
	}
	m := map[string]int{}
	add := func(ep string, n int) {
		if need[ep] {
			m[ep] += n
		}
	}
	type window struct{ from, to time.Time }
	var wins []window
	for _, w := range zoomsim.ReportWindows(now) {
		f, _ := time.Parse("2006-01-02", w[0])
		t, _ := time.Parse("2006-01-02", w[1])
		wins = append(wins, window{f, t})
	}
	inWin := func(t time.Time, w window) bool {
		day := t.UTC().Truncate(24 * time.Hour)
		return !day.Before(w.from) && !day.After(w.to)
	}
	byStatus := map[string]int{}
	activeUsers := 0
	for _, u := range d.Users {
		byStatus[u.Status]++
		if u.ID != "" && u.Status == "active" {
			activeUsers++
		}
	}
	for _, st := range []string{"active", "inactive", "pending"} {
		add("GET /users", pages(byStatus[st]))
	}
	registrantPages := func(ep string, mt *zoomsim.Meeting) {
		if !need[ep] {
			return
		}
		n := map[string]int{}
		for _, r := range d.Registrants(mt) {
			n[r.Status]++
		}
		for _, st := range []string{"approved", "pending", "denied"} {
			add(ep, pages(n[st]))
		}
	}
	for _, u := range d.Users {
		if u.ID == "" || u.Status != "active" {
			continue
		}
		add("GET /users/{userId}/meetings", pages(len(u.Meetings)))
		add("GET /meetings/{meetingId}", len(u.Meetings))
		for _, mt := range u.Meetings {
			if mt.Deleted {
				continue
			}
			if mt.RegistrationEnabled() {
				registrantPages("GET /meetings/{meetingId}/registrants", mt)
				add("GET /meetings/{meetingId}/registrants/questions", 1)
			}
			add("GET /meetings/{meetingId}/polls", 1)
			add("GET /past_meetings/{meetingId}/instances", 1)
			for _, in := range mt.Instances {
				add("GET /past_meetings/{meetingId}/participants", pages(parts(in.Participants)))
				add("GET /past_meetings/{meetingId}/polls", 1)
				add("GET /report/meetings/{meetingId}", 1)
				add("GET /report/meetings/{meetingId}/participants", pages(parts(in.Participants)))
			}
		}
		if u.Type == 2 {
			add("GET /users/{userId}/webinars", pages(len(u.Webinars)))
			add("GET /webinars/{webinarId}", len(u.Webinars))
			for _, w := range u.Webinars {
				if w.RegistrationEnabled() {
					registrantPages("GET /webinars/{webinarId}/registrants", w)
					add("GET /webinars/{webinarId}/registrants/questions", 1)
				}
				add("GET /webinars/{webinarId}/panelists", 1)
				add("GET /webinars/{webinarId}/polls", 1)
				add("GET /webinars/{webinarId}/tracking_sources", 1)
				if w.Type == 9 || !w.Start.After(now) { // the connector's "ended"
					n := 0
					if in := w.LatestInstance(); in != nil {
						n = parts(in.Participants)
					}
					add("GET /past_webinars/{webinarId}/participants", pages(n))
					add("GET /report/webinars/{webinarId}/participants", pages(n))
					add("GET /report/webinars/{webinarId}", 1)
					add("GET /past_webinars/{webinarId}/polls", 1)
					add("GET /past_webinars/{webinarId}/qa", 1)
					if w.RegistrationEnabled() {
						approved := 0
						for _, r := range d.Registrants(w) {
							if r.Status == "approved" {
								approved++
							}
						}
						add("GET /past_webinars/{webinarId}/absentees", pages(approved))
					}
				}
			}
		}
		for _, win := range wins {
			rum, rec := 0, 0
			for _, list := range [][]*zoomsim.Meeting{u.Meetings, u.Webinars} {
				for _, mt := range list {
					for _, in := range mt.Instances {
						if !inWin(in.Start, win) {
							continue
						}
						if in.Recorded {
							rec++
						}
						if !mt.Webinar && in.Participants >= 2 {
							rum++
						}
					}
				}
			}
			add("GET /report/users/{userId}/meetings", pages(rum))
			add("GET /users/{userId}/recordings", pages(rec))
		}
	}
	add("GET /report/daily", 6)
	for _, win := range wins {
		add("GET /report/users", pages(activeUsers))
		n := 0
		for _, a := range d.Activities {
			if inWin(a.Time, win) {
				n++
			}
		}
		add("GET /report/activities", pages(n))
	}
	cat := map[string]zoomsim.Category{}
	for _, r := range d.Routes() {
		cat[r.Method+" "+r.Pattern] = r.Category
	}
	out := Minimum{ByEndpoint: map[string]int{}, ByCategory: map[string]int{}, PageSize: pageSize}
	for ep, n := range m {
		out.ByEndpoint[ep] = n
		out.ByCategory[string(cat[ep])] += n
		out.Total += n
	}
	return out
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
