package registrant

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// FileLedger is a ledger in an append-only file of JSON lines, one Entry a
// line (`write --ledger F`). A later line with the same key wins.
type FileLedger struct {
	mu      sync.Mutex
	f       *os.File
	entries map[string]Entry
	now     func() time.Time
}

// OpenFile reads the ledger at path (creating it if needed) and opens it
// for appending. A last line cut short by a crash is dropped (and the file
// truncated to the last complete line), so the next append starts clean.
// With readOnly (dry run) the file is read if it exists and never written.
func OpenFile(path string, readOnly bool) (*FileLedger, error) {
	l := &FileLedger{entries: map[string]Entry{}, now: time.Now}
	flag := os.O_RDWR | os.O_CREATE
	if readOnly {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(path, flag, 0o600)
	if readOnly && errors.Is(err, os.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	good, err := l.load(f, path)
	if err != nil || readOnly {
		f.Close()
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, fmt.Errorf("ledger: drop the incomplete last line: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("ledger: %w", err)
	}
	l.f = f
	return l, nil
}

// load reads the complete lines of f and returns their length.
func (l *FileLedger) load(f *os.File, path string) (int64, error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return 0, fmt.Errorf("read ledger: %w", err)
	}
	good := bytes.LastIndexByte(data, '\n') + 1
	sc := bufio.NewScanner(bytes.NewReader(data[:good]))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(b, &e); err != nil || e.Key == "" {
			return 0, fmt.Errorf("ledger %s: line %d is not a ledger entry", path, line)
		}
		l.entries[e.Key] = e
	}
	return int64(good), nil
}

// Len returns the number of entries.
func (l *FileLedger) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// Lookup implements Ledger.
func (l *FileLedger) Lookup(_ context.Context, key string) (Entry, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	return e, ok, nil
}

// Record implements Ledger: it appends entries (stamping At where it is
// empty) and fsyncs once. A read-only ledger keeps them in memory only.
func (l *FileLedger) Record(_ context.Context, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	at := l.now().UTC().Format(time.RFC3339)
	var buf bytes.Buffer
	for i := range entries {
		if entries[i].At == "" {
			entries[i].At = at
		}
		b, err := json.Marshal(entries[i])
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		if _, err := l.f.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("append to ledger: %w", err)
		}
		if err := l.f.Sync(); err != nil {
			return fmt.Errorf("sync ledger: %w", err)
		}
	}
	for _, e := range entries {
		l.entries[e.Key] = e
	}
	return nil
}

// Close implements Ledger.
func (l *FileLedger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
