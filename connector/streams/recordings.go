package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// recordings lists each active user's cloud recordings, with their files,
// per month window (without from and to Zoom returns today only).
func recordings() Stream {
	return Stream{
		Name: "recordings", Doc: "Cloud recordings of every user, with their files.",
		Path: "/users/{userId}/recordings", Envelope: "meetings", PageSize: 300, Category: zoomapi.CategoryMedium, Window: MonthWindow,
		Parent: "users", PathFrom: map[string]string{"userId": "id"}, Keys: map[string]string{"user_id": "id"},
		PrimaryKey: pk("uuid"), Cursor: "start_time",
		Scopes:   []string{"recording:read:admin", "recording:read"},
		Granular: []string{"cloud_recording:read:list_user_recordings:admin", "cloud_recording:read:list_user_recordings", "cloud_recording:read:list_user_recordings:master"},
		Needs:    activeUser,
	}
}
