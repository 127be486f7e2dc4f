package zoomsim

import (
	"fmt"
	"sort"
	"time"
)

// Group is one user group of the account (GET /groups).
type Group struct {
	ID, Name string
}

var groupNames = []string{"Engineering", "Sales", "Marketing", "Support", "EMEA", "Contractors"}

// groups creates the account's groups and puts in them the users that
// have group_ids (each in one group, every fourth grouped user in a second
// one; the owner when nobody has group_ids). It runs after everything
// else is drawn, so the rest of the
// dataset does not move.
func (g *gen) groups() {
	n := min(len(groupNames), max(2, len(g.d.Users)/5))
	for i := 0; i < n; i++ {
		g.d.Groups = append(g.d.Groups, &Group{ID: g.token(22), Name: groupNames[i]})
	}
	k := 0
	for _, u := range g.d.Users {
		if len(u.GroupIDs) == 0 {
			continue
		}
		u.GroupIDs = []string{g.d.Groups[k%n].ID}
		if k%4 == 3 {
			u.GroupIDs = append(u.GroupIDs, g.d.Groups[(k+1)%n].ID)
		}
		k++
	}
	if k == 0 { // every preset has a group with a member
		g.d.Users[0].GroupIDs = []string{g.d.Groups[0].ID}
	}
}

// groupMembers are the users (with an id) in group id.
func (d *Dataset) groupMembers(id string) []*User {
	var out []*User
	for _, u := range d.Users {
		for _, gid := range u.GroupIDs {
			if gid == id && u.ID != "" {
				out = append(out, u)
			}
		}
	}
	return out
}

// groupByID returns the group with that id, or nil.
func (d *Dataset) groupByID(id string) *Group {
	for _, gr := range d.Groups {
		if gr.ID == id {
			return gr
		}
	}
	return nil
}

// Role is one of the account's roles (GET /roles): the simulator has
// Zoom's three built-in ones, which users' role_id and role_name name.
type Role struct {
	ID, Name, Description string
}

// Roles are the account's roles.
var Roles = []Role{
	{"0", "Owner", "Account owner, with full privileges."},
	{"1", "Admin", "Account admin, who manages users and settings."},
	{"2", "Member", "Account member, without admin privileges."},
}

// roleMembers are the users (with an id) that have role id.
func (d *Dataset) roleMembers(id string) []*User {
	var out []*User
	for _, u := range d.Users {
		if u.RoleID == id && u.ID != "" {
			out = append(out, u)
		}
	}
	return out
}

// memberItem is a user as the group and role member lists give it.
func (u *User) memberItem(role bool) map[string]any {
	o := map[string]any{"id": u.ID, "email": u.Email, "first_name": u.FirstName, "last_name": u.LastName, "type": u.Type}
	if role {
		o["department"] = u.Dept
	}
	return o
}

// groupItems is the GET /groups list.
func (d *Dataset) groupItems() []map[string]any {
	out := []map[string]any{}
	for _, gr := range d.Groups {
		out = append(out, map[string]any{"id": gr.ID, "name": gr.Name, "total_members": len(d.groupMembers(gr.ID))})
	}
	return out
}

// roleItems is the GET /roles list.
func (d *Dataset) roleItems() []map[string]any {
	out := []map[string]any{}
	for _, r := range Roles {
		out = append(out, map[string]any{"id": r.ID, "name": r.Name, "description": r.Description, "total_members": len(d.roleMembers(r.ID))})
	}
	return out
}

// memberItems lists users as member items.
func memberItems(us []*User, role bool) []any {
	out := []any{}
	for _, u := range us {
		out = append(out, u.memberItem(role))
	}
	return out
}

// TrackingField is one of the account's meeting tracking fields (GET
// /tracking_fields).
type TrackingField struct {
	ID, Field         string
	RecommendedValues []string
	Required, Visible bool
}

// trackingFields creates the account's tracking field definitions.
func (g *gen) trackingFields() {
	defs := []TrackingField{
		{Field: "Cost center", RecommendedValues: []string{"CC-100", "CC-200", "CC-300"}, Required: true, Visible: true},
		{Field: "Campaign", RecommendedValues: []string{"Spring launch", "Partner week"}, Visible: true},
		{Field: "Region", RecommendedValues: []string{"Americas", "EMEA", "APAC"}},
		{Field: "Project code", RecommendedValues: []string{}, Visible: true},
	}
	for _, f := range defs {
		f.ID = g.token(22)
		g.d.TrackingFields = append(g.d.TrackingFields, f)
	}
}

// trackingFieldItems is the GET /tracking_fields list.
func (d *Dataset) trackingFieldItems() []map[string]any {
	out := []map[string]any{}
	for _, f := range d.TrackingFields {
		out = append(out, map[string]any{"id": f.ID, "field": f.Field, "recommended_values": f.RecommendedValues,
			"required": f.Required, "visible": f.Visible})
	}
	return out
}

// OperationLog is one entry of the operation logs report.
type OperationLog struct {
	Time                                      time.Time
	Operator, CategoryType, Action, Operation string
}

// operationKinds are the simulated kinds of operation: category_type (a
// value of the report's category_type filter), action, and the detail's
// prefix.
var operationKinds = [][3]string{
	{"user", "Add", "Add user"}, {"user", "Update", "Update user"}, {"user_settings", "Update", "Update user settings"},
	{"account", "Update", "Update account settings"}, {"recording", "Delete", "Delete recording"}, {"role", "Update", "Update role members"},
	{"webinar", "Update", "Update webinar settings"},
}

// operationLogs draws the account's admin and user actions over the last
// seven months: each day, up to two actions by the owner or an admin, at
// distinct times.
func (g *gen) operationLogs() {
	var admins []*User
	for _, u := range g.d.Users {
		if u.ID != "" && (u.RoleID == "0" || u.RoleID == "1") {
			admins = append(admins, u)
		}
	}
	start := truncDay(g.now).AddDate(0, -7, 0)
	for day := start; !day.After(g.now); day = day.AddDate(0, 0, 1) {
		for k := 0; k < 2; k++ {
			at := day.Add(time.Duration(8+k*6+g.r.IntN(6))*time.Hour + time.Duration(g.r.IntN(3600))*time.Second)
			if g.r.IntN(3) != 0 || at.After(g.now) {
				continue
			}
			op, kind := pick(g.r, admins), pick(g.r, operationKinds)
			target := pick(g.r, g.d.Users)
			g.d.OperationLogs = append(g.d.OperationLogs, OperationLog{Time: at, Operator: op.Email, CategoryType: kind[0],
				Action: kind[1], Operation: kind[2] + ": " + target.Email})
		}
	}
	sort.SliceStable(g.d.OperationLogs, func(i, j int) bool { return g.d.OperationLogs[i].Time.After(g.d.OperationLogs[j].Time) })
}

// operationLogItems are the operation logs of [from, to], newest first.
func (d *Dataset) operationLogItems(from, to time.Time, category string) []any {
	out := []any{}
	for _, l := range d.OperationLogs {
		if inWindow(l.Time, from, to) && (category == "" || category == "all" || category == l.CategoryType) {
			out = append(out, map[string]any{"time": ztime(l.Time), "operator": l.Operator, "category_type": l.CategoryType,
				"action": l.Action, "operation_detail": l.Operation})
		}
	}
	return out
}

// cloudRecordingItems is the daily cloud recording storage of [from, to],
// up to yesterday (Zoom: "one day earlier than the current date"): the
// account's total size of recordings started by the end of each day
// (about 6.5 MB a minute, the simulator's estimate), as Zoom's strings.
func (d *Dataset) cloudRecordingItems(from, to, now time.Time) []any {
	yesterday := truncDay(now).AddDate(0, 0, -1)
	if to.After(yesterday) {
		to = yesterday
	}
	var recorded []*Instance
	for _, list := range [][]*Meeting{d.Meetings, d.Webinars} {
		for _, m := range list {
			for _, in := range m.Instances {
				if in.Recorded {
					recorded = append(recorded, in)
				}
			}
		}
	}
	const planGB = 1000.0
	out := []any{}
	for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
		var mb float64
		for _, in := range recorded {
			if truncDay(in.Start).After(day) {
				continue
			}
			mb += float64(in.Duration) * 6.5
		}
		gb := mb / 1024
		out = append(out, map[string]any{"date": day.Format(zoomDate), "usage": fmt.Sprintf("%.2f GB", gb),
			"plan_usage": fmt.Sprintf("%.2f GB", min(gb, planGB)), "free_usage": fmt.Sprintf("%.2f GB", max(0, planGB-gb))})
	}
	return out
}
