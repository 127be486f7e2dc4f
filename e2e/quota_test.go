package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/airbyte/protocoltest"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// requestEstimate is what an ESTIMATE trace carries beyond the protocol's
// fields (airbyte.RequestEstimate).
type requestEstimate struct {
	Stream  map[string]int64 `json:"stream"`
	Source  string           `json:"source"`
	Read    map[string]int64 `json:"read"`
	Probe   map[string]int64 `json:"probe"`
	Plan    string           `json:"plan"`
	Days    int              `json:"days"`
	Message string           `json:"message"`
}

// quotaEstimates returns the request estimates of an Airbyte read's
// output, by stream.
func quotaEstimates(t *testing.T, stdout []byte) map[string]requestEstimate {
	t.Helper()
	out := map[string]requestEstimate{}
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var m struct {
			Type  string
			Trace *struct {
				Type     string
				Estimate *struct {
					Name     string           `json:"name"`
					Requests *requestEstimate `json:"zoom_requests"`
				}
			}
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil || m.Type != "TRACE" || m.Trace == nil || m.Trace.Estimate == nil || m.Trace.Estimate.Requests == nil {
			continue
		}
		out[m.Trace.Estimate.Name] = *m.Trace.Estimate.Requests
	}
	return out
}

// simByCategory is the simulator's request count per category, keyed as
// the connector keys them (light, medium, heavy, resource-intensive).
func simByCategory(c zoomsim.CounterSnapshot) map[string]int64 {
	out := map[string]int64{}
	for k, v := range c.ByCategory {
		out[strings.ToLower(string(k))] += int64(v)
	}
	return out
}

// stateCounts adds up the counts of the last completed reads (full or
// incremental) in a state file, nested parents' included once each.
func stateCounts(t *testing.T, path string, kind string) map[string]int64 {
	t.Helper()
	st, err := state.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	seen := map[string]bool{}
	add := func(name string, r *state.Requests) {
		if r == nil || seen[name] {
			return
		}
		seen[name] = true
		m := r.Full
		if kind == "incremental" {
			m = r.Incremental
		}
		for k, v := range m {
			out[k] += v
		}
	}
	for name, ss := range st.Streams {
		add(name, ss.Requests)
		for p, ps := range ss.Parents {
			add(p, ps.Requests)
		}
	}
	return out
}

// TestQuotaEstimate runs the built command three times against the
// simulator with --state-file, as a daily sync does. Every read says on
// stderr and in ESTIMATE traces (valid Airbyte) what it expects to send;
// each completed read leaves in the state the requests it sent, which are
// exactly the simulator's counts per category; and the third read, whose
// state holds the counts of an incremental read like it, sends exactly
// what it estimated (the account does not change). check-credentials
// --state prints the same estimate.
func TestQuotaEstimate(t *testing.T) {
	t.Parallel()
	s := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 191})
	e := newEnv(t, s)
	cfg := e.writeConfig(s.config("plan", "business",
		"rate_limits", map[string]any{"light": 5000, "medium": 5000, "heavy": 5000, "resource_intensive": 300000}))
	sf := e.path("state.json")
	var sent []map[string]int64
	var ests []map[string]requestEstimate
	for i := range 3 {
		s.Counters().Reset()
		r := e.read(2*time.Minute, cfg, s.host, "--state-file", sf)
		if r.code != 0 {
			t.Fatalf("read %d: %s", i+1, r)
		}
		protocoltest.ValidateLines(t, r.stdout)
		if !strings.Contains(string(r.stderr), "quota estimate: this read needs about") {
			t.Errorf("read %d: stderr does not say the estimate:\n%s", i+1, tail(string(r.stderr), 3000))
		}
		est := quotaEstimates(t, r.stdout)
		if len(est) == 0 {
			t.Fatalf("read %d: no ESTIMATE trace carries zoom_requests", i+1)
		}
		// The probe's requests (made before the read, when the state has
		// no counts) are not the read's.
		byCat := simByCategory(s.Counters().Snapshot())
		for k, v := range est["users"].Probe {
			byCat[k] -= v
		}
		sent = append(sent, byCat)
		ests = append(ests, est)
		kind := "full"
		if i > 0 {
			kind = "incremental"
		}
		// Streams read in full refresh keep full counts; add them for the
		// later reads, whose incremental counts cover the others.
		got := stateCounts(t, sf, kind)
		if i > 0 {
			got = addFullRefresh(t, sf, got)
		}
		if !sameCounts(got, sent[i]) {
			t.Errorf("read %d: the state counts %v, the simulator %v", i+1, got, sent[i])
		}
	}
	var users requestEstimate
	for name, est := range ests[2] {
		if est.Plan != "business" || est.Message == "" || est.Source == "" {
			t.Errorf("read 3: %s's estimate %+v", name, est)
		}
		users = est
	}
	if !sameCounts(users.Read, sent[2]) {
		t.Errorf("read 3 estimated %v and sent %v", users.Read, sent[2])
	}
	for k, v := range ests[1]["users"].Read {
		if v < sent[1][k] {
			t.Errorf("read 2 (the first daily read, bounded by the full read's counts) estimated %d %s requests and sent %d", v, k, sent[1][k])
		}
	}
	r := e.run(time.Minute, "check-credentials", "--config", cfg, "--allow-host", s.host, "--state", sf)
	if r.code != 0 || !strings.Contains(string(r.stdout), "Quota estimate of the next read") || !strings.Contains(string(r.stdout), users.Message) {
		t.Errorf("check-credentials --state does not print %q: %s\n%s", users.Message, r, r.stdout)
	}
	first := ests[0]["users"]
	if first.Source != "probe" || len(first.Probe) == 0 || len(ests[1]["users"].Probe) != 0 {
		t.Errorf("the first read is not estimated by a probe, or a later one is: %+v, %+v", first, ests[1]["users"])
	}
	for k, v := range sent[0] {
		if got := first.Read[k]; got < v/2 || got > 2*v {
			t.Errorf("the probe estimated %d %s requests of the first read, which sent %d", got, k, v)
		}
	}
	t.Logf("summary: sent %v, %v, %v; the first read estimated %v by a probe of %v; the third read estimated %v: %s",
		sent[0], sent[1], sent[2], first.Read, first.Probe, users.Read, users.Message)
}

// addFullRefresh adds to counts the full counts of the streams that have
// no incremental counts (full-refresh streams, read whole every time).
func addFullRefresh(t *testing.T, path string, counts map[string]int64) map[string]int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := state.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	add := func(name string, r *state.Requests) {
		if r == nil || len(r.Incremental) > 0 || seen[name] {
			return
		}
		seen[name] = true
		for k, v := range r.Full {
			counts[k] += v
		}
	}
	for name, ss := range st.Streams {
		add(name, ss.Requests)
		for p, ps := range ss.Parents {
			add(p, ps.Requests)
		}
	}
	return counts
}

func sameCounts(a, b map[string]int64) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
