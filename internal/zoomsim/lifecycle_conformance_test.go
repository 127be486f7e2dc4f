package zoomsim

// The registrant lifecycle endpoints (status updates, deletes, panelists)
// are not indexed by ../shared/zoom-openapi/endpoints.json. The conformance
// tests take them straight from the Meeting API 2025 document instead (the
// documents win over the index): lifecycleEndpoints derives the same
// entry endpoints.json would hold.

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// lifecycleEndpoints returns the index entries of lifecycleRouteTable,
// derived from the 2025 document.
func lifecycleEndpoints(s *zoomSpec) ([]specEndpoint, error) {
	d := s.docs[spec2025]
	var out []specEndpoint
	for _, rt := range lifecycleRouteTable {
		op, err := d.operation(rt.Method, rt.Pattern)
		if err != nil {
			return nil, err
		}
		params, err := d.parameters(rt.Method, rt.Pattern)
		if err != nil {
			return nil, err
		}
		e := specEndpoint{Method: rt.Method, Path: rt.Pattern, Source: spec2025, RateLimitLabel: rateLimitLabel(op),
			Scopes: classicScopes(op), GranularScopes: granularScopes(op)}
		e.OperationID, _ = op["operationId"].(string)
		keys := make([]string, 0, len(params))
		for k := range params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := params[k]
			sch, _ := p["schema"].(map[string]any)
			sp := specParam{In: fmt.Sprint(p["in"]), Name: fmt.Sprint(p["name"])}
			sp.Required, _ = p["required"].(bool)
			sp.Type, _ = sch["type"].(string)
			sp.Format, _ = sch["format"].(string)
			sp.Enum, _ = sch["enum"].([]any)
			e.Parameters = append(e.Parameters, sp)
		}
		rs, _ := op["responses"].(map[string]any)
		for code := range rs {
			e.ResponseCodes = append(e.ResponseCodes, code)
		}
		sort.Strings(e.ResponseCodes)
		out = append(out, e)
	}
	return out, nil
}

// lifecycleCases are the conformance requests of the lifecycle routes.
func lifecycleCases(rt Route, fx confFixtures) []confCase {
	reg := func(m *Meeting, status string) *Registrant {
		for _, r := range generatedRegistrants(m) {
			if r.Status == status {
				return r
			}
		}
		return nil
	}
	path := func(m *Meeting, extra map[string]string) string {
		p := map[string]string{"meetingId": idStr(m.ID), "webinarId": idStr(m.ID)}
		for k, v := range extra {
			p[k] = v
		}
		return confFillPath(rt.Pattern, p)
	}
	switch rt.Method + " " + rt.Pattern {
	case "PUT /meetings/{meetingId}/registrants/status":
		p, d := reg(fx.regMeeting, "pending"), reg(fx.regMeeting, "denied")
		return []confCase{
			{name: "approve_by_id", path: path(fx.regMeeting, nil), body: map[string]any{"action": "approve", "registrants": []any{map[string]any{"id": p.ID}}}},
			{name: "deny_by_email", path: path(fx.regMeeting, nil), body: map[string]any{"action": "deny", "registrants": []any{map[string]any{"email": d.Email}}}},
		}
	case "PUT /webinars/{webinarId}/registrants/status":
		r := fx.regWebinarRegistrant()
		return []confCase{{name: "cancel", path: path(fx.regWebinar, nil), body: map[string]any{"action": "cancel", "registrants": []any{map[string]any{"id": r.ID, "email": r.Email}}}}}
	case "DELETE /meetings/{meetingId}/registrants/{registrantId}":
		return []confCase{{name: "delete", path: path(fx.regMeeting, map[string]string{"registrantId": url.PathEscape(reg(fx.regMeeting, "approved").ID)})}}
	case "DELETE /webinars/{webinarId}/registrants/{registrantId}":
		return []confCase{{name: "delete", path: path(fx.openWebinar, map[string]string{"registrantId": url.PathEscape(generatedRegistrants(fx.openWebinar)[0].ID)})}}
	case "POST /webinars/{webinarId}/panelists":
		return []confCase{{name: "two", path: path(fx.webinar, nil), body: map[string]any{"panelists": []any{
			map[string]any{"email": "panel.one@example.com", "name": "Panel One"},
			map[string]any{"email": "panel.two@example.com", "name": "Panel Two", "name_tag_description": "Speaker"},
		}}}}
	case "DELETE /webinars/{webinarId}/panelists/{panelistId}":
		return []confCase{{name: "by_id", path: path(fx.pastWebinar, map[string]string{"panelistId": url.PathEscape(panelistItems(fx.pastWebinar)[0]["id"].(string))})}}
	}
	return nil
}

// regWebinarRegistrant is a registrant of the webinar with registration.
func (fx confFixtures) regWebinarRegistrant() *Registrant {
	regs := generatedRegistrants(fx.regWebinar)
	for i, r := range regs {
		// The DELETE case removes the open webinar's first registrant.
		if i == 0 && fx.regWebinar == fx.openWebinar && len(regs) > 1 {
			continue
		}
		if r.Status == "approved" {
			return r
		}
	}
	return regs[len(regs)-1]
}

// lifecycleNotFoundBody is the body a lifecycle route's 404 probe sends.
func lifecycleNotFoundBody(key string) any {
	switch {
	case strings.HasSuffix(key, "/registrants/status"):
		return map[string]any{"action": "approve", "registrants": []any{map[string]any{"email": "nobody@example.com"}}}
	case key == "POST /webinars/{webinarId}/panelists":
		return map[string]any{"panelists": []any{map[string]any{"email": "nobody@example.com", "name": "No Body"}}}
	}
	return nil
}
