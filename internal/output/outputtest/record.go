package outputtest

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/output"
)

// The renderers below turn stored column values back into JSON values.

func renderInt64(v int64) any { return json.Number(strconv.FormatInt(v, 10)) }

func renderFloat64(v float64) (any, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Errorf("float %v is not a JSON number", v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return json.Number(b), nil
}

// renderTimestamp renders UTC microseconds as Zoom does: seconds precision
// unless the value has a fraction.
func renderTimestamp(us int64) any { return time.UnixMicro(us).UTC().Format(time.RFC3339Nano) }

func renderDate(days int32) any {
	return time.Unix(int64(days)*86400, 0).UTC().Format(time.DateOnly)
}

func renderJSON(text string) (any, error) {
	v, err := decodeJSON([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("JSON column: %w", err)
	}
	return v, nil
}

// finishRecord builds the record of one row from its top-level values (nil
// for null, in s.Fields order) and merges its _extra text into it.
func finishRecord(s *output.Schema, vals []any) (map[string]any, error) {
	rec := make(map[string]any, len(vals))
	var extra any
	for i, f := range s.Fields {
		switch {
		case vals[i] == nil:
		case f.Name == output.ExtraColumn:
			extra = vals[i]
		default:
			rec[f.Name] = vals[i]
		}
	}
	if extra == nil {
		return rec, nil
	}
	text, ok := extra.(string)
	if !ok {
		return nil, fmt.Errorf("%s column holds %T", output.ExtraColumn, extra)
	}
	if err := mergeExtra(rec, s.Fields, text); err != nil {
		return nil, err
	}
	return rec, nil
}

// mergeExtra puts every member of the _extra object text back into rec at
// its path.
func mergeExtra(rec map[string]any, fields []*output.Field, text string) error {
	v, err := decodeJSON([]byte(text))
	if err != nil {
		return fmt.Errorf("%s: %w", output.ExtraColumn, err)
	}
	extra, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s is not a JSON object: %.200s", output.ExtraColumn, text)
	}
	for path, val := range extra {
		if err := setInObject(rec, fields, path, val); err != nil {
			return fmt.Errorf("%s path %q: %w", output.ExtraColumn, path, err)
		}
	}
	return nil
}

// setInObject sets the value at path inside obj, an object of the given
// schema fields. The path descends into a struct or list field only when
// that field is present in obj; otherwise the whole path is a member name.
func setInObject(obj map[string]any, fields []*output.Field, path string, v any) error {
	for _, f := range fields {
		if len(path) <= len(f.Name) || !strings.HasPrefix(path, f.Name) {
			continue
		}
		rest := path[len(f.Name):]
		switch {
		case f.Kind == output.KindStruct && rest[0] == '.':
			if child, ok := obj[f.Name].(map[string]any); ok {
				return setInObject(child, f.Fields, rest[1:], v)
			}
		case f.Kind == output.KindList && rest[0] == '[':
			if list, ok := obj[f.Name].([]any); ok {
				return setInList(list, f.Elem, rest, v)
			}
		}
	}
	if _, dup := obj[path]; dup {
		return fmt.Errorf("member %q also has a column value", path)
	}
	obj[path] = v
	return nil
}

// setInList sets the value at path ("[i]" followed by the rest of the path)
// inside list, whose elements are of field elem.
func setInList(list []any, elem *output.Field, path string, v any) error {
	end := strings.IndexByte(path, ']')
	if end < 0 {
		return fmt.Errorf("unterminated index in %q", path)
	}
	i, err := strconv.Atoi(path[1:end])
	if err != nil || i < 0 || i >= len(list) {
		return fmt.Errorf("index %q out of the list's %d elements", path[:end+1], len(list))
	}
	rest := path[end+1:]
	switch {
	case rest == "":
		if list[i] != nil {
			return fmt.Errorf("element %d also has a column value", i)
		}
		list[i] = v
		return nil
	case elem.Kind == output.KindStruct && rest[0] == '.':
		if child, ok := list[i].(map[string]any); ok {
			return setInObject(child, elem.Fields, rest[1:], v)
		}
	case elem.Kind == output.KindList && rest[0] == '[':
		if child, ok := list[i].([]any); ok {
			return setInList(child, elem.Elem, rest, v)
		}
	}
	return fmt.Errorf("element %d has no place for %q", i, rest)
}
