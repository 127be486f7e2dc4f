package connector

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/parquet-go/parquet-go"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

// TestTruthFitsTypedColumns converts every record of the simulator's truth
// (which has Zoom's real shapes: space-separated poll times as the
// connector rewrites them, the fields Zoom sends beyond its documents) with
// the stream's output schema: no value may be left for _extra, so every one
// has a typed Arrow and Parquet column.
func TestTruthFitsTypedColumns(t *testing.T) {
	schemas, err := outputSchemas(streams.ZoomNames())
	if err != nil {
		t.Fatal(err)
	}
	d, err := zoomsim.Generate("small", 4, time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for name, recs := range d.Truth() {
		bad := 0
		for _, r := range recs {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			_, extra, err := schemas[name].Convert(b)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if extra != nil {
				if bad++; bad <= 2 {
					t.Errorf("%s: values without a typed column: %s", name, extra)
				}
			}
		}
		if bad > 2 {
			t.Errorf("%s: %d of %d records have values without a typed column", name, bad, len(recs))
		}
		total += len(recs)
	}
	if total == 0 {
		t.Fatal("no records in the truth")
	}
}

// assertNoExtra checks that every Arrow or Parquet part in dir has a null
// _extra column in every row: every value the read wrote is in its typed
// column (poll answer times as timestamps, the fields Zoom sends beyond
// its documents in their own columns).
func assertNoExtra(t *testing.T, dir, format string) {
	t.Helper()
	pattern := "*.parquet"
	if format == "arrow" {
		pattern = "*.arrows"
	}
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s parts in %s: %v", format, dir, err)
	}
	for _, f := range files {
		var n int64
		var err error
		if format == "arrow" {
			n, err = arrowExtraValues(f)
		} else {
			n, err = parquetExtraValues(f)
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows have values in _extra, want every value in a typed column", filepath.Base(f), n)
		}
	}
}

// arrowExtraValues counts the non-null _extra values of an Arrow IPC file.
func arrowExtraValues(path string) (int64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	r, err := ipc.NewReader(fh)
	if err != nil {
		return 0, err
	}
	defer r.Release()
	idx := r.Schema().FieldIndices("_extra")
	if len(idx) != 1 {
		return 0, errors.New("no _extra column")
	}
	var n int64
	for r.Next() {
		col := r.RecordBatch().Column(idx[0])
		n += int64(col.Len() - col.NullN())
	}
	return n, r.Err()
}

// parquetExtraValues counts the non-null _extra values of a Parquet file.
func parquetExtraValues(path string) (int64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return 0, err
	}
	pf, err := parquet.OpenFile(fh, st.Size())
	if err != nil {
		return 0, err
	}
	leaf, ok := pf.Schema().Lookup("_extra")
	if !ok {
		return 0, errors.New("no _extra column")
	}
	var n int64
	for _, rg := range pf.RowGroups() {
		pages := rg.ColumnChunks()[leaf.ColumnIndex].Pages()
		for {
			p, err := pages.ReadPage()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				pages.Close()
				return 0, err
			}
			n += p.NumValues() - p.NumNulls()
		}
		if err := pages.Close(); err != nil {
			return 0, err
		}
	}
	return n, nil
}
