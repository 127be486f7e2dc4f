package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/connector"
)

// serveSim runs `zoomsim serve` with args and returns the config it prints.
func serveSim(t *testing.T, args ...string) map[string]any {
	t.Helper()
	return serveSimLines(t, 1, io.Discard, args...)[0]
}

// serveSimLines runs `zoomsim serve --dataset tiny` with args until the
// test ends and returns the first n JSON lines it prints on stdout.
func serveSimLines(t *testing.T, n int, stderr io.Writer, args ...string) []map[string]any {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--dataset", "tiny"}, args...), pw, stderr); err != nil {
			t.Errorf("zoomsim serve: %v", err)
		}
		pw.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	dec := json.NewDecoder(pr)
	var lines []map[string]any
	for range n {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	go io.Copy(io.Discard, pr)
	return lines
}

// TestCheckCredentialsAgainstZoomsimServe runs check-credentials, as a user
// would, against `zoomsim serve` for each verdict the issue names.
func TestCheckCredentialsAgainstZoomsimServe(t *testing.T) {
	full := serveSim(t)
	limited := serveSim(t, "--scopes", "user:read:admin,meeting:read:admin")
	host := func(cfg map[string]any) string {
		u, _ := url.Parse(cfg["api_base_url"].(string))
		return u.Host
	}
	with := func(cfg map[string]any, k string, v any) map[string]any {
		out := map[string]any{}
		for kk, vv := range cfg {
			out[kk] = vv
		}
		out[k] = v
		return out
	}
	for _, tc := range []struct {
		name  string
		cfg   map[string]any
		allow bool
		code  int
		want  string
	}{
		{"good credentials", full, true, 0, "Verdict: credentials work; every selected stream can be read"},
		{"bad secret", with(full, "client_secret", "wrong"), true, 1, "Zoom rejected the client ID or client secret"},
		{"wrong account id", with(full, "account_id", "wrong"), true, 1, "Zoom rejected the account ID"},
		{"app missing scopes", limited, true, 0, "report_daily                     needs one of: report:read:admin"},
		{"validation URL on a refused host", with(full, "validation_url", "https://zoom.us.example.com/v2/users/me"), true, 1, "validation_url \"https://zoom.us.example.com/v2/users/me\" is refused before any credential is sent"},
		{"simulator without --allow-host", full, false, 1, "refused before any credential is sent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := json.Marshal(tc.cfg)
			p := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"check-credentials", "--config", p}
			if tc.allow {
				args = append(args, "--allow-host", host(tc.cfg))
			}
			var out, errb bytes.Buffer
			code := connector.Main(context.Background(), args, connector.IO{Stdout: &out, Stderr: &errb})
			if code != tc.code || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("exit %d (want %d); stdout lacks %q:\n%s\nstderr:\n%s", code, tc.code, tc.want, out.String(), errb.String())
			}
		})
	}
}
