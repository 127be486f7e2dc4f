package output

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestFromJSONSchemaKinds(t *testing.T) {
	t.Parallel()
	s := mustSchema(t, "meetings", meetingsSchema)
	want := map[string]Kind{
		"_extra": KindString, "agenda": KindString, "created_date": KindDate, "duration": KindFloat64,
		"id": KindInt64, "occurrences": KindList, "pmi": KindBool, "recurrence": KindJSON,
		"settings": KindStruct, "start_time": KindTimestamp, "tags": KindList, "topic": KindString,
		"tracking_fields": KindJSON, "uuid": KindString,
	}
	var names []string
	for _, f := range s.Fields {
		names = append(names, f.Name)
		if want[f.Name] != f.Kind {
			t.Errorf("%s: kind %v, want %v", f.Name, f.Kind, want[f.Name])
		}
	}
	if got := strings.Join(names, ","); got != "_extra,agenda,created_date,duration,id,occurrences,pmi,recurrence,settings,start_time,tags,topic,tracking_fields,uuid" {
		t.Errorf("field order %s", got)
	}
	occ := s.Fields[5].Elem
	if occ.Kind != KindStruct || len(occ.Fields) != 3 || occ.Fields[0].Name != "occurrence_id" || occ.Fields[1].Kind != KindTimestamp {
		t.Errorf("occurrences element: %+v", occ)
	}
	if got := s.ArrowSchema().Field(5).Type.String(); got != "list<element: struct<occurrence_id: int64 nullable, start_time: timestamp[us, tz=UTC] nullable, status: utf8 nullable>, nullable>" {
		t.Errorf("arrow occurrences type %s", got)
	}
	if got := s.ArrowSchema().Field(9).Type.String(); got != "timestamp[us, tz=UTC]" {
		t.Errorf("arrow start_time type %s", got)
	}
	ps := s.ParquetSchema().String()
	for _, frag := range []string{
		"optional int64 id (INT(64,true));",
		"optional int64 start_time (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));",
		"optional int32 created_date (DATE);",
		"optional binary tracking_fields (JSON);",
		"optional binary _extra (STRING);",
		"optional group occurrences (LIST) {",
	} {
		if !strings.Contains(ps, frag) {
			t.Errorf("parquet schema lacks %q:\n%s", frag, ps)
		}
	}
}

func TestFromJSONSchemaEdgeCases(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, schema string
		kind         Kind   // kind of property "p"
		err          string // expected error substring
	}{
		{"mixed types", `{"type":"object","properties":{"p":{"type":["string","integer"]}}}`, KindJSON, ""},
		{"no type", `{"type":"object","properties":{"p":{}}}`, KindJSON, ""},
		{"implicit object", `{"properties":{"p":{"properties":{"a":{"type":"string"}}}}}`, KindStruct, ""},
		{"empty object", `{"type":"object","properties":{"p":{"type":"object","properties":{}}}}`, KindJSON, ""},
		{"array no items", `{"type":"object","properties":{"p":{"type":"array"}}}`, KindList, ""},
		{"tuple", `{"type":"object","properties":{"p":{"type":"array","items":[{"type":"string"}]}}}`, KindJSON, ""},
		{"oneOf two", `{"type":"object","properties":{"p":{"oneOf":[{"type":"string"},{"type":"integer"}]}}}`, KindJSON, ""},
		{"anyOf null", `{"type":"object","properties":{"p":{"anyOf":[{"type":"integer"},{"type":"null"}]}}}`, KindInt64, ""},
		{"recursive ref", `{"type":"object","definitions":{"n":{"type":"object","properties":{"c":{"$ref":"#/definitions/n"}}}},"properties":{"p":{"$ref":"#/definitions/n"}}}`, KindStruct, ""},
		{"bad ref", `{"type":"object","properties":{"p":{"$ref":"other.json#/x"}}}`, KindJSON, ""},
		{"reserved", `{"type":"object","properties":{"_extra":{"type":"string"}}}`, 0, "reserved"},
		{"not object", `{"type":"array","items":{"type":"string"}}`, 0, "not an object"},
		{"invalid json", `{"type":`, 0, "decode schema"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := FromJSONSchema("s", []byte(c.schema))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			i, ok := findField(s.Fields, "p")
			if !ok {
				t.Fatal("no field p")
			}
			if s.Fields[i].Kind != c.kind {
				t.Errorf("kind %v, want %v", s.Fields[i].Kind, c.kind)
			}
		})
	}
}

func TestConvert(t *testing.T) {
	t.Parallel()
	s := mustSchema(t, "t", `{"type":"object","properties":{
		"i":{"type":"integer"},"n":{"type":"number"},"b":{"type":"boolean"},"s":{"type":"string"},
		"ts":{"type":"string","format":"date-time"},"d":{"type":"string","format":"date"},
		"o":{"type":"object","properties":{"x":{"type":"integer"}}},"l":{"type":"array","items":{"type":"integer"}},
		"j":{"type":"object"}}}`)
	get := func(row Row, name string) any {
		i, _ := findField(s.Fields, name)
		return row[i]
	}
	cases := []struct {
		rec   string
		field string
		want  any
		extra string
	}{
		{`{"i":9007199254740993}`, "i", int64(9007199254740993), ""},
		{`{"i":-9223372036854775808}`, "i", int64(-9223372036854775808), ""},
		{`{"i":9223372036854775808}`, "i", nil, `{"i":9223372036854775808}`},
		{`{"i":1.0}`, "i", int64(1), ""},
		{`{"i":1e3}`, "i", int64(1000), ""},
		{`{"i":1.5}`, "i", nil, `{"i":1.5}`},
		{`{"i":"12"}`, "i", nil, `{"i":"12"}`},
		{`{"n":12}`, "n", 12.0, ""},
		{`{"n":1e400}`, "n", nil, `{"n":1e400}`},
		{`{"b":"true"}`, "b", nil, `{"b":"true"}`},
		{`{"s":"a\u00e9\n"}`, "s", "aé\n", ""},
		{`{"s":5}`, "s", nil, `{"s":5}`},
		{`{"ts":"2024-03-01T10:00:00Z"}`, "ts", int64(1709287200000000), ""},
		{`{"ts":"2024-03-01T12:00:00.5+02:00"}`, "ts", int64(1709287200500000), ""},
		{`{"ts":"2024-03-01T10:00:00.123456789Z"}`, "ts", nil, `{"ts":"2024-03-01T10:00:00.123456789Z"}`},
		{`{"ts":""}`, "ts", nil, `{"ts":""}`},
		{`{"d":"1970-01-02"}`, "d", int32(1), ""},
		{`{"d":"2024-03-01T10:00:00Z"}`, "d", nil, `{"d":"2024-03-01T10:00:00Z"}`},
		{`{"o":{"x":1,"y":[1, 2]}}`, "o", Row{int64(1)}, `{"o.y":[1,2]}`},
		{`{"o":[1]}`, "o", nil, `{"o":[1]}`},
		{`{"l":[1,"a",null]}`, "l", []any{int64(1), nil, nil}, `{"l[1]":"a"}`},
		{`{"j":{"big":123456789012345678901234567890, "t":[true]}}`, "j", `{"big":123456789012345678901234567890,"t":[true]}`, ""},
		{`{"j":null,"zzz":"<&>"}`, "j", nil, `{"zzz":"<&>"}`},
	}
	for _, c := range cases {
		row, extra, err := s.Convert(json.RawMessage(c.rec))
		if err != nil {
			t.Fatalf("%s: %v", c.rec, err)
		}
		if got := get(row, c.field); !equalAny(got, c.want) {
			t.Errorf("%s: %s = %#v, want %#v", c.rec, c.field, got, c.want)
		}
		if string(extra) != c.extra {
			t.Errorf("%s: extra %s, want %s", c.rec, extra, c.extra)
		}
		if c.extra != "" && get(row, ExtraColumn) != c.extra {
			t.Errorf("%s: row _extra %v", c.rec, get(row, ExtraColumn))
		}
	}
	for _, bad := range []string{`[1]`, `null`, `"x"`, `{"a":`, ``} {
		if _, _, err := s.Convert(json.RawMessage(bad)); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%q: err %v, want ErrInvalidRecord", bad, err)
		}
	}
}

func equalAny(a, b any) bool { return reflect.DeepEqual(a, b) }

func TestConvertScanner(t *testing.T) {
	t.Parallel()
	s := mustSchema(t, "t", `{"type":"object","properties":{"topic":{"type":"string"},
		"o":{"type":"object","properties":{"x":{"type":"array","items":{"type":"string"}}}}}}`)
	rec := " {\n \"t\\u006fpic\" : \"a]}\\\"{[\" ,\n\t\"o\":{ \"x\" : [ \"[\" , \"}\\\\\" ] , \"u\" : [ {\"k\":\"]\"} ] } , \"z\" : -1.5e3 } "
	row, extra, err := s.Convert(json.RawMessage(rec))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(row[1], Row{[]any{"[", "}\\"}}) || row[2] != "a]}\"{[" || row[0] != string(extra) {
		t.Errorf("row %#v", row)
	}
	if string(extra) != `{"o.u":[{"k":"]"}],"z":-1.5e3}` {
		t.Errorf("extra %s", extra)
	}
}

// FuzzEachMember checks the scanner against encoding/json on valid objects.
func FuzzEachMember(f *testing.F) {
	for _, r := range meetingsRecords {
		f.Add(r)
	}
	f.Add(`{"a\"b":[1,{"c":"]"}],"d":{"e":null}, "f" : true}`)
	f.Fuzz(func(t *testing.T, in string) {
		var want map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &want) != nil || !strings.HasPrefix(strings.TrimSpace(in), "{") {
			return
		}
		got := map[string]json.RawMessage{}
		eachMember([]byte(strings.TrimSpace(in)), func(name string, raw []byte) { got[name] = raw })
		if len(got) != len(want) {
			t.Fatalf("%q: got %d members, want %d", in, len(got), len(want))
		}
		for k, v := range want {
			if string(got[k]) != string(v) {
				t.Fatalf("%q: member %q = %s, want %s", in, k, got[k], v)
			}
		}
	})
}
