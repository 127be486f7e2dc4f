package output

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// inspectSchema has every kind, nested structs and lists of structs.
const inspectSchema = `{"type":"object","properties":{
  "id":{"type":"integer"},"score":{"type":"number"},"ok":{"type":"boolean"},"name":{"type":"string"},
  "at":{"type":"string","format":"date-time"},"day":{"type":"string","format":"date"},
  "free":{"type":"object"},"any":{},
  "settings":{"type":"object","properties":{"audio":{"type":"string"},"n":{"type":"integer"}}},
  "questions":{"type":"array","items":{"type":"object","properties":{"date_time":{"type":"string","format":"date-time"},"answer":{"type":"string"}}}},
  "tags":{"type":"array","items":{"type":"string"}}}}`

var inspectSeeds = []string{
	`{}`,
	`{"id":9007199254740993,"score":1.5,"ok":true,"name":"a","at":"2024-02-20T15:31:33Z","day":"2024-02-29","free":{"x":[1]},"any":[1,"a"],` +
		`"settings":{"audio":"both","n":2},"questions":[{"date_time":"2024-02-20T15:31:33Z","answer":"x"}],"tags":["a",null]}`,
	`{"questions":[{"date_time":"2024-02-20 15:31:33","answer":"x"},{"date_time":"2024-02-20T15:31:33.1234567+01:00","surprise":1}]}`,
	`{"id":"7","score":"x","ok":1,"name":3,"at":"2024-02-30T00:00:00Z","day":"2023-02-29","settings":[],"questions":{},"tags":"a"}`,
	`{"id":1e3,"score":1e400,"at":"2024-02-20T15:31:33.123456789Z","day":"2024-13-01","extra":{"a":1},"settings":{"video":true,"n":1.5}}`,
	`{"id":99999999999999999999,"id":-12,"at":"0000-01-01T00:00:00Z","day":"0000-02-29","at2":null,"_extra":"x"}`,
	`{"na\u006de":"escaped key","tags":["\u00e9",1,{"a":1}],"at":"2024-02-20T24:00:00Z"}`,
	"{ \"id\" : 1 ,\n \"settings\" : { \"audio\" : \"x\" , \"z\" : 2 } , \"tags\" : [ \"a\" , 2 ] }",
}

// extraPaths returns the sorted paths of Convert's _extra object.
func extraPaths(t testing.TB, s *Schema, rec string) []string {
	t.Helper()
	_, extra, err := s.Convert(json.RawMessage(rec))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if extra != nil {
		if err := json.Unmarshal(extra, &m); err != nil {
			t.Fatal(err)
		}
	}
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func inspectPaths(t testing.TB, s *Schema, rec string) (all []string, is Issues) {
	t.Helper()
	if err := s.Inspect(json.RawMessage(rec), &is); err != nil {
		t.Fatal(err)
	}
	all = append(append([]string{}, is.Undeclared...), is.Mismatched...)
	slices.Sort(all)
	return slices.Compact(all), is
}

// TestInspectMatchesConvert: Inspect names exactly the paths Convert keeps
// in _extra, and tells undeclared fields from values that do not fit.
func TestInspectMatchesConvert(t *testing.T) {
	s := mustSchema(t, "x", inspectSchema)
	for _, rec := range inspectSeeds {
		got, _ := inspectPaths(t, s, rec)
		if want := extraPaths(t, s, rec); !slices.Equal(got, want) {
			t.Errorf("%s:\nInspect %v\nConvert %v", rec, got, want)
		}
	}
	_, is := inspectPaths(t, s, inspectSeeds[2])
	if u, m := strings.Join(is.Undeclared, ","), strings.Join(is.Mismatched, ","); u != "questions[1].surprise" ||
		m != "questions[0].date_time,questions[1].date_time" {
		t.Errorf("undeclared %q, mismatched %q", u, m)
	}
	_, is = inspectPaths(t, s, inspectSeeds[5])
	if u := strings.Join(is.Undeclared, ","); u != "at2,_extra" {
		t.Errorf("undeclared %q, want at2,_extra (the _extra column is not a record field)", u)
	}
	for _, bad := range []string{``, `[]`, `{"a":`, `"x"`} {
		if err := s.Inspect(json.RawMessage(bad), &Issues{}); err == nil {
			t.Errorf("Inspect accepted %q", bad)
		}
	}
}

// TestInspectAllocatesNothingForAFittingRecord: the sink's common case.
func TestInspectAllocatesNothingForAFittingRecord(t *testing.T) {
	if raceEnabled {
		// -race's instrumentation allocates on its own; .ci/run measures
		// this test in a run without -race.
		t.Skip("allocation counts are not measured under -race")
	}
	s := mustSchema(t, "x", inspectSchema)
	rec := json.RawMessage(inspectSeeds[1])
	var is Issues
	if n := testing.AllocsPerRun(100, func() {
		is.Reset()
		_ = s.Inspect(rec, &is)
	}); n != 0 {
		t.Errorf("%v allocations per record, want 0", n)
	}
}

func FuzzInspectMatchesConvert(f *testing.F) {
	for _, s := range inspectSeeds {
		f.Add(s)
	}
	s := mustSchema(f, "x", inspectSchema)
	f.Fuzz(func(t *testing.T, rec string) {
		var is Issues
		ierr := s.Inspect(json.RawMessage(rec), &is)
		_, _, cerr := s.Convert(json.RawMessage(rec))
		if (ierr == nil) != (cerr == nil) {
			t.Fatalf("Inspect error %v, Convert error %v", ierr, cerr)
		}
		if ierr != nil {
			return
		}
		got, _ := inspectPaths(t, s, rec)
		if want := extraPaths(t, s, rec); !slices.Equal(got, want) {
			t.Fatalf("%s:\nInspect %v\nConvert %v", rec, got, want)
		}
	})
}
