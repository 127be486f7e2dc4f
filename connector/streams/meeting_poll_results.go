package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// meetingPollResults lists each ended instance's poll answers, one record
// per participant entry.
func meetingPollResults() Stream {
	return Stream{
		Name: "meeting_poll_results", Doc: "Poll answers of each ended meeting instance.",
		Path: "/past_meetings/{meetingUUID}/polls", Envelope: "questions", Category: zoomapi.CategoryMedium,
		Parent: "past_meeting_instances", PathFrom: map[string]string{"meetingUUID": "uuid"}, UUIDParam: "meetingUUID",
		Keys:       map[string]string{"meeting_id": "meeting_id", "meeting_uuid": "uuid"},
		PrimaryKey: pk("meeting_uuid", "position"), Position: "position", ParentCursor: "start_time",
		UTCTimes: []string{"question_details[].date_time"},
		Scopes:   []string{"meeting:read:admin", "meeting:read"},
		Granular: []string{"meeting:read:list_poll_results:admin", "meeting:read:list_poll_results"},
	}
}
