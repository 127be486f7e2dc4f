package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarPollResults lists the poll answers of each ended webinar.
func webinarPollResults() Stream {
	return Stream{
		Name: "webinar_poll_results", Doc: "Poll answers of each ended webinar.",
		Path: "/past_webinars/{webinarId}/polls", Envelope: "questions", Category: zoomapi.CategoryMedium,
		Parent: "webinars", PathFrom: map[string]string{"webinarId": "id"}, Keys: map[string]string{"webinar_id": "id"},
		PrimaryKey: pk("webinar_id", "position"), Position: "position",
		UTCTimes: []string{"question_details[].date_time"},
		Scopes:   []string{"webinar:read:admin", "webinar:read"},
		Granular: []string{"webinar:read:list_past_polls:admin", "webinar:read:list_past_polls"},
		Needs:    ended,
	}
}
