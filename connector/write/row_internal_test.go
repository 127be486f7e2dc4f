package write

import (
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/internal/config"
)

func TestNormalizeReasons(t *testing.T) {
	t.Parallel()
	n, err := newNormalizer(&config.Config{Mapping: map[string]string{"Email Address": "email", "Source": "custom_questions.How did you hear?"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in   map[string]any
		want string // substring of the reason; "" means valid
	}{
		{map[string]any{"meeting_id": "123", "Email Address": "a@b.example", "first_name": "A", "Source": "web"}, ""},
		{map[string]any{"meeting_id": "123", "email": "not-an-email", "first_name": "A"}, "email:"},
		{map[string]any{"meeting_id": "123", "email": "a b@c.example", "first_name": "A"}, "email:"},
		{map[string]any{"meeting_id": "123", "email": strings.Repeat("x", 120) + "@b.example", "first_name": "A"}, "email:"},
		{map[string]any{"meeting_id": "123", "email": "a@b.example"}, "first_name: required"},
		{map[string]any{"meeting_id": "123", "email": "a@b.example", "first_name": strings.Repeat("x", 65)}, "first_name:"},
		{map[string]any{"meeting_id": "123", "email": "a@b.example", "first_name": "A", "country": "USA"}, "country:"},
		{map[string]any{"meeting_id": "123", "email": "a@b.example", "first_name": "A", "no_of_employees": "lots"}, "no_of_employees:"},
		{map[string]any{"meeting_id": "123", "email": "a@b.example", "first_name": "A", "language": "xx"}, "language:"},
		{map[string]any{"meeting_id": "x1", "email": "a@b.example", "first_name": "A"}, "meeting_id:"},
		{map[string]any{"email": "a@b.example", "first_name": "A"}, "meeting_id:"},
		{map[string]any{"meeting_id": "1", "webinar_id": "2", "email": "a@b.example", "first_name": "A"}, "both"},
		{map[string]any{"meeting_id": "1", "email": "a@b.example", "first_name": "A", "custom_questions": `[{"title":"q","value":"` + strings.Repeat("v", 129) + `"}]`}, "custom_questions.0.value"},
		{map[string]any{"meeting_id": "1", "email": "a@b.example", "first_name": "A", "custom_questions": `nope`}, "custom_questions:"},
	}
	for i, c := range cases {
		r, err := n.normalize(c.in)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%d: unexpected error %v", i, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%d: error %v, want it to contain %q", i, err, c.want)
		}
		if err != nil {
			t.Logf("%d: %v", i, err)
		}
		if c.want == "" && r != nil && (r.target != TargetKey{Meeting, 123} || r.email != "a@b.example" || r.batchable()) {
			t.Errorf("%d: row %+v", i, r)
		}
	}
}
