package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// TestServePrintsAWorkingConfig runs `zoomsim serve`, reads the JSON line
// it prints, gets a token with it and calls the validation URL.
func TestServePrintsAWorkingConfig(t *testing.T) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--dataset", "tiny", "--seed", "3", "--plan", "business"}, pw, io.Discard)
		pw.Close()
	}()
	var cfg map[string]string
	dec := json.NewDecoder(pr)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("first line is not a JSON config: %v", err)
	}
	go io.Copy(io.Discard, pr)
	for _, k := range []string{"api_base_url", "oauth_token_url", "validation_url", "account_id", "client_id", "client_secret"} {
		if cfg[k] == "" {
			t.Errorf("config lacks %s: %v", k, cfg)
		}
	}
	if cfg["plan"] != "business" {
		t.Errorf("config says plan %q, the simulator runs business", cfg["plan"])
	}
	if !strings.HasPrefix(cfg["api_base_url"], "http://127.0.0.1:") {
		t.Errorf("not on loopback: %s", cfg["api_base_url"])
	}
	form := url.Values{"grant_type": {"account_credentials"}, "account_id": {cfg["account_id"]}}
	req, _ := http.NewRequest("POST", cfg["oauth_token_url"], strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(cfg["client_id"], cfg["client_secret"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok.AccessToken == "" {
		t.Fatalf("no token (HTTP %d)", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", cfg["validation_url"], nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Category") != "Light" {
		t.Fatalf("validation URL: %d %v", resp.StatusCode, resp.Header)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when interrupted")
	}
}

func TestServeUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"nope"}, {"serve", "--dataset", "huge"}, {"serve", "--plan", "gold"}, {"serve", "--faults", "boom=1"},
		{"serve", "--webhook-target", "http://127.0.0.1:1/webhooks/zoom"}, {"serve", "--webhook-secret", "s"},
		{"serve", "--oauth-redirect-url", "http://127.0.0.1/cb"}, {"serve", "--oauth-app", "--oauth-redirect-url", "http://127.0.0.1/cb", "--addr", "256.0.0.1:0"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// TestServeHelp: --help is not an error (main exits 0 after pflag printed
// the usage).
func TestServeHelp(t *testing.T) {
	var errb bytes.Buffer
	if err := run(context.Background(), []string{"serve", "--help"}, io.Discard, &errb); !errors.Is(err, pflag.ErrHelp) ||
		!strings.Contains(errb.String(), "--oauth-app") || !strings.Contains(errb.String(), "--webhook-target") {
		t.Fatalf("--help: %v\n%s", err, errb.String())
	}
}

// TestServeStartAndAdvance: --start sets the simulated clock, which
// POST /_sim/advance moves, and the account changes with it.
func TestServeStartAndAdvance(t *testing.T) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dataset", "tiny", "--start", "2026-06-01T00:00:00Z", "--activity", "high"}, pw, io.Discard)
		pw.Close()
	}()
	var cfg map[string]string
	if err := json.NewDecoder(pr).Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimSuffix(cfg["api_base_url"], "/v2")
	get := func(path string, v any) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var clk map[string]string
	get("/_sim/clock", &clk)
	if clk["now"] != "2026-06-01T00:00:00Z" {
		t.Errorf("clock starts at %s", clk["now"])
	}
	resp, err := http.Post(base+"/_sim/advance", "application/json", strings.NewReader(`{"duration":"48h"}`))
	if err != nil {
		t.Fatal(err)
	}
	var adv map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&adv)
	resp.Body.Close()
	if adv["now"] != "2026-06-03T00:00:00Z" || adv["changes"].(float64) == 0 {
		t.Errorf("advance answered %v", adv)
	}
	var changes []map[string]any
	get("/_sim/changes?since=2026-06-01T00:00:00Z", &changes)
	if float64(len(changes)) != adv["changes"] {
		t.Errorf("%d changes listed, advance said %v", len(changes), adv["changes"])
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestServeRejectsBadClockFlags(t *testing.T) {
	for _, args := range [][]string{{"serve", "--start", "tomorrow"}, {"serve", "--activity", "frantic"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}
