package airbyte

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
)

// MaxLineSize is the longest message line Reader accepts (64 MiB).
const MaxLineSize = 64 << 20

// Reader reads line-delimited AirbyteMessages, as a destination receives
// them on stdin. Blank lines are skipped. It is not safe for concurrent use.
type Reader struct {
	sc   *bufio.Scanner
	line int
	max  int
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader { return newReaderSize(r, MaxLineSize) }

func newReaderSize(r io.Reader, maxLine int) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, min(64<<10, maxLine)), maxLine)
	return &Reader{sc: sc, max: maxLine}
}

// Line returns the number of the line last read (1-based).
func (r *Reader) Line() int { return r.line }

// Next returns the next message, or io.EOF at the end of input. Errors name
// the line: a line over MaxLineSize, malformed JSON, or a message without a
// type.
func (r *Reader) Next() (*AirbyteMessage, error) {
	for {
		if !r.sc.Scan() {
			if err := r.sc.Err(); err != nil {
				if errors.Is(err, bufio.ErrTooLong) {
					return nil, fmt.Errorf("airbyte: line %d: message longer than %d bytes", r.line+1, r.max)
				}
				return nil, fmt.Errorf("airbyte: read line %d: %w", r.line+1, err)
			}
			return nil, io.EOF
		}
		r.line++
		b := bytes.TrimSpace(r.sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var msg AirbyteMessage
		if err := json.Unmarshal(b, &msg); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("airbyte: line %d, column %d: malformed message: %v", r.line, se.Offset, err)
			}
			return nil, fmt.Errorf("airbyte: line %d: malformed message: %w", r.line, err)
		}
		if msg.Type == "" {
			return nil, fmt.Errorf("airbyte: line %d: message has no type", r.line)
		}
		return &msg, nil
	}
}

// All iterates over the remaining messages. It stops after the first error,
// which it yields; io.EOF is not yielded.
func (r *Reader) All() iter.Seq2[*AirbyteMessage, error] {
	return func(yield func(*AirbyteMessage, error) bool) {
		for {
			msg, err := r.Next()
			if err == io.EOF {
				return
			}
			if !yield(msg, err) || err != nil {
				return
			}
		}
	}
}
