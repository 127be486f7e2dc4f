package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// pastWebinarParticipants lists the participants of each ended webinar,
// addressed by its UUID.
func pastWebinarParticipants() Stream {
	return Stream{
		Name: "past_webinar_participants", Doc: "Participants of each ended webinar.",
		Path: "/past_webinars/{webinarUUID}/participants", Envelope: "participants", PageSize: 300, Category: zoomapi.CategoryMedium,
		Parent: "webinars", PathFrom: map[string]string{"webinarUUID": "uuid"}, UUIDParam: "webinarUUID",
		Keys:       map[string]string{"webinar_id": "id", "webinar_uuid": "uuid"},
		PrimaryKey: pk("webinar_uuid", "id", "join_time"),
		Scopes:     []string{"webinar:read:admin", "webinar:read"},
		Granular:   []string{"webinar:read:list_past_participants:admin", "webinar:read:list_past_participants"},
		Needs:      ended,
	}
}

// ended reports whether a meeting or webinar has run: Zoom has no
// participants, absentees, polls results or reports for one that has not.
func ended(p map[string]any) bool {
	st, _ := p["status"].(string)
	return st == "" || st == "finished" || st == "ended"
}
