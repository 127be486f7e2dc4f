package zoomsim

import "testing"

// TestAddsReceived: repeated adds create one registrant but are each
// counted, single or in a batch, by target and lower-case email.
func TestAddsReceived(t *testing.T) {
	s, c := startTiny(t, "tiny")
	d := s.Dataset()
	m := findMeeting(d, func(m *Meeting) bool {
		return !m.Webinar && m.Type == 2 && m.RegistrationEnabled() && !m.Over(testNow) && m.Licensed()
	})
	if m == nil {
		t.Fatal("no open scheduled meeting with registration")
	}
	path := "/meetings/" + idStr(m.ID)
	for _, email := range []string{"twice@corp.example", "TWICE@corp.example"} {
		if st, o := c.do("POST", path+"/registrants", map[string]any{"email": email, "first_name": "T"}); st != 201 {
			t.Fatalf("add: %d %v", st, o)
		}
	}
	st, o := c.do("POST", path+"/batch_registrants", map[string]any{"registrants": []any{
		map[string]any{"email": "twice@corp.example", "first_name": "T"},
		map[string]any{"email": "once@corp.example", "first_name": "O"},
	}})
	if st != 201 {
		t.Fatalf("batch: %d %v", st, o)
	}
	c.do("POST", path+"/registrants", map[string]any{"email": "not-an-email", "first_name": "X"}) // refused before counting
	key := "meeting:" + idStr(m.ID) + "|"
	got := s.AddsReceived()
	if got[key+"twice@corp.example"] != 3 || got[key+"once@corp.example"] != 1 || len(got) != 2 {
		t.Errorf("adds received: %v", got)
	}
	if n := len(s.CreatedRegistrants()); n != 2 {
		t.Errorf("%d registrants created, want 2", n)
	}
}
