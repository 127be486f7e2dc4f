package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportMeetings reads the usage report of each ended meeting instance.
func reportMeetings() Stream {
	return Stream{
		Name: "report_meetings", Doc: "Usage report of each ended meeting instance.",
		Path: "/report/meetings/{meetingUUID}", Category: zoomapi.CategoryHeavy,
		Parent: "past_meeting_instances", PathFrom: map[string]string{"meetingUUID": "uuid"}, UUIDParam: "meetingUUID",
		Keys:       map[string]string{"meeting_id": "meeting_id"},
		PrimaryKey: pk("uuid"), ParentCursor: "start_time",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:meeting:admin"},
	}
}
