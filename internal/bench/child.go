package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ChildRead is one read by the connector binary in a child process, the
// simulator serving it from this process.
type ChildRead struct {
	Dataset string   `json:"dataset"`
	Streams []string `json:"streams"`
	Format  string   `json:"format"`
	Records int64    `json:"records"`
	// Requests counts the API requests the simulator answered.
	Requests    int     `json:"requests"`
	WallSeconds float64 `json:"wall_seconds"`
	// ConnectorCPUSeconds is the child's user+system time;
	// SimulatorCPUSeconds this process's over the same span (the simulator
	// and the benchmark's idle goroutines).
	ConnectorCPUSeconds float64 `json:"connector_cpu_seconds"`
	SimulatorCPUSeconds float64 `json:"simulator_cpu_seconds"`
	// PeakRSSBytes is the child's peak resident set: the last VmHWM read
	// from /proc/PID/status while it ran (see peakRSS).
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	OutputBytes  int64 `json:"output_bytes"`
}

// RecordsPerSecond is records over wall time.
func (c *ChildRead) RecordsPerSecond() float64 { return float64(c.Records) / c.WallSeconds }

// CPUMicrosPerRecord is the connector's CPU time per record, in µs.
func (c *ChildRead) CPUMicrosPerRecord() float64 {
	return c.ConnectorCPUSeconds * 1e6 / float64(c.Records)
}

// TotalCPUMicrosPerRecord adds the simulator's CPU time.
func (c *ChildRead) TotalCPUMicrosPerRecord() float64 {
	return (c.ConnectorCPUSeconds + c.SimulatorCPUSeconds) * 1e6 / float64(c.Records)
}

var recordsRE = regexp.MustCompile(`msg="stream done" stream=(\S+) records=(\d+)`)

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childRead runs `bin read` against a fresh unlimited, latency-free
// simulator of dataset, writing format under dir. Its records per stream
// must equal the truth's (an error otherwise).
func childRead(ctx context.Context, bin, dir, dataset string, seed int64, streams []string, format string, concurrency int) (*ChildRead, error) {
	sim, err := startSim(dir, dataset, seed, "unlimited", 0, "unlimited", concurrency, 300)
	if err != nil {
		return nil, err
	}
	defer sim.close()
	out := filepath.Join(dir, "out-"+format)
	_ = os.RemoveAll(out)
	args := []string{"read", "--config", sim.config, "--allow-host", sim.host, "--format", format, "--log-level", "info"}
	if format != "airbyte" {
		args = append(args, "--output", out)
	}
	if len(streams) > 0 {
		args = append(args, "--streams", strings.Join(streams, ","))
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var devnull *os.File
	if format == "airbyte" {
		devnull, err = os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		defer devnull.Close()
		cmd.Stdout = devnull
	}
	cpu0 := selfCPU()
	start := time.Now()
	var peak int64
	if err = cmd.Start(); err == nil {
		stop := watchPeakRSS(cmd.Process.Pid, &peak)
		err = cmd.Wait()
		stop()
	}
	wall := time.Since(start)
	simCPU := selfCPU() - cpu0
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	r := &ChildRead{Dataset: dataset, Streams: streams, Format: format, WallSeconds: wall.Seconds(),
		SimulatorCPUSeconds: simCPU.Seconds(), Requests: sim.l.Counters().Snapshot().TotalRequests}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.ConnectorCPUSeconds = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	r.PeakRSSBytes = peak
	byStream := map[string]int64{}
	for _, m := range recordsRE.FindAllStringSubmatch(stderr.String(), -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		byStream[m[1]] += n
		r.Records += n
	}
	if err := checkCounts(byStream, truthCounts(sim.l.Dataset(), dataset, seed), streams); err != nil {
		return nil, fmt.Errorf("%s read of the %s dataset: %w", format, dataset, err)
	}
	_ = filepath.Walk(out, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			r.OutputBytes += fi.Size()
		}
		return nil
	})
	_ = os.RemoveAll(out)
	return r, nil
}

// watchPeakRSS reads the peak resident set (VmHWM, a high-water mark) of
// process pid every 20 ms into *peak until stop is called. The child's
// ru_maxrss cannot be used: Go starts a child with a clone that shares this
// process's memory until the exec, and Linux carries the high-water mark of
// that memory, this process's (the simulator's datasets, hundreds of MiB),
// into the child's ru_maxrss. VmHWM belongs to the child's own memory
// after the exec; what it may miss is growth in the child's last 20 ms.
func watchPeakRSS(pid int, peak *int64) (stop func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	path := fmt.Sprintf("/proc/%d/status", pid)
	read := func() {
		b, err := os.ReadFile(path)
		if err != nil {
			return
		}
		if v, ok := vmHWM(b); ok && v > *peak {
			*peak = v
		}
	}
	go func() {
		defer close(exited)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-tick.C:
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); <-exited }
}

// vmHWM parses the VmHWM line of a /proc/PID/status file, in bytes.
func vmHWM(status []byte) (int64, bool) {
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// buildConnector builds ./cmd/zoom-connector of the module this package
// belongs to into dir.
func buildConnector(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "zoom-connector")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/zoom-connector")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/zoom-connector: %v\n%s", err, out)
	}
	return bin, nil
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	p := strings.TrimSpace(string(out))
	if p == "" || p == os.DevNull {
		return "", fmt.Errorf("not inside the zoom-connector module (go env GOMOD is empty)")
	}
	return filepath.Dir(p), nil
}
