package connector

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestTranscriptDownloadHostRefused: the simulator gives transcript
// download URLs on a host the operator did not allow; the connector
// refuses to send the token there, recording_transcripts fails naming the
// refusal, and the other streams (recordings, its parent) are complete.
func TestTranscriptDownloadHostRefused(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 2, DownloadBase: "https://files.zoom.example"})
	out := filepath.Join(t.TempDir(), "out")
	r := runMain(t, "read", "--config", writeConfig(t, readConfig(f)), "--allow-host", f.host,
		"--format", "jsonl", "--output", out, "--streams", "recordings,recording_transcripts")
	if r.code == 0 {
		t.Fatalf("read exited 0 although every transcript download was refused\nstderr:\n%s", tail(r.stderr, 2000))
	}
	for _, want := range []string{"recording_transcripts", "files.zoom.example", "not a Zoom host"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, tail(r.stderr, 2000))
		}
	}
	got := readJSONLDir(t, out)
	if len(got["recording_transcripts"]) != 0 {
		t.Errorf("%d transcripts written although their downloads were refused", len(got["recording_transcripts"]))
	}
	want := truthSets(t, f.sim)
	compareWithTruth(t, got, want, []string{"recordings"})
	if len(want["recording_transcripts"]) == 0 {
		t.Fatal("the truth has no transcript: the check is vacuous")
	}
}

// TestTranscriptText: each transcript record holds the text its
// download_url serves (WebVTT), fetched from the allowed simulator host,
// in place of the URL.
func TestTranscriptText(t *testing.T) {
	t.Parallel()
	f := startSim(t, zoomsim.Options{Dataset: "tiny", Seed: 2})
	out := filepath.Join(t.TempDir(), "out")
	r := runMain(t, "read", "--config", writeConfig(t, readConfig(f)), "--allow-host", f.host,
		"--format", "jsonl", "--output", out, "--streams", "recording_transcripts")
	if r.code != 0 {
		t.Fatalf("read exit %d\nstderr:\n%s", r.code, tail(r.stderr, 2000))
	}
	got := readJSONLDir(t, out)
	compareWithTruth(t, got, truthSets(t, f.sim), []string{"recording_transcripts"})
	for _, rec := range got["recording_transcripts"] {
		var v map[string]any
		if err := json.Unmarshal([]byte(rec), &v); err != nil {
			t.Fatal(err)
		}
		text, _ := v["transcript"].(string)
		if _, has := v["download_url"]; has || !strings.HasPrefix(text, "WEBVTT\n") {
			t.Errorf("transcript record with download_url %v and text %.80q: want the text in place of the URL", v["download_url"], text)
		}
	}
	if len(got["recording_transcripts"]) == 0 {
		t.Fatal("no transcript read")
	}
}
