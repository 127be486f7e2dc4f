package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultMetricsListen is where the serve command exposes /metrics unless
// told otherwise: loopback only, apart from the public listener.
const DefaultMetricsListen = "127.0.0.1:9464"

// RunOptions say where and how Run listens.
type RunOptions struct {
	// Listen is the address, such as ":8080" or "127.0.0.1:8080".
	Listen string
	// Listener, if set, is used instead of Listen (tests).
	Listener net.Listener
	// TLSCertFile and TLSKeyFile turn on HTTPS (TLS 1.2 or newer); leave
	// them empty behind a proxy that terminates TLS.
	TLSCertFile string
	TLSKeyFile  string
	// ShutdownTimeout bounds the wait for in-flight requests once ctx ends
	// (default 20 s).
	ShutdownTimeout time.Duration
	// MetricsListen is the address of the /metrics listener (plain HTTP,
	// kept apart from the public one; DefaultMetricsListen in the serve
	// command); empty serves no metrics.
	MetricsListen string
	// MetricsListener, if set, is used instead of MetricsListen (tests).
	MetricsListener net.Listener
	// Ready, if set, is called with the listening address once serving.
	Ready func(addr net.Addr)
}

// Run serves s until ctx ends, then stops accepting connections, marks
// itself not ready and waits for in-flight requests to finish (at most
// ShutdownTimeout) before returning. It returns nil after a clean
// shutdown.
func Run(ctx context.Context, s *Server, ro RunOptions) error {
	if (ro.TLSCertFile == "") != (ro.TLSKeyFile == "") {
		return errors.New("serve: give both --tls-cert and --tls-key, or neither")
	}
	if ro.ShutdownTimeout <= 0 {
		ro.ShutdownTimeout = 20 * time.Second
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          nil,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if ro.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(ro.TLSCertFile, ro.TLSKeyFile)
		if err != nil {
			return fmt.Errorf("serve: load TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ln := ro.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", ro.Listen); err != nil {
			return fmt.Errorf("serve: listen on %s: %w", ro.Listen, err)
		}
	}
	useTLS := srv.TLSConfig != nil
	if useTLS {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	msrv, mln, err := metricsServer(s, ro)
	if err != nil {
		_ = ln.Close()
		return err
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if msrv != nil {
		go func() { errc <- msrv.Serve(mln) }()
		defer msrv.Close()
		s.log.Info("serving metrics", "addr", mln.Addr().String())
	}
	if ro.Ready != nil {
		ro.Ready(ln.Addr())
	}
	s.log.Info("serving", "addr", ln.Addr().String(), "tls", useTLS, "store", s.opts.Store.Kind())
	select {
	case err := <-errc:
		_ = srv.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.Drain()
	s.log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), ro.ShutdownTimeout)
	defer cancel()
	if msrv != nil {
		_ = msrv.Shutdown(sctx)
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("metrics listener", "error", err.Error())
		}
	}
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// metricsServer returns the server of the /metrics listener and its
// listener, or nil when ro asks for none.
func metricsServer(s *Server, ro RunOptions) (*http.Server, net.Listener, error) {
	ln := ro.MetricsListener
	if ln == nil {
		if ro.MetricsListen == "" {
			return nil, nil, nil
		}
		var err error
		if ln, err = net.Listen("tcp", ro.MetricsListen); err != nil {
			return nil, nil, fmt.Errorf("serve: metrics: listen on %s: %w", ro.MetricsListen, err)
		}
	}
	return &http.Server{
		Handler: s.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 8 << 10,
	}, ln, nil
}
