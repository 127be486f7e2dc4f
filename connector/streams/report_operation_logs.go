package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportOperationLogs reads the account's operation logs (admin and user
// actions: users added, settings changed, recordings deleted) per month
// window. An entry has no ID, so every field is the key. Zoom documents no
// age limit for this report, so the read reaches back to start_date.
func reportOperationLogs() Stream {
	return Stream{
		Name: "report_operation_logs", Doc: "Operation logs (audit of admin and user actions) of the account.",
		Path: "/report/operationlogs", Envelope: "operation_logs", PageSize: 300, Category: zoomapi.CategoryHeavy, Window: MonthWindow,
		PrimaryKey: pk("time", "operator", "category_type", "action", "operation_detail"), Cursor: "time",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:operation_logs:admin"},
	}
}
