package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarQnAResults lists the questions asked in each webinar instance.
func webinarQnAResults() Stream {
	return Stream{
		Name: "webinar_qna_results", Doc: "Q&A of each webinar instance.",
		Path: "/past_webinars/{webinarUUID}/qa", Envelope: "questions", Category: zoomapi.CategoryMedium,
		Parent: "past_webinar_instances", PathFrom: map[string]string{"webinarUUID": "uuid"}, UUIDParam: "webinarUUID",
		Keys:       webinarInstanceKeys(),
		PrimaryKey: pk("webinar_uuid", "position"), Position: "position", ParentCursor: "start_time",
		Scopes:   []string{"webinar:read:admin", "webinar:read"},
		Granular: []string{"webinar:read:past_qa:admin", "webinar:read:past_qa"},
	}
}
