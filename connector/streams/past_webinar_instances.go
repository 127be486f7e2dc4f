package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// pastWebinarInstances lists the occurrences of each webinar that ran,
// each with its UUID: every occurrence of a recurring webinar, not only
// the latest. The streams keyed on a webinar instance hang off it.
func pastWebinarInstances() Stream {
	return Stream{
		Name: "past_webinar_instances", Doc: "Occurrences of each webinar that ran (UUID and start time).",
		Path: "/past_webinars/{webinarId}/instances", Envelope: "webinars", Category: zoomapi.CategoryLight,
		Parent: "webinars", PathFrom: map[string]string{"webinarId": "id"}, Keys: map[string]string{"webinar_id": "id"},
		PrimaryKey: pk("uuid"), Cursor: "start_time",
		Scopes:   []string{"webinar:read:admin", "webinar:read"},
		Granular: []string{"webinar:read:list_past_instances:admin", "webinar:read:list_past_instances"},
		Needs:    ended,
	}
}
