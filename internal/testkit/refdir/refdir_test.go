package refdir

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMissing runs a test that finds the folder missing in a child
// process, with and without CI=true: it skips locally and fails in CI.
func TestMissing(t *testing.T) {
	if os.Getenv("REFDIR_CHILD") == "1" {
		Missing(t, "../shared/nothing-here not found: skipping")
		return
	}
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissing$", "-test.v")
		cmd.Env = append(os.Environ(), "REFDIR_CHILD=1", "CI="+ci)
		out, err := cmd.CombinedOutput()
		s := string(out)
		switch {
		case ci == "" && (err != nil || !strings.Contains(s, "--- SKIP") || !strings.Contains(s, "nothing-here")):
			t.Errorf("CI unset: want a skip naming the folder, got %v:\n%s", err, s)
		case ci == "true" && (err == nil || !strings.Contains(s, "--- FAIL") || !strings.Contains(s, "CI=true")):
			t.Errorf("CI=true: want a failure, got %v:\n%s", err, s)
		}
	}
}

func TestDir(t *testing.T) {
	if _, err := Dir("no-such-folder-in-shared"); err == nil || !strings.Contains(err.Error(), "no-such-folder-in-shared") {
		t.Errorf("Dir of a missing folder: %v", err)
	}
}
