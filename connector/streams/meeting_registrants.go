package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// meetingRegistrants lists the registrants of each meeting with
// registration, in every status (Zoom lists only approved ones by default).
func meetingRegistrants() Stream {
	return Stream{
		Name: "meeting_registrants", Doc: "Registrants of each meeting: approved, pending and denied.",
		Path: "/meetings/{meetingId}/registrants", Envelope: "registrants", PageSize: 300, Category: zoomapi.CategoryMedium,
		Parent: "meetings", PathFrom: map[string]string{"meetingId": "id"}, Keys: map[string]string{"meeting_id": "id"},
		Fanout:     statuses("approved", "pending", "denied"),
		PrimaryKey: pk("meeting_id", "id"),
		Settles:    true,
		Scopes:     []string{"meeting:read:admin", "meeting:read"},
		Granular:   []string{"meeting:read:list_registrants:admin", "meeting:read:list_registrants"},
		Needs:      registrationEnabled,
	}
}
