package streams

import (
	"net/url"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// metricsMeetings lists the Dashboard's past meetings per month window
// (the last six months), with the quality summary of each (audio, video,
// screen share). Zoom requires a Business or higher plan and labels the
// endpoint Resource-intensive, so the stream is off by default.
func metricsMeetings() Stream {
	return Stream{
		Name: "metrics_meetings", Doc: "Dashboard: past meetings with their quality summary (Business plan; off by default).",
		Path: "/metrics/meetings", Envelope: "meetings", PageSize: 300, Category: zoomapi.CategoryResourceIntensive,
		Query: url.Values{"type": {"past"}}, Window: MonthWindow, MaxAgeMonths: zoomapi.ReportRetentionMonths,
		PrimaryKey: pk("uuid"), Cursor: "start_time", OffByDefault: true,
		Scopes: []string{"dashboard_meetings:read:admin"},
	}
}
