package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// NewJSONL returns a Writer producing newline-delimited JSON under dir, one
// series of parts per stream named <stream>-00001.jsonl, <stream>-00002.jsonl,
// ... Each line is the record exactly as received (numbers are never
// re-encoded); a record spanning several lines is compacted onto one, which
// keeps every literal as written. schemas is accepted for symmetry with the
// other outputs and is not used: JSONL needs no schema. Parts roll at
// DefaultRollBytes.
func NewJSONL(dir string, schemas map[string]*Schema) Writer {
	_ = schemas
	return newJSONL(dir, DefaultRollBytes)
}

func newJSONL(dir string, rollBytes int64) *fileWriter {
	return newFileWriter(dir, ".jsonl", rollBytes, func(stream string, w io.Writer) (partEncoder, error) {
		return &jsonlPart{w: w}, nil
	})
}

type jsonlPart struct {
	w   io.Writer
	buf bytes.Buffer
}

func (p *jsonlPart) write(stream string, rec json.RawMessage) error {
	rec = bytes.TrimSpace(rec)
	if len(rec) == 0 || rec[0] != '{' || !json.Valid(rec) {
		return fmt.Errorf("stream %q: %w", stream, ErrInvalidRecord)
	}
	line := []byte(rec)
	if bytes.IndexByte(rec, '\n') >= 0 || bytes.IndexByte(rec, '\r') >= 0 {
		p.buf.Reset()
		if err := json.Compact(&p.buf, rec); err != nil {
			return fmt.Errorf("stream %q: %w: %v", stream, ErrInvalidRecord, err)
		}
		line = p.buf.Bytes()
	}
	if _, err := p.w.Write(line); err != nil {
		return err
	}
	_, err := p.w.Write([]byte{'\n'})
	return err
}

func (p *jsonlPart) close(string) error { return nil }

func (p *jsonlPart) full() bool { return false }
