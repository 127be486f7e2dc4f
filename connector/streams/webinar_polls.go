package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarPolls lists the polls defined on each webinar.
func webinarPolls() Stream {
	return Stream{
		Name: "webinar_polls", Doc: "Polls defined on each webinar.",
		Path: "/webinars/{webinarId}/polls", Envelope: "polls", Category: zoomapi.CategoryLight,
		Parent: "webinars", PathFrom: map[string]string{"webinarId": "id"}, Keys: map[string]string{"webinar_id": "id"},
		PrimaryKey: pk("webinar_id", "id"),
		Settles:    true,
		Scopes:     []string{"webinar:read:admin", "webinar:read"},
		Granular:   []string{"webinar:read:list_polls:admin", "webinar:read:list_polls"},
	}
}
