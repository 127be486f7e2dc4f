package connector

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"
)

// exitError is a command's failure with the exit code it maps to. Every
// command returns an error; exitStatus is the one place that turns it into
// a message on stderr and an exit code.
type exitError struct {
	code int
	err  error // nil: the command already said why (a report, a summary)
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError marks err as a usage or configuration error (exit 2).
func usageError(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitUsage, err: err}
}

// usagef is a usage or configuration error (exit 2).
func usagef(format string, a ...any) error {
	return usageError(fmt.Errorf(format, a...))
}

// configError is a configuration file that did not load (exit 2).
func configError(err error) error {
	return usageError(fmt.Errorf("configuration error: %w", err))
}

// errFailed ends a command with exit 1 when it has already reported why
// (a credentials report, a summary with failed rows or streams).
var errFailed error = &exitError{code: ExitFail}

// exitStatus is the exit code of a command's result, after writing its
// message ("zoom-connector NAME: ...") to stderr: 0 for nil and --help,
// the code of an exitError, else 1 (Zoom, the network, a file, the store).
func exitStatus(stdio IO, name string, err error) int {
	if err == nil || errors.Is(err, pflag.ErrHelp) {
		return ExitOK
	}
	code := ExitFail
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	if errors.Is(err, context.Canceled) && code == ExitFail {
		fmt.Fprintf(stdio.Stderr, "zoom-connector %s: interrupted: %v\n", name, err)
		return code
	}
	fmt.Fprintf(stdio.Stderr, "zoom-connector %s: %v\n", name, err)
	return code
}
