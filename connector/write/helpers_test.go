package write_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector"
	"github.com/zoom-connector/zoom-connector/connector/write"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestMain lets a test run the connector as a child process (the test
// binary re-executed with ZC_WRITE_MAIN=1), so it can be killed mid-run.
func TestMain(m *testing.M) {
	if os.Getenv("ZC_WRITE_MAIN") == "1" {
		var args []string
		if err := json.Unmarshal([]byte(os.Getenv("ZC_ARGS")), &args); err != nil {
			os.Exit(99)
		}
		os.Exit(connector.Main(context.Background(), args, connector.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
	}
	os.Exit(m.Run())
}

// childCommand returns the connector as a child process.
func childCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	b, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZC_WRITE_MAIN=1", "ZC_ARGS="+string(b))
	return cmd
}

// fixture is a simulator and what a test needs to reach it.
type fixture struct {
	sim   *zoomsim.Server
	base  string
	host  string // for --allow-host
	token string
	dir   string
}

func startSim(t *testing.T, opts zoomsim.Options) *fixture {
	t.Helper()
	if opts.Dataset == "" {
		// small, seed 1: every kind of target the tests need is there.
		opts.Dataset, opts.Seed = "small", 1
	}
	s, base, tok := zoomsim.StartTest(t, opts)
	u, _ := url.Parse(base)
	return &fixture{sim: s, base: base, host: u.Host, token: tok, dir: t.TempDir()}
}

// config writes a connector config for the simulator plus extra settings
// and returns its path.
func (f *fixture) config(t *testing.T, extra map[string]any) string {
	t.Helper()
	c := f.sim.Config(f.base)
	m := map[string]any{
		"api_base_url": c.APIBaseURL, "oauth_token_url": c.OAuthTokenURL, "validation_url": c.ValidationURL,
		"account_id": c.AccountID, "client_id": c.ClientID, "client_secret": c.ClientSecret, "plan": "unlimited",
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	p := filepath.Join(f.dir, fmt.Sprintf("config-%d.json", len(b)+len(extra)*1000))
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// file writes content under the fixture's folder and returns the path.
func (f *fixture) file(t *testing.T, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

// meeting finds a meeting or webinar of the dataset.
func (f *fixture) meeting(t *testing.T, webinar bool, pred func(m *zoomsim.Meeting) bool) *zoomsim.Meeting {
	t.Helper()
	d := f.sim.Dataset()
	list := d.Meetings
	if webinar {
		list = d.Webinars
	}
	for _, m := range list {
		if pred(m) {
			return m
		}
	}
	t.Fatalf("no such %s in the dataset", map[bool]string{true: "webinar", false: "meeting"}[webinar])
	return nil
}

// open reports a target that takes registrants now.
func (f *fixture) open(m *zoomsim.Meeting) bool {
	return !m.Deleted && m.Licensed() && m.RegistrationEnabled() && !m.Over(f.sim.Now())
}

// openOfType finds an open meeting or webinar of a type, skipping some.
func (f *fixture) openOfType(t *testing.T, webinar bool, typ int, skip ...int64) *zoomsim.Meeting {
	t.Helper()
	return f.meeting(t, webinar, func(m *zoomsim.Meeting) bool {
		for _, s := range skip {
			if m.ID == s {
				return false
			}
		}
		return f.open(m) && m.Type == typ
	})
}

// runCLI runs the connector in process.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := connector.Main(context.Background(), args, connector.IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

// readLines decodes a JSON-lines file into maps.
func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("%s: %v: %s", path, err, sc.Bytes())
		}
		out = append(out, m)
	}
	return out
}

// readResults decodes a results file, by row.
func readResults(t *testing.T, path string) map[int]write.Result {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]write.Result{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var r write.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("results: %v: %s", err, line)
		}
		if _, dup := out[r.Row]; dup {
			t.Fatalf("row %d reported twice", r.Row)
		}
		out[r.Row] = r
	}
	return out
}

// created returns the registrants the simulator created, as
// "meeting:ID|email" or "webinar:ID|email" keys with their count.
func created(s *zoomsim.Server) map[string]int {
	out := map[string]int{}
	for _, r := range s.CreatedRegistrants() {
		k := ""
		if id, ok := r["meeting_id"]; ok {
			k = fmt.Sprintf("meeting:%v", id)
		} else {
			k = fmt.Sprintf("webinar:%v", r["webinar_id"])
		}
		out[k+"|"+strings.ToLower(fmt.Sprint(r["email"]))]++
	}
	return out
}

// posts counts the write requests the simulator saw.
func posts(s *zoomsim.Server) (batch, single int) {
	req := s.Counters().Snapshot().Requests
	return req["POST /meetings/{meetingId}/batch_registrants"] + req["POST /webinars/{webinarId}/batch_registrants"],
		req["POST /meetings/{meetingId}/registrants"] + req["POST /webinars/{webinarId}/registrants"]
}

// jsonl renders rows as JSON lines.
func jsonl(rows ...map[string]any) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		j, _ := json.Marshal(r)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// client builds a Zoom client for the simulator; rt, if set, wraps the
// transport.
func (f *fixture) client(t *testing.T, rt func(http.RoundTripper) http.RoundTripper) (*zoomapi.Client, *config.Config) {
	t.Helper()
	c := f.sim.Config(f.base)
	cfg, _, err := config.FromMap(map[string]any{
		"api_base_url": c.APIBaseURL, "oauth_token_url": c.OAuthTokenURL, "validation_url": c.ValidationURL,
		"account_id": c.AccountID, "client_id": c.ClientID, "client_secret": c.ClientSecret, "plan": "unlimited",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	zc := zoomapi.Config{
		APIBaseURL: cfg.APIBaseURL, TokenURL: cfg.OAuthTokenURL, AccountID: cfg.AccountID, ClientID: cfg.ClientID,
		ClientSecret: cfg.ClientSecret.Reveal(), AllowHosts: []string{f.host}, Plan: "unlimited",
		BaseBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond,
	}
	if rt != nil {
		zc.Transport = rt(http.DefaultTransport)
	}
	cl, err := zoomapi.New(zc)
	if err != nil {
		t.Fatal(err)
	}
	return cl, cfg
}

// runInProcess runs write.Run on JSON lines input, with opts' Client,
// Config, Source and Results filled in when unset; rt wraps the transport.
func runInProcess(t *testing.T, f *fixture, rt func(http.RoundTripper) http.RoundTripper, opts write.Options, input []byte) (*write.Summary, map[int]write.Result) {
	t.Helper()
	cl, cfg := f.client(t, rt)
	if opts.Client == nil {
		opts.Client = cl
	}
	if opts.Config == nil {
		opts.Config = cfg
	}
	if opts.Source == nil {
		opts.Source = write.NewJSONLSource(bytes.NewReader(input))
	}
	var res bytes.Buffer
	if opts.Results == nil {
		opts.Results = &res
	}
	sum, err := write.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	p := filepath.Join(t.TempDir(), "results.jsonl")
	if err := os.WriteFile(p, res.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return sum, readResults(t, p)
}

// simPost sends one API request to the simulator with the test token and
// returns the HTTP status.
func simPost(t *testing.T, f *fixture, path string, body any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, f.base+"/v2"+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
