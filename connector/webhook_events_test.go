package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/serve"
	"github.com/zoom-connector/zoom-connector/internal/config"
	"github.com/zoom-connector/zoom-connector/internal/output/outputtest"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

func TestReadWebhookEvents(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "events.db")
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	add := func(i int) {
		body := fmt.Sprintf(`{"event":"meeting.created","event_ts":%d,"payload":{"account_id":"A","object":{"id":%d}}}`, 1000+i, i)
		if _, _, err := st.AppendEvent(context.Background(), store.Event{Event: "meeting.created", EventTS: int64(1000 + i), AccountID: "A", ObjectID: strconv.Itoa(i), Body: json.RawMessage(body)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		add(i)
	}
	stateFile := filepath.Join(dir, "state.json")
	// A Server-to-Server config of account A; no Zoom stream is read, so
	// no credential is used.
	cfgPath := writeConfig(t, map[string]any{"account_id": "A", "client_id": "id", "client_secret": "secret-A"})
	read := func() (string, int) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), []string{"read", "--config", cfgPath, "--streams", "webhook_events", "--state-file", stateFile},
			IO{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
				if k == EnvStore {
					return dbPath
				}
				return ""
			}})
		var lines []string // RECORD and STATE messages only
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if strings.Contains(l, `"type":"RECORD"`) || strings.Contains(l, `"type":"STATE"`) {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n"), code
	}
	out, code := read()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitOK || len(lines) != 4 {
		t.Fatalf("first read: %d\n%s", code, out)
	}
	var rec struct {
		Record struct {
			Stream string `json:"stream"`
			Data   struct {
				Position int64          `json:"position"`
				Event    string         `json:"event"`
				Payload  map[string]any `json:"payload"`
			} `json:"data"`
		} `json:"record"`
	}
	json.Unmarshal([]byte(lines[2]), &rec)
	if rec.Record.Stream != "webhook_events" || rec.Record.Data.Position != 3 || rec.Record.Data.Payload["account_id"] != "A" {
		t.Fatalf("record: %s", lines[2])
	}
	if !strings.Contains(lines[3], `"type":"STATE"`) || !strings.Contains(lines[3], `"positions":{"A":3}`) {
		t.Fatalf("state: %s", lines[3])
	}
	// Nothing new: only the state.
	out, _ = read()
	if strings.Contains(out, `"RECORD"`) || !strings.Contains(out, `"positions":{"A":3}`) {
		t.Fatalf("second read: %s", out)
	}
	add(3)
	out, _ = read()
	if strings.Count(out, `"RECORD"`) != 1 || !strings.Contains(out, `"position":4`) || !strings.Contains(out, `"positions":{"A":4}`) {
		t.Fatalf("third read: %s", out)
	}
	// Airbyte's --state form is honoured too.
	sf := filepath.Join(dir, "airbyte-state.json")
	os.WriteFile(sf, []byte(`[{"type":"STREAM","stream":{"stream_descriptor":{"name":"webhook_events"},"stream_state":{"version":1,"cursor":"2"}}}]`), 0o600)
	in, err := loadStateInput(sf)
	if err != nil {
		t.Fatal(err)
	}
	ss := in.Streams["webhook_events"]
	if pos, err := webhookStart(ss, "A"); err != nil || pos != 2 {
		t.Fatalf("start position from an older --state (one cursor): %d %v", pos, err)
	}
	os.WriteFile(sf, []byte(`[{"type":"STREAM","stream":{"stream_descriptor":{"name":"webhook_events"},"stream_state":{"version":1,"cursor":"2","positions":{"A":3,"B":1}}}}]`), 0o600)
	if in, err = loadStateInput(sf); err != nil {
		t.Fatal(err)
	}
	ss = in.Streams["webhook_events"]
	if a, _ := webhookStart(ss, "A"); a != 3 {
		t.Fatalf("position of A: %d", a)
	}
	if b, _ := webhookStart(ss, "B"); b != 1 {
		t.Fatalf("position of B: %d", b)
	}
	if c, _ := webhookStart(ss, "C"); c != 2 {
		t.Fatalf("an account without a position starts at the older cursor: %d", c)
	}
}

func quietLogger(t *testing.T) *slog.Logger {
	t.Helper()
	l, _ := (&common{logLevel: "error"}).logger(&bytes.Buffer{})
	return l
}

// webhookTestBuffer is a bytes.Buffer safe for the server's goroutines.
type webhookTestBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *webhookTestBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *webhookTestBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestServeCommand runs `serve` through Main: a signed webhook is stored
// and the command stops cleanly when its context ends.
func TestServeCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.json")
	os.WriteFile(cfgPath, []byte(`{"account_id":"a","client_id":"b","client_secret":"c","webhook_secret_token":"tok-123456"}`), 0o600)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	mln, _ := net.Listen("tcp", "127.0.0.1:0")
	maddr := mln.Addr().String()
	mln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var errb webhookTestBuffer
	done := make(chan int, 1)
	dbPath := filepath.Join(dir, "s.db")
	go func() {
		done <- Main(ctx, []string{"serve", "--config", cfgPath, "--listen", addr, "--store", dbPath, "--target", "webinar:123:launch",
			"--allowed-origin", "https://www.example.org", "--metrics-listen", maddr}, IO{Stdout: &bytes.Buffer{}, Stderr: &errb})
	}()
	var resp *http.Response
	body := `{"event":"user.updated","event_ts":5,"payload":{"account_id":"a","object":{"id":"u1"}}}`
	for range 100 {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/zoom", strings.NewReader(body))
		req.Header.Set("x-zm-request-timestamp", ts)
		req.Header.Set("x-zm-signature", serve.Sign([]byte("tok-123456"), ts, []byte(body)))
		var err error
		if resp, err = http.DefaultClient.Do(req); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp == nil || resp.StatusCode != 204 {
		t.Fatalf("webhook through serve: %v\n%s", resp, errb.String())
	}
	// Metrics on their own listener, not on the public one.
	if r, err := http.Get("http://" + maddr + "/metrics"); err != nil || r.StatusCode != 200 {
		t.Errorf("--metrics-listen: %v %v", r, err)
	}
	if r, err := http.Get("http://" + addr + "/metrics"); err != nil || r.StatusCode != 404 {
		t.Errorf("/metrics on --listen: %v %v", r, err)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("serve exit %d\n%s", code, errb.String())
	}
	if strings.Contains(errb.String(), "tok-123456") {
		t.Fatal("the secret is in the logs")
	}
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if evs, _ := st.EventsAfter(context.Background(), 0, 10); len(evs) != 1 {
		t.Fatalf("stored %d events", len(evs))
	}
	// No secret: a usage error.
	os.WriteFile(cfgPath, []byte(`{"account_id":"a","client_id":"b","client_secret":"c"}`), 0o600)
	if code := Main(context.Background(), []string{"serve", "--config", cfgPath}, IO{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}); code != ExitUsage {
		t.Fatalf("no secret: exit %d", code)
	}
	if _, err := parseTarget("meeting:x"); err == nil {
		t.Fatal("bad target accepted")
	}
}

// TestServeSettingsFromConfig: the config's serve block fills every flag
// the command line leaves out, and a flag given wins.
func TestServeSettingsFromConfig(t *testing.T) {
	t.Parallel()
	cfg, _, err := config.Parse([]byte(`{"account_id":"a","client_id":"b","client_secret":"c","serve":{
		"listen":"127.0.0.1:9999","store":"/tmp/x.db","targets":[{"webinar_id":91234567890,"label":"launch"},{"meeting_id":85746065432}],
		"allowed_origins":["https://www.example.org"],"thank_you_url":"https://www.example.org/thanks","rate_limit_per_minute":5,"trust_proxy":true,"metrics_listen":"127.0.0.1:9100"}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var f serveFlags
	f.listen, f.rateLimit = "127.0.0.1:8080", 10
	f.applyConfig(cfg.Serve, func(name string) bool { return name == "listen" })
	if f.listen != "127.0.0.1:8080" {
		t.Errorf("--listen given on the command line was overridden: %s", f.listen)
	}
	if f.store != "/tmp/x.db" || f.thankYou != "https://www.example.org/thanks" || f.rateLimit != 5 || !f.trustProxy || f.metricsListen != "127.0.0.1:9100" ||
		strings.Join(f.targets, ",") != "webinar:91234567890:launch,meeting:85746065432" || strings.Join(f.origins, ",") != "https://www.example.org" {
		t.Errorf("config not applied: %+v", f)
	}
	if _, _, err := config.Parse([]byte(`{"account_id":"a","client_id":"b","client_secret":"c","serve":{"targets":[{"label":"x"}],"rate_limit_per_minute":0}}`), nil); err == nil ||
		!strings.Contains(err.Error(), "/serve/targets/0") || !strings.Contains(err.Error(), "/serve/rate_limit_per_minute") {
		t.Errorf("bad serve block: %v", err)
	}
}

// TestReadCatalogMixesWebhookEventsAndZoomStreams: an Airbyte catalog with
// webhook_events and a Zoom stream reads both.
func TestReadCatalogMixesWebhookEventsAndZoomStreams(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 2})
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "events.db")
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := readConfig(f)["account_id"].(string)
	for _, a := range []string{acct, "another-account"} {
		body := fmt.Sprintf(`{"event":"meeting.created","event_ts":1,"payload":{"account_id":%q,"object":{"id":1}}}`, a)
		if _, _, err := st.AppendEvent(context.Background(), store.Event{Event: "meeting.created", EventTS: 1, AccountID: a, ObjectID: "1", Body: json.RawMessage(body)}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	cat := filepath.Join(dir, "catalog.json")
	os.WriteFile(cat, []byte(`{"streams":[
		{"stream":{"name":"webhook_events","json_schema":{},"supported_sync_modes":["incremental"]},"sync_mode":"incremental","destination_sync_mode":"append"},
		{"stream":{"name":"users","json_schema":{},"supported_sync_modes":["full_refresh"]},"sync_mode":"full_refresh","destination_sync_mode":"overwrite"}]}`), 0o600)
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"read", "--config", writeConfig(t, readConfig(f)), "--allow-host", f.host, "--catalog", cat},
		IO{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			if k == EnvStore {
				return dbPath
			}
			return ""
		}})
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := parseAirbyte(t, out.Bytes(), false)
	if len(got.Records["webhook_events"]) != 1 || len(got.Records["users"]) != len(f.sim.Truth()["users"]) || len(got.States) < 2 {
		t.Fatalf("webhook_events %d, users %d (want 1 and %d)\n%.1500s\n%s", len(got.Records["webhook_events"]), len(got.Records["users"]), len(f.sim.Truth()["users"]), out.String(), errb.String())
	}
}

// TestReadStateWithWebhookEvents: Airbyte passes back the states of every
// stream, webhook_events included; a read of Zoom streams accepts it.
func TestReadStateWithWebhookEvents(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 2})
	sf := filepath.Join(t.TempDir(), "state.json")
	os.WriteFile(sf, []byte(`[{"type":"STREAM","stream":{"stream_descriptor":{"name":"webhook_events"},"stream_state":{"version":1,"cursor":"2"}}},
		{"type":"STREAM","stream":{"stream_descriptor":{"name":"users"},"stream_state":{"version":1}}}]`), 0o600)
	r := runMain(t, "read", "--config", writeConfig(t, readConfig(f)), "--allow-host", f.host, "--streams", "users", "--state", sf)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

// TestReadWebhookEventsOAuthAccountFromToken: an account connected with
// `authorize` (a file token store, no account recorded by serve) reads the
// events of the Zoom account its token belongs to (users/me), only.
func TestReadWebhookEventsOAuthAccountFromToken(t *testing.T) {
	f := startOAuth(t, true)
	f.authorize(t)
	db := filepath.Join(f.dir, "events.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	acct := f.sim.Dataset().AccountID
	for i, a := range []string{"someone-else", acct, "someone-else"} {
		body := fmt.Sprintf(`{"event":"meeting.created","event_ts":%d,"payload":{"account_id":%q,"object":{"id":%d}}}`, i, a, i)
		if _, _, err := st.AppendEvent(context.Background(), store.Event{Event: "meeting.created", EventTS: int64(i), AccountID: a, ObjectID: strconv.Itoa(i), Body: json.RawMessage(body)}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	var out, errb syncBuffer
	code := Main(context.Background(), []string{"read", "--config", f.cfgPath, "--allow-host", f.host, "--streams", "webhook_events"},
		IO{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			if k == EnvStore {
				return db
			}
			return f.getenv(k)
		}})
	r := runResult{code, out.String(), errb.String()}
	f.outputs = append(f.outputs, r.stdout, r.stderr)
	if r.code != ExitOK || strings.Count(r.stdout, `"type":"RECORD"`) != 1 || !strings.Contains(r.stdout, `"account_id":"`+acct+`"`) ||
		strings.Contains(r.stdout, "someone-else") || !strings.Contains(r.stdout, `"positions":{"`+acct+`":2}`) {
		t.Fatalf("read: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	f.assertNoSecrets(t)
}

// TestReadWebhookEventsEveryFormat: webhook_events is read by the engine
// into every output format (Parquet and Arrow type the payload from the
// stream's schema), with the state of every stream: the second read into
// the same folder writes only the new event.
func TestReadWebhookEventsEveryFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var st store.Store
	add := func(acct string, i int) {
		body := fmt.Sprintf(`{"event":"meeting.created","event_ts":%d,"payload":{"account_id":%q,"object":{"id":%d,"topic":"t%d"}}}`, i, acct, i, i)
		if _, _, err := st.AppendEvent(context.Background(), store.Event{Event: "meeting.created", EventTS: int64(i), AccountID: acct, ObjectID: strconv.Itoa(i), Body: json.RawMessage(body)}); err != nil {
			t.Fatal(err)
		}
	}
	schemas, err := outputSchemas([]string{WebhookEventsStream})
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := writeConfig(t, map[string]any{"account_id": "A", "client_id": "id", "client_secret": "secret-A"})
	for _, format := range []string{FormatJSONL, FormatArrow, FormatParquet} {
		out, sf := filepath.Join(dir, format), filepath.Join(dir, format+"-state.json")
		dbPath := filepath.Join(dir, format+".db")
		if st, err = store.Open(context.Background(), dbPath); err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for i, a := range []string{"A", "B", "A", "A"} {
			add(a, i+1)
		}
		read := func() []map[string]any {
			t.Helper()
			r := runMain(t, "read", "--config", cfgPath, "--store", dbPath, "--streams", WebhookEventsStream,
				"--format", format, "--output", out, "--state-file", sf)
			if r.code != ExitOK {
				t.Fatalf("%s: exit %d: %s", format, r.code, r.stderr)
			}
			recs, err := outputtest.ReadDir(out, format, schemas)
			if err != nil {
				t.Fatal(err)
			}
			return recs[WebhookEventsStream]
		}
		recs := read()
		var got []string
		for _, r := range recs {
			p, _ := r["payload"].(map[string]any)
			o, _ := p["object"].(map[string]any)
			got = append(got, fmt.Sprint(r["position"], "/", r["account_id"], "/", o["topic"]))
		}
		if fmt.Sprint(got) != "[1/A/t1 3/A/t3 4/A/t4]" {
			t.Fatalf("%s: records %v", format, got)
		}
		if s, err := state.Load(sf); err != nil || s.Streams[WebhookEventsStream].Positions["A"] != 4 {
			t.Fatalf("%s: state %+v %v", format, s, err)
		}
		add("A", 10+len(format))
		if recs := read(); len(recs) != 4 {
			t.Fatalf("%s: second read: %d records in the folder, want 4", format, len(recs))
		}
	}
}
