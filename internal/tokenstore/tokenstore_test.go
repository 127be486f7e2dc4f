package tokenstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func testCipher(t *testing.T) (*Cipher, []byte) {
	t.Helper()
	k, _, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	return c, k
}

const canaryRefresh = "RT-canary-9f8e7d6c5b4a"

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	c, _ := testCipher(t)
	rec := &Record{RefreshToken: canaryRefresh, AccessToken: "AT-canary", Expiry: time.Unix(1700000000, 0).UTC(), Scope: "user:read"}
	sealed, err := c.Seal("tenant-a", rec)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), canaryRefresh) {
		t.Fatal("refresh token in clear")
	}
	again, _ := c.Seal("tenant-a", rec)
	if string(again) == string(sealed) {
		t.Error("two seals are identical: nonce reused")
	}
	got, err := c.Open("tenant-a", sealed)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *rec {
		t.Errorf("got %v", got)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", got, got, got, got); strings.Contains(s, canaryRefresh) || strings.Contains(s, "AT-canary") {
		t.Errorf("record prints a token: %s", s)
	}
}

func TestCrossTenantCiphertextFails(t *testing.T) {
	t.Parallel()
	c, _ := testCipher(t)
	dir := t.TempDir()
	fs, err := NewFileStore(filepath.Join(dir, "tokens.json"), c)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := fs.Save(ctx, "tenant-a", &Record{RefreshToken: canaryRefresh}); err != nil {
		t.Fatal(err)
	}
	if err := fs.Save(ctx, "tenant-b", &Record{RefreshToken: "RT-b-123456"}); err != nil {
		t.Fatal(err)
	}
	// Copy tenant a's sealed record into tenant b's slot, as an attacker
	// (or a buggy migration) with write access to the store could.
	raw, _ := os.ReadFile(fs.Path())
	var doc fileFormat
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc.Tenants["tenant-b"] = doc.Tenants["tenant-a"]
	raw, _ = json.Marshal(doc)
	if err := os.WriteFile(fs.Path(), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = fs.Load(ctx, "tenant-b")
	if !errors.Is(err, ErrWrongTenant) {
		t.Fatalf("copied record: want ErrWrongTenant, got %v", err)
	}
	if !strings.Contains(err.Error(), "tenant-b") || !strings.Contains(err.Error(), "copied from another tenant") || strings.Contains(err.Error(), canaryRefresh) {
		t.Errorf("message %q", err)
	}
	if rec, err := fs.Load(ctx, "tenant-a"); err != nil || rec.RefreshToken != canaryRefresh {
		t.Errorf("tenant a: %v", err)
	}
	// Tampering is caught the same way.
	sealed, _ := c.Seal("tenant-a", &Record{RefreshToken: canaryRefresh})
	sealed[len(sealed)-1] ^= 1
	if _, err := c.Open("tenant-a", sealed); !errors.Is(err, ErrWrongTenant) {
		t.Errorf("tampered: %v", err)
	}
}

func TestWrongKeyAndRotation(t *testing.T) {
	t.Parallel()
	oldC, oldK := testCipher(t)
	sealed, _ := oldC.Seal("t", &Record{RefreshToken: canaryRefresh})
	newC, newK := testCipher(t)
	if _, err := newC.Open("t", sealed); !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), KeyIDString(oldK)) {
		t.Errorf("wrong key: %v", err)
	}
	both, err := NewCipher(newK, oldK)
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := both.Open("t", sealed); err != nil || rec.RefreshToken != canaryRefresh {
		t.Errorf("old key after rotation: %v", err)
	}
	resealed, _ := both.Seal("t", &Record{RefreshToken: canaryRefresh})
	if _, err := newC.Open("t", resealed); err != nil {
		t.Errorf("new seals use the first key: %v", err)
	}
	if _, err := NewCipher(make([]byte, 16)); err == nil {
		t.Error("16-byte key accepted")
	}
}

func TestKeyFromEnv(t *testing.T) {
	t.Parallel()
	_, b64, _ := NewKey()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, err := KeyFromEnv(env(map[string]string{EnvKey: b64})); err != nil {
		t.Error(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(b64)
	if _, err := KeyFromEnv(env(map[string]string{EnvKey: base64.RawURLEncoding.EncodeToString(raw)})); err != nil {
		t.Errorf("raw URL base64: %v", err)
	}
	if _, err := KeyFromEnv(env(map[string]string{EnvKey: base64.StdEncoding.EncodeToString([]byte("short"))})); err == nil || !strings.Contains(err.Error(), "want 32") {
		t.Errorf("short key: %v", err)
	}
	if _, err := KeyFromEnv(env(nil)); !errors.Is(err, ErrNoKey) {
		t.Errorf("no key: %v", err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "key")
	if err := os.WriteFile(p, []byte(b64+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := KeyFromEnv(env(map[string]string{EnvKeyFile: p})); err != nil || len(k) != 32 {
		t.Errorf("key file: %v", err)
	}
	if permsEnforced {
		_ = os.Chmod(p, 0o644)
		if _, err := KeyFromEnv(env(map[string]string{EnvKeyFile: p})); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("world-readable key file: %v", err)
		}
	}
}

func TestFileStoreDurableAndAtomic(t *testing.T) {
	t.Parallel()
	c, _ := testCipher(t)
	p := filepath.Join(t.TempDir(), "sub", "tokens.json")
	fs, _ := NewFileStore(p, c)
	synced := 0
	fs.syncDir = func(string) error { synced++; return nil }
	ctx := context.Background()
	if _, err := fs.Load(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty store: %v", err)
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fs.Save(ctx, fmt.Sprintf("t%d", i), &Record{RefreshToken: fmt.Sprintf("rt-%d-xxxx", i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	tenants, _ := fs.Tenants()
	if len(tenants) != 10 || synced != 10 {
		t.Errorf("tenants %v, folder syncs %d", tenants, synced)
	}
	fi, _ := os.Stat(p)
	if permsEnforced && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(p)
	if strings.Contains(string(raw), "rt-3-xxxx") {
		t.Error("token in clear in the file")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".*tmp*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if err := fs.Delete(ctx, "t3"); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Load(ctx, "t3"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted: %v", err)
	}
	// A failing folder sync is an error: the save is not known durable.
	fs.syncDir = func(string) error { return errors.New("EIO") }
	if err := fs.Save(ctx, "t1", &Record{RefreshToken: "rt-new-xxxx"}); err == nil {
		t.Error("sync failure ignored")
	}
	if err := fs.Save(ctx, "../etc", &Record{RefreshToken: "rt"}); err == nil {
		t.Error("bad tenant id accepted")
	}
}

func TestTenantAdapter(t *testing.T) {
	t.Parallel()
	c, _ := testCipher(t)
	fs, _ := NewFileStore(filepath.Join(t.TempDir(), "tokens.json"), c)
	ten := Tenant{Store: fs, ID: DefaultTenant}
	ctx := context.Background()
	if got, err := ten.LoadTokens(ctx); got != nil || err != nil {
		t.Errorf("empty: %v %v", got, err)
	}
	if err := fs.Save(ctx, DefaultTenant, &Record{RefreshToken: canaryRefresh, AccessToken: "at"}); err != nil {
		t.Fatal(err)
	}
	got, err := ten.LoadTokens(ctx)
	if err != nil || got.RefreshToken != canaryRefresh || got.AccessToken != "at" {
		t.Errorf("got %v", err)
	}
}
