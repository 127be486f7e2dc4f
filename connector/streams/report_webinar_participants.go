package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportWebinarParticipants reads the participant report of each ended
// webinar.
func reportWebinarParticipants() Stream {
	return Stream{
		Name: "report_webinar_participants", Doc: "Participant report of each ended webinar.",
		Path: "/report/webinars/{webinarUUID}/participants", Envelope: "participants", PageSize: 300, Category: zoomapi.CategoryHeavy,
		Parent: "webinars", PathFrom: map[string]string{"webinarUUID": "uuid"}, UUIDParam: "webinarUUID",
		Keys:       map[string]string{"webinar_id": "id", "webinar_uuid": "uuid"},
		PrimaryKey: pk("webinar_uuid", "user_id", "join_time"),
		Scopes:     []string{"report:read:admin"}, Granular: []string{"report:read:list_webinar_participants:admin"},
		Needs: ended,
	}
}
