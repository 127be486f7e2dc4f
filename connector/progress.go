package connector

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/engine"
)

// progressReporter shows a read's progress on stderr: on a terminal, a
// live table redrawn in place (records, requests, rate, ETA where Zoom
// announced a total); otherwise a log line at intervals.
type progressReporter struct {
	w        io.Writer
	tty      bool
	log      *slog.Logger
	start    time.Time
	lastLog  time.Time
	every    time.Duration
	drawn    int // lines drawn last time, to move the cursor back over
	lastRecs map[string]int64
	lastAt   time.Time
	rates    map[string]float64
}

// newProgressReporter returns a reporter for stderr; tty forces the live
// display on or off (nil: detect whether stderr is a terminal).
func newProgressReporter(stderr io.Writer, log *slog.Logger) *progressReporter {
	tty := false
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb" {
			tty = true
		}
	}
	now := time.Now()
	return &progressReporter{w: stderr, tty: tty, log: log, start: now, lastLog: now, every: 30 * time.Second,
		lastRecs: map[string]int64{}, lastAt: now, rates: map[string]float64{}}
}

// update takes a progress snapshot.
func (p *progressReporter) update(ps []engine.StreamProgress) {
	now := time.Now()
	dt := now.Sub(p.lastAt).Seconds()
	for _, s := range ps {
		if dt > 0 {
			inst := float64(s.Records-p.lastRecs[s.Name]) / dt
			// Smooth the rate so the ETA does not jump about.
			p.rates[s.Name] = 0.7*p.rates[s.Name] + 0.3*inst
		}
		p.lastRecs[s.Name] = s.Records
	}
	p.lastAt = now
	if p.tty {
		p.draw(ps)
		return
	}
	if now.Sub(p.lastLog) >= p.every {
		p.lastLog = now
		var recs, reqs int64
		running := 0
		for _, s := range ps {
			recs += s.Records
			reqs += s.Requests
			if s.Status == engine.StatusRunning {
				running++
			}
		}
		p.log.Info("progress", "records", recs, "requests", reqs, "streams_running", running,
			"elapsed", now.Sub(p.start).Round(time.Second).String())
	}
}

func (p *progressReporter) draw(ps []engine.StreamProgress) {
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	lines := 0
	line := func(format string, args ...any) {
		b.WriteString("\x1b[2K")
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
		lines++
	}
	line("%-32s %10s %9s %9s %8s  %s", "STREAM", "RECORDS", "REQUESTS", "REC/S", "ETA", "STATUS")
	var total int64
	for _, s := range ps {
		total += s.Records
		eta := ""
		if r := p.rates[s.Name]; s.Estimate > s.Records && r > 0.5 && s.Status != engine.StatusComplete {
			eta = (time.Duration(float64(s.Estimate-s.Records)/r) * time.Second).Round(time.Second).String()
		}
		line("%-32s %10d %9d %9.0f %8s  %s", s.Name, s.Records, s.Requests, p.rates[s.Name], eta, strings.ToLower(string(s.Status)))
	}
	line("%d records in %s", total, time.Since(p.start).Round(time.Second))
	p.drawn = lines
	_, _ = io.WriteString(p.w, b.String())
}
