package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// trackingFields lists the account's tracking field definitions, the
// fields behind the tracking_fields of meetings and reports.
func trackingFields() Stream {
	return Stream{
		Name: "tracking_fields", Doc: "Tracking field definitions of the account (the fields behind meetings' tracking_fields).",
		Path: "/tracking_fields", Envelope: "tracking_fields", Category: zoomapi.CategoryMedium,
		PrimaryKey: pk("id"),
		Scopes:     []string{"tracking_fields:read:admin"},
		Granular:   []string{"tracking_field:read:list_tracking_fields:admin"},
	}
}
