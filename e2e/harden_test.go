package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/serve"
	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// Tests of issue 14 ("Harden serve") that run the built binary.

// runWith is env.run with extra environment variables (the token key).
func (e *env) runWith(timeout time.Duration, extra []string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = append(cleanEnv(), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.Bytes(), stderr: errb.Bytes(), elapsed: time.Since(start)}
	e.save(r, args)
	figures.add(func(f *tally) { f.runs++ })
	if ctx.Err() != nil {
		e.t.Fatalf("zoom-connector %s did not exit within %v\n%s", strings.Join(args, " "), timeout, r)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("run zoom-connector: %v", err)
	}
	return r
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `zoom-connector serve` until the returned stop is
// called (SIGTERM, then the exit is awaited); it returns once /healthz
// answers.
func startServe(t *testing.T, e *env, extra []string, args ...string) (base string, stop func()) {
	t.Helper()
	addr := freeAddr(t)
	args = append([]string{"serve", "--listen", addr, "--log-level", "debug"}, args...)
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(cleanEnv(), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("serve did not stop on SIGTERM")
		}
		e.save(result{stdout: out.Bytes(), stderr: errb.Bytes()}, args)
	}
	t.Cleanup(stop)
	base = "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			return base, stop
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer /healthz: %s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// postWebhook posts a signed webhook to serve.
func postWebhook(t *testing.T, base, secret, body string) {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/zoom", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(serve.HeaderTimestamp, ts)
	req.Header.Set(serve.HeaderSignature, serve.Sign([]byte(secret), ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("webhook: %d %s", resp.StatusCode, b)
	}
}

// eventBody is a meeting.created delivery of account, about meeting id.
func eventBody(account string, id int) string {
	return fmt.Sprintf(`{"event":"meeting.created","event_ts":%d,"payload":{"account_id":%q,"object":{"id":%d,"topic":"meeting %d of %s"}}}`,
		1700000000000+int64(id), account, id, id, account)
}

// webhookAccounts reads the jsonl output of webhook_events in dir (its
// part files, in order) and returns the account and meeting id of each
// record, in order.
func webhookAccounts(t *testing.T, dir string) []string {
	t.Helper()
	parts, _ := filepath.Glob(filepath.Join(dir, "webhook_events-*.jsonl"))
	var data []byte
	for _, p := range parts { // Glob sorts: part numbers in order
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, b...)
	}
	var out []string
	path := dir
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var r struct {
			AccountID string `json:"account_id"`
			Payload   struct {
				Object struct {
					ID int `json:"id"`
				} `json:"object"`
			} `json:"payload"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, fmt.Sprintf("%s/%d", r.AccountID, r.Payload.Object.ID))
	}
	return out
}

// TestWebhookEventsPerTenant (finding 8): many accounts send their
// webhooks to one serve; `read --tenant X --streams webhook_events`
// returns only the events of the Zoom account that connected X (recorded
// at connect time), a Server-to-Server config only those of its
// account_id, and the state keeps one position per account.
func TestWebhookEventsPerTenant(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 141})
	e := newEnv(t, s)
	const secret = "whsec-e2e-tenants-0123"
	db := e.path("serve.db")
	s2s := e.writeConfig(s.config("webhook_secret_token", secret))
	_, key, _ := tokenstore.NewKey()
	keyEnv := []string{tokenstore.EnvKey + "=" + key}
	base, stop := startServe(t, e, keyEnv, "--config", s2s, "--store", db, "--metrics-listen", "")
	own := s.app.AccountID // the Server-to-Server config's account
	for i, acct := range []string{"ACCT-A", "ACCT-B", own, "ACCT-A", "ACCT-B", "ACCT-A"} {
		postWebhook(t, base, secret, eventBody(acct, i+1))
	}
	stop()

	// Two tenants connected through serve (their accounts recorded).
	k, _ := tokenstore.ParseKey(key)
	c, _ := tokenstore.NewCipher(k)
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := store.NewTokenStore(st, c)
	for tenant, acct := range map[string]string{"site-a": "ACCT-A", "site-b": "ACCT-B"} {
		if err := tokens.SaveConnected(context.Background(), tenant, &tokenstore.Record{RefreshToken: "rt-" + tenant}, store.TenantAccount{AccountID: acct, UserID: "u-" + tenant}); err != nil {
			t.Fatal(err)
		}
	}
	oauth := e.writeConfig(map[string]any{"auth": map[string]any{"auth_type": "oauth", "client_id": "app-id", "client_secret": "app-secret"},
		"api_base_url": s.config()["api_base_url"], "oauth_token_url": s.config()["oauth_token_url"]})
	stateFile := e.path("state.json")
	read := func(label string, args ...string) []string {
		t.Helper()
		out := e.path("out-" + label)
		// $ZOOM_CONNECTOR_STORE as well as --store: before issue 14,
		// webhook_events read only the former.
		r := e.runWith(time.Minute, append(keyEnv, "ZOOM_CONNECTOR_STORE="+db), append([]string{"read", "--streams", "webhook_events", "--format", "jsonl",
			"--output", out, "--state-file", stateFile, "--allow-host", s.host}, args...)...)
		if r.code != 0 {
			t.Fatalf("%s: %s", label, r)
		}
		got := webhookAccounts(t, out)
		t.Logf("%s read %v", label, got)
		return got
	}
	a := read("site-a", "--config", oauth, "--tenant", "site-a", "--store", db)
	b := read("site-b", "--config", oauth, "--tenant", "site-b", "--store", db)
	ss := read("s2s", "--config", s2s, "--store", db)
	if fmt.Sprint(a) != "[ACCT-A/1 ACCT-A/4 ACCT-A/6]" || fmt.Sprint(b) != "[ACCT-B/2 ACCT-B/5]" || fmt.Sprint(ss) != fmt.Sprintf("[%s/3]", own) {
		t.Fatalf("each tenant must read only its own account's events:\nsite-a %v\nsite-b %v\ns2s    %v", a, b, ss)
	}
	// One position per account in the shared state file.
	raw, _ := os.ReadFile(stateFile)
	var doc struct {
		Streams map[string]struct {
			Positions map[string]int64 `json:"positions"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	pos := doc.Streams["webhook_events"].Positions
	if pos["ACCT-A"] != 6 || pos["ACCT-B"] != 5 || pos[own] != 3 || len(pos) != 3 {
		t.Fatalf("positions: %s", raw)
	}
	// New events: each tenant reads only its new ones, from its position.
	base, stop = startServe(t, e, keyEnv, "--config", s2s, "--store", db, "--metrics-listen", "")
	postWebhook(t, base, secret, eventBody("ACCT-B", 7))
	postWebhook(t, base, secret, eventBody("ACCT-A", 8))
	stop()
	a2 := read("site-a-2", "--config", oauth, "--tenant", "site-a", "--store", db)
	b2 := read("site-b-2", "--config", oauth, "--tenant", "site-b", "--store", db)
	if fmt.Sprint(a2) != "[ACCT-A/8]" || fmt.Sprint(b2) != "[ACCT-B/7]" {
		t.Fatalf("incremental: site-a %v, site-b %v", a2, b2)
	}
	// A tenant the store does not know: a clear error, nothing read.
	r := e.runWith(time.Minute, keyEnv, "read", "--config", oauth, "--tenant", "site-x", "--store", db, "--streams", "webhook_events",
		"--format", "jsonl", "--output", e.path("out-x"), "--allow-host", s.host)
	if r.code == 0 || !strings.Contains(string(r.stderr), "site-x") {
		t.Errorf("unknown tenant: %s", r)
	}
	st.Close()
}

// modeOf returns the permission bits of path.
func modeOf(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fi.Mode().Perm()
}

// ownerOnly fails the test for every regular file under the paths (files
// or folders) whose mode lets anyone but the owner read or write it. It
// returns how many files it checked.
func ownerOnly(t *testing.T, label string, paths ...string) int {
	t.Helper()
	n := 0
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			n++
			if m := modeOf(t, p); m != 0o600 {
				t.Errorf("%s: %s has mode %#o, want 0600", label, p, m)
			}
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", label, err)
		}
	}
	return n
}

const (
	modesAppID     = "modes-user-app"
	modesAppSecret = "MODES-USER-SECRET-canary-41c7"
)

// authorizeBinary runs `zoom-connector authorize` and plays the browser:
// it opens the printed Zoom URL, which redirects to the command's loopback
// listener.
func authorizeBinary(t *testing.T, e *env, extraEnv []string, cfgPath, host string) {
	t.Helper()
	args := []string{"authorize", "--config", cfgPath, "--allow-host", host, "--redirect-port", "0", "--no-browser"}
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(cleanEnv(), extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(stdout)
	opened := false
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if i := strings.Index(line, "http://"); i >= 0 && strings.Contains(line, "/oauth/authorize?") && !opened {
			u := strings.Fields(line[i:])[0]
			resp, err := http.Get(u)
			if err != nil {
				t.Fatalf("browser: %v", err)
			}
			resp.Body.Close()
			opened = true
		}
	}
	err = cmd.Wait()
	e.save(result{stdout: out.Bytes(), stderr: errb.Bytes()}, args)
	if err != nil || !opened {
		t.Fatalf("authorize: %v (URL opened: %v)\n%s\n%s", err, opened, out.String(), errb.String())
	}
}

// TestFilesOwnerOnly (issue 14, "Done when"): every file serve, read and
// write create that holds personal data or tokens is readable and
// writable by its owner only (0600): the SQLite store and its WAL and SHM,
// read's output files (JSON lines, Parquet, Arrow, webhook_events) and
// state file, write's results, dead letter and ledger, the token store
// and its lock, and a config file that authorize writes a refresh token
// into (even one the user made 0644).
func TestFilesOwnerOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are a Unix matter")
	}
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 143})
	e := newEnv(t, s)
	const secret = "whsec-e2e-modes-0123"
	s2s := e.writeConfig(s.config("webhook_secret_token", secret))
	checked := 0

	// serve: the store, its WAL and SHM, while serve runs.
	db := e.path("serve.db")
	base, stop := startServe(t, e, nil, "--config", s2s, "--store", db, "--metrics-listen", "")
	postWebhook(t, base, secret, eventBody(s.app.AccountID, 1))
	checked += ownerOnly(t, "serve", db, db+"-wal", db+"-shm")
	stop()

	// read: every output format, the state file, webhook_events.
	for _, format := range []string{"jsonl", "parquet", "arrow"} {
		out := e.path("out-" + format)
		sf := e.path("state-" + format + ".json")
		if r := e.run(time.Minute, "read", "--config", s2s, "--allow-host", s.host, "--streams", "users,meetings",
			"--format", format, "--output", out, "--state-file", sf); r.code != 0 {
			t.Fatalf("read %s: %s", format, r)
		}
		checked += ownerOnly(t, "read --format "+format, out, sf)
	}
	wout := e.path("out-webhooks")
	if r := e.run(time.Minute, "read", "--config", s2s, "--store", db, "--streams", "webhook_events", "--format", "jsonl",
		"--output", wout, "--state-file", e.path("state-webhooks.json")); r.code != 0 {
		t.Fatalf("read webhook_events: %s", r)
	}
	checked += ownerOnly(t, "read webhook_events", wout, e.path("state-webhooks.json"))

	// write: results, dead letter, ledger.
	rows, _ := registrantRows(writeTargets(t, s), 3, "modes")
	rows = append(rows, map[string]any{"email": "not-an-email", "first_name": "X", "meeting_id": rows[0]["meeting_id"], "webinar_id": rows[0]["webinar_id"]})
	input := e.path("rows.jsonl")
	if err := os.WriteFile(input, jsonLines(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	res, dead, ledger := e.path("results.jsonl"), e.path("dead.jsonl"), e.path("ledger.jsonl")
	r := e.run(time.Minute, "write", "--config", s2s, "--allow-host", s.host, "--input", input, "--results", res, "--dead-letter", dead, "--ledger", ledger)
	if r.code != 1 {
		t.Fatalf("write (one row rejected): %s", r)
	}
	checked += ownerOnly(t, "write", res, dead, ledger)

	// Tokens: a token store and its lock, and a config file that holds a
	// refresh token after authorize.
	if err := s.RegisterOAuthApp(zoomsim.UserApp{ClientID: modesAppID, ClientSecret: modesAppSecret,
		RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}}); err != nil {
		t.Fatal(err)
	}
	e.addSecret(modesAppSecret)
	_, key, _ := tokenstore.NewKey()
	keyEnv := []string{tokenstore.EnvKey + "=" + key}
	tokens := e.path("tokens/tokens.json")
	oauth := func(extra ...any) map[string]any {
		auth := map[string]any{"auth_type": "oauth", "client_id": modesAppID, "client_secret": modesAppSecret}
		for i := 0; i+1 < len(extra); i += 2 {
			auth[extra[i].(string)] = extra[i+1]
		}
		return map[string]any{"auth": auth, "api_base_url": s.config()["api_base_url"], "oauth_token_url": s.config()["oauth_token_url"],
			"validation_url": s.config()["validation_url"]}
	}
	authorizeBinary(t, e, keyEnv, e.writeConfig(oauth("token_store", tokens)), s.host)
	checked += ownerOnly(t, "token store", tokens, tokens+".lock")
	inConfig := e.writeConfig(oauth())
	if err := os.Chmod(inConfig, 0o644); err != nil {
		t.Fatal(err)
	}
	authorizeBinary(t, e, keyEnv, inConfig, s.host)
	if raw, _ := os.ReadFile(inConfig); !strings.Contains(string(raw), "refresh_token") {
		t.Fatalf("authorize did not write the refresh token into the config: %s", raw)
	}
	checked += ownerOnly(t, "config with a refresh token", inConfig)
	t.Logf("%d files checked", checked)
}
