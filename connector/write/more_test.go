package write_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"

	"github.com/zoom-connector/zoom-connector/connector/registrant"
	"github.com/zoom-connector/zoom-connector/connector/write"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestInputFormats registers the same kind of rows from JSON lines,
// Parquet, an Arrow IPC stream and an Arrow IPC file.
func TestInputFormats(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.openOfType(t, false, 8)
	type pqRow struct {
		MeetingID int64  `parquet:"meeting_id"`
		Email     string `parquet:"email"`
		FirstName string `parquet:"first_name"`
		Country   string `parquet:"country,optional"`
	}
	var pq bytes.Buffer
	w := parquet.NewGenericWriter[pqRow](&pq)
	if _, err := w.Write([]pqRow{{m.ID, "pq1@example.com", "P", "DE"}, {m.ID, "pq2@example.com", "Q", ""}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	arrowBytes := func(file bool, prefix string) []byte {
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "meeting_id", Type: arrow.PrimitiveTypes.Int64},
			{Name: "Email Address", Type: arrow.BinaryTypes.String},
			{Name: "first_name", Type: arrow.BinaryTypes.String},
			{Name: "last_name", Type: arrow.BinaryTypes.String, Nullable: true},
		}, nil)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).AppendValues([]int64{m.ID, m.ID}, nil)
		b.Field(1).(*array.StringBuilder).AppendValues([]string{prefix + "1@example.com", prefix + "2@example.com"}, nil)
		b.Field(2).(*array.StringBuilder).AppendValues([]string{"A", "B"}, nil)
		b.Field(3).(*array.StringBuilder).AppendValues([]string{"Last", ""}, []bool{true, false})
		rec := b.NewRecordBatch()
		defer rec.Release()
		var buf bytes.Buffer
		if file {
			fw, err := ipc.NewFileWriter(&buf, ipc.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			if err := fw.Write(rec); err != nil {
				t.Fatal(err)
			}
			if err := fw.Close(); err != nil {
				t.Fatal(err)
			}
		} else {
			sw := ipc.NewWriter(&buf, ipc.WithSchema(schema))
			if err := sw.Write(rec); err != nil {
				t.Fatal(err)
			}
			if err := sw.Close(); err != nil {
				t.Fatal(err)
			}
		}
		return buf.Bytes()
	}
	cfg := f.config(t, map[string]any{"mapping": map[string]string{"Email Address": "email"}})
	for _, c := range []struct {
		name, format string
		data         []byte
		emails       []string
	}{
		{"rows.jsonl", "", jsonl(map[string]any{"meeting_id": fmt.Sprint(m.ID), "Email Address": "j1@example.com", "first_name": "J", "custom_questions": []any{map[string]any{"title": "Why", "value": "Because"}}}), []string{"j1"}},
		{"rows.parquet", "", pq.Bytes(), []string{"pq1", "pq2"}},
		{"rows.arrows", "arrow", arrowBytes(false, "as"), []string{"as1", "as2"}},
		{"rows.bin", "arrow", arrowBytes(true, "af"), []string{"af1", "af2"}},
	} {
		in := f.file(t, c.name, c.data)
		args := []string{"write", "--config", cfg, "--allow-host", f.host, "--input", in, "--results", f.path(c.name + ".results")}
		if c.format != "" {
			args = append(args, "--input-format", c.format)
		}
		code, _, stderr := runCLI(t, "", args...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", c.name, code, stderr)
			continue
		}
		got := created(f.sim)
		for _, e := range c.emails {
			if got[fmt.Sprintf("meeting:%d|%s@example.com", m.ID, e)] != 1 {
				t.Errorf("%s: %s not registered once", c.name, e)
			}
		}
	}
	// Parquet from stdin.
	code, _, stderr := runCLI(t, string(pq.Bytes()), "write", "--config", cfg, "--allow-host", f.host, "--input", "-",
		"--input-format", "parquet", "--results", f.path("stdin.results"))
	if res := readResults(t, f.path("stdin.results")); code != 0 || res[1].Status != write.StatusAlreadyRegistered {
		t.Errorf("parquet on stdin: exit %d %v: %s", code, res, stderr)
	}
}

// stateCheck is a States writer that, at each STATE line, records how many
// rows were already in Zoom or the dead-letter file.
type stateCheck struct {
	mu     sync.Mutex
	sim    *zoomsim.Server
	dead   *bytes.Buffer
	lines  []string
	seenAt [][2]int // created registrants, dead letters
}

func (s *stateCheck) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		s.lines = append(s.lines, l)
		s.seenAt = append(s.seenAt, [2]int{len(s.sim.CreatedRegistrants()), strings.Count(s.dead.String(), "\n")})
	}
	return len(p), nil
}

// TestAirbyteStdin reads RECORD messages on stdin and echoes each STATE
// only after every record before it is in Zoom or dead-lettered.
func TestAirbyteStdin(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{})
	m := f.openOfType(t, false, 2)
	rec := func(stream string, data map[string]any) string {
		b, _ := json.Marshal(map[string]any{"type": "RECORD", "record": map[string]any{"stream": stream, "data": data, "emitted_at": 1}})
		return string(b)
	}
	state := func(n int) string {
		return fmt.Sprintf(`{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"signups"},"stream_state":{"n":%d}}}}`, n)
	}
	lines := []string{
		rec("signups", map[string]any{"meeting_id": m.ID, "email": "s1@example.com", "first_name": "S"}),
		rec("signups", map[string]any{"meeting_id": m.ID, "email": "s2@example.com", "first_name": "S", "city": "Oslo"}),
		`{"type":"LOG","log":{"level":"INFO","message":"hello"}}`,
		state(1),
		rec("signups", map[string]any{"meeting_id": m.ID, "email": "bad", "first_name": "S"}),
		rec("other", map[string]any{"meeting_id": m.ID, "email": "o@example.com", "first_name": "O"}),
		`{"type":"RECORD","record":`,
		state(2),
		rec("signups", map[string]any{"meeting_id": m.ID, "email": "s3@example.com", "first_name": "S"}),
		state(3),
	}
	stdin := strings.Join(lines, "\n") + "\n"

	// In process: the state writer checks what was committed when each
	// STATE came out.
	var dead bytes.Buffer
	sc := &stateCheck{sim: f.sim, dead: &dead}
	cl, cfg := f.client(t, nil)
	sum, err := write.Run(context.Background(), write.Options{Config: cfg, Client: cl, Source: write.NewAirbyteSource(strings.NewReader(stdin), []string{"signups"}),
		DeadLetter: &dead, States: sc})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.lines) != 3 {
		t.Fatalf("echoed %d states: %v", len(sc.lines), sc.lines)
	}
	want := [][2]int{{2, 0}, {2, 3}, {3, 3}}
	for i, l := range sc.lines {
		var msg struct {
			Type  string
			State struct {
				Stream struct {
					StreamState struct{ N int } `json:"stream_state"`
				}
			}
		}
		if err := json.Unmarshal([]byte(l), &msg); err != nil || msg.Type != "STATE" || msg.State.Stream.StreamState.N != i+1 {
			t.Errorf("state %d: %s", i, l)
		}
		if sc.seenAt[i] != want[i] {
			t.Errorf("at state %d: %d registered, %d dead letters; want %v", i+1, sc.seenAt[i][0], sc.seenAt[i][1], want[i])
		}
	}
	if sum.Registered != 3 || sum.Rejected != 3 || sum.StatesEchoed != 3 {
		t.Errorf("summary: %s", sum)
	}
	if !strings.Contains(dead.String(), `"_row":6,"_error":"stream \"other\" is not in the configured catalog"`) {
		t.Errorf("dead letters: %s", dead.String())
	}

	// Through the command line: stdout holds the states only, exit 1.
	f2 := startSim(t, zoomsim.Options{})
	cat := f2.file(t, "catalog.json", []byte(`{"streams":[{"stream":{"name":"signups","json_schema":{}},"sync_mode":"full_refresh","destination_sync_mode":"append"}]}`))
	code, stdout, stderr := runCLI(t, stdin, "write", "--config", f2.config(t, nil), "--allow-host", f2.host, "--catalog", cat)
	if code != 1 || strings.Count(stdout, `"type":"STATE"`) != 3 || strings.Count(stdout, "\n") != 3 {
		t.Errorf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
}

// lossyTransport forwards requests; for the first POST it either answers a
// 502 without forwarding (not applied) or forwards it and loses the answer
// (applied). Either way the client reports ErrOutcomeUnknown.
type lossyTransport struct {
	next    http.RoundTripper
	applied bool
	done    atomic.Bool
}

func (l *lossyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || !strings.Contains(r.URL.Path, "registrants") || l.done.Swap(true) {
		return l.next.RoundTrip(r)
	}
	if !l.applied {
		return &http.Response{StatusCode: 502, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"code":502,"message":"Bad Gateway"}`)), Request: r}, nil
	}
	resp, err := l.next.RoundTrip(r)
	if err == nil {
		resp.Body.Close()
	}
	return nil, errors.New("connection reset after the request was sent")
}

// TestOutcomeUnknown lists the target again before any retry: an applied
// request is not sent again, a lost one is.
func TestOutcomeUnknown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		applied  bool
		typ      int
		wantSent int // requests the run sent; the simulator sees one less when the lost one was not applied
	}{
		{"single applied", true, 8, 2},
		{"single not applied", false, 8, 3},
		{"batch applied", true, 2, 1},
		{"batch not applied", false, 2, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := startSim(t, zoomsim.Options{})
			m := f.openOfType(t, false, c.typ)
			lt := &lossyTransport{applied: c.applied}
			ledger, err := registrant.OpenFile(f.path("ledger.jsonl"), false)
			if err != nil {
				t.Fatal(err)
			}
			defer ledger.Close()
			sum, res := runInProcess(t, f, func(rt http.RoundTripper) http.RoundTripper { lt.next = rt; return lt },
				write.Options{Ledger: ledger}, jsonl(
					map[string]any{"meeting_id": m.ID, "email": "u1@example.com", "first_name": "U"},
					map[string]any{"meeting_id": m.ID, "email": "u2@example.com", "first_name": "U"},
				))
			if sum.Registered != 2 || res[1].RegistrantID == "" || res[2].RegistrantID == "" {
				t.Errorf("summary %s, results %+v", sum, res)
			}
			for k, n := range created(f.sim) {
				if n != 1 {
					t.Errorf("%s created %d times", k, n)
				}
			}
			if len(created(f.sim)) != 2 {
				t.Errorf("created %v", created(f.sim))
			}
			b, s := posts(f.sim)
			sent := sum.Requests["batch"] + sum.Requests["single"]
			if sent != c.wantSent || b+s != c.wantSent-1+boolInt(c.applied) {
				t.Errorf("sent %d write requests (want %d), the simulator saw %d", sent, c.wantSent, b+s)
			}
			if sum.Requests["list"] < 6 {
				t.Errorf("the target was not listed again: %v", sum.Requests)
			}
			if ledger.Len() != 2 {
				t.Errorf("ledger has %d entries", ledger.Len())
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestKilledAndRerun kills a write with SIGKILL part-way and runs it again
// with the same ledger: no registrant is created twice and none is missing,
// and no person is sent twice. Zoom answers a repeated add with the
// existing registration, so the simulator's add counts, not its list of
// registrants, show a second send. Whole-meeting rows are settled on the
// rerun by Zoom's list; rows naming occurrences by the ledger, or when the
// kill fell between Zoom's answer and the ledger's fsync, by Zoom's list of
// each occurrence.
func TestKilledAndRerun(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Latency: 15 * time.Millisecond})
	ms := []*zoomsim.Meeting{f.openOfType(t, false, 8), f.openOfType(t, false, 2)}
	ms = append(ms, f.openOfType(t, false, 8, ms[0].ID))
	var rows []map[string]any
	keys := make([]string, 0, 90) // "meeting:ID|email" of each row, by row number - 1
	want := map[string]bool{}
	occRow := map[int]bool{}
	for i := range 90 {
		m := ms[i%3]
		r := map[string]any{"meeting_id": m.ID, "email": fmt.Sprintf("k%02d@example.com", i), "first_name": "K"}
		if i%2 == 0 {
			r["city"] = "Paris" // single adds on the type-2 meeting too
		}
		if i%3 == 2 {
			r["occurrence_ids"] = "1648194360000" // settled by the ledger or the occurrence's list
			occRow[i+1] = true
		}
		rows = append(rows, r)
		k := fmt.Sprintf("meeting:%d|k%02d@example.com", m.ID, i)
		keys = append(keys, k)
		want[k] = true
	}
	in := f.file(t, "rows.jsonl", jsonl(rows...))
	cfg := f.config(t, map[string]any{"max_concurrency": 3})
	ledger := f.path("ledger.jsonl")
	args := []string{"write", "--config", cfg, "--allow-host", f.host, "--input", in, "--ledger", ledger, "--results", f.path("r1.jsonl")}
	cmd := childCommand(t, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if n := len(ledgerRows(t, ledger)); n >= 15 {
			occ := 0
			for row := range ledgerRows(t, ledger) {
				if occRow[row] {
					occ++
				}
			}
			if occ >= 2 {
				break
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("child did not progress: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	first := len(f.sim.CreatedRegistrants())
	if first >= len(rows) {
		t.Fatalf("the child finished before it was killed (%d created)", first)
	}
	inLedger, addsBefore := ledgerRows(t, ledger), f.sim.AddsReceived()
	code, _, errs := runCLI(t, "", "write", "--config", cfg, "--allow-host", f.host, "--input", in, "--ledger", ledger, "--results", f.path("r2.jsonl"))
	if code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, errs)
	}
	got := created(f.sim)
	for k, n := range got {
		if n != 1 || !want[k] {
			t.Errorf("%s created %d times", k, n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d registrants created, want %d", len(got), len(want))
	}
	adds := f.sim.AddsReceived()
	occInLedger, resent := 0, 0
	for i, k := range keys {
		row := i + 1
		switch {
		case inLedger[row] && adds[k] != addsBefore[k]:
			t.Errorf("row %d (%s): sent again by the rerun although the ledger held it (%d adds before, %d after)", row, k, addsBefore[k], adds[k])
		case adds[k] == 0:
			t.Errorf("row %d (%s): never sent", row, k)
		case adds[k] != 1:
			t.Errorf("row %d (%s): sent %d times", row, k, adds[k])
		}
		if inLedger[row] && occRow[row] {
			occInLedger++
		}
		if addsBefore[k] > 0 && !inLedger[row] {
			resent++ // in flight at the kill: Zoom's answer came, the ledger's line did not
		}
	}
	res := readResults(t, f.path("r2.jsonl"))
	already := 0
	for _, r := range res {
		if r.Status == write.StatusAlreadyRegistered {
			already++
		}
	}
	t.Logf("killed after %d of %d registrations (%d in the ledger, %d of them naming occurrences); the rerun found %d already registered, %d of them answered by Zoom but not in the ledger",
		first, len(rows), len(inLedger), occInLedger, already, resent)
	if already < first {
		t.Errorf("rerun reported %d already registered, the first run created %d", already, first)
	}
}

// ledgerRows returns the input rows the ledger at path records (a last
// line cut short by a kill is ignored).
func ledgerRows(t *testing.T, path string) map[int]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[int]bool{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		var e registrant.Entry
		if json.Unmarshal(line, &e) == nil && e.Row > 0 {
			out[e.Row] = true
		}
	}
	return out
}

// TestSecretNeverWritten runs with a canary client secret at debug level
// through success, rejection and error paths; no output holds it.
func TestSecretNeverWritten(t *testing.T) {
	t.Parallel()
	const canary = "CANARY-s3cr3t-7f1e9a"
	ds, err := zoomsim.Generate("small", 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	g := startSim(t, zoomsim.Options{Dataset: "small", Seed: 1, Apps: []zoomsim.App{{AccountID: "acct-canary", ClientID: "client-canary", ClientSecret: canary,
		Scopes: zoomsim.AllScopes(ds.Routes())}}})
	m := g.openOfType(t, false, 2)
	del := g.meeting(t, false, func(m *zoomsim.Meeting) bool { return m.Deleted })
	in := g.file(t, "rows.jsonl", jsonl(
		map[string]any{"meeting_id": m.ID, "email": "c1@example.com", "first_name": "C"},
		map[string]any{"meeting_id": del.ID, "email": "c2@example.com", "first_name": "C"},
		map[string]any{"meeting_id": m.ID, "email": "bad", "first_name": canary},
	))
	cfg := g.config(t, nil)
	code, stdout, stderr := runCLI(t, "", "write", "--config", cfg, "--allow-host", g.host, "--log-level", "debug", "--input", in,
		"--results", g.path("r.jsonl"), "--dead-letter", g.path("d.jsonl"), "--ledger", g.path("l.jsonl"))
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The canary row is dead-lettered as it came in (that is the row's own
	// data); strip it before looking for the secret.
	deadB, _ := os.ReadFile(g.path("d.jsonl"))
	deadB = bytes.ReplaceAll(deadB, []byte(`"first_name":"`+canary+`"`), nil)
	outs := map[string][]byte{"stdout": []byte(stdout), "stderr": []byte(stderr), "dead letters": deadB}
	for _, n := range []string{"r.jsonl", "l.jsonl"} {
		b, _ := os.ReadFile(g.path(n))
		outs[n] = b
	}
	for name, b := range outs {
		if bytes.Contains(b, []byte(canary)) {
			t.Errorf("%s holds the secret", name)
		}
	}
	if bytes.Contains([]byte(stderr), []byte("c1@example.com")) {
		t.Errorf("stderr logs an email at debug level: %s", stderr)
	}
	// A wrong secret: the run stops (exit 1) without echoing it.
	bad := g.config(t, map[string]any{"client_secret": canary + "-wrong"})
	code, stdout, stderr = runCLI(t, "", "write", "--config", bad, "--allow-host", g.host, "--log-level", "debug", "--input", in)
	if code != 1 || strings.Contains(stdout+stderr, canary) {
		t.Errorf("wrong secret: exit %d, output holds the secret: %v", code, strings.Contains(stdout+stderr, canary))
	}
}
