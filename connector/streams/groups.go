package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// groups lists the account's user groups, which users' group_ids name.
func groups() Stream {
	return Stream{
		Name: "groups", Doc: "User groups of the account (the names behind users' group_ids).",
		Path: "/groups", Envelope: "groups", Category: zoomapi.CategoryMedium,
		PrimaryKey: pk("id"),
		Scopes:     []string{"group:read:admin"},
	}
}
