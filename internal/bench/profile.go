package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/connector"
)

// Profile is where the CPU time of an in-process read goes (connector and
// simulator together, as they share the process).
type Profile struct {
	Dataset     string  `json:"dataset"`
	Format      string  `json:"format"`
	WallSeconds float64 `json:"wall_seconds"`
	// SampledSeconds is the CPU time the profile sampled.
	SampledSeconds float64 `json:"sampled_seconds"`
	// Top lists the functions with the most flat time; TopCum the most
	// cumulative time.
	Top    []ProfileLine `json:"top_flat"`
	TopCum []ProfileLine `json:"top_cum"`
	// ByArea sums flat time by area (simulator, connector, JSON, HTTP,
	// Parquet, runtime and GC, ...).
	ByArea []ProfileLine `json:"by_area"`
	// ByRoot is the cumulative time under the roots that split the
	// process: the simulator's HTTP server, the connector's workers, its
	// record handling and its output.
	ByRoot []ProfileLine `json:"by_root"`
	// Path is the profile file (go tool pprof reads it).
	Path string `json:"path,omitempty"`
	Note string `json:"note,omitempty"`
}

// ProfileLine is one function or area and its share of the samples.
type ProfileLine struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	Percent float64 `json:"percent"`
}

// profileRead reads dataset to format in this process under the CPU
// profiler, and summarises the profile with go tool pprof.
func profileRead(ctx context.Context, dir, dataset string, seed int64, streams []string, format string, concurrency int, keep string) (*Profile, error) {
	path := keep
	if path == "" {
		path = filepath.Join(dir, "cpu.pprof")
	}
	wall, err := profiledRead(ctx, dir, dataset, seed, streams, format, concurrency, path)
	if err != nil {
		return nil, err
	}
	p := &Profile{Dataset: dataset, Format: format, WallSeconds: wall.Seconds()}
	if keep != "" {
		p.Path = keep
	}
	flat, total, err := pprofTop(ctx, path, "-flat")
	if err != nil {
		p.Note = "no summary: " + err.Error()
		return p, nil
	}
	cum, _, err := pprofTop(ctx, path, "-cum")
	if err != nil {
		p.Note = "no cumulative summary: " + err.Error()
	}
	p.summarise(flat, cum, total)
	return p, nil
}

// profiledRead serves dataset from a simulator, reads it to format with
// connector.Main in this process while the CPU profile is written to path,
// and returns the read's wall time.
func profiledRead(ctx context.Context, dir, dataset string, seed int64, streams []string, format string, concurrency int, path string) (time.Duration, error) {
	sim, err := startSim(dir, dataset, seed, "unlimited", 0, "unlimited", concurrency, 300)
	if err != nil {
		return 0, err
	}
	defer sim.close()
	out := filepath.Join(dir, "profile-out")
	defer os.RemoveAll(out)
	args := []string{"read", "--config", sim.config, "--allow-host", sim.host, "--format", format, "--output", out, "--log-level", "warn"}
	if len(streams) > 0 {
		args = append(args, "--streams", strings.Join(streams, ","))
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return 0, err
	}
	var stderr bytes.Buffer
	start := time.Now()
	code := connector.Main(ctx, args, connector.IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr})
	wall := time.Since(start)
	pprof.StopCPUProfile()
	if code != 0 {
		return 0, fmt.Errorf("profiled read exited %d: %s", code, tail(stderr.String(), 2000))
	}
	return wall, nil
}

// profileRoots are the functions whose cumulative time splits the process,
// with the label the report gives each.
var profileRoots = []struct{ fn, label string }{
	{"net/http.(*conn).serve", "simulator side: HTTP server and zoomsim handlers"},
	{"engine.(*engine).work.func1", "connector side: engine workers (HTTP client, JSON, records)"},
	{"jsonrec.AddKeys", "  of which adding parent keys (splice, or decode and re-encode)"},
	{"engine.(*checkpoint).loop", "connector side: the checkpoint writer (the output sink: Parquet conversion and encoding; commits)"},
	{"runtime.gcBgMarkWorker", "garbage collector workers (both sides)"},
}

// summarise fills Top, ByRoot, TopCum and ByArea from pprof's flat and
// cumulative lists, total being the sampled seconds.
func (p *Profile) summarise(flat, cum []ProfileLine, total float64) {
	p.SampledSeconds = total
	pct := func(s float64) float64 { return 100 * s / total }
	areas := map[string]float64{}
	for i, l := range flat {
		if i < 15 {
			p.Top = append(p.Top, ProfileLine{l.Name, l.Seconds, pct(l.Seconds)})
		}
		areas[area(l.Name)] += l.Seconds
	}
	for _, r := range profileRoots {
		for _, l := range cum {
			if strings.HasSuffix(l.Name, r.fn) {
				p.ByRoot = append(p.ByRoot, ProfileLine{r.label, l.Seconds, pct(l.Seconds)})
				break
			}
		}
	}
	for i, l := range cum {
		if i >= 15 {
			break
		}
		p.TopCum = append(p.TopCum, ProfileLine{l.Name, l.Seconds, pct(l.Seconds)})
	}
	for _, a := range sortedKeys(areas) {
		p.ByArea = append(p.ByArea, ProfileLine{a, areas[a], pct(areas[a])})
	}
	sort.SliceStable(p.ByArea, func(i, j int) bool { return p.ByArea[i].Seconds > p.ByArea[j].Seconds })
}

// area names the part of the program a function belongs to.
func area(fn string) string {
	switch {
	case strings.Contains(fn, "internal/zoomsim"):
		return "simulator (internal/zoomsim)"
	case strings.Contains(fn, "parquet-go"):
		return "Parquet encoding (parquet-go)"
	case strings.Contains(fn, "arrow-go"):
		return "Arrow encoding (arrow-go)"
	case strings.Contains(fn, "internal/output"):
		return "output conversion (internal/output)"
	case strings.Contains(fn, "internal/zoomapi"), strings.Contains(fn, "zoom-connector/connector"):
		return "connector engine and client"
	case strings.HasPrefix(fn, "encoding/json"), strings.Contains(fn, "go-json"):
		return "encoding/json"
	case strings.HasPrefix(fn, "net/http"), strings.HasPrefix(fn, "net."), strings.HasPrefix(fn, "internal/poll"),
		strings.HasPrefix(fn, "syscall"), strings.HasPrefix(fn, "bufio"), strings.HasPrefix(fn, "net/textproto"),
		strings.HasPrefix(fn, "internal/runtime/syscall"):
		return "HTTP and syscalls"
	case strings.HasPrefix(fn, "crypto/"), strings.HasPrefix(fn, "math/rand"):
		return "crypto and random (page tokens, tracking ids)"
	case strings.HasPrefix(fn, "runtime.gc"), strings.HasPrefix(fn, "runtime.scan"), strings.HasPrefix(fn, "runtime.mark"),
		strings.HasPrefix(fn, "runtime.greyobject"), strings.HasPrefix(fn, "runtime.findObject"), strings.HasPrefix(fn, "runtime.(*gcWork)"),
		strings.HasPrefix(fn, "runtime.(*mspan)"), strings.HasPrefix(fn, "runtime.spanOf"), strings.HasPrefix(fn, "runtime.typePointers"),
		strings.HasPrefix(fn, "runtime.(*gcBits)"), strings.HasPrefix(fn, "runtime.wbBuf"), strings.HasPrefix(fn, "runtime.bulkBarrier"),
		strings.HasPrefix(fn, "gcWriteBarrier"), strings.HasPrefix(fn, "runtime.sweepone"):
		return "garbage collection"
	case strings.HasPrefix(fn, "runtime.mallocgc"), strings.HasPrefix(fn, "runtime.memclr"), strings.HasPrefix(fn, "runtime.memmove"),
		strings.HasPrefix(fn, "runtime.(*mcache)"), strings.HasPrefix(fn, "runtime.(*mcentral)"), strings.HasPrefix(fn, "runtime.(*mheap)"),
		strings.HasPrefix(fn, "runtime.nextFreeFast"), strings.HasPrefix(fn, "runtime.growslice"), strings.HasPrefix(fn, "runtime.makeslice"),
		strings.HasPrefix(fn, "runtime.newobject"), strings.HasPrefix(fn, "runtime.heapSetType"):
		return "allocation and copying"
	case strings.HasPrefix(fn, "runtime.map"), strings.HasPrefix(fn, "internal/runtime/maps"), strings.HasPrefix(fn, "runtime.aeshash"),
		strings.HasPrefix(fn, "runtime.memhash"), strings.HasPrefix(fn, "runtime.strhash"):
		return "maps"
	case strings.HasPrefix(fn, "runtime."), strings.HasPrefix(fn, "internal/runtime"):
		return "scheduler and other runtime"
	case strings.HasPrefix(fn, "strconv"), strings.HasPrefix(fn, "unicode"), strings.HasPrefix(fn, "strings"),
		strings.HasPrefix(fn, "bytes"), strings.HasPrefix(fn, "sort"), strings.HasPrefix(fn, "slices"), strings.HasPrefix(fn, "reflect"),
		strings.HasPrefix(fn, "time."), strings.HasPrefix(fn, "fmt"), strings.HasPrefix(fn, "internal/"):
		return "strings, reflect and other std"
	}
	return "other"
}

// pprofTop runs go tool pprof -top over every node, sorted by flat or
// cumulative time, and returns (name, seconds) per function and the total
// sampled seconds.
func pprofTop(ctx context.Context, path, order string) ([]ProfileLine, float64, error) {
	cmd := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", order, "-nodecount=100000", "-nodefraction=0", "-edgefraction=0", path)
	out, err := cmd.Output()
	if err != nil {
		return nil, 0, fmt.Errorf("go tool pprof: %v", err)
	}
	var lines []ProfileLine
	total := 0.0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	inTable := false
	for sc.Scan() {
		t := sc.Text()
		if strings.Contains(t, "samples =") {
			// "Duration: 10s, Total samples = 9.5s (95%)"
			if i := strings.Index(t, "Total samples = "); i >= 0 {
				f := strings.Fields(t[i+len("Total samples = "):])
				if len(f) > 0 {
					total = parseDur(f[0])
				}
			}
		}
		if strings.HasPrefix(strings.TrimSpace(t), "flat") {
			inTable = true
			continue
		}
		if !inTable {
			continue
		}
		f := strings.Fields(t)
		if len(f) < 6 {
			continue
		}
		secs := parseDur(f[0])
		if order == "-cum" {
			secs = parseDur(f[3])
		}
		lines = append(lines, ProfileLine{Name: strings.Join(f[5:], " "), Seconds: secs})
	}
	if total == 0 {
		return nil, 0, fmt.Errorf("go tool pprof: no samples")
	}
	return lines, total, nil
}

func parseDur(s string) float64 {
	if d, err := time.ParseDuration(s); err == nil {
		return d.Seconds()
	}
	v, _ := strconv.ParseFloat(strings.TrimRight(s, "s%"), 64)
	return v
}
