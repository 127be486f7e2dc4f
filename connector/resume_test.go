package connector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestMain lets a test run the connector as a child process (the test
// binary re-executed with ZC_RUN_MAIN=1), so a test can kill it with
// SIGKILL mid-read.
func TestMain(m *testing.M) {
	if os.Getenv("ZC_RUN_MAIN") == "1" {
		var args []string
		if err := json.Unmarshal([]byte(os.Getenv("ZC_ARGS")), &args); err != nil {
			os.Exit(99)
		}
		os.Exit(Main(context.Background(), args, IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
	}
	os.Exit(m.Run())
}

// childCommand returns the connector as a child process.
func childCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	b, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZC_RUN_MAIN=1", "ZC_ARGS="+string(b))
	return cmd
}

// TestReadKilledAndResumed kills a read with SIGKILL part-way (once right
// after its first STATE message, once after its third), resumes from the
// STATE messages it had emitted, and checks that what the first run
// committed plus the resumed run is the full record set.
func TestReadKilledAndResumed(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "small", Seed: 11, Latency: 4 * time.Millisecond})
	cfgPath := writeConfig(t, readConfig(f, "max_concurrency", 4, "checkpoint_interval_seconds", 1))
	want := truthSets(t, f.sim)
	for i, nth := range []int{1, 3} {
		dir := t.TempDir()
		cmd := childCommand(t, "read", "--config", cfgPath, "--allow-host", f.host)
		out, killed := killAfterStates(t, cmd, nth)
		if !killed {
			t.Fatalf("kill %d: the read ended before its STATE message #%d", i, nth)
		}
		first := parseAirbyte(t, out, true)
		if len(first.States) == 0 {
			t.Fatalf("kill %d after STATE #%d: no STATE in its output (%d lines)", i, nth, first.Lines)
		}
		// Resume from the per-stream states, as Airbyte passes them.
		var msgs []json.RawMessage
		for _, st := range first.States {
			msgs = append(msgs, st)
		}
		statePath := filepath.Join(dir, "state.json")
		b, _ := json.Marshal(msgs)
		if err := os.WriteFile(statePath, b, 0o600); err != nil {
			t.Fatal(err)
		}
		r := runMain(t, "read", "--config", cfgPath, "--allow-host", f.host, "--state", statePath)
		if r.code != 0 {
			t.Fatalf("resumed read exit %d: %s", r.code, tail(r.stderr, 2000))
		}
		second := parseAirbyte(t, []byte(r.stdout), false)
		union := map[string][]string{}
		var firstN, secondN int
		for _, n := range streams.ZoomNames() {
			union[n] = append(append([]string{}, first.Records[n]...), second.Records[n]...)
			firstN += len(first.Records[n])
			secondN += len(second.Records[n])
		}
		dups := countDuplicates(union, want)
		total := 0
		for _, w := range want {
			total += len(w)
		}
		t.Logf("kill %d after STATE #%d: first run committed %d records, resumed run %d, truth %d, duplicates %d",
			i, nth, firstN, secondN, total, dups)
		if secondN >= total {
			t.Errorf("the resumed run read %d records, no fewer than a full read (%d): it did not resume", secondN, total)
		}
		compareUnion(t, union, want)
	}
}

// killAfterStates starts cmd, kills it with SIGKILL as soon as its stdout
// holds nth STATE messages (within two minutes), and returns its stdout
// and whether the kill came before the read ended by itself.
func killAfterStates(t *testing.T, cmd *exec.Cmd, nth int) ([]byte, bool) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &bytes.Buffer{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	var out bytes.Buffer
	states, killed := 0, false
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		out.Write(sc.Bytes())
		out.WriteByte('\n')
		if !killed && bytes.Contains(sc.Bytes(), []byte(`"type":"STATE"`)) {
			if states++; states == nth {
				killed = cmd.Process.Signal(syscall.SIGKILL) == nil
			}
		}
	}
	_ = cmd.Wait()
	return out.Bytes(), killed
}

// countDuplicates counts records present more often than in the truth.
func countDuplicates(got, want map[string][]string) int {
	dups := 0
	for n, g := range got {
		wc := map[string]int{}
		for _, r := range want[n] {
			wc[r]++
		}
		gc := map[string]int{}
		for _, r := range g {
			gc[r]++
		}
		for r, c := range gc {
			if c > wc[r] && wc[r] > 0 {
				dups += c - wc[r]
			}
		}
	}
	return dups
}

// compareUnion checks nothing is missing or unexpected (duplicates are
// allowed: reads are at-least-once).
func compareUnion(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for n, w := range want {
		gs := map[string]bool{}
		for _, r := range got[n] {
			gs[r] = true
		}
		missing := 0
		for _, r := range w {
			if !gs[r] {
				missing++
			}
		}
		ws := map[string]bool{}
		for _, r := range w {
			ws[r] = true
		}
		extra := 0
		for r := range gs {
			if !ws[r] {
				extra++
			}
		}
		if missing+extra > 0 {
			t.Errorf("%s: %d records missing, %d unexpected after resume", n, missing, extra)
		}
	}
}

// TestReadIncrementalReadsOnlyNew runs a read twice with a state file:
// the second run re-reads the full-refresh streams but, for incremental
// streams, only what is past the cursor (or, for meetings, webinars and
// their children, what is not settled).
func TestReadIncrementalReadsOnlyNew(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 2})
	cfgPath := writeConfig(t, readConfig(f, "lookback_days", 0))
	statePath := filepath.Join(t.TempDir(), "state.json")
	r1 := runMain(t, "read", "--config", cfgPath, "--allow-host", f.host, "--state-file", statePath)
	if r1.code != 0 {
		t.Fatalf("first read: %d %s", r1.code, tail(r1.stderr, 2000))
	}
	st, err := state.Load(statePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range streams.Zoom() {
		if s.OffByDefault {
			continue // not read without --streams
		}
		ss := st.Streams[s.Name]
		if ss == nil {
			t.Fatalf("state lacks %s", s.Name)
		}
		if len(ss.Done) > 0 || ss.Complete {
			t.Errorf("%s: a finished sync left progress in the state: %+v", s.Name, ss)
		}
		if s.Incremental() && !s.Settles && ss.Cursor == "" {
			t.Errorf("%s: incremental stream has no cursor after a full read", s.Name)
		}
		if s.Settles && (ss.Synced == nil || ss.Syncing != nil) {
			t.Errorf("%s: a stream that settles has no completed sync mark after a full read: %+v", s.Name, ss)
		}
	}
	before := f.sim.Counters().Snapshot()
	r2 := runMain(t, "read", "--config", cfgPath, "--allow-host", f.host, "--state-file", statePath)
	if r2.code != 0 {
		t.Fatalf("second read: %d %s", r2.code, tail(r2.stderr, 2000))
	}
	after := f.sim.Counters().Snapshot()
	a, b := parseAirbyte(t, []byte(r1.stdout), false), parseAirbyte(t, []byte(r2.stdout), false)
	today := time.Now().UTC().Format("2006-01-02")
	for _, s := range streams.Zoom() {
		n1, n2 := len(a.Records[s.Name]), len(b.Records[s.Name])
		switch {
		case !s.Incremental():
			if n2 != n1 {
				t.Errorf("%s (full refresh): second run %d records, first %d", s.Name, n2, n1)
			}
		case s.Settles:
			// Only meetings and webinars not settled are read again
			// (engine/changes.go; TestChangeDrivenReads).
			if n2 > n1 || (s.Name == "meetings" && n2 >= n1) {
				t.Errorf("%s: second run %d records, first %d: settled meetings read again", s.Name, n2, n1)
			}
		case s.ParentCursor != "" || s.Name == "past_meeting_instances":
			if n2 != 0 {
				t.Errorf("%s: second run re-read %d records of instances already read", s.Name, n2)
			}
		default: // windowed: only today's window is read again
			for _, rec := range b.Records[s.Name] {
				if !strings.Contains(rec, today) {
					t.Errorf("%s: second run re-read an old record %.200s", s.Name, rec)
					break
				}
			}
		}
	}
	heavy1 := before.ByCategory["Heavy"]
	heavy2 := after.ByCategory["Heavy"] - heavy1
	t.Logf("Heavy requests: first run %d, second run %d", heavy1, heavy2)
	if heavy2*4 > heavy1 {
		t.Errorf("second run sent %d Heavy requests, first %d: incremental reads should send far fewer", heavy2, heavy1)
	}
}

// TestChildReadAfterItsParentsCursorMoved reads a parent stream alone
// incrementally, then adds a child: the child must be read in full, not
// hidden by the parent's cursor (a regression found in review).
func TestChildReadAfterItsParentsCursorMoved(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 6})
	cfgPath := writeConfig(t, readConfig(f, "lookback_days", 0))
	statePath := filepath.Join(t.TempDir(), "state.json")
	r1 := runMain(t, "read", "--config", cfgPath, "--allow-host", f.host, "--state-file", statePath, "--streams", "past_meeting_instances")
	if r1.code != 0 {
		t.Fatalf("first read: %d %s", r1.code, tail(r1.stderr, 2000))
	}
	r2 := runMain(t, "read", "--config", cfgPath, "--allow-host", f.host, "--state-file", statePath,
		"--streams", "past_meeting_instances,past_meeting_participants")
	if r2.code != 0 {
		t.Fatalf("second read: %d %s", r2.code, tail(r2.stderr, 2000))
	}
	got := parseAirbyte(t, []byte(r2.stdout), false)
	if n := len(got.Records["past_meeting_instances"]); n != 0 {
		t.Errorf("second run re-emitted %d instances", n)
	}
	want := truthSets(t, f.sim)
	compareWithTruth(t, got.Records, want, []string{"past_meeting_participants"})
}

func TestPerStreamPageSize(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 6})
	cfg := readConfig(f, "streams", map[string]any{"users": map[string]any{"page_size": 2}})
	r := runMain(t, "read", "--config", writeConfig(t, cfg), "--allow-host", f.host, "--streams", "users")
	if r.code != 0 {
		t.Fatalf("read: %d %s", r.code, tail(r.stderr, 2000))
	}
	users := len(f.sim.Truth()["users"])
	if got := f.sim.Counters().Snapshot().Requests["GET /users"]; got < users/2 {
		t.Errorf("GET /users sent %d times for %d users at page_size 2: the per-stream page size was ignored", got, users)
	}
}
