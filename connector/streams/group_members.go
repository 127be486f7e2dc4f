package streams

import "github.com/zoom-connector/zoom-connector/internal/zoomapi"

// groupMembers lists the members of each group.
func groupMembers() Stream {
	return Stream{
		Name: "group_members", Doc: "Members of each user group.",
		Path: "/groups/{groupId}/members", Envelope: "members", PageSize: 300, Category: zoomapi.CategoryMedium,
		Parent: "groups", PathFrom: map[string]string{"groupId": "id"}, Keys: map[string]string{"group_id": "id"},
		PrimaryKey: pk("group_id", "id"),
		Scopes:     []string{"group:read:admin"},
	}
}
