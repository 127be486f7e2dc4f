package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
)

func testCipher(t *testing.T) (*tokenstore.Cipher, []byte) {
	t.Helper()
	k, _, err := tokenstore.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	c, err := tokenstore.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	return c, k
}

func mustTokens(t *testing.T, s Store, c *tokenstore.Cipher) *TokenStore {
	t.Helper()
	ts, err := NewTokenStore(s, c)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestTokenStoreRoundTripDurable(t *testing.T) {
	backends(t, func(t *testing.T, open func() Store) {
		ctx := context.Background()
		c, _ := testCipher(t)
		s := open()
		ts := mustTokens(t, s, c)
		if _, err := ts.Load(ctx, "site-a"); !errors.Is(err, tokenstore.ErrNotFound) {
			t.Fatalf("load of an unknown tenant: %v", err)
		}
		exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		if err := ts.SaveConnected(ctx, "site-a", &tokenstore.Record{RefreshToken: "rt-A1", AccessToken: "at-A1", Expiry: exp},
			TenantAccount{AccountID: "acc1", UserID: "u1"}); err != nil {
			t.Fatal(err)
		}
		// A refresh saves without an account: the connect-time account stays.
		if err := ts.Save(ctx, "site-a", &tokenstore.Record{RefreshToken: "rt-A2", AccessToken: "at-A2", Expiry: exp}); err != nil {
			t.Fatal(err)
		}
		if err := ts.Save(ctx, "site-a", &tokenstore.Record{}); err == nil {
			t.Error("a record without a refresh token was saved")
		}
		if err := ts.Save(ctx, "bad tenant", &tokenstore.Record{RefreshToken: "x"}); err == nil {
			t.Error("an invalid tenant id was accepted")
		}
		// Reopened (another process, or after a crash): the last save is there.
		s.Close()
		if _, err := ts.Load(ctx, "site-a"); !errors.Is(err, ErrClosed) {
			t.Errorf("load after close: %v", err)
		}
		s = open()
		ts = mustTokens(t, s, c)
		rec, err := ts.Load(ctx, "site-a")
		if err != nil || rec.RefreshToken != "rt-A2" || rec.AccessToken != "at-A2" || !rec.Expiry.Equal(exp) {
			t.Fatalf("load = %v %v", rec, err)
		}
		a, ok, err := ts.Account(ctx, "site-a")
		if err != nil || !ok || a != (TenantAccount{AccountID: "acc1", UserID: "u1"}) {
			t.Fatalf("account = %+v %v %v", a, ok, err)
		}
		list, err := ts.Tenants(ctx)
		if err != nil || len(list) != 1 || list[0].Tenant != "site-a" || list[0].KeyID == 0 || list[0].UpdatedAt.IsZero() {
			t.Fatalf("tenants = %+v %v", list, err)
		}
		// No token in clear in the table.
		var raw []byte
		if err := s.(*sqlStore).b.read(ctx, func(q querier) error {
			return q.queryRow(ctx, `SELECT ciphertext FROM tenant_tokens WHERE tenant = ?`, "site-a").Scan(&raw)
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "rt-A2") || strings.Contains(string(raw), "at-A2") {
			t.Fatal("token stored in clear")
		}
		// Another key cannot open it, and says so.
		other, _ := testCipher(t)
		if _, err := mustTokens(t, s, other).Load(ctx, "site-a"); !errors.Is(err, tokenstore.ErrWrongKey) {
			t.Errorf("load with another key: %v", err)
		}
		if err := ts.Delete(ctx, "site-a"); err != nil {
			t.Fatal(err)
		}
		if err := ts.Delete(ctx, "site-a"); err != nil {
			t.Errorf("second delete: %v", err)
		}
		if _, err := ts.Load(ctx, "site-a"); !errors.Is(err, tokenstore.ErrNotFound) {
			t.Errorf("load after delete: %v", err)
		}
	})
}

// TestTokenStoreCrossTenant copies tenant A's row into tenant B's in SQL:
// B's record must not open (the tenant id is the AEAD associated data).
func TestTokenStoreCrossTenant(t *testing.T) {
	backends(t, func(t *testing.T, open func() Store) {
		ctx := context.Background()
		c, _ := testCipher(t)
		s := open()
		ts := mustTokens(t, s, c)
		for _, tn := range []string{"site-a", "site-b"} {
			if err := ts.Save(ctx, tn, &tokenstore.Record{RefreshToken: "rt-" + tn}); err != nil {
				t.Fatal(err)
			}
		}
		err := s.(*sqlStore).b.tx(ctx, func(q querier) error {
			_, err := q.exec(ctx, `UPDATE tenant_tokens SET ciphertext = (SELECT ciphertext FROM tenant_tokens WHERE tenant = ?) WHERE tenant = ?`, "site-a", "site-b")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := ts.Load(ctx, "site-b")
		if !errors.Is(err, tokenstore.ErrWrongTenant) || rec != nil {
			t.Fatalf("copied row: %v %v, want ErrWrongTenant", rec, err)
		}
		if !strings.Contains(err.Error(), `"site-b"`) || strings.Contains(err.Error(), "rt-site-a") {
			t.Errorf("error: %v", err)
		}
		// A's own row still opens.
		if rec, err := ts.Load(ctx, "site-a"); err != nil || rec.RefreshToken != "rt-site-a" {
			t.Fatalf("site-a: %v %v", rec, err)
		}
	})
}

func TestTokenStoreDeleteAccount(t *testing.T) {
	backends(t, func(t *testing.T, open func() Store) {
		ctx := context.Background()
		c, _ := testCipher(t)
		ts := mustTokens(t, open(), c)
		for tn, a := range map[string]TenantAccount{
			"a1": {AccountID: "ACC", UserID: "u1"},
			"a2": {AccountID: "ACC", UserID: "u2"},
			"a3": {AccountID: "ACC"},
			"b1": {AccountID: "OTHER", UserID: "u1"},
		} {
			if err := ts.SaveConnected(ctx, tn, &tokenstore.Record{RefreshToken: "rt"}, a); err != nil {
				t.Fatal(err)
			}
		}
		got, err := ts.DeleteAccount(ctx, "ACC", "u1")
		if err != nil || strings.Join(got, ",") != "a1,a3" {
			t.Fatalf("delete ACC/u1 = %v %v", got, err)
		}
		got, err = ts.DeleteAccount(ctx, "ACC", "")
		if err != nil || strings.Join(got, ",") != "a2" {
			t.Fatalf("delete ACC = %v %v", got, err)
		}
		if got, err := ts.DeleteAccount(ctx, "NOPE", ""); err != nil || len(got) != 0 {
			t.Fatalf("delete unknown = %v %v", got, err)
		}
		if _, err := ts.DeleteAccount(ctx, "", ""); err == nil {
			t.Error("empty account id accepted")
		}
		list, _ := ts.Tenants(ctx)
		if len(list) != 1 || list[0].Tenant != "b1" {
			t.Fatalf("left: %+v", list)
		}
	})
}

// TestTokenStoreConcurrentSaves: readers always see a whole record (old
// or new), never a mix, while another handle writes.
func TestTokenStoreConcurrentSaves(t *testing.T) {
	backends(t, func(t *testing.T, open func() Store) {
		ctx := context.Background()
		c, _ := testCipher(t)
		w, r := mustTokens(t, open(), c), mustTokens(t, open(), c)
		if err := w.Save(ctx, "t", &tokenstore.Record{RefreshToken: "rt-0", AccessToken: "at-0"}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for i := range 20 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				n := string(rune('a' + i))
				errs <- w.Save(ctx, "t", &tokenstore.Record{RefreshToken: "rt-" + n, AccessToken: "at-" + n})
			}()
			go func() {
				defer wg.Done()
				rec, err := r.Load(ctx, "t")
				if err == nil && strings.TrimPrefix(rec.RefreshToken, "rt-") != strings.TrimPrefix(rec.AccessToken, "at-") {
					err = errors.New("mixed record: " + rec.String())
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestNewTokenStoreChecks(t *testing.T) {
	t.Parallel()
	c, _ := testCipher(t)
	if _, err := NewTokenStore(nil, c); err == nil {
		t.Error("nil store accepted")
	}
	s := &sqlStore{}
	if _, err := NewTokenStore(s, nil); err == nil {
		t.Error("nil cipher accepted")
	}
}

// TestSaveInvitedOnce: an invitation connects once, whichever of many
// replicas (two Store handles on one database) uses it, even at once.
func TestSaveInvitedOnce(t *testing.T) {
	backends(t, func(t *testing.T, open func() Store) {
		ctx := context.Background()
		c, _ := testCipher(t)
		a, b := mustTokens(t, open(), c), mustTokens(t, open(), c)
		inv := Invite{Nonce: "nonce-1", Expires: time.Now().Add(time.Hour)}
		acct := TenantAccount{AccountID: "A1", UserID: "U1"}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ts := a
				if i%2 == 1 {
					ts = b
				}
				errs[i] = ts.SaveInvited(ctx, "site-d", &tokenstore.Record{RefreshToken: fmt.Sprintf("rt-%d", i)}, acct, inv)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrInviteUsed):
				t.Errorf("save: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d saves with one invitation, want 1", ok)
		}
		for _, ts := range []*TokenStore{a, b} {
			if used, err := ts.InviteUsed(ctx, "nonce-1"); err != nil || !used {
				t.Errorf("invite used: %v %v", used, err)
			}
		}
		if used, _ := a.InviteUsed(ctx, "nonce-2"); used {
			t.Error("an unused invitation reads as used")
		}
		if got, ok, _ := b.Account(ctx, "site-d"); !ok || got != acct {
			t.Errorf("account: %+v %v", got, ok)
		}
	})
}
