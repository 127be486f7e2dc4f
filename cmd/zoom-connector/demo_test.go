package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoom-connector/zoom-connector/connector"
)

// TestDemo runs the demo command as the binary wires it: every stream of
// the simulated account to files, a table of them, exit 0.
func TestDemo(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	code := connector.Main(context.Background(), []string{"demo", "--dataset", "tiny", "--format", "jsonl", "--output", dir},
		connector.IO{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Demo: demoAccount})
	if code != connector.ExitOK {
		t.Fatalf("demo exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"credentials: ", "STREAM  ", "users-00001.jsonl", "records from", "API requests"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "state.json")); err != nil {
		t.Errorf("no state file: %v", err)
	}
	// Without the binary's wiring there is no demo, and it says so.
	errb.Reset()
	code = connector.Main(context.Background(), []string{"demo", "--output", dir}, connector.IO{Stdout: &out, Stderr: &errb})
	if code != connector.ExitFail || !strings.Contains(errb.String(), "no simulated Zoom account") {
		t.Fatalf("demo without a simulator: exit %d %q", code, errb.String())
	}
}

// TestLibraryDoesNotLinkTheSimulator: the connector package (what the
// commands are built from) does not depend on the simulator; only this
// binary's demo wiring does.
func TestLibraryDoesNotLinkTheSimulator(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/zoom-connector/zoom-connector/connector").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "internal/zoomsim") {
		t.Fatal("package connector links internal/zoomsim")
	}
}
