package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"
)

// ExtraColumn is the name of the nullable string column, present in every
// output schema, that holds a JSON object of the record's values that the
// stream's schema does not know or that do not fit their declared type.
const ExtraColumn = "_extra"

// Kind is the type of a Field in the schema IR.
type Kind int

// The kinds of the schema IR. Every field is nullable.
const (
	// KindJSON holds any JSON value as JSON text: free-form objects,
	// oneOf/anyOf/allOf with several branches, mixed types, unknown types.
	KindJSON Kind = iota
	// KindBool is a JSON boolean.
	KindBool
	// KindInt64 is a JSON Schema "integer", kept exact (no float64 round trip).
	KindInt64
	// KindFloat64 is a JSON Schema "number".
	KindFloat64
	// KindString is a JSON Schema "string" without a format we type.
	KindString
	// KindTimestamp is a string with format "date-time", stored as UTC
	// microseconds since the Unix epoch.
	KindTimestamp
	// KindDate is a string with format "date", stored as days since the Unix epoch.
	KindDate
	// KindStruct is an object with declared properties; see Field.Fields.
	KindStruct
	// KindList is an array; see Field.Elem.
	KindList
)

var kindNames = [...]string{"json", "bool", "int64", "float64", "string", "timestamp", "date", "struct", "list"}

// String returns the lower-case name of k.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Field is one node of the schema IR. All fields are nullable.
type Field struct {
	// Name is the JSON property name (for a list element it is "element").
	Name string
	// Kind is the field's type.
	Kind Kind
	// Fields are the struct's fields sorted by name (KindStruct only).
	Fields []*Field
	// Elem is the element type (KindList only).
	Elem *Field
}

// Schema is the schema IR of one stream: the single description from which
// both the Arrow schema and the Parquet schema are derived, and against which
// records are converted into rows.
type Schema struct {
	// Stream is the stream name.
	Stream string
	// Fields are the top-level columns sorted by name, including ExtraColumn.
	Fields []*Field

	extraIndex int
	index      map[string]int // top-level name -> position in Fields
	arrow      *arrow.Schema
	parquet    *parquet.Schema
}

// FromJSONSchema builds the schema IR of stream from its JSON Schema
// (draft-07). The root must describe an object with properties. Local
// references ("#/definitions/x", "#/$defs/x") are resolved; recursive
// references, free-form objects and multi-branch oneOf/anyOf/allOf become
// KindJSON. A property named ExtraColumn is rejected.
func FromJSONSchema(stream string, schema []byte) (*Schema, error) {
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("decode schema of stream %q: %w", stream, err)
	}
	b := &irBuilder{root: root, active: map[string]bool{}}
	top := b.field("", root)
	if top.Kind != KindStruct {
		return nil, fmt.Errorf("schema of stream %q: root is not an object with properties", stream)
	}
	for _, f := range top.Fields {
		if f.Name == ExtraColumn {
			return nil, fmt.Errorf("schema of stream %q: property %q is reserved", stream, ExtraColumn)
		}
	}
	return NewSchema(stream, top.Fields)
}

// NewSchema builds a Schema from IR fields (for example, for streams without a
// JSON Schema). Fields are sorted by name at every level and ExtraColumn is
// added; fields must not contain ExtraColumn.
func NewSchema(stream string, fields []*Field) (*Schema, error) {
	all := make([]*Field, 0, len(fields)+1)
	for _, f := range fields {
		if f.Name == ExtraColumn {
			return nil, fmt.Errorf("schema of stream %q: property %q is reserved", stream, ExtraColumn)
		}
		sortFields(f)
		all = append(all, f)
	}
	all = append(all, &Field{Name: ExtraColumn, Kind: KindString})
	slices.SortFunc(all, func(a, b *Field) int { return strings.Compare(a.Name, b.Name) })
	s := &Schema{Stream: stream, Fields: all, index: make(map[string]int, len(all))}
	for i, f := range all {
		if _, dup := s.index[f.Name]; dup {
			return nil, fmt.Errorf("schema of stream %q: duplicate field %q", stream, f.Name)
		}
		s.index[f.Name] = i
		if f.Name == ExtraColumn {
			s.extraIndex = i
		}
	}
	s.arrow = arrow.NewSchema(arrowFields(all), nil)
	ps, err := buildParquetSchema(stream, all)
	if err != nil {
		return nil, err
	}
	s.parquet = ps
	return s, nil
}

// ArrowSchema returns the Arrow schema derived from the IR: int64, float64,
// bool, utf8 (strings and JSON text), timestamp[us, UTC], date32, struct and
// list, all nullable, in the IR's (sorted) field order.
func (s *Schema) ArrowSchema() *arrow.Schema { return s.arrow }

// ParquetSchema returns the Parquet schema derived from the IR: every field is
// optional; int64 is INT64, timestamps are TIMESTAMP(MICROS, UTC), dates DATE,
// strings STRING, free-form values JSON and lists the 3-level LIST layout.
func (s *Schema) ParquetSchema() *parquet.Schema { return s.parquet }

func sortFields(f *Field) {
	switch f.Kind {
	case KindStruct:
		if len(f.Fields) == 0 {
			f.Kind = KindJSON // Parquet has no empty groups
			return
		}
		for _, c := range f.Fields {
			sortFields(c)
		}
		slices.SortFunc(f.Fields, func(a, b *Field) int { return strings.Compare(a.Name, b.Name) })
	case KindList:
		if f.Elem == nil {
			f.Elem = &Field{Name: "element", Kind: KindJSON}
		}
		sortFields(f.Elem)
	}
}

// irBuilder turns decoded JSON Schema nodes into IR fields.
type irBuilder struct {
	root   map[string]any
	active map[string]bool // $refs being expanded, to stop recursion
}

func (b *irBuilder) field(name string, node map[string]any) *Field {
	f := &Field{Name: name, Kind: KindJSON}
	if node == nil {
		return f
	}
	if ref, ok := node["$ref"].(string); ok {
		target := b.resolve(ref)
		if target == nil || b.active[ref] {
			return f // unresolvable or recursive: keep as JSON text
		}
		b.active[ref] = true
		defer delete(b.active, ref)
		return b.field(name, target)
	}
	// anyOf/oneOf with one non-null branch is that branch, nullable.
	if branch, combined := onlyBranch(node); combined {
		if branch == nil {
			return f
		}
		return b.field(name, branch)
	}

	typ, ok := nodeType(node)
	if !ok {
		return f
	}
	switch typ {
	case "boolean":
		f.Kind = KindBool
	case "integer":
		f.Kind = KindInt64
	case "number":
		f.Kind = KindFloat64
	case "string":
		switch node["format"] {
		case "date-time":
			f.Kind = KindTimestamp
		case "date":
			f.Kind = KindDate
		default:
			f.Kind = KindString
		}
	case "object":
		props, _ := node["properties"].(map[string]any)
		if len(props) == 0 {
			return f // free-form object
		}
		f.Kind = KindStruct
		for pname, p := range props {
			pm, _ := p.(map[string]any)
			f.Fields = append(f.Fields, b.field(pname, pm))
		}
		slices.SortFunc(f.Fields, func(a, b *Field) int { return strings.Compare(a.Name, b.Name) })
	case "array":
		items, _ := node["items"].(map[string]any) // tuple form ([]any) stays JSON
		if items == nil {
			if _, tuple := node["items"].([]any); tuple {
				return f
			}
		}
		f.Kind = KindList
		f.Elem = b.field("element", items)
	}
	return f
}

// onlyBranch looks at node's anyOf, oneOf or allOf (combined is true when
// it has one) and returns its one branch that is not just null, or nil
// when there is not exactly one.
func onlyBranch(node map[string]any) (branch map[string]any, combined bool) {
	for _, key := range []string{"anyOf", "oneOf", "allOf"} {
		branches, ok := node[key].([]any)
		if !ok {
			continue
		}
		var nonNull []map[string]any
		for _, br := range branches {
			m, _ := br.(map[string]any)
			if m == nil {
				return nil, true
			}
			if t, _ := m["type"].(string); t == "null" && len(m) == 1 {
				continue
			}
			nonNull = append(nonNull, m)
		}
		if len(nonNull) != 1 {
			return nil, true
		}
		return nonNull[0], true
	}
	return nil, false
}

// nodeType is node's one JSON type besides null (object or array when
// only properties or items say so); false when there is not exactly one.
func nodeType(node map[string]any) (string, bool) {
	var types []string
	switch t := node["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, v := range t {
			if s, ok := v.(string); ok && s != "null" {
				types = append(types, s)
			}
		}
	case nil:
		if _, ok := node["properties"]; ok {
			types = []string{"object"}
		} else if _, ok := node["items"]; ok {
			types = []string{"array"}
		}
	}
	if len(types) != 1 {
		return "", false
	}
	return types[0], true
}

func (b *irBuilder) resolve(ref string) map[string]any {
	if ref == "#" {
		return b.root
	}
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = b.root
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	m, _ := cur.(map[string]any)
	return m
}

func arrowFields(fields []*Field) []arrow.Field {
	out := make([]arrow.Field, len(fields))
	for i, f := range fields {
		out[i] = arrow.Field{Name: f.Name, Type: arrowType(f), Nullable: true}
	}
	return out
}

func arrowType(f *Field) arrow.DataType {
	switch f.Kind {
	case KindBool:
		return arrow.FixedWidthTypes.Boolean
	case KindInt64:
		return arrow.PrimitiveTypes.Int64
	case KindFloat64:
		return arrow.PrimitiveTypes.Float64
	case KindTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case KindDate:
		return arrow.FixedWidthTypes.Date32
	case KindStruct:
		return arrow.StructOf(arrowFields(f.Fields)...)
	case KindList:
		return arrow.ListOfField(arrow.Field{Name: "element", Type: arrowType(f.Elem), Nullable: true})
	default: // KindString, KindJSON
		return arrow.BinaryTypes.String
	}
}

func parquetNode(f *Field) parquet.Node {
	var n parquet.Node
	switch f.Kind {
	case KindBool:
		n = parquet.Leaf(parquet.BooleanType)
	case KindInt64:
		n = parquet.Int(64)
	case KindFloat64:
		n = parquet.Leaf(parquet.DoubleType)
	case KindString:
		n = parquet.String()
	case KindTimestamp:
		n = parquet.Timestamp(parquet.Microsecond)
	case KindDate:
		n = parquet.Date()
	case KindStruct:
		g := make(parquet.Group, len(f.Fields))
		for _, c := range f.Fields {
			g[c.Name] = parquetNode(c)
		}
		n = g
	case KindList:
		n = parquet.List(parquetNode(f.Elem))
	default:
		n = parquet.JSON()
	}
	return parquet.Optional(n)
}

func buildParquetSchema(stream string, fields []*Field) (*parquet.Schema, error) {
	g := make(parquet.Group, len(fields))
	for _, f := range fields {
		g[f.Name] = parquetNode(f)
	}
	ps := parquet.NewSchema(stream, g)
	// The row encoder walks the IR and assigns column indexes in IR order;
	// check that parquet-go orders the leaves the same way.
	var want, got []string
	var walkIR func(prefix string, fs []*Field)
	walkIR = func(prefix string, fs []*Field) {
		for _, f := range fs {
			p := prefix + f.Name
			switch f.Kind {
			case KindStruct:
				walkIR(p+".", f.Fields)
			case KindList:
				e := f.Elem
				for e.Kind == KindList {
					p += ".list.element"
					e = e.Elem
				}
				if e.Kind == KindStruct {
					walkIR(p+".list.element.", e.Fields)
				} else {
					want = append(want, p+".list.element")
				}
			default:
				want = append(want, p)
			}
		}
	}
	walkIR("", fields)
	for _, path := range ps.Columns() {
		got = append(got, strings.Join(path, "."))
	}
	if !slices.Equal(want, got) {
		return nil, fmt.Errorf("schema of stream %q: parquet column order %v differs from IR order %v", stream, got, want)
	}
	return ps, nil
}
