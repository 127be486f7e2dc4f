package tokenstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// Environment of the child process of TestFileStoreTwoProcesses.
const (
	envChildPath = "ZC_TOKENSTORE_CHILD_PATH"
	envChildKey  = "ZC_TOKENSTORE_CHILD_KEY"
	envChildN    = "ZC_TOKENSTORE_CHILD_N"
)

// TestMain lets a test run the test binary as a second process saving
// tenants into the same file.
func TestMain(m *testing.M) {
	if p := os.Getenv(envChildPath); p != "" {
		os.Exit(childSave(p))
	}
	os.Exit(m.Run())
}

// childSave saves tenants c0..c{N-1} into the store at path.
func childSave(path string) int {
	key, err := base64.StdEncoding.DecodeString(os.Getenv(envChildKey))
	if err != nil {
		return 3
	}
	n, err := strconv.Atoi(os.Getenv(envChildN))
	if err != nil {
		return 3
	}
	c, err := NewCipher(key)
	if err != nil {
		return 3
	}
	fs, err := NewFileStore(path, c)
	if err != nil {
		return 3
	}
	fs.syncDir = func(string) error { return nil }
	for i := range n {
		if err := fs.Save(context.Background(), fmt.Sprintf("c%d", i), &Record{RefreshToken: fmt.Sprintf("rt-c%d", i)}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// checkAll fails the test unless every tenant's record is in the file with
// its own refresh token.
func checkAll(t *testing.T, fs *FileStore, want map[string]string) {
	t.Helper()
	lost := 0
	for tenant, rt := range want {
		rec, err := fs.Load(context.Background(), tenant)
		if err != nil || rec.RefreshToken != rt {
			lost++
			if lost <= 5 {
				t.Errorf("tenant %s: %v (record lost)", tenant, err)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d tenants' records lost", lost, len(want))
	}
}

// TestFileStoreTwoValuesSamePath: two FileStore values on one path (as two
// processes would have) save different tenants at the same time; the
// read-modify-write of each Save must not drop the other's records.
func TestFileStoreTwoValuesSamePath(t *testing.T) {
	t.Parallel()
	c, _ := testCipher(t)
	p := filepath.Join(t.TempDir(), "tokens.json")
	a, _ := NewFileStore(p, c)
	b, _ := NewFileStore(p, c)
	for _, s := range []*FileStore{a, b} {
		s.syncDir = func(string) error { return nil }
	}
	const n = 40
	want := map[string]string{}
	var wg sync.WaitGroup
	for si, s := range []*FileStore{a, b} {
		for i := range n {
			tenant := fmt.Sprintf("s%d-t%d", si, i)
			want[tenant] = "rt-" + tenant
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				tenant := fmt.Sprintf("s%d-t%d", si, i)
				if err := s.Save(context.Background(), tenant, &Record{RefreshToken: "rt-" + tenant}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	// Deletes of other tenants run at the same time.
	if err := a.Save(context.Background(), "gone", &Record{RefreshToken: "rt-gone"}); err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := b.Delete(context.Background(), "gone"); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	checkAll(t, a, want)
	if _, err := b.Load(context.Background(), "gone"); err == nil {
		t.Error("deleted tenant is back")
	}
	if _, err := os.Stat(p + ".lock"); err != nil {
		t.Errorf("lock file: %v", err)
	}
}

// TestFileStoreTwoProcesses: this process and a child process save
// different tenants into one file at the same time; no record is lost.
func TestFileStoreTwoProcesses(t *testing.T) {
	t.Parallel()
	c, key := testCipher(t)
	p := filepath.Join(t.TempDir(), "tokens.json")
	fs, _ := NewFileStore(p, c)
	fs.syncDir = func(string) error { return nil }
	const n = 60
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChildPath+"="+p, envChildKey+"="+base64.StdEncoding.EncodeToString(key), envChildN+"="+strconv.Itoa(n))
	out := &syncBuffer{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Save this process's tenants over and over until the child is done,
	// so the two overlap whatever the child's start-up time.
	want := map[string]string{}
	var childErr error
	for i, running := 0, true; running || i < n; i++ {
		tenant := fmt.Sprintf("p%d", i%n)
		want[tenant] = "rt-" + tenant
		if err := fs.Save(context.Background(), tenant, &Record{RefreshToken: "rt-" + tenant}); err != nil {
			t.Fatal(err)
		}
		select {
		case childErr = <-done:
			running = false
		default:
		}
	}
	if childErr != nil {
		t.Fatalf("child: %v: %s", childErr, out.String())
	}
	for i := range n {
		want[fmt.Sprintf("c%d", i)] = fmt.Sprintf("rt-c%d", i)
	}
	checkAll(t, fs, want)
}

type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}
