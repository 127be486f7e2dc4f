package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportCloudRecording reads the account's daily cloud recording storage
// per month window; Zoom serves the last six months, up to yesterday.
func reportCloudRecording() Stream {
	return Stream{
		Name: "report_cloud_recording", Doc: "Daily cloud recording storage of the account (usage, plan usage, free).",
		Path: "/report/cloud_recording", Envelope: "cloud_recording_storage", Category: zoomapi.CategoryHeavy, MaxAgeMonths: zoomapi.ReportRetentionMonths, Window: MonthWindow,
		PrimaryKey: pk("date"), Cursor: "date",
		Scopes: []string{"report:read:admin"},
	}
}
