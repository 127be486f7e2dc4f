package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/tokenstore"
)

// The tenant_tokens table keeps one sealed token record per tenant (a
// connected Zoom account), and the Zoom account and user that connected it,
// so that app_deauthorized can find the tenant. ciphertext is the output of
// tokenstore.Cipher.Seal with the tenant id as associated data: a row's
// ciphertext copied to another tenant's row does not open. key_id is the
// id of the sealing key (also inside the ciphertext), for key rotation.
const (
	sqliteTokensSchema = `
CREATE TABLE IF NOT EXISTS tenant_tokens (
	tenant     TEXT    PRIMARY KEY,
	ciphertext BLOB    NOT NULL,
	key_id     INTEGER NOT NULL,
	account_id TEXT    NOT NULL DEFAULT '',
	user_id    TEXT    NOT NULL DEFAULT '',
	updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tenant_tokens_account ON tenant_tokens (account_id);
CREATE TABLE IF NOT EXISTS connect_invites_used (
	nonce      TEXT    PRIMARY KEY,
	tenant     TEXT    NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL
);
`
	postgresTokensSchema = `
CREATE TABLE IF NOT EXISTS tenant_tokens (
	tenant     TEXT   PRIMARY KEY,
	ciphertext BYTEA  NOT NULL,
	key_id     BIGINT NOT NULL,
	account_id TEXT   NOT NULL DEFAULT '',
	user_id    TEXT   NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS tenant_tokens_account ON tenant_tokens (account_id);
CREATE TABLE IF NOT EXISTS connect_invites_used (
	nonce      TEXT   PRIMARY KEY,
	tenant     TEXT   NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at    BIGINT NOT NULL
);
`
)

// TenantAccount is the Zoom account and user that connected a tenant.
type TenantAccount struct {
	// AccountID is the Zoom account id (users/me account_id).
	AccountID string
	// UserID is the Zoom user id of the person who consented.
	UserID string
}

// TenantInfo describes a tenant's row without its tokens.
type TenantInfo struct {
	Tenant    string
	Account   TenantAccount
	KeyID     uint32
	UpdatedAt time.Time
}

// TokenStore is a tokenstore.Store in the serve store: the tenant_tokens
// table of a SQLite or PostgreSQL Store, one row per tenant holding the
// record sealed by a tokenstore.Cipher. Save is one upsert statement
// committed before it returns (SQLite: synchronous=FULL; PostgreSQL: a
// committed transaction), so a record is replaced atomically and durably.
// Rows are shared by every process using the same database.
type TokenStore struct {
	s      *sqlStore
	cipher *tokenstore.Cipher
	now    func() time.Time
}

// NewTokenStore returns the token store of s (a Store from Open) sealing
// records with c.
func NewTokenStore(s Store, c *tokenstore.Cipher) (*TokenStore, error) {
	ss, ok := s.(*sqlStore)
	if !ok {
		return nil, fmt.Errorf("store: %T does not keep tokens (use a store from store.Open)", s)
	}
	if c == nil {
		return nil, errors.New("store: token store: nil cipher")
	}
	return &TokenStore{s: ss, cipher: c, now: time.Now}, nil
}

// Load implements tokenstore.Store: tokenstore.ErrNotFound for a tenant
// without a row, tokenstore.ErrWrongTenant for a row that does not open
// under its tenant id (copied from another tenant, or tampered with),
// tokenstore.ErrWrongKey for one sealed with a key the cipher lacks.
func (t *TokenStore) Load(ctx context.Context, tenant string) (*tokenstore.Record, error) {
	if err := t.s.check(); err != nil {
		return nil, err
	}
	if err := tokenstore.CheckTenant(tenant); err != nil {
		return nil, err
	}
	var sealed []byte
	err := t.s.b.read(ctx, func(q querier) error {
		var b []byte
		if err := q.queryRow(ctx, `SELECT ciphertext FROM tenant_tokens WHERE tenant = ?`, tenant).Scan(&b); err != nil {
			return err
		}
		sealed = append([]byte(nil), b...)
		return nil
	})
	if errors.Is(err, errNoRows) {
		return nil, fmt.Errorf("%w: tenant %q", tokenstore.ErrNotFound, tenant)
	}
	if err != nil {
		return nil, wrap("load tokens", safeErr(err))
	}
	rec, err := t.cipher.Open(tenant, sealed)
	if err != nil {
		return nil, fmt.Errorf("store: tenant_tokens: %w", err)
	}
	return rec, nil
}

// Save implements tokenstore.Store: it replaces the tenant's sealed record
// and keeps the account recorded when the tenant was connected.
func (t *TokenStore) Save(ctx context.Context, tenant string, rec *tokenstore.Record) error {
	return t.save(ctx, tenant, rec, nil)
}

// SaveConnected saves the tokens of a newly connected tenant together with
// the Zoom account that connected it, in one statement.
func (t *TokenStore) SaveConnected(ctx context.Context, tenant string, rec *tokenstore.Record, a TenantAccount) error {
	return t.save(ctx, tenant, rec, &a)
}

func (t *TokenStore) save(ctx context.Context, tenant string, rec *tokenstore.Record, a *TenantAccount) error {
	if err := t.s.check(); err != nil {
		return err
	}
	if rec == nil || rec.RefreshToken == "" {
		return errors.New("store: refusing to save a token record without a refresh token")
	}
	sealed, err := t.cipher.Seal(tenant, rec)
	if err != nil {
		return err
	}
	keyID := int64(binary.BigEndian.Uint32(sealed[1:5]))
	now := t.now().UTC().UnixMilli()
	var q string
	args := []any{tenant, sealed, keyID}
	if a == nil {
		q = `INSERT INTO tenant_tokens (tenant, ciphertext, key_id, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (tenant) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id, updated_at = excluded.updated_at`
		args = append(args, now)
	} else {
		q = `INSERT INTO tenant_tokens (tenant, ciphertext, key_id, account_id, user_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id,
				account_id = excluded.account_id, user_id = excluded.user_id, updated_at = excluded.updated_at`
		args = append(args, a.AccountID, a.UserID, now)
	}
	err = t.s.b.tx(ctx, func(qr querier) error {
		_, err := qr.exec(ctx, q, args...)
		return err
	})
	return wrap("save tokens", safeErr(err))
}

// Invite identifies one connect invitation (see serve.NewInvite): its
// random nonce, and when it expires.
type Invite struct {
	Nonce   string
	Expires time.Time
}

// ErrInviteUsed is returned when a connect invitation was already used
// (by this process or any other sharing the database).
var ErrInviteUsed = errors.New("store: this connect invitation was already used")

// InviteUsed reports whether the invitation with nonce was used.
func (t *TokenStore) InviteUsed(ctx context.Context, nonce string) (bool, error) {
	if err := t.s.check(); err != nil {
		return false, err
	}
	var n int64
	err := t.s.b.read(ctx, func(q querier) error {
		return q.queryRow(ctx, `SELECT COUNT(*) FROM connect_invites_used WHERE nonce = ?`, nonce).Scan(&n)
	})
	if err != nil {
		return false, wrap("connect invitation", safeErr(err))
	}
	return n > 0, nil
}

// SaveInvited is SaveConnected for a connection opened with an
// invitation: in one transaction it records the invitation as used and
// saves the tokens, or it returns ErrInviteUsed and saves nothing. Every
// process sharing the database sees the same invitation used once.
// Invitations expired for a day are forgotten (they no longer verify).
func (t *TokenStore) SaveInvited(ctx context.Context, tenant string, rec *tokenstore.Record, a TenantAccount, inv Invite) error {
	if err := t.s.check(); err != nil {
		return err
	}
	if rec == nil || rec.RefreshToken == "" {
		return errors.New("store: refusing to save a token record without a refresh token")
	}
	if inv.Nonce == "" {
		return errors.New("store: save invited tenant: no invitation")
	}
	sealed, err := t.cipher.Seal(tenant, rec)
	if err != nil {
		return err
	}
	keyID := int64(binary.BigEndian.Uint32(sealed[1:5]))
	now := t.now().UTC()
	err = t.s.b.tx(ctx, func(q querier) error {
		if _, err := q.exec(ctx, `DELETE FROM connect_invites_used WHERE expires_at < ?`, now.Add(-24*time.Hour).UnixMilli()); err != nil {
			return err
		}
		n, err := q.exec(ctx, `INSERT INTO connect_invites_used (nonce, tenant, expires_at, used_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (nonce) DO NOTHING`, inv.Nonce, tenant, inv.Expires.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		if n != 1 {
			return ErrInviteUsed
		}
		_, err = q.exec(ctx, `INSERT INTO tenant_tokens (tenant, ciphertext, key_id, account_id, user_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id,
				account_id = excluded.account_id, user_id = excluded.user_id, updated_at = excluded.updated_at`,
			tenant, sealed, keyID, a.AccountID, a.UserID, now.UnixMilli())
		return err
	})
	if errors.Is(err, ErrInviteUsed) {
		return ErrInviteUsed
	}
	return wrap("save invited tenant", safeErr(err))
}

// Delete implements tokenstore.Store.
func (t *TokenStore) Delete(ctx context.Context, tenant string) error {
	if err := t.s.check(); err != nil {
		return err
	}
	if err := tokenstore.CheckTenant(tenant); err != nil {
		return err
	}
	err := t.s.b.tx(ctx, func(q querier) error {
		_, err := q.exec(ctx, `DELETE FROM tenant_tokens WHERE tenant = ?`, tenant)
		return err
	})
	return wrap("delete tokens", safeErr(err))
}

// Account returns the Zoom account recorded for tenant, and false when the
// tenant has no row.
func (t *TokenStore) Account(ctx context.Context, tenant string) (TenantAccount, bool, error) {
	if err := t.s.check(); err != nil {
		return TenantAccount{}, false, err
	}
	var a TenantAccount
	err := t.s.b.read(ctx, func(q querier) error {
		return q.queryRow(ctx, `SELECT account_id, user_id FROM tenant_tokens WHERE tenant = ?`, tenant).Scan(&a.AccountID, &a.UserID)
	})
	if errors.Is(err, errNoRows) {
		return TenantAccount{}, false, nil
	}
	if err != nil {
		return TenantAccount{}, false, wrap("tenant account", safeErr(err))
	}
	return a, true, nil
}

// TenantAccountOf is TokenStore.Account without a cipher (none is needed
// to read the account a tenant was connected with), for reading a
// tenant's webhook events. A Store that is not from Open keeps no tenants.
func TenantAccountOf(ctx context.Context, s Store, tenant string) (TenantAccount, bool, error) {
	ss, ok := s.(*sqlStore)
	if !ok {
		return TenantAccount{}, false, nil
	}
	return (&TokenStore{s: ss}).Account(ctx, tenant)
}

// DeleteAccount deletes the tokens of every tenant connected by the Zoom
// account accountID (app_deauthorized) and returns those tenants, sorted.
// With a userID, a tenant recorded with another user of the account is
// kept (a user-managed app is removed per user); a tenant recorded without
// a user, or a userID of "", matches the whole account.
func (t *TokenStore) DeleteAccount(ctx context.Context, accountID, userID string) ([]string, error) {
	return deleteAccountTokens(ctx, t.s, accountID, userID)
}

// DeleteAccountTokens is TokenStore.DeleteAccount without a cipher (none
// is needed to delete), for a serve process that does not run the connect
// flow but must still honour app_deauthorized. A Store that is not from
// Open keeps no tokens: it returns nothing.
func DeleteAccountTokens(ctx context.Context, s Store, accountID, userID string) ([]string, error) {
	ss, ok := s.(*sqlStore)
	if !ok {
		return nil, nil
	}
	return deleteAccountTokens(ctx, ss, accountID, userID)
}

func deleteAccountTokens(ctx context.Context, s *sqlStore, accountID, userID string) ([]string, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if accountID == "" {
		return nil, errors.New("store: delete tokens of an account: no account id")
	}
	var tenants []string
	err := s.b.tx(ctx, func(q querier) error {
		tenants = nil
		rows, err := q.query(ctx, `SELECT tenant FROM tenant_tokens
			WHERE account_id = ? AND (? = '' OR user_id = '' OR user_id = ?)`, accountID, userID, userID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return err
			}
			tenants = append(tenants, s)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
		for _, s := range tenants {
			if _, err := q.exec(ctx, `DELETE FROM tenant_tokens WHERE tenant = ?`, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("delete tokens of an account", safeErr(err))
	}
	sort.Strings(tenants)
	return tenants, nil
}

// Tenants lists the connected tenants, sorted, without their tokens.
func (t *TokenStore) Tenants(ctx context.Context) ([]TenantInfo, error) {
	if err := t.s.check(); err != nil {
		return nil, err
	}
	var out []TenantInfo
	err := t.s.b.read(ctx, func(q querier) error {
		rows, err := q.query(ctx, `SELECT tenant, account_id, user_id, key_id, updated_at FROM tenant_tokens ORDER BY tenant`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var i TenantInfo
			var key, upd int64
			if err := rows.Scan(&i.Tenant, &i.Account.AccountID, &i.Account.UserID, &key, &upd); err != nil {
				return err
			}
			i.KeyID, i.UpdatedAt = uint32(key), msTime(upd)
			out = append(out, i)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrap("list tenants", safeErr(err))
	}
	return out, nil
}

// safeErr drops driver detail that could quote a statement's arguments
// (the sealed record is not secret, but nothing here needs it).
func safeErr(err error) error {
	if err == nil {
		return nil
	}
	return safePGError(err)
}

var _ tokenstore.Store = (*TokenStore)(nil)
