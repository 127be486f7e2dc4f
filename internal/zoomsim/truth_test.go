package zoomsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// client is a minimal Zoom API client for the endpoint tests.
type client struct {
	t     testing.TB
	base  string
	token string
	// seen records every 200/201 answer when non-nil (schema dumps).
	seen *[]map[string]any
}

func startTiny(t testing.TB, preset string) (*Server, *client) {
	t.Helper()
	s, base, tok := StartTest(t, Options{Dataset: preset, Seed: 1, Now: func() time.Time { return testNow }})
	c := &client{t: t, base: base + "/v2", token: tok}
	// ZOOMSIM_DUMP=dir records every success answer to dir/<test>.json,
	// for checking them against Zoom's OpenAPI response schemas.
	if dir := os.Getenv("ZOOMSIM_DUMP"); dir != "" {
		var seen []map[string]any
		c.seen = &seen
		t.Cleanup(func() {
			b, _ := json.Marshal(seen)
			name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
			if err := os.WriteFile(filepath.Join(dir, name+".json"), b, 0o644); err != nil {
				t.Error(err)
			}
		})
	}
	return s, c
}

// esc encodes a path segment; UUIDs containing "/" are double-encoded, as
// Zoom requires.
func esc(v any) string {
	s := fmt.Sprint(v)
	if strings.Contains(s, "/") {
		return url.PathEscape(url.PathEscape(s))
	}
	return url.PathEscape(s)
}

func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		c.t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, raw, err)
	}
	if c.seen != nil && resp.StatusCode < 300 {
		*c.seen = append(*c.seen, map[string]any{"method": method, "path": strings.SplitN(path, "?", 2)[0], "status": resp.StatusCode, "body": json.RawMessage(raw)})
	}
	return resp.StatusCode, out
}

// get answers 200 or fails the test.
func (c *client) get(path string) map[string]any {
	c.t.Helper()
	st, o := c.do("GET", path, nil)
	if st != 200 {
		c.t.Fatalf("GET %s: %d %v", path, st, o)
	}
	return o
}

// all follows next_page_token and returns every item under key.
func (c *client) all(path, key string) []map[string]any {
	c.t.Helper()
	var out []map[string]any
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	tok := ""
	for {
		p := path + sep + "page_size=7"
		if tok != "" {
			p += "&next_page_token=" + url.QueryEscape(tok)
		}
		o := c.get(p)
		for _, it := range o[key].([]any) {
			out = append(out, it.(map[string]any))
		}
		tok, _ = o["next_page_token"].(string)
		if tok == "" {
			return out
		}
	}
}

// download fetches a download URL with the client's token and returns the
// text.
func (c *client) download(u string) string {
	c.t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

func items(o map[string]any, key string) []map[string]any {
	var out []map[string]any
	for _, it := range o[key].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func with(o map[string]any, kv ...any) map[string]any {
	r := map[string]any{}
	for k, v := range o {
		r[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		r[kv[i].(string)] = kv[i+1]
	}
	return r
}

// walk reads every stream through the HTTP API as Truth documents it.
func walk(c *client) map[string][]map[string]any {
	got := map[string][]map[string]any{}
	add := func(s string, recs ...map[string]any) { got[s] = append(got[s], recs...) }
	for _, st := range []string{"active", "inactive", "pending"} {
		add("users", c.all("/users?status="+st, "users")...)
	}
	windows := ReportWindows(testNow)
	for _, u := range c.all("/users", "users") {
		uid := u["id"].(string)
		for _, m := range c.all("/users/"+esc(uid)+"/meetings?type=scheduled", "meetings") {
			mid := m["id"]
			st, det := c.do("GET", "/meetings/"+esc(mid), nil)
			if st == 404 {
				continue // deleted
			}
			add("meetings", with(det, "user_id", uid))
			settings := det["settings"].(map[string]any)
			st, _ = c.do("GET", "/meetings/"+esc(mid)+"/polls", nil)
			licensed := st == 200
			if licensed {
				for _, p := range items(c.get("/meetings/"+esc(mid)+"/polls"), "polls") {
					add("meeting_polls", with(p, "meeting_id", mid))
				}
				if fmt.Sprint(settings["approval_type"]) != "2" {
					for _, s := range []string{"approved", "pending", "denied"} {
						for _, r := range c.all("/meetings/"+esc(mid)+"/registrants?status="+s, "registrants") {
							add("meeting_registrants", with(r, "meeting_id", mid))
						}
					}
					add("meeting_registration_questions", with(c.get("/meetings/"+esc(mid)+"/registrants/questions"), "meeting_id", mid))
				}
			}
			inst := items(c.get("/past_meetings/"+esc(mid)+"/instances"), "meetings")
			for _, in := range inst {
				add("past_meeting_instances", with(in, "meeting_id", mid))
				uuid := in["uuid"]
				for _, p := range c.all("/past_meetings/"+esc(uuid)+"/participants", "participants") {
					add("past_meeting_participants", with(p, "meeting_id", mid, "meeting_uuid", uuid))
				}
				for i, q := range items(c.get("/past_meetings/"+esc(uuid)+"/polls"), "questions") {
					add("meeting_poll_results", with(rfc3339Answers(c.t, q), "meeting_id", mid, "meeting_uuid", uuid, "position", i))
				}
				for _, p := range c.all("/report/meetings/"+esc(uuid)+"/participants", "participants") {
					add("report_meeting_participants", with(p, "meeting_id", mid, "meeting_uuid", uuid))
				}
				add("report_meetings", with(c.get("/report/meetings/"+esc(uuid)), "meeting_id", mid))
				keys := []any{"meeting_id", mid, "meeting_uuid", uuid}
				for i, q := range items(c.get("/past_meetings/"+esc(uuid)+"/qa"), "questions") {
					add("meeting_qna_results", with(q, append(keys, "position", i)...))
				}
				for i, q := range items(c.get("/report/meetings/"+esc(uuid)+"/qa"), "questions") {
					add("report_meeting_qa", with(q, append(keys, "position", i)...))
				}
				for i, a := range items(c.get("/report/meetings/"+esc(uuid)+"/survey"), "survey_answers") {
					add("report_meeting_surveys", with(a, append(keys, "position", i)...))
				}
			}
		}
		if st, _ := c.do("GET", "/users/"+esc(uid)+"/webinars", nil); st == 200 {
			for _, w := range c.all("/users/"+esc(uid)+"/webinars", "webinars") {
				wid := w["id"]
				det := c.get("/webinars/" + esc(wid))
				add("webinars", with(det, "user_id", uid))
				reg := fmt.Sprint(det["settings"].(map[string]any)["approval_type"]) != "2"
				if reg {
					for _, s := range []string{"approved", "pending", "denied"} {
						for _, r := range c.all("/webinars/"+esc(wid)+"/registrants?status="+s, "registrants") {
							add("webinar_registrants", with(r, "webinar_id", wid))
						}
					}
					add("webinar_registration_questions", with(c.get("/webinars/"+esc(wid)+"/registrants/questions"), "webinar_id", wid))
				}
				for _, p := range items(c.get("/webinars/"+esc(wid)+"/panelists"), "panelists") {
					add("webinar_panelists", with(p, "webinar_id", wid))
				}
				for _, p := range items(c.get("/webinars/"+esc(wid)+"/polls"), "polls") {
					add("webinar_polls", with(p, "webinar_id", wid))
				}
				for _, p := range items(c.get("/webinars/"+esc(wid)+"/tracking_sources"), "tracking_sources") {
					add("webinar_tracking_sources", with(p, "webinar_id", wid))
				}
				for _, in := range items(c.get("/past_webinars/"+esc(wid)+"/instances"), "webinars") {
					add("past_webinar_instances", with(in, "webinar_id", wid))
					walkWebinarInstance(c, add, wid, in["uuid"], reg)
				}
			}
		}
		for _, w := range windows {
			q := "?from=" + w[0] + "&to=" + w[1]
			for _, m := range c.all("/report/users/"+esc(uid)+"/meetings"+q, "meetings") {
				add("report_user_meetings", with(m, "user_id", uid))
			}
			for _, m := range c.all("/users/"+esc(uid)+"/recordings"+q, "meetings") {
				add("recordings", with(m, "user_id", uid))
				if st, tr := c.do("GET", "/meetings/"+esc(m["uuid"])+"/transcript", nil); st == 200 {
					text := c.download(tr["download_url"].(string))
					delete(tr, "download_url")
					add("recording_transcripts", with(tr, "meeting_uuid", m["uuid"], "transcript", text))
				}
			}
		}
	}
	for _, g := range items(c.get("/groups"), "groups") {
		add("groups", g)
		for _, m := range c.all("/groups/"+esc(g["id"])+"/members", "members") {
			add("group_members", with(m, "group_id", g["id"]))
		}
	}
	for _, r := range items(c.get("/roles"), "roles") {
		add("roles", r)
		for _, m := range c.all("/roles/"+esc(r["id"])+"/members", "members") {
			add("role_members", with(m, "role_id", r["id"]))
		}
	}
	add("tracking_fields", items(c.get("/tracking_fields"), "tracking_fields")...)
	for i := 5; i >= 0; i-- {
		first := time.Date(testNow.Year(), testNow.Month()-time.Month(i), 1, 0, 0, 0, 0, time.UTC)
		add("report_daily", items(c.get(fmt.Sprintf("/report/daily?year=%d&month=%d", first.Year(), int(first.Month()))), "dates")...)
	}
	for _, w := range windows {
		q := "?from=" + w[0] + "&to=" + w[1]
		for _, u := range c.all("/report/users"+q, "users") {
			add("report_users", with(u, "from", w[0], "to", w[1]))
		}
		add("report_activities", c.all("/report/activities"+q, "activity_logs")...)
		add("report_operation_logs", c.all("/report/operationlogs"+q, "operation_logs")...)
		for _, m := range c.all("/metrics/meetings"+q+"&type=past", "meetings") {
			add("metrics_meetings", m)
			for _, p := range c.all("/metrics/meetings/"+esc(m["uuid"])+"/participants?type=past", "participants") {
				add("metrics_meeting_participants", with(p, "meeting_id", m["id"], "meeting_uuid", m["uuid"]))
			}
		}
		tq := "?from=" + w[0] + "T00:00:00Z&to=" + w[1] + "T23:59:59Z"
		for _, it := range c.all("/meetings/meeting_summaries"+tq, "summaries") {
			add("meeting_summaries", c.get("/meetings/"+esc(it["meeting_uuid"])+"/meeting_summary"))
		}
		add("report_cloud_recording", items(c.get("/report/cloud_recording"+q), "cloud_recording_storage")...)
	}
	return got
}

// walkWebinarInstance reads the children of one webinar instance by its
// UUID, as a client following the documents would.
func walkWebinarInstance(c *client, add func(string, ...map[string]any), wid, uuid any, reg bool) {
	keys := []any{"webinar_id", wid, "webinar_uuid", uuid}
	add("report_webinars", with(c.get("/report/webinars/"+esc(uuid)), "webinar_id", wid))
	for _, p := range c.all("/past_webinars/"+esc(uuid)+"/participants", "participants") {
		add("past_webinar_participants", with(p, keys...))
	}
	if reg {
		for _, p := range c.all("/past_webinars/"+esc(uuid)+"/absentees", "registrants") {
			add("webinar_absentees", with(p, keys...))
		}
	}
	for i, q := range items(c.get("/past_webinars/"+esc(uuid)+"/polls"), "questions") {
		add("webinar_poll_results", with(rfc3339Answers(c.t, q), append(keys, "position", i)...))
	}
	for i, q := range items(c.get("/past_webinars/"+esc(uuid)+"/qa"), "questions") {
		add("webinar_qna_results", with(q, append(keys, "position", i)...))
	}
	for _, p := range c.all("/report/webinars/"+esc(uuid)+"/participants", "participants") {
		add("report_webinar_participants", with(p, keys...))
	}
	for i, a := range items(c.get("/report/webinars/"+esc(uuid)+"/survey"), "survey_answers") {
		add("report_webinar_surveys", with(a, append(keys, "position", i)...))
	}
}

// rfc3339Answers rewrites a served poll result's answer times as the
// connector does, after checking that the endpoint served them as Zoom
// really does: "yyyy-mm-dd hh:mm:ss" (UTC, no zone).
func rfc3339Answers(t testing.TB, q map[string]any) map[string]any {
	t.Helper()
	for _, a := range q["question_details"].([]any) {
		a := a.(map[string]any)
		v, _ := a["date_time"].(string)
		tm, err := time.Parse(zoomSpaceTime, v)
		if err != nil {
			t.Errorf("poll answer date_time %q is not in Zoom's real shape %q", v, zoomSpaceTime)
			continue
		}
		a["date_time"] = tm.Format(time.RFC3339)
	}
	return q
}

// canon turns records into sorted canonical JSON lines.
func canon(t testing.TB, recs []map[string]any) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		_ = dec.Decode(&v)
		b, _ = json.Marshal(v)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

func TestTruthMatchesEndpoints(t *testing.T) {
	s, c := startTiny(t, "tiny")
	got := walk(c)
	truth := s.Truth()
	for _, stream := range TruthStreams {
		a, b := canon(t, got[stream]), canon(t, truth[stream])
		if len(a) != len(b) {
			t.Errorf("%s: endpoints yield %d records, truth %d", stream, len(a), len(b))
			continue
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("%s: record differs:\nendpoint %s\ntruth    %s", stream, a[i], b[i])
				break
			}
		}
	}
	if len(truth) != len(TruthStreams) {
		t.Errorf("truth has %d streams, want %d", len(truth), len(TruthStreams))
	}
}
