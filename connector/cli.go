package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/buildinfo"
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
	// Now is the clock that decides "today" for a read's time windows
	// (nil, as in the real binary: time.Now). Tests against a simulator
	// whose clock they advance pass the simulator's clock here, so the
	// connector sees the same day the simulated account does.
	Now func() time.Time
	// Demo starts the demo command's simulated Zoom account; the binary
	// sets it (nil: this build has no demo).
	Demo DemoStarter
}

// usage is the top-level usage, wrapped to 100 columns. A command's block
// (its line and the indented lines under it) is also the head of its own
// --help (commandUsage).
const usage = `zoom-connector: a Zoom source and registrant destination.

Usage:
  zoom-connector spec                          print the SPEC message (Airbyte)
  zoom-connector check --config F              print a CONNECTION_STATUS message (Airbyte)
  zoom-connector check-credentials --config F [--state F]
      explain whether the credentials work, for people; with the previous read's state, the
      quota estimate of the next read
  zoom-connector discover --config F           print the CATALOG (Airbyte)
  zoom-connector read --config F [--catalog F] [--state F] [--state-file F] [--streams a,b]
      [--format airbyte|jsonl|arrow|parquet] [--output DIR] [--tenant ID] [--store F|DSN]
      read streams: Airbyte messages on stdout, or files
  zoom-connector write --config F (--catalog F | --input FILE|- [--input-format FORMAT])
      [--results F] [--dead-letter F] [--ledger F] [--dry-run] [--tenant ID [--store F|DSN]]
      register people for meetings and webinars
  zoom-connector serve --config F [--listen ADDR] [--store F|DSN] [--target meeting:ID[:LABEL]]
      [--allowed-origin O] [--oauth-redirect-url URL]
      Zoom webhooks, a /register endpoint for web forms, and /connect/{tenant} for oauth accounts
  zoom-connector tenant invite TENANT --config F [--oauth-redirect-url URL] [--valid-for 72h]
      print a signed, expiring, single-use link that connects a Zoom account to TENANT through
      serve's /connect/{tenant}
  zoom-connector authorize --config F [--token-store F] [--tenant ID] [--redirect-port N]
      [--no-browser]
      connect a Zoom account to an oauth (user-authorized) app
  zoom-connector demo [--output DIR] [--dataset tiny|small|large] [--format jsonl|arrow|parquet]
      read every stream from the embedded simulator to files (Parquet unless --format)
  zoom-connector version [--short]             print the version, commit and Go version
                                               of this build (also: zoom-connector --version)

Flags common to the commands that call Zoom:
  --config F             the configuration file (JSON; see "spec")
  --allow-host HOST:PORT let credentials go to a host that is not Zoom's (tests, the simulator);
                         repeatable
  --log-level LEVEL      debug, info, warn or error (logs go to stderr)

Every command takes --help.
`

// command is one subcommand: it returns nil on success, and otherwise an
// error exitStatus maps to the exit code and message.
type command func(ctx context.Context, args []string, stdio IO) error

// commands are the subcommands by name.
func commands() map[string]command {
	return map[string]command{
		"version":           func(_ context.Context, args []string, stdio IO) error { return runVersion(args, stdio) },
		"spec":              func(_ context.Context, args []string, stdio IO) error { return runSpec(args, stdio) },
		"check":             func(ctx context.Context, args []string, stdio IO) error { return runCheck(ctx, args, stdio, true) },
		"check-credentials": func(ctx context.Context, args []string, stdio IO) error { return runCheck(ctx, args, stdio, false) },
		"read":              runRead,
		"discover":          func(_ context.Context, args []string, stdio IO) error { return runDiscover(args, stdio) },
		"demo":              runDemo,
		"authorize":         runAuthorize,
		"serve":             runServe,
		"write":             runWrite,
		"tenant":            runTenant,
	}
}

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdio IO) int {
	if stdio.Getenv == nil {
		stdio.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 {
		fmt.Fprint(stdio.Stderr, usage)
		return ExitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "--help", "help":
		fmt.Fprint(stdio.Stdout, usage)
		return ExitOK
	case "--version":
		name = "version"
	}
	run, ok := commands()[name]
	if !ok {
		fmt.Fprintf(stdio.Stderr, "zoom-connector: unknown command %q\n\n%s", name, usage)
		return ExitUsage
	}
	return exitStatus(stdio, name, run(ctx, rest, stdio))
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
		u, isURL := urls[w.Path]
		if !isURL {
			log.Warn("config: " + w.String())
			continue
		}
		// The config's warning says what would be sent to a host that is
		// not Zoom's, or without TLS. With --allow-host for it the
		// operator knows; without, the client refuses the URL and sends
		// nothing there, so the warning would be false: say that instead.
		if err := zoomapi.CheckURL(u, c.allowHosts); err != nil {
			log.Warn(fmt.Sprintf("config: %s: %s is refused: the connector will not connect to it (%s)", w.Path, u, refusedReason(err)))
		}
	}
	return cfg, nil
}

// refusedReason is why CheckURL refused a URL, for a log line.
func refusedReason(err error) string {
	s := stripPrefix(err)
	if strings.Contains(s, "--allow-host") {
		return s
	}
	return s + "; an operator can pass --allow-host HOST[:PORT]"
}

// flagSet is pflag's flag set.
type flagSet = pflag.FlagSet

// parseFlags parses a command's flags. With -h or --help it prints the
// command's usage on stdout and returns pflag.ErrHelp, which exitStatus
// turns into exit 0 with nothing else printed; any other error is a usage
// error.
func parseFlags(name string, args []string, stdio IO, register func(*pflag.FlagSet)) (*pflag.FlagSet, error) {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stdio.Stderr)
	fs.Usage = func() { fmt.Fprint(stdio.Stdout, commandUsage(name, fs)) }
	register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, err
		}
		return nil, usageError(err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("%s: unexpected arguments %q", name, strings.Join(fs.Args(), " "))
	}
	return fs, nil
}

// commandUsage is a command's --help: its block of the top-level usage,
// then its flags wrapped to 100 columns.
func commandUsage(name string, fs *pflag.FlagSet) string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	in := false
	for _, line := range strings.Split(usage, "\n") {
		if rest, ok := strings.CutPrefix(line, "  zoom-connector "); ok {
			in = rest == name || strings.HasPrefix(rest, name+" ")
		} else if !strings.HasPrefix(line, "    ") {
			in = false
		}
		if in {
			b.WriteString(line + "\n")
		}
	}
	if fl := fs.FlagUsagesWrapped(100); fl != "" {
		b.WriteString("\nFlags:\n" + fl)
	}
	return b.String()
}

// runVersion is the version command (and --version): the build's version,
// commit and Go version, or with --short only the version as the SPEC and
// the image label carry it.
func runVersion(args []string, stdio IO) error {
	var short bool
	if _, err := parseFlags("version", args, stdio, func(fs *pflag.FlagSet) {
		fs.BoolVar(&short, "short", false, "print only the version (as in SPEC and the image's io.airbyte.version label)")
	}); err != nil {
		return err
	}
	in := buildinfo.Read()
	if short {
		_, err := fmt.Fprintln(stdio.Stdout, in.Short())
		return err
	}
	_, err := fmt.Fprint(stdio.Stdout, "zoom-connector "+in.String())
	return err
}

func runSpec(args []string, stdio IO) error {
	if _, err := parseFlags("spec", args, stdio, func(*pflag.FlagSet) {}); err != nil {
		return err
	}
	w := airbyte.NewWriter(stdio.Stdout)
	if err := w.Spec(airbyte.ConnectorSpecification{
		DocumentationURL:        DocumentationURL,
		ConnectionSpecification: spec.ConfigSchema(),
		ConnectorVersion:        buildinfo.Read().Short(),
	}); err != nil {
		return err
	}
	return w.Flush()
}

// runCheck is both `check` (a CONNECTION_STATUS message for Airbyte) and
// `check-credentials` (a report for people). check exits 0 whenever it
// could say something, as Airbyte expects; check-credentials exits 0 when
// the credentials work, 1 when they do not and 2 for a usage or config
// error.
func runCheck(ctx context.Context, args []string, stdio IO, airbyteMode bool) error {
	name := "check-credentials"
	if airbyteMode {
		name = "check"
	}
	var c common
	var af authFlags
	var statePath string
	if _, err := parseFlags(name, args, stdio, func(fs *pflag.FlagSet) {
		c.register(fs)
		af.register(fs)
		af.registerStore(fs)
		if !airbyteMode {
			fs.StringVar(&statePath, "state", "", "state of the previous read (a state file or Airbyte STATE messages): also print the quota estimate of the next read")
		}
	}); err != nil {
		return err
	}
	cfg, log, err := c.setup(stdio)
	if err != nil {
		if airbyteMode && log != nil {
			return connectionStatus(stdio, airbyte.StatusFailed, errors.Unwrap(err).Error())
		}
		return err
	}
	var rot *AirbyteRotation
	if airbyteMode {
		rot = &AirbyteRotation{ConfigPath: c.configPath}
		rot.Bind(airbyte.NewWriter(stdio.Stdout))
	}
	sess, err := af.open(ctx, &c, cfg, stdio, log, rot)
	if err != nil {
		if airbyteMode {
			return connectionStatus(stdio, airbyte.StatusFailed, "token store: "+err.Error())
		}
		return err
	}
	defer sess.Close()
	d := DiagnoseWith(ctx, cfg, sess.opts)
	if airbyteMode {
		status := airbyte.StatusSucceeded
		if !d.OK {
			status = airbyte.StatusFailed
		}
		return connectionStatus(stdio, status, d.StatusMessage())
	}
	fmt.Fprintf(stdio.Stdout, "Checking Zoom credentials from %s\n\n", c.configPath)
	d.Report(stdio.Stdout)
	if statePath != "" {
		now := time.Now()
		if stdio.Now != nil {
			now = stdio.Now()
		}
		if err := reportQuota(stdio.Stdout, cfg, statePath, now); err != nil {
			return usageError(err)
		}
	}
	if !d.OK {
		return errFailed
	}
	return nil
}

// connectionStatus writes check's CONNECTION_STATUS message: check
// succeeds whenever it could say something, as Airbyte expects.
func connectionStatus(stdio IO, status airbyte.ConnectionStatus, msg string) error {
	w := airbyte.NewWriter(stdio.Stdout)
	if err := w.ConnectionStatus(status, msg); err != nil {
		return err
	}
	return w.Flush()
}
