package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// meetings lists each user's scheduled meetings, then fetches the details
// of each (settings, recurrence, occurrences). The list is
// /users/{userId}/meetings; the engine fetches /meetings/{meetingId} for
// each listed meeting and skips those deleted in between (code 3001).
func meetings() Stream {
	return Stream{
		Name: "meetings", Doc: "Meetings of every user, with their full details.",
		Path: "/users/{userId}/meetings", Envelope: "meetings", PageSize: 300, Category: zoomapi.CategoryMedium,
		Parent: "users", PathFrom: map[string]string{"userId": "id"}, Keys: map[string]string{"user_id": "id"},
		Detail: "/meetings/{meetingId}", DetailFrom: map[string]string{"meetingId": "id"}, DetailCategory: zoomapi.CategoryLight,
		PrimaryKey: pk("id"),
		Settles:    true,
		Scopes:     []string{"meeting:read:admin", "meeting:read"},
		Granular:   []string{"meeting:read:list_meetings:admin", "meeting:read:list_meetings"},
		Needs:      activeUser,
	}
}

// activeUser: only active users have meetings, webinars and recordings to list.
func activeUser(u map[string]any) bool { return u["status"] == "active" && u["id"] != nil }
