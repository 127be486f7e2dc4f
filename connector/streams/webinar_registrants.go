package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarRegistrants lists the registrants of each webinar with
// registration, in every status.
func webinarRegistrants() Stream {
	return Stream{
		Name: "webinar_registrants", Doc: "Registrants of each webinar: approved, pending and denied.",
		Path: "/webinars/{webinarId}/registrants", Envelope: "registrants", PageSize: 300, Category: zoomapi.CategoryMedium,
		Parent: "webinars", PathFrom: map[string]string{"webinarId": "id"}, Keys: map[string]string{"webinar_id": "id"},
		Fanout:     statuses("approved", "pending", "denied"),
		PrimaryKey: pk("webinar_id", "id"),
		Settles:    true,
		Scopes:     []string{"webinar:read:admin", "webinar:read"},
		Granular:   []string{"webinar:read:list_registrants:admin", "webinar:read:list_registrants"},
		Needs:      registrationEnabled,
	}
}
