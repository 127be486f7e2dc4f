package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"

	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
	"github.com/zoom-connector/zoom-connector/spec"
)

// Exit codes of the zoom-connector command.
const (
	ExitOK    = 0 // the command did what was asked
	ExitFail  = 1 // the credentials, a record or Zoom failed
	ExitUsage = 2 // a usage or configuration error
)

// DocumentationURL is the connector's documentation, sent in SPEC.
const DocumentationURL = "https://github.com/zoom-connector/zoom-connector#readme"

// IO is the process's standard streams and environment.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads the environment (os.Getenv in the real binary).
	Getenv func(string) string
}

const usage = `zoom-connector: a Zoom source and registrant destination.

Usage:
  zoom-connector spec                                 print the SPEC message (Airbyte)
  zoom-connector check --config F                     print a CONNECTION_STATUS message (Airbyte)
  zoom-connector check-credentials --config F         explain whether the credentials work, for people
  zoom-connector authorize --config F [--token-store F] [--tenant ID] [--redirect-port N] [--no-browser]   connect a Zoom account to an oauth (user-authorized) app
  zoom-connector demo [--output DIR]                  read every stream from the embedded simulator to Parquet
  zoom-connector discover --config F                  print the CATALOG (Airbyte)
  zoom-connector read --config F [--catalog F] [--state F] [--state-file F] [--streams a,b]
                      [--format airbyte|jsonl|arrow|parquet] [--output DIR] [--tenant ID [--store F|DSN]]
                                                      read streams: Airbyte messages on stdout, or files
  zoom-connector write --config F (--catalog F | --input FILE|- [--input-format jsonl|csv|parquet|arrow]) [--results F] [--dead-letter F] [--ledger F] [--dry-run] [--tenant ID [--store F|DSN]]   register people for meetings and webinars
  zoom-connector serve --config F [--listen ADDR] [--store F|DSN] [--target meeting:ID[:LABEL]] [--allowed-origin O] [--oauth-redirect-url URL]   Zoom webhooks, a /register endpoint for web forms, and /connect/{tenant} for oauth accounts

Flags common to the commands that call Zoom:
  --config F             the configuration file (JSON; see "spec")
  --allow-host HOST:PORT let credentials go to a host that is not Zoom's (tests, the simulator); repeatable
  --log-level LEVEL      debug, info, warn or error (logs go to stderr)
`

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdio IO) int {
	if stdio.Getenv == nil {
		stdio.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdio.Stderr, usage)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "spec":
		return runSpec(stdio)
	case "check":
		return runCheck(ctx, rest, stdio, true)
	case "check-credentials":
		return runCheck(ctx, rest, stdio, false)
	case "read":
		return runRead(ctx, rest, stdio)
	case "discover":
		return runDiscover(rest, stdio)
	case "demo":
		return runDemo(ctx, rest, stdio)
	case "authorize":
		return runAuthorize(ctx, rest, stdio)
	case "serve":
		return runServe(ctx, rest, stdio)
	case "write":
		return runWrite(ctx, rest, stdio)
	}
	fmt.Fprintf(stdio.Stderr, "zoom-connector: unknown command %q\n\n%s", cmd, usage)
	return ExitUsage
}

// common are the flags of every command that calls Zoom.
type common struct {
	configPath string
	allowHosts []string
	logLevel   string
}

func (c *common) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.configPath, "config", "", "configuration file (JSON)")
	fs.StringArrayVar(&c.allowHosts, "allow-host", nil, "allow credentials to go to HOST[:PORT] (repeatable)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
}

func (c *common) logger(stderr io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.logLevel)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl})), nil
}

// load reads and validates the configuration, logging its warnings.
func (c *common) load(stdio IO, log *slog.Logger) (*config.Config, error) {
	if c.configPath == "" {
		return nil, errors.New("--config is required")
	}
	cfg, warnings, err := config.Load(c.configPath, stdio.Getenv)
	if err != nil {
		return nil, err
	}
	urls := map[string]string{"/oauth_token_url": cfg.OAuthTokenURL, "/api_base_url": cfg.APIBaseURL, "/validation_url": cfg.ValidationURL}
	for _, w := range warnings {
		// A warning about a non-Zoom host the operator allowed with
		// --allow-host says nothing new.
		if u, ok := urls[w.Path]; ok && zoomapi.CheckURL(u, c.allowHosts) == nil {
			continue
		}
		log.Warn("config: " + w.String())
	}
	return cfg, nil
}

// flagSet is pflag's flag set.
type flagSet = pflag.FlagSet

func parseFlags(name string, args []string, stderr io.Writer, register func(*pflag.FlagSet)) (*pflag.FlagSet, error) {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%s: unexpected arguments %q", name, strings.Join(fs.Args(), " "))
	}
	return fs, nil
}

func runSpec(stdio IO) int {
	w := airbyte.NewWriter(stdio.Stdout)
	if err := w.Spec(airbyte.ConnectorSpecification{
		DocumentationURL:        DocumentationURL,
		ConnectionSpecification: spec.ConfigSchema(),
	}); err != nil {
		fmt.Fprintln(stdio.Stderr, "zoom-connector spec:", err)
		return ExitFail
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(stdio.Stderr, "zoom-connector spec:", err)
		return ExitFail
	}
	return ExitOK
}

// runCheck is both `check` (a CONNECTION_STATUS message for Airbyte) and
// `check-credentials` (a report for people). check exits 0 whenever it
// could say something, as Airbyte expects; check-credentials exits 0 when
// the credentials work, 1 when they do not and 2 for a usage or config
// error.
func runCheck(ctx context.Context, args []string, stdio IO, airbyteMode bool) int {
	name := "check-credentials"
	if airbyteMode {
		name = "check"
	}
	var c common
	var af authFlags
	if _, err := parseFlags(name, args, stdio.Stderr, func(fs *pflag.FlagSet) { c.register(fs); af.register(fs); af.registerStore(fs) }); err != nil {
		fmt.Fprintf(stdio.Stderr, "zoom-connector %s: %v\n", name, err)
		return ExitUsage
	}
	log, err := c.logger(stdio.Stderr)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "zoom-connector %s: %v\n", name, err)
		return ExitUsage
	}
	cfg, err := c.load(stdio, log)
	if err != nil {
		if airbyteMode {
			return connectionStatus(stdio, airbyte.StatusFailed, "configuration error: "+err.Error())
		}
		fmt.Fprintf(stdio.Stderr, "zoom-connector %s: configuration error: %v\n", name, err)
		return ExitUsage
	}
	var rot *AirbyteRotation
	if airbyteMode {
		rot = &AirbyteRotation{ConfigPath: c.configPath}
		rot.Bind(airbyte.NewWriter(stdio.Stdout))
	}
	opts := af.options(&c, stdio, log, rot)
	closeTokens, err := OpenTenantTokens(ctx, cfg, &opts)
	if err != nil {
		if airbyteMode {
			return connectionStatus(stdio, airbyte.StatusFailed, "token store: "+err.Error())
		}
		fmt.Fprintf(stdio.Stderr, "zoom-connector %s: %v\n", name, err)
		return ExitFail
	}
	defer closeTokens()
	d := DiagnoseWith(ctx, cfg, opts)
	if airbyteMode {
		status := airbyte.StatusSucceeded
		if !d.OK {
			status = airbyte.StatusFailed
		}
		return connectionStatus(stdio, status, d.Summary)
	}
	fmt.Fprintf(stdio.Stdout, "Checking Zoom credentials from %s\n\n", c.configPath)
	d.Report(stdio.Stdout)
	if !d.OK {
		return ExitFail
	}
	return ExitOK
}

func connectionStatus(stdio IO, status airbyte.ConnectionStatus, msg string) int {
	w := airbyte.NewWriter(stdio.Stdout)
	err := w.ConnectionStatus(status, msg)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(stdio.Stderr, "zoom-connector check:", err)
		return ExitFail
	}
	return ExitOK
}
