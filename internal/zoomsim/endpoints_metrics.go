package zoomsim

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// Dashboard metrics (GET /metrics/meetings and its participants), with the
// quality summary fields. Zoom requires a Business or higher plan; the
// simulator answers 400 code 200 on the free and pro plans (its text:
// Zoom documents the prerequisite, not the error).

const msgDashboardPlan = "Only available for Business or higher plan."

// dashboardAllowed answers the plan error when the simulated account's
// plan has no Dashboard.
func dashboardAllowed(c *Call) bool {
	if p := c.S.opts.Plan; p == "free" || p == "pro" {
		c.Error(http.StatusBadRequest, 200, msgDashboardPlan)
		return false
	}
	return true
}

var qualities = []string{"good", "good", "good", "fair", "poor", "bad"}

// metricsMeetingItem is a past meeting instance as GET /metrics/meetings
// lists it.
func (d *Dataset) metricsMeetingItem(in *Instance) map[string]any {
	m := in.Meeting
	r := childRand(in.seed, 17)
	userType := "Licensed"
	if m.Host.Type == 1 {
		userType = "Basic"
	}
	dur := time.Duration(in.Duration) * time.Minute
	return map[string]any{
		"uuid": in.UUID, "id": m.ID, "topic": m.Topic, "host": m.Host.FirstName + " " + m.Host.LastName, "email": m.Host.Email,
		"user_type": userType, "start_time": ztime(in.Start), "end_time": ztime(in.End()), "dept": m.Host.Dept,
		"duration":     fmt.Sprintf("%02d:%02d:%02d", int(dur.Hours()), int(dur.Minutes())%60, 0),
		"participants": in.Participants, "in_room_participants": 0,
		"has_pstn": r.IntN(5) == 0, "has_voip": true, "has_3rd_party_audio": false, "has_video": r.IntN(4) > 0,
		"has_screen_share": r.IntN(2) == 0, "has_recording": in.Recorded, "has_sip": false, "has_archiving": false,
		"has_manual_captions": false, "has_automated_captions": r.IntN(3) == 0, "custom_keys": []map[string]any{},
		"audio_quality": pick(r, qualities), "video_quality": pick(r, qualities), "screen_share_quality": pick(r, qualities),
	}
}

// metricsMeetingItems are the past meeting instances with two or more
// participants (type past; pastOne is those with one) that started within
// [from, to], newest first. Webinars have their own dashboard.
func (d *Dataset) metricsMeetingItems(from, to time.Time, one bool) []any {
	out := []any{}
	for i := len(d.Meetings) - 1; i >= 0; i-- {
		m := d.Meetings[i]
		if m.Deleted {
			continue
		}
		for j := len(m.Instances) - 1; j >= 0; j-- {
			in := m.Instances[j]
			if inWindow(in.Start, from, to) && (in.Participants < 2) == one {
				out = append(out, d.metricsMeetingItem(in))
			}
		}
	}
	return out
}

// handleMetricsMeetings: GET /metrics/meetings (type live by default: no
// meeting is live in the simulator; from and to required, one month within
// the last six).
func handleMetricsMeetings(c *Call) {
	if !dashboardAllowed(c) {
		return
	}
	typ := c.Query("type")
	if typ != "" && typ != "past" && typ != "pastOne" && typ != "live" {
		c.Validation([]FieldError{{Field: "type", Message: "Invalid field."}})
		return
	}
	from, to, ok := window(c, "", "", true)
	if !ok {
		return
	}
	items := []any{}
	if typ == "past" || typ == "pastOne" {
		items = c.Data.metricsMeetingItems(from, to, typ == "pastOne")
	}
	c.Page("meetings", items, map[string]any{"from": from.Format(zoomDate), "to": to.Format(zoomDate)}, PageOpts{PageCount: true})
}

var devices = []string{"Windows", "Mac", "iOS", "Android", "Phone"}

// metricsParticipantItems are an instance's participants with their
// devices, network and quality (guests without email have none).
func (d *Dataset) metricsParticipantItems(in *Instance, withRegistrant bool) []any {
	out := []any{}
	if in.Participants < 2 {
		return out
	}
	r := childRand(in.seed, 18)
	for i, p := range d.participants(in) {
		o := map[string]any{
			"id": p.ID, "user_id": p.UserID, "user_name": p.Name, "device": pick(r, devices),
			"ip_address": fmt.Sprintf("198.51.100.%d", 1+r.IntN(250)), "location": pick(r, cities)[0],
			"network_type": pick(r, []string{"Wired", "Wifi", "Cellular"}), "microphone": "Default Microphone",
			"speaker": "Default Speaker", "camera": "FaceTime HD Camera", "data_center": "US (SJ)", "full_data_center": "United States;US (SJ)",
			"connection_type": "UDP", "join_time": ztime(p.Join), "leave_time": ztime(p.Leave),
			"share_application": false, "share_desktop": r.IntN(4) == 0, "share_whiteboard": false, "recording": false,
			"pc_name": "PC-" + ridToken(r, 6), "domain": "", "mac_addr": "", "harddisk_id": "", "version": pick(r, clientVersions),
			"leave_reason": pick(r, []string{"Host ended the meeting.", "Network connection error.", "Unknown reason."}),
			"status":       "in_meeting", "role": "attendee", "customer_key": "", "in_room_participants": 0,
			"audio_quality": pick(r, qualities), "video_quality": pick(r, qualities), "screen_share_quality": qualityOrNone(r),
		}
		if i == 0 {
			o["role"] = "host"
		}
		if p.Email != "" {
			o["email"] = p.Email
		}
		if p.ID != "" {
			o["participant_user_id"] = p.ID
		}
		if withRegistrant {
			o["registrant_id"] = p.RegistrantID
		}
		out = append(out, o)
	}
	return out
}

// qualityOrNone is a screen-share quality, "" when nothing was shared.
func qualityOrNone(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return ""
	}
	return pick(r, qualities)
}

// handleMetricsParticipants: GET /metrics/meetings/{meetingId}/participants
// (ID: latest instance; UUID: that instance; type live by default).
func handleMetricsParticipants(c *Call) {
	if !dashboardAllowed(c) {
		return
	}
	typ := c.Query("type")
	if typ != "" && typ != "past" && typ != "pastOne" && typ != "live" {
		c.Validation([]FieldError{{Field: "type", Message: "Invalid field."}})
		return
	}
	in := lookupInstance(c, false)
	if in == nil {
		return
	}
	if c.Now.Sub(in.Start) > 365*24*time.Hour {
		c.Error(http.StatusBadRequest, 12702, "Can not access a meeting a year ago.")
		return
	}
	items := []any{}
	if typ == "past" || typ == "pastOne" {
		items = c.Data.metricsParticipantItems(in, c.Query("include_fields") == "registrant_id")
	}
	c.Page("participants", items, nil, PageOpts{PageCount: true})
}
