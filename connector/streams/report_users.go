package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportUsers reads the active-hosts report per month window.
func reportUsers() Stream {
	return Stream{
		Name: "report_users", Doc: "Active hosts and their usage, per month.",
		Path: "/report/users", Envelope: "users", PageSize: 300, Category: zoomapi.CategoryHeavy, MaxAgeMonths: zoomapi.ReportRetentionMonths, Window: MonthWindow, WindowKeys: true,
		PrimaryKey: pk("id", "from"), Cursor: "to",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:list_users:admin"},
	}
}
