package zoomsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// noContent sends a request that should answer 204 and fails otherwise.
func (c *client) noContent(method, path string, body any) {
	c.t.Helper()
	if st, o := c.send(method, path, body); st != http.StatusNoContent {
		c.t.Fatalf("%s %s: HTTP %d %v, want 204", method, path, st, o)
	}
}

// send sends a request and returns the status and the decoded body (nil
// when empty).
func (c *client) send(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var o map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&o)
	return resp.StatusCode, o
}

// statuses maps the target's registrants' ids to their listed status.
func statuses(c *client, m *Meeting) map[string]string {
	out := map[string]string{}
	kind := "meetings"
	if m.Webinar {
		kind = "webinars"
	}
	for _, st := range []string{"approved", "pending", "denied"} {
		for _, r := range c.all(fmt.Sprintf("/%s/%d/registrants?status=%s", kind, m.ID, st), "registrants") {
			out[r["id"].(string)] = st
		}
	}
	return out
}

// TestRegistrantStatusTransitions approves, denies and cancels registrants
// of a manual-approval meeting and checks the lists, the emails and the
// webhooks.
func TestRegistrantStatusTransitions(t *testing.T) {
	s, c := startTiny(t, "small")
	rcv := &hookReceiver{t: t, secret: "k", statuses: []int{204}}
	ts := httptest.NewServer(rcv)
	defer ts.Close()
	s.SetWebhookTarget(ts.URL, "k")
	d := s.Dataset()
	m := findMeeting(d, func(m *Meeting) bool {
		return !m.Webinar && m.ApprovalType == 1 && m.NRegistrants >= 6 && m.Licensed() && !m.Deleted
	})
	if m == nil {
		t.Fatal("no manual-approval meeting")
	}
	regs := generatedRegistrants(m) // the first three are approved, pending, denied
	a, p, dn := regs[0], regs[1], regs[2]
	path := fmt.Sprintf("/meetings/%d/registrants/status", m.ID)
	ref := func(r *Registrant) map[string]any { return map[string]any{"id": r.ID} }
	// approve: pending and denied become approved; the approved one is left alone.
	c.noContent("PUT", path, map[string]any{"action": "approve", "registrants": []any{ref(a), ref(p), map[string]any{"email": strings.ToUpper(dn.Email)}}})
	got := statuses(c, m)
	if got[a.ID] != "approved" || got[p.ID] != "approved" || got[dn.ID] != "approved" {
		t.Fatalf("after approve: %v", []string{got[a.ID], got[p.ID], got[dn.ID]})
	}
	if e := s.Counters().Snapshot().Emails; e[EmailConfirmation] != 2 {
		t.Errorf("confirmation emails %v, want 2 (the approved one gets none)", e)
	}
	// deny one, cancel another: the cancelled one is listed as denied.
	c.noContent("PUT", path, map[string]any{"action": "deny", "registrants": []any{ref(p)}})
	c.noContent("PUT", path, map[string]any{"action": "cancel", "registrants": []any{ref(a)}})
	c.noContent("PUT", path, map[string]any{"action": "cancel", "registrants": []any{ref(a)}}) // already cancelled: nothing
	got = statuses(c, m)
	if got[p.ID] != "denied" || got[a.ID] != "denied" {
		t.Fatalf("after deny and cancel: %s %s", got[p.ID], got[a.ID])
	}
	if e := s.Counters().Snapshot().Emails; e[EmailCancellation] != 1 {
		t.Errorf("cancellation emails %v, want 1", e)
	}
	// Errors: unknown registrant (nothing applied), more than 30, bad action.
	wantErr(t, c, "PUT", path, map[string]any{"action": "approve", "registrants": []any{ref(p), map[string]any{"id": "nope"}}}, 400, "3000", "Registrant nope was not found.")
	if statuses(c, m)[p.ID] != "denied" {
		t.Error("a refused call applied part of its list")
	}
	var many []any
	for i := 0; i < 31; i++ {
		many = append(many, ref(regs[i%len(regs)]))
	}
	wantErr(t, c, "PUT", path, map[string]any{"action": "approve", "registrants": many}, 400, "300", "Validation Failed.")
	wantErr(t, c, "PUT", path, map[string]any{"action": "remove", "registrants": []any{ref(p)}}, 400, "300", "Validation Failed.")
	wantErr(t, c, "PUT", "/meetings/19999999999/registrants/status", map[string]any{"action": "approve", "registrants": []any{ref(p)}}, 404, "3001", "")
	// The per-registrant daily limit of status updates (10; 4 used above on p... count them).
	for i := 0; ; i++ {
		st, o := c.send("PUT", path, map[string]any{"action": []string{"approve", "deny"}[i%2], "registrants": []any{ref(regs[3])}})
		if st == 429 {
			if i != statusDailyLimit || !strings.Contains(fmt.Sprint(o["message"]), `"10" for meeting Update registrant's status`) {
				t.Errorf("429 after %d updates: %v", i, o)
			}
			break
		}
		if i > statusDailyLimit {
			t.Fatal("no daily limit")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	events := map[string]int{}
	for _, dl := range s.WebhookDeliveries() {
		events[dl.Event]++
	}
	if events["meeting.registration_approved"] < 2 || events["meeting.registration_denied"] < 1 || events["meeting.registration_cancelled"] != 1 {
		t.Errorf("webhooks %v", events)
	}
}

// TestCancelRemoves lists a cancelled registrant nowhere when configured.
func TestCancelRemoves(t *testing.T) {
	s, c := startTiny(t, "small")
	d := s.Dataset()
	d.CancelRemoves = true
	m := findMeeting(d, func(m *Meeting) bool {
		return m.Webinar && m.RegistrationEnabled() && m.NRegistrants > 0 && m.Licensed() && !m.Deleted
	})
	r := generatedRegistrants(m)[0]
	c.noContent("PUT", fmt.Sprintf("/webinars/%d/registrants/status", m.ID), map[string]any{"action": "cancel", "registrants": []any{map[string]any{"id": r.ID, "email": r.Email}}})
	if st, ok := statuses(c, m)[r.ID]; ok {
		t.Errorf("cancelled registrant still listed as %s", st)
	}
}

// TestDeleteRegistrantAndPanelists deletes a registrant (it can register
// again) and adds and removes panelists, with their limits and errors.
func TestDeleteRegistrantAndPanelists(t *testing.T) {
	s, c := startTiny(t, "small")
	d := s.Dataset()
	w := findMeeting(d, func(m *Meeting) bool {
		return m.Webinar && m.RegistrationEnabled() && m.NRegistrants > 0 && m.Licensed() && !m.Deleted && !m.Over(testNow)
	})
	r := generatedRegistrants(w)[0]
	del := fmt.Sprintf("/webinars/%d/registrants/%s", w.ID, r.ID)
	c.noContent("DELETE", del, nil)
	if _, ok := statuses(c, w)[r.ID]; ok {
		t.Fatal("deleted registrant still listed")
	}
	wantErr(t, c, "DELETE", del, nil, 400, "3000", fmt.Sprintf("Registrant %s was not found.", r.ID))
	if st, o := c.do("POST", fmt.Sprintf("/webinars/%d/registrants", w.ID), map[string]any{"email": r.Email, "first_name": "Back"}); st != 201 || o["registrant_id"] == r.ID {
		t.Errorf("register again after delete: %d %v", st, o)
	}

	pp := fmt.Sprintf("/webinars/%d/panelists", w.ID)
	before := len(c.get(pp)["panelists"].([]any))
	st, o := c.do("POST", pp, map[string]any{"panelists": []any{
		map[string]any{"email": "speaker.one@example.com", "name": "Speaker One"},
		map[string]any{"email": "speaker.two@example.com", "name": "Speaker Two"},
	}})
	if st != 201 || o["id"] != idStr(w.ID) || o["updated_at"] == nil {
		t.Fatalf("add panelists: %d %v", st, o)
	}
	c.do("POST", pp, map[string]any{"panelists": []any{map[string]any{"email": "Speaker.One@example.com", "name": "Speaker 1"}}})
	list := c.get(pp)["panelists"].([]any)
	if len(list) != before+2 {
		t.Fatalf("%d panelists, want %d", len(list), before+2)
	}
	var id string
	for _, x := range list {
		if p := x.(map[string]any); p["email"] == "speaker.two@example.com" {
			id = p["id"].(string)
		}
	}
	c.noContent("DELETE", pp+"/"+id, nil)
	c.noContent("DELETE", pp+"/speaker.one@example.com", nil)
	if n := len(c.get(pp)["panelists"].([]any)); n != before {
		t.Errorf("%d panelists after removing two, want %d", n, before)
	}
	wantErr(t, c, "DELETE", pp+"/"+id, nil, 404, "1001", "")
	wantErr(t, c, "POST", pp, map[string]any{"panelists": []any{map[string]any{"email": "x@example.com"}}}, 400, "300", "Validation Failed.")
	d.MaxPanelists = before + 1
	wantErr(t, c, "POST", pp, map[string]any{"panelists": []any{
		map[string]any{"email": "a@example.com", "name": "A"}, map[string]any{"email": "b@example.com", "name": "B"},
	}}, 400, "3000", "You have reached the limit for the number of panelists you can add. Contact Zoom Support for more information.")
}
