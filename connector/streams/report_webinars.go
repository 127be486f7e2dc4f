package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// reportWebinars reads the usage report of each ended webinar.
func reportWebinars() Stream {
	return Stream{
		Name: "report_webinars", Doc: "Usage report of each ended webinar.",
		Path: "/report/webinars/{webinarId}", Category: zoomapi.CategoryHeavy,
		Parent: "webinars", PathFrom: map[string]string{"webinarId": "id"}, Keys: map[string]string{"webinar_id": "id"},
		PrimaryKey: pk("uuid"),
		Scopes:     []string{"report:read:admin"}, Granular: []string{"report:read:webinar:admin"},
		Needs: ended,
	}
}
