package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// Kill modes of TestCrashAndResume.
const (
	// killAirbyte kills at a random time; the resume starts from the
	// STATE messages on stdout (as Airbyte passes them with --state) and
	// counts as committed only the records before the last STATE.
	killAirbyte = "airbyte-state"
	// killStateFile kills at a random time; the resume starts from the
	// --state-file the first run kept.
	killStateFile = "state-file"
	// killMidWrite kills the moment the n-th temporary state file is
	// created, i.e. in the middle of writing the state file.
	killMidWrite = "mid-state-write"
)

// TestCrashAndResume kills a read with SIGKILL at random points (ten in
// CI, forty with ZC_SOAK=1), some of them in the middle of writing the
// state file, then resumes it. Each time the state file left behind is
// valid JSON that the connector loads, and the records the first run
// committed plus the resumed run's are the full set, with no record
// missing or unexpected; duplicates (at-least-once) are counted.
func TestCrashAndResume(t *testing.T) {
	t.Parallel()
	needBinary(t)
	points := 10
	if soak() {
		points = 40
	}
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 61, Latency: 25 * time.Millisecond})
	want := truthSets(t, s.Server)
	total := 0
	for _, w := range want {
		total += len(w)
	}
	// A clean run sets the time scale of the kills.
	e0 := newEnv(t, s)
	cfg := s.config("max_concurrency", 3, "checkpoint_interval_seconds", 1)
	clean := e0.read(2*time.Minute, e0.writeConfig(cfg), s.host)
	if clean.code != 0 {
		t.Fatalf("clean read: %s", clean)
	}
	expectExact(t, "clean read before the kills", parseAirbyte(t, clean.stdout, false).Records, want, nil)
	full := clean.elapsed
	t.Logf("a clean read takes %v and emits %d records", full.Round(time.Millisecond), total)

	seed := uint64(time.Now().UnixNano())
	t.Logf("kill schedule seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	type point struct {
		mode  string
		delay time.Duration
		nth   int
	}
	var plan []point
	for i := range points {
		switch i % 5 {
		// Within the first 70% of a clean read's time: the killed runs
		// run side by side, slower than the clean read alone, so the kill
		// lands mid-read (asserted below).
		case 0, 1:
			plan = append(plan, point{mode: killAirbyte, delay: time.Duration(float64(full) * (0.05 + 0.65*rng.Float64()))})
		case 2, 3:
			plan = append(plan, point{mode: killStateFile, delay: time.Duration(float64(full) * (0.05 + 0.65*rng.Float64()))})
		default:
			plan = append(plan, point{mode: killMidWrite, nth: 1 + rng.IntN(3)})
		}
	}
	var mu sync.Mutex
	var dupTotal, midWriteHits int
	for i, p := range plan {
		t.Run(fmt.Sprintf("%02d-%s", i, p.mode), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, s)
			cfgPath := e.writeConfig(cfg)
			stateFile := e.path("state.json")
			args := []string{"read", "--config", cfgPath, "--allow-host", s.host, "--log-level", "debug"}
			if p.mode != killAirbyte {
				args = append(args, "--state-file", stateFile)
			}
			cmd := exec.Command(binPath, args...)
			cmd.Env = cleanEnv()
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			var hit, killed bool
			var how string
			if p.mode == killMidWrite {
				killed, hit = killOnCreate(t, cmd, e.dir, ".state.json.tmp-", p.nth)
				how = fmt.Sprintf("at state write #%d", p.nth)
			} else {
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case <-time.After(p.delay):
					_ = cmd.Process.Signal(syscall.SIGKILL)
					<-done
				case <-done:
				}
				how = fmt.Sprintf("after %v", p.delay.Round(time.Millisecond))
			}
			killedAfter := time.Since(start)
			exited := cmd.ProcessState != nil && cmd.ProcessState.Exited()
			if p.mode != killMidWrite {
				killed = !exited
			}
			if !killed {
				// The subtest would check a clean read, not a crash.
				t.Fatalf("the read ended by itself (exit %d, %v in) before the kill %s", cmd.ProcessState.ExitCode(), killedAfter.Round(time.Millisecond), how)
			}
			e.save(result{stdout: out.Bytes(), stderr: errb.Bytes()}, args)
			figures.add(func(f *tally) { f.runs++; f.kills++ })

			var first airbyteOutput
			var resumeArgs []string
			checkpointed := false
			switch p.mode {
			case killAirbyte:
				first = parseAirbyte(t, out.Bytes(), true)
				checkpointed = len(first.States) > 0
				var msgs []json.RawMessage
				for _, st := range first.States {
					msgs = append(msgs, st)
				}
				b, _ := json.Marshal(msgs)
				if err := os.WriteFile(stateFile, b, 0o600); err != nil {
					t.Fatal(err)
				}
				resumeArgs = []string{"--state", stateFile}
			default:
				// With a state file, every record flushed to stdout before the
				// kill was delivered; the state file may be one checkpoint
				// ahead of the last STATE message.
				first = parseAirbyte(t, out.Bytes(), false)
				if data, err := os.ReadFile(stateFile); err == nil {
					checkpointed = true
					if !json.Valid(data) {
						t.Fatalf("killed %s: the state file is not valid JSON: %.300s", how, data)
					}
				} else if !os.IsNotExist(err) {
					t.Fatal(err)
				}
				if _, err := state.Load(stateFile); err != nil {
					t.Fatalf("killed %s: the state file does not load: %v", how, err)
				}
				resumeArgs = []string{"--state-file", stateFile}
			}
			r := e.read(2*time.Minute, cfgPath, s.host, resumeArgs...)
			if r.code != 0 {
				t.Fatalf("resumed read: %s", r)
			}
			second := parseAirbyte(t, r.stdout, false)
			union := map[string][]string{}
			for n := range want {
				union[n] = append(append([]string{}, first.Records[n]...), second.Records[n]...)
			}
			d := compare(union, want, nil)
			figures.add(func(f *tally) {
				f.recordsCompared += d.compared
				f.recordsLost += d.missing
				f.duplicates += d.duplicates
				f.dupAllowed += d.duplicates
			})
			if d.missing+d.unexpected > 0 {
				t.Errorf("killed %s (%s): first run + resumed run: %s\n  first missing: %.300s\n  first unexpected: %.300s",
					how, p.mode, d, d.firstMissing, d.firstUnexpected)
			}
			firstN, secondN := first.Total(), second.Total()
			if checkpointed && secondN >= total {
				t.Errorf("the resumed run read %d records, no fewer than a full read (%d): it did not resume", secondN, total)
			}
			if d.duplicates > firstN {
				t.Errorf("%d duplicates, more than the %d records the first run delivered", d.duplicates, firstN)
			}
			mu.Lock()
			dupTotal += d.duplicates
			if hit {
				midWriteHits++
			}
			mu.Unlock()
			t.Logf("summary: killed %s (%v in, exited by itself: %v, mid-write: %v, state saved: %v): first run delivered %d, resumed run %d, truth %d: missing %d, duplicates %d",
				how, killedAfter.Round(time.Millisecond), exited, hit, checkpointed, firstN, secondN, total, d.missing, d.duplicates)
		})
	}
	t.Cleanup(func() {
		t.Logf("summary: %d kill points, %d landed while a temporary state file existed, %d duplicates in all (truth %d records per read)",
			len(plan), midWriteHits, dupTotal, total)
		if midWriteHits == 0 {
			t.Errorf("no mid-write kill point landed while its temporary state file existed: the crash in the middle of a state write was not tested")
		}
	})
}
