package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/registrant"
	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestRegisterAndWriteShareTheLedger runs `serve` and `write --ledger
// store` on the same store: a person registered through /register is not
// sent again by write, and a person registered by write is not sent again
// through /register. The simulator's AddsReceived counts every add request
// (single or one entry of a batch) whatever Zoom answers.
func TestRegisterAndWriteShareTheLedger(t *testing.T) {
	t.Parallel()
	sf := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 3})
	var meetingID int64
	for _, m := range sf.sim.Dataset().Meetings {
		if m.RegistrationEnabled() && !m.Over(time.Now()) && m.Licensed() && !m.Deleted && m.Type == 2 {
			meetingID = m.ID
			break
		}
	}
	if meetingID == 0 {
		t.Fatal("the simulator has no open scheduled meeting that takes registrants")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "serve.db")
	cfgPath := writeConfig(t, with(sf.cfg, "webhook_secret_token", "whsec-ledger-test"))
	serveURL := startServe(t, "--config", cfgPath, "--allow-host", sf.host, "--store", db,
		"--target", fmt.Sprintf("meeting:%d:launch", meetingID), "--allowed-origin", "https://www.example.org", "--metrics-listen", "")

	register := func(email string) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"email": email, "first_name": "Pat", "last_name": "Lee", "target": "launch"})
		req, _ := http.NewRequest(http.MethodPost, serveURL+"/register", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "https://www.example.org")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/register %s: %d", email, resp.StatusCode)
		}
	}
	adds := func(email string) int {
		return sf.sim.AddsReceived()[fmt.Sprintf("meeting:%d|%s", meetingID, email)]
	}

	register("ann@example.com")
	if adds("ann@example.com") != 1 {
		t.Fatalf("/register sent ann %d times", adds("ann@example.com"))
	}
	in := filepath.Join(dir, "rows.jsonl")
	rows := fmt.Sprintf(`{"meeting_id":%d,"email":"Ann@Example.com","first_name":"Ann"}
{"meeting_id":%d,"email":"bob@example.com","first_name":"Bob"}
`, meetingID, meetingID)
	if err := os.WriteFile(in, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(dir, "results.jsonl")
	r := runMain(t, "write", "--config", cfgPath, "--allow-host", sf.host, "--input", in,
		"--ledger", LedgerInStore, "--store", db, "--results", results)
	if r.code != ExitOK {
		t.Fatalf("write exit %d: %s", r.code, tail(r.stderr, 2000))
	}
	out, _ := os.ReadFile(results)
	if !strings.Contains(string(out), `"status":"already_registered"`) || !strings.Contains(string(out), `"status":"registered"`) {
		t.Fatalf("write results:\n%s", out)
	}
	if adds("ann@example.com") != 1 || adds("bob@example.com") != 1 {
		t.Fatalf("after write: ann sent %d times, bob %d", adds("ann@example.com"), adds("bob@example.com"))
	}

	// Bob is in the store's ledger under the shared key, so /register
	// answers him without calling Zoom.
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	e, err := st.LedgerGet(context.Background(), registrant.Key(registrant.Target{Kind: "meeting", ID: meetingID}, "bob@example.com"))
	st.Close()
	if err != nil || e == nil || e.Status != "registered" || e.AccountID != sf.sim.Dataset().AccountID {
		t.Fatalf("write's ledger entry for bob in the store: %+v %v", e, err)
	}
	register("BOB@example.com")
	if adds("bob@example.com") != 1 {
		t.Fatalf("/register sent bob again: %d adds", adds("bob@example.com"))
	}
}

// startServe runs `serve` through Main on a free port until the test ends
// and returns its base URL once /healthz answers.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	serveErr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve", "--listen", addr}, args...),
			IO{Stdin: strings.NewReader(""), Stdout: &syncBuffer{}, Stderr: serveErr, Getenv: func(string) string { return "" }})
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != ExitOK {
			t.Errorf("serve exit %d: %s", code, serveErr)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", serveErr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
