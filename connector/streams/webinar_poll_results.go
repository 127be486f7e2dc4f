package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarPollResults lists the poll answers of each webinar instance.
func webinarPollResults() Stream {
	return Stream{
		Name: "webinar_poll_results", Doc: "Poll answers of each webinar instance.",
		Path: "/past_webinars/{webinarUUID}/polls", Envelope: "questions", Category: zoomapi.CategoryMedium,
		Parent: "past_webinar_instances", PathFrom: map[string]string{"webinarUUID": "uuid"}, UUIDParam: "webinarUUID",
		Keys:       webinarInstanceKeys(),
		PrimaryKey: pk("webinar_uuid", "position"), Position: "position", ParentCursor: "start_time",
		UTCTimes: []string{"question_details[].date_time"},
		Scopes:   []string{"webinar:read:admin", "webinar:read"},
		Granular: []string{"webinar:read:list_past_polls:admin", "webinar:read:list_past_polls"},
	}
}
