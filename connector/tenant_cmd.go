package connector

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/zoom-connector/zoom-connector/connector/serve"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
)

// tenantAbout follows the tenant command's usage in its --help.
const tenantAbout = `
tenant invite prints a signed, expiring, single-use link that connects one Zoom account to
TENANT through serve's /connect/{TENANT}; send it to the tenant's owner. It is signed with a
key derived from the token key (ZOOM_CONNECTOR_TOKEN_KEY or ZOOM_CONNECTOR_TOKEN_KEY_FILE, the
same as serve's), and the link's host is that of the OAuth redirect URL serve runs with
(--oauth-redirect-url, else the config's serve.oauth_redirect_url). serve refuses /connect
without a valid invitation, and each invitation connects once.
`

// tenantInviteFlags are the flags of `tenant invite`.
type tenantInviteFlags struct {
	common
	redirect string
	validFor time.Duration
}

func (f *tenantInviteFlags) register(fs *pflag.FlagSet) {
	f.common.register(fs)
	fs.StringVar(&f.redirect, "oauth-redirect-url", "", "serve's OAuth redirect URL (default: the config's serve.oauth_redirect_url)")
	fs.DurationVar(&f.validFor, "valid-for", serve.DefaultInviteValidity, "how long the link stays valid (at most 720h)")
}

// runTenant is the tenant command: `tenant invite TENANT`.
func runTenant(_ context.Context, args []string, stdio IO) error {
	var f tenantInviteFlags
	help := func() string {
		fs := pflag.NewFlagSet("tenant invite", pflag.ContinueOnError)
		f.register(fs)
		return commandUsage("tenant", fs) + tenantAbout
	}
	if len(args) == 0 {
		fmt.Fprint(stdio.Stderr, help())
		return &exitError{code: ExitUsage}
	}
	switch args[0] {
	case "-h", "--help", "help":
		_, err := fmt.Fprint(stdio.Stdout, help())
		return err
	case "invite":
	default:
		return usagef("unknown subcommand %q\n\n%s", args[0], help())
	}
	// The tenant is the one positional argument, before or after the flags.
	var tenant string
	var rest []string
	for _, a := range args[1:] {
		if tenant == "" && !strings.HasPrefix(a, "-") && (len(rest) == 0 || !needsValue(rest[len(rest)-1])) {
			tenant = a
			continue
		}
		rest = append(rest, a)
	}
	if _, err := parseFlags("tenant invite", rest, stdio, f.register); err != nil {
		return err
	}
	if err := serve.CheckTenantSlug(tenant); err != nil {
		return usagef("invite: tenant %q: %v\n\n%s", tenant, err, help())
	}
	if err := f.invite(tenant, stdio); err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	return nil
}

// invite prints the link that connects a Zoom account to tenant.
func (f *tenantInviteFlags) invite(tenant string, stdio IO) error {
	cfg, _, err := f.setup(stdio)
	if err != nil {
		return err
	}
	redirect := f.redirect
	if redirect == "" && cfg.Serve != nil {
		redirect = cfg.Serve.OAuthRedirectURL
	}
	if redirect == "" {
		return usagef("give --oauth-redirect-url (serve's, e.g. https://connect.example.com/oauth/callback) or set serve.oauth_redirect_url in the config")
	}
	key, err := tokenstore.KeyFromEnv(stdio.Getenv)
	if err != nil {
		return usagef("token key: %v", err)
	}
	link, expires, err := serve.MakeInvite(key, redirect, tenant, f.validFor, time.Now())
	if err != nil {
		return usageError(err)
	}
	fmt.Fprintln(stdio.Stdout, link)
	fmt.Fprintf(stdio.Stderr, "zoom-connector tenant invite: a link for %s, valid until %s and for one connection; send it to the owner of the Zoom account\n",
		tenant, expires.UTC().Format(time.RFC3339))
	return nil
}

// needsValue reports whether flag (as written) takes the next argument as
// its value.
func needsValue(flag string) bool {
	if strings.Contains(flag, "=") {
		return false
	}
	switch strings.TrimLeft(flag, "-") {
	case "config", "allow-host", "log-level", "oauth-redirect-url", "valid-for":
		return true
	}
	return false
}
