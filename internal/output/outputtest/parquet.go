package outputtest

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"

	"github.com/zoom-connector/zoom-connector/internal/output"
)

// ReadParquetFile reads a Parquet file (a ".parquet" part) written for
// schema s with parquet-go and returns its rows as the JSON objects the
// connector received (see the package documentation for the exact
// rendering). The file's schema must equal s.ParquetSchema().
//
// Rows are read as raw parquet.Row values and assembled from their
// repetition and definition levels here, so the check does not rely on
// parquet-go's own record reconstruction, and a value left over or missing
// in any column is reported as an error.
func ReadParquetFile(path string, s *output.Schema) ([]map[string]any, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(fh, st.Size())
	if err != nil {
		return nil, fmt.Errorf("outputtest: %s: %w", path, err)
	}
	if got, want := pf.Schema().String(), s.ParquetSchema().String(); got != want {
		return nil, fmt.Errorf("outputtest: %s: parquet schema\n%s\ndiffers from the schema of stream %q\n%s", path, got, s.Stream, want)
	}
	a := newAssembler(s)
	out := make([]map[string]any, 0, pf.NumRows())
	buf := make([]parquet.Row, 128)
	for g, rg := range pf.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				m, aerr := a.record(row)
				if aerr != nil {
					rows.Close()
					return nil, fmt.Errorf("outputtest: %s: row group %d, row %d: %w", path, g, len(out), aerr)
				}
				out = append(out, m)
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("outputtest: %s: row group %d: %w", path, g, err)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("outputtest: %s: %w", path, err)
		}
	}
	if int64(len(out)) != pf.NumRows() {
		return nil, fmt.Errorf("outputtest: %s: read %d rows, the footer says %d", path, len(out), pf.NumRows())
	}
	return out, nil
}

// assembler rebuilds JSON records from parquet rows of one schema (Dremel
// record assembly). Leaf columns follow the IR's field order, which
// output.NewSchema checks to be parquet-go's column order.
type assembler struct {
	s     *output.Schema
	first map[*output.Field]int // index of the field's first leaf column
	count map[*output.Field]int // number of leaf columns under the field
	cols  [][]parquet.Value     // values of each leaf column in the current row
	pos   []int                 // next value of each column
	vals  []any
}

func newAssembler(s *output.Schema) *assembler {
	a := &assembler{s: s, first: map[*output.Field]int{}, count: map[*output.Field]int{}, vals: make([]any, len(s.Fields))}
	n := 0
	for _, f := range s.Fields {
		n = a.number(f, n)
	}
	a.cols = make([][]parquet.Value, n)
	a.pos = make([]int, n)
	return a
}

// number assigns leaf columns to f and its descendants from column col on,
// and returns the next column.
func (a *assembler) number(f *output.Field, col int) int {
	a.first[f] = col
	next := col + 1
	switch f.Kind {
	case output.KindStruct:
		next = col
		for _, c := range f.Fields {
			next = a.number(c, next)
		}
	case output.KindList:
		next = a.number(f.Elem, col)
	}
	a.count[f] = next - col
	return next
}

func (a *assembler) record(row parquet.Row) (map[string]any, error) {
	for i := range a.cols {
		a.cols[i], a.pos[i] = nil, 0
	}
	var err error
	row.Range(func(col int, vals []parquet.Value) bool {
		if col >= len(a.cols) {
			err = fmt.Errorf("row has column %d, the schema has %d leaf columns", col, len(a.cols))
			return false
		}
		a.cols[col] = vals
		return true
	})
	if err != nil {
		return nil, err
	}
	for i, f := range a.s.Fields {
		v, err := a.read(f, 0, 0)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", f.Name, err)
		}
		a.vals[i] = v
	}
	for col := range a.cols {
		if a.pos[col] != len(a.cols[col]) {
			return nil, fmt.Errorf("leaf column %d: %d values, the record used %d", col, len(a.cols[col]), a.pos[col])
		}
	}
	return finishRecord(a.s, a.vals)
}

func (a *assembler) peek(col int) (parquet.Value, bool) {
	if a.pos[col] >= len(a.cols[col]) {
		return parquet.Value{}, false
	}
	return a.cols[col][a.pos[col]], true
}

// skip consumes the single value that each leaf column under f holds when
// f or an ancestor is null.
func (a *assembler) skip(f *output.Field) error {
	for col := a.first[f]; col < a.first[f]+a.count[f]; col++ {
		if _, ok := a.peek(col); !ok {
			return fmt.Errorf("leaf column %d: missing a null value", col)
		}
		a.pos[col]++
	}
	return nil
}

// read consumes one instance of the optional field f, whose parent is
// defined at definition level d and which has depth repeated ancestors, and
// returns its JSON value (nil when null).
func (a *assembler) read(f *output.Field, d, depth int) (any, error) {
	col := a.first[f]
	v, ok := a.peek(col)
	if !ok {
		return nil, fmt.Errorf("leaf column %d: missing value", col)
	}
	if v.DefinitionLevel() <= d {
		return nil, a.skip(f)
	}
	d++ // f is defined
	switch f.Kind {
	case output.KindStruct:
		m := make(map[string]any, len(f.Fields))
		for _, c := range f.Fields {
			x, err := a.read(c, d, depth)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			if x != nil {
				m[c.Name] = x
			}
		}
		return m, nil
	case output.KindList:
		if v.DefinitionLevel() <= d { // the list is defined but has no element
			return []any{}, a.skip(f.Elem)
		}
		out := []any{}
		for {
			// d+1: the repeated group holds an element.
			x, err := a.read(f.Elem, d+1, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", len(out), err)
			}
			out = append(out, x)
			if next, ok := a.peek(col); !ok || next.RepetitionLevel() != depth+1 {
				return out, nil
			}
		}
	}
	a.pos[col]++
	if v.DefinitionLevel() != d {
		return nil, fmt.Errorf("leaf column %d: definition level %d, want %d", col, v.DefinitionLevel(), d)
	}
	if want := physicalKind(f.Kind); v.Kind() != want {
		return nil, fmt.Errorf("leaf column %d: %v value for a %v field", col, v.Kind(), f.Kind)
	}
	switch f.Kind {
	case output.KindBool:
		return v.Boolean(), nil
	case output.KindInt64:
		return renderInt64(v.Int64()), nil
	case output.KindFloat64:
		return renderFloat64(v.Double())
	case output.KindTimestamp:
		return renderTimestamp(v.Int64()), nil
	case output.KindDate:
		return renderDate(v.Int32()), nil
	case output.KindJSON:
		return renderJSON(string(v.ByteArray()))
	default: // KindString and ExtraColumn
		return string(v.ByteArray()), nil
	}
}

// physicalKind is the Parquet physical type output writes for a kind.
func physicalKind(k output.Kind) parquet.Kind {
	switch k {
	case output.KindBool:
		return parquet.Boolean
	case output.KindInt64, output.KindTimestamp:
		return parquet.Int64
	case output.KindFloat64:
		return parquet.Double
	case output.KindDate:
		return parquet.Int32
	}
	return parquet.ByteArray // KindString, KindJSON
}
