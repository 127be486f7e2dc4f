package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// meetingRegistrationQuestions reads each registration-enabled meeting's
// registration form: one record per meeting.
func meetingRegistrationQuestions() Stream {
	return Stream{
		Name: "meeting_registration_questions", Doc: "The registration questions of each meeting with registration.",
		Path: "/meetings/{meetingId}/registrants/questions", Category: zoomapi.CategoryLight,
		Parent: "meetings", PathFrom: map[string]string{"meetingId": "id"}, Keys: map[string]string{"meeting_id": "id"},
		PrimaryKey: pk("meeting_id"),
		Settles:    true,
		Scopes:     []string{"meeting:read:admin", "meeting:read"},
		Granular:   []string{"meeting:read:list_registration_questions:admin", "meeting:read:list_registration_questions"},
		Needs:      registrationEnabled,
	}
}
