package zoomsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Routes returns every simulated Zoom endpoint: the tables in
// routes_data.go (categories and scopes from endpoints.json) and
// routes_docs.go (from the OpenAPI documents, for endpoints endpoints.json
// does not index) joined with their handlers.
func (d *Dataset) Routes() []Route {
	handlers := map[string]func(*Call){
		"GET /users":                                      handleListUsers,
		"GET /users/{userId}":                             handleGetUser,
		"GET /users/{userId}/meetings":                    handleListMeetings,
		"GET /meetings/{meetingId}":                       handleGetMeeting,
		"GET /meetings/{meetingId}/registrants":           handleRegistrants(false),
		"GET /meetings/{meetingId}/registrants/questions": handleQuestions(false),
		"GET /meetings/{meetingId}/polls":                 handlePolls(false),
		"GET /past_meetings/{meetingId}/instances":        handlePastInstances,
		"GET /past_meetings/{meetingId}/participants":     handlePastParticipants(false),
		"GET /past_meetings/{meetingId}/polls":            handlePastPolls(false),
		"GET /users/{userId}/webinars":                    handleListWebinars,
		"GET /webinars/{webinarId}":                       handleGetWebinar,
		"GET /webinars/{webinarId}/registrants":           handleRegistrants(true),
		"GET /webinars/{webinarId}/registrants/questions": handleQuestions(true),
		"GET /webinars/{webinarId}/panelists":             handlePanelists,
		"GET /webinars/{webinarId}/polls":                 handlePolls(true),
		"GET /webinars/{webinarId}/tracking_sources":      handleTrackingSources,
		"GET /past_webinars/{webinarId}/participants":     handlePastParticipants(true),
		"GET /past_webinars/{webinarId}/absentees":        handleAbsentees,
		"GET /past_webinars/{webinarId}/polls":            handlePastPolls(true),
		"GET /past_webinars/{webinarId}/qa":               handlePastQA,
		"GET /past_webinars/{webinarId}/instances":        handlePastWebinarInstances,
		"GET /groups":                                    handleGroups,
		"GET /groups/{groupId}/members":                  handleGroupMembers,
		"GET /roles":                                     handleRoles,
		"GET /roles/{roleId}/members":                    handleRoleMembers,
		"GET /past_meetings/{meetingId}/qa":              handleMeetingQA,
		"GET /report/meetings/{meetingId}/qa":            handleReportMeetingQA,
		"GET /report/meetings/{meetingId}/survey":        handleReportSurvey(false),
		"GET /report/webinars/{webinarId}/survey":        handleReportSurvey(true),
		"GET /report/operationlogs":                      handleOperationLogs,
		"GET /report/cloud_recording":                    handleCloudRecordingReport,
		"GET /meetings/meeting_summaries":                handleMeetingSummaries,
		"GET /meetings/{meetingId}/meeting_summary":      handleMeetingSummary,
		"GET /meetings/{meetingId}/transcript":           handleTranscript,
		"GET /metrics/meetings":                          handleMetricsMeetings,
		"GET /metrics/meetings/{meetingId}/participants": handleMetricsParticipants,
		"GET /tracking_fields":                           handleTrackingFields,
		"GET /report/daily":                              handleReportDaily,
		"GET /report/users":                              handleReportUsers,
		"GET /report/activities":                         handleReportActivities,
		"GET /report/users/{userId}/meetings":            handleReportUserMeetings,
		"GET /report/meetings/{meetingId}":               handleReportMeeting(false),
		"GET /report/meetings/{meetingId}/participants":  handleReportParticipants(false),
		"GET /report/webinars/{webinarId}":               handleReportMeeting(true),
		"GET /report/webinars/{webinarId}/participants":  handleReportParticipants(true),
		"GET /users/{userId}/recordings":                 handleRecordings,
		"POST /meetings/{meetingId}/registrants":         handleAddRegistrant(false),
		"POST /webinars/{webinarId}/registrants":         handleAddRegistrant(true),
		"POST /meetings/{meetingId}/batch_registrants":   handleBatchRegistrants(false),
		"POST /webinars/{webinarId}/batch_registrants":   handleBatchRegistrants(true),

		"PUT /meetings/{meetingId}/registrants/status":            handleRegistrantStatus(false),
		"PUT /webinars/{webinarId}/registrants/status":            handleRegistrantStatus(true),
		"DELETE /meetings/{meetingId}/registrants/{registrantId}": handleDeleteRegistrant(false),
		"DELETE /webinars/{webinarId}/registrants/{registrantId}": handleDeleteRegistrant(true),
		"POST /webinars/{webinarId}/panelists":                    handleAddPanelists,
		"DELETE /webinars/{webinarId}/panelists/{panelistId}":     handleRemovePanelist,
	}
	table := append(append(append([]Route(nil), routeTable...), lifecycleRouteTable...), routeTableDocs...)
	out := make([]Route, 0, len(table))
	for _, rt := range table {
		h := handlers[rt.Method+" "+rt.Pattern]
		if h == nil {
			panic("zoomsim: no handler for " + rt.Method + " " + rt.Pattern)
		}
		rt.Handle = h
		rt.Scopes = append([]string(nil), rt.Scopes...)
		rt.Granular = append([]string(nil), rt.Granular...)
		out = append(out, rt)
	}
	return out
}

// userListItem is a user as GET /users lists it. Pending users have no id,
// pmi, last_login_time or last_client_version. display_name, language,
// phone_number and user_created_at are not in the 2023 schema but Zoom
// sends them (facts file, section f; the capture in zoom_sends.json).
func (u *User) listItem() map[string]any {
	o := map[string]any{
		"email": u.Email, "first_name": u.FirstName, "last_name": u.LastName,
		"display_name": u.FirstName + " " + u.LastName,
		"type":         u.Type, "status": u.Status, "timezone": u.Timezone, "dept": u.Dept,
		"created_at": ztime(u.CreatedAt), "role_id": u.RoleID, "verified": u.Verified,
		"language": u.Language, "phone_number": "", "user_created_at": ztime(u.CreatedAt),
	}
	if u.ID != "" {
		o["id"] = u.ID
		o["pmi"] = u.PMI
		o["last_login_time"] = ztime(u.LastLogin)
		o["last_client_version"] = u.ClientVersion
	}
	if u.GroupIDs != nil {
		o["group_ids"] = u.GroupIDs
	} else {
		o["group_ids"] = []string{}
	}
	return o
}

// detail is a user as GET /users/{userId} returns it.
func (u *User) detail(d *Dataset) map[string]any {
	o := u.listItem()
	delete(o, "display_name")
	delete(o, "user_created_at")
	o["account_id"] = d.AccountID
	o["account_number"] = int64(10_000_000 + int64(len(d.AccountID))*1_000_003)
	o["role_name"] = u.RoleName
	o["use_pmi"] = false
	o["language"] = u.Language
	o["cluster"] = "us05"
	o["phone_number"] = ""
	o["login_types"] = []int{100}
	o["im_group_ids"] = []string{}
	if u.ID != "" {
		o["personal_meeting_url"] = fmt.Sprintf("https://us05web.zoom.us/j/%d", u.PMI)
		o["jid"] = strings.ToLower(u.ID) + "@xmpp.zoom.us"
		o["pic_url"] = "https://us05web.zoom.us/p/v2/" + u.ID
	}
	return o
}

// userItems lists the users of one status, as GET /users serves them.
func (d *Dataset) userItems(status, roleID string) []any {
	var out []any
	for _, u := range d.Users {
		if u.Status == status && (roleID == "" || u.RoleID == roleID) {
			out = append(out, u.listItem())
		}
	}
	return out
}

// handleListUsers: GET /users (status active|inactive|pending, default
// active; invalid status is a validation error).
func handleListUsers(c *Call) {
	status := c.Query("status")
	if status == "" {
		status = "active"
	}
	if status != "active" && status != "inactive" && status != "pending" {
		c.Validation([]FieldError{{Field: "status", Message: "Invalid field."}})
		return
	}
	c.Page("users", c.Data.userItems(status, c.Query("role_id")), nil, PageOpts{Legacy: true})
}

// handleGetUser: GET /users/{userId}; "me" is the owner, an email works too.
func handleGetUser(c *Call) {
	key := c.Param("userId")
	u := c.Data.User(key)
	if u == nil {
		c.Error(http.StatusNotFound, 1001, "User does not exist: "+key+".")
		return
	}
	c.JSON(http.StatusOK, u.detail(c.Data))
}

// userParam resolves the userId path parameter or answers 404 code 1001.
func userParam(c *Call, msg string) *User {
	key := c.Param("userId")
	u := c.Data.User(key)
	if u == nil || u.ID == "" {
		if msg == "" {
			msg = "User does not exist: " + key + "."
		} else {
			msg = strings.ReplaceAll(msg, "{userId}", key)
		}
		c.Error(http.StatusNotFound, 1001, msg)
		return nil
	}
	return u
}

// parseID parses a numeric meeting or webinar ID.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}
