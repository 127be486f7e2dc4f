package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrInvalidRecord is returned (wrapped) when a record is not a JSON object.
// Such an error leaves the writer usable: nothing was written for the record.
var ErrInvalidRecord = errors.New("record is not a JSON object")

// Row is one record converted to the schema IR: Row[i] is the value of the
// i-th field of the enclosing field list (Schema.Fields at the top level,
// Field.Fields inside a struct). A nil entry is null. By kind, values are:
//
//	KindBool       bool
//	KindInt64      int64
//	KindFloat64    float64
//	KindString     string
//	KindTimestamp  int64, microseconds since the Unix epoch, UTC
//	KindDate       int32, days since the Unix epoch
//	KindStruct     Row
//	KindList       []any (elements as above, nil for a null element)
//	KindJSON       string holding compact JSON text
//
// The ExtraColumn entry is a string holding a JSON object, or nil.
type Row []any

// Convert turns one JSON object into a Row of s. It returns the row and the
// _extra object (nil when empty), which is also stored in the row's
// ExtraColumn entry.
//
// Values are never dropped: a property the schema does not know, or a value
// that does not fit its field's type (a string in an integer field, an
// integer beyond int64, a malformed date-time, an object where a scalar is
// expected, ...), is left null in the row and kept verbatim in _extra under
// its path: "name" at the top level, "parent.child" inside structs and
// "list[3]" / "list[3].child" inside lists.
//
// Integers are parsed from the JSON text and stay exact; date-time values are
// parsed as RFC 3339 (Zoom sends "2006-01-02T15:04:05Z") and converted to UTC
// microseconds; a date-time with sub-microsecond digits does not fit and goes
// to _extra.
func (s *Schema) Convert(rec json.RawMessage) (Row, json.RawMessage, error) {
	rec = bytes.TrimSpace(rec)
	if len(rec) == 0 || rec[0] != '{' {
		return nil, nil, fmt.Errorf("stream %q: %w", s.Stream, ErrInvalidRecord)
	}
	if !json.Valid(rec) {
		return nil, nil, fmt.Errorf("stream %q: %w: invalid JSON", s.Stream, ErrInvalidRecord)
	}
	var c converter
	row := c.object(s.Fields, rec, "", s.extraIndex)
	if len(c.extra) == 0 {
		return row, nil, nil
	}
	extra, err := c.encodeExtra()
	if err != nil {
		return nil, nil, fmt.Errorf("stream %q: encode %s: %w", s.Stream, ExtraColumn, err)
	}
	row[s.extraIndex] = string(extra)
	return row, extra, nil
}

type converter struct {
	extra map[string]json.RawMessage
}

func (c *converter) addExtra(path string, raw json.RawMessage) {
	if c.extra == nil {
		c.extra = make(map[string]json.RawMessage)
	}
	c.extra[path] = raw
}

func (c *converter) encodeExtra() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c.extra); err != nil { // keys sorted, values compacted
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func findField(fields []*Field, name string) (int, bool) {
	return slices.BinarySearchFunc(fields, name, func(f *Field, n string) int { return strings.Compare(f.Name, n) })
}

// object converts the JSON object obj (validated) against fields (sorted by
// name). skip is the index of a field that is never read from the record
// (ExtraColumn at the top level), or -1. For a repeated key the last wins.
func (c *converter) object(fields []*Field, obj []byte, prefix string, skip int) Row {
	row := make(Row, len(fields))
	eachMember(obj, func(name string, raw []byte) {
		if i, ok := findField(fields, name); ok && i != skip {
			row[i] = c.value(fields[i], raw, joinPath(prefix, name))
			return
		}
		c.addExtra(joinPath(prefix, name), raw)
	})
	return row
}

func isNumber(raw []byte) bool { return raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') }

func (c *converter) value(f *Field, raw []byte, path string) any {
	if string(raw) == "null" {
		return nil
	}
	switch f.Kind {
	case KindBool:
		switch string(raw) {
		case "true":
			return true
		case "false":
			return false
		}
	case KindInt64:
		if isNumber(raw) {
			if v, ok := parseInt(string(raw)); ok {
				return v
			}
		}
	case KindFloat64:
		if isNumber(raw) {
			if v, err := strconv.ParseFloat(string(raw), 64); err == nil {
				return v
			}
		}
	case KindString:
		if s, ok := unquote(raw); ok {
			return s
		}
	case KindTimestamp:
		if s, ok := unquote(raw); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil && t.Nanosecond()%1000 == 0 {
				return t.UTC().UnixMicro()
			}
		}
	case KindDate:
		if s, ok := unquote(raw); ok {
			if t, err := time.Parse(time.DateOnly, s); err == nil {
				return int32(floorDiv(t.Unix(), 86400))
			}
		}
	case KindStruct:
		if raw[0] == '{' {
			return c.object(f.Fields, raw, path, -1)
		}
	case KindList:
		if raw[0] == '[' {
			out := []any{}
			eachElement(raw, func(e []byte) {
				out = append(out, c.value(f.Elem, e, path+"["+strconv.Itoa(len(out))+"]"))
			})
			return out
		}
	default: // KindJSON
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err == nil {
			return buf.String()
		}
	}
	c.addExtra(path, raw)
	return nil
}

// The scanners below walk JSON that json.Valid accepted, so they only need
// to find where values end; they never allocate.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just after the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	default: // number, true, false, null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
			i++
		}
		return i
	}
}

// skipString returns the index just after the string literal at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// eachMember calls fn with the name and raw value of each member of the
// valid JSON object obj.
func eachMember(obj []byte, fn func(name string, raw []byte)) {
	i := skipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		end := skipString(obj, i)
		name, _ := unquote(obj[i:end])
		i = skipSpace(obj, end)
		i = skipSpace(obj, i+1) // ':'
		vend := skipValue(obj, i)
		fn(name, obj[i:vend])
		i = skipSpace(obj, vend)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
}

// eachElement calls fn with each raw element of the valid JSON array arr.
func eachElement(arr []byte, fn func(raw []byte)) {
	i := skipSpace(arr, 1)
	for i < len(arr) && arr[i] != ']' {
		end := skipValue(arr, i)
		fn(arr[i:end])
		i = skipSpace(arr, end)
		if i < len(arr) && arr[i] == ',' {
			i = skipSpace(arr, i+1)
		}
	}
}

// parseInt parses a JSON number as an exact int64. Integral values written
// with a fraction or exponent (1.0, 1e3) are accepted while they are exact.
func parseInt(s string) (int64, bool) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	if !strings.ContainsAny(s, ".eE") {
		return 0, false // out of range
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// unquote returns the value of a JSON string literal.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	// The record was validated by json.Valid, so a literal without escapes
	// is its own value.
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
