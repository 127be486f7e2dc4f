package airbyte

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Writer writes AirbyteMessages to an io.Writer, one JSON object per line.
// It is safe for concurrent use: each message is encoded outside the lock and
// written whole, so lines never interleave.
//
// Output is buffered. RECORD messages stay in the buffer until it fills or
// Flush is called; every other message (STATE, LOG, TRACE, ...) flushes the
// buffer after it is written, so a checkpoint or an error reaches the
// platform at once, after the records before it. After a write error every
// later call returns that error.
type Writer struct {
	mu      sync.Mutex
	bw      *bufio.Writer
	err     error
	now     func() time.Time
	bufSize int
	// names caches each stream's record prefix for WriteValidRecord.
	names map[string][]byte
	line  bytes.Buffer
}

// WriterOption configures a Writer.
type WriterOption func(*Writer)

// WithClock sets the clock used for emitted_at (default time.Now).
func WithClock(now func() time.Time) WriterOption {
	return func(w *Writer) { w.now = now }
}

// WithBufferSize sets the size of the output buffer (default 64 KiB).
func WithBufferSize(n int) WriterOption {
	return func(w *Writer) { w.bufSize = n }
}

// NewWriter returns a Writer on out with a 64 KiB buffer, unless
// WithBufferSize says otherwise.
func NewWriter(out io.Writer, opts ...WriterOption) *Writer {
	w := &Writer{now: time.Now, bufSize: 64 << 10}
	for _, o := range opts {
		o(w)
	}
	w.bw = bufio.NewWriterSize(out, w.bufSize)
	return w
}

// Encode returns msg as one line of JSON, newline included. HTML characters
// are not escaped and embedded raw JSON is compacted onto the line.
func Encode(msg *AirbyteMessage) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(msg); err != nil {
		return nil, fmt.Errorf("encode %s message: %w", msg.Type, err)
	}
	return buf.Bytes(), nil
}

// Write encodes msg and writes it as one line. An encoding error (for
// example invalid raw JSON in a record) is returned without writing and does
// not poison the Writer.
func (w *Writer) Write(msg *AirbyteMessage) error {
	line, err := Encode(msg)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if _, err := w.bw.Write(line); err != nil {
		w.err = fmt.Errorf("write %s message: %w", msg.Type, err)
		return w.err
	}
	if msg.Type != TypeRecord {
		if err := w.bw.Flush(); err != nil {
			w.err = fmt.Errorf("flush: %w", err)
			return w.err
		}
	}
	return nil
}

// Flush writes any buffered messages to the underlying io.Writer.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("flush: %w", err)
	}
	return w.err
}

func (w *Writer) nowMillis() int64 { return w.now().UnixMilli() }

// Record writes a RECORD message for stream with data (a JSON object).
func (w *Writer) Record(stream string, data json.RawMessage) error {
	return w.Write(&AirbyteMessage{Type: TypeRecord, Record: &AirbyteRecordMessage{
		Stream: stream, Data: data, EmittedAt: w.nowMillis(),
	}})
}

// WriteRecord writes rec as a RECORD message, setting EmittedAt when zero.
func (w *Writer) WriteRecord(rec AirbyteRecordMessage) error {
	if rec.EmittedAt == 0 {
		rec.EmittedAt = w.nowMillis()
	}
	return w.Write(&AirbyteMessage{Type: TypeRecord, Record: &rec})
}

// WriteValidRecord writes a RECORD message for stream with data and meta
// (nil for none), as WriteRecord would write it, without encoding data
// again: data must be one JSON object that the caller has validated (with
// json.Valid, or output.Schema.Inspect). It is written as is, compacted
// only when it spans lines. This is the read's hot path: a record costs a
// copy into the buffer and no allocation.
func (w *Writer) WriteValidRecord(stream string, data json.RawMessage, meta *AirbyteRecordMessageMeta) error {
	var metaJSON []byte
	if meta != nil {
		var err error
		if metaJSON, err = json.Marshal(meta); err != nil {
			return fmt.Errorf("encode RECORD meta: %w", err)
		}
	}
	ms := w.nowMillis()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	prefix, ok := w.names[stream]
	if !ok {
		name, err := json.Marshal(stream)
		if err != nil {
			return fmt.Errorf("encode stream name: %w", err)
		}
		prefix = append(append([]byte(`{"type":"RECORD","record":{"stream":`), name...), `,"data":`...)
		if w.names == nil {
			w.names = map[string][]byte{}
		}
		w.names[stream] = prefix
	}
	b := &w.line
	b.Reset()
	b.Write(prefix)
	data = bytes.TrimSpace(data)
	if bytes.IndexByte(data, '\n') >= 0 || bytes.IndexByte(data, '\r') >= 0 {
		if err := json.Compact(b, data); err != nil {
			return fmt.Errorf("encode RECORD message: %w", err)
		}
	} else {
		b.Write(data)
	}
	b.WriteString(`,"emitted_at":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), ms, 10))
	if metaJSON != nil {
		b.WriteString(`,"meta":`)
		b.Write(metaJSON)
	}
	b.WriteString("}}\n")
	if _, err := w.bw.Write(b.Bytes()); err != nil {
		w.err = fmt.Errorf("write RECORD message: %w", err)
		return w.err
	}
	return nil
}

// State writes a STREAM state message for stream. streamState is marshalled
// to JSON and must encode as an object (a json.RawMessage is used as is).
// recordCount, when non-nil, becomes sourceStats.recordCount: the number of
// records emitted for this stream since its previous state message.
//
// Call it only after every record the state covers has been passed to
// Record: the platform treats the state as a promise that they are out.
func (w *Writer) State(stream string, streamState any, recordCount *int64) error {
	raw, err := toRawObject(streamState)
	if err != nil {
		return fmt.Errorf("encode state of stream %s: %w", stream, err)
	}
	msg := &AirbyteStateMessage{
		Type: StateTypeStream,
		Stream: &AirbyteStreamState{
			StreamDescriptor: StreamDescriptor{Name: stream},
			StreamState:      raw,
		},
	}
	if recordCount != nil {
		msg.SourceStats = &AirbyteStateStats{RecordCount: NewCount(*recordCount)}
	}
	return w.Write(&AirbyteMessage{Type: TypeState, State: msg})
}

// WriteState writes st as a STATE message unchanged (for example to echo a
// state back from a destination).
func (w *Writer) WriteState(st AirbyteStateMessage) error {
	return w.Write(&AirbyteMessage{Type: TypeState, State: &st})
}

// Log writes a LOG message.
func (w *Writer) Log(level LogLevel, message string) error {
	return w.Write(&AirbyteMessage{Type: TypeLog, Log: &AirbyteLogMessage{Level: level, Message: message}})
}

func (w *Writer) trace(t *AirbyteTraceMessage) error {
	t.EmittedAt = float64(w.nowMillis())
	return w.Write(&AirbyteMessage{Type: TypeTrace, Trace: t})
}

// TraceError writes an ERROR trace: message is for the user, internal for
// developers (both must be free of secrets), stream may be "".
func (w *Writer) TraceError(message, internal string, failure FailureType, stream string) error {
	e := &AirbyteErrorTraceMessage{Message: message, InternalMessage: internal, FailureType: failure}
	if stream != "" {
		e.StreamDescriptor = &StreamDescriptor{Name: stream}
	}
	return w.trace(&AirbyteTraceMessage{Type: TraceError, Error: e})
}

// TraceEstimate writes a STREAM ESTIMATE trace with the expected row count.
func (w *Writer) TraceEstimate(stream string, rows int64) error {
	return w.trace(&AirbyteTraceMessage{Type: TraceEstimate, Estimate: &AirbyteEstimateTraceMessage{
		Name: stream, Type: EstimateStream, RowEstimate: &rows,
	}})
}

// TraceRequestEstimate writes the ESTIMATE trace of a stream's quota
// estimate (a STREAM estimate, as the row estimates are: the protocol asks
// a source not to mix STREAM and SYNC estimates).
func (w *Writer) TraceRequestEstimate(stream string, est *RequestEstimate) error {
	return w.trace(&AirbyteTraceMessage{Type: TraceEstimate, Estimate: &AirbyteEstimateTraceMessage{
		Name: stream, Type: EstimateStream, Requests: est,
	}})
}

// TraceStreamStatus writes a STREAM_STATUS trace for stream.
func (w *Writer) TraceStreamStatus(stream string, status AirbyteStreamStatus, reasons ...AirbyteStreamStatusReason) error {
	return w.trace(&AirbyteTraceMessage{Type: TraceStreamStatus, StreamStatus: &AirbyteStreamStatusTraceMessage{
		StreamDescriptor: StreamDescriptor{Name: stream}, Status: status, Reasons: reasons,
	}})
}

// RateLimited returns the RATE_LIMITED reason for TraceStreamStatus; a zero
// reset means the reset time is unknown.
func RateLimited(reset time.Time) AirbyteStreamStatusReason {
	r := AirbyteStreamStatusReason{Type: ReasonRateLimited, RateLimited: &AirbyteStreamStatusRateLimitedReason{}}
	if !reset.IsZero() {
		ms := reset.UnixMilli()
		r.RateLimited.QuotaReset = &ms
	}
	return r
}

// Spec writes a SPEC message.
func (w *Writer) Spec(spec ConnectorSpecification) error {
	return w.Write(&AirbyteMessage{Type: TypeSpec, Spec: &spec})
}

// ConnectionStatus writes a CONNECTION_STATUS message.
func (w *Writer) ConnectionStatus(status ConnectionStatus, message string) error {
	return w.Write(&AirbyteMessage{Type: TypeConnectionStatus, ConnectionStatus: &AirbyteConnectionStatus{Status: status, Message: message}})
}

// Catalog writes a CATALOG message. A nil stream list is written as [].
func (w *Writer) Catalog(cat AirbyteCatalog) error {
	if cat.Streams == nil {
		cat.Streams = []AirbyteStream{}
	}
	return w.Write(&AirbyteMessage{Type: TypeCatalog, Catalog: &cat})
}

// Control writes a CONNECTOR_CONFIG control message asking the platform to
// store config, which must encode as a JSON object holding the complete
// configuration with secrets in clear (a config.Config would marshal its
// secrets as "[redacted]": pass a map built with Reveal instead).
func (w *Writer) Control(config any) error {
	raw, err := toRawObject(config)
	if err != nil {
		return fmt.Errorf("encode connector config: %w", err)
	}
	return w.Write(&AirbyteMessage{Type: TypeControl, Control: &AirbyteControlMessage{
		Type: ControlConnectorConfig, EmittedAt: float64(w.nowMillis()),
		ConnectorConfig: &AirbyteControlConnectorConfigMessage{Config: raw},
	}})
}

// toRawObject marshals v and checks that it is a JSON object.
func toRawObject(v any) (json.RawMessage, error) {
	var raw []byte
	switch t := v.(type) {
	case json.RawMessage:
		raw = t
	case []byte:
		raw = t
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, errors.New("must be a JSON object")
	}
	return json.RawMessage(trimmed), nil
}
