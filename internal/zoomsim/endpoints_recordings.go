package zoomsim

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// recordingObject is a recorded instance as /users/{userId}/recordings
// lists it, with its recording files.
func (d *Dataset) recordingObject(in *Instance) map[string]any {
	m := in.Meeting
	r := childRand(in.seed, 11)
	start := in.Start.Add(time.Duration(r.IntN(60)) * time.Second)
	end := in.End()
	enc := url.PathEscape(url.PathEscape(in.UUID))
	mk := func(ft, ext, rt string, size int64) map[string]any {
		id := ridToken(r, 36)
		return map[string]any{
			"id": id, "meeting_id": in.UUID, "recording_start": ztime(start), "recording_end": ztime(end),
			"file_type": ft, "file_extension": ext, "file_size": size, "recording_type": rt, "status": "completed",
			"play_url":     "https://us05web.zoom.us/rec/play/" + id,
			"download_url": "https://us05web.zoom.us/rec/download/" + id + "?meeting=" + enc,
		}
	}
	mins := int64(in.Duration)
	files := []map[string]any{
		mk("MP4", "MP4", "shared_screen_with_speaker_view", mins*6_000_000+int64(r.IntN(1_000_000))),
		mk("M4A", "M4A", "audio_only", mins*480_000+int64(r.IntN(100_000))),
	}
	if r.IntN(2) == 0 {
		files = append(files, mk("TRANSCRIPT", "VTT", "audio_transcript", mins*1_200+int64(r.IntN(1000))))
	}
	if r.IntN(3) == 0 {
		files = append(files, mk("CHAT", "TXT", "chat_file", int64(200+r.IntN(5000))))
	}
	var total int64
	for _, f := range files {
		total += f["file_size"].(int64)
	}
	return map[string]any{
		"uuid": in.UUID, "id": m.ID, "account_id": d.AccountID, "host_id": m.Host.ID, "topic": m.Topic,
		"type": strconv.Itoa(m.Type), "start_time": ztime(in.Start), "duration": in.Duration,
		"total_size": total, "recording_count": len(files), "recording_files": files,
		"recording_play_passcode": fmt.Sprintf("%x", in.seed)[:12],
	}
}

// recordingItems are the user's recorded instances (meetings and webinars)
// that started within [from, to], newest first.
func (d *Dataset) recordingItems(u *User, from, to time.Time) []any {
	var ins []*Instance
	for _, list := range [][]*Meeting{u.Meetings, u.Webinars} {
		for _, m := range list {
			for _, in := range m.Instances {
				if in.Recorded && inWindow(in.Start, from, to) {
					ins = append(ins, in)
				}
			}
		}
	}
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].Start.After(ins[j].Start) })
	out := make([]any, 0, len(ins))
	for _, in := range ins {
		out = append(out, d.recordingObject(in))
	}
	return out
}

// handleRecordings: GET /users/{userId}/recordings. Without from/to the
// range is today only (from today, to tomorrow); at most one month;
// trash=true lists the (empty) trash.
func handleRecordings(c *Call) {
	u := userParam(c, "User {userId} does not exist, or does not belong to this account.")
	if u == nil {
		return
	}
	today := truncDay(c.Now)
	defFrom, defTo := today.Format(zoomDate), today.AddDate(0, 0, 1).Format(zoomDate)
	if v := c.Query("from"); v != "" && c.Query("to") == "" {
		defTo = defFrom
		if t, err := time.Parse(zoomDate, v); err == nil && t.Before(today) {
			defTo = today.Format(zoomDate)
			if today.After(t.AddDate(0, 1, 0)) {
				defTo = t.AddDate(0, 1, 0).Format(zoomDate)
			}
		}
	}
	from, to, ok := window(c, defFrom, defTo, false)
	if !ok {
		return
	}
	items := c.Data.recordingItems(u, from, to)
	if c.Query("trash") == "true" {
		items = nil
	}
	c.Page("meetings", items, map[string]any{"from": from.Format(zoomDate), "to": to.Format(zoomDate)}, PageOpts{})
}
