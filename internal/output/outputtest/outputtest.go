// Package outputtest reads the files written by package output back into
// the JSON records the connector received, for tests in other packages.
//
// ReadArrowFile and ReadParquetFile decode one part file (Arrow IPC stream
// or Parquet) against the stream's output.Schema and turn every row back
// into a JSON object as encoding/json would decode it with UseNumber:
//
//   - int64 columns become json.Number (exact, also beyond 2^53); float64
//     columns become json.Number holding encoding/json's rendering of the
//     float, so "1.50" in the original comes back as 1.5;
//   - timestamps become UTC RFC 3339 text as Zoom sends it,
//     "2006-01-02T15:04:05Z", with a fraction only when the stored value has
//     one (time.RFC3339Nano, trailing zeros trimmed); an original in another
//     offset comes back in UTC;
//   - dates become "2006-01-02";
//   - free-form JSON columns are parsed back (UseNumber);
//   - every member of the _extra column is put back into the record at its
//     path ("a", "a.b", "a[2].b"), with the value it had in the original.
//
// Null columns are omitted: a column cannot tell a JSON field that was
// absent from one that was null. Values kept as JSON text (free-form
// columns, _extra) keep their nulls, and list elements keep theirs. To
// compare with the original records, normalise both sides with DropNulls.
//
// A path in _extra is resolved against the schema: a prefix is taken as a
// struct or list column only when the schema has one of that name that is
// present in the row, so unknown keys containing "." or "[" come back as
// they were, except in the ambiguous case of an unknown key "s.x" next to a
// struct column "s" that has no field "x".
//
// ReadDir reads every complete part of every stream of an output folder.
package outputtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zoom-connector/zoom-connector/internal/output"
)

// Extension returns the file extension ("" if unknown) of the parts written
// for format, one of "jsonl", "arrow" and "parquet".
func Extension(format string) string {
	switch format {
	case "jsonl":
		return ".jsonl"
	case "arrow":
		return ".arrows"
	case "parquet":
		return ".parquet"
	}
	return ""
}

// StreamOfFile returns the stream of a part file name: "meetings-00002.parquet"
// and "meetings.parquet" both give "meetings".
func StreamOfFile(base string) string {
	name := strings.TrimSuffix(base, filepath.Ext(base))
	if i := strings.LastIndex(name, "-"); i > 0 && name[i+1:] != "" && strings.Trim(name[i+1:], "0123456789") == "" {
		name = name[:i]
	}
	return name
}

// ReadDir reads every part file of format ("jsonl", "arrow" or "parquet")
// in dir and returns the records of each stream, parts in file name (part
// number) order. Files of other formats, *.partial files (incomplete by the
// output's commit protocol), state.json, hidden files and folders are
// skipped. Arrow and Parquet parts are decoded with the stream's schema from
// schemas, which must hold every stream found; JSONL lines are decoded with
// UseNumber and schemas is not used.
func ReadDir(dir string, format string, schemas map[string]*output.Schema) (map[string][]map[string]any, error) {
	ext := Extension(format)
	if ext == "" {
		return nil, fmt.Errorf("outputtest: unknown format %q", format)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || n == "state.json" ||
			strings.HasSuffix(n, output.PartialSuffix) || filepath.Ext(n) != ext {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	out := map[string][]map[string]any{}
	for _, n := range names {
		stream := StreamOfFile(n)
		path := filepath.Join(dir, n)
		var recs []map[string]any
		if format == "jsonl" {
			recs, err = readJSONLFile(path)
		} else {
			s, ok := schemas[stream]
			if !ok {
				return nil, fmt.Errorf("outputtest: %s: no schema for stream %q", path, stream)
			}
			if format == "arrow" {
				recs, err = ReadArrowFile(path, s)
			} else {
				recs, err = ReadParquetFile(path, s)
			}
		}
		if err != nil {
			return nil, err
		}
		out[stream] = append(out[stream], recs...)
	}
	return out, nil
}

func readJSONLFile(path string) ([]map[string]any, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []map[string]any
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 256<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		v, err := decodeJSON(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("outputtest: %s:%d: %w", path, line, err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("outputtest: %s:%d: not a JSON object", path, line)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("outputtest: %s: %w", path, err)
	}
	return out, nil
}

// DropNulls returns v without its null-valued object members, at every
// depth; null elements of arrays are kept, as their position matters. v is a
// value as decoded by encoding/json (map[string]any, []any, scalars); other
// types are returned unchanged. v itself is not modified.
func DropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				m[k] = DropNulls(e)
			}
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = DropNulls(e)
		}
		return l
	}
	return v
}

// decodeJSON decodes one JSON value with UseNumber.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if rest := bytes.TrimSpace(b[dec.InputOffset():]); len(rest) > 0 {
		return nil, fmt.Errorf("data after the JSON value: %.40q", rest)
	}
	return v, nil
}
