package zoomsim

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error texts for report windows. Zoom documents the limits (one month,
// last six months) but not these messages: they are the simulator's.
const (
	msgRangeTooLong = "The date range can not exceed one month."
	msgRangeTooOld  = "Report can only be provided for the recent 6 months."
	msgRangeInverse = "The 'to' date can not be earlier than the 'from' date."
)

// window parses the from/to query parameters (yyyy-mm-dd). Missing values
// take the defaults; a missing value without default is a validation
// error. It enforces to >= from, a range of at most one month and, when
// sixMonths, a from no older than six months. ok is false once answered.
func window(c *Call, defFrom, defTo string, sixMonths bool) (from, to time.Time, ok bool) {
	var errs []FieldError
	parse := func(name, def string) time.Time {
		v := c.Query(name)
		if v == "" {
			v = def
		}
		t, err := time.Parse(zoomDate, v)
		if err != nil {
			errs = append(errs, FieldError{Field: name, Message: "Invalid field."})
		}
		return t
	}
	from, to = parse("from", defFrom), parse("to", defTo)
	if len(errs) > 0 {
		c.Validation(errs)
		return from, to, false
	}
	switch {
	case to.Before(from):
		c.Error(http.StatusBadRequest, 300, msgRangeInverse)
	case to.After(from.AddDate(0, 1, 0)):
		c.Error(http.StatusBadRequest, 300, msgRangeTooLong)
	case sixMonths && from.Before(reportStart(c.Now)):
		c.Error(http.StatusBadRequest, 300, msgRangeTooOld)
	default:
		return from, to, true
	}
	return from, to, false
}

// inWindow reports whether t's UTC date is within [from, to].
func inWindow(t, from, to time.Time) bool {
	day := truncDay(t)
	return !day.Before(from) && !day.After(to)
}

// dailyMonthOK reports whether year/month is among the recent six months
// (the current month and the five before it).
func dailyMonthOK(now time.Time, year, month int) bool {
	diff := (now.Year()*12 + int(now.Month())) - (year*12 + month)
	return diff >= 0 && diff <= 5
}

// dailyDates is the dates array of /report/daily for a month: every day up
// to today.
func (d *Dataset) dailyDates(now time.Time, year, month int) []map[string]any {
	out := []map[string]any{}
	today := truncDay(now)
	for day := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC); day.Month() == time.Month(month) && !day.After(today); day = day.AddDate(0, 0, 1) {
		a := d.daily[day.Format(zoomDate)]
		if a == nil {
			a = &dailyAgg{}
		}
		out = append(out, map[string]any{"date": day.Format(zoomDate), "new_users": a.newUsers,
			"meetings": a.meetings, "participants": a.participants, "meeting_minutes": a.minutes})
	}
	return out
}

// handleReportDaily: GET /report/daily (year, month; default the current
// month; not paginated).
func handleReportDaily(c *Call) {
	year, month := c.Now.Year(), int(c.Now.Month())
	var errs []FieldError
	if v := c.Query("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, FieldError{Field: "year", Message: "Invalid field."})
		}
		year = n
	}
	if v := c.Query("month"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 12 {
			errs = append(errs, FieldError{Field: "month", Message: "Invalid field."})
		}
		month = n
	}
	if len(errs) > 0 {
		c.Validation(errs)
		return
	}
	if !dailyMonthOK(c.Now, year, month) {
		c.Error(http.StatusBadRequest, 300, "Daily report can only be provided for a month that falls within the recent 6 months.")
		return
	}
	c.JSON(http.StatusOK, map[string]any{"year": year, "month": month, "dates": c.Data.dailyDates(c.Now, year, month)})
}

type userStats struct{ meetings, participants, minutes int }

func (d *Dataset) statsOf(u *User, from, to time.Time) userStats {
	var s userStats
	for _, m := range u.Meetings {
		for _, in := range m.Instances {
			if inWindow(in.Start, from, to) {
				s.meetings++
				s.participants += in.Participants
				s.minutes += in.Duration
			}
		}
	}
	return s
}

// reportUserItems are the /report/users rows for [from, to]: every active
// user; typ "active" keeps those who hosted a meeting, "inactive" the rest.
// The totals cover the rows.
func (d *Dataset) reportUserItems(from, to time.Time, typ string) ([]any, userStats) {
	var out []any
	var tot userStats
	for _, u := range d.Users {
		// A user created after the window has no row in it.
		if u.ID == "" || u.Status != "active" || !u.CreatedAt.Before(to.AddDate(0, 0, 1)) {
			continue
		}
		s := d.statsOf(u, from, to)
		if (typ == "active" && s.meetings == 0) || (typ == "inactive" && s.meetings > 0) {
			continue
		}
		tot.meetings += s.meetings
		tot.participants += s.participants
		tot.minutes += s.minutes
		out = append(out, map[string]any{
			"id": u.ID, "email": u.Email, "user_name": u.FirstName + " " + u.LastName, "type": u.Type,
			"dept": u.Dept, "meetings": s.meetings, "participants": s.participants,
			"meeting_minutes": s.minutes, "custom_attributes": []map[string]any{},
		})
	}
	return out, tot
}

// handleReportUsers: GET /report/users (from and to required).
func handleReportUsers(c *Call) {
	from, to, ok := window(c, "", "", true)
	if !ok {
		return
	}
	typ := c.Query("type")
	if typ != "" && typ != "active" && typ != "inactive" {
		c.Validation([]FieldError{{Field: "type", Message: "Invalid field."}})
		return
	}
	items, tot := c.Data.reportUserItems(from, to, typ)
	c.Page("users", items, map[string]any{
		"from": from.Format(zoomDate), "to": to.Format(zoomDate), "total_meetings": tot.meetings,
		"total_participants": tot.participants, "total_meeting_minutes": tot.minutes,
	}, PageOpts{Legacy: true})
}

// activityItems are the sign-in/out logs within [from, to], newest first.
func (d *Dataset) activityItems(from, to time.Time) []any {
	var out []any
	for _, a := range d.Activities {
		if inWindow(a.Time, from, to) {
			out = append(out, map[string]any{"email": a.Email, "time": ztime(a.Time), "type": a.Type,
				"ip_address": a.IP, "client_type": a.ClientType, "version": a.Version})
		}
	}
	return out
}

// handleReportActivities: GET /report/activities (default: the month up
// to today; no total_records).
func handleReportActivities(c *Call) {
	today := truncDay(c.Now)
	defTo := today.Format(zoomDate)
	defFrom := today.AddDate(0, -1, 0).Format(zoomDate)
	if v := c.Query("to"); v != "" && c.Query("from") == "" {
		if t, err := time.Parse(zoomDate, v); err == nil {
			defFrom = t.AddDate(0, -1, 0).Format(zoomDate)
		}
	}
	from, to, ok := window(c, defFrom, defTo, true)
	if !ok {
		return
	}
	c.Page("activity_logs", c.Data.activityItems(from, to),
		map[string]any{"from": from.Format(zoomDate), "to": to.Format(zoomDate)}, PageOpts{NoTotal: true})
}

// reportMeetingRow is an instance as /report/users/{userId}/meetings lists it.
func (d *Dataset) reportMeetingRow(in *Instance) map[string]any {
	m := in.Meeting
	total := 0
	for _, p := range d.participants(in) {
		total += int(p.Leave.Sub(p.Join).Minutes())
	}
	return map[string]any{
		"uuid": in.UUID, "id": m.ID, "type": m.Type, "topic": m.Topic,
		"user_name": m.Host.FirstName + " " + m.Host.LastName, "user_email": m.Host.Email,
		"start_time": ztime(in.Start), "end_time": ztime(in.End()), "duration": in.Duration,
		"total_minutes": total, "participants_count": in.Participants, "source": "Zoom",
	}
}

// reportUserMeetingItems are the user's instances in [from, to]: "past"
// (default) and "pastJoined" those with at least two participants,
// "pastOne" those with one.
func (d *Dataset) reportUserMeetingItems(u *User, from, to time.Time, typ string) []any {
	var out []any
	for _, m := range u.Meetings {
		for _, in := range m.Instances {
			if !inWindow(in.Start, from, to) {
				continue
			}
			if (typ == "pastOne") != (in.Participants < 2) {
				continue
			}
			out = append(out, d.reportMeetingRow(in))
		}
	}
	return out
}

// handleReportUserMeetings: GET /report/users/{userId}/meetings.
func handleReportUserMeetings(c *Call) {
	u := userParam(c, "User {userId} not exist or not belong to this account.")
	if u == nil {
		return
	}
	from, to, ok := window(c, "", "", true)
	if !ok {
		return
	}
	typ := c.Query("type")
	switch typ {
	case "":
		typ = "past"
	case "past", "pastOne", "pastJoined":
	default:
		c.Validation([]FieldError{{Field: "type", Message: "Invalid field."}})
		return
	}
	c.Page("meetings", c.Data.reportUserMeetingItems(u, from, to, typ),
		map[string]any{"from": from.Format(zoomDate), "to": to.Format(zoomDate)}, PageOpts{Legacy: true})
}

// reportMeetingObject is the /report/meetings/{id} (or webinars) answer.
func (d *Dataset) reportMeetingObject(in *Instance) map[string]any {
	o := d.reportMeetingRow(in)
	delete(o, "source")
	o["dept"] = in.Meeting.Host.Dept
	o["custom_keys"] = []map[string]any{}
	o["tracking_fields"] = []map[string]any{}
	if !in.Meeting.Webinar {
		o["host_id"] = in.Meeting.Host.ID // not in Zoom's schema (extraFieldsAllowed)
	}
	return o
}

func reportNotFound(c *Call, webinar bool, raw string) {
	if webinar {
		c.Error(http.StatusNotFound, 3001, fmt.Sprintf("Webinar \"%s\" not found or has expired", raw))
		return
	}
	c.Error(http.StatusNotFound, 3001, fmt.Sprintf("Meeting %s not found or has expired.", raw))
}

// reportInstance resolves a report path parameter (ID: latest instance;
// UUID: that instance), answering 404 3001 or 400 12702 when it cannot.
func reportInstance(c *Call, webinar bool) *Instance {
	raw, ok := c.UUIDParam(idParamName(webinar))
	var in *Instance
	if ok {
		if id, isNum := parseID(raw); isNum {
			if m := c.Data.byID[id]; m != nil && m.Webinar == webinar && !m.Deleted {
				in = m.LatestInstance()
			}
		} else if x := c.Data.byUUID[raw]; x != nil && x.Meeting.Webinar == webinar {
			in = x
		}
	}
	if in == nil {
		reportNotFound(c, webinar, raw)
		return nil
	}
	if c.Now.Sub(in.Start) > 365*24*time.Hour {
		c.Error(http.StatusBadRequest, 12702, "Can not access a meeting a year ago.")
		return nil
	}
	return in
}

// handleReportMeeting: GET /report/meetings/{meetingId} and
// GET /report/webinars/{webinarId}.
func handleReportMeeting(webinar bool) func(*Call) {
	return func(c *Call) {
		in := reportInstance(c, webinar)
		if in == nil {
			return
		}
		c.JSON(http.StatusOK, c.Data.reportMeetingObject(in))
	}
}

// reportParticipantItems are an instance's participants as the report
// endpoints serve them (empty below two participants). registrant_id is
// only sent with include_fields=registrant_id.
func (d *Dataset) reportParticipantItems(in *Instance, withRegistrant bool) []any {
	if in.Participants < 2 {
		return nil
	}
	var out []any
	for _, p := range d.participants(in) {
		o := map[string]any{
			"id": p.ID, "user_id": p.UserID, "name": p.Name, "user_email": p.Email,
			"join_time": ztime(p.Join), "leave_time": ztime(p.Leave),
			"duration": int(p.Leave.Sub(p.Join).Seconds()), "failover": false,
			"status": "in_meeting", "customer_key": "",
		}
		if p.ID != "" {
			o["participant_user_id"] = p.ID
		}
		if !in.Meeting.Webinar {
			o["attentiveness_score"] = "" // not in Zoom's schema (extraFieldsAllowed)
		}
		if withRegistrant {
			o["registrant_id"] = p.RegistrantID
		}
		out = append(out, o)
	}
	return out
}

// handleReportParticipants: GET /report/meetings/{id}/participants and
// GET /report/webinars/{id}/participants.
func handleReportParticipants(webinar bool) func(*Call) {
	return func(c *Call) {
		in := reportInstance(c, webinar)
		if in == nil {
			return
		}
		c.Page("participants", c.Data.reportParticipantItems(in, c.Query("include_fields") == "registrant_id"), nil, PageOpts{})
	}
}
