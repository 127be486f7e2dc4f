package zoomsim

import (
	"fmt"
	"strings"
	"testing"
)

func findMeeting(d *Dataset, f func(m *Meeting) bool) *Meeting {
	for _, list := range [][]*Meeting{d.Meetings, d.Webinars} {
		for _, m := range list {
			if f(m) {
				return m
			}
		}
	}
	return nil
}

func TestAddMeetingRegistrant(t *testing.T) {
	s, c := startTiny(t, "tiny")
	d := s.Dataset()
	m := findMeeting(d, func(m *Meeting) bool {
		return !m.Webinar && m.ApprovalType == 1 && !m.Over(testNow) && m.Licensed()
	})
	if m == nil {
		t.Fatal("no open manual-approval meeting")
	}
	path := "/meetings/" + idStr(m.ID) + "/registrants"
	st, o := c.do("POST", path, map[string]any{"email": "new.person@corp.example", "first_name": "New", "last_name": "Person", "country": "US"})
	if st != 201 || o["registrant_id"] == "" || fmt.Sprint(o["id"]) != idStr(m.ID) || o["topic"] != m.Topic {
		t.Fatalf("add: %d %v", st, o)
	}
	rid := o["registrant_id"]
	pend := c.all(path+"?status=pending", "registrants")
	found := false
	for _, r := range pend {
		found = found || r["id"] == rid
	}
	if !found {
		t.Fatal("created registrant not listed as pending")
	}
	// Duplicate email: 201 with the existing registrant.
	st, o = c.do("POST", path, map[string]any{"email": "NEW.person@corp.example", "first_name": "Again"})
	if st != 201 || o["registrant_id"] != rid {
		t.Fatalf("duplicate: %d %v", st, o)
	}
	c.do("POST", path, map[string]any{"email": "new.person@corp.example", "first_name": "Again"})
	o = wantErr(t, c, "POST", path, map[string]any{"email": "new.person@corp.example", "first_name": "Again"}, 429, "429", "")
	if !strings.Contains(o["message"].(string), `for the registrant "new.person@corp.example"`) {
		t.Fatalf("429 text: %v", o["message"])
	}
	// auto_approve on a manual meeting approves.
	_, o = c.do("POST", path, map[string]any{"email": "auto@corp.example", "first_name": "Auto", "auto_approve": true})
	approved := c.all(path, "registrants")
	found = false
	for _, r := range approved {
		found = found || r["id"] == o["registrant_id"]
	}
	if !found {
		t.Fatal("auto_approve registrant not approved")
	}
	created := s.CreatedRegistrants()
	if len(created) != 2 || fmt.Sprint(created[0]["meeting_id"]) != idStr(m.ID) {
		t.Fatalf("created: %v", created)
	}
	// Validation.
	o = wantErr(t, c, "POST", path, map[string]any{"email": "not-an-email", "first_name": strings.Repeat("x", 65),
		"country": "USA", "no_of_employees": "lots", "custom_questions": []any{map[string]any{"title": "q", "value": strings.Repeat("v", 129)}}},
		400, "300", "Validation Failed.")
	var fields []string
	for _, e := range o["errors"].([]any) {
		fields = append(fields, e.(map[string]any)["field"].(string))
	}
	if strings.Join(fields, ",") != "email,first_name,country,no_of_employees,custom_questions[0].value" &&
		len(fields) != 5 {
		t.Fatalf("validation fields %v", fields)
	}
	wantErr(t, c, "POST", path, map[string]any{"first_name": "NoEmail"}, 400, "300", "Validation Failed.")
	// Capacity.
	d.MaxRegistrants = len(d.Registrants(m))
	wantErr(t, c, "POST", path, map[string]any{"email": "full@corp.example", "first_name": "Full"}, 400, "3043", "Meeting has reached maximum attendee capacity.")
	d.MaxRegistrants = MaxRegistrantsPerMeeting
}

func TestAddRegistrantErrors(t *testing.T) {
	s, c := startTiny(t, "tiny")
	d := s.Dataset()
	body := map[string]any{"email": "x@corp.example", "first_name": "X"}
	basic := findMeeting(d, func(m *Meeting) bool { return !m.Webinar && !m.Licensed() && !m.Deleted })
	wantErr(t, c, "POST", "/meetings/"+idStr(basic.ID)+"/registrants", body, 400, "3161", "")
	del := findMeeting(d, func(m *Meeting) bool { return m.Deleted })
	wantErr(t, c, "POST", "/meetings/"+idStr(del.ID)+"/registrants", body, 404, "3001", fmt.Sprintf("Meeting does not exist: %d.", del.ID))
	noReg := findMeeting(d, func(m *Meeting) bool { return !m.Webinar && m.Licensed() && !m.Deleted && !m.RegistrationEnabled() })
	wantErr(t, c, "POST", "/meetings/"+idStr(noReg.ID)+"/registrants", body, 400, "404", "")
	over := findMeeting(d, func(m *Meeting) bool { return !m.Webinar && m.RegistrationEnabled() && m.Over(testNow) })
	if over != nil {
		wantErr(t, c, "POST", "/meetings/"+idStr(over.ID)+"/registrants", body, 400, "3038", "")
	}
	web := findMeeting(d, func(m *Meeting) bool { return m.Webinar && m.RegistrationEnabled() && !m.Over(testNow) })
	if web == nil {
		t.Skip("no open webinar with registration")
	}
	st, o := c.do("POST", "/webinars/"+idStr(web.ID)+"/registrants", body)
	if st != 201 || o["participant_pin_code"] != nil {
		t.Fatalf("webinar add: %d %v", st, o)
	}
	wantErr(t, c, "POST", "/webinars/"+idStr(web.ID)+"/registrants", map[string]any{"email": web.Host.Email, "first_name": "Host"}, 400, "3027", "Host cannot register.")
	if got := s.CreatedRegistrants(); len(got) != 1 || got[0]["webinar_id"] == nil {
		t.Fatalf("created: %v", got)
	}
}

func TestBatchRegistrants(t *testing.T) {
	s, c := startTiny(t, "tiny")
	d := s.Dataset()
	var regs []any
	for i := 0; i < 31; i++ {
		regs = append(regs, map[string]any{"email": fmt.Sprintf("b%d@corp.example", i), "first_name": "B"})
	}
	m := findMeeting(d, func(m *Meeting) bool {
		return !m.Webinar && m.Type == 2 && m.RegistrationEnabled() && !m.Over(testNow) && m.Licensed()
	})
	if m == nil {
		m = findMeeting(d, func(m *Meeting) bool {
			return !m.Webinar && m.Type == 2 && !m.Over(testNow) && m.Licensed() && !m.Deleted
		})
		m.ApprovalType = 0
	}
	path := "/meetings/" + idStr(m.ID) + "/batch_registrants"
	wantErr(t, c, "POST", path, map[string]any{"registrants": regs}, 400, "300", "Validation Failed.")
	st, o := c.do("POST", path, map[string]any{"auto_approve": true, "registrants": regs[:3]})
	if st != 201 || len(o["registrants"].([]any)) != 3 {
		t.Fatalf("batch: %d %v", st, o)
	}
	if len(s.CreatedRegistrants()) != 3 {
		t.Fatal("batch registrants not recorded")
	}
	rec := findMeeting(d, func(m *Meeting) bool { return !m.Webinar && m.Type == 8 && m.Licensed() && !m.Deleted })
	wantErr(t, c, "POST", "/meetings/"+idStr(rec.ID)+"/batch_registrants", map[string]any{"registrants": regs[:1]}, 400, "303", "")
	if w := findMeeting(d, func(m *Meeting) bool { return m.Webinar && m.Type == 9 }); w != nil {
		wantErr(t, c, "POST", "/webinars/"+idStr(w.ID)+"/batch_registrants", map[string]any{"registrants": regs[:1]}, 400, "300", "")
	}
}

// TestRegistrantOccurrences: an add with occurrence_ids registers the
// person for those occurrences; the list with occurrence_id shows the
// registrants of that occurrence (those who chose it and those of every
// occurrence); a repeated add adds occurrences, one without occurrence_ids
// makes the person a registrant of every occurrence.
func TestRegistrantOccurrences(t *testing.T) {
	s, c := startTiny(t, "small")
	m := findMeeting(s.Dataset(), func(m *Meeting) bool {
		return !m.Webinar && m.Type == 8 && m.ApprovalType == 0 && m.NRegistrants > 0 && !m.Over(testNow) && m.Licensed()
	})
	if m == nil {
		t.Fatal("no open recurring meeting with automatic approval and registrants")
	}
	path := "/meetings/" + idStr(m.ID) + "/registrants"
	const a, b = "1648194360000", "1648799160000"
	listed := func(occ string) map[string]bool {
		out := map[string]bool{}
		for _, r := range c.all(path+"?occurrence_id="+occ, "registrants") {
			out[r["email"].(string)] = true
		}
		return out
	}
	add := func(email, occ string) {
		p := path
		if occ != "" {
			p += "?occurrence_ids=" + occ
		}
		if st, o := c.do("POST", p, map[string]any{"email": email, "first_name": "O"}); st != 201 {
			t.Fatalf("add %s for %q: %d %v", email, occ, st, o)
		}
	}
	add("a@corp.example", a)
	add("ab@corp.example", a+","+b)
	add("all@corp.example", "")
	generated := s.Dataset().Registrants(m)[0].Email
	check := func(when string, wantA, wantB []string, notA, notB []string) {
		t.Helper()
		la, lb := listed(a), listed(b)
		for _, e := range wantA {
			if !la[e] {
				t.Errorf("%s: %s not listed for occurrence %s", when, e, a)
			}
		}
		for _, e := range wantB {
			if !lb[e] {
				t.Errorf("%s: %s not listed for occurrence %s", when, e, b)
			}
		}
		for _, e := range notA {
			if la[e] {
				t.Errorf("%s: %s listed for occurrence %s", when, e, a)
			}
		}
		for _, e := range notB {
			if lb[e] {
				t.Errorf("%s: %s listed for occurrence %s", when, e, b)
			}
		}
	}
	check("first adds", []string{"a@corp.example", "ab@corp.example", "all@corp.example", generated},
		[]string{"ab@corp.example", "all@corp.example", generated}, nil, []string{"a@corp.example"})
	if n := len(c.all(path, "registrants")); n != m.NRegistrants+3 {
		t.Errorf("list without occurrence_id: %d registrants, want %d", n, m.NRegistrants+3)
	}
	add("a@corp.example", b)
	check("a adds b", nil, []string{"a@corp.example"}, nil, nil)
	add("ab@corp.example", "")
	check("ab adds every occurrence", []string{"ab@corp.example"}, []string{"ab@corp.example"}, nil, nil)
	if n := len(listed("1700000000000")); n != m.NRegistrants+2 {
		t.Errorf("another occurrence lists %d registrants, want %d (generated, all, ab)", n, m.NRegistrants+2)
	}
}
