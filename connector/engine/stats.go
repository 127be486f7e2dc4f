package engine

import (
	"errors"
	"maps"
	"sync"

	"github.com/zoom-connector/zoom-connector/connector/quota"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// stats are the counters of a read that progress reports while it runs:
// records written, partitions skipped, requests sent and the record totals
// Zoom announced, per stream; and the requests per rate-limit category,
// which the state keeps for the next read's quota estimate.
type stats struct {
	plan      *plan
	mu        sync.Mutex
	records   map[string]int64
	skipped   map[string]int64
	requests  map[string]int64
	sent      map[string]quota.Counts
	estimates map[string]int64
	estDirty  bool // estimates changed since the last takeEstimates
	final     map[string]StreamStatus
}

func newStats(p *plan) *stats {
	return &stats{plan: p, records: map[string]int64{}, skipped: map[string]int64{},
		requests: map[string]int64{}, sent: map[string]quota.Counts{}, estimates: map[string]int64{}, final: map[string]StreamStatus{}}
}

// wrote counts a record written; first is true for a stream's first.
func (s *stats) wrote(stream string) (first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[stream]++
	return s.records[stream] == 1
}

// counts returns a stream's records and skipped partitions.
func (s *stats) counts(stream string) (records, skipped int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.records[stream], s.skipped[stream]
}

func (s *stats) skip(stream string) {
	s.mu.Lock()
	s.skipped[stream]++
	s.mu.Unlock()
}

// request counts a request sent for stream in category cat (a page or a
// detail; the client's retries of it are not counted again), answered
// with err. One the daily quota refused is not counted for the state: its
// partition is read again after the reset, and that request counts then.
func (s *stats) request(stream string, cat zoomapi.Category, err error) {
	s.mu.Lock()
	s.requests[stream]++
	var rl *zoomapi.RateLimitError
	if errors.As(err, &rl) && rl.Daily {
		s.mu.Unlock()
		return
	}
	if s.sent[stream] == nil {
		s.sent[stream] = quota.Counts{}
	}
	s.sent[stream][cat]++
	s.mu.Unlock()
}

// sentBy returns the requests sent for stream so far, per category.
func (s *stats) sentBy(stream string) quota.Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.sent[stream])
}

func (s *stats) addEstimate(stream string, n int64) {
	s.mu.Lock()
	s.estimates[stream] += n
	s.estDirty = true
	s.mu.Unlock()
}

// takeEstimates returns the estimates when they changed since the last
// call, else nil.
func (s *stats) takeEstimates() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.estDirty {
		return nil
	}
	s.estDirty = false
	return maps.Clone(s.estimates)
}

// settle records a stream's final status, which progress reports from
// then on.
func (s *stats) settle(stream string, st StreamStatus) {
	s.mu.Lock()
	s.final[stream] = st
	s.mu.Unlock()
}

// progress returns each selected stream's progress, parents first. A
// stream is running once it has written a record, until it is settled.
func (s *stats) progress() []StreamProgress {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StreamProgress
	for _, st := range s.plan.order {
		if !s.plan.selected[st.Name] {
			continue
		}
		status := StatusStarted
		if f, ok := s.final[st.Name]; ok {
			status = f
		} else if s.records[st.Name] > 0 {
			status = StatusRunning
		}
		out = append(out, StreamProgress{Name: st.Name, Records: s.records[st.Name], Estimate: s.estimates[st.Name],
			Requests: s.requests[st.Name], Status: status})
	}
	return out
}
