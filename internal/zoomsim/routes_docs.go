package zoomsim

// routeTableDocs lists the simulated endpoints that endpoints.json does not
// index (it covers the connector's first 27 streams only). Their rate-limit
// label and scopes are taken by hand from the operation in Zoom's OpenAPI
// documents (../shared/zoom-openapi): the 2025 document's "Rate Limit
// Label", x-macro-scopes and x-granular-scopes where it has the path,
// else the 2023 document's description (classic scopes only). The
// conformance test derives the same values from the documents and compares.
var routeTableDocs = []Route{
	// meetings-api-2025.json, operationId pastWebinars.
	{Method: "GET", Pattern: "/past_webinars/{webinarId}/instances", Category: Light, Scopes: []string{"webinar:read:admin", "webinar:read"}, Granular: []string{"webinar:read:list_past_instances", "webinar:read:list_past_instances:admin"}},
	// ZoomMeetingAPISpec-2023.json (the 2025 document has no Groups or
	// Roles API; the 2023 one lists classic scopes only): groups,
	// groupMembers, roles, roleMembers.
	{Method: "GET", Pattern: "/groups", Category: Medium, Scopes: []string{"group:read:admin"}},
	{Method: "GET", Pattern: "/groups/{groupId}/members", Category: Medium, Scopes: []string{"group:read:admin"}},
	{Method: "GET", Pattern: "/roles", Category: Medium, Scopes: []string{"role:read:admin"}},
	{Method: "GET", Pattern: "/roles/{roleId}/members", Category: Medium, Scopes: []string{"role:read:admin"}},
	// meetings-api-2025.json, operationId trackingfieldList.
	{Method: "GET", Pattern: "/tracking_fields", Category: Medium, Scopes: []string{"tracking_fields:read:admin"}, Granular: []string{"tracking_field:read:list_tracking_fields:admin"}},
	// meetings-api-2025.json: listPastMeetingQA, reportMeetingQA,
	// reportMeetingSurvey, reportWebinarSurvey.
	{Method: "GET", Pattern: "/past_meetings/{meetingId}/qa", Category: Medium, Scopes: []string{"meeting:read:admin", "meeting:read"}, Granular: []string{"meeting:read:past_qa", "meeting:read:past_qa:admin"}},
	{Method: "GET", Pattern: "/report/meetings/{meetingId}/qa", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:meeting_qna:admin"}},
	{Method: "GET", Pattern: "/report/meetings/{meetingId}/survey", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:meeting_survey:admin"}},
	{Method: "GET", Pattern: "/report/webinars/{webinarId}/survey", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:webinar_survey:admin"}},
	// meetings-api-2025.json: reportOperationLogs, reportCloudRecording (no
	// granular scope listed).
	{Method: "GET", Pattern: "/report/operationlogs", Category: Heavy, Scopes: []string{"report:read:admin"}, Granular: []string{"report:read:operation_logs:admin"}},
	{Method: "GET", Pattern: "/report/cloud_recording", Category: Heavy, Scopes: []string{"report:read:admin"}},
	// meetings-api-2025.json: Listmeetingsummaries, Getameetingsummary.
	{Method: "GET", Pattern: "/meetings/meeting_summaries", Category: Medium, Scopes: []string{"meeting_summary:read:admin"}, Granular: []string{"meeting:read:list_summaries:admin"}},
	{Method: "GET", Pattern: "/meetings/{meetingId}/meeting_summary", Category: Light, Scopes: []string{"meeting_summary:read", "meeting_summary:read:admin"}, Granular: []string{"meeting:read:summary", "meeting:read:summary:admin"}},
	// meetings-api-2025.json, operationId GetMeetingTranscript.
	{Method: "GET", Pattern: "/meetings/{meetingId}/transcript", Category: Medium, Scopes: []string{"recording:read", "recording:write", "recording:read:admin", "recording:write:admin"}, Granular: []string{"cloud_recording:read:meeting_transcript", "cloud_recording:read:meeting_transcript:admin"}},
	// ZoomMeetingAPISpec-2023.json (Dashboards are not in the 2025
	// document; classic scopes only): dashboardMeetings is labelled
	// Resource-intensive, dashboardMeetingParticipants Heavy.
	{Method: "GET", Pattern: "/metrics/meetings", Category: ResourceIntensive, Scopes: []string{"dashboard_meetings:read:admin"}},
	{Method: "GET", Pattern: "/metrics/meetings/{meetingId}/participants", Category: Heavy, Scopes: []string{"dashboard_meetings:read:admin"}},
}
