// Command zoomsim serves a simulated Zoom account: the OAuth token
// endpoint, the REST API under /v2 and the /_sim/ admin API.
//
//	zoomsim serve --addr 127.0.0.1:0 --dataset small --seed 1 --plan pro \
//	    --latency 120ms --faults 5xx=0.05,reset=0.01 [--scopes user:read:admin,...]
//
// Once it listens it prints one JSON line on stdout: a connector config
// (api_base_url, oauth_token_url, validation_url, account_id, client_id,
// client_secret) ready to use. It serves until interrupted.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zoomsim:", err)
		os.Exit(2)
	}
}

// run serves until ctx ends, printing the connector config on stdout once
// it listens.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "serve" {
		return fmt.Errorf("usage: zoomsim serve [--addr ADDR] [--dataset tiny|small|large] [--seed N] [--plan free|pro|business|unlimited] [--latency DURATION] [--faults SPEC]")
	}
	fs := pflag.NewFlagSet("zoomsim serve", pflag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	dataset := fs.String("dataset", "small", "dataset preset: tiny, small or large")
	seed := fs.Int64("seed", 1, "seed for the dataset and the fault draws")
	plan := fs.String("plan", "pro", "rate-limit plan: free, pro, business or unlimited")
	latency := fs.Duration("latency", 0, "median latency added to every API answer")
	faults := fs.String("faults", "", `faults to inject, e.g. "5xx=0.05,reset=0.01,hang=0.001,hang_for=40s"`)
	tokenTTL := fs.Duration("token-ttl", 0, "access token lifetime (default 1h)")
	pageTTL := fs.Duration("page-token-ttl", 0, "next_page_token lifetime (default 15m)")
	qpsRetryAfter := fs.Bool("qps-retry-after", false, "send Retry-After on per-second 429s")
	scopes := fs.StringSlice("scopes", nil, "scopes of the simulated app, comma-separated (default: every scope the endpoints accept)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	spec, err := zoomsim.ParseFaults(*faults)
	if err != nil {
		return err
	}
	opts := zoomsim.Options{
		Dataset: *dataset, Seed: *seed, Plan: *plan, Latency: *latency, Faults: spec,
		TokenTTL: *tokenTTL, PageTokenTTL: *pageTTL, QPSRetryAfter: *qpsRetryAfter,
	}
	srv, err := zoomsim.NewServer(opts)
	if err != nil {
		return err
	}
	if len(*scopes) > 0 {
		// The same account and dataset, with an app limited to these scopes.
		opts.Apps = []zoomsim.App{{AccountID: srv.Dataset().AccountID, ClientID: zoomsim.DefaultClientID,
			ClientSecret: zoomsim.DefaultClientSecret, Scopes: *scopes}}
		if srv, err = zoomsim.NewServer(opts); err != nil {
			return err
		}
	}
	l, err := srv.Listen(*addr)
	if err != nil {
		return err
	}
	defer l.Close()
	if err := json.NewEncoder(stdout).Encode(srv.Config(l.URL)); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
