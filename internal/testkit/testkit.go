// Package testkit holds test helpers shared by the connector's own tests
// and the end-to-end suite: canonical JSON for comparing records, the
// simulator's ground truth in that form, and a parser of Airbyte output.
package testkit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"sort"
	"testing"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// Canonical re-encodes a JSON value with sorted keys and exact numbers.
func Canonical(t testing.TB, raw []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %.200s: %v", raw, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TruthSets returns, as canonical JSON, each stream's expected records of
// a read that names no streams: the streams off by default (the
// Dashboard's) are left out.
func TruthSets(t testing.TB, s *zoomsim.Server) map[string][]string {
	t.Helper()
	out := AllTruthSets(t, s)
	for _, st := range streams.Zoom() {
		if st.OffByDefault {
			delete(out, st.Name)
		}
	}
	return out
}

// AllTruthSets returns each stream's expected records as canonical JSON,
// for a read that names every stream.
func AllTruthSets(t testing.TB, s *zoomsim.Server) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, recs := range s.Truth() {
		out[name] = []string{}
		for _, r := range recs {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], Canonical(t, b))
		}
		sort.Strings(out[name])
	}
	return out
}

// Output is a parsed Airbyte stdout.
type Output struct {
	Records map[string][]string // stream -> canonical records
	// States is the last STATE message per stream.
	States map[string]json.RawMessage
	// Status is the last STREAM_STATUS per stream, Reasons its reason types.
	Status  map[string]string
	Reasons map[string][]string
	// Errors are the TRACE ERROR messages.
	Errors []string
	Lines  int
	// Truncated is set when the output ends in half a line.
	Truncated bool
}

// ParseAirbyte splits Airbyte stdout into records, states and traces.
// With committedOnly, records after the last STATE are dropped, as a
// platform drops what no state covers.
func ParseAirbyte(t testing.TB, out []byte, committedOnly bool) Output {
	t.Helper()
	res := Output{Records: map[string][]string{}, States: map[string]json.RawMessage{},
		Status: map[string]string{}, Reasons: map[string][]string{}}
	type rec struct{ stream, rec string }
	var pending []rec
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var m struct {
			Type   string
			Record struct {
				Stream string
				Data   json.RawMessage
			}
			State json.RawMessage
			Trace struct {
				Type  string
				Error struct {
					Message string
				}
				StreamStatus struct {
					StreamDescriptor struct{ Name string } `json:"stream_descriptor"`
					Status           string
					Reasons          []struct{ Type string }
				} `json:"stream_status"`
			}
		}
		if err := json.Unmarshal(line, &m); err != nil {
			// A killed process can leave half a line.
			res.Truncated = true
			break
		}
		res.Lines++
		switch m.Type {
		case "RECORD":
			pending = append(pending, rec{m.Record.Stream, Canonical(t, m.Record.Data)})
		case "STATE":
			var st struct {
				Stream struct {
					StreamDescriptor struct{ Name string } `json:"stream_descriptor"`
				}
			}
			_ = json.Unmarshal(m.State, &st)
			res.States[st.Stream.StreamDescriptor.Name] = append(json.RawMessage(nil), m.State...)
			for _, p := range pending {
				res.Records[p.stream] = append(res.Records[p.stream], p.rec)
			}
			pending = nil
		case "TRACE":
			switch m.Trace.Type {
			case "ERROR":
				res.Errors = append(res.Errors, m.Trace.Error.Message)
			case "STREAM_STATUS":
				n := m.Trace.StreamStatus.StreamDescriptor.Name
				res.Status[n] = m.Trace.StreamStatus.Status
				res.Reasons[n] = nil
				for _, r := range m.Trace.StreamStatus.Reasons {
					res.Reasons[n] = append(res.Reasons[n], r.Type)
				}
			}
		}
	}
	if !committedOnly {
		for _, p := range pending {
			res.Records[p.stream] = append(res.Records[p.stream], p.rec)
		}
	}
	return res
}

// Total counts the records of every stream.
func (o Output) Total() int {
	n := 0
	for _, r := range o.Records {
		n += len(r)
	}
	return n
}
