package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Issues are what Inspect found in a record: the paths Convert would keep
// in _extra, told apart by why.
type Issues struct {
	// Undeclared are the paths of values the schema does not declare.
	Undeclared []string
	// Mismatched are the paths of declared fields whose value does not fit
	// the declared type (a malformed date-time, a string in an integer
	// field, an object where a scalar is expected, ...).
	Mismatched []string

	path []byte // the walk's scratch path, kept between records
}

// Reset empties the lists, keeping their storage.
func (is *Issues) Reset() {
	is.Undeclared, is.Mismatched = is.Undeclared[:0], is.Mismatched[:0]
}

// Inspect checks one record against s as Convert would, without building
// the row: it walks the raw JSON against the schema's fields and appends
// to is the path of every value Convert would keep in _extra (same paths,
// same rules), each in Undeclared or Mismatched. The record must be a JSON
// object; it is validated. The common case (every value declared and
// fitting) allocates nothing.
func (s *Schema) Inspect(rec json.RawMessage, is *Issues) error {
	rec = bytes.TrimSpace(rec)
	if len(rec) == 0 || rec[0] != '{' {
		return fmt.Errorf("stream %q: %w", s.Stream, ErrInvalidRecord)
	}
	if !json.Valid(rec) {
		return fmt.Errorf("stream %q: %w: invalid JSON", s.Stream, ErrInvalidRecord)
	}
	in := inspector{is: is, path: is.path[:0]}
	in.object(s.Fields, rec, s.extraIndex)
	is.path = in.path
	return nil
}

// inspector walks a validated record; path holds the current value's path.
type inspector struct {
	is   *Issues
	path []byte
}

func (in *inspector) object(fields []*Field, obj []byte, skip int) {
	i := skipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		end := skipString(obj, i)
		rawName := obj[i:end]
		i = skipSpace(obj, end)
		i = skipSpace(obj, i+1) // ':'
		vend := skipValue(obj, i)
		in.member(fields, rawName, obj[i:vend], skip)
		i = skipSpace(obj, vend)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
}

// member inspects one member: rawName is its name as a JSON literal.
func (in *inspector) member(fields []*Field, rawName, raw []byte, skip int) {
	mark := len(in.path)
	if mark > 0 {
		in.path = append(in.path, '.')
	}
	var idx int
	var ok bool
	if inner := rawName[1 : len(rawName)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		in.path = append(in.path, inner...)
		idx, ok = findFieldBytes(fields, inner)
	} else {
		name, _ := unquote(rawName)
		in.path = append(in.path, name...)
		idx, ok = findField(fields, name)
	}
	if !ok || idx == skip {
		in.is.Undeclared = append(in.is.Undeclared, string(in.path))
	} else {
		in.value(fields[idx], raw)
	}
	in.path = in.path[:mark]
}

// value inspects raw against f, with the rules of converter.value.
func (in *inspector) value(f *Field, raw []byte) {
	if fits(f, raw) {
		switch {
		case f.Kind == KindStruct && raw[0] == '{':
			in.object(f.Fields, raw, -1)
		case f.Kind == KindList && raw[0] == '[':
			in.list(f.Elem, raw)
		}
		return
	}
	in.is.Mismatched = append(in.is.Mismatched, string(in.path))
}

func (in *inspector) list(elem *Field, arr []byte) {
	mark := len(in.path)
	i := skipSpace(arr, 1)
	for n := 0; i < len(arr) && arr[i] != ']'; n++ {
		end := skipValue(arr, i)
		in.path = append(in.path, '[')
		in.path = strconv.AppendInt(in.path, int64(n), 10)
		in.path = append(in.path, ']')
		in.value(elem, arr[i:end])
		in.path = in.path[:mark]
		i = skipSpace(arr, end)
		if i < len(arr) && arr[i] == ',' {
			i = skipSpace(arr, i+1)
		}
	}
}

// fits reports whether the valid JSON value raw fits f's kind as
// converter.value decides it (structs and lists fit when they are an
// object or an array; their members are inspected on their own).
func fits(f *Field, raw []byte) bool {
	if raw[0] == 'n' { // null
		return true
	}
	switch f.Kind {
	case KindBool:
		return raw[0] == 't' || raw[0] == 'f'
	case KindInt64:
		if !isNumber(raw) {
			return false
		}
		if plainInt(raw) {
			return true
		}
		_, ok := parseInt(string(raw))
		return ok
	case KindFloat64:
		if !isNumber(raw) {
			return false
		}
		if len(raw) <= 300 && bytes.IndexAny(raw, "eE") < 0 {
			return true // no exponent: within float64's range
		}
		_, err := strconv.ParseFloat(string(raw), 64)
		return err == nil
	case KindString:
		return raw[0] == '"'
	case KindTimestamp:
		if raw[0] != '"' {
			return false
		}
		if plainTimestamp(raw[1 : len(raw)-1]) {
			return true
		}
		s, ok := unquote(raw)
		if !ok {
			return false
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		return err == nil && t.Nanosecond()%1000 == 0
	case KindDate:
		if raw[0] != '"' {
			return false
		}
		if plainDate(raw[1 : len(raw)-1]) {
			return true
		}
		s, ok := unquote(raw)
		if !ok {
			return false
		}
		_, err := time.Parse(time.DateOnly, s)
		return err == nil
	case KindStruct:
		return raw[0] == '{'
	case KindList:
		return raw[0] == '['
	default: // KindJSON: any valid JSON value
		return true
	}
}

// plainInt reports whether raw is an integer literal of at most 18 digits,
// which always fits an int64.
func plainInt(raw []byte) bool {
	d := raw
	if d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 18 {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// plainDate reports whether b is a valid date written YYYY-MM-DD, which
// time.Parse(time.DateOnly) accepts. Other spellings are left to
// time.Parse.
func plainDate(b []byte) bool {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return false
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	return ok1 && ok2 && ok3 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(m, y)
}

// plainTimestamp reports whether b is a valid UTC date-time written
// YYYY-MM-DDTHH:MM:SSZ (as Zoom writes them), which
// time.Parse(time.RFC3339Nano) accepts. Other spellings are left to
// time.Parse.
func plainTimestamp(b []byte) bool {
	if len(b) != 20 || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != 'Z' || !plainDate(b[:10]) {
		return false
	}
	h, ok1 := digits(b[11:13])
	m, ok2 := digits(b[14:16])
	s, ok3 := digits(b[17:19])
	return ok1 && ok2 && ok3 && h < 24 && m < 60 && s < 60
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// findFieldBytes is findField for a name given as bytes, without
// allocating.
func findFieldBytes(fields []*Field, name []byte) (int, bool) {
	lo, hi := 0, len(fields)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if compareStringBytes(fields[mid].Name, name) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(fields) && compareStringBytes(fields[lo].Name, name) == 0
}

func compareStringBytes(s string, b []byte) int {
	n := min(len(s), len(b))
	for i := 0; i < n; i++ {
		if s[i] != b[i] {
			if s[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return len(s) - len(b)
}
