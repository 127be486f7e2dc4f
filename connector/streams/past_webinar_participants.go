package streams

import (
	"time"

	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// pastWebinarParticipants lists the participants of each webinar instance
// (every occurrence that ran), addressed by its UUID.
func pastWebinarParticipants() Stream {
	return Stream{
		Name: "past_webinar_participants", Doc: "Participants of each webinar instance.",
		Path: "/past_webinars/{webinarUUID}/participants", Envelope: "participants", PageSize: 300, Category: zoomapi.CategoryMedium,
		Parent: "past_webinar_instances", PathFrom: map[string]string{"webinarUUID": "uuid"}, UUIDParam: "webinarUUID",
		Keys:       webinarInstanceKeys(),
		PrimaryKey: pk("webinar_uuid", "user_id", "join_time"), ParentCursor: "start_time",
		Scopes:   []string{"webinar:read:admin", "webinar:read"},
		Granular: []string{"webinar:read:list_past_participants:admin", "webinar:read:list_past_participants"},
	}
}

// webinarInstanceKeys are the keys a child of past_webinar_instances
// copies: the webinar's ID and the instance's UUID.
func webinarInstanceKeys() map[string]string {
	return map[string]string{"webinar_id": "webinar_id", "webinar_uuid": "uuid"}
}

// ended reports whether a meeting or webinar may have run: Zoom has no
// participants, absentees, poll results or reports for one that starts in
// the future. (Webinar details carry no status, so the start time decides.)
func ended(p map[string]any) bool {
	switch jsonrec.Str(p["type"]) {
	case "3", "6", "8", "9": // recurring: earlier occurrences may have run
		return true
	}
	if st, ok := p["start_time"].(string); ok {
		if t, err := time.Parse(time.RFC3339, st); err == nil && t.After(time.Now()) {
			return false
		}
	}
	return true
}
