package zoomsim

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestMeetingQuirks(t *testing.T) {
	s, c := startTiny(t, "tiny")
	d := s.Dataset()
	var deleted, big, basic, noReg, manual *Meeting
	for _, m := range d.Meetings {
		switch {
		case m.Deleted:
			deleted = m
		case m.ID > 1<<53 && big == nil:
			big = m
		case m.Host.Type == 1 && basic == nil:
			basic = m
		case m.Host.Type == 2 && !m.RegistrationEnabled() && noReg == nil:
			noReg = m
		case m.ApprovalType == 1 && m.NRegistrants >= 6 && manual == nil:
			manual = m
		}
	}
	if deleted == nil || big == nil || basic == nil || noReg == nil || manual == nil {
		t.Fatal("tiny lacks a quirk")
	}
	// Deleted: listed, but 404 everywhere else.
	listed := false
	for _, m := range c.all("/users/"+esc(deleted.Host.ID)+"/meetings", "meetings") {
		listed = listed || fmt.Sprint(m["id"]) == idStr(deleted.ID)
	}
	if !listed {
		t.Fatal("deleted meeting not listed")
	}
	msg := fmt.Sprintf("Meeting does not exist: %d.", deleted.ID)
	wantErr(t, c, "GET", "/meetings/"+idStr(deleted.ID), nil, 404, "3001", msg)
	wantErr(t, c, "GET", "/meetings/"+idStr(deleted.ID)+"/registrants", nil, 404, "3001", msg)
	wantErr(t, c, "GET", "/meetings/424242", nil, 404, "3001", "Meeting does not exist: 424242.")

	// IDs above 2^53 survive as exact integers.
	if got := c.get("/meetings/" + idStr(big.ID)); fmt.Sprint(got["id"]) != idStr(big.ID) {
		t.Fatalf("big id: %v", got["id"])
	}
	// Unlicensed host: child endpoints answer 3161; the detail works.
	c.get("/meetings/" + idStr(basic.ID))
	for _, p := range []string{"/registrants", "/registrants/questions", "/polls"} {
		wantErr(t, c, "GET", "/meetings/"+idStr(basic.ID)+p, nil, 400, "3161", "")
	}
	// Registration not enabled.
	wantErr(t, c, "GET", "/meetings/"+idStr(noReg.ID)+"/registrants", nil, 400, "404",
		fmt.Sprintf("Registration has not been enabled for this meeting: %d.", noReg.ID))
	// Registrant status filter defaults to approved.
	for _, st := range []string{"", "?status=pending", "?status=denied"} {
		want := "approved"
		if st != "" {
			want = strings.TrimPrefix(st, "?status=")
		}
		regs := c.all("/meetings/"+idStr(manual.ID)+"/registrants"+st, "registrants")
		if len(regs) == 0 {
			t.Fatalf("no %s registrants", want)
		}
		for _, r := range regs {
			if r["status"] != want {
				t.Fatalf("status filter %q served %v", st, r["status"])
			}
		}
	}
}

func TestPastMeetingUUIDs(t *testing.T) {
	s, c := startTiny(t, "tiny")
	d := s.Dataset()
	var slash, single *Instance
	for _, m := range d.Meetings {
		for _, in := range m.Instances {
			if strings.HasPrefix(in.UUID, "/") || strings.Contains(in.UUID, "//") {
				slash = in
			}
			if in.Participants == 1 && single == nil {
				single = in
			}
		}
	}
	if slash == nil || single == nil {
		t.Fatal("tiny lacks slash UUIDs or single-participant instances")
	}
	double := url.PathEscape(url.PathEscape(slash.UUID))
	if ps := c.all("/past_meetings/"+double+"/participants", "participants"); len(ps) < 2 {
		t.Fatalf("slash uuid: %d participants", len(ps))
	}
	wantErr(t, c, "GET", "/past_meetings/"+url.PathEscape(slash.UUID)+"/participants", nil, 404, "3001", "")
	if ps := c.all("/past_meetings/"+esc(single.UUID)+"/participants", "participants"); len(ps) != 0 {
		t.Fatalf("single-participant instance served %d participants", len(ps))
	}
	// A numeric ID means the latest instance.
	m := slash.Meeting
	latest := m.LatestInstance()
	got := c.get("/past_meetings/" + idStr(m.ID) + "/polls")
	if got["uuid"] != latest.UUID {
		t.Fatalf("numeric id resolved to %v, want %s", got["uuid"], latest.UUID)
	}
	inst := items(c.get("/past_meetings/"+idStr(m.ID)+"/instances"), "meetings")
	if len(inst) != len(m.Instances) {
		t.Fatalf("%d instances, want %d", len(inst), len(m.Instances))
	}
	if _, has := c.get("/past_meetings/" + idStr(m.ID) + "/instances")["total_records"]; has {
		t.Fatal("instances must not be paginated")
	}
}
