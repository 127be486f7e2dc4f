package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// Problem classifies why credentials do not work.
type Problem string

// The problems check and check-credentials tell apart.
const (
	ProblemNone          Problem = ""
	ProblemRefusedHost   Problem = "refused_host"
	ProblemBadClient     Problem = "bad_client_credentials"
	ProblemBadAccount    Problem = "bad_account_id"
	ProblemNetwork       Problem = "network"
	ProblemTokenEndpoint Problem = "token_endpoint"
	ProblemMissingScopes Problem = "missing_scopes"
	ProblemValidation404 Problem = "validation_not_found"
	ProblemNotJSON       Problem = "validation_not_json"
	ProblemRejected      Problem = "token_rejected"
	ProblemOther         Problem = "other"
	// ProblemReconnect: the oauth refresh token was revoked, expired or
	// already used; the account must be connected again (authorize).
	ProblemReconnect Problem = "reconnect_account"
	// ProblemTokenStore: the oauth tokens could not be loaded or saved.
	ProblemTokenStore Problem = "token_store"
)

// Step is one thing check-credentials checked.
type Step struct {
	Name   string
	OK     bool
	Detail string
}

// Identity is who the token belongs to, from the validation URL.
type Identity struct {
	ID, Email, Name, AccountID, Role string
}

// ScopeGap is a stream the granted scopes do not allow, with the scopes
// any one of which would.
type ScopeGap struct {
	Stream string
	AnyOf  []string
}

// Diagnosis is what a credential check found. It never holds a secret or
// a token.
type Diagnosis struct {
	// OK is true when a token was issued and the validation URL accepted it.
	OK bool
	// Problem classifies the failure when OK is false.
	Problem Problem
	// Summary is one sentence for people and for CONNECTION_STATUS.
	Summary  string
	Steps    []Step
	Identity *Identity
	// Granted are the scopes the token response listed.
	Granted []string
	// Gaps are the selected streams the granted scopes do not allow.
	Gaps []ScopeGap
	// OffGaps are the streams off by default (not selected) the granted
	// scopes would not allow, should they be enabled; they do not change
	// the verdict.
	OffGaps []ScopeGap
}

func (d *Diagnosis) fail(p Problem, step, detail string) *Diagnosis {
	d.OK, d.Problem, d.Summary = false, p, detail
	d.Steps = append(d.Steps, Step{Name: step, OK: false, Detail: detail})
	return d
}

func (d *Diagnosis) pass(step, detail string) {
	d.Steps = append(d.Steps, Step{Name: step, OK: true, Detail: detail})
}

// Diagnose checks the configured credentials end to end: the hosts
// credentials would go to, a token, the validation URL, and the scopes each
// selected stream needs.
func Diagnose(ctx context.Context, cfg *config.Config, allowHosts []string, log *slog.Logger) *Diagnosis {
	return DiagnoseWith(ctx, cfg, ClientOptions{AllowHosts: allowHosts, Log: log})
}

// DiagnoseWith is Diagnose with the run's client options (tenant, token
// store, config path, Airbyte rotation), which an oauth configuration
// needs to find and keep its tokens.
func DiagnoseWith(ctx context.Context, cfg *config.Config, o ClientOptions) *Diagnosis {
	d := &Diagnosis{}
	for _, u := range []struct{ field, url string }{
		{"oauth_token_url", cfg.OAuthTokenURL},
		{"api_base_url", cfg.APIBaseURL},
		{"validation_url", cfg.ValidationURL},
	} {
		if err := zoomapi.CheckURL(u.url, o.AllowHosts); err != nil {
			return d.fail(ProblemRefusedHost, "hosts", fmt.Sprintf(
				"%s %q is refused before any credential is sent: %v (only https on zoom.us, zoomgov.com and their subdomains is allowed; an operator can pass --allow-host HOST[:PORT])",
				u.field, u.url, stripPrefix(err)))
		}
	}
	d.pass("hosts", "token, API and validation URLs are allowed hosts")

	client, err := NewClientWith(cfg, o)
	if err != nil {
		var ae *zoomapi.AuthError
		if errors.As(err, &ae) && ae.Kind == zoomapi.AuthInvalidGrant {
			return d.fail(ProblemReconnect, "client", stripPrefix(err))
		}
		return d.fail(ProblemOther, "client", stripPrefix(err))
	}
	tok, err := client.TokenSource().Token(ctx)
	if err != nil {
		return d.tokenFailed(cfg, err)
	}
	if s, ok := tok.Extra("scope").(string); ok {
		d.Granted = strings.Fields(s)
	}
	d.pass("token", fmt.Sprintf("access token issued with %d scopes", len(d.Granted)))
	if failed := d.validate(ctx, client, cfg); failed {
		return d
	}
	d.scopes(cfg)
	return d
}

// tokenFailed reports why no access token was issued.
func (d *Diagnosis) tokenFailed(cfg *config.Config, err error) *Diagnosis {
	var ae *zoomapi.AuthError
	switch {
	case errors.As(err, &ae) && ae.Kind == zoomapi.AuthInvalidGrant:
		return d.fail(ProblemReconnect, "token", "Zoom refused the refresh token (invalid_grant): "+stripPrefix(err))
	case errors.Is(err, zoomapi.ErrTokensNotSaved):
		return d.fail(ProblemTokenStore, "token", stripPrefix(err))
	case errors.As(err, &ae) && ae.Kind == zoomapi.AuthInvalidClient && cfg.IsOAuth():
		return d.fail(ProblemBadClient, "token", "Zoom rejected the client ID or client secret (invalid_client): check auth.client_id and auth.client_secret of the OAuth app")
	case !errors.As(err, &ae):
		return d.fail(ProblemTokenStore, "token", "could not get an access token: "+stripPrefix(err))
	case errors.As(err, &ae) && ae.Kind == zoomapi.AuthInvalidClient:
		return d.fail(ProblemBadClient, "token", "Zoom rejected the client ID or client secret (invalid_client): check client_id and client_secret of the Server-to-Server OAuth app")
	case errors.As(err, &ae) && ae.Kind == zoomapi.AuthInvalidAccount:
		return d.fail(ProblemBadAccount, "token", "Zoom rejected the account ID: check account_id (the Account ID on the app's credentials page; the client ID and secret were accepted)")
	case errors.As(err, &ae) && ae.Kind == zoomapi.AuthNetwork:
		return d.fail(ProblemNetwork, "token", "could not reach the token endpoint "+cfg.OAuthTokenURL+": "+stripPrefix(err))
	default:
		return d.fail(ProblemTokenEndpoint, "token", "the token endpoint refused the request: "+stripPrefix(err))
	}
}

// validate asks the validation URL who the token belongs to; it reports
// whether that failed (the diagnosis then says why).
func (d *Diagnosis) validate(ctx context.Context, client *zoomapi.Client, cfg *config.Config) (failed bool) {
	req := client.NewRequest(http.MethodGet, cfg.ValidationURL, nil, nil)
	req.Category = zoomapi.CategoryLight
	resp, err := client.Do(ctx, req, nil)
	if err != nil {
		d.validationFailed(cfg, err)
		return true
	}
	var me map[string]any
	dec := json.NewDecoder(bytes.NewReader(resp.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&me); err != nil || me == nil {
		ct := resp.Header.Get("Content-Type")
		d.fail(ProblemNotJSON, "validation", fmt.Sprintf("the validation URL %s answered HTTP %d with something that is not a JSON object (Content-Type %q): check validation_url", cfg.ValidationURL, resp.StatusCode, ct))
		return true
	}
	id := &Identity{ID: jsonrec.Str(me["id"]), Email: jsonrec.Str(me["email"]), AccountID: jsonrec.Str(me["account_id"]), Role: jsonrec.Str(me["role_name"]),
		Name: strings.TrimSpace(jsonrec.Str(me["first_name"]) + " " + jsonrec.Str(me["last_name"]))}
	d.Identity = id
	d.pass("validation", "the token belongs to "+id.String())
	return false
}

// validationFailed reports why the validation URL refused the token.
func (d *Diagnosis) validationFailed(cfg *config.Config, err error) *Diagnosis {
	var se *zoomapi.ScopeError
	var api *zoomapi.APIError
	var ae *zoomapi.AuthError
	switch {
	case errors.As(err, &se):
		return d.fail(ProblemMissingScopes, "validation", "the validation URL needs a scope the app lacks: add one of "+strings.Join(se.Scopes, ", ")+" to the app, then try again")
	case errors.As(err, &ae):
		return d.fail(ProblemRejected, "validation", "the API rejected the new access token: "+stripPrefix(err))
	case errors.As(err, &api) && api.StatusCode == http.StatusNotFound:
		return d.fail(ProblemValidation404, "validation", fmt.Sprintf("the validation URL %s answered 404 Not Found: check validation_url (default https://api.zoom.us/v2/users/me)", cfg.ValidationURL))
	case errors.As(err, &api):
		return d.fail(ProblemOther, "validation", fmt.Sprintf("the validation URL answered HTTP %d: %s", api.StatusCode, stripPrefix(err)))
	default:
		return d.fail(ProblemNetwork, "validation", "could not reach the validation URL "+cfg.ValidationURL+": "+stripPrefix(err))
	}
}

// scopes compares the granted scopes with the selected streams' and
// writes the verdict.
func (d *Diagnosis) scopes(cfg *config.Config) {
	for _, s := range streams.Zoom() {
		miss := s.MissingScopes(d.Granted)
		switch {
		case miss == nil:
		case s.SelectedByDefault(cfg.Streams[s.Name].Enabled):
			d.Gaps = append(d.Gaps, ScopeGap{Stream: s.Name, AnyOf: miss})
		case s.OffByDefault && cfg.Streams[s.Name].Enabled == nil:
			d.OffGaps = append(d.OffGaps, ScopeGap{Stream: s.Name, AnyOf: miss})
		}
	}
	d.OK = true
	if len(d.Gaps) == 0 {
		d.pass("scopes", "every selected stream is allowed by the granted scopes")
		d.Summary = "credentials work; every selected stream can be read"
	} else {
		d.Steps = append(d.Steps, Step{Name: "scopes", OK: false, Detail: fmt.Sprintf("%d streams lack a scope", len(d.Gaps))})
		d.Summary = fmt.Sprintf("credentials work, but %d of the selected streams cannot be read until the app has more scopes", len(d.Gaps))
	}
}

// StatusMessage is the CONNECTION_STATUS message: the summary and, when
// streams lack scopes, which scopes each needs (the report for people
// lists them above its verdict instead).
func (d *Diagnosis) StatusMessage() string {
	if len(d.Gaps) == 0 {
		return d.Summary
	}
	return d.Summary + ": " + d.gapList()
}

func (d *Diagnosis) gapList() string {
	var parts []string
	for _, g := range d.Gaps {
		parts = append(parts, g.Stream+" needs one of ["+strings.Join(g.AnyOf, ", ")+"]")
	}
	return strings.Join(parts, "; ")
}

// String renders the identity as "Name <email> (user id, account id, role)".
func (i *Identity) String() string {
	var extra []string
	for _, kv := range [][2]string{{"user ", i.ID}, {"account ", i.AccountID}, {"role ", i.Role}} {
		if kv[1] != "" {
			extra = append(extra, kv[0]+kv[1])
		}
	}
	s := strings.TrimSpace(i.Name + " <" + i.Email + ">")
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// Report writes the diagnosis for people.
func (d *Diagnosis) Report(w interface{ Write([]byte) (int, error) }) {
	for _, s := range d.Steps {
		mark := "ok  "
		if !s.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "[%s] %-10s %s\n", mark, s.Name, s.Detail)
	}
	if len(d.Granted) > 0 {
		g := slices.Clone(d.Granted)
		slices.Sort(g)
		fmt.Fprintf(w, "\nScopes granted (%d): %s\n", len(g), strings.Join(g, " "))
	}
	if len(d.Gaps) > 0 {
		fmt.Fprintf(w, "\nStreams missing a scope (%d):\n", len(d.Gaps))
		for _, g := range d.Gaps {
			fmt.Fprintf(w, "  %-32s needs one of: %s\n", g.Stream, strings.Join(g.AnyOf, ", "))
		}
	}
	if len(d.OffGaps) > 0 {
		fmt.Fprintf(w, "\nStreams off by default that would need a scope if enabled (%d):\n", len(d.OffGaps))
		for _, g := range d.OffGaps {
			fmt.Fprintf(w, "  %-32s needs one of: %s\n", g.Stream, strings.Join(g.AnyOf, ", "))
		}
	}
	switch {
	case d.OK && len(d.Gaps) > 0:
		fmt.Fprintf(w, "\nVerdict: %s (listed above).\n", d.Summary)
	case d.OK:
		fmt.Fprintf(w, "\nVerdict: %s.\n", d.Summary)
	default:
		fmt.Fprintf(w, "\nVerdict: credentials do NOT work: %s\n", d.Summary)
	}
}

// stripPrefix drops the package prefixes of wrapped errors for people.
func stripPrefix(err error) string {
	s := err.Error()
	for _, p := range []string{"zoomapi: auth: ", "zoomapi: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}
