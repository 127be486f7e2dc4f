package streams

import (
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"

	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
)

// webinars lists each user's webinars, then fetches the details of each.
func webinars() Stream {
	return Stream{
		Name: "webinars", Doc: "Webinars of every user, with their full details.",
		Path: "/users/{userId}/webinars", Envelope: "webinars", PageSize: 300, Category: zoomapi.CategoryMedium,
		Parent: "users", PathFrom: map[string]string{"userId": "id"}, Keys: map[string]string{"user_id": "id"},
		Detail: "/webinars/{webinarId}", DetailFrom: map[string]string{"webinarId": "id"}, DetailCategory: zoomapi.CategoryLight,
		PrimaryKey: pk("id"),
		Settles:    true,
		Scopes:     []string{"webinar:read:admin", "webinar:read"},
		Granular:   []string{"webinar:read:list_webinars:admin", "webinar:read:list_webinars"},
		Needs:      licensedUser,
	}
}

// licensedUser: only licensed (type 2) active users can host webinars;
// Zoom answers 400 code 200 "Webinar plan is missing" for the others.
func licensedUser(u map[string]any) bool {
	return activeUser(u) && jsonrec.Str(u["type"]) != "1"
}
