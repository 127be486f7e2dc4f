package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportMeetingSurveys reads the post-meeting survey answers of each ended
// meeting instance, one record per respondent.
func reportMeetingSurveys() Stream {
	return Stream{
		Name: "report_meeting_surveys", Doc: "Survey answers of each ended meeting instance, one record per respondent.",
		Path: "/report/meetings/{meetingUUID}/survey", Envelope: "survey_answers", Category: zoomapi.CategoryHeavy,
		Parent: "past_meeting_instances", PathFrom: map[string]string{"meetingUUID": "uuid"}, UUIDParam: "meetingUUID",
		Keys:       meetingInstanceKeys(),
		PrimaryKey: pk("meeting_uuid", "position"), Position: "position", ParentCursor: "start_time",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:meeting_survey:admin"},
	}
}
