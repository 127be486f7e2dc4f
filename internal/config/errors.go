package config

import (
	"strconv"
	"strings"
)

// Warning is a non-fatal remark about the configuration, such as a start
// date moved forward to Zoom's retention window.
type Warning struct {
	// Path is the JSON Pointer of the setting, e.g. "/start_date".
	Path string
	// Message explains the remark; it never contains a secret value.
	Message string
}

// String returns "path: message".
func (w Warning) String() string { return pathLabel(w.Path) + ": " + w.Message }

// Violation is one reason a configuration is invalid.
type Violation struct {
	// Path is the JSON Pointer of the offending setting, e.g. "/page_size";
	// "" is the configuration as a whole.
	Path string
	// Message says what is wrong; it never contains a secret value.
	Message string
}

// String returns "path: message".
func (v Violation) String() string { return pathLabel(v.Path) + ": " + v.Message }

// ValidationError lists every violation found in a configuration. Load,
// FromMap and Validate return it; use errors.As to reach the list.
type ValidationError struct {
	// Violations are sorted by path.
	Violations []Violation
}

// Error lists all violations: on one line when there is one, otherwise one
// per line after a count.
func (e *ValidationError) Error() string {
	switch len(e.Violations) {
	case 0:
		return "invalid config"
	case 1:
		return "invalid config: " + e.Violations[0].String()
	}
	var b strings.Builder
	b.WriteString("invalid config: ")
	b.WriteString(strconv.Itoa(len(e.Violations)))
	b.WriteString(" problems:")
	for _, v := range e.Violations {
		b.WriteString("\n  ")
		b.WriteString(v.String())
	}
	return b.String()
}

// Has reports whether some violation is at path.
func (e *ValidationError) Has(path string) bool {
	for _, v := range e.Violations {
		if v.Path == path {
			return true
		}
	}
	return false
}

func pathLabel(p string) string {
	if p == "" {
		return "(config)"
	}
	return p
}
