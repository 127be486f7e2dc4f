package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// meetingPolls lists the polls defined on each meeting.
func meetingPolls() Stream {
	return Stream{
		Name: "meeting_polls", Doc: "Polls defined on each meeting.",
		Path: "/meetings/{meetingId}/polls", Envelope: "polls", Category: zoomapi.CategoryLight,
		Parent: "meetings", PathFrom: map[string]string{"meetingId": "id"}, Keys: map[string]string{"meeting_id": "id"},
		PrimaryKey: pk("meeting_id", "id"),
		Settles:    true,
		Scopes:     []string{"meeting:read:admin", "meeting:read"},
		Granular:   []string{"meeting:read:list_polls:admin", "meeting:read:list_polls"},
	}
}
