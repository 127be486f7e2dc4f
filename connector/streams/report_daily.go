package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportDaily reads the account's daily usage, one request per month of
// the last six (Zoom keeps no more), one record per day.
func reportDaily() Stream {
	return Stream{
		Name: "report_daily", Doc: "Daily usage of the account (new users, meetings, participants, minutes).",
		Path: "/report/daily", Envelope: "dates", Category: zoomapi.CategoryHeavy, MaxAgeMonths: zoomapi.ReportRetentionMonths, Window: YearMonthWindow,
		PrimaryKey: pk("date"), Cursor: "date",
		Scopes: []string{"report:read:admin"},
	}
}
