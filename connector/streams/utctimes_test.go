package streams_test

import (
	"testing"

	"github.com/zoom-connector/zoom-connector/connector/streams"
)

func TestRewriteUTCTimes(t *testing.T) {
	s, _ := streams.ByName("meeting_poll_results")
	for _, c := range []struct{ in, want string }{
		// Zoom's real shape (captured answer) becomes RFC 3339 UTC.
		{`{"name":"Test User 1","question_details":[{"answer":"A","date_time":"2024-02-20 15:31:33"},{"date_time":"2024-02-20 15:31:34"}]}`,
			`{"name":"Test User 1","question_details":[{"answer":"A","date_time":"2024-02-20T15:31:33Z"},{"date_time":"2024-02-20T15:31:34Z"}]}`},
		// Already RFC 3339 (Zoom's documents), or another shape: unchanged, byte for byte.
		{`{"question_details": [{"date_time":"2024-02-20T15:31:33Z"}], "x": 1.50}`, `{"question_details": [{"date_time":"2024-02-20T15:31:33Z"}], "x": 1.50}`},
		{`{"question_details":[{"date_time":"20 Feb 2024 15:31"}]}`, `{"question_details":[{"date_time":"20 Feb 2024 15:31"}]}`},
		{`{"question_details":null,"name":"a b"}`, `{"question_details":null,"name":"a b"}`},
		{`{"name":"a b"}`, `{"name":"a b"}`},
		// Big numbers stay exact when the record is re-encoded.
		{`{"meeting_id":9007199254740993,"question_details":[{"date_time":"2024-02-20 15:31:33"}]}`,
			`{"meeting_id":9007199254740993,"question_details":[{"date_time":"2024-02-20T15:31:33Z"}]}`},
	} {
		got, err := s.RewriteUTCTimes([]byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("RewriteUTCTimes(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	if _, err := s.RewriteUTCTimes([]byte(`{"name": "a b"`)); err == nil {
		t.Error("a truncated record with a space: no error")
	}
	users, _ := streams.ByName("users")
	in := `{"created_at":"2024-02-20 15:31:33"}`
	if got, _ := users.RewriteUTCTimes([]byte(in)); string(got) != in {
		t.Errorf("users (no UTCTimes) rewrote %s to %s", in, got)
	}
}
