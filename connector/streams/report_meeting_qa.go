package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportMeetingQA reads the Q&A report of each ended meeting instance:
// the questions with their IDs, times, status and answers.
func reportMeetingQA() Stream {
	return Stream{
		Name: "report_meeting_qa", Doc: "Q&A report (questions, status, answers) of each ended meeting instance.",
		Path: "/report/meetings/{meetingUUID}/qa", Envelope: "questions", Category: zoomapi.CategoryHeavy,
		Parent: "past_meeting_instances", PathFrom: map[string]string{"meetingUUID": "uuid"}, UUIDParam: "meetingUUID",
		Keys:       meetingInstanceKeys(),
		PrimaryKey: pk("meeting_uuid", "position"), Position: "position", ParentCursor: "start_time",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:meeting_qna:admin"},
	}
}
