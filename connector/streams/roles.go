package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// roles lists the account's roles, which users' role_id names.
func roles() Stream {
	return Stream{
		Name: "roles", Doc: "Roles of the account (the names behind users' role_id).",
		Path: "/roles", Envelope: "roles", Category: zoomapi.CategoryMedium,
		PrimaryKey: pk("id"),
		Scopes:     []string{"role:read:admin"},
	}
}
