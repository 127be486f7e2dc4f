// Code generated from /work/shared/zoom-openapi/endpoints.json; DO NOT EDIT.
// Category is the "Rate Limit Label", Scopes the classic
// scopes (x-macro-scopes) and Granular the granular ones (x-granular-scopes).
// The Users API documents are missing from both specs, so the granular
// scopes of GET /users and GET /users/{userId} come from the facts file
// (section h, third-party notes).

package zoomsim

// routeTable lists every simulated endpoint without its handler.
var routeTable = []Route{
	{Method: "GET", Pattern: "/users", Category: Medium, Scopes: []string{"user:read:admin"}, Granular: []string{"user:read:list_users:admin"}},
	{Method: "GET", Pattern: "/users/{userId}", Category: Light, Scopes: []string{"user:read:admin", "user:read", "user_info:read"}, Granular: []string{"user:read:user:admin"}},
	{Method: "GET", Pattern: "/users/{userId}/meetings", Category: Medium, Scopes: []string{"meeting:read:admin", "meeting:read"}, Granular: []string{"meeting:read:list_meetings", "meeting:read:list_meetings:admin"}},
	{Method: "GET", Pattern: "/meetings/{meetingId}", Category: Light, Scopes: []string{"meeting:read", "meeting:read:admin"}, Granular: []string{"meeting:read:meeting", "meeting:read:meeting:admin"}},
	{Method: "GET", Pattern: "/meetings/{meetingId}/registrants", Category: Medium, Scopes: []string{"meeting:read:admin", "meeting:read"}, Granular: []string{"meeting:read:list_registrants", "meeting:read:list_registrants:admin"}},
	{Method: "GET", Pattern: "/meetings/{meetingId}/registrants/questions", Category: Light, Scopes: []string{"meeting:read", "meeting:read:admin"}, Granular: []string{"meeting:read:list_registration_questions", "meeting:read:list_registration_questions:admin"}},
	{Method: "GET", Pattern: "/meetings/{meetingId}/polls", Category: Light, Scopes: []string{"meeting:read:admin", "meeting:read"}, Granular: []string{"meeting:read:list_polls", "meeting:read:list_polls:admin"}},
	{Method: "GET", Pattern: "/past_meetings/{meetingId}/instances", Category: Medium, Scopes: []string{"meeting:read:admin", "meeting:read"}, Granular: []string{"meeting:read:list_past_instances", "meeting:read:list_past_instances:admin"}},
	{Method: "GET", Pattern: "/past_meetings/{meetingId}/participants", Category: Medium, Scopes: []string{"meeting:read:admin", "meeting:read"}, Granular: []string{"meeting:read:list_past_participants", "meeting:read:list_past_participants:admin"}},
	{Method: "GET", Pattern: "/past_meetings/{meetingId}/polls", Category: Medium, Scopes: []string{"meeting:read:admin", "meeting:read"}, Granular: []string{"meeting:read:list_poll_results", "meeting:read:list_poll_results:admin"}},
	{Method: "GET", Pattern: "/users/{userId}/webinars", Category: Medium, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:list_webinars", "webinar:read:list_webinars:admin"}},
	{Method: "GET", Pattern: "/webinars/{webinarId}", Category: Light, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:webinar", "webinar:read:webinar:admin"}},
	{Method: "GET", Pattern: "/webinars/{webinarId}/registrants", Category: Medium, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:list_registrants", "webinar:read:list_registrants:admin"}},
	{Method: "GET", Pattern: "/webinars/{webinarId}/registrants/questions", Category: Light, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:list_registration_questions", "webinar:read:list_registration_questions:admin"}},
	{Method: "GET", Pattern: "/webinars/{webinarId}/panelists", Category: Medium, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:list_panelists", "webinar:read:list_panelists:admin"}},
	{Method: "GET", Pattern: "/webinars/{webinarId}/polls", Category: Light, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:list_polls", "webinar:read:list_polls:admin"}},
	{Method: "GET", Pattern: "/webinars/{webinarId}/tracking_sources", Category: Medium, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:list_tracking_sources", "webinar:read:list_tracking_sources:admin"}},
	{Method: "GET", Pattern: "/past_webinars/{webinarId}/participants", Category: Medium, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:list_past_participants:admin", "webinar:read:list_past_participants"}},
	{Method: "GET", Pattern: "/past_webinars/{webinarId}/absentees", Category: Heavy, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:list_absentees", "webinar:read:list_absentees:admin"}},
	{Method: "GET", Pattern: "/past_webinars/{webinarId}/polls", Category: Medium, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:list_past_polls", "webinar:read:list_past_polls:admin"}},
	{Method: "GET", Pattern: "/past_webinars/{webinarId}/qa", Category: Medium, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:past_qa", "webinar:read:past_qa:admin"}},
	{Method: "GET", Pattern: "/report/daily", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: nil},
	{Method: "GET", Pattern: "/report/users", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:list_users:admin"}},
	{Method: "GET", Pattern: "/report/activities", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:user_activities:admin"}},
	{Method: "GET", Pattern: "/report/users/{userId}/meetings", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:user:admin"}},
	{Method: "GET", Pattern: "/report/meetings/{meetingId}", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:meeting:admin"}},
	{Method: "GET", Pattern: "/report/meetings/{meetingId}/participants", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:list_meeting_participants:admin"}},
	{Method: "GET", Pattern: "/report/webinars/{webinarId}", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:webinar:admin"}},
	{Method: "GET", Pattern: "/report/webinars/{webinarId}/participants", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:list_webinar_participants:admin"}},
	{Method: "GET", Pattern: "/users/{userId}/recordings", Category: Medium, Scopes: []string{"recording:read:admin", "recording:read"}, Granular: []string{"cloud_recording:read:list_user_recordings", "cloud_recording:read:list_user_recordings:master", "cloud_recording:read:list_user_recordings:admin"}},
	{Method: "POST", Pattern: "/meetings/{meetingId}/registrants", Category: Light, Scopes: []string{"meeting:write:admin", "meeting:write"}, Granular: []string{"meeting:write:registrant", "meeting:write:registrant:admin"}},
	{Method: "POST", Pattern: "/webinars/{webinarId}/registrants", Category: Light, Scopes: []string{"webinar:write:admin", "webinar:write"}, Granular: []string{"webinar:write:registrant", "webinar:write:registrant:admin"}},
	{Method: "POST", Pattern: "/meetings/{meetingId}/batch_registrants", Category: Heavy, Scopes: []string{"meeting:write", "meeting:write:admin"}, Granular: []string{"meeting:write:batch_registrants", "meeting:write:batch_registrants:admin"}},
	{Method: "POST", Pattern: "/webinars/{webinarId}/batch_registrants", Category: Heavy, Scopes: []string{"webinar:write", "webinar:write:admin"}, Granular: []string{"webinar:write:batch_registrants", "webinar:write:batch_registrants:admin"}},
}
