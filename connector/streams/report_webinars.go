package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportWebinars reads the usage report of each webinar instance.
func reportWebinars() Stream {
	return Stream{
		Name: "report_webinars", Doc: "Usage report of each webinar instance.",
		Path: "/report/webinars/{webinarUUID}", Category: zoomapi.CategoryHeavy,
		Parent: "past_webinar_instances", PathFrom: map[string]string{"webinarUUID": "uuid"}, UUIDParam: "webinarUUID",
		Keys:       map[string]string{"webinar_id": "webinar_id"},
		PrimaryKey: pk("uuid"), ParentCursor: "start_time",
		Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:webinar:admin"},
	}
}
