package jsonrec

import (
	"encoding/json"
	"testing"
)

// TestStrAndEnvelope: Str renders decoded values as text; EnvelopeItems
// takes the array under the envelope (none when null or absent) or the
// whole object, and refuses what is not.
func TestStrAndEnvelope(t *testing.T) {
	t.Parallel()
	for v, want := range map[any]string{nil: "", "a": "a", json.Number("9007199254740993"): "9007199254740993", 2: "2", true: "true"} {
		if got := Str(v); got != want {
			t.Errorf("Str(%#v) = %q, want %q", v, got, want)
		}
	}
	items, err := EnvelopeItems(json.RawMessage(`{"users":[{"id":1},{"id":2}],"next_page_token":""}`), "users")
	if err != nil || len(items) != 2 || string(items[1]) != `{"id":2}` {
		t.Fatalf("envelope: %s %v", items, err)
	}
	if items, err := EnvelopeItems(json.RawMessage(`{"users":null}`), "users"); err != nil || items != nil {
		t.Fatalf("null envelope: %s %v", items, err)
	}
	if items, err := EnvelopeItems(json.RawMessage(`{"a":1}`), ""); err != nil || len(items) != 1 {
		t.Fatalf("whole object: %s %v", items, err)
	}
	for _, bad := range []struct{ raw, env string }{{`[1]`, ""}, {`{"users":3}`, "users"}, {`nope`, "users"}} {
		if _, err := EnvelopeItems(json.RawMessage(bad.raw), bad.env); err == nil {
			t.Errorf("EnvelopeItems(%s, %q) accepted", bad.raw, bad.env)
		}
	}
	if m, err := DecodeObject(json.RawMessage(`{"n":12345678901234567890}`)); err != nil || m["n"] != json.Number("12345678901234567890") {
		t.Fatalf("exact numbers: %v %v", m, err)
	}
	if _, err := DecodeObject(json.RawMessage(`null`)); err == nil {
		t.Fatal("null decoded as an object")
	}
}
