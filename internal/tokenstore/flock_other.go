//go:build !unix

package tokenstore

import "os"

// flock is a no-op where syscall.Flock does not exist: there, only the
// in-process lock protects the file.
func flock(*os.File, bool) error { return nil }
