package streams

import (
	"net/url"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// metricsMeetingParticipants lists the Dashboard's participants of each
// past meeting: device, network, data center and the quality of their
// audio, video and screen share. Heavy, Business plan, off by default.
func metricsMeetingParticipants() Stream {
	return Stream{
		Name: "metrics_meeting_participants", Doc: "Dashboard: participants of each past meeting with device, network and quality (Business plan; off by default).",
		Path: "/metrics/meetings/{meetingUUID}/participants", Envelope: "participants", PageSize: 300, Category: zoomapi.CategoryHeavy,
		Parent: "metrics_meetings", PathFrom: map[string]string{"meetingUUID": "uuid"}, UUIDParam: "meetingUUID",
		Query: url.Values{"type": {"past"}}, Keys: map[string]string{"meeting_id": "id", "meeting_uuid": "uuid"},
		PrimaryKey: pk("meeting_uuid", "user_id", "join_time"), ParentCursor: "start_time", OffByDefault: true,
		Scopes: []string{"dashboard_meetings:read:admin"},
	}
}
