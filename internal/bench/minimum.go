package bench

import (
	"sort"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// Minimum is the fewest API requests a complete read of the selected
// streams needs, derived from the dataset's facts alone (what each request
// can return, never the connector's choices): each partition that can
// return data (a parent record, a status, a month window) asked once, with
// as few pages as its records fill. Requests that can only return an error
// are not in it: a read that sends them wastes them (Futile names them).
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
	// Futile counts, by endpoint, the requests that a read asking every
	// listed parent would send but that can only return an error (a
	// deleted meeting's 404, a Basic host's 3161, a webinar that never ran),
	// with why. They are waste, not part of the minimum.
	Futile map[string]Futile `json:"futile,omitempty"`
}

// Futile is a count of requests that cannot return data, and why.
// Unavoidable is true when nothing a read has seen before tells it (a
// deleted meeting is listed like any other; a webinar that never ran looks
// like one that did): only asking tells.
type Futile struct {
	Requests    int    `json:"requests"`
	Why         string `json:"why"`
	Unavoidable bool   `json:"unavoidable,omitempty"`
}

// MinimumFormula documents how MinimumRequests counts, for the report.
const MinimumFormula = `pages(n) = max(1, ceil(n / page_size)): a partition that can answer with data costs one request even when empty.
Only requests that can return data count (the dataset's facts, as the simulator serves them): active users are
those with an id and status active; a listed meeting is any meeting of an active user (the list shows deleted
ones too, but only a non-deleted one answers its detail and children); licensed = the host's type is 2 (Basic
hosts answer 3161 to registrants, questions and polls, and 200 to the webinar list); a webinar "ran" when it has
a past instance (the past_webinars and report endpoints answer 3001 otherwise); instances older than a year
answer 12702. Everything else a read sends is waste.

  GET /users                                   sum over active, inactive, pending of pages(users of that status)
  GET /users/{id}/meetings                     sum over active users of pages(their meetings)
  GET /meetings/{id}                           one per non-deleted listed meeting
  GET /meetings/{id}/registrants               for each non-deleted meeting of a licensed host with registration, sum over
                                               approved, pending, denied of pages(registrants of that status)
  GET /meetings/{id}/registrants/questions     one per non-deleted meeting of a licensed host with registration
  GET /meetings/{id}/polls                     one per non-deleted meeting of a licensed host
  GET /past_meetings/{id}/instances            one per non-deleted meeting
  GET /past_meetings/{uuid}/participants       sum over instances (of the last year) of pages(participants; 0 below two)
  GET /past_meetings/{uuid}/polls              one per instance
  GET /users/{id}/webinars                     sum over active licensed users of pages(their webinars)
  GET /webinars/{id}                           one per listed webinar
  GET /webinars/{id}/registrants               as for meetings, per webinar with registration
  GET /webinars/{id}/registrants/questions     one per webinar with registration
  GET /webinars/{id}/panelists, polls, tracking_sources      one each per webinar
  GET /past_webinars/{id}/instances            one per webinar that ran
  GET /past_webinars/{uuid}/participants       sum over webinar instances (of the last year) of pages(participants; 0 below two)
  GET /past_webinars/{uuid}/absentees          per webinar instance with registration, pages(approved registrants) (an upper
                                               bound on absentees; exact below one page)
  GET /past_webinars/{uuid}/polls, qa          one each per webinar instance
  GET /report/meetings/{uuid}                  one per instance of the last year
  GET /report/meetings/{uuid}/participants     sum over instances of the last year of pages(participants; 0 below two)
  GET /report/webinars/{uuid}                  one per webinar instance of the last year
  GET /report/webinars/{uuid}/participants     sum over webinar instances of the last year of pages(participants; 0 below two)
  GET /report/webinars/{uuid}/survey           one per webinar instance of the last year
  GET /past_meetings/{uuid}/qa                 one per instance
  GET /report/meetings/{uuid}/qa, survey       one each per instance of the last year
  GET /report/daily                            one per month: the current one and the five before
  GET /report/users                            per month window, pages(active users)
  GET /report/users/{id}/meetings              per active user and month window, pages(instances with two or more participants started in it)
  GET /report/activities                       per month window, pages(sign-in/out events in it)
  GET /users/{id}/recordings                   per active user and month window, pages(recorded instances started in it)
  GET /meetings/{uuid}/transcript              one per listed recording with a TRANSCRIPT file (the download of its
                                               text is a file, not an API call, and is not counted)
  GET /report/operationlogs                    per month window, pages(operation logs in it)
  GET /report/cloud_recording                  one per month window
  GET /meetings/meeting_summaries              per month window, pages(summaries created in it)
  GET /meetings/{uuid}/meeting_summary         one per summary listed
  GET /groups, GET /roles, GET /tracking_fields  one each
  GET /groups/{id}/members, /roles/{id}/members  per group or role, pages(its members with an id)
  GET /metrics/meetings                        (off by default) per month window, pages(meeting instances with two or
                                               more participants started in it)
  GET /metrics/meetings/{uuid}/participants    (off by default) per such instance, pages(its participants)`

// MinimumRequests counts the minimum requests of a complete read of
// streams (when empty, those a read naming none reads) from dataset d at now, with pages of
// pageSize records, following MinimumFormula. Only endpoints that the
// selected streams or their parents call are counted.
func MinimumRequests(d *zoomsim.Dataset, streams []string, pageSize int, now time.Time) Minimum {
	if len(streams) == 0 {
		streams = defaultStreams()
	}
	c := &minCounter{d: d, now: now, pageSize: pageSize, need: map[string]bool{}, m: map[string]int{}, futile: map[string]Futile{}}
	// An error here means a stream no simulated endpoint answers
	// (TestStreamGraph fails on it); its requests are not counted.
	streamEndpoints, streamParent, _ := streamGraph(d.Routes())
	for _, s := range streams {
		for p := s; p != ""; p = streamParent[p] {
			for _, ep := range streamEndpoints[p] {
				c.need[ep] = true
			}
		}
	}
	for _, w := range zoomsim.ReportWindows(now) {
		f, _ := time.Parse("2006-01-02", w[0])
		t, _ := time.Parse("2006-01-02", w[1])
		c.wins = append(c.wins, [2]time.Time{f, t})
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
		c.add("GET /users", c.pages(byStatus[st]))
	}
	for _, u := range d.Users {
		if u.ID == "" || u.Status != "active" {
			continue
		}
		c.add("GET /users/{userId}/meetings", c.pages(len(u.Meetings)))
		for _, mt := range u.Meetings {
			c.meeting(mt)
		}
		if u.Type != 2 {
			c.waste("GET /users/{userId}/webinars", "a Basic user's webinars: 400 code 200", 1)
		} else {
			c.add("GET /users/{userId}/webinars", c.pages(len(u.Webinars)))
			for _, w := range u.Webinars {
				c.webinar(w)
			}
		}
		c.userWindows(u)
		c.transcripts(u) // minimum_more.go
	}
	c.add("GET /report/daily", 6)
	for _, win := range c.wins {
		c.add("GET /report/users", c.pages(activeUsers))
		n := 0
		for _, a := range d.Activities {
			if c.inWin(a.Time, win) {
				n++
			}
		}
		c.add("GET /report/activities", c.pages(n))
	}
	c.accountLists()   // minimum_more.go
	c.accountWindows() // minimum_more.go
	cat := map[string]zoomsim.Category{}
	for _, r := range d.Routes() {
		cat[r.Method+" "+r.Pattern] = r.Category
	}
	out := Minimum{ByEndpoint: map[string]int{}, ByCategory: map[string]int{}, PageSize: pageSize, Futile: c.futile}
	for ep, n := range c.m {
		out.ByEndpoint[ep] = n
		out.ByCategory[string(cat[ep])] += n
		out.Total += n
	}
	return out
}

// minCounter counts the minimum requests of one read.
type minCounter struct {
	d        *zoomsim.Dataset
	now      time.Time
	pageSize int
	need     map[string]bool // endpoints the selected streams call
	m        map[string]int
	futile   map[string]Futile
	wins     [][2]time.Time // report windows, first and last day
}

func (c *minCounter) add(ep string, n int) {
	if c.need[ep] {
		c.m[ep] += n
	}
}

// waste counts n requests to ep that can only return an error; why ends
// with "(only asking tells)" when no earlier answer shows it.
func (c *minCounter) waste(ep, why string, n int) {
	if c.need[ep] && n > 0 {
		f := c.futile[ep]
		f.Requests += n
		if f.Why == "" {
			f.Why, f.Unavoidable = why, strings.HasSuffix(why, onlyAsking)
		} else if f.Why != why {
			f.Why, f.Unavoidable = f.Why+"; "+why, f.Unavoidable && strings.HasSuffix(why, onlyAsking)
		}
		c.futile[ep] = f
	}
}

// onlyAsking marks the futile requests no earlier answer can avoid.
const onlyAsking = "(only asking tells)"

// pages is the requests n records take: one even when there are none.
func (c *minCounter) pages(n int) int {
	if n <= c.pageSize {
		return 1
	}
	return (n + c.pageSize - 1) / c.pageSize
}

// parts is the participants an instance's endpoints serve: none below two.
func parts(n int) int {
	if n < 2 {
		return 0
	}
	return n
}

func (c *minCounter) inWin(t time.Time, w [2]time.Time) bool {
	day := t.UTC().Truncate(24 * time.Hour)
	return !day.Before(w[0]) && !day.After(w[1])
}

// recent reports whether an instance is within the year Zoom serves.
func (c *minCounter) recent(in *zoomsim.Instance) bool {
	return c.now.Sub(in.Start) <= 365*24*time.Hour
}

func (c *minCounter) registrantPages(ep string, mt *zoomsim.Meeting) {
	if !c.need[ep] {
		return
	}
	n := map[string]int{}
	for _, r := range c.d.Registrants(mt) {
		n[r.Status]++
	}
	for _, st := range []string{"approved", "pending", "denied"} {
		c.add(ep, c.pages(n[st]))
	}
}

// meeting counts a listed meeting's detail and children.
func (c *minCounter) meeting(mt *zoomsim.Meeting) {
	if mt.Deleted {
		const why = "a deleted meeting, listed like the others: 404 code 3001 " + onlyAsking
		c.waste("GET /meetings/{meetingId}", why, 1)
		c.waste("GET /past_meetings/{meetingId}/instances", why, 1)
		return
	}
	c.add("GET /meetings/{meetingId}", 1)
	switch {
	case mt.Licensed():
		if mt.RegistrationEnabled() {
			c.registrantPages("GET /meetings/{meetingId}/registrants", mt)
			c.add("GET /meetings/{meetingId}/registrants/questions", 1)
		}
		c.add("GET /meetings/{meetingId}/polls", 1)
	default:
		const why = "a Basic host's meeting: 400 code 3161"
		c.waste("GET /meetings/{meetingId}/polls", why, 1)
		if mt.RegistrationEnabled() {
			c.waste("GET /meetings/{meetingId}/registrants", why, 3)
			c.waste("GET /meetings/{meetingId}/registrants/questions", why, 1)
		}
	}
	c.add("GET /past_meetings/{meetingId}/instances", 1)
	for _, in := range mt.Instances {
		c.add("GET /past_meetings/{meetingId}/polls", 1)
		if !c.recent(in) {
			const why = "an instance older than a year: 400 code 12702"
			for _, ep := range []string{"GET /past_meetings/{meetingId}/participants", "GET /report/meetings/{meetingId}", "GET /report/meetings/{meetingId}/participants"} {
				c.waste(ep, why, 1)
			}
			continue
		}
		c.add("GET /past_meetings/{meetingId}/participants", c.pages(parts(in.Participants)))
		c.add("GET /report/meetings/{meetingId}", 1)
		c.add("GET /report/meetings/{meetingId}/participants", c.pages(parts(in.Participants)))
	}
	c.meetingInstancesQA(mt) // minimum_more.go
}

// webinar counts a listed webinar's detail and children.
func (c *minCounter) webinar(w *zoomsim.Meeting) {
	c.add("GET /webinars/{webinarId}", 1)
	if w.RegistrationEnabled() {
		c.registrantPages("GET /webinars/{webinarId}/registrants", w)
		c.add("GET /webinars/{webinarId}/registrants/questions", 1)
	}
	c.add("GET /webinars/{webinarId}/panelists", 1)
	c.add("GET /webinars/{webinarId}/polls", 1)
	c.add("GET /webinars/{webinarId}/tracking_sources", 1)
	c.webinarInstances(w) // minimum_more.go
}

// userWindows counts an active user's per-window report and recordings
// requests.
func (c *minCounter) userWindows(u *zoomsim.User) {
	for _, win := range c.wins {
		rum, rec := 0, 0
		for _, list := range [][]*zoomsim.Meeting{u.Meetings, u.Webinars} {
			for _, mt := range list {
				for _, in := range mt.Instances {
					if !c.inWin(in.Start, win) {
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
		c.add("GET /report/users/{userId}/meetings", c.pages(rum))
		c.add("GET /users/{userId}/recordings", c.pages(rec))
	}
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
