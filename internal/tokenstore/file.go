package tokenstore

import (
	"github.com/zoom-connector/zoom-connector/internal/fsutil"

	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
)

// permsEnforced is false where Unix permission bits mean little.
var permsEnforced = runtime.GOOS != "windows"

// fileFormat is the JSON document of a FileStore: sealed records by tenant,
// base64 encoded. Tenant ids are not secret; tokens are only in the sealed
// bytes.
type fileFormat struct {
	Version int               `json:"version"`
	Tenants map[string]string `json:"tenants"`
}

// FileStore is a Store in one JSON file (mode 0600). Every Save rewrites
// the file atomically and durably: a temporary file in the same folder,
// fsync, rename over the old file, fsync of the folder.
//
// It is safe for concurrent use within a process and, on Unix, across
// processes (and across FileStore values on the same path): Save and Delete
// hold an exclusive flock on the sibling file "<path>.lock" around their
// read-modify-write, and Load and Tenants a shared one, so one writer's
// rewrite never drops a record another writer saved meanwhile (losing a
// rotated refresh token loses the tenant's authorization). The lock file is
// left in place; removing it while a process holds it defeats the lock.
// Where flock does not exist (Windows) only the in-process lock applies.
type FileStore struct {
	path   string
	cipher *Cipher
	mu     sync.Mutex
	// syncDir is a test hook; nil means fsync the folder.
	syncDir func(dir string) error
}

// NewFileStore returns a FileStore at path sealing with c. The file is
// created by the first Save.
func NewFileStore(path string, c *Cipher) (*FileStore, error) {
	if path == "" {
		return nil, errors.New("tokenstore: empty token store path")
	}
	if c == nil {
		return nil, errors.New("tokenstore: nil cipher")
	}
	return &FileStore{path: path, cipher: c}, nil
}

// OpenFileStore is NewFileStore with the key from the environment
// (KeyFromEnv).
func OpenFileStore(path string, getenv func(string) string) (*FileStore, error) {
	key, err := KeyFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	c, err := NewCipher(key)
	if err != nil {
		return nil, err
	}
	return NewFileStore(path, c)
}

// Path returns the file's path.
func (f *FileStore) Path() string { return f.path }

func (f *FileStore) read() (*fileFormat, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &fileFormat{Version: 1, Tenants: map[string]string{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tokenstore: read %s: %w", f.path, err)
	}
	var doc fileFormat
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("tokenstore: %s is not a token store file: %w", f.path, err)
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("tokenstore: %s: unsupported version %d", f.path, doc.Version)
	}
	if doc.Tenants == nil {
		doc.Tenants = map[string]string{}
	}
	return &doc, nil
}

// Load implements Store.
func (f *FileStore) Load(ctx context.Context, tenant string) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := CheckTenant(tenant); err != nil {
		return nil, err
	}
	doc, err := f.readShared()
	if err != nil {
		return nil, err
	}
	enc, ok := doc.Tenants[tenant]
	if !ok {
		return nil, fmt.Errorf("%w: tenant %q in %s", ErrNotFound, tenant, f.path)
	}
	sealed, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("tokenstore: %s: tenant %q: record is not base64", f.path, tenant)
	}
	rec, err := f.cipher.Open(tenant, sealed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return rec, nil
}

// Save implements Store. It returns only after the new file is on disk.
func (f *FileStore) Save(ctx context.Context, tenant string, rec *Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if rec == nil || rec.RefreshToken == "" {
		return errors.New("tokenstore: refusing to save a record without a refresh token")
	}
	sealed, err := f.cipher.Seal(tenant, rec)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	unlock, err := f.lock(true)
	if err != nil {
		return err
	}
	defer unlock()
	doc, err := f.read()
	if err != nil {
		return err
	}
	doc.Tenants[tenant] = base64.StdEncoding.EncodeToString(sealed)
	return f.write(doc)
}

// Delete implements Store.
func (f *FileStore) Delete(ctx context.Context, tenant string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := CheckTenant(tenant); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	unlock, err := f.lock(true)
	if err != nil {
		return err
	}
	defer unlock()
	doc, err := f.read()
	if err != nil {
		return err
	}
	if _, ok := doc.Tenants[tenant]; !ok {
		return nil
	}
	delete(doc.Tenants, tenant)
	return f.write(doc)
}

// Tenants lists the tenants that have a record, sorted.
func (f *FileStore) Tenants() ([]string, error) {
	doc, err := f.readShared()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(doc.Tenants))
	for t := range doc.Tenants {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}

// lockPath is the sibling file that carries the cross-process lock. The
// store file itself cannot: it is replaced by a rename on every write, so a
// lock on it would guard a file that is no longer the store.
func (f *FileStore) lockPath() string { return f.path + ".lock" }

// lock takes the cross-process lock: exclusive for a read-modify-write,
// shared for a read. The caller holds f.mu when exclusive. The folder and
// the lock file are created if missing (0700 and 0600).
func (f *FileStore) lock(exclusive bool) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return nil, fmt.Errorf("tokenstore: create folder of %s: %w", f.path, err)
	}
	lf, err := os.OpenFile(f.lockPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil && !exclusive && errors.Is(err, fs.ErrPermission) {
		// A shared lock needs no write access: an existing lock file in a
		// read-only folder still serves.
		lf, err = os.Open(f.lockPath())
	}
	if err != nil {
		return nil, fmt.Errorf("tokenstore: open lock file: %w", err)
	}
	if err := flock(lf, exclusive); err != nil {
		lf.Close()
		return nil, fmt.Errorf("tokenstore: lock %s: %w", f.lockPath(), err)
	}
	// Closing the file releases the lock.
	return func() { _ = lf.Close() }, nil
}

// readShared reads the file under the in-process lock and a shared
// cross-process lock, so it never sees a writer's half-done update (the
// rename is atomic anyway) and never races a writer that holds the lock.
// A store whose folder does not exist yet is read without creating it.
func (f *FileStore) readShared() (*fileFormat, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := os.Stat(filepath.Dir(f.path)); errors.Is(err, fs.ErrNotExist) {
		return f.read()
	}
	unlock, err := f.lock(false)
	if err != nil {
		// A folder this process may read but not write: no writer can be
		// holding a lock file that cannot be created, so read as is.
		if !errors.Is(err, fs.ErrPermission) && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return f.read()
	}
	defer unlock()
	return f.read()
}

// write replaces the file: temp file, fsync, rename, fsync folder.
func (f *FileStore) write(doc *fileFormat) error {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("tokenstore: encode: %w", err)
	}
	b = append(b, '\n')
	return fsutil.WriteFileAtomic(f.path, b, 0o600, f.syncDir)
}

var _ Store = (*FileStore)(nil)
