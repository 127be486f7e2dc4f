// Command zoomsim serves a simulated Zoom account: the OAuth token
// endpoint, the REST API under /v2 and the /_sim/ admin API.
//
//	zoomsim serve --addr 127.0.0.1:0 --dataset small --seed 1 --plan pro \
//	    --latency 120ms --faults 5xx=0.05,reset=0.01 [--scopes user:read:admin,...] \
//	    [--oauth-app [--oauth-redirect-url URL]] \
//	    [--webhook-target URL --webhook-secret SECRET] \
//	    [--start 2026-06-01T00:00:00Z] [--activity low|normal|high]
//
// Once it listens it prints one JSON line on stdout: a connector config
// (api_base_url, oauth_token_url, validation_url, account_id, client_id,
// client_secret, plan) ready to use. With --oauth-app it also registers a
// user-authorized OAuth app and prints a second line,
// {"oauth_app": {client_id, client_secret, redirect_urls, authorize_url}}.
// With --webhook-target it sends its event notifications there, signed
// with --webhook-secret, after validating the endpoint as Zoom does when
// an app's endpoint URL is saved. The account's clock is simulated: it
// starts at --start (default now) and moves only on POST /_sim/advance,
// the account living through that time at --activity. It serves until
// interrupted.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, pflag.ErrHelp) {
		return // --help printed the usage
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "zoomsim:", err)
		os.Exit(2)
	}
}

// defaultOAuthRedirectURL is the redirect URL --oauth-app registers unless
// told otherwise. Its port does not matter: like Zoom, the simulator
// ignores the port of an http loopback redirect, so it fits `authorize`
// and a `serve` listening on any 127.0.0.1 port.
const defaultOAuthRedirectURL = "http://127.0.0.1:8765/oauth/callback"

// options are the flags of `zoomsim serve`.
type options struct {
	addr                     string
	sim                      zoomsim.Options
	faults                   string
	scopes                   []string
	oauthApp                 bool
	redirectURLs             []string
	webhookURL, webhookToken string
	cancelRemoves            bool
	maxPanelists             int
	start                    string
}

func parseFlags(args []string, usage io.Writer) (options, error) {
	var o options
	if len(args) == 0 || args[0] != "serve" {
		return o, errors.New("usage: zoomsim serve [--addr ADDR] [--dataset tiny|small|large] [--seed N] [--plan free|pro|business|unlimited] [--latency DURATION] [--faults SPEC] [--oauth-app] [--webhook-target URL --webhook-secret SECRET] [--start RFC3339] [--activity low|normal|high]")
	}
	fs := pflag.NewFlagSet("zoomsim serve", pflag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "address to listen on")
	fs.StringVar(&o.sim.Dataset, "dataset", "small", "dataset preset: tiny, small or large")
	fs.Int64Var(&o.sim.Seed, "seed", 1, "seed for the dataset and the fault draws")
	fs.StringVar(&o.sim.Plan, "plan", "pro", "rate-limit plan: free, pro, business or unlimited")
	fs.DurationVar(&o.sim.Latency, "latency", 0, "median latency added to every API answer")
	fs.StringVar(&o.faults, "faults", "", `faults to inject, e.g. "5xx=0.05,reset=0.01,hang=0.001,hang_for=40s"`)
	fs.DurationVar(&o.sim.TokenTTL, "token-ttl", 0, "access token lifetime (default 1h)")
	fs.DurationVar(&o.sim.PageTokenTTL, "page-token-ttl", 0, "next_page_token lifetime (default 15m)")
	fs.BoolVar(&o.sim.QPSRetryAfter, "qps-retry-after", false, "send Retry-After on per-second 429s")
	fs.StringSliceVar(&o.scopes, "scopes", nil, "scopes of the simulated apps, comma-separated (default: every scope the endpoints accept)")
	fs.BoolVar(&o.oauthApp, "oauth-app", false, "also register a user-authorized OAuth app (for authorize and serve's /connect) and print its client ID, secret and redirect URLs")
	fs.StringSliceVar(&o.redirectURLs, "oauth-redirect-url", []string{defaultOAuthRedirectURL}, "redirect URLs of the --oauth-app app (repeatable)")
	fs.StringVar(&o.webhookURL, "webhook-target", "", "send event notifications (registrant created, approved, denied, cancelled; POST /_sim/webhooks) to this URL, e.g. serve's /webhooks/zoom")
	fs.StringVar(&o.webhookToken, "webhook-secret", "", "the app's Secret Token that signs the notifications (serve's webhook_secret_token)")
	fs.BoolVar(&o.cancelRemoves, "cancel-removes", false, "list a cancelled registrant nowhere (default: as denied; Zoom does not document which)")
	fs.IntVar(&o.maxPanelists, "max-panelists", zoomsim.DefaultMaxPanelists, "panelists a webinar may have (invented; Zoom does not document it)")
	fs.StringVar(&o.start, "start", "", "where the simulated clock starts, RFC 3339 (default: now); POST /_sim/advance moves it")
	fs.StringVar(&o.sim.Life.Activity, "activity", "normal", "how much the account changes per simulated day: low, normal or high")
	fs.DurationVar(&o.sim.Life.ReportDelay, "report-delay", zoomsim.DefaultReportDelay, "simulated time after an occurrence ends before its report and participant data appears (an assumption)")
	fs.DurationVar(&o.sim.Life.RecordingDelay, "recording-delay", zoomsim.DefaultRecordingDelay, "simulated time after the report data before a cloud recording completes (an assumption)")
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	if o.start != "" {
		t, err := time.Parse(time.RFC3339, o.start)
		if err != nil {
			return o, fmt.Errorf("--start %q: want an RFC 3339 time such as 2026-06-01T00:00:00Z", o.start)
		}
		o.sim.Start = t
	}
	switch o.sim.Life.Activity {
	case "low", "normal", "high":
	default:
		return o, fmt.Errorf("--activity %q: want low, normal or high", o.sim.Life.Activity)
	}
	if (o.webhookURL == "") != (o.webhookToken == "") {
		return o, errors.New("--webhook-target and --webhook-secret go together")
	}
	if fs.Changed("oauth-redirect-url") && !o.oauthApp {
		return o, errors.New("--oauth-redirect-url needs --oauth-app")
	}
	spec, err := zoomsim.ParseFaults(o.faults)
	o.sim.Faults = spec
	return o, err
}

// run serves until ctx ends, printing the connector config (and the OAuth
// app) on stdout once it listens; notes for people go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	srv, err := newServer(o)
	if err != nil {
		return err
	}
	srv.Dataset().CancelRemoves, srv.Dataset().MaxPanelists = o.cancelRemoves, o.maxPanelists
	l, err := srv.Listen(o.addr)
	if err != nil {
		return err
	}
	defer l.Close()
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(srv.Config(l.URL)); err != nil {
		return err
	}
	if o.oauthApp {
		app := map[string]any{"client_id": zoomsim.DefaultOAuthClientID, "client_secret": zoomsim.DefaultOAuthClientSecret,
			"redirect_urls": o.redirectURLs, "authorize_url": l.URL + "/oauth/authorize"}
		if err := enc.Encode(map[string]any{"oauth_app": app}); err != nil {
			return err
		}
	}
	if o.webhookURL != "" {
		srv.SetWebhookTarget(o.webhookURL, o.webhookToken)
		if err := srv.ValidateWebhookEndpoint(ctx); err != nil {
			fmt.Fprintf(stderr, "zoomsim: webhook endpoint %s did not validate (events are sent anyway): %v\n", o.webhookURL, err)
		} else {
			fmt.Fprintf(stderr, "zoomsim: webhook endpoint %s validated\n", o.webhookURL)
		}
	}
	<-ctx.Done()
	if o.webhookURL != "" {
		srv.StopWebhooks()
	}
	return nil
}

// newServer builds the simulator the flags describe.
func newServer(o options) (*zoomsim.Server, error) {
	srv, err := zoomsim.NewServer(o.sim)
	if err != nil {
		return nil, err
	}
	if len(o.scopes) > 0 {
		// The same account and dataset, with an app limited to these scopes.
		o.sim.Apps = []zoomsim.App{{AccountID: srv.Dataset().AccountID, ClientID: zoomsim.DefaultClientID,
			ClientSecret: zoomsim.DefaultClientSecret, Scopes: o.scopes}}
		if srv, err = zoomsim.NewServer(o.sim); err != nil {
			return nil, err
		}
	}
	if o.oauthApp {
		app := zoomsim.UserApp{ClientID: zoomsim.DefaultOAuthClientID, ClientSecret: zoomsim.DefaultOAuthClientSecret,
			RedirectURIs: o.redirectURLs}
		if len(o.scopes) > 0 {
			app.Scopes = o.scopes
		}
		if err := srv.RegisterOAuthApp(app); err != nil {
			return nil, err
		}
	}
	return srv, nil
}
