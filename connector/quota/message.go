package quota

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// order lists the categories scarce first, as the message names them.
var order = []zoomapi.Category{zoomapi.CategoryHeavy, zoomapi.CategoryResourceIntensive, zoomapi.CategoryMedium, zoomapi.CategoryLight}

// Sentence says what e needs and how many days plan's daily quotas spread
// it over: "this read needs about 421,298 Heavy, … requests; at the
// business plan's daily quota of 60,000 Heavy and Resource-intensive
// requests it completes over 8 days".
func Sentence(e *Estimate, plan string) (string, error) {
	days, pools, err := Days(e.Total, plan)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, c := range order {
		if n := e.Total[c]; n > 0 {
			parts = append(parts, Thousands(n)+" "+Label(c))
		}
	}
	needs := "this read needs no request"
	if len(parts) > 0 {
		needs = "this read needs about " + join(parts) + " requests"
	}
	if n, all := len(e.Unestimated()), len(e.Streams); n > 0 && n == all {
		return "this read's requests are not estimated: no earlier read counted them", nil
	} else if n > 0 {
		needs += fmt.Sprintf(" besides those of %d streams not estimated", n)
	}
	if len(pools) == 0 {
		return needs + "; the " + plan + " plan has no daily quota, so it completes in one run", nil
	}
	var quotas []string
	binding := ""
	for _, p := range pools {
		var names []string
		for _, c := range p.Pool.Categories {
			names = append(names, Label(c))
		}
		quotas = append(quotas, Thousands(int64(p.Pool.Requests))+" "+join(names))
		if p.Days == days && days > 1 && binding == "" {
			binding = join(names)
		}
	}
	q := fmt.Sprintf("at the %s plan's daily quota of %s requests", plan, join(quotas))
	if len(pools) > 1 {
		q = fmt.Sprintf("at the %s plan's daily quotas (%s requests)", plan, join(quotas))
	}
	switch {
	case days <= 1:
		return needs + "; " + q + " it completes in one day", nil
	case len(pools) > 1:
		return fmt.Sprintf("%s; %s it completes over %d days (%s sets it)", needs, q, days, binding), nil
	default:
		return fmt.Sprintf("%s; %s it completes over %d days", needs, q, days), nil
	}
}

// Sources says where the estimate of each stream came from, in one line:
// "last full read: 40 streams; not estimated: recordings".
func Sources(e *Estimate) string {
	by := map[Source][]string{}
	for _, s := range e.Streams {
		by[s.Source] = append(by[s.Source], s.Name)
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		names := by[Source(k)]
		if Source(k) == NotEstimated || len(names) <= 3 {
			parts = append(parts, k+": "+strings.Join(names, ", "))
		} else {
			parts = append(parts, fmt.Sprintf("%s: %d streams", k, len(names)))
		}
	}
	s := strings.Join(parts, "; ")
	if e.Probe.Total() > 0 {
		s += fmt.Sprintf("; the probe sent %s requests (%s) to make the estimate, besides the read", Thousands(e.Probe.Total()), describe(e.Probe))
	}
	return s
}

// describe renders counts as "3 Medium, 2 Light".
func describe(c Counts) string {
	var parts []string
	for _, cat := range order {
		if n := c[cat]; n > 0 {
			parts = append(parts, Thousands(n)+" "+Label(cat))
		}
	}
	return strings.Join(parts, ", ")
}

// join joins names as English does: "a", "a and b", "a, b and c".
func join(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
