package streams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ZoomUTCLayout is the shape in which Zoom sends some UTC times: a space
// between date and time and no zone, as in "2024-02-20 15:31:33" (poll
// answers' question_details[].date_time in real answers, although Zoom's
// OpenAPI documents declare RFC 3339).
const ZoomUTCLayout = "2006-01-02 15:04:05"

// RewriteUTCTimes returns rec with each of the stream's UTCTimes fields that
// holds a ZoomUTCLayout value rewritten as RFC 3339 in UTC
// ("2024-02-20T15:31:33Z"). A record with no such value comes back as it
// was, byte for byte; values in any other shape are left alone.
func (s Stream) RewriteUTCTimes(rec json.RawMessage) (json.RawMessage, error) {
	if len(s.UTCTimes) == 0 || !bytes.Contains(rec, []byte(" ")) {
		return rec, nil
	}
	dec := json.NewDecoder(bytes.NewReader(rec))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	changed := false
	for _, p := range s.UTCTimes {
		changed = rewriteAt(v, strings.Split(p, ".")) || changed
	}
	if !changed {
		return rec, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// rewriteAt walks path (segments; "name[]" steps into each element of an
// array) in v and rewrites the ZoomUTCLayout strings at its end. It
// reports whether it changed anything.
func rewriteAt(v any, path []string) bool {
	obj, ok := v.(map[string]any)
	if !ok || len(path) == 0 {
		return false
	}
	name, each := strings.CutSuffix(path[0], "[]")
	if each {
		list, _ := obj[name].([]any)
		done := false
		for _, el := range list {
			done = rewriteAt(el, path[1:]) || done
		}
		return done
	}
	if len(path) > 1 {
		return rewriteAt(obj[name], path[1:])
	}
	s, ok := obj[name].(string)
	if !ok {
		return false
	}
	t, err := time.Parse(ZoomUTCLayout, s)
	if err != nil {
		return false
	}
	obj[name] = t.UTC().Format(time.RFC3339)
	return true
}
