package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarRegistrationQuestions reads each webinar's registration form.
func webinarRegistrationQuestions() Stream {
	return Stream{
		Name: "webinar_registration_questions", Doc: "The registration questions of each webinar with registration.",
		Path: "/webinars/{webinarId}/registrants/questions", Category: zoomapi.CategoryLight,
		Parent: "webinars", PathFrom: map[string]string{"webinarId": "id"}, Keys: map[string]string{"webinar_id": "id"},
		PrimaryKey: pk("webinar_id"),
		Settles:    true,
		Scopes:     []string{"webinar:read:admin", "webinar:read"},
		Granular:   []string{"webinar:read:list_registration_questions:admin", "webinar:read:list_registration_questions"},
		Needs:      registrationEnabled,
	}
}
