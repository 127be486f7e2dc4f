package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// meetingQnAResults lists the questions asked in each ended meeting
// instance (Zoom's Q&A feature for meetings).
func meetingQnAResults() Stream {
	return Stream{
		Name: "meeting_qna_results", Doc: "Q&A of each ended meeting instance.",
		Path: "/past_meetings/{meetingUUID}/qa", Envelope: "questions", Category: zoomapi.CategoryMedium,
		Parent: "past_meeting_instances", PathFrom: map[string]string{"meetingUUID": "uuid"}, UUIDParam: "meetingUUID",
		Keys:       meetingInstanceKeys(),
		PrimaryKey: pk("meeting_uuid", "position"), Position: "position", ParentCursor: "start_time",
		Scopes:   []string{"meeting:read:admin", "meeting:read"},
		Granular: []string{"meeting:read:past_qa:admin", "meeting:read:past_qa"},
	}
}

// meetingInstanceKeys are the keys a child of past_meeting_instances
// copies: the meeting's ID and the instance's UUID.
func meetingInstanceKeys() map[string]string {
	return map[string]string{"meeting_id": "meeting_id", "meeting_uuid": "uuid"}
}
