package zoomsim

import (
	"fmt"
	"testing"
)

func TestReportEndpoints(t *testing.T) {
	s, c := startTiny(t, "tiny")
	d := s.Dataset()
	wantErr(t, c, "GET", "/report/daily?year=2024&month=11", nil, 400, "300",
		"Daily report can only be provided for a month that falls within the recent 6 months.")
	daily := c.get("/report/daily?year=2025&month=6")
	if len(daily["dates"].([]any)) != 15 || daily["total_records"] != nil {
		t.Fatalf("daily June (to the 15th): %d dates", len(daily["dates"].([]any)))
	}
	wantErr(t, c, "GET", "/report/users?from=2025-04-01&to=2025-05-15", nil, 400, "300", msgRangeTooLong)
	wantErr(t, c, "GET", "/report/users?from=2024-11-01&to=2024-11-30", nil, 400, "300", msgRangeTooOld)
	wantErr(t, c, "GET", "/report/users", nil, 400, "300", "Validation Failed.")
	ru := c.get("/report/users?from=2025-05-15&to=2025-06-14")
	if ru["from"] != "2025-05-15" || ru["total_meetings"] == nil {
		t.Fatalf("report users: %v", ru)
	}
	act := c.get("/report/activities?from=2025-05-15&to=2025-06-14")
	if _, has := act["total_records"]; has {
		t.Fatal("activities must not carry total_records")
	}
	c.get("/report/activities") // defaults to the last month
	owner := d.Users[0]
	wantErr(t, c, "GET", "/users/"+owner.ID+"/recordings?from=2025-01-01&to=2025-03-01", nil, 400, "300", msgRangeTooLong)
	rec := c.get("/users/" + owner.ID + "/recordings")
	if rec["from"] != "2025-06-15" || rec["to"] != "2025-06-16" {
		t.Fatalf("recordings default range %v..%v", rec["from"], rec["to"])
	}
	wantErr(t, c, "GET", "/report/users/nobody/meetings?from=2025-05-15&to=2025-06-14", nil, 404, "1001", "")
	// Report participants: ID means latest instance; unknown 404.
	for _, m := range d.Meetings {
		if in := m.LatestInstance(); in != nil && !m.Deleted {
			got := c.get("/report/meetings/" + idStr(m.ID))
			if got["uuid"] != in.UUID || fmt.Sprint(got["participants_count"]) != fmt.Sprint(in.Participants) {
				t.Fatalf("report meeting: %v", got)
			}
			ps := c.all("/report/meetings/"+esc(in.UUID)+"/participants?include_fields=registrant_id", "participants")
			if in.Participants >= 2 {
				if _, has := ps[0]["registrant_id"]; !has {
					t.Fatal("include_fields=registrant_id ignored")
				}
			}
			break
		}
	}
	wantErr(t, c, "GET", "/report/meetings/12345/participants", nil, 404, "3001", "Meeting 12345 not found or has expired.")
}
