//go:build !linux

package e2e

import (
	"os/exec"
	"testing"
)

// killOnCreate needs inotify; elsewhere the mid-write kill points skip.
func killOnCreate(t *testing.T, cmd *exec.Cmd, dir, prefix string, nth int) (killed, midWrite bool) {
	t.Helper()
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	t.Skip("killing in the middle of a state write needs inotify (Linux)")
	return false, false
}
