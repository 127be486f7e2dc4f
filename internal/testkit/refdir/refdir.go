// Package refdir finds the reference folder, shared/ beside the
// repository's directory (Zoom's OpenAPI documents, the Airbyte protocol,
// the facts file), for the tests that check against it, and decides what
// a test does when it is absent: skip on a developer's machine, fail in CI
// (CI=true), where a missing folder would otherwise turn the conformance,
// protocol and schema tests into skips while the packages still say ok.
package refdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Dir returns <repo>/../shared/<elem...>, where <repo> is the nearest
// directory at or above the working directory that holds go.mod, or an
// error naming what is missing.
func Dir(elem ...string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(append([]string{filepath.Dir(dir), "shared"}, elem...)...)
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("%s: %w", p, err)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// InCI reports whether the tests run in CI: the CI variable is true (as
// .ci/run and hosted CI services set it).
func InCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// Missing ends t because the reference folder (or a file in it) is
// absent: it skips t with the message, or with CI=true fails it, since a
// CI run must not pass without the checks that need the folder.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s\nCI=true: a failure, not a skip: the reference folder shared/ must sit beside the repository in CI (tests skip without it only when CI is not set)", msg)
	}
	t.Skip(msg)
}
