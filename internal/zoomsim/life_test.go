package zoomsim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var lifeStart = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func lifeServer(t *testing.T, preset string, seed int64, activity ...string) *Server {
	t.Helper()
	o := Options{Dataset: preset, Seed: seed, Start: lifeStart}
	if len(activity) > 0 {
		o.Life.Activity = activity[0]
	}
	s, err := NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func advance(t *testing.T, s *Server, d time.Duration) []Change {
	t.Helper()
	c, err := s.Advance(d)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLifeSameSeedSameHistory: the same seed and start give the same
// changes and the same account, whether the time is advanced in one step
// or in many; another seed gives another history.
func TestLifeSameSeedSameHistory(t *testing.T) {
	t.Parallel()
	a, b, c := lifeServer(t, "small", 7), lifeServer(t, "small", 7), lifeServer(t, "small", 8)
	advance(t, a, 72*time.Hour)
	for i := 0; i < 6; i++ {
		advance(t, b, 12*time.Hour)
	}
	advance(t, c, 72*time.Hour)
	ja, _ := json.Marshal(a.Changes(time.Time{}))
	jb, _ := json.Marshal(b.Changes(time.Time{}))
	if string(ja) != string(jb) {
		t.Errorf("same seed, same time, different changes:\n%.500s\n%.500s", ja, jb)
	}
	if !reflect.DeepEqual(canonTruth(t, a), canonTruth(t, b)) {
		t.Error("same seed, same time, different truth")
	}
	if jc, _ := json.Marshal(c.Changes(time.Time{})); string(jc) == string(ja) {
		t.Error("another seed gave the same history")
	}
	if !a.Clock().Equal(lifeStart.Add(72 * time.Hour)) {
		t.Errorf("clock %s, want %s", a.Clock(), lifeStart.Add(72*time.Hour))
	}
}

func canonTruth(t *testing.T, s *Server) string {
	b, err := json.Marshal(s.Truth())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLifeChangesTheAccount: a week on the small dataset at high activity makes every kind
// of change, and each shows in the truth: new users and meetings are
// listed, deleted ones are gone, instances, registrants and recordings
// appear. Nothing changes without an advance.
func TestLifeChangesTheAccount(t *testing.T) {
	t.Parallel()
	s := lifeServer(t, "small", 3, "high")
	before := canonTruth(t, s)
	if canonTruth(t, s) != before || len(s.Changes(time.Time{})) != 0 {
		t.Fatal("the account changed without an advance")
	}
	changes := advance(t, s, 7*24*time.Hour)
	kinds := map[string]int{}
	for _, c := range changes {
		kinds[c.Event]++
		if c.Time.Before(lifeStart) || c.Time.After(s.Clock()) {
			t.Errorf("%s at %s, outside the advance", c.Event, c.Time)
		}
	}
	for _, k := range []string{"user.created", "user.deactivated", "user.deleted", "meeting.created", "meeting.updated",
		"meeting.deleted", "meeting.ended", "meeting.registration_created", "meeting.registration_approved",
		"webinar.created", "webinar.deleted", "webinar.ended", "webinar.registration_created", "recording.completed"} {
		if kinds[k] == 0 {
			t.Errorf("no %s in a week (%v)", k, kinds)
		}
	}
	truth := s.Truth()
	has := func(stream, key string, v any) bool {
		for _, r := range truth[stream] {
			if r[key] == v {
				return true
			}
		}
		return false
	}
	for _, c := range changes {
		obj := c.Payload["object"].(map[string]any)
		switch c.Event {
		case "user.created":
			if !has("users", "email", obj["email"]) && !deletedLater(changes, c, "email") {
				t.Errorf("created user %v not listed", obj["email"])
			}
		case "user.deleted":
			if has("users", "email", obj["email"]) {
				t.Errorf("deleted user %v still listed", obj["email"])
			}
		case "webinar.deleted":
			if has("webinars", "id", obj["id"]) {
				t.Errorf("deleted webinar %v still listed", obj["id"])
			}
		case "meeting.deleted":
			if has("meetings", "id", obj["id"]) {
				t.Errorf("deleted meeting %v still listed", obj["id"])
			}
		case "recording.completed":
			// Still listed unless its host or meeting went.
			in := s.Dataset().InstanceByUUID(obj["uuid"].(string))
			h := in.Meeting.Host
			if !has("recordings", "uuid", obj["uuid"]) && in.Recorded && !in.Meeting.Deleted && h.Status == "active" && s.Dataset().User(h.ID) == h {
				t.Errorf("completed recording %v not listed", obj["uuid"])
			}
		}
	}
	if len(s.Changes(changes[len(changes)/2].Time)) >= len(changes) {
		t.Error("Changes(since) did not leave out the earlier changes")
	}
}

func deletedLater(changes []Change, c Change, key string) bool {
	for _, o := range changes {
		if o.Event == "user.deleted" && o.Payload["object"].(map[string]any)[key] == c.Payload["object"].(map[string]any)[key] {
			return true
		}
	}
	return false
}

// TestLifeReportDelay: an ended occurrence's data appears ReportDelay
// after it ends, not before; its recording RecordingDelay after that.
func TestLifeReportDelay(t *testing.T) {
	t.Parallel()
	probe := lifeServer(t, "small", 4)
	var ended, rec Change
	for _, c := range advance(t, probe, 48*time.Hour) {
		if c.Event == "meeting.ended" && ended.Event == "" {
			ended = c
		}
	}
	if ended.Event == "" {
		t.Fatal("no meeting ended in two days")
	}
	uuid := ended.Payload["object"].(map[string]any)["uuid"].(string)
	for _, c := range probe.Changes(time.Time{}) {
		if c.Event == "recording.completed" && c.Payload["object"].(map[string]any)["uuid"] == uuid {
			rec = c
		}
	}
	s := lifeServer(t, "small", 4)
	advance(t, s, ended.Time.Add(DefaultReportDelay-time.Second).Sub(lifeStart))
	if s.Dataset().InstanceByUUID(uuid) != nil {
		t.Fatalf("instance %s visible before the report delay", uuid)
	}
	advance(t, s, time.Second)
	in := s.Dataset().InstanceByUUID(uuid)
	if in == nil {
		t.Fatalf("instance %s not visible %s after it ended", uuid, DefaultReportDelay)
	}
	if rec.Event != "" {
		if want := ended.Time.Add(DefaultReportDelay + DefaultRecordingDelay); !rec.Time.Equal(want) {
			t.Errorf("recording completed at %s, want %s", rec.Time, want)
		}
		if in.Recorded {
			t.Error("recording listed before it completed")
		}
	}
}

// TestLifeWebhooks: every change is delivered, signed, to the target,
// with its simulated time as event_ts.
func TestLifeWebhooks(t *testing.T) {
	t.Parallel()
	const secret = "life-secret"
	var mu sync.Mutex
	got := map[string]int{}
	bad := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("v0:" + r.Header.Get("x-zm-request-timestamp") + ":"))
		m.Write(body)
		var ev struct {
			Event   string `json:"event"`
			EventTS int64  `json:"event_ts"`
		}
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		if r.Header.Get("x-zm-signature") != "v0="+hex.EncodeToString(m.Sum(nil)) {
			bad++
		}
		got[ev.Event+"@"+time.UnixMilli(ev.EventTS).UTC().Format(time.RFC3339)]++
		mu.Unlock()
	}))
	t.Cleanup(rcv.Close)
	s := lifeServer(t, "tiny", 2)
	s.SetWebhookTarget(rcv.URL, secret)
	t.Cleanup(s.StopWebhooks)
	changes := advance(t, s, 48*time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if bad > 0 {
		t.Errorf("%d deliveries with a bad signature", bad)
	}
	want := map[string]int{}
	for _, c := range changes {
		want[c.Event+"@"+c.Time.UTC().Format(time.RFC3339)]++
	}
	if len(changes) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
}

// TestAdvanceAdminAPI drives the clock through /_sim/.
func TestAdvanceAdminAPI(t *testing.T) {
	t.Parallel()
	s := lifeServer(t, "tiny", 1)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(ts.URL+"/_sim/advance", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	for _, b := range []string{`{"duration":"-1h"}`, `{"duration":"soon"}`, `nope`, `{"duration":"10000h"}`} {
		if code, _ := post(b); code != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d, want 400", b, code)
		}
	}
	code, out := post(`{"duration":"24h"}`)
	if code != 200 || out["now"] != "2026-06-02T00:00:00Z" || out["changes"].(float64) == 0 {
		t.Fatalf("advance: %d %v", code, out)
	}
	resp, err := http.Get(ts.URL + "/_sim/changes?since=2026-06-01T12:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	var list []Change
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	for _, c := range list {
		if !c.Time.After(lifeStart.Add(12 * time.Hour)) {
			t.Errorf("change at %s listed for since=12:00", c.Time)
		}
	}
	if len(list) == 0 || len(list) >= int(out["changes"].(float64))+1 {
		t.Errorf("changes since noon: %d of %v", len(list), out["changes"])
	}
	resp, err = http.Get(ts.URL + "/_sim/clock")
	if err != nil {
		t.Fatal(err)
	}
	var clk map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&clk)
	resp.Body.Close()
	if clk["now"] != "2026-06-02T00:00:00Z" || clk["start"] != "2026-06-01T00:00:00Z" {
		t.Errorf("clock: %v", clk)
	}
}

// TestLifeKeepsHistory: users come and go, but what already happened
// stays as it was: the participants and poll answers of every instance
// that ran before the advance are unchanged (regression: participants
// were drawn from the current user list, so a new user rewrote them).
func TestLifeKeepsHistory(t *testing.T) {
	t.Parallel()
	s := lifeServer(t, "small", 5, "high")
	key := func(r map[string]any) string {
		return fmt.Sprint(r["meeting_uuid"], r["user_id"], r["join_time"], r["position"])
	}
	before := map[string]string{}
	for _, st := range []string{"past_meeting_participants", "meeting_poll_results"} {
		for _, r := range s.Truth()[st] {
			b, _ := json.Marshal(r)
			before[st+key(r)] = string(b)
		}
	}
	advance(t, s, 5*24*time.Hour)
	same := 0
	for _, st := range []string{"past_meeting_participants", "meeting_poll_results"} {
		for _, r := range s.Truth()[st] {
			b, _ := json.Marshal(r)
			if old, ok := before[st+key(r)]; ok {
				same++
				if old != string(b) {
					t.Errorf("%s rewritten by the account's life:\n  was %.300s\n  now %.300s", st, old, b)
				}
			}
		}
	}
	if same == 0 {
		t.Fatal("no record to compare")
	}
}

// TestLifeRegistrantsReadConcurrently reads, from several goroutines at
// once, registrants whose status the account's life changed (a data race
// under -race before the lifecycle overlay stopped writing to shared
// registrants on reads).
func TestLifeRegistrantsReadConcurrently(t *testing.T) {
	t.Parallel()
	s, base, tok := StartTest(t, Options{Dataset: "small", Seed: 3, Start: lifeStart})
	var path string
	for _, c := range advance(t, s, 3*24*time.Hour) {
		if c.Event == "meeting.registration_approved" {
			path = fmt.Sprintf("%s/v2/meetings/%v/registrants?status=approved", base, c.Payload["object"].(map[string]any)["id"])
			break
		}
	}
	if path == "" {
		t.Fatal("no registrant approved in three days")
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("HTTP %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
}
