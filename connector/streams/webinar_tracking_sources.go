package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarTrackingSources lists the registration tracking sources of each
// webinar.
func webinarTrackingSources() Stream {
	return Stream{
		Name: "webinar_tracking_sources", Doc: "Registration tracking sources of each webinar.",
		Path: "/webinars/{webinarId}/tracking_sources", Envelope: "tracking_sources", Category: zoomapi.CategoryMedium,
		Parent: "webinars", PathFrom: map[string]string{"webinarId": "id"}, Keys: map[string]string{"webinar_id": "id"},
		PrimaryKey: pk("webinar_id", "id"),
		Settles:    true,
		Scopes:     []string{"webinar:read:admin", "webinar:read"},
		Granular:   []string{"webinar:read:list_tracking_sources:admin", "webinar:read:list_tracking_sources"},
	}
}
