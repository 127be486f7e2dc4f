package output

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/parquet-go/parquet-go"
)

// finalFiles lists the final (complete) files of stream with ext in dir, in
// part order.
func finalFiles(t testing.TB, dir, stream, ext string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, stream+"-[0-9][0-9][0-9][0-9][0-9]"+ext))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// readJSONL returns the lines of the given files.
func readJSONL(t testing.TB, files []string) []string {
	t.Helper()
	var lines []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		fh.Close()
	}
	return lines
}

// readArrow reads Arrow IPC stream files with ipc.Reader and returns the
// normalized rows.
func readArrow(t testing.TB, s *Schema, files []string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ipc.NewReader(fh)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !r.Schema().Equal(s.ArrowSchema()) {
			t.Fatalf("%s: schema\n%v\nwant\n%v", f, r.Schema(), s.ArrowSchema())
		}
		for r.Next() {
			rec := r.RecordBatch()
			for i := 0; i < int(rec.NumRows()); i++ {
				row := map[string]any{}
				for j, fld := range s.Fields {
					row[fld.Name] = arrowValue(t, rec.Column(j), i, fld)
				}
				rows = append(rows, row)
			}
		}
		if err := r.Err(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		r.Release()
		fh.Close()
	}
	return rows
}

func arrowValue(t testing.TB, arr arrow.Array, i int, f *Field) any {
	if arr.IsNull(i) {
		return nil
	}
	switch f.Kind {
	case KindBool:
		return arr.(*array.Boolean).Value(i)
	case KindInt64:
		return arr.(*array.Int64).Value(i)
	case KindFloat64:
		return arr.(*array.Float64).Value(i)
	case KindTimestamp:
		return int64(arr.(*array.Timestamp).Value(i))
	case KindDate:
		return int32(arr.(*array.Date32).Value(i))
	case KindStruct:
		sa := arr.(*array.Struct)
		m := map[string]any{}
		for j, c := range f.Fields {
			m[c.Name] = arrowValue(t, sa.Field(j), i, c)
		}
		return m
	case KindList:
		la := arr.(*array.List)
		start, end := la.ValueOffsets(i)
		out := []any{}
		for k := start; k < end; k++ {
			out = append(out, arrowValue(t, la.ListValues(), int(k), f.Elem))
		}
		return out
	case KindJSON:
		return jsonText(arr.(*array.String).Value(i))
	}
	v := arr.(*array.String).Value(i)
	if f.Name == ExtraColumn {
		return jsonText(v)
	}
	return v
}

// readParquet reads Parquet files with parquet-go's GenericReader and
// returns the normalized rows.
func readParquet(t testing.TB, s *Schema, files []string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := fh.Stat()
		pf, err := parquet.OpenFile(fh, st.Size())
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got, want := pf.Schema().String(), s.ParquetSchema().String(); got != want {
			t.Fatalf("%s: schema\n%s\nwant\n%s", f, got, want)
		}
		r := parquet.NewGenericReader[map[string]any](pf, pf.Schema())
		n := pf.NumRows()
		buf := make([]map[string]any, n)
		for i := range buf {
			buf[i] = map[string]any{}
		}
		got, err := r.Read(buf)
		if int64(got) != n || (err != nil && err.Error() != "EOF") {
			t.Fatalf("%s: read %d of %d rows: %v", f, got, n, err)
		}
		raw := parquetRawJSON(t, pf, s)
		for i, m := range buf {
			row := map[string]any{}
			for _, fld := range s.Fields {
				row[fld.Name] = parquetValue(t, m[fld.Name], fld)
				if fld.Kind == KindJSON {
					// GenericReader decodes JSON numbers as float64; compare
					// the stored text, which must keep big integers exact.
					row[fld.Name] = raw[i][fld.Name]
				}
			}
			rows = append(rows, row)
		}
		r.Close()
		fh.Close()
	}
	return rows
}

func parquetValue(t testing.TB, v any, f *Field) any {
	if v == nil {
		return nil
	}
	switch f.Kind {
	case KindInt64, KindTimestamp:
		switch x := v.(type) {
		case int64:
			return x
		case time.Time:
			return x.UnixMicro()
		}
	case KindDate:
		switch x := v.(type) {
		case int32:
			return x
		case time.Time:
			return int32(x.Unix() / 86400)
		}
	case KindStruct:
		m := v.(map[string]any)
		out := map[string]any{}
		for _, c := range f.Fields {
			out[c.Name] = parquetValue(t, m[c.Name], c)
		}
		return out
	case KindList:
		out := []any{}
		for _, e := range v.([]any) {
			out = append(out, parquetValue(t, e, f.Elem))
		}
		return out
	case KindJSON:
		if b, ok := v.([]byte); ok {
			return jsonText(b)
		}
		if s, ok := v.(string); ok && json.Valid([]byte(s)) {
			return jsonText(s)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return jsonText(b)
	case KindString:
		if f.Name == ExtraColumn {
			return jsonText(v.(string))
		}
	}
	return v
}

// parquetRawJSON returns, per row, the stored text of the top-level JSON
// columns, read as raw parquet.Row values.
func parquetRawJSON(t testing.TB, pf *parquet.File, s *Schema) []map[string]any {
	t.Helper()
	cols := map[int]string{}
	for _, f := range s.Fields {
		if f.Kind == KindJSON {
			leaf, ok := pf.Schema().Lookup(f.Name)
			if !ok {
				t.Fatalf("no column %s", f.Name)
			}
			cols[leaf.ColumnIndex] = f.Name
		}
	}
	var out []map[string]any
	for _, rg := range pf.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 16)
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				m := map[string]any{}
				row.Range(func(col int, vals []parquet.Value) bool {
					if name, ok := cols[col]; ok {
						if vals[0].IsNull() {
							m[name] = nil
						} else {
							m[name] = jsonText(vals[0].ByteArray())
						}
					}
					return true
				})
				out = append(out, m)
			}
			if err != nil {
				break
			}
		}
		rows.Close()
	}
	return out
}

var _ = strings.TrimSpace
