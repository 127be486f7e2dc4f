package outputtest

import (
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/zoom-connector/zoom-connector/internal/output"
)

// ReadArrowFile reads an Arrow IPC stream file (a ".arrows" part) written
// for schema s with ipc.NewReader and returns its rows as the JSON objects
// the connector received (see the package documentation for the exact
// rendering). The file's Arrow schema must equal s.ArrowSchema().
func ReadArrowFile(path string, s *output.Schema) ([]map[string]any, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	r, err := ipc.NewReader(fh)
	if err != nil {
		return nil, fmt.Errorf("outputtest: %s: %w", path, err)
	}
	defer r.Release()
	if !r.Schema().Equal(s.ArrowSchema()) {
		return nil, fmt.Errorf("outputtest: %s: arrow schema\n%v\ndiffers from the schema of stream %q\n%v", path, r.Schema(), s.Stream, s.ArrowSchema())
	}
	var out []map[string]any
	vals := make([]any, len(s.Fields))
	for r.Next() {
		rec := r.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			for j, f := range s.Fields {
				v, err := arrowValue(rec.Column(j), i, f)
				if err != nil {
					return nil, fmt.Errorf("outputtest: %s: row %d: column %s: %w", path, len(out), f.Name, err)
				}
				vals[j] = v
			}
			m, err := finishRecord(s, vals)
			if err != nil {
				return nil, fmt.Errorf("outputtest: %s: row %d: %w", path, len(out), err)
			}
			out = append(out, m)
		}
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("outputtest: %s: %w", path, err)
	}
	return out, nil
}

// arrowValue returns the JSON value of row i of arr, a column of field f,
// or nil when it is null. Struct members that are null are omitted.
func arrowValue(arr arrow.Array, i int, f *output.Field) (any, error) {
	if arr.IsNull(i) {
		return nil, nil
	}
	switch f.Kind {
	case output.KindBool:
		return arr.(*array.Boolean).Value(i), nil
	case output.KindInt64:
		return renderInt64(arr.(*array.Int64).Value(i)), nil
	case output.KindFloat64:
		return renderFloat64(arr.(*array.Float64).Value(i))
	case output.KindTimestamp:
		return renderTimestamp(int64(arr.(*array.Timestamp).Value(i))), nil
	case output.KindDate:
		return renderDate(int32(arr.(*array.Date32).Value(i))), nil
	case output.KindStruct:
		sa := arr.(*array.Struct)
		m := make(map[string]any, len(f.Fields))
		for j, c := range f.Fields {
			v, err := arrowValue(sa.Field(j), i, c)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			if v != nil {
				m[c.Name] = v
			}
		}
		return m, nil
	case output.KindList:
		la := arr.(*array.List)
		start, end := la.ValueOffsets(i)
		out := make([]any, 0, end-start)
		for k := start; k < end; k++ {
			v, err := arrowValue(la.ListValues(), int(k), f.Elem)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", k-start, err)
			}
			out = append(out, v)
		}
		return out, nil
	case output.KindJSON:
		return renderJSON(arr.(*array.String).Value(i))
	default: // KindString and ExtraColumn
		return arr.(*array.String).Value(i), nil
	}
}
