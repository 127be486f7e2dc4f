package config

import (
	"fmt"
	"log/slog"
)

// Redacted is the text every Secret prints, marshals and logs as.
const Redacted = "[redacted]"

// Secret is a string that never shows its value: String, GoString, every fmt
// verb, JSON and text marshalling, and slog all give "[redacted]". Call
// Reveal in the one place that needs the value (for example building the
// OAuth Basic header).
//
// A Secret decodes from a plain JSON string, so configuration files need no
// special syntax.
type Secret string

// Reveal returns the secret's value. Never log or wrap the result in an error.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String returns "[redacted]".
func (s Secret) String() string { return Redacted }

// GoString returns "[redacted]", so %#v does not show the value either.
func (s Secret) GoString() string { return Redacted }

// Format implements fmt.Formatter so that every verb (%v, %s, %q, %x, %d...)
// prints "[redacted]" instead of the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", Redacted)
		return
	}
	_, _ = f.Write([]byte(Redacted))
}

// MarshalJSON returns the JSON string "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText returns "[redacted]"; it covers encoders that use
// encoding.TextMarshaler (map keys, XML, some loggers).
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue implements slog.LogValuer and returns "[redacted]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// UnmarshalText sets the secret from text. It exists because MarshalText is
// defined; without it decoders would refuse to decode into a Secret.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret(b)
	return nil
}
