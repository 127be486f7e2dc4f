package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarQnAResults lists the questions asked in each ended webinar.
func webinarQnAResults() Stream {
	return Stream{
		Name: "webinar_qna_results", Doc: "Q&A of each ended webinar.",
		Path: "/past_webinars/{webinarId}/qa", Envelope: "questions", Category: zoomapi.CategoryMedium,
		Parent: "webinars", PathFrom: map[string]string{"webinarId": "id"}, Keys: map[string]string{"webinar_id": "id"},
		PrimaryKey: pk("webinar_id", "position"), Position: "position",
		Scopes:   []string{"webinar:read:admin", "webinar:read"},
		Granular: []string{"webinar:read:past_qa:admin", "webinar:read:past_qa"},
		Needs:    ended,
	}
}
