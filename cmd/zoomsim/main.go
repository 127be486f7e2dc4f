// Command zoomsim serves a simulated Zoom account: the OAuth token
// endpoint, the REST API under /v2 and the /_sim/ admin API.
//
//	zoomsim serve --addr 127.0.0.1:0 --dataset small --seed 1 --plan pro \
//	    --latency 120ms --faults 5xx=0.05,reset=0.01
//
// Once it listens it prints one JSON line on stdout: a connector config
// (api_base_url, oauth_token_url, validation_url, account_id, client_id,
// client_secret) ready to use. It serves until interrupted.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "zoomsim:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
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
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	spec, err := zoomsim.ParseFaults(*faults)
	if err != nil {
		return err
	}
	srv, err := zoomsim.NewServer(zoomsim.Options{
		Dataset: *dataset, Seed: *seed, Plan: *plan, Latency: *latency, Faults: spec,
		TokenTTL: *tokenTTL, PageTokenTTL: *pageTTL, QPSRetryAfter: *qpsRetryAfter,
	})
	if err != nil {
		return err
	}
	l, err := srv.Listen(*addr)
	if err != nil {
		return err
	}
	defer l.Close()
	if err := json.NewEncoder(os.Stdout).Encode(srv.Config(l.URL)); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}
