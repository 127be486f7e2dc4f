package zoomapi

import (
	"net/url"
	"strings"
)

// EscapeMeetingUUID returns a meeting or webinar UUID escaped for use as one
// path segment. Zoom requires UUIDs that begin with "/" or contain "//" to be
// double URL-encoded. A UUID with a single "/" elsewhere is double-encoded
// too: Zoom documents only the first two cases, and a gateway that decoded
// a single %2F would split the path, so double-encoding any "/" is the safe
// rule (zoom-api-facts.md §f). Others are encoded once ("+" and "=" become
// %2B and %3D).
// https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/past_meetings/{meetingId}/participants
//
// Example: "/ajXp112QmuoKj4854875==" → "%252FajXp112QmuoKj4854875%253D%253D".
func EscapeMeetingUUID(uuid string) string {
	once := escapeStrict(uuid)
	if strings.Contains(uuid, "/") {
		return escapeStrict(once)
	}
	return once
}

// escapeStrict percent-encodes every byte except RFC 3986 unreserved
// characters. url.PathEscape would leave "+" and "=" alone, which Zoom's
// documented example encodes.
func escapeStrict(s string) string {
	// QueryEscape encodes all but unreserved bytes, and a space as "+"; a
	// literal "+" is already %2B, so any "+" left came from a space.
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
