package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarAbsentees lists the registrants who did not attend each ended
// webinar.
func webinarAbsentees() Stream {
	return Stream{
		Name: "webinar_absentees", Doc: "Registrants who missed each ended webinar.",
		Path: "/past_webinars/{webinarUUID}/absentees", Envelope: "registrants", PageSize: 300, Category: zoomapi.CategoryHeavy,
		Parent: "webinars", PathFrom: map[string]string{"webinarUUID": "uuid"}, UUIDParam: "webinarUUID",
		Keys:       map[string]string{"webinar_id": "id", "webinar_uuid": "uuid"},
		PrimaryKey: pk("webinar_uuid", "id"),
		Scopes:     []string{"webinar:read:admin", "webinar:read"},
		Granular:   []string{"webinar:read:list_absentees:admin", "webinar:read:list_absentees"},
		Needs:      func(p map[string]any) bool { return ended(p) && registrationEnabled(p) },
	}
}
