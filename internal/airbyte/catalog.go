package airbyte

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// ParseConfiguredCatalog reads the configured catalog file Airbyte passes to
// read (--catalog) and checks it with ValidateConfiguredCatalog.
func ParseConfiguredCatalog(path string) (*ConfiguredAirbyteCatalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	cat, err := DecodeConfiguredCatalog(data)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	return cat, nil
}

// DecodeConfiguredCatalog decodes and checks a configured catalog. Unknown
// fields are allowed (the protocol is open); syntax errors carry the line
// and column.
func DecodeConfiguredCatalog(data []byte) (*ConfiguredAirbyteCatalog, error) {
	var cat ConfiguredAirbyteCatalog
	if err := decodeJSON(data, &cat); err != nil {
		return nil, err
	}
	if err := ValidateConfiguredCatalog(&cat); err != nil {
		return nil, err
	}
	return &cat, nil
}

// ValidateConfiguredCatalog checks what the protocol requires of a
// configured catalog: a streams array, and in each stream a name, a known
// sync_mode and destination_sync_mode, and no duplicate stream. All
// problems are reported together.
func ValidateConfiguredCatalog(cat *ConfiguredAirbyteCatalog) error {
	if cat.Streams == nil {
		return errors.New("streams: required")
	}
	var errs []error
	seen := map[StreamDescriptor]bool{}
	for i, s := range cat.Streams {
		at := fmt.Sprintf("streams[%d]", i)
		if s.Stream.Name == "" {
			errs = append(errs, fmt.Errorf("%s.stream.name: required", at))
		} else {
			at = fmt.Sprintf("streams[%d] (%s)", i, s.Stream.Name)
		}
		switch s.SyncMode {
		case SyncFullRefresh, SyncIncremental:
		default:
			errs = append(errs, fmt.Errorf("%s.sync_mode: %q is not full_refresh or incremental", at, s.SyncMode))
		}
		switch s.DestinationSyncMode {
		case DestinationAppend, DestinationOverwrite, DestinationAppendDedup, DestinationUpdate, DestinationSoftDelete:
		default:
			errs = append(errs, fmt.Errorf("%s.destination_sync_mode: %q is not a destination sync mode", at, s.DestinationSyncMode))
		}
		d := StreamDescriptor{Name: s.Stream.Name, Namespace: s.Stream.Namespace}
		if d.Name != "" && seen[d] {
			errs = append(errs, fmt.Errorf("%s: stream listed twice", at))
		}
		seen[d] = true
	}
	return errors.Join(errs...)
}

// Stream returns the configured stream with the given name (any namespace).
func (c *ConfiguredAirbyteCatalog) Stream(name string) (*ConfiguredAirbyteStream, bool) {
	for i := range c.Streams {
		if c.Streams[i].Stream.Name == name {
			return &c.Streams[i], true
		}
	}
	return nil, false
}

// ParseStateFile reads the state file Airbyte passes to read (--state): a
// JSON array of AirbyteStateMessage. A legacy state (a bare JSON object) is
// returned as one LEGACY message holding it in Data; an empty file or null
// gives no messages.
func ParseStateFile(path string) ([]AirbyteStateMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	msgs, err := DecodeState(data)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	return msgs, nil
}

// DecodeState decodes state input as described in ParseStateFile.
func DecodeState(data []byte) ([]AirbyteStateMessage, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, nil
	}
	if trimmed[0] == '{' {
		var obj json.RawMessage
		if err := decodeJSON(trimmed, &obj); err != nil {
			return nil, err
		}
		return []AirbyteStateMessage{{Type: StateTypeLegacy, Data: obj}}, nil
	}
	var msgs []AirbyteStateMessage
	if err := decodeJSON(trimmed, &msgs); err != nil {
		return nil, err
	}
	for i, m := range msgs {
		if m.Type == StateTypeStream && (m.Stream == nil || m.Stream.StreamDescriptor.Name == "") {
			return nil, fmt.Errorf("state[%d]: STREAM state without stream.stream_descriptor.name", i)
		}
	}
	return msgs, nil
}

// decodeJSON decodes one JSON value, rejecting trailing data and reporting
// syntax and type errors with line and column.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := lineCol(data, se.Offset)
			return fmt.Errorf("line %d, column %d: %v", line, col, se)
		case errors.As(err, &te):
			line, col := lineCol(data, te.Offset)
			return fmt.Errorf("line %d, column %d: %s: expected %s, got JSON %s", line, col, te.Field, te.Type, te.Value)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("unexpected end of JSON input")
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := lineCol(data, dec.InputOffset())
		return fmt.Errorf("line %d, column %d: unexpected data after the JSON value", line, col)
	}
	return nil
}

func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, max(col, 1)
}
