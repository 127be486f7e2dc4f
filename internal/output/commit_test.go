package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
)

const usersSchema = `{"type":"object","properties":{"id":{"type":"string"},"email":{"type":"string"}}}`

type format struct {
	name, ext string
	new       func(dir string, roll int64) Writer
	count     func(t testing.TB, stream string, files []string) int
}

func formats(t testing.TB) []format {
	schemas := map[string]*Schema{
		"meetings": mustSchema(t, "meetings", meetingsSchema),
		"users":    mustSchema(t, "users", usersSchema),
	}
	return []format{
		{"jsonl", ".jsonl",
			func(dir string, roll int64) Writer {
				if roll == 0 {
					return NewJSONL(dir, schemas)
				}
				return newJSONL(dir, roll)
			},
			func(t testing.TB, _ string, files []string) int { return len(readJSONL(t, files)) }},
		{"arrow", ".arrows",
			func(dir string, roll int64) Writer {
				return NewArrowWithOptions(dir, schemas, ArrowOptions{BatchRows: 10, RollBytes: roll})
			},
			func(t testing.TB, stream string, files []string) int {
				return len(readArrow(t, schemas[stream], files))
			}},
		{"parquet", ".parquet",
			func(dir string, roll int64) Writer {
				return NewParquet(dir, schemas, ParquetOptions{RowGroupRows: 10, RollBytes: roll})
			},
			func(t testing.TB, stream string, files []string) int {
				return len(readParquet(t, schemas[stream], files))
			}},
	}
}

func partName(stream string, n int, ext string) string {
	return fmt.Sprintf("%s-%05d%s", stream, n, ext)
}

func expectNames(t *testing.T, dir string, want ...string) {
	t.Helper()
	got := dirNames(t, dir)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
}

func TestCommitProtocol(t *testing.T) {
	t.Parallel()
	for _, f := range formats(t) {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "out") // created lazily
			w := f.new(dir, 0)
			writeAll(t, w, "meetings", meetingsRecords)
			p1 := partName("meetings", 1, f.ext)
			expectNames(t, dir, p1+PartialSuffix) // nothing final before Commit

			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			expectNames(t, dir, p1)
			if n := f.count(t, "meetings", []string{filepath.Join(dir, p1)}); n != 3 {
				t.Fatalf("committed part has %d rows, want 3", n)
			}
			if err := w.Commit(); err != nil { // no new records: no new part
				t.Fatal(err)
			}
			expectNames(t, dir, p1)

			writeAll(t, w, "meetings", meetingsRecords[:2])
			writeAll(t, w, "users", []string{`{"id":"u1","email":"a@b.c"}`})
			p2, u1 := partName("meetings", 2, f.ext), partName("users", 1, f.ext)
			expectNames(t, dir, p1, p2+PartialSuffix, u1+PartialSuffix)

			// Crash: w is abandoned without Close. Only complete final
			// files and temp files exist, and every final file reads.
			expectNames(t, dir, p1, p2+PartialSuffix, u1+PartialSuffix)
			if n := f.count(t, "meetings", finalFiles(t, dir, "meetings", f.ext)); n != 3 {
				t.Fatalf("after crash: %d committed rows, want 3", n)
			}

			// A resumed sync continues after the highest part number and
			// leaves the crashed run's temp files alone.
			w2 := f.new(dir, 0)
			writeAll(t, w2, "meetings", meetingsRecords[:1])
			if err := w2.Close(); err != nil {
				t.Fatal(err)
			}
			p3 := partName("meetings", 3, f.ext)
			expectNames(t, dir, p1, p2+PartialSuffix, p3, u1+PartialSuffix)
			if n := f.count(t, "meetings", finalFiles(t, dir, "meetings", f.ext)); n != 4 {
				t.Fatalf("after resume: %d rows, want 4", n)
			}
			if err := w2.Write("meetings", json.RawMessage(meetingsRecords[0])); !errors.Is(err, ErrClosed) {
				t.Fatalf("write after close: %v", err)
			}
			if err := w2.Close(); err != nil {
				t.Fatalf("second close: %v", err)
			}
			_ = w.Close() // release the abandoned writer's files
		})
	}
}

func TestRolling(t *testing.T) {
	t.Parallel()
	for _, f := range formats(t) {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			roll := int64(100)
			if f.name == "jsonl" {
				roll = int64(len(meetingsRecords[0])+1) * 10
			}
			w := f.new(dir, roll)
			recs := make([]string, 35)
			for i := range recs {
				recs[i] = meetingsRecords[0]
			}
			writeAll(t, w, "meetings", recs)
			// Rolled parts are complete and final before any Commit.
			want := []string{partName("meetings", 1, f.ext), partName("meetings", 2, f.ext), partName("meetings", 3, f.ext), partName("meetings", 4, f.ext) + PartialSuffix}
			expectNames(t, dir, want...)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			files := finalFiles(t, dir, "meetings", f.ext)
			if len(files) != 4 {
				t.Fatalf("files %v", dirNames(t, dir))
			}
			total := 0
			for _, file := range files {
				n := f.count(t, "meetings", []string{file})
				if n > 10 {
					t.Errorf("%s: %d rows, want <= 10", file, n)
				}
				total += n
			}
			if total != 35 {
				t.Fatalf("total rows %d, want 35", total)
			}
		})
	}
}

func TestInvalidRecordIsNotFatal(t *testing.T) {
	t.Parallel()
	for _, f := range formats(t) {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			w := f.new(dir, 0)
			for _, bad := range []string{`[1]`, `{"a":`, `null`} {
				if err := w.Write("users", json.RawMessage(bad)); !errors.Is(err, ErrInvalidRecord) {
					t.Fatalf("%s: %v", bad, err)
				}
			}
			if err := w.Commit(); err != nil { // the empty part is not committed
				t.Fatal(err)
			}
			expectNames(t, dir, partName("users", 1, f.ext)+PartialSuffix)
			writeAll(t, w, "users", []string{`{"id":"u1"}`})
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			expectNames(t, dir, partName("users", 1, f.ext))
		})
	}
	// A writer with a rejected record only removes its empty temp file on Close.
	dir := t.TempDir()
	w := NewJSONL(dir, nil)
	if err := w.Write("users", json.RawMessage(`1`)); !errors.Is(err, ErrInvalidRecord) {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	expectNames(t, dir)
}

func TestStreamErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, w := range []Writer{
		NewArrow(dir, map[string]*Schema{}),
		NewParquet(dir, map[string]*Schema{}, ParquetOptions{}),
	} {
		if err := w.Write("nope", json.RawMessage(`{}`)); err == nil || !strings.Contains(err.Error(), `"nope"`) {
			t.Errorf("missing schema: %v", err)
		}
		if err := w.Close(); err != nil {
			t.Errorf("close after missing schema: %v", err)
		}
	}
	w := NewJSONL(dir, nil)
	for _, name := range []string{"", "../x", "a/b", ".hidden"} {
		if err := w.Write(name, json.RawMessage(`{}`)); err == nil {
			t.Errorf("stream %q accepted", name)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	expectNames(t, dir)
}

// panicPart simulates parquet-go panicking in the middle of a write.
type panicPart struct {
	w interface{ Write([]byte) (int, error) }
}

func (p panicPart) write(stream string, rec json.RawMessage) error {
	return guard(stream, func() error {
		if strings.Contains(string(rec), "boom") {
			panic("index out of range")
		}
		_, err := p.w.Write(append(rec, '\n'))
		return err
	})
}
func (panicPart) close(string) error { return nil }
func (panicPart) full() bool         { return false }

func TestPanicBecomesStickyError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w := newFileWriter(dir, ".x", DefaultRollBytes, func(_ string, out io.Writer) (partEncoder, error) {
		return panicPart{out}, nil
	})
	writeAll(t, w, "meetings", []string{`{"a":1}`})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	err := w.Write("meetings", json.RawMessage(`{"boom":1}`))
	if err == nil || !strings.Contains(err.Error(), `stream "meetings"`) || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("err %v", err)
	}
	if err2 := w.Write("users", json.RawMessage(`{"a":1}`)); err2 == nil {
		t.Fatal("write after failure succeeded")
	}
	if err2 := w.Commit(); err2 == nil {
		t.Fatal("commit after failure succeeded: state would be emitted")
	}
	if err2 := w.Close(); err2 == nil {
		t.Fatal("close after failure succeeded")
	}
	expectNames(t, dir, "meetings-00001.x", "meetings-00002.x.partial")
}

func TestGuardRealParquetPanic(t *testing.T) {
	t.Parallel()
	s := mustSchema(t, "users", usersSchema)
	pw := parquet.NewWriter(&strings.Builder{}, s.ParquetSchema())
	// A row whose values name a column that does not exist.
	bad := parquet.Row{parquet.Int64Value(1).Level(0, 1, 42)}
	err := guard("users", func() error { _, err := pw.WriteRows([]parquet.Row{bad}); return err })
	if err == nil {
		t.Fatal("malformed row accepted")
	}
	t.Logf("malformed row: %v", err)
}

func TestConcurrentWritesAndCommits(t *testing.T) {
	t.Parallel()
	s := mustSchema(t, "users", usersSchema)
	dir := t.TempDir()
	w := NewParquet(dir, map[string]*Schema{"users": s, "admins": s}, ParquetOptions{RowGroupRows: 100})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := []string{"users", "admins"}[g%2]
			for i := range 500 {
				if err := w.Write(stream, json.RawMessage(fmt.Sprintf(`{"id":"%d-%d"}`, g, i))); err != nil {
					t.Error(err)
					return
				}
				if i%97 == 0 {
					if err := w.Commit(); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, stream := range []string{"users", "admins"} {
		if n := len(readParquet(t, s, finalFiles(t, dir, stream, ".parquet"))); n != 2000 {
			t.Errorf("%s: %d rows, want 2000", stream, n)
		}
	}
	for _, name := range dirNames(t, dir) {
		if strings.HasSuffix(name, PartialSuffix) {
			t.Errorf("leftover %s", name)
		}
	}
	_ = os.Remove
}
