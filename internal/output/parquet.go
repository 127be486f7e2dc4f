package output

import (
	"encoding/json"
	"fmt"
	"io"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// Defaults for ParquetOptions and the other file writers.
const (
	// DefaultRollBytes is the size after which a part file is closed and the
	// next records go to a new part.
	DefaultRollBytes int64 = 128 << 20
	// DefaultRowGroupRows bounds the rows buffered in memory per Parquet row group.
	DefaultRowGroupRows = 16 * 1024
)

// ParquetOptions configures NewParquet. Zero values select the defaults.
type ParquetOptions struct {
	// RollBytes closes a part once its file holds at least this many bytes
	// (checked after each row group is flushed). Default DefaultRollBytes.
	RollBytes int64
	// RowGroupRows is the maximum number of rows per row group, which is
	// also what bounds the writer's memory. Default DefaultRowGroupRows.
	RowGroupRows int
	// Compression is the page codec. Default zstd.
	Compression compress.Codec
}

// NewParquet returns a Writer producing Parquet files under dir, one series
// of parts per stream named <stream>-00001.parquet, <stream>-00002.parquet, ...
// Every stream written must have a Schema in schemas. See the package
// documentation for the commit protocol.
//
// Rows are encoded straight from the schema IR into Parquet column values
// (no pqarrow, no reflection), so int64 stays exact and the _extra rules are
// identical to the Arrow output. Every parquet-go call runs under recover();
// a panic becomes an error naming the stream.
func NewParquet(dir string, schemas map[string]*Schema, opts ParquetOptions) Writer {
	if opts.RollBytes <= 0 {
		opts.RollBytes = DefaultRollBytes
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.Compression == nil {
		opts.Compression = &zstd.Codec{}
	}
	return newFileWriter(dir, ".parquet", opts.RollBytes, func(stream string, w io.Writer) (partEncoder, error) {
		s, ok := schemas[stream]
		if !ok {
			return nil, fmt.Errorf("no schema for stream %q", stream)
		}
		e := &parquetPart{schema: s, enc: newParquetEncoder(s), groupRows: opts.RowGroupRows}
		err := guard(stream, func() error {
			e.w = parquet.NewWriter(w, s.ParquetSchema(),
				parquet.Compression(opts.Compression),
				parquet.MaxRowsPerRowGroup(int64(opts.RowGroupRows)),
				// Unbuffered: the part file already has a bufio.Writer, and
				// the roll check must see the bytes of each flushed row group.
				parquet.WriteBufferSize(0),
			)
			return nil
		})
		return e, err
	})
}

type parquetPart struct {
	schema *Schema
	enc    *parquetEncoder
	w      *parquet.Writer
	rows   [1]parquet.Row
	// groupRows is the row group size; n counts rows in the current group.
	groupRows, n int
	groups       int // row groups flushed
}

// maxRowGroups stays below parquet-go's limit of 32767 row groups per file.
const maxRowGroups = 32000

func (p *parquetPart) full() bool { return p.groups >= maxRowGroups }

func (p *parquetPart) write(stream string, rec json.RawMessage) error {
	row, _, err := p.schema.Convert(rec)
	if err != nil {
		return err
	}
	p.rows[0] = p.enc.encode(p.schema.Fields, row)
	return guard(stream, func() error {
		if _, err := p.w.WriteRows(p.rows[:]); err != nil {
			return err
		}
		// End the row group as soon as it is full, so its bytes reach the
		// file (and the roll check) now rather than with the next row.
		if p.n++; p.n >= p.groupRows {
			p.n = 0
			p.groups++
			return p.w.Flush()
		}
		return nil
	})
}

func (p *parquetPart) close(stream string) error {
	return guard(stream, p.w.Close)
}

// guard runs fn, turning a panic (parquet-go panics on some invalid input)
// into an error that names the stream.
func guard(stream string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("stream %q: parquet panic: %v", stream, r)
		}
	}()
	return fn()
}

// parquetEncoder turns IR rows into parquet.Row values with repetition and
// definition levels (Dremel encoding). Leaf column indexes follow the IR's
// field order, which NewSchema checked to match parquet-go's.
type parquetEncoder struct {
	cols   [][]parquet.Value
	row    parquet.Row
	leaves map[*Field]int
}

func newParquetEncoder(s *Schema) *parquetEncoder {
	e := &parquetEncoder{leaves: map[*Field]int{}}
	n := 0
	for _, f := range s.Fields {
		n += e.leafCount(f)
	}
	e.cols = make([][]parquet.Value, n)
	return e
}

func (e *parquetEncoder) leafCount(f *Field) int {
	if n, ok := e.leaves[f]; ok {
		return n
	}
	n := 1
	switch f.Kind {
	case KindStruct:
		n = 0
		for _, c := range f.Fields {
			n += e.leafCount(c)
		}
	case KindList:
		n = e.leafCount(f.Elem)
	}
	e.leaves[f] = n
	return n
}

// encode returns the parquet row for row; it is valid until the next call.
func (e *parquetEncoder) encode(fields []*Field, row Row) parquet.Row {
	for i := range e.cols {
		e.cols[i] = e.cols[i][:0]
	}
	col := 0
	for i, f := range fields {
		col = e.field(f, row[i], 0, 0, 0, col)
	}
	e.row = e.row[:0]
	for _, c := range e.cols {
		e.row = append(e.row, c...)
	}
	return e.row
}

// field appends the values of optional field f holding v, where r is the
// repetition level of its first value, d the definition level of its parent
// and depth the number of repeated ancestors. It returns the next column.
func (e *parquetEncoder) field(f *Field, v any, r, d, depth, col int) int {
	if v == nil {
		return e.nulls(f, r, d, col)
	}
	d++ // the optional field is present
	switch f.Kind {
	case KindStruct:
		row := v.(Row)
		for i, c := range f.Fields {
			col = e.field(c, row[i], r, d, depth, col)
		}
		return col
	case KindList:
		list := v.([]any)
		if len(list) == 0 {
			return e.nulls(f.Elem, r, d, col)
		}
		end := col
		for i, x := range list {
			ri := r
			if i > 0 {
				ri = depth + 1
			}
			// d+1: the repeated "list" group holds an element.
			end = e.field(f.Elem, x, ri, d+1, depth+1, col)
		}
		return end
	}
	var pv parquet.Value
	switch f.Kind {
	case KindBool:
		pv = parquet.BooleanValue(v.(bool))
	case KindInt64, KindTimestamp:
		pv = parquet.Int64Value(v.(int64))
	case KindFloat64:
		pv = parquet.DoubleValue(v.(float64))
	case KindDate:
		pv = parquet.Int32Value(v.(int32))
	default: // KindString, KindJSON
		s := v.(string)
		// parquet-go copies the bytes into its column buffers and never
		// writes to them, so the string's memory can be shared.
		pv = parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(s), len(s)))
	}
	e.cols[col] = append(e.cols[col], pv.Level(r, d, col))
	return col + 1
}

// nulls appends a null at definition level d to every leaf under f.
func (e *parquetEncoder) nulls(f *Field, r, d, col int) int {
	n := e.leafCount(f)
	for i := col; i < col+n; i++ {
		e.cols[i] = append(e.cols[i], parquet.NullValue().Level(r, d, i))
	}
	return col + n
}
