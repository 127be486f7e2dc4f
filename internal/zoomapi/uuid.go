package zoomapi

import (
	"net/url"
	"strings"
)

// EscapeMeetingUUID returns a meeting or webinar UUID escaped for use as one
// path segment. Zoom requires UUIDs that begin with "/" or contain "//" to be
// double URL-encoded; others are encoded once (so "+", "=" and a single "/"
// become %2B, %3D and %2F).
// https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/past_meetings/{meetingId}/participants
//
// Example: "/ajXp112QmuoKj4854875==" → "%252FajXp112QmuoKj4854875%253D%253D".
func EscapeMeetingUUID(uuid string) string {
	once := escapeStrict(uuid)
	if strings.HasPrefix(uuid, "/") || strings.Contains(uuid, "//") {
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
