package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// webinarPanelists lists each webinar's panelists.
func webinarPanelists() Stream {
	return Stream{
		Name: "webinar_panelists", Doc: "Panelists of each webinar.",
		Path: "/webinars/{webinarId}/panelists", Envelope: "panelists", Category: zoomapi.CategoryMedium,
		Parent: "webinars", PathFrom: map[string]string{"webinarId": "id"}, Keys: map[string]string{"webinar_id": "id"},
		PrimaryKey: pk("webinar_id", "id"),
		Settles:    true,
		Scopes:     []string{"webinar:read:admin", "webinar:read"},
		Granular:   []string{"webinar:read:list_panelists:admin", "webinar:read:list_panelists"},
	}
}
