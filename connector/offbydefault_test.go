package connector

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestDashboardStreamsOffByDefault: a read that names no streams leaves
// the Dashboard streams out (no /metrics request: their quota is scarce);
// the config enables one; discover lists both with primary key and
// cursor; check-credentials names their scope apart.
func TestDashboardStreamsOffByDefault(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 3})
	out := filepath.Join(t.TempDir(), "out")
	r := runMain(t, "read", "--config", writeConfig(t, readConfig(f)), "--allow-host", f.host, "--format", "jsonl", "--output", out)
	if r.code != 0 {
		t.Fatalf("read exit %d\nstderr:\n%s", r.code, tail(r.stderr, 2000))
	}
	c := f.sim.Counters().Snapshot()
	if n := c.Requests["GET /metrics/meetings"] + c.Requests["GET /metrics/meetings/{meetingId}/participants"]; n != 0 {
		t.Errorf("a read naming no streams sent %d Dashboard requests", n)
	}
	if got := readJSONLDir(t, out); len(got["metrics_meetings"])+len(got["metrics_meeting_participants"]) != 0 {
		t.Error("a read naming no streams wrote Dashboard records")
	}

	// Enabled in the config: read, and equal to the truth.
	out2 := filepath.Join(t.TempDir(), "out")
	cfg := readConfig(f, "streams", map[string]any{"metrics_meeting_participants": map[string]any{"enabled": true}})
	r = runMain(t, "read", "--config", writeConfig(t, cfg), "--allow-host", f.host, "--format", "jsonl", "--output", out2)
	if r.code != 0 {
		t.Fatalf("read with the Dashboard enabled: exit %d\nstderr:\n%s", r.code, tail(r.stderr, 2000))
	}
	got := readJSONLDir(t, out2)
	compareWithTruth(t, got, allTruth(t, f.sim), []string{"metrics_meeting_participants"})
	if len(got["metrics_meeting_participants"]) == 0 {
		t.Error("no Dashboard participants read with the stream enabled")
	}

	// discover lists them.
	d := runMain(t, "discover", "--config", writeConfig(t, f.cfg))
	var msg struct {
		Catalog struct {
			Streams []struct {
				Name                    string     `json:"name"`
				SourceDefinedPrimaryKey [][]string `json:"source_defined_primary_key"`
				DefaultCursorField      []string   `json:"default_cursor_field"`
			} `json:"streams"`
		} `json:"catalog"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(d.stdout)), &msg); err != nil {
		t.Fatalf("discover: %v\n%s", err, d.stdout)
	}
	found := map[string]string{}
	for _, s := range msg.Catalog.Streams {
		found[s.Name] = ""
		if len(s.SourceDefinedPrimaryKey) > 0 {
			found[s.Name] = s.SourceDefinedPrimaryKey[0][0] + " " + strings.Join(s.DefaultCursorField, ",")
		}
	}
	if found["metrics_meetings"] != "uuid start_time" || found["metrics_meeting_participants"] != "meeting_uuid " {
		t.Errorf("discover: metrics_meetings %q, metrics_meeting_participants %q", found["metrics_meetings"], found["metrics_meeting_participants"])
	}

	// check-credentials with an app lacking the Dashboard scope.
	limited := zoomsim.App{AccountID: f.sim.Dataset().AccountID, ClientID: "nodash-id", ClientSecret: "nodash-secret", Scopes: []string{"user:read:admin"}}
	lf := startSim(t, zoomsim.Options{Apps: []zoomsim.App{limited}})
	cr := runMain(t, "check-credentials", "--config", writeConfig(t, with(lf.cfg, "client_id", "nodash-id", "client_secret", "nodash-secret")), "--allow-host", lf.host)
	for _, want := range []string{"Streams off by default that would need a scope if enabled (2)", "metrics_meetings", "dashboard_meetings:read:admin"} {
		if !strings.Contains(cr.stdout, want) {
			t.Errorf("check-credentials lacks %q:\n%s", want, cr.stdout)
		}
	}
}
