package connector

import (
	"context"
	"log/slog"

	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// The one setup path of the commands that call Zoom (read, check,
// check-credentials, write): setup builds the logger and loads the
// configuration; connect opens the tenant's tokens and builds the one
// client. A command does its own checks in between.

// setup builds the command's logger from --log-level and loads --config,
// logging its warnings. Errors are usage errors (exit 2).
func (c *common) setup(stdio IO) (*config.Config, *slog.Logger, error) {
	log, err := c.logger(stdio.Stderr)
	if err != nil {
		return nil, nil, usageError(err)
	}
	cfg, err := c.load(stdio, log)
	if err != nil {
		return nil, log, configError(err)
	}
	return cfg, log, nil
}

// session is a command's connection to Zoom: its client options with the
// tenant's token store open.
type session struct {
	cfg         *config.Config
	opts        ClientOptions
	closeTokens func()
}

// open opens the tenant's tokens (OpenTenantTokens) for a command with the
// auth flags a; rot is nil outside Airbyte mode. A failure to open the
// store is exit 1. Close the session when done.
func (a *authFlags) open(ctx context.Context, c *common, cfg *config.Config, stdio IO, log *slog.Logger, rot *AirbyteRotation) (*session, error) {
	s := &session{cfg: cfg, opts: a.options(c, stdio, log, rot)}
	closeTokens, err := OpenTenantTokens(ctx, cfg, &s.opts)
	if err != nil {
		return nil, err
	}
	s.closeTokens = closeTokens
	return s, nil
}

// client builds the session's Zoom client (NewClientWith); a client the
// configuration cannot make is a usage error.
func (s *session) client() (*zoomapi.Client, error) {
	c, err := NewClientWith(s.cfg, s.opts)
	if err != nil {
		return nil, usageError(err)
	}
	return c, nil
}

// Close closes the tenant's token store.
func (s *session) Close() { s.closeTokens() }
