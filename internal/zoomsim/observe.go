package zoomsim

import (
	"bytes"
	"io"
	"net/http"
	"sync"
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

// BodyObserver is told of every API request with a body, with the route
// it matched and the body as sent (at most 1 MiB), before any fault or
// check. It must not keep r.
type BodyObserver func(rt Route, r *http.Request, body []byte)

var bodyObservers sync.Map // *Server -> BodyObserver

// ObserveRequestBodies installs f (nil removes it). Tests use it to check
// that a client's request bodies match Zoom's documented request schemas.
func (s *Server) ObserveRequestBodies(f BodyObserver) {
	if f == nil {
		bodyObservers.Delete(s)
		return
	}
	bodyObservers.Store(s, f)
}

// observeBody reads the request body for the body observer, if one is
// installed, and puts it back for the handler.
func (s *Server) observeBody(rt Route, r *http.Request) {
	f, ok := bodyObservers.Load(s)
	if !ok || r.Body == nil || r.Body == http.NoBody {
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err == nil {
		f.(BodyObserver)(rt, r, b)
	}
}
