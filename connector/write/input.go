package write

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/parquet-go/parquet-go"

	"github.com/zoom-connector/zoom-connector/internal/airbyte"
)

// Input formats of --input-format.
const (
	FormatJSONL   = "jsonl"
	FormatCSV     = "csv"
	FormatParquet = "parquet"
	FormatArrow   = "arrow"
)

// Formats lists the input formats.
var Formats = []string{FormatJSONL, FormatCSV, FormatParquet, FormatArrow}

// MaxLineBytes is the longest JSON line or Airbyte message accepted.
const MaxLineBytes = 16 << 20

// Item is one element of an input: a row (possibly malformed) or, in
// Airbyte mode, a STATE message that acts as a barrier.
type Item struct {
	// Row is the 1-based number of the row in the input: the line number for
	// JSON lines and Airbyte messages, the record number (header excluded)
	// for CSV, the row index plus one for Parquet and Arrow. Zero for a
	// STATE item.
	Row int
	// Data is the decoded row, with the upstream column names.
	Data map[string]any
	// Raw is the row as it came in, as a JSON object; nil for a malformed row.
	Raw json.RawMessage
	// RawText is a malformed row's text, as it came in.
	RawText string
	// Err says why the row is malformed; such a row is dead-lettered.
	Err error
	// State is an Airbyte STATE message to echo once every row before it is
	// committed or dead-lettered.
	State *airbyte.AirbyteStateMessage
}

// Source yields the items of an input in order. Next returns io.EOF at the
// end; any other error ends the run (unreadable input, not a malformed row).
type Source interface {
	Next() (Item, error)
}

// FormatFromPath guesses the input format from a file name's extension
// (.jsonl/.ndjson/.json, .csv, .parquet, .arrow/.arrows/.ipc), or "".
func FormatFromPath(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL
	case ".csv":
		return FormatCSV
	case ".parquet", ".pq":
		return FormatParquet
	case ".arrow", ".arrows", ".ipc", ".feather":
		return FormatArrow
	}
	return ""
}

// OpenInput opens path ("-" is stdin) in format and returns its Source and
// a function that releases it.
func OpenInput(path, format string, stdin io.Reader) (Source, func() error, error) {
	if format == "" {
		format = FormatFromPath(path)
	}
	if !slices.Contains(Formats, format) {
		return nil, nil, fmt.Errorf("--input-format %q: want one of %s", format, strings.Join(Formats, ", "))
	}
	var r io.Reader = stdin
	closer := func() error { return nil }
	var f *os.File
	if path != "-" {
		var err error
		f, err = os.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("open input: %w", err)
		}
		r, closer = f, f.Close
	}
	var src Source
	var err error
	switch format {
	case FormatJSONL:
		src = NewJSONLSource(r)
	case FormatCSV:
		src, err = NewCSVSource(r)
	case FormatParquet:
		if f != nil {
			st, serr := f.Stat()
			if serr != nil {
				err = serr
				break
			}
			src, err = NewParquetSource(f, st.Size())
		} else {
			b, rerr := io.ReadAll(r)
			if rerr != nil {
				err = rerr
				break
			}
			src, err = NewParquetSource(bytes.NewReader(b), int64(len(b)))
		}
	case FormatArrow:
		src, err = NewArrowSource(r)
	}
	if err != nil {
		_ = closer()
		return nil, nil, fmt.Errorf("read %s input: %w", format, err)
	}
	return src, closer, nil
}

// jsonlSource reads one JSON object per line.
type jsonlSource struct {
	sc   *bufio.Scanner
	line int
}

// NewJSONLSource reads JSON lines: one object per line, blank lines
// skipped. A line that is not a JSON object is a malformed row.
func NewJSONLSource(r io.Reader) Source {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	return &jsonlSource{sc: sc}
}

func (s *jsonlSource) Next() (Item, error) {
	for s.sc.Scan() {
		s.line++
		b := bytes.TrimSpace(s.sc.Bytes())
		if len(b) == 0 {
			continue
		}
		return decodeObjectItem(s.line, b), nil
	}
	if err := s.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Item{}, fmt.Errorf("line %d: longer than %d bytes", s.line+1, MaxLineBytes)
		}
		return Item{}, fmt.Errorf("read line %d: %w", s.line+1, err)
	}
	return Item{}, io.EOF
}

// decodeObjectItem decodes one JSON object line into an Item.
func decodeObjectItem(n int, b []byte) Item {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	err := dec.Decode(&m)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the object")
	}
	if err == nil && m == nil {
		err = errors.New("null, want a JSON object")
	}
	if err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			err = fmt.Errorf("a JSON %s, want an object", ute.Value)
		}
		return Item{Row: n, RawText: string(b), Err: fmt.Errorf("malformed JSON: %v", err)}
	}
	return Item{Row: n, Data: m, Raw: append(json.RawMessage(nil), b...)}
}

// csvSource reads a CSV file with a header line.
type csvSource struct {
	r      *csv.Reader
	header []string
	n      int
}

// NewCSVSource reads CSV with a header line naming the columns (a UTF-8
// byte-order mark, as spreadsheet exports write, is skipped). A record with
// the wrong number of fields, or that does not parse, is a malformed row.
func NewCSVSource(r io.Reader) (Source, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("empty CSV: want a header line")
	}
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	seen := map[string]bool{}
	for i, h := range header {
		header[i] = strings.TrimSpace(h)
		if header[i] == "" {
			return nil, fmt.Errorf("CSV header: column %d has no name", i+1)
		}
		if seen[header[i]] {
			return nil, fmt.Errorf("CSV header: column %q appears twice", header[i])
		}
		seen[header[i]] = true
	}
	return &csvSource{r: cr, header: slices.Clone(header)}, nil
}

func (s *csvSource) Next() (Item, error) {
	rec, err := s.r.Read()
	if err == io.EOF {
		return Item{}, io.EOF
	}
	s.n++
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return Item{}, fmt.Errorf("read CSV: %w", err)
		}
		text := csvLine(rec)
		if errors.Is(err, csv.ErrFieldCount) {
			return Item{Row: s.n, RawText: text, Err: fmt.Errorf("malformed CSV: %d fields, the header has %d", len(rec), len(s.header))}, nil
		}
		return Item{Row: s.n, RawText: text, Err: fmt.Errorf("malformed CSV (line %d): %v", pe.Line, pe.Err)}, nil
	}
	m := make(map[string]any, len(rec))
	var raw bytes.Buffer
	raw.WriteByte('{')
	for i, h := range s.header {
		m[h] = rec[i]
		if i > 0 {
			raw.WriteByte(',')
		}
		k, _ := json.Marshal(h)
		v, _ := json.Marshal(rec[i])
		raw.Write(k)
		raw.WriteByte(':')
		raw.Write(v)
	}
	raw.WriteByte('}')
	return Item{Row: s.n, Data: m, Raw: raw.Bytes()}, nil
}

// csvLine re-encodes fields as one CSV line, without the newline.
func csvLine(fields []string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(fields)
	w.Flush()
	return strings.TrimRight(b.String(), "\r\n")
}

// objectItem builds an Item from a decoded row of a columnar input.
func objectItem(n int, m map[string]any) Item {
	for k, v := range m {
		m[k] = plain(v)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return Item{Row: n, Err: fmt.Errorf("malformed row: %v", err)}
	}
	return Item{Row: n, Data: m, Raw: raw}
}

// plain converts columnar values into JSON-like values ([]byte → string).
func plain(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case map[string]any:
		for k, e := range x {
			x[k] = plain(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = plain(e)
		}
		return x
	}
	return v
}

// parquetSource reads rows of a Parquet file.
type parquetSource struct {
	r   *parquet.GenericReader[any]
	buf []any
	i   int
	n   int
	eof bool
}

// NewParquetSource reads the rows of a Parquet file; each row is an object
// keyed by column name.
func NewParquetSource(r io.ReaderAt, size int64) (src Source, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("not a readable Parquet file: %v", p)
		}
	}()
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a Parquet file: %w", err)
	}
	return &parquetSource{r: parquet.NewGenericReader[any](f)}, nil
}

func (s *parquetSource) Next() (it Item, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("read Parquet row %d: %v", s.n+1, p)
		}
	}()
	for s.i >= len(s.buf) {
		if s.eof {
			return Item{}, io.EOF
		}
		buf := make([]any, 256)
		k, rerr := s.r.Read(buf)
		s.buf, s.i = buf[:k], 0
		if rerr == io.EOF {
			s.eof = true
		} else if rerr != nil {
			return Item{}, fmt.Errorf("read Parquet: %w", rerr)
		}
	}
	v := s.buf[s.i]
	s.buf[s.i] = nil
	s.i++
	s.n++
	m, ok := v.(map[string]any)
	if !ok {
		return Item{Row: s.n, RawText: fmt.Sprint(v), Err: fmt.Errorf("malformed Parquet row: %T, want a group", v)}, nil
	}
	return objectItem(s.n, m), nil
}

// arrowSource reads rows of Arrow IPC record batches.
type arrowSource struct {
	next func() (arrow.RecordBatch, error)
	rec  arrow.RecordBatch
	i    int
	n    int
}

// NewArrowSource reads an Arrow IPC stream, or an Arrow IPC file (which
// starts with "ARROW1" and is read into memory).
func NewArrowSource(r io.Reader) (Source, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(6); err == nil && string(magic) == "ARROW1" {
		b, err := io.ReadAll(br)
		if err != nil {
			return nil, err
		}
		fr, err := ipc.NewFileReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("not an Arrow IPC file: %w", err)
		}
		i := 0
		return &arrowSource{next: func() (arrow.RecordBatch, error) {
			if i >= fr.NumRecords() {
				return nil, io.EOF
			}
			rec, err := fr.RecordBatch(i)
			i++
			return rec, err
		}}, nil
	}
	sr, err := ipc.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("not an Arrow IPC stream: %w", err)
	}
	return &arrowSource{next: func() (arrow.RecordBatch, error) {
		if !sr.Next() {
			if err := sr.Err(); err != nil && err != io.EOF {
				return nil, err
			}
			return nil, io.EOF
		}
		return sr.RecordBatch(), nil
	}}, nil
}

func (s *arrowSource) Next() (Item, error) {
	for s.rec == nil || s.i >= int(s.rec.NumRows()) {
		rec, err := s.next()
		if err == io.EOF {
			return Item{}, io.EOF
		}
		if err != nil {
			return Item{}, fmt.Errorf("read Arrow: %w", err)
		}
		s.rec, s.i = rec, 0
	}
	m := make(map[string]any, s.rec.NumCols())
	for c, f := range s.rec.Schema().Fields() {
		col := s.rec.Column(c)
		if col.IsNull(s.i) {
			continue
		}
		m[f.Name] = arrowValue(col, s.i)
	}
	s.i++
	s.n++
	return objectItem(s.n, m), nil
}

// arrowValue returns a JSON-like value of one cell.
func arrowValue(col arrow.Array, i int) any {
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	}
	// Lists, structs and the rest: through their JSON form.
	b, err := json.Marshal(col.GetOneForMarshal(i))
	if err != nil {
		return col.ValueStr(i)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return col.ValueStr(i)
	}
	return v
}

// airbyteSource reads Airbyte messages, as a destination gets them on stdin.
type airbyteSource struct {
	r       *airbyte.Reader
	streams map[string]bool
}

// NewAirbyteSource reads Airbyte messages: RECORD messages are rows (their
// data), STATE messages are barriers, other messages are skipped. A record
// of a stream the configured catalog does not list, and a line that is not
// a message, are malformed rows. streams nil accepts every stream.
func NewAirbyteSource(r io.Reader, streams []string) Source {
	s := &airbyteSource{r: airbyte.NewReader(r)}
	if streams != nil {
		s.streams = map[string]bool{}
		for _, n := range streams {
			s.streams[n] = true
		}
	}
	return s
}

func (s *airbyteSource) Next() (Item, error) {
	for {
		msg, err := s.r.Next()
		if err == io.EOF {
			return Item{}, io.EOF
		}
		line := s.r.Line()
		if err != nil {
			if strings.Contains(err.Error(), "longer than") {
				return Item{}, err
			}
			return Item{Row: line, Err: err}, nil
		}
		switch msg.Type {
		case airbyte.TypeState:
			if msg.State == nil {
				return Item{}, fmt.Errorf("airbyte: line %d: STATE message without state", line)
			}
			return Item{State: msg.State}, nil
		case airbyte.TypeRecord:
			if msg.Record == nil {
				return Item{Row: line, Err: errors.New("RECORD message without record")}, nil
			}
			if s.streams != nil && !s.streams[msg.Record.Stream] {
				return Item{Row: line, Raw: objectOrNil(msg.Record.Data), RawText: string(msg.Record.Data),
					Err: fmt.Errorf("stream %q is not in the configured catalog", msg.Record.Stream)}, nil
			}
			it := decodeObjectItem(line, msg.Record.Data)
			return it, nil
		}
	}
}

// objectOrNil returns b when it is a JSON object, else nil.
func objectOrNil(b json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] == '{' && json.Valid(t) {
		return t
	}
	return nil
}
