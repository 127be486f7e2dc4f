package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// snapshot is the content of every file under a folder.
type snapshot map[string][32]byte

func snap(t *testing.T, dir string) snapshot {
	t.Helper()
	out := snapshot{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = sha256.Sum256(b)
		return nil
	})
	return out
}

// unchanged fails if a file of before is gone or changed in after.
func (before snapshot) unchanged(t *testing.T, label string, after snapshot) {
	t.Helper()
	for p, h := range before {
		if g, ok := after[p]; !ok {
			t.Errorf("%s: %s was removed", label, p)
		} else if g != h {
			t.Errorf("%s: %s was changed", label, p)
		}
	}
}

// TestBadInputClearErrorExit2: broken configs, states and catalogs each
// end with exit code 2 and an error naming what is wrong, before any
// request; the output folder and state file already there are untouched.
func TestBadInputClearErrorExit2(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 71})
	e := newEnv(t, s)
	good := s.config()
	secret := s.app.ClientSecret

	// What a previous run left: an output folder and a state file.
	outDir := e.path("out")
	stateFile := e.path("state.json")
	r0 := e.read(time.Minute, e.writeConfig(good), s.host, "--format", "jsonl", "--output", outDir, "--state-file", stateFile)
	if r0.code != 0 {
		t.Fatalf("first read: %s", r0)
	}
	before := snap(t, e.dir)
	requests := s.Counters().Snapshot().TotalRequests + s.Counters().Snapshot().TokenRequests

	cfgJSON := func(m map[string]any) []byte { b, _ := json.Marshal(m); return b }
	goodPath := e.writeConfig(good)
	writeState := func(name string, data []byte) string {
		p := filepath.Join(e.cfgDir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	catalog := func(names ...string) string {
		var ss []map[string]any
		for _, n := range names {
			ss = append(ss, map[string]any{
				"stream":    map[string]any{"name": n, "json_schema": map[string]any{}, "supported_sync_modes": []string{"full_refresh"}},
				"sync_mode": "full_refresh", "destination_sync_mode": "overwrite",
			})
		}
		b, _ := json.Marshal(map[string]any{"streams": ss})
		return writeState("catalog.json", b)
	}
	big := bytes.Repeat([]byte(" "), state.MaxBytes+1)
	copy(big, `{"version":1,"streams":{}}`)
	cases := []struct {
		name   string
		config []byte
		extra  []string
		want   []string
	}{
		{name: "not JSON", config: []byte(`{"account_id": "a", "client_id": `), want: []string{"line 1", "column"}},
		{name: "not an object", config: []byte(`["account_id"]`), want: []string{"want a JSON object"}},
		{name: "empty file", config: []byte(``), want: []string{"empty"}},
		{name: "trailing data", config: append(cfgJSON(good), []byte(` {"x":1}`)...), want: []string{"after the JSON object"}},
		{name: "wrong type", config: cfgJSON(with(good, "max_concurrency", "eight")), want: []string{"max_concurrency"}},
		{name: "wrong type nested", config: cfgJSON(with(good, "streams", map[string]any{"users": map[string]any{"page_size": "big"}})), want: []string{"page_size"}},
		{name: "out of range", config: cfgJSON(with(good, "page_size", 1000)), want: []string{"page_size"}},
		{name: "number out of range", config: []byte(`{"account_id":"a","client_id":"b","client_secret":"c","page_size":1e100000000}`), want: []string{"page_size"}},
		{name: "unknown field", config: cfgJSON(with(good, "clientsecret", "x")), want: []string{"clientsecret"}},
		{name: "unknown plan", config: cfgJSON(with(good, "plan", "platinum")), want: []string{"plan"}},
		{name: "empty secret", config: cfgJSON(with(good, "client_secret", "")), want: []string{"client_secret"}},
		{name: "missing secret", config: cfgJSON(with(good, "client_secret", nil)), want: []string{"client_secret"}},
		{name: "secret of wrong type", config: cfgJSON(with(good, "client_secret", 12345)), want: []string{"client_secret"}},
		{name: "bad start date", config: cfgJSON(with(good, "start_date", "yesterday")), want: []string{"start_date"}},
		{name: "future state file", extra: []string{"--state-file", writeState("future.json", []byte(`{"version":99,"streams":{}}`))},
			want: []string{"version 99", "newer"}},
		{name: "future state", extra: []string{"--state", writeState("future2.json", []byte(`{"version":99,"streams":{}}`))},
			want: []string{"version 99", "newer"}},
		{name: "oversized state", extra: []string{"--state", writeState("big.json", big)}, want: []string{"bytes", "more than"}},
		{name: "oversized state file", extra: []string{"--state-file", writeState("big2.json", big)}, want: []string{"bytes", "more than"}},
		{name: "state not JSON", extra: []string{"--state-file", writeState("garbage.json", []byte("{version"))}, want: []string{"state", "JSON"}},
		{name: "state of an unknown stream", extra: []string{"--state", writeState("unknown.json",
			[]byte(`[{"type":"STREAM","stream":{"stream_descriptor":{"name":"no_such_stream"},"stream_state":{}}}]`))},
			want: []string{"no_such_stream"}},
		{name: "catalog of unknown streams", extra: []string{"--catalog", catalog("users", "no_such_stream", "zoom_secrets")},
			want: []string{"no_such_stream", "zoom_secrets"}},
		{name: "unknown stream flag", extra: []string{"--streams", "users,bogus_stream"}, want: []string{"bogus_stream"}},
		{name: "unknown format", extra: []string{"--format", "xml"}, want: []string{"xml"}},
	}
	for _, tc := range cases {
		cfgPath := goodPath
		if tc.config != nil {
			cfgPath = e.writeRawConfig(tc.config)
		}
		args := append([]string{"--format", "jsonl", "--output", outDir, "--state-file", stateFile}, tc.extra...)
		if slices.Contains(tc.extra, "--format") {
			args = append([]string{"--state-file", stateFile}, tc.extra...)
		}
		r := e.read(time.Minute, cfgPath, s.host, args...)
		stderr := string(r.stderr)
		if r.code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s", tc.name, r.code, tail(stderr, 800))
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr does not name %q:\n%s", tc.name, w, tail(stderr, 800))
			}
		}
		if strings.Contains(stderr, "panic:") || strings.Contains(stderr, "goroutine ") {
			t.Errorf("%s: the connector panicked:\n%s", tc.name, tail(stderr, 1500))
		}
		if strings.Contains(stderr, secret) {
			t.Errorf("%s: the error shows the client secret", tc.name)
		}
		if len(r.stdout) > 0 {
			t.Errorf("%s: wrote to stdout: %.200s", tc.name, r.stdout)
		}
		t.Logf("%-28s exit %d: %.200s", tc.name, r.code, strings.TrimSpace(lastLine(stderr)))
	}
	c := s.Counters().Snapshot()
	if after := c.TotalRequests + c.TokenRequests; after != requests {
		t.Errorf("the refused runs sent %d requests to the simulator, want none", after-requests)
	}
	before.unchanged(t, "after the refused runs", snap(t, e.dir))

	// check-credentials on a broken config: exit 2 too; check (Airbyte)
	// answers a FAILED CONNECTION_STATUS naming the field.
	bad := e.writeConfig(with(good, "max_concurrency", "eight"))
	if r := e.run(time.Minute, "check-credentials", "--config", bad, "--allow-host", s.host); r.code != 2 || !strings.Contains(string(r.stderr), "max_concurrency") {
		t.Errorf("check-credentials on a broken config: %s", r)
	}
	if r := e.run(time.Minute, "check", "--config", bad, "--allow-host", s.host); !strings.Contains(string(r.stdout), `"FAILED"`) || !strings.Contains(string(r.stdout), "max_concurrency") {
		t.Errorf("check on a broken config: stdout %.300s", r.stdout)
	}
	t.Logf("summary: %d broken inputs refused with exit 2 and a named cause; 0 requests sent; %d files already written untouched", len(cases), len(before))
}

// TestFailedReadKeepsEarlierOutput: a read into a folder that already
// holds a previous run's files fails part-way (every request after the
// 60th is a 401); the earlier files are untouched, the new complete parts
// are valid, and the state file is still valid and loadable.
func TestFailedReadKeepsEarlierOutput(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 72})
	var fail atomic.Bool
	p := startProxy(t, s.URL, func(w http.ResponseWriter, r *http.Request, n int) bool {
		if fail.Load() && n > 60 {
			zoomError(w, http.StatusUnauthorized, 124, "Invalid access token.")
			return true
		}
		return false
	})
	e := newEnv(t, s)
	cfgPath := e.writeConfig(p.config(s, "max_concurrency", 4))
	outDir, stateFile := e.path("out"), e.path("state.json")
	r1 := e.read(time.Minute, cfgPath, p.host, "--format", "jsonl", "--output", outDir, "--state-file", stateFile)
	if r1.code != 0 {
		t.Fatalf("first read: %s", r1)
	}
	before := snap(t, outDir)
	p.mu.Lock()
	p.api = 0
	p.mu.Unlock()
	fail.Store(true)
	r2 := e.read(time.Minute, cfgPath, p.host, "--format", "jsonl", "--output", outDir, "--state-file", stateFile)
	if r2.code == 0 {
		t.Errorf("a read whose requests fail with 401 exited 0")
	}
	after := snap(t, outDir)
	before.unchanged(t, "after a failed read", after)
	newParts := 0
	for rel := range after {
		if _, ok := before[rel]; ok {
			continue
		}
		newParts++
		if strings.HasSuffix(rel, ".partial") {
			continue // incomplete by name; readers ignore it
		}
		data, _ := os.ReadFile(filepath.Join(outDir, rel))
		for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			if len(line) > 0 && !json.Valid(line) {
				t.Errorf("%s line %d is not JSON", rel, i+1)
			}
		}
	}
	if _, err := state.Load(stateFile); err != nil {
		t.Errorf("state file after the failed read: %v", err)
	}
	t.Logf("summary: failed read (exit %d) kept the %d files of the previous run; %d new files", r2.code, len(before), newParts)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
