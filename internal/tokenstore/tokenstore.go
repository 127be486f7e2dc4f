package tokenstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// Environment variables that hold the token key.
const (
	// EnvKey holds the key itself: base64 (standard or URL alphabet,
	// padded or not) of exactly 32 bytes, e.g. from `openssl rand -base64 32`.
	EnvKey = "ZOOM_CONNECTOR_TOKEN_KEY"
	// EnvKeyFile names a file holding the key in the same base64 form. The
	// file must not be readable by group or others.
	EnvKeyFile = "ZOOM_CONNECTOR_TOKEN_KEY_FILE"
)

// DefaultTenant is the tenant of a single-account configuration (the CLI
// without --tenant).
const DefaultTenant = "default"

// Errors. Use errors.Is.
var (
	// ErrNotFound is returned by Store.Load when the tenant has no record.
	ErrNotFound = errors.New("tokenstore: no tokens stored for this tenant")
	// ErrWrongTenant is returned when a record does not authenticate under
	// its tenant id: it was copied from another tenant's slot, or tampered
	// with. The tokens are not returned.
	ErrWrongTenant = errors.New("tokenstore: record does not decrypt for this tenant (copied from another tenant, or tampered with)")
	// ErrWrongKey is returned when a record was sealed with a key the
	// Cipher does not hold.
	ErrWrongKey = errors.New("tokenstore: record was sealed with a different key")
	// ErrNoKey is returned by KeyFromEnv when neither variable is set.
	ErrNoKey = errors.New("tokenstore: no token key: set " + EnvKey + " (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or " + EnvKeyFile)
)

// Record is one tenant's tokens. RefreshToken is the only field needed to
// go on; AccessToken and Expiry spare a refresh after a restart.
type Record struct {
	RefreshToken string    `json:"refresh_token"`
	AccessToken  string    `json:"access_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scope        string    `json:"scope,omitempty"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
}

// String describes the record without any token.
func (r *Record) String() string {
	if r == nil {
		return "<nil record>"
	}
	return fmt.Sprintf("tokenstore.Record{refresh:%t access:%t expiry:%s updated:%s}",
		r.RefreshToken != "", r.AccessToken != "", r.Expiry.Format(time.RFC3339), r.UpdatedAt.Format(time.RFC3339))
}

// GoString is String, so %#v shows no token either.
func (r *Record) GoString() string { return r.String() }

// Store persists one encrypted Record per tenant.
//
// Save must be durable when it returns nil (the record survives a crash
// right after), and must replace the tenant's record atomically: a reader
// sees the old or the new record, never a mix. Load returns ErrNotFound for
// an unknown tenant, ErrWrongTenant or ErrWrongKey for a record that does
// not open. Delete of an unknown tenant is not an error. Implementations are
// safe for concurrent use within a process.
type Store interface {
	Load(ctx context.Context, tenant string) (*Record, error)
	Save(ctx context.Context, tenant string, rec *Record) error
	Delete(ctx context.Context, tenant string) error
}

// Cipher seals and opens records with AES-256-GCM bound to a tenant.
type Cipher struct {
	seal  keyEntry
	byID  map[uint32]keyEntry
	nonce func([]byte) error
}

type keyEntry struct {
	id   uint32
	aead cipher.AEAD
}

// format of a sealed record: version byte, 4-byte key id, 12-byte nonce,
// ciphertext with the 16-byte GCM tag.
const (
	formatV1   = 1
	headerLen  = 1 + 4 + 12
	aadLabel   = "zoom-connector/tokenstore/v1\x00tenant\x00"
	keyIDLabel = "zoom-connector/tokenstore key id\x00"
)

// NewCipher returns a Cipher sealing with keys[0] and opening records
// sealed with any of keys (older keys, for rotation). Each key must be 32
// bytes.
func NewCipher(keys ...[]byte) (*Cipher, error) {
	if len(keys) == 0 {
		return nil, errors.New("tokenstore: no key")
	}
	c := &Cipher{byID: map[uint32]keyEntry{}, nonce: func(b []byte) error { _, err := rand.Read(b); return err }}
	for i, k := range keys {
		if len(k) != 32 {
			return nil, fmt.Errorf("tokenstore: key %d is %d bytes, want 32 (AES-256)", i+1, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("tokenstore: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("tokenstore: %w", err)
		}
		e := keyEntry{id: KeyID(k), aead: aead}
		if i == 0 {
			c.seal = e
		}
		if _, dup := c.byID[e.id]; !dup {
			c.byID[e.id] = e
		}
	}
	return c, nil
}

// KeyID returns the public id of a key recorded in every sealed record:
// the first 4 bytes of SHA-256 over a fixed label and the key. It reveals
// nothing useful about the key.
func KeyID(key []byte) uint32 {
	h := sha256.Sum256(append([]byte(keyIDLabel), key...))
	return binary.BigEndian.Uint32(h[:4])
}

func aad(tenant string) []byte { return []byte(aadLabel + tenant) }

// Seal encrypts rec for tenant.
func (c *Cipher) Seal(tenant string, rec *Record) ([]byte, error) {
	if err := CheckTenant(tenant); err != nil {
		return nil, err
	}
	plain, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("tokenstore: encode record: %w", err)
	}
	out := make([]byte, headerLen, headerLen+len(plain)+c.seal.aead.Overhead())
	out[0] = formatV1
	binary.BigEndian.PutUint32(out[1:5], c.seal.id)
	if err := c.nonce(out[5:headerLen]); err != nil {
		return nil, fmt.Errorf("tokenstore: nonce: %w", err)
	}
	return c.seal.aead.Seal(out, out[5:headerLen], plain, aad(tenant)), nil
}

// Open decrypts a record sealed for tenant. A record sealed for another
// tenant gives ErrWrongTenant; one sealed with an unknown key ErrWrongKey.
func (c *Cipher) Open(tenant string, sealed []byte) (*Record, error) {
	if err := CheckTenant(tenant); err != nil {
		return nil, err
	}
	if len(sealed) < headerLen+16 || sealed[0] != formatV1 {
		return nil, fmt.Errorf("tokenstore: tenant %q: record is not a sealed token record (format %d)", tenant, firstByte(sealed))
	}
	id := binary.BigEndian.Uint32(sealed[1:5])
	e, ok := c.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w (tenant %q: record key id %08x, current key id %08x)", ErrWrongKey, tenant, id, c.seal.id)
	}
	plain, err := e.aead.Open(nil, sealed[5:headerLen], sealed[headerLen:], aad(tenant))
	if err != nil {
		return nil, fmt.Errorf("%w: tenant %q", ErrWrongTenant, tenant)
	}
	var rec Record
	if err := json.Unmarshal(plain, &rec); err != nil {
		return nil, fmt.Errorf("tokenstore: tenant %q: decode record: %w", tenant, err)
	}
	return &rec, nil
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}

// CheckTenant reports whether id is an acceptable tenant id: 1 to 128
// characters from letters, digits, '.', '_', '-', '@' and ':'.
func CheckTenant(id string) error {
	if id == "" || len(id) > 128 {
		return fmt.Errorf("tokenstore: tenant id must be 1 to 128 characters, got %d", len(id))
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@:", r)) {
			return fmt.Errorf("tokenstore: tenant id %q: only letters, digits and . _ - @ : are allowed", id)
		}
	}
	return nil
}

// ParseKey decodes a base64 key (standard or URL alphabet, padding
// optional, surrounding space ignored) and checks it is 32 bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != 32 {
				return nil, fmt.Errorf("tokenstore: key is %d bytes, want 32 (base64 of 32 random bytes)", len(k))
			}
			return k, nil
		}
	}
	return nil, errors.New("tokenstore: key is not valid base64 (want base64 of 32 random bytes)")
}

// KeyFromEnv returns the key from EnvKey, or else from the file named by
// EnvKeyFile, or ErrNoKey. getenv is usually os.Getenv.
func KeyFromEnv(getenv func(string) string) ([]byte, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if v := getenv(EnvKey); v != "" {
		k, err := ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvKey, err)
		}
		return k, nil
	}
	if p := getenv(EnvKeyFile); p != "" {
		return ReadKeyFile(p)
	}
	return nil, ErrNoKey
}

// ReadKeyFile reads a base64 key from path. It refuses a file that group
// or others may read (on systems with Unix permissions).
func ReadKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tokenstore: key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 && permsEnforced {
		return nil, fmt.Errorf("tokenstore: key file %s has mode %v: it must not be readable by group or others (chmod 600)", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenstore: key file: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return k, nil
}

// NewKey returns 32 random bytes and their base64 (standard) encoding.
func NewKey() ([]byte, string, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, "", err
	}
	return k, base64.StdEncoding.EncodeToString(k), nil
}

// KeyIDString formats KeyID for messages.
func KeyIDString(key []byte) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], KeyID(key))
	return hex.EncodeToString(b[:])
}

// Tenant is one tenant of a Store seen as a zoomapi.UserTokenStore, the
// persistence a refresh-token source needs.
type Tenant struct {
	Store Store
	ID    string
	// Now stamps UpdatedAt (default time.Now).
	Now func() time.Time
}

// LoadTokens implements zoomapi.UserTokenStore: it returns nil and no
// error when the tenant has no record.
func (t Tenant) LoadTokens(ctx context.Context) (*zoomapi.UserTokens, error) {
	rec, err := t.Store.Load(ctx, t.ID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &zoomapi.UserTokens{RefreshToken: rec.RefreshToken, AccessToken: rec.AccessToken, Expiry: rec.Expiry, Scope: rec.Scope}, nil
}

// SaveTokens implements zoomapi.UserTokenStore.
func (t Tenant) SaveTokens(ctx context.Context, u *zoomapi.UserTokens) error {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	return t.Store.Save(ctx, t.ID, &Record{RefreshToken: u.RefreshToken, AccessToken: u.AccessToken, Expiry: u.Expiry, Scope: u.Scope, UpdatedAt: now().UTC()})
}
