package connector

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/engine"
)

func TestProgressDisplay(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := newProgressReporter(&buf, slog.New(slog.DiscardHandler))
	p.tty = true
	p.lastAt = time.Now().Add(-time.Second)
	p.update([]engine.StreamProgress{
		{Name: "users", Records: 300, Estimate: 1000, Requests: 1, Status: engine.StatusRunning},
		{Name: "meetings", Records: 10, Requests: 3, Status: engine.StatusComplete},
	})
	p.lastAt = time.Now().Add(-time.Second)
	p.update([]engine.StreamProgress{
		{Name: "users", Records: 600, Estimate: 1000, Requests: 2, Status: engine.StatusRunning},
		{Name: "meetings", Records: 10, Requests: 3, Status: engine.StatusComplete},
	})
	out := buf.String()
	for _, want := range []string{"STREAM", "users", "600", "meetings", "complete", "\x1b[4A", "610 records"} {
		if !strings.Contains(out, want) {
			t.Errorf("display lacks %q:\n%q", want, out)
		}
	}
	// The second frame shows an ETA for users: 400 records left at a
	// smoothed rate above zero.
	last := out[strings.LastIndex(out, "\x1b[4A"):]
	if !strings.Contains(last, "s  running") {
		t.Errorf("no ETA for users in %q", last)
	}
}

func TestProgressLogWhenNotTerminal(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	p := newProgressReporter(&bytes.Buffer{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if p.tty {
		t.Fatal("a buffer is not a terminal")
	}
	p.lastLog = time.Now().Add(-time.Minute)
	p.update([]engine.StreamProgress{{Name: "users", Records: 5, Requests: 1, Status: engine.StatusRunning}})
	if !strings.Contains(logs.String(), "msg=progress records=5 requests=1 streams_running=1") {
		t.Errorf("log %q", logs.String())
	}
}
