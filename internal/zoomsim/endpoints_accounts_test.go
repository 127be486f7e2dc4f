package zoomsim

import (
	"testing"
	"time"
)

// TestGroupsAndRoles checks that groups and roles name what users carry:
// every user's group_ids and role_id are listed, the member lists agree
// with them, and unknown groups and roles answer the documented errors.
func TestGroupsAndRoles(t *testing.T) {
	s, c := startTiny(t, "small")
	d := s.Dataset()
	groups := map[string]bool{}
	for _, g := range items(c.get("/groups"), "groups") {
		groups[g["id"].(string)] = true
	}
	roles := map[string]bool{}
	for _, r := range items(c.get("/roles"), "roles") {
		roles[r["id"].(string)] = true
	}
	inGroup, withRole := map[string]int{}, map[string]string{}
	for id := range groups {
		for _, m := range c.all("/groups/"+id+"/members", "members") {
			inGroup[m["id"].(string)]++
		}
	}
	for id := range roles {
		for _, m := range c.all("/roles/"+id+"/members", "members") {
			withRole[m["id"].(string)] = id
		}
	}
	twice := 0
	for _, u := range d.Users {
		if u.ID == "" {
			continue
		}
		for _, g := range u.GroupIDs {
			if !groups[g] {
				t.Errorf("user %s: group_id %s is not listed by GET /groups", u.Email, g)
			}
		}
		if inGroup[u.ID] != len(u.GroupIDs) {
			t.Errorf("user %s: in %d group member lists, has %d group_ids", u.Email, inGroup[u.ID], len(u.GroupIDs))
		}
		if len(u.GroupIDs) > 1 {
			twice++
		}
		if withRole[u.ID] != u.RoleID {
			t.Errorf("user %s: role_id %s, member of role %q", u.Email, u.RoleID, withRole[u.ID])
		}
	}
	if len(groups) < 2 || twice == 0 {
		t.Errorf("%d groups, %d users in two groups: want several groups and a user in two", len(groups), twice)
	}
	wantErr(t, c, "GET", "/groups/nogroup/members", nil, 404, "4130", "A group with this nogroup does not exist.")
	wantErr(t, c, "GET", "/roles/99/members", nil, 400, "1034", "Provided role_id does not exist.")
}

// TestDashboardNeedsBusinessPlan: the Dashboard endpoints answer 400 code
// 200 on the pro plan and serve past meetings on business.
func TestDashboardNeedsBusinessPlan(t *testing.T) {
	for _, c := range []struct {
		plan string
		ok   bool
	}{{"pro", false}, {"business", true}} {
		s, base, tok := StartTest(t, Options{Dataset: "tiny", Seed: 1, Plan: c.plan, Now: func() time.Time { return testNow }})
		cl := &client{t: t, base: base + "/v2", token: tok}
		w := ReportWindows(s.Now())
		path := "/metrics/meetings?type=past&from=" + w[len(w)-2][0] + "&to=" + w[len(w)-2][1]
		if !c.ok {
			wantErr(t, cl, "GET", path, nil, 400, "200", msgDashboardPlan)
			continue
		}
		if got := cl.all(path, "meetings"); len(got) == 0 {
			t.Errorf("plan %s: no past meeting in the dashboard", c.plan)
		}
	}
}
