package zoomsim

import (
	"fmt"
	"net/http"
)

// handleGroups: GET /groups (not paginated).
func handleGroups(c *Call) {
	items := c.Data.groupItems()
	c.JSON(http.StatusOK, map[string]any{"total_records": len(items), "groups": items})
}

// handleGroupMembers: GET /groups/{groupId}/members; an unknown group is
// 404 code 4130 (2023 document).
func handleGroupMembers(c *Call) {
	id := c.Param("groupId")
	if c.Data.groupByID(id) == nil {
		c.Error(http.StatusNotFound, 4130, fmt.Sprintf("A group with this %s does not exist.", id))
		return
	}
	c.Page("members", memberItems(c.Data.groupMembers(id), false), nil, PageOpts{Legacy: true})
}

// handleRoles: GET /roles (not paginated).
func handleRoles(c *Call) {
	items := c.Data.roleItems()
	c.JSON(http.StatusOK, map[string]any{"total_records": len(items), "roles": items})
}

// handleRoleMembers: GET /roles/{roleId}/members; an unknown role is 400
// code 1034 (2023 document).
func handleRoleMembers(c *Call) {
	id := c.Param("roleId")
	for _, r := range Roles {
		if r.ID == id {
			c.Page("members", memberItems(c.Data.roleMembers(id), true), nil, PageOpts{Legacy: true})
			return
		}
	}
	c.Error(http.StatusBadRequest, 1034, "Provided role_id does not exist.")
}

// handleTrackingFields: GET /tracking_fields (not paginated).
func handleTrackingFields(c *Call) {
	items := c.Data.trackingFieldItems()
	c.JSON(http.StatusOK, map[string]any{"total_records": len(items), "tracking_fields": items})
}

// handleOperationLogs: GET /report/operationlogs (from and to required, at
// most a month; newest first; no total_records). Zoom documents no age
// limit for this report, so none is enforced.
func handleOperationLogs(c *Call) {
	from, to, ok := window(c, "", "", false)
	if !ok {
		return
	}
	cat := c.Query("category_type")
	c.Page("operation_logs", c.Data.operationLogItems(from, to, cat), nil, PageOpts{NoTotal: true})
}

// handleCloudRecordingReport: GET /report/cloud_recording (from and to
// required, at most a month within the last six; not paginated).
func handleCloudRecordingReport(c *Call) {
	from, to, ok := window(c, "", "", true)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, map[string]any{"from": from.Format(zoomDate), "to": to.Format(zoomDate),
		"cloud_recording_storage": c.Data.cloudRecordingItems(from, to, c.Now)})
}
