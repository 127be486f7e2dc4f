package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// meetingSummaries lists the account's AI Companion meeting and webinar
// summaries by creation time, per month window (Zoom takes UTC
// date-times), then fetches each summary (overview, details, next steps)
// by its meeting UUID.
func meetingSummaries() Stream {
	return Stream{
		Name: "meeting_summaries", Doc: "AI Companion summaries of meetings and webinars (overview, details, next steps).",
		Path: "/meetings/meeting_summaries", Envelope: "summaries", PageSize: 300, Category: zoomapi.CategoryMedium, Window: MonthTimeWindow,
		Detail: "/meetings/{meetingUUID}/meeting_summary", DetailFrom: map[string]string{"meetingUUID": "meeting_uuid"},
		DetailCategory: zoomapi.CategoryLight, UUIDParam: "meetingUUID",
		PrimaryKey: pk("meeting_uuid"), Cursor: "summary_created_time",
		Scopes:   []string{"meeting_summary:read:admin"},
		Granular: []string{"meeting:read:list_summaries:admin"},
	}
}
