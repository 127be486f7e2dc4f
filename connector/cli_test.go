package connector

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/buildinfo"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// commandNames are the commands Main dispatches.
var commandNames = []string{"spec", "check", "check-credentials", "discover", "read", "write", "serve", "authorize", "demo", "version", "tenant"}

// TestHelpExitsZero: --help and -h on every command print that command's
// usage on stdout, nothing on stderr, and exit 0; so does the top level.
func TestHelpExitsZero(t *testing.T) {
	t.Parallel()
	for _, cmd := range commandNames {
		for _, flag := range []string{"--help", "-h"} {
			r := runMain(t, cmd, flag)
			if r.code != ExitOK || r.stderr != "" {
				t.Errorf("%s %s: exit %d, stderr %q", cmd, flag, r.code, r.stderr)
			}
			if !strings.HasPrefix(r.stdout, "Usage:\n  zoom-connector "+cmd) || strings.Contains(r.stdout, "pflag") {
				t.Errorf("%s %s printed:\n%s", cmd, flag, r.stdout)
			}
			if cmd != "spec" && !strings.Contains(r.stdout, "\nFlags:\n") {
				t.Errorf("%s %s: no flags listed:\n%s", cmd, flag, r.stdout)
			}
			for _, line := range strings.Split(r.stdout, "\n") {
				if len(line) > 100 {
					t.Errorf("%s --help: a line of %d columns: %q", cmd, len(line), line)
				}
			}
		}
	}
	// --help anywhere among the flags wins over missing ones.
	if r := runMain(t, "read", "--streams", "users", "--help"); r.code != ExitOK || !strings.Contains(r.stdout, "--state-file") {
		t.Errorf("read --streams users --help: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, arg := range []string{"--help", "-h", "help"} {
		if r := runMain(t, arg); r.code != ExitOK || r.stdout != usage || r.stderr != "" {
			t.Errorf("%s: exit %d, stdout %.80q, stderr %q", arg, r.code, r.stdout, r.stderr)
		}
	}
	if r := runMain(t); r.code != ExitUsage || r.stderr != usage {
		t.Errorf("no command: exit %d, stderr %.80q", r.code, r.stderr)
	}
	if r := runMain(t, "read", "--bogus"); r.code != ExitUsage || !strings.Contains(r.stderr, "unknown flag: --bogus") || r.stdout != "" {
		t.Errorf("unknown flag: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestUsageFitsIn100Columns: the top-level usage is wrapped to 100
// columns and has a block for every command.
func TestUsageFitsIn100Columns(t *testing.T) {
	t.Parallel()
	for i, line := range strings.Split(usage, "\n") {
		if len([]rune(line)) > 100 {
			t.Errorf("usage line %d has %d columns: %q", i+1, len([]rune(line)), line)
		}
	}
	for _, cmd := range commandNames {
		if !strings.Contains(usage, "\n  zoom-connector "+cmd+" ") {
			t.Errorf("usage has no line for %s", cmd)
		}
	}
}

// TestVersion: version and --version print the build's version, commit
// and Go version; --short prints the version SPEC carries.
func TestVersion(t *testing.T) {
	t.Parallel()
	in := buildinfo.Read()
	r := runMain(t, "version")
	if r.code != ExitOK || r.stderr != "" {
		t.Fatalf("version: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"version " + in.Version + "\n", "\ncommit  ", "\ngo      " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("version output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r2 := runMain(t, "--version"); r2.code != ExitOK || r2.stdout != r.stdout {
		t.Errorf("--version: exit %d\n%s", r2.code, r2.stdout)
	}
	short := runMain(t, "version", "--short")
	if short.code != ExitOK || short.stdout != in.Short()+"\n" {
		t.Errorf("version --short: exit %d, %q, want %q", short.code, short.stdout, in.Short()+"\n")
	}
	if r := runMain(t, "version", "extra"); r.code != ExitUsage {
		t.Errorf("version extra: exit %d", r.code)
	}
	sp := runMain(t, "spec")
	if sp.code != ExitOK {
		t.Fatalf("spec: exit %d %s", sp.code, sp.stderr)
	}
	validateProtocol(t, []byte(strings.TrimSpace(sp.stdout)))
	var m struct {
		Spec struct {
			ConnectorVersion string `json:"connector_version"`
		}
	}
	if err := json.Unmarshal([]byte(sp.stdout), &m); err != nil {
		t.Fatal(err)
	}
	if m.Spec.ConnectorVersion+"\n" != short.stdout {
		t.Errorf("SPEC connector_version %q, version --short %q", m.Spec.ConnectorVersion, short.stdout)
	}
}

// TestCheckCredentialsScopeVerdict: with streams missing scopes, the
// per-stream list comes first and the verdict is one short sentence; the
// CONNECTION_STATUS message of check still names the scopes.
func TestCheckCredentialsScopeVerdict(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	limited := zoomsim.App{AccountID: f.sim.Dataset().AccountID, ClientID: "limited-id", ClientSecret: "limited-secret",
		Scopes: []string{"user:read:admin", "meeting:read:list_meetings:admin"}}
	lf := startSim(t, zoomsim.Options{Apps: []zoomsim.App{limited}})
	cfg := writeConfig(t, with(lf.cfg, "client_id", "limited-id", "client_secret", "limited-secret"))
	r := runMain(t, "check-credentials", "--config", cfg, "--allow-host", lf.host)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	list := strings.Index(r.stdout, "Streams missing a scope")
	verdict := strings.Index(r.stdout, "Verdict: ")
	if list < 0 || verdict < list {
		t.Fatalf("the list must come before the verdict:\n%s", r.stdout)
	}
	line := strings.TrimSpace(r.stdout[verdict:])
	if strings.Contains(line, "\n") || len(line) > 160 || strings.Count(line, ". ") > 0 || strings.Contains(line, "needs one of") {
		t.Errorf("verdict is not one short sentence (%d characters): %q", len(line), line)
	}
	if !strings.Contains(line, "cannot be read until the app has more scopes (listed above).") {
		t.Errorf("verdict %q", line)
	}
	c := runMain(t, "check", "--config", cfg, "--allow-host", lf.host)
	if !strings.Contains(c.stdout, "meeting_registrants needs one of [") {
		t.Errorf("CONNECTION_STATUS lost the scopes each stream needs: %s", c.stdout)
	}
}

// TestRefusedValidationURLGetsNothing: a validation URL on a host that is
// not allowed is refused; the log says nothing is sent there (not that
// a token "is sent"), and a listener on that host sees no connection.
func TestRefusedValidationURLGetsNothing(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var arrived atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			arrived.Add(1)
			c.Close()
		}
	}()
	trap := "http://" + ln.Addr().String() + "/v2/users/me"
	cfg := writeConfig(t, with(f.cfg, "validation_url", trap))
	for _, args := range [][]string{
		{"check-credentials", "--config", cfg, "--allow-host", f.host},
		{"check", "--config", cfg, "--allow-host", f.host},
		{"read", "--config", cfg, "--allow-host", f.host, "--streams", "users"},
	} {
		r := runMain(t, args...)
		if strings.Contains(r.stderr, "is sent") || strings.Contains(r.stderr, "are sent") {
			t.Errorf("%s: the log says something is sent to the refused host:\n%s", args[0], r.stderr)
		}
		if !strings.Contains(r.stderr, "/validation_url: "+trap+" is refused: the connector will not connect to it") {
			t.Errorf("%s: no warning that the validation URL is refused:\n%s", args[0], r.stderr)
		}
		if args[0] == "check-credentials" && (r.code != ExitFail || !strings.Contains(r.stdout, "refused before any credential is sent")) {
			t.Errorf("check-credentials: exit %d\n%s", r.code, r.stdout)
		}
	}
	// A probe connection of the test's own: the listener accepts in order,
	// so once the probe is counted every earlier connection is too.
	probe, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	probe.Close()
	deadline := time.Now().Add(10 * time.Second)
	for arrived.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := arrived.Load() - 1; n != 0 {
		t.Errorf("%d connections reached the refused validation host", n)
	}
	// Allowed with --allow-host, the same URL is used: the trap sees it.
	r := runMain(t, "check-credentials", "--config", cfg, "--allow-host", f.host, "--allow-host", ln.Addr().String())
	if strings.Contains(r.stderr, "is refused") {
		t.Errorf("an allowed host was reported refused:\n%s", r.stderr)
	}
	deadline = time.Now().Add(10 * time.Second)
	for arrived.Load() == 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if arrived.Load() == 1 {
		t.Error("the listener saw no connection even when allowed: the test cannot see a request")
	}
}

// TestExitCodes: one place maps a command's error to its exit code. A
// folder that cannot be made is exit 1 (the run failed), not a usage
// error; a bad flag value, a missing --output or a broken config is 2.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 1})
	cfg := writeConfig(t, f.cfg)
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"read", "--config", cfg, "--allow-host", f.host, "--streams", "users", "--format", "jsonl", "--output", filepath.Join(blocker, "out")}, ExitFail, "zoom-connector read: --output:"},
		{[]string{"read", "--config", cfg, "--allow-host", f.host, "--streams", "users", "--format", "jsonl"}, ExitUsage, "zoom-connector read: --format jsonl writes files"},
		{[]string{"read", "--config", cfg, "--log-level", "loud"}, ExitUsage, "zoom-connector read: --log-level"},
		{[]string{"discover", "--config", blocker}, ExitUsage, "zoom-connector discover: configuration error:"},
		{[]string{"write", "--config", cfg}, ExitUsage, "zoom-connector write: --input FILE"},
		{[]string{"read", "--config", cfg, "--format", "csv"}, ExitUsage, "zoom-connector read: --format \"csv\": want airbyte, jsonl, arrow, parquet"},
		{[]string{"demo", "--format", "csv"}, ExitUsage, "zoom-connector demo: --format must be jsonl, arrow, parquet"},
	} {
		r := runMain(t, tc.args...)
		if r.code != tc.code || !strings.HasPrefix(r.stderr, tc.says) && !strings.Contains(r.stderr, "\n"+tc.says) {
			t.Errorf("%v: exit %d, want %d; stderr %q", tc.args, r.code, tc.code, r.stderr)
		}
	}
}
