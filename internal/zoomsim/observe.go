package zoomsim

import (
	"net/http"
	"sync/atomic"
)

// RequestObserver is told of every API request the simulator receives,
// with the route it matched, before any fault or check. It must not keep
// r or read its body.
type RequestObserver func(rt Route, r *http.Request)

// ObserveRequests installs f (nil removes it). Tests use it to check that
// a client's requests match Zoom's documented parameters.
func (s *Server) ObserveRequests(f RequestObserver) {
	if f == nil {
		s.observer.Store(nil)
		return
	}
	s.observer.Store(&f)
}

// observerSlot holds the installed observer.
type observerSlot = atomic.Pointer[RequestObserver]
