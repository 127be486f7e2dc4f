package bench

import (
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// The request minimum of the streams issue 17 added (and of the webinar
// children, read per occurrence since), kept apart from minimum.go: see
// MinimumFormula for the rules.

// defaultStreams are the streams a read that names none reads: every one
// but those off by default (the Dashboard's).
func defaultStreams() []string {
	var out []string
	for _, s := range streams.Zoom() {
		if !s.OffByDefault {
			out = append(out, s.Name)
		}
	}
	return out
}

// webinarInstances counts a listed webinar's occurrences and the children
// of each occurrence that ran, read by its UUID.
func (c *minCounter) webinarInstances(w *zoomsim.Meeting) {
	if len(w.Instances) == 0 {
		if w.Type == 9 || !w.Start.After(c.now) { // asked: nothing before tells
			c.waste("GET /past_webinars/{webinarId}/instances", "a webinar that has not run: an empty list "+onlyAsking, 1)
		}
		return
	}
	c.add("GET /past_webinars/{webinarId}/instances", 1)
	approved := 0
	for _, r := range c.d.Registrants(w) {
		if r.Status == "approved" {
			approved++
		}
	}
	for _, in := range w.Instances {
		c.add("GET /past_webinars/{webinarId}/polls", 1)
		c.add("GET /past_webinars/{webinarId}/qa", 1)
		if !w.RegistrationEnabled() {
			c.waste("GET /past_webinars/{webinarId}/absentees", "an instance of a webinar without registration: 400 code 3000 (the instance does not say)", 1)
		} else {
			c.add("GET /past_webinars/{webinarId}/absentees", c.pages(approved))
		}
		if !c.recent(in) {
			const why = "an instance older than a year: 400 code 12702"
			for _, ep := range []string{"GET /past_webinars/{webinarId}/participants", "GET /report/webinars/{webinarId}",
				"GET /report/webinars/{webinarId}/participants", "GET /report/webinars/{webinarId}/survey"} {
				c.waste(ep, why, 1)
			}
			continue
		}
		n := parts(in.Participants)
		c.add("GET /past_webinars/{webinarId}/participants", c.pages(n))
		c.add("GET /report/webinars/{webinarId}/participants", c.pages(n))
		c.add("GET /report/webinars/{webinarId}", 1)
		c.add("GET /report/webinars/{webinarId}/survey", 1)
	}
}

// meetingInstancesQA counts the Q&A and survey requests of a non-deleted
// meeting's instances: one each per instance (not paginated).
func (c *minCounter) meetingInstancesQA(mt *zoomsim.Meeting) {
	for _, in := range mt.Instances {
		c.add("GET /past_meetings/{meetingId}/qa", 1)
		if !c.recent(in) {
			const why = "an instance older than a year: 400 code 12702"
			c.waste("GET /report/meetings/{meetingId}/qa", why, 1)
			c.waste("GET /report/meetings/{meetingId}/survey", why, 1)
			continue
		}
		c.add("GET /report/meetings/{meetingId}/qa", 1)
		c.add("GET /report/meetings/{meetingId}/survey", 1)
	}
}

// accountLists counts the account-level lists: groups, roles and
// tracking fields (one request each, not paginated) and the pages of each
// group's and role's members.
func (c *minCounter) accountLists() {
	c.add("GET /tracking_fields", 1)
	c.add("GET /groups", 1)
	for _, g := range c.d.Groups {
		n := 0
		for _, u := range c.d.Users {
			for _, id := range u.GroupIDs {
				if id == g.ID && u.ID != "" {
					n++
				}
			}
		}
		c.add("GET /groups/{groupId}/members", c.pages(n))
	}
	c.add("GET /roles", 1)
	for _, r := range zoomsim.Roles {
		n := 0
		for _, u := range c.d.Users {
			if u.RoleID == r.ID && u.ID != "" {
				n++
			}
		}
		c.add("GET /roles/{roleId}/members", c.pages(n))
	}
}

// accountWindows counts the account-wide lists read per month window: the
// operation logs' pages, one cloud recording report, the summaries' pages
// plus one detail per summary, and (off by default) the Dashboard's.
func (c *minCounter) accountWindows() {
	for _, w := range c.wins {
		n := 0
		for _, l := range c.d.OperationLogs {
			if c.inWin(l.Time, w) {
				n++
			}
		}
		c.add("GET /report/operationlogs", c.pages(n))
		c.add("GET /report/cloud_recording", 1)
		sums := c.summariesIn(w[0], w[1].Add(24*time.Hour-time.Second))
		c.add("GET /meetings/meeting_summaries", c.pages(sums))
		c.add("GET /meetings/{meetingId}/meeting_summary", sums)
		c.dashboard(w)
	}
}

// summariesIn counts the AI Companion summaries created within [from, to].
func (c *minCounter) summariesIn(from, to time.Time) int {
	n := 0
	for _, list := range [][]*zoomsim.Meeting{c.d.Meetings, c.d.Webinars} {
		for _, m := range list {
			for _, in := range m.Instances {
				if t := in.SummaryCreated(); in.HasSummary() && !t.Before(from) && !t.After(to) {
					n++
				}
			}
		}
	}
	return n
}

// dashboard counts the Dashboard's requests of one window (streams off by
// default, counted only when selected): the pages of past meetings with
// two or more participants, and per such instance the pages of its
// participants.
func (c *minCounter) dashboard(w [2]time.Time) {
	n := 0
	for _, m := range c.d.Meetings {
		if m.Deleted {
			continue
		}
		for _, in := range m.Instances {
			if in.Participants >= 2 && c.inWin(in.Start, w) {
				n++
				c.add("GET /metrics/meetings/{meetingId}/participants", c.pages(in.Participants))
			}
		}
	}
	c.add("GET /metrics/meetings", c.pages(n))
}

// transcripts counts one transcript request per recording of u with a
// TRANSCRIPT file that the recordings stream lists (started within a
// window). The downloads are files, not API calls, and are not counted.
func (c *minCounter) transcripts(u *zoomsim.User) {
	for _, list := range [][]*zoomsim.Meeting{u.Meetings, u.Webinars} {
		for _, mt := range list {
			for _, in := range mt.Instances {
				for _, w := range c.wins {
					if c.inWin(in.Start, w) && c.d.HasTranscript(in) {
						c.add("GET /meetings/{meetingId}/transcript", 1)
					}
				}
			}
		}
	}
}
