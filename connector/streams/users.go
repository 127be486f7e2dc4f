package streams

import (
	"net/url"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// users lists every user of the account, active, inactive and pending.
// Pending users have no id, so the key is the email.
// https://developers.zoom.us/docs/api/users/#tag/users/GET/users
func users() Stream {
	return Stream{
		Name: "users", Doc: "Users of the account in every status (active, inactive, pending).",
		Path: "/users", Envelope: "users", PageSize: 300, Category: zoomapi.CategoryMedium,
		Fanout:     statuses("active", "inactive", "pending"),
		PrimaryKey: pk("email"),
		Scopes:     []string{"user:read:admin"}, Granular: []string{"user:read:list_users:admin"},
		Query: url.Values{},
	}
}
