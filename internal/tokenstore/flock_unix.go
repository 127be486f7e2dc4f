//go:build unix

package tokenstore

import (
	"os"
	"syscall"
)

// flock takes an advisory lock on f (exclusive or shared), waiting for it
// and retrying after signals.
func flock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}
