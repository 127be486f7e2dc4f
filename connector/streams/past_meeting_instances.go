package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// pastMeetingInstances lists the ended instances of each meeting, each
// with its UUID; the streams keyed on a meeting instance hang off it.
func pastMeetingInstances() Stream {
	return Stream{
		Name: "past_meeting_instances", Doc: "Ended instances of each meeting (UUID and start time).",
		Path: "/past_meetings/{meetingId}/instances", Envelope: "meetings", Category: zoomapi.CategoryMedium,
		Parent: "meetings", PathFrom: map[string]string{"meetingId": "id"}, Keys: map[string]string{"meeting_id": "id"},
		PrimaryKey: pk("uuid"), Cursor: "start_time",
		Scopes:   []string{"meeting:read:admin", "meeting:read"},
		Granular: []string{"meeting:read:list_past_instances:admin", "meeting:read:list_past_instances"},
	}
}
