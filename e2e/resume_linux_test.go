//go:build linux

package e2e

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// killOnCreate kills cmd with SIGKILL the moment the nth file whose name
// starts with prefix is created in dir (inotify), waits for it to end,
// and reports whether it was killed (false: it ended before creating the
// nth file) and whether that file was still there afterwards (the kill
// landed before the file was renamed away).
func killOnCreate(t *testing.T, cmd *exec.Cmd, dir, prefix string, nth int) (killed, midWrite bool) {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
	if err != nil {
		t.Skipf("inotify: %v", err)
	}
	defer syscall.Close(fd)
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_CREATE); err != nil {
		t.Skipf("inotify watch: %v", err)
	}
	var stop sync.WaitGroup
	var victim string
	var finished bool
	var mu sync.Mutex
	stop.Add(1)
	go func() {
		defer stop.Done()
		buf := make([]byte, 64<<10)
		seen := 0
		for {
			n, err := syscall.Read(fd, buf)
			if err != nil || n <= 0 {
				return
			}
			mu.Lock()
			done := finished
			mu.Unlock()
			if done {
				return
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= n; {
				// struct inotify_event: wd, mask, cookie, len, name[len].
				l := int(binary.NativeEndian.Uint32(buf[off+12:]))
				end := min(off+syscall.SizeofInotifyEvent+l, n)
				name := strings.TrimRight(string(buf[off+syscall.SizeofInotifyEvent:end]), "\x00")
				off = end
				if strings.HasPrefix(name, prefix) {
					seen++
					if seen == nth {
						_ = cmd.Process.Signal(syscall.SIGKILL)
						mu.Lock()
						victim = name
						mu.Unlock()
						return
					}
				}
			}
		}
	}()
	_ = cmd.Wait()
	mu.Lock()
	finished = true
	v := victim
	mu.Unlock()
	if v == "" {
		// Wake the reader with one more event so that it returns.
		_ = os.WriteFile(filepath.Join(dir, "wake"), nil, 0o600)
	}
	stop.Wait()
	if v == "" {
		return false, false
	}
	_, err = os.Stat(filepath.Join(dir, v))
	return true, err == nil
}
