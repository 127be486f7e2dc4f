package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// changeFixture reads meetings and three of their children daily with a
// state file and the serve store, counting the requests each read sends
// per endpoint.
type changeFixture struct {
	t                *testing.T
	f                *simFixture
	cfg, db, stateAt string
	dir              string
	reads            int
}

const changeStreams = "meetings,meeting_polls,meeting_registrants,past_meeting_instances"

// read runs one read and returns its records and the requests it sent per
// "METHOD /pattern".
func (c *changeFixture) read() (map[string][]string, map[string]int) {
	c.t.Helper()
	c.reads++
	out := filepath.Join(c.dir, fmt.Sprintf("read%d", c.reads))
	before := c.f.sim.Counters().Snapshot().Requests
	var so, se bytes.Buffer
	code := Main(context.Background(), []string{"read", "--config", c.cfg, "--allow-host", c.f.host, "--streams", changeStreams,
		"--format", "jsonl", "--output", out, "--state-file", c.stateAt, "--store", c.db},
		IO{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se, Getenv: func(string) string { return "" }, Now: c.f.sim.Clock})
	if code != 0 {
		c.t.Fatalf("read %d: exit %d\n%s", c.reads, code, tail(se.String(), 3000))
	}
	sent := map[string]int{}
	for k, n := range c.f.sim.Counters().Snapshot().Requests {
		if d := n - before[k]; d != 0 {
			sent[k] = d
		}
	}
	return readJSONLDir(c.t, out), sent
}

// settledMeeting returns the id of a single meeting in recs that ended
// more than five days before now and has polls.
func settledMeeting(t *testing.T, recs map[string][]string, now time.Time) string {
	t.Helper()
	hasPolls := map[string]bool{}
	for _, r := range recs["meeting_polls"] {
		var p struct {
			MeetingID json.Number `json:"meeting_id"`
		}
		_ = json.Unmarshal([]byte(r), &p)
		hasPolls[p.MeetingID.String()] = true
	}
	for _, r := range recs["meetings"] {
		var m struct {
			ID        json.Number `json:"id"`
			Type      int         `json:"type"`
			StartTime time.Time   `json:"start_time"`
			Duration  int         `json:"duration"`
		}
		if err := json.Unmarshal([]byte(r), &m); err != nil {
			t.Fatal(err)
		}
		if m.Type == 2 && hasPolls[m.ID.String()] && m.StartTime.Add(time.Duration(m.Duration)*time.Minute).Before(now.Add(-5*24*time.Hour)) {
			return m.ID.String()
		}
	}
	t.Fatal("no settled meeting with polls in the first read")
	return ""
}

// hasMeeting reports whether recs hold the meeting id.
func hasMeeting(recs map[string][]string, id string) bool {
	for _, r := range recs["meetings"] {
		if strings.Contains(r, `"id":`+id+`,`) || strings.HasSuffix(r, `"id":`+id+`}`) {
			return true
		}
	}
	return false
}

// TestChangeDrivenReads: a daily read does not ask again for a settled
// meeting's details nor its polls, registrants and instances; once serve
// stored an event naming it, the next read asks for exactly that
// meeting's again (one more detail, polls and instances request) and
// emits it; the read after that skips it again.
func TestChangeDrivenReads(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 5, Start: time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)})
	dir := t.TempDir()
	c := &changeFixture{t: t, f: f, cfg: writeConfig(t, readConfig(f)), db: filepath.Join(dir, "serve.db"),
		stateAt: filepath.Join(dir, "state.json"), dir: dir}
	st, err := store.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	first, sent1 := c.read()
	x := settledMeeting(t, first, f.sim.Clock())
	if _, err := f.sim.Advance(24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	second, sent2 := c.read()
	const detail, polls, instances = "GET /meetings/{meetingId}", "GET /meetings/{meetingId}/polls", "GET /past_meetings/{meetingId}/instances"
	for _, k := range []string{detail, polls, instances, "GET /meetings/{meetingId}/registrants"} {
		if sent2[k] >= sent1[k] {
			t.Errorf("%s: the daily read sent %d requests, the first %d", k, sent2[k], sent1[k])
		}
	}
	if hasMeeting(second, x) || !hasMeeting(first, x) {
		t.Fatalf("meeting %s: in the first read %v, in the daily one %v (settled: want true, false)", x, hasMeeting(first, x), hasMeeting(second, x))
	}
	_, sent3 := c.read() // the same day again: no more requests than the day's first read
	for k, n := range sent3 {
		if n > sent2[k] {
			t.Errorf("%s: %d requests, then %d with nothing changed", k, sent2[k], n)
		}
	}
	body := fmt.Sprintf(`{"event":"meeting.updated","event_ts":1,"payload":{"account_id":%q,"object":{"id":%s,"topic":"x"}}}`, f.sim.Dataset().AccountID, x)
	if _, _, err := st.AppendEvent(context.Background(), store.Event{Event: "meeting.updated", EventTS: 1,
		AccountID: f.sim.Dataset().AccountID, ObjectID: x, Body: json.RawMessage(body)}); err != nil {
		t.Fatal(err)
	}
	changed, sent4 := c.read()
	for _, k := range []string{detail, polls, instances} {
		if sent4[k] != sent3[k]+1 {
			t.Errorf("%s: %d requests after an event named meeting %s, %d before: want one more", k, sent4[k], x, sent3[k])
		}
	}
	if !hasMeeting(changed, x) {
		t.Errorf("the meeting %s an event named was not emitted", x)
	}
	_, sent5 := c.read()
	for k, n := range sent3 {
		if sent5[k] != n {
			t.Errorf("%s: %d requests the read after the event, %d before it: the event must count once", k, sent5[k], n)
		}
	}
}

// TestEventChange: which parent a stored event names.
func TestEventChange(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		event, body, stream, id string
	}{
		{"meeting.updated", `{"payload":{"object":{"id":85012345678}}}`, "meetings", "85012345678"},
		{"meeting.registration_created", `{"payload":{"object":{"id":"85012345678","registrant":{"id":"r"}}}}`, "meetings", "85012345678"},
		{"webinar.ended", `{"payload":{"object":{"id":91234567890,"uuid":"u=="}}}`, "webinars", "91234567890"},
		{"user.created", `{"payload":{"object":{"id":"abc"}}}`, "", ""},
		{"recording.completed", `{"payload":{"object":{"id":85012345678}}}`, "", ""},
		{"meeting.updated", `{"payload":{"object":{}}}`, "", ""},
		{"meeting.updated", `not json`, "", ""},
	} {
		got := eventChange(store.Event{Position: 7, Event: c.event, Body: json.RawMessage(c.body)})
		if got.Position != 7 || got.Stream != c.stream || got.ID != c.id {
			t.Errorf("%s %s: %+v, want %s %s", c.event, c.body, got, c.stream, c.id)
		}
	}
}
