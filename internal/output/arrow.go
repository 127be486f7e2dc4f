package output

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DefaultArrowBatchRows is the number of rows per Arrow record batch.
const DefaultArrowBatchRows = 8192

// ArrowOptions configures NewArrowWithOptions. Zero values select the defaults.
type ArrowOptions struct {
	// BatchRows is the maximum number of rows per record batch, which is
	// also what bounds the writer's memory. Default DefaultArrowBatchRows.
	BatchRows int
	// RollBytes closes a part once its file holds at least this many bytes
	// (checked after each batch). Default DefaultRollBytes.
	RollBytes int64
	// Allocator allocates the builders' buffers. Default memory.DefaultAllocator.
	Allocator memory.Allocator
}

// NewArrow returns a Writer producing Arrow IPC stream files under dir, one
// series of parts per stream named <stream>-00001.arrows, ..., with the
// default ArrowOptions. Every stream written must have a Schema in schemas.
func NewArrow(dir string, schemas map[string]*Schema) Writer {
	return NewArrowWithOptions(dir, schemas, ArrowOptions{})
}

// NewArrowWithOptions is NewArrow with explicit options. Each part is a
// complete IPC stream (schema message, record batches of up to BatchRows
// rows, end-of-stream marker) readable with ipc.NewReader.
func NewArrowWithOptions(dir string, schemas map[string]*Schema, opts ArrowOptions) Writer {
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultArrowBatchRows
	}
	if opts.RollBytes <= 0 {
		opts.RollBytes = DefaultRollBytes
	}
	if opts.Allocator == nil {
		opts.Allocator = memory.DefaultAllocator
	}
	return newFileWriter(dir, ".arrows", opts.RollBytes, func(stream string, w io.Writer) (partEncoder, error) {
		s, ok := schemas[stream]
		if !ok {
			return nil, fmt.Errorf("no schema for stream %q", stream)
		}
		return &arrowPart{
			schema: s,
			batch:  opts.BatchRows,
			b:      array.NewRecordBuilder(opts.Allocator, s.ArrowSchema()),
			w:      ipc.NewWriter(w, ipc.WithSchema(s.ArrowSchema()), ipc.WithAllocator(opts.Allocator)),
		}, nil
	})
}

type arrowPart struct {
	schema *Schema
	batch  int
	n      int
	b      *array.RecordBuilder
	w      *ipc.Writer
}

func (p *arrowPart) write(stream string, rec json.RawMessage) error {
	row, _, err := p.schema.Convert(rec)
	if err != nil {
		return err
	}
	for i, f := range p.schema.Fields {
		appendArrow(p.b.Field(i), f, row[i])
	}
	p.n++
	if p.n >= p.batch {
		return p.flush(stream)
	}
	return nil
}

func (p *arrowPart) flush(stream string) error {
	if p.n == 0 {
		return nil
	}
	rec := p.b.NewRecordBatch()
	defer rec.Release()
	p.n = 0
	if err := p.w.Write(rec); err != nil {
		return fmt.Errorf("stream %q: write arrow batch: %w", stream, err)
	}
	return nil
}

func (p *arrowPart) full() bool { return false }

func (p *arrowPart) close(stream string) error {
	defer p.b.Release()
	if err := p.flush(stream); err != nil {
		return err
	}
	if err := p.w.Close(); err != nil {
		return fmt.Errorf("stream %q: close arrow stream: %w", stream, err)
	}
	return nil
}

// appendArrow appends v, a Row value of field f, to b.
func appendArrow(b array.Builder, f *Field, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch f.Kind {
	case KindBool:
		b.(*array.BooleanBuilder).Append(v.(bool))
	case KindInt64:
		b.(*array.Int64Builder).Append(v.(int64))
	case KindFloat64:
		b.(*array.Float64Builder).Append(v.(float64))
	case KindTimestamp:
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(v.(int64)))
	case KindDate:
		b.(*array.Date32Builder).Append(arrow.Date32(v.(int32)))
	case KindStruct:
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		row := v.(Row)
		for i, c := range f.Fields {
			appendArrow(sb.FieldBuilder(i), c, row[i])
		}
	case KindList:
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		vb := lb.ValueBuilder()
		for _, x := range v.([]any) {
			appendArrow(vb, f.Elem, x)
		}
	default: // KindString, KindJSON
		b.(*array.StringBuilder).Append(v.(string))
	}
}
