package serve

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the Zoom latency
// histogram.
var latencyBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics are the server's counters, exposed in the Prometheus text format
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Label
// values come from fixed sets or from verified Zoom event names, so their
// number stays small.
type metrics struct {
	mu            sync.Mutex
	events        map[string]uint64 // by event name
	duplicates    uint64
	rejections    map[string]uint64 // by reason
	registrations map[string]uint64 // by outcome
	zoomCounts    []uint64          // per bucket, plus +Inf at the end
	zoomSum       float64
	zoomN         uint64
}

func newMetrics() *metrics {
	return &metrics{
		events: map[string]uint64{}, rejections: map[string]uint64{}, registrations: map[string]uint64{},
		zoomCounts: make([]uint64, len(latencyBuckets)+1),
	}
}

var eventNameRe = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)*$`)

func (m *metrics) received(event string, stored bool) {
	if !eventNameRe.MatchString(event) || len(event) > 64 {
		event = "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events[event]++
	if !stored {
		m.duplicates++
	}
}

func (m *metrics) rejected(reason string) {
	m.mu.Lock()
	m.rejections[reason]++
	m.mu.Unlock()
}

func (m *metrics) registration(outcome string) {
	m.mu.Lock()
	m.registrations[outcome]++
	m.mu.Unlock()
}

// zoomLatency records one Zoom API call's duration.
func (m *metrics) zoomLatency(d time.Duration) {
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	i, _ := slices.BinarySearch(latencyBuckets, sec)
	m.zoomCounts[i]++
	m.zoomSum += sec
	m.zoomN++
}

func (m *metrics) serveHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.write(w)
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	counter := func(name, help, label string, vals map[string]uint64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s{%s=%q} %d\n", name, label, k, vals[k])
		}
	}
	counter("zoom_connector_webhook_events_received_total", "Verified webhook deliveries, by event name.", "event", m.events)
	fmt.Fprintf(w, "# HELP zoom_connector_webhook_duplicates_total Verified deliveries already stored (Zoom retries).\n# TYPE zoom_connector_webhook_duplicates_total counter\nzoom_connector_webhook_duplicates_total %d\n", m.duplicates)
	counter("zoom_connector_webhook_rejected_total", "Webhook requests refused, by reason (signature, timestamp, headers, body_too_large, malformed, store_error).", "reason", m.rejections)
	counter("zoom_connector_registrations_total", "Registration requests, by outcome.", "outcome", m.registrations)
	const h = "zoom_connector_zoom_request_duration_seconds"
	fmt.Fprintf(w, "# HELP %s Duration of Zoom API calls made by serve.\n# TYPE %s histogram\n", h, h)
	var cum uint64
	for i, b := range latencyBuckets {
		cum += m.zoomCounts[i]
		fmt.Fprintf(w, "%s_bucket{le=%q} %d\n", h, strconv.FormatFloat(b, 'g', -1, 64), cum)
	}
	cum += m.zoomCounts[len(latencyBuckets)]
	fmt.Fprintf(w, "%s_bucket{le=\"+Inf\"} %d\n%s_sum %s\n%s_count %d\n", h, cum, h, strconv.FormatFloat(m.zoomSum, 'g', -1, 64), h, m.zoomN)
}
