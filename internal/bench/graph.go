package bench

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// streamGraph is the stream graph MinimumRequests walks, derived from the
// stream declarations (streams.Zoom()): each stream's parent, and the
// endpoints a read of it calls (its list and, for meetings and webinars,
// the detail), named as the simulator's routes and counters name them
// ("GET /past_meetings/{meetingId}/participants" for the declared
// "/past_meetings/{meetingUUID}/participants"). A declared path no GET
// route matches is an error; the graph holds every other endpoint.
func streamGraph(routes []zoomsim.Route) (endpoints map[string][]string, parent map[string]string, err error) {
	byShape := map[string]string{}
	for _, rt := range routes {
		if rt.Method == "GET" {
			byShape[pathShape(rt.Pattern)] = "GET " + rt.Pattern
		}
	}
	endpoints, parent = map[string][]string{}, map[string]string{}
	var errs []error
	for _, s := range streams.Zoom() {
		if s.Parent != "" {
			parent[s.Name] = s.Parent
		}
		for _, p := range []string{s.Path, s.Detail} {
			if p == "" {
				continue
			}
			ep, ok := byShape[pathShape(p)]
			if !ok {
				errs = append(errs, fmt.Errorf("stream %s: no simulated endpoint answers GET %s", s.Name, p))
				continue
			}
			endpoints[s.Name] = append(endpoints[s.Name], ep)
		}
	}
	return endpoints, parent, errors.Join(errs...)
}

var placeholder = regexp.MustCompile(`\{[^}]*\}`)

// pathShape is a path template with its placeholders' names removed.
func pathShape(p string) string { return placeholder.ReplaceAllString(p, "{}") }
