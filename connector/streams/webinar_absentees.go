package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarAbsentees lists the registrants who did not attend each webinar
// instance. An instance of a webinar without registration answers 400 code
// 3000 ("This webinar doesn't have registration required"), which is
// skipped: the instance record does not carry the webinar's settings.
func webinarAbsentees() Stream {
	return Stream{
		Name: "webinar_absentees", Doc: "Registrants who missed each webinar instance.",
		Path: "/past_webinars/{webinarUUID}/absentees", Envelope: "registrants", PageSize: 300, Category: zoomapi.CategoryHeavy,
		Parent: "past_webinar_instances", PathFrom: map[string]string{"webinarUUID": "uuid"}, UUIDParam: "webinarUUID",
		Keys:       webinarInstanceKeys(),
		PrimaryKey: pk("webinar_uuid", "id"), ParentCursor: "start_time",
		Scopes:   []string{"webinar:read:admin", "webinar:read"},
		Granular: []string{"webinar:read:list_absentees:admin", "webinar:read:list_absentees"},
	}
}
