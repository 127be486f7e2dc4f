package zoomsim

import (
	"fmt"
	"net/http"
	"sort"
	"time"
)

// AI Companion meeting summaries. Which meetings have one is the
// simulator's choice: those of licensed hosts whose seed says the host
// turned "Meeting Summary with AI Companion" on, for every instance with
// two or more participants, created two minutes after the end.

// HasSummary reports whether the instance has an AI Companion summary.
func (in *Instance) HasSummary() bool {
	m := in.Meeting
	return m.Licensed() && !m.Deleted && m.seed%5 == 2 && in.Participants >= 2
}

// SummaryCreated is when the instance's summary was created.
func (in *Instance) SummaryCreated() time.Time { return in.End().Add(2 * time.Minute) }

// summaryListItem is an instance's summary as GET
// /meetings/meeting_summaries lists it.
func (in *Instance) summaryListItem() map[string]any {
	m := in.Meeting
	created := in.SummaryCreated()
	return map[string]any{
		"meeting_host_id": m.Host.ID, "meeting_host_email": m.Host.Email, "meeting_uuid": in.UUID, "meeting_id": m.ID,
		"meeting_topic": m.Topic, "meeting_start_time": ztime(in.Start), "meeting_end_time": ztime(in.End()),
		"summary_start_time": ztime(in.Start), "summary_end_time": ztime(in.End()),
		"summary_created_time": ztime(created), "summary_last_modified_time": ztime(created),
	}
}

// summaryObject is the GET /meetings/{meetingUUID}/meeting_summary answer.
func (d *Dataset) summaryObject(in *Instance) map[string]any {
	m := in.Meeting
	r := childRand(in.seed, 15)
	o := in.summaryListItem()
	ps := d.participants(in)
	speaker := ps[r.IntN(len(ps))].Name
	overview := fmt.Sprintf("%s met for %d minutes about %s.", m.Host.FirstName, in.Duration, m.Topic)
	details := []map[string]any{
		{"label": "Status", "summary": fmt.Sprintf("%s gave an update on %s.", speaker, m.Topic)},
		{"label": "Decisions", "summary": pick(r, []string{"The team agreed on the plan.", "The launch moves by a week.", "No changes."})},
	}
	steps := []string{fmt.Sprintf("%s to send the notes.", m.Host.FirstName), pick(r, []string{"Review the budget.", "Book the follow-up.", "Share the slides."})}
	o["summary_last_modified_user_id"] = m.Host.ID
	o["summary_last_modified_user_email"] = m.Host.Email
	o["summary_title"] = "Meeting summary for " + m.Topic
	o["summary_overview"] = overview
	o["summary_details"] = details
	o["next_steps"] = steps
	o["edited_summary"] = map[string]any{"summary_overview": overview, "summary_details": details[0]["summary"], "next_steps": steps}
	o["summary_content"] = "## " + m.Topic + "\n\n" + overview
	o["summary_doc_url"] = fmt.Sprintf("https://docs.zoom.us/doc/%s", ridToken(r, 22))
	return o
}

// summaryItems are the account's summaries created within [from, to],
// newest first.
func (d *Dataset) summaryItems(from, to time.Time) []any {
	var ins []*Instance
	for _, list := range [][]*Meeting{d.Meetings, d.Webinars} {
		for _, m := range list {
			for _, in := range m.Instances {
				if c := in.SummaryCreated(); in.HasSummary() && !c.Before(from) && !c.After(to) {
					ins = append(ins, in)
				}
			}
		}
	}
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].SummaryCreated().After(ins[j].SummaryCreated()) })
	out := []any{}
	for _, in := range ins {
		out = append(out, in.summaryListItem())
	}
	return out
}

// handleMeetingSummaries: GET /meetings/meeting_summaries (from and to are
// UTC date-times on the creation time; without them the simulator lists
// every summary: Zoom documents no default). No total_records.
func handleMeetingSummaries(c *Call) {
	bound := func(name string, def time.Time) (time.Time, bool) {
		v := c.Query(name)
		if v == "" {
			return def, true
		}
		t, err := time.Parse(zoomTime, v)
		if err != nil {
			c.Validation([]FieldError{{Field: name, Message: "Invalid field."}})
			return t, false
		}
		return t, true
	}
	from, ok := bound("from", time.Time{})
	if !ok {
		return
	}
	to, ok := bound("to", c.Now)
	if !ok {
		return
	}
	c.Page("summaries", c.Data.summaryItems(from, to),
		map[string]any{"from": ztime(from), "to": ztime(to)}, PageOpts{NoTotal: true})
}

// handleMeetingSummary: GET /meetings/{meetingId}/meeting_summary (a UUID;
// 404 code 3001 for an unknown instance or one without a summary).
func handleMeetingSummary(c *Call) {
	raw, ok := c.UUIDParam("meetingId")
	in := c.Data.byUUID[raw]
	if !ok || in == nil || !in.HasSummary() {
		c.Error(http.StatusNotFound, 3001, "Meeting does not exist: "+raw+".")
		return
	}
	c.JSON(http.StatusOK, c.Data.summaryObject(in))
}
