package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportWebinarParticipants reads the participant report of each webinar
// instance.
func reportWebinarParticipants() Stream {
	return Stream{
		Name: "report_webinar_participants", Doc: "Participant report of each webinar instance.",
		Path: "/report/webinars/{webinarUUID}/participants", Envelope: "participants", PageSize: 300, Category: zoomapi.CategoryHeavy,
		Parent: "past_webinar_instances", PathFrom: map[string]string{"webinarUUID": "uuid"}, UUIDParam: "webinarUUID",
		Keys:       webinarInstanceKeys(),
		PrimaryKey: pk("webinar_uuid", "user_id", "join_time"), ParentCursor: "start_time",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:list_webinar_participants:admin"},
	}
}
