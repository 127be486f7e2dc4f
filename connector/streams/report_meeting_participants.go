package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportMeetingParticipants reads the participant report of each ended
// meeting instance.
func reportMeetingParticipants() Stream {
	return Stream{
		Name: "report_meeting_participants", Doc: "Participant report of each ended meeting instance.",
		Path: "/report/meetings/{meetingUUID}/participants", Envelope: "participants", PageSize: 300, Category: zoomapi.CategoryHeavy,
		Parent: "past_meeting_instances", PathFrom: map[string]string{"meetingUUID": "uuid"}, UUIDParam: "meetingUUID",
		Keys:       map[string]string{"meeting_id": "meeting_id", "meeting_uuid": "uuid"},
		PrimaryKey: pk("meeting_uuid", "user_id", "join_time"), ParentCursor: "start_time",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:list_meeting_participants:admin"},
	}
}
