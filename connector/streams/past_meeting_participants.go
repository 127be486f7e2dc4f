package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// pastMeetingParticipants lists the participants of each ended meeting
// instance, addressed by its UUID (double-encoded where Zoom requires).
func pastMeetingParticipants() Stream {
	return Stream{
		Name: "past_meeting_participants", Doc: "Participants of each ended meeting instance.",
		Path: "/past_meetings/{meetingUUID}/participants", Envelope: "participants", PageSize: 300, Category: zoomapi.CategoryMedium,
		Parent: "past_meeting_instances", PathFrom: map[string]string{"meetingUUID": "uuid"}, UUIDParam: "meetingUUID",
		Keys:       map[string]string{"meeting_id": "meeting_id", "meeting_uuid": "uuid"},
		PrimaryKey: pk("meeting_uuid", "user_id", "join_time"), ParentCursor: "start_time",
		Scopes:   []string{"meeting:read:admin", "meeting:read"},
		Granular: []string{"meeting:read:list_past_participants:admin", "meeting:read:list_past_participants"},
	}
}
