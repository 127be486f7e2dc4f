// Command zoom-connector reads Zoom into a data pipeline and registers
// people for meetings and webinars. See connector.Main for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	// CA roots for a system that has none (the FROM scratch image): used
	// only when no system roots load.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/zoom-connector/zoom-connector/connector"
)

func main() {
	// A soft memory limit keeps a long read's heap close to its live size
	// (the GC works harder as it nears the limit); GOMEMLIMIT overrides it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(128 << 20)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := connector.Main(ctx, os.Args[1:], connector.IO{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Demo: demoAccount,
	})
	stop()
	os.Exit(code)
}
