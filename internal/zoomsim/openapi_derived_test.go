package zoomsim

import (
	"fmt"
	"sort"
	"strings"
)

// Endpoints the simulator serves that endpoints.json does not index (it
// covers the connector's first 27 streams): their entries are derived here
// from the OpenAPI documents the same way endpoints.json was (SOURCE.md),
// so the conformance tests check them like the others. The 2025 document
// is preferred where both have the path.

// deriveEndpoint builds the endpoints.json-style entry of method and path
// from the first document that has the operation.
func (s *zoomSpec) deriveEndpoint(method, path string) (specEndpoint, error) {
	for _, name := range []string{spec2025, spec2023} {
		d := s.docs[name]
		op, err := d.operation(method, path)
		if err != nil {
			continue
		}
		e := specEndpoint{Method: method, Path: path, Source: name, RateLimitLabel: rateLimitLabel(op),
			Scopes: classicScopes(op), GranularScopes: granularScopes(op)}
		e.OperationID, _ = op["operationId"].(string)
		params, err := d.parameters(method, path)
		if err != nil {
			return e, err
		}
		keys := make([]string, 0, len(params))
		for k := range params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e.Parameters = append(e.Parameters, derivedParam(params[k]))
		}
		rs, _ := op["responses"].(map[string]any)
		for code := range rs {
			e.ResponseCodes = append(e.ResponseCodes, code)
		}
		sort.Strings(e.ResponseCodes)
		e.ArrayFields, err = d.arrayFields(op)
		return e, err
	}
	return specEndpoint{}, fmt.Errorf("%s %s: in neither OpenAPI document", method, path)
}

// derivedParam is one OpenAPI parameter in endpoints.json's form.
func derivedParam(p map[string]any) specParam {
	sp := specParam{}
	sp.Name, _ = p["name"].(string)
	sp.In, _ = p["in"].(string)
	sp.Required, _ = p["required"].(bool)
	sch, _ := p["schema"].(map[string]any)
	sp.Type, _ = sch["type"].(string)
	sp.Format, _ = sch["format"].(string)
	sp.Enum, _ = sch["enum"].([]any)
	sp.Default = sch["default"]
	if f, ok := oaJSONFloat(sch["maximum"]); ok {
		v, _ := f.Float64()
		sp.Maximum = &v
	}
	if sp.Default != nil {
		if f, ok := oaJSONFloat(sp.Default); ok {
			v, _ := f.Float64()
			sp.Default = v
		}
	}
	return sp
}

// arrayFields lists the top-level array members of the operation's 200
// answer.
func (d *openAPIDoc) arrayFields(op map[string]any) ([]string, error) {
	rs, _ := op["responses"].(map[string]any)
	r, err := d.resolve(rs["200"])
	if err != nil {
		return nil, err
	}
	rm, _ := r.(map[string]any)
	content, _ := rm["content"].(map[string]any)
	mt, _ := content["application/json"].(map[string]any)
	sch, _ := mt["schema"].(map[string]any)
	var out []string
	props, _ := sch["properties"].(map[string]any)
	allOf, _ := sch["allOf"].([]any)
	for _, all := range allOf {
		am, _ := all.(map[string]any)
		ap, _ := am["properties"].(map[string]any)
		for k, v := range ap {
			if props == nil {
				props = map[string]any{}
			}
			props[k] = v
		}
	}
	for k, v := range props {
		if vm, _ := v.(map[string]any); vm["type"] == "array" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// addDerivedEndpoints appends the derived entries of the routes in
// routeTableDocs.
func (s *zoomSpec) addDerivedEndpoints() error {
	var errs []string
	for _, rt := range routeTableDocs {
		if _, ok := s.endpoint(rt.Method, rt.Pattern); ok {
			errs = append(errs, rt.Method+" "+rt.Pattern+": endpoints.json has it now; move it to routes_data.go")
			continue
		}
		e, err := s.deriveEndpoint(rt.Method, rt.Pattern)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		s.endpoints = append(s.endpoints, e)
	}
	if len(errs) > 0 {
		return fmt.Errorf("derived endpoints: %s", strings.Join(errs, "; "))
	}
	return nil
}
