package zoomsim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Transcripts of cloud recordings: GET /meetings/{meetingId}/transcript
// gives the transcript's details and a download_url, which serves the
// WebVTT text to the same bearer token (Zoom's documents: "send the user's
// OAuth access token as a Bearer token in the Authorization header").

// DefaultDownloadBase is the scheme and host of download URLs when the
// simulator does not know where it listens: Zoom's own.
const DefaultDownloadBase = "https://us05web.zoom.us"

// transcriptPath is the download path, after the base.
const transcriptPath = "/rec/meeting/transcript/download/"

// HasTranscript reports whether the instance's cloud recording has a
// TRANSCRIPT file.
func (d *Dataset) HasTranscript(in *Instance) bool {
	if !in.Recorded {
		return false
	}
	for _, f := range d.recordingObject(in)["recording_files"].([]map[string]any) {
		if f["file_type"] == "TRANSCRIPT" {
			return true
		}
	}
	return false
}

// transcriptObject is the GET /meetings/{meetingId}/transcript answer.
func (d *Dataset) transcriptObject(in *Instance) map[string]any {
	m := in.Meeting
	return map[string]any{
		"meeting_id": idStr(m.ID), "account_id": d.AccountID, "meeting_topic": m.Topic, "host_id": m.Host.ID,
		"transcript_created_time": ztime(in.End().Add(5 * time.Minute)), "can_download": true, "auto_delete": false,
		"download_url": d.DownloadBase + transcriptPath + base64.RawURLEncoding.EncodeToString([]byte(in.UUID)),
	}
}

// transcriptText is the instance's transcript in WebVTT: each participant
// who did not rejoin says one line, in join order.
func (d *Dataset) transcriptText(in *Instance) string {
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	at := time.Duration(0)
	lines := []string{"Hello everyone.", "Thanks for joining.", "Let's get started.", "I have a question about the timeline.", "Sounds good to me."}
	r := childRand(in.seed, 16)
	for i, p := range d.participants(in) {
		if p.Rejoin {
			continue
		}
		start, end := at, at+time.Duration(2+r.IntN(6))*time.Second
		fmt.Fprintf(&b, "\n%d\n%s --> %s\n%s: %s\n", i+1, vttTime(start), vttTime(end), p.Name, pick(r, lines))
		at = end + time.Second
	}
	return b.String()
}

func vttTime(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d:%02d.%03d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60, d.Milliseconds()%1000)
}

// handleTranscript: GET /meetings/{meetingId}/transcript (a meeting or
// webinar ID, for the latest instance, or a UUID); 404 code 3322 (2025
// document) when the recording has no transcript, 3001 (as the other
// meeting endpoints; the document lists none) when there is no such
// meeting.
func handleTranscript(c *Call) {
	raw, ok := c.UUIDParam("meetingId")
	var in *Instance
	if id, isNum := parseID(raw); ok && isNum {
		if m := c.Data.byID[id]; m != nil && !m.Deleted {
			in = m.LatestInstance()
		}
	} else if ok {
		in = c.Data.byUUID[raw]
	}
	switch {
	case in == nil:
		c.Error(http.StatusNotFound, 3001, "Meeting does not exist: "+raw+".")
	case !c.Data.HasTranscript(in):
		c.Error(http.StatusNotFound, 3322, "This meeting transcript does not exist.")
	default:
		c.JSON(http.StatusOK, c.Data.transcriptObject(in))
	}
}

// handleTranscriptDownload serves a transcript's text at its download_url
// to a valid bearer token. It is a file download, not an API call: it is
// neither rate-limited nor counted.
func (s *Server) handleTranscriptDownload(w http.ResponseWriter, r *http.Request) {
	if tok, status, code, msg := s.authenticate(r); tok == nil {
		writeZoomError(w, status, code, msg)
		return
	}
	uuid, err := base64.RawURLEncoding.DecodeString(r.PathValue("token"))
	s.mu.RLock()
	defer s.mu.RUnlock()
	in := s.data.byUUID[string(uuid)]
	if err != nil || in == nil || !s.data.HasTranscript(in) {
		writeZoomError(w, http.StatusNotFound, 3322, "This meeting transcript does not exist.")
		return
	}
	w.Header().Set("Content-Type", "text/vtt;charset=UTF-8")
	_, _ = w.Write([]byte(s.data.transcriptText(in)))
}
