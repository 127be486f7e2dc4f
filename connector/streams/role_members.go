package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// roleMembers lists the users that have each role.
func roleMembers() Stream {
	return Stream{
		Name: "role_members", Doc: "Users that have each role.",
		Path: "/roles/{roleId}/members", Envelope: "members", PageSize: 300, Category: zoomapi.CategoryMedium,
		Parent: "roles", PathFrom: map[string]string{"roleId": "id"}, Keys: map[string]string{"role_id": "id"},
		PrimaryKey: pk("role_id", "id"),
		Scopes:     []string{"role:read:admin"},
	}
}
