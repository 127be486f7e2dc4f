package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportWebinarSurveys reads the post-webinar survey answers of each
// webinar instance, one record per respondent.
func reportWebinarSurveys() Stream {
	return Stream{
		Name: "report_webinar_surveys", Doc: "Survey answers of each webinar instance, one record per respondent.",
		Path: "/report/webinars/{webinarUUID}/survey", Envelope: "survey_answers", Category: zoomapi.CategoryHeavy,
		Parent: "past_webinar_instances", PathFrom: map[string]string{"webinarUUID": "uuid"}, UUIDParam: "webinarUUID",
		Keys:       webinarInstanceKeys(),
		PrimaryKey: pk("webinar_uuid", "position"), Position: "position", ParentCursor: "start_time",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:webinar_survey:admin"},
	}
}
