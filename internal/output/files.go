package output

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/zoom-connector/zoom-connector/internal/fsutil"
)

// Writer is the output of a sync: the file writers of this package and the
// Airbyte stdout output implement it. The file writers are safe for
// concurrent use (calls are serialised); after an I/O error every later call
// returns that error, so Commit never succeeds past lost records.
type Writer interface {
	// Write buffers one record of stream. rec is a JSON object.
	Write(stream string, rec json.RawMessage) error
	// Commit makes every record written so far durable and visible (files flushed, fsynced and renamed to their final names); state is emitted only after Commit returns nil.
	Commit() error
	// Close commits and releases everything; files appear under their final names only when complete.
	Close() error
}

// ErrClosed is returned by Write and Commit after Close.
var ErrClosed = errors.New("output: writer closed")

// PartialSuffix is appended to the final name of a part while it is being
// written. Files with this suffix are incomplete and must be ignored by readers.
const PartialSuffix = ".partial"

// partEncoder encodes records of one stream into one part file.
type partEncoder interface {
	// write encodes rec; an error wrapping ErrInvalidRecord means nothing was written.
	write(stream string, rec json.RawMessage) error
	// close finishes the file format (footer, end-of-stream marker).
	close(stream string) error
	// full reports that the part must roll whatever its size.
	full() bool
}

type openFunc func(stream string, w io.Writer) (partEncoder, error)

// fileWriter implements the part-file protocol shared by the JSONL, Arrow and
// Parquet outputs; the format lives in the partEncoder.
type fileWriter struct {
	mu        sync.Mutex
	dir       string
	ext       string
	rollBytes int64
	open      openFunc
	streams   map[string]*streamParts
	closed    bool
	err       error // sticky: a part may be corrupt, nothing more is committed
}

type streamParts struct {
	next int   // next part number; 0 until the directory was scanned
	cur  *part // nil when no records are pending
}

type part struct {
	f          *os.File
	bw         *bufio.Writer
	cw         countingWriter
	enc        partEncoder
	tmp, final string
	rows       int64 // records written to this part
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func newFileWriter(dir, ext string, rollBytes int64, open openFunc) *fileWriter {
	return &fileWriter{dir: dir, ext: ext, rollBytes: rollBytes, open: open, streams: map[string]*streamParts{}}
}

func validStreamName(s string) error {
	if s == "" || s[0] == '.' || strings.ContainsAny(s, "/\\\x00") {
		return fmt.Errorf("invalid stream name %q for a file name", s)
	}
	return nil
}

// Write implements Writer.
func (w *fileWriter) Write(stream string, rec json.RawMessage) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	sp := w.streams[stream]
	if sp == nil {
		if err := validStreamName(stream); err != nil {
			return err
		}
		sp = &streamParts{}
		w.streams[stream] = sp
	}
	if sp.cur == nil {
		p, err := w.openPart(stream, sp)
		if err != nil {
			return err // nothing half-written: not sticky
		}
		sp.cur = p
	}
	if err := sp.cur.enc.write(stream, rec); err != nil {
		if errors.Is(err, ErrInvalidRecord) {
			return err
		}
		return w.fail(fmt.Errorf("write stream %q: %w", stream, err))
	}
	sp.cur.rows++
	if sp.cur.cw.n >= w.rollBytes || sp.cur.enc.full() {
		if err := w.finish(stream, sp); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

func (w *fileWriter) fail(err error) error {
	w.err = err
	return err
}

// openPart creates <final>.partial for the stream's next part number.
func (w *fileWriter) openPart(stream string, sp *streamParts) (*part, error) {
	if sp.next == 0 {
		if err := os.MkdirAll(w.dir, 0o755); err != nil {
			return nil, fmt.Errorf("create output dir: %w", err)
		}
		n, err := w.lastPart(stream)
		if err != nil {
			return nil, err
		}
		sp.next = n + 1
	}
	final := filepath.Join(w.dir, fmt.Sprintf("%s-%05d%s", stream, sp.next, w.ext))
	p := &part{final: final, tmp: final + PartialSuffix}
	// Owner only: records hold personal data (emails, names, join links).
	f, err := os.OpenFile(p.tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create part of stream %q: %w", stream, err)
	}
	p.f = f
	p.bw = bufio.NewWriterSize(f, 256<<10)
	p.cw.w = p.bw
	enc, err := w.open(stream, &p.cw)
	if err != nil {
		f.Close()
		os.Remove(p.tmp)
		return nil, err
	}
	p.enc = enc
	sp.next++
	return p, nil
}

// lastPart returns the highest part number of stream already in the
// directory (final or partial), so a resumed sync never overwrites a part.
func (w *fileWriter) lastPart(stream string) (int, error) {
	entries, err := os.ReadDir(w.dir)
	if err != nil {
		return 0, fmt.Errorf("list output dir: %w", err)
	}
	max := 0
	prefix := stream + "-"
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), PartialSuffix)
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, w.ext) {
			continue
		}
		num := name[len(prefix) : len(name)-len(w.ext)]
		if n, err := strconv.Atoi(num); err == nil && n > 0 && num[0] != '+' && num[0] != '-' && n > max {
			max = n
		}
	}
	return max, nil
}

// finish completes the stream's current part: format footer, flush, fsync,
// rename to the final name and fsync the directory.
func (w *fileWriter) finish(stream string, sp *streamParts) error {
	p := sp.cur
	sp.cur = nil
	err := p.enc.close(stream)
	if err == nil {
		err = p.bw.Flush()
	}
	if err == nil {
		err = p.f.Sync()
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(p.tmp, p.final)
	}
	if err == nil {
		err = fsutil.SyncDir(w.dir)
	}
	if err != nil {
		return fmt.Errorf("commit %s: %w", filepath.Base(p.final), err)
	}
	return nil
}

// Commit implements Writer: every stream with records since the last Commit
// gets its current part completed and renamed to its final name. Streams
// without new records are left alone (no empty parts).
func (w *fileWriter) Commit() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	return w.commitLocked()
}

func (w *fileWriter) commitLocked() error {
	if w.err != nil {
		return w.err
	}
	names := make([]string, 0, len(w.streams))
	for name, sp := range w.streams {
		if sp.cur != nil && sp.cur.rows > 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if err := w.finish(name, w.streams[name]); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

// Close implements Writer. If the final Commit fails, the remaining open
// parts are closed and left under their .partial names.
func (w *fileWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	err := w.commitLocked()
	w.closed = true
	for name, sp := range w.streams {
		if p := sp.cur; p != nil {
			// Release the encoder's memory; the file stays .partial.
			_ = guard(name, func() error { return p.enc.close(name) })
			p.f.Close()
			if p.rows == 0 && w.err == nil {
				os.Remove(p.tmp) // opened for a record that was rejected
			}
			sp.cur = nil
		}
	}
	return err
}
