package output

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func writeAll(t testing.TB, w Writer, stream string, recs []string) {
	t.Helper()
	for _, r := range recs {
		if err := w.Write(stream, json.RawMessage(r)); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w := NewJSONL(dir, nil)
	writeAll(t, w, "meetings", meetingsRecords)
	if err := w.Write("meetings", json.RawMessage("{\n  \"id\": 9007199254740993,\n  \"x\": 1.50\n}\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := readJSONL(t, finalFiles(t, dir, "meetings", ".jsonl"))
	want := append(append([]string{}, meetingsRecords...), `{"id":9007199254740993,"x":1.50}`)
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d", len(lines), len(want))
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got  %s\n want %s", i, lines[i], want[i])
		}
	}
}

func TestArrowRoundTrip(t *testing.T) {
	t.Parallel()
	s := mustSchema(t, "meetings", meetingsSchema)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	dir := t.TempDir()
	w := NewArrowWithOptions(dir, map[string]*Schema{"meetings": s}, ArrowOptions{BatchRows: 2, Allocator: mem})
	writeAll(t, w, "meetings", meetingsRecords)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0)
	files := finalFiles(t, dir, "meetings", ".arrows")
	if len(files) != 1 {
		t.Fatalf("files %v", dirNames(t, dir))
	}
	compareRows(t, "arrow", readArrow(t, s, files), meetingsExpected())
}

func TestParquetRoundTrip(t *testing.T) {
	t.Parallel()
	s := mustSchema(t, "meetings", meetingsSchema)
	dir := t.TempDir()
	w := NewParquet(dir, map[string]*Schema{"meetings": s}, ParquetOptions{RowGroupRows: 2})
	writeAll(t, w, "meetings", meetingsRecords)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files := finalFiles(t, dir, "meetings", ".parquet")
	if len(files) != 1 {
		t.Fatalf("files %v", dirNames(t, dir))
	}
	compareRows(t, "parquet", readParquet(t, s, files), meetingsExpected())
	_ = filepath.Base
}
