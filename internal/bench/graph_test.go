package bench

import (
	"slices"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestStreamGraph: the graph MinimumRequests walks is the streams'
// declarations: every declared stream with a path has its list (and
// detail) endpoint among the simulator's routes and its declared parent,
// and every stream the truth counts is in it. A stream added to
// streams.Zoom() that the simulator does not serve, or a bench graph
// that drifts from the declarations, fails here.
func TestStreamGraph(t *testing.T) {
	t.Parallel()
	d, err := zoomsim.Generate("tiny", 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	endpoints, parent, err := streamGraph(d.Routes())
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, s := range streams.Zoom() {
		declared[s.Name] = true
		if s.Path == "" {
			continue
		}
		want := 1
		if s.Detail != "" {
			want = 2
		}
		if len(endpoints[s.Name]) != want {
			t.Errorf("%s: endpoints %v, want %d", s.Name, endpoints[s.Name], want)
		}
		if parent[s.Name] != s.Parent {
			t.Errorf("%s: parent %q, declared %q", s.Name, parent[s.Name], s.Parent)
		}
	}
	for name, p := range parent {
		if !declared[p] {
			t.Errorf("%s: parent %s is not a declared stream", name, p)
		}
	}
	for _, name := range zoomsim.TruthStreams {
		if len(endpoints[name]) == 0 {
			t.Errorf("the truth counts %s, which the graph does not have", name)
		}
	}
	if got := endpoints["past_meeting_participants"]; !slices.Equal(got, []string{"GET /past_meetings/{meetingId}/participants"}) {
		t.Errorf("past_meeting_participants: %v (the simulator's route name, not the declared placeholder)", got)
	}
	if got := endpoints["meetings"]; !slices.Equal(got, []string{"GET /users/{userId}/meetings", "GET /meetings/{meetingId}"}) {
		t.Errorf("meetings: %v", got)
	}
	// A path the simulator does not serve is reported.
	if _, _, err := streamGraph(nil); err == nil {
		t.Error("no routes, no error")
	}
}
