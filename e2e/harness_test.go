package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zoom-connector/zoom-connector/internal/testkit"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// The built binary, or why it could not be built.
var (
	binPath  string
	buildErr error
	repoRoot string
)

// TestMain builds the zoom-connector binary once, runs the suite, and
// prints the figures every test contributed to.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zc-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "zoom-connector")
	buildErr = build(dir)
	if buildErr != nil {
		fmt.Fprintf(os.Stderr, "e2e: every test skips: cannot build zoom-connector: %v\n", buildErr)
	}
	code := m.Run()
	figures.print()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func build(dir string) error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return errors.New("not inside the module")
	}
	repoRoot = filepath.Dir(gomod)
	args := []string{"build", "-o", binPath}
	// Static (CGO_ENABLED=0), as the Dockerfile builds it: TestImage puts
	// this very binary in the FROM scratch image. -race needs cgo.
	cgo := "CGO_ENABLED=0"
	if os.Getenv("ZC_E2E_RACE") == "1" {
		args = append(args, "-race")
		cgo = "CGO_ENABLED=1"
	}
	cmd := exec.Command("go", append(args, "./cmd/zoom-connector")...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), cgo)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, b)
	}
	return nil
}

// needBinary skips the test when the binary could not be built.
func needBinary(t *testing.T) {
	t.Helper()
	if buildErr != nil {
		t.Skipf("zoom-connector did not build: %v", buildErr)
	}
}

// soak reports whether the long soak mode is on (ZC_SOAK=1).
func soak() bool { return os.Getenv("ZC_SOAK") == "1" }

// ---------------------------------------------------------------------
// Figures

// tally collects the figures of a run of the suite.
type tally struct {
	mu              sync.Mutex
	faults          map[string]int
	requests        int
	recordsCompared int
	recordsLost     int
	duplicates      int
	dupAllowed      int // duplicates after a crash, within the at-least-once bound
	secretsFound    int
	bytesScanned    int64
	filesScanned    int
	runs            int
	kills           int
}

var figures = &tally{faults: map[string]int{}}

func (f *tally) addSim(c zoomsim.CounterSnapshot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, v := range c.Faults {
		f.faults[k] += v
	}
	f.faults["429 (limiter)"] += c.Limited429
	f.faults["429 (daily)"] += c.Daily429
	f.requests += c.TotalRequests
}

func (f *tally) add(fn func(f *tally)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *tally) print() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runs == 0 {
		return
	}
	var names []string
	total := 0
	for k, v := range f.faults {
		if v > 0 {
			names = append(names, fmt.Sprintf("%s=%d", k, v))
			total += v
		}
	}
	sort.Strings(names)
	fmt.Printf("e2e figures: runs=%d kills=%d api_requests=%d faults_injected=%d [%s]\n", f.runs, f.kills, f.requests, total, strings.Join(names, " "))
	fmt.Printf("e2e figures: records_compared=%d records_lost=%d duplicates=%d (of which after a crash, within the at-least-once bound: %d)\n",
		f.recordsCompared, f.recordsLost, f.duplicates, f.dupAllowed)
	fmt.Printf("e2e figures: secrets_found=%d in %d files, %d bytes scanned\n", f.secretsFound, f.filesScanned, f.bytesScanned)
}

// ---------------------------------------------------------------------
// Simulator

// sim is a simulator listening on 127.0.0.1 with a canary app.
type sim struct {
	*zoomsim.Listening
	host string // HOST:PORT for --allow-host
	app  zoomsim.App
}

var allScopes = sync.OnceValue(func() []string {
	d, err := zoomsim.Generate("tiny", 1, time.Now())
	if err != nil {
		panic(err)
	}
	return zoomsim.AllScopes(d.Routes())
})

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// canaryApp returns an app whose secret is a unique canary.
func canaryApp() zoomsim.App {
	return zoomsim.App{
		AccountID:    "acct-" + randHex(8),
		ClientID:     "canary-id-" + randHex(6),
		ClientSecret: "CANARY-SECRET-" + randHex(16),
		Scopes:       allScopes(),
	}
}

// startSim starts a simulator with a canary app (unless opts.Apps is set)
// and stops it when the test ends, adding its counters to the figures.
func startSim(t *testing.T, opts zoomsim.Options) *sim {
	t.Helper()
	if len(opts.Apps) == 0 {
		opts.Apps = []zoomsim.App{canaryApp()}
	}
	s, err := zoomsim.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(l.URL)
	sm := &sim{Listening: l, host: u.Host, app: opts.Apps[0]}
	t.Cleanup(func() {
		_ = l.Close()
		figures.addSim(s.Counters().Snapshot())
	})
	return sm
}

// config returns a connector config for the simulator (plan unlimited,
// so the simulator alone limits), with kv overriding or (nil) deleting keys.
func (s *sim) config(kv ...any) map[string]any {
	c := s.Config(s.URL)
	cfg := map[string]any{
		"api_base_url": c.APIBaseURL, "oauth_token_url": c.OAuthTokenURL, "validation_url": c.ValidationURL,
		"account_id": c.AccountID, "client_id": c.ClientID, "client_secret": c.ClientSecret,
		"plan": "unlimited", "max_concurrency": 8,
	}
	return with(cfg, kv...)
}

func with(cfg map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range cfg {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// ---------------------------------------------------------------------
// Running the binary

// env is one test's working area: a folder whose every file is scanned
// for secrets when the test ends (configs, which must hold the secret,
// live elsewhere), and the secrets to look for.
type env struct {
	t      *testing.T
	dir    string // artefacts: outputs, state, logs of every run
	cfgDir string // configs (not scanned)
	n      atomic.Int32

	mu      sync.Mutex
	secrets []string
	sims    []*sim
}

// newEnv returns a test's working area; when the test ends, every file in
// it is scanned for the canary secrets of the given simulators, their
// Basic headers and every token they issued.
func newEnv(t *testing.T, sims ...*sim) *env {
	t.Helper()
	needBinary(t)
	e := &env{t: t, dir: t.TempDir(), cfgDir: t.TempDir()}
	for _, s := range sims {
		e.watch(s)
	}
	t.Cleanup(e.scan)
	return e
}

// watch adds a simulator's app credentials and issued tokens to the
// secrets scanned for.
func (e *env) watch(s *sim) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sims = append(e.sims, s)
	e.secrets = append(e.secrets, secretForms(s.app.ClientID, s.app.ClientSecret)...)
}

// addSecret adds a string to scan for.
func (e *env) addSecret(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.secrets = append(e.secrets, s)
}

// secretForms are the ways a client secret could leak.
func secretForms(id, secret string) []string {
	return []string{
		secret,
		base64.StdEncoding.EncodeToString([]byte(id + ":" + secret)),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret))),
		url.QueryEscape(secret),
	}
}

// scan fails the test if any artefact holds a secret.
func (e *env) scan() {
	e.mu.Lock()
	secrets := slices.Clone(e.secrets)
	for _, s := range e.sims {
		secrets = append(secrets, s.IssuedTokens()...)
	}
	e.mu.Unlock()
	var found, files int
	var scanned int64
	_ = filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files++
		scanned += int64(len(data))
		for _, s := range secrets {
			if len(s) >= 8 && bytes.Contains(data, []byte(s)) {
				found++
				e.t.Errorf("SECRET LEAK: %s holds a secret (%.6s…)", p, s)
			}
		}
		return nil
	})
	figures.add(func(f *tally) { f.secretsFound += found; f.filesScanned += files; f.bytesScanned += scanned })
	e.t.Logf("secrets: %d found in %d files (%d bytes) against %d secret strings", found, files, scanned, len(secrets))
}

// writeConfig writes a config file (kept out of the scanned folder).
func (e *env) writeConfig(cfg map[string]any) string {
	e.t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.writeRawConfig(b)
}

func (e *env) writeRawConfig(b []byte) string {
	e.t.Helper()
	p := filepath.Join(e.cfgDir, fmt.Sprintf("config-%d.json", e.n.Add(1)))
	if err := os.WriteFile(p, b, 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// path returns a path in the scanned folder.
func (e *env) path(name string) string { return filepath.Join(e.dir, name) }

// result is one finished run of the binary.
type result struct {
	code           int
	stdout, stderr []byte
	elapsed        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %v\nstderr (tail):\n%s", r.code, r.elapsed.Round(time.Millisecond), tail(string(r.stderr), 2500))
}

// run runs the binary to completion (killing it after timeout), saving
// its stdout and stderr in the scanned folder.
func (e *env) run(timeout time.Duration, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = cleanEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.Bytes(), stderr: errb.Bytes(), elapsed: time.Since(start)}
	e.save(r, args)
	figures.add(func(f *tally) { f.runs++ })
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		e.t.Fatalf("zoom-connector %s did not exit within %v\n%s", strings.Join(args, " "), timeout, r)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		e.t.Fatalf("run zoom-connector: %v", err)
	}
	return r
}

func (e *env) save(r result, args []string) {
	n := e.n.Add(1)
	_ = os.WriteFile(e.path(fmt.Sprintf("run-%02d.stdout", n)), r.stdout, 0o600)
	_ = os.WriteFile(e.path(fmt.Sprintf("run-%02d.stderr", n)), r.stderr, 0o600)
	_ = os.WriteFile(e.path(fmt.Sprintf("run-%02d.args", n)), []byte(strings.Join(args, "\n")), 0o600)
}

// cleanEnv is the environment without Zoom credentials, so a config is
// never completed from the developer's environment.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ZOOM_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// read runs `zoom-connector read` with debug logging against a config.
func (e *env) read(timeout time.Duration, cfgPath, allow string, extra ...string) result {
	e.t.Helper()
	args := []string{"read", "--config", cfgPath, "--log-level", "debug"}
	if allow != "" {
		args = append(args, "--allow-host", allow)
	}
	return e.run(timeout, append(args, extra...)...)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// ---------------------------------------------------------------------
// Airbyte output and the ground truth

// The shared helpers (internal/testkit).
type airbyteOutput = testkit.Output

var (
	canonical    = testkit.Canonical
	truthSets    = testkit.TruthSets
	parseAirbyte = testkit.ParseAirbyte
)

// diff is how a record set differs from the truth.
type diff struct {
	compared, missing, unexpected, duplicates int
	firstMissing, firstUnexpected             string
	perStream                                 map[string][4]int // got, want, missing, dup
}

// compare compares got with want over the given streams (every stream of
// want when nil).
func compare(got, want map[string][]string, streams []string) diff {
	if streams == nil {
		for n := range want {
			streams = append(streams, n)
		}
		sort.Strings(streams)
	}
	d := diff{perStream: map[string][4]int{}}
	for _, n := range streams {
		gc, wc := map[string]int{}, map[string]int{}
		for _, r := range got[n] {
			gc[r]++
		}
		for _, r := range want[n] {
			wc[r]++
		}
		var miss, dup int
		for r, c := range wc {
			if gc[r] < c {
				miss += c - gc[r]
				if d.firstMissing == "" {
					d.firstMissing = n + ": " + r
				}
			}
		}
		for r, c := range gc {
			switch {
			case wc[r] == 0:
				d.unexpected += c
				if d.firstUnexpected == "" {
					d.firstUnexpected = n + ": " + r
				}
			case c > wc[r]:
				dup += c - wc[r]
			}
		}
		d.compared += len(got[n])
		d.missing += miss
		d.duplicates += dup
		d.perStream[n] = [4]int{len(got[n]), len(want[n]), miss, dup}
	}
	return d
}

func (d diff) String() string {
	return fmt.Sprintf("%d records compared: %d missing, %d unexpected, %d duplicates", d.compared, d.missing, d.unexpected, d.duplicates)
}

// expectExact fails unless got equals want exactly on the given streams,
// and adds the comparison to the figures.
func expectExact(t *testing.T, label string, got, want map[string][]string, streams []string) diff {
	t.Helper()
	d := compare(got, want, streams)
	figures.add(func(f *tally) {
		f.recordsCompared += d.compared
		f.recordsLost += d.missing
		f.duplicates += d.duplicates
	})
	if d.missing+d.unexpected+d.duplicates > 0 {
		var bad []string
		for n, c := range d.perStream {
			if c[2] > 0 || c[3] > 0 || c[0] != c[1] {
				bad = append(bad, fmt.Sprintf("%s(got %d want %d missing %d dup %d)", n, c[0], c[1], c[2], c[3]))
			}
		}
		sort.Strings(bad)
		t.Errorf("%s: %s\n  streams: %s\n  first missing: %.400s\n  first unexpected: %.400s",
			label, d, strings.Join(bad, " "), d.firstMissing, d.firstUnexpected)
	}
	return d
}

// streamNames lists the truth's streams.
func streamNames(want map[string][]string) []string {
	var out []string
	for n := range want {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func faultSummary(c zoomsim.CounterSnapshot) string {
	var parts []string
	for k, v := range c.Faults {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return fmt.Sprintf("requests=%d tokens=%d 429=%d daily429=%d faults[%s]", c.TotalRequests, c.TokenRequests, c.Limited429, c.Daily429, strings.Join(parts, " "))
}
