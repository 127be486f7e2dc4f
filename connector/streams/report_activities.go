package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportActivities reads sign-in and sign-out activity per month window.
func reportActivities() Stream {
	return Stream{
		Name: "report_activities", Doc: "Sign-in and sign-out activity of the account's users.",
		Path: "/report/activities", Envelope: "activity_logs", PageSize: 300, Category: zoomapi.CategoryHeavy, MaxAgeMonths: zoomapi.ReportRetentionMonths, Window: MonthWindow,
		PrimaryKey: pk("email", "time", "type"), Cursor: "time",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:user_activities:admin"},
	}
}
