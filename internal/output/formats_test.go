package output

import (
	"strings"
	"testing"
)

// TestFormatRegistry: every registered file format opens a writer, and an
// unknown name is an error that lists the known ones.
func TestFormatRegistry(t *testing.T) {
	t.Parallel()
	names := FileFormats()
	if strings.Join(names, ",") != "jsonl,arrow,parquet" {
		t.Fatalf("formats: %v", names)
	}
	for _, n := range names {
		w, err := Open(n, t.TempDir(), map[string]*Schema{})
		if err != nil || w == nil || !IsFileFormat(n) {
			t.Fatalf("%s: %v %v", n, w, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("%s: close: %v", n, err)
		}
	}
	if _, err := Open("csv", t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "jsonl, arrow, parquet") || IsFileFormat("airbyte") {
		t.Fatalf("unknown format: %v", err)
	}
}
