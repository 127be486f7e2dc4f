package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportUserMeetings reads each active user's past meetings report per
// month window.
func reportUserMeetings() Stream {
	return Stream{
		Name: "report_user_meetings", Doc: "Past meetings of each user, from the usage reports.",
		Path: "/report/users/{userId}/meetings", Envelope: "meetings", PageSize: 300, Category: zoomapi.CategoryHeavy, MaxAgeMonths: zoomapi.ReportRetentionMonths, Window: MonthWindow,
		Parent: "users", PathFrom: map[string]string{"userId": "id"}, Keys: map[string]string{"user_id": "id"},
		PrimaryKey: pk("uuid"), Cursor: "start_time",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:user:admin"},
		Needs: activeUser,
	}
}
