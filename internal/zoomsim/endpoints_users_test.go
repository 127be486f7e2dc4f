package zoomsim

import "testing"

// wantErr checks a Zoom error answer.
func wantErr(t *testing.T, c *client, method, path string, body any, status int, code string, msg string) map[string]any {
	t.Helper()
	st, o := c.do(method, path, body)
	if st != status || o["code"] == nil || o["code"].(interface{ String() string }).String() != code || (msg != "" && o["message"] != msg) {
		t.Fatalf("%s %s: got %d %v, want %d code %s %q", method, path, st, o, status, code, msg)
	}
	return o
}

func TestUsersEndpoints(t *testing.T) {
	s, c := startTiny(t, "tiny")
	d := s.Dataset()
	active := c.all("/users", "users")
	pending := c.all("/users?status=pending", "users")
	inactive := c.all("/users?status=inactive", "users")
	if len(active)+len(pending)+len(inactive) != len(d.Users) || len(pending) == 0 || len(inactive) == 0 {
		t.Fatalf("users: %d active, %d pending, %d inactive of %d", len(active), len(pending), len(inactive), len(d.Users))
	}
	for _, u := range pending {
		if _, has := u["id"]; has {
			t.Fatalf("pending user with id: %v", u)
		}
	}
	first := c.get("/users?page_size=2")
	if first["page_number"] == nil || first["page_count"] == nil || first["total_records"] == nil {
		t.Fatalf("legacy page fields missing: %v", first)
	}
	wantErr(t, c, "GET", "/users?status=bogus", nil, 400, "300", "Validation Failed.")

	me := c.get("/users/me")
	if me["id"] != d.Users[0].ID || me["role_name"] != "Owner" || me["account_id"] != d.AccountID {
		t.Fatalf("me: %v", me)
	}
	if got := c.get("/users/" + esc(d.Users[1].ID)); got["email"] != d.Users[1].Email {
		t.Fatalf("user by id: %v", got)
	}
	var pendingUser *User
	for _, u := range d.Users {
		if u.Status == "pending" {
			pendingUser = u
		}
	}
	if got := c.get("/users/" + esc(pendingUser.Email)); got["status"] != "pending" || got["id"] != nil {
		t.Fatalf("pending user by email: %v", got)
	}
	wantErr(t, c, "GET", "/users/nobody123", nil, 404, "1001", "User does not exist: nobody123.")
	wantErr(t, c, "GET", "/users/nobody123/meetings", nil, 404, "1001", "User does not exist: nobody123.")

	// Basic users have no webinar plan.
	for _, u := range d.Users {
		if u.Type == 1 && u.Status == "active" {
			wantErr(t, c, "GET", "/users/"+esc(u.ID)+"/webinars", nil, 400, "200", msgWebinarPlanMissing)
		}
	}
}

func TestRoutesTable(t *testing.T) {
	d := mustGenerate(t, "tiny", 1)
	routes := d.Routes()
	if len(routes) != len(routeTable)+len(lifecycleRouteTable)+len(routeTableDocs) || len(lifecycleRouteTable) != 6 {
		t.Fatalf("%d routes", len(routes))
	}
	seen := map[string]bool{}
	for _, r := range routes {
		k := r.Method + " " + r.Pattern
		if seen[k] || r.Handle == nil || r.Category == "" || len(r.Scopes) == 0 {
			t.Fatalf("bad route %+v", r)
		}
		seen[k] = true
	}
}
