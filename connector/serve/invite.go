package serve

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Connect invitations. /connect/{tenant} connects a Zoom account only with
// an invitation the operator made (`zoom-connector tenant invite TENANT`):
// a token naming the tenant, an expiry and a random nonce, signed with
// HMAC-SHA256 under a key derived (HKDF) from the token key, so nothing
// new needs keeping secret and the token key itself never signs anything
// that leaves the server. The token rides in the link's query string
// (?invite=...); serve records its nonce in the store when the connection
// is saved, so each invitation connects once across every replica sharing
// the store.

// DefaultInviteValidity is how long an invitation is valid unless the
// operator says otherwise.
const DefaultInviteValidity = 72 * time.Hour

// MaxInviteValidity bounds an invitation's validity.
const MaxInviteValidity = 30 * 24 * time.Hour

// inviteKeyInfo is the HKDF context of the invitation key.
const inviteKeyInfo = "zoom-connector connect invitation v1"

// InviteQueryParam is the query parameter of /connect that carries the
// invitation.
const InviteQueryParam = "invite"

// Invitation errors, shown to the operator (the CLI) or logged (serve).
var (
	ErrInviteInvalid = errors.New("the connect invitation is not valid (altered, or signed with another token key)")
	ErrInviteTenant  = errors.New("the connect invitation is for another tenant")
	ErrInviteExpired = errors.New("the connect invitation has expired")
)

// InviteKey derives the invitation signing key from the token key (the
// base64 key of ZOOM_CONNECTOR_TOKEN_KEY, decoded).
func InviteKey(tokenKey []byte) ([]byte, error) {
	if len(tokenKey) < 16 {
		return nil, errors.New("serve: the token key is too short to derive an invitation key")
	}
	return hkdf.Key(sha256.New, tokenKey, nil, inviteKeyInfo, 32)
}

// invitePayload is what an invitation says.
type invitePayload struct {
	Tenant  string `json:"t"`
	Expires int64  `json:"e"` // Unix seconds
	Nonce   string `json:"n"`
}

// Invite is a verified invitation.
type Invite struct {
	Tenant  string
	Expires time.Time
	// Nonce is the invitation's random id, recorded when it is used.
	Nonce string
}

// NewInvite returns an invitation token for tenant, valid until expires.
func NewInvite(key []byte, tenant string, expires time.Time) (string, error) {
	if err := CheckTenantSlug(tenant); err != nil {
		return "", err
	}
	n := make([]byte, 16)
	if _, err := rand.Read(n); err != nil {
		return "", err
	}
	p, err := json.Marshal(invitePayload{Tenant: tenant, Expires: expires.Unix(), Nonce: base64.RawURLEncoding.EncodeToString(n)})
	if err != nil {
		return "", err
	}
	body := base64.RawURLEncoding.EncodeToString(p)
	return body + "." + base64.RawURLEncoding.EncodeToString(inviteMAC(key, body)), nil
}

func inviteMAC(key []byte, body string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("v1:"))
	m.Write([]byte(body))
	return m.Sum(nil)
}

// VerifyInvite checks an invitation token for tenant at time now.
func VerifyInvite(key []byte, token, tenant string, now time.Time) (Invite, error) {
	if len(token) > 512 {
		return Invite{}, ErrInviteInvalid
	}
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return Invite{}, ErrInviteInvalid
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, inviteMAC(key, body)) {
		return Invite{}, ErrInviteInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return Invite{}, ErrInviteInvalid
	}
	var p invitePayload
	if err := json.Unmarshal(raw, &p); err != nil || p.Nonce == "" || p.Tenant == "" {
		return Invite{}, ErrInviteInvalid
	}
	if p.Tenant != tenant {
		return Invite{}, ErrInviteTenant
	}
	inv := Invite{Tenant: p.Tenant, Expires: time.Unix(p.Expires, 0), Nonce: p.Nonce}
	if !now.Before(inv.Expires) {
		return inv, ErrInviteExpired
	}
	return inv, nil
}

// InviteURL returns the connect link of an invitation: the origin (and
// any path prefix) of the OAuth redirect URL serve runs with, then
// /connect/{tenant}?invite=TOKEN.
func InviteURL(redirectURL, tenant, token string) (string, error) {
	if _, err := CheckRedirectURL(redirectURL); err != nil {
		return "", err
	}
	u, _ := url.Parse(redirectURL)
	base := strings.TrimSuffix(u.Path, CallbackPath)
	link := url.URL{Scheme: u.Scheme, Host: u.Host, Path: base + "/connect/" + tenant,
		RawQuery: url.Values{InviteQueryParam: {token}}.Encode()}
	return link.String(), nil
}

// MakeInvite returns the connect link of a new invitation for tenant,
// valid for validity (DefaultInviteValidity if 0), signed with the key
// derived from tokenKey, and its expiry.
func MakeInvite(tokenKey []byte, redirectURL, tenant string, validity time.Duration, now time.Time) (string, time.Time, error) {
	if validity == 0 {
		validity = DefaultInviteValidity
	}
	if validity < time.Minute || validity > MaxInviteValidity {
		return "", time.Time{}, fmt.Errorf("an invitation is valid between a minute and %v", MaxInviteValidity)
	}
	key, err := InviteKey(tokenKey)
	if err != nil {
		return "", time.Time{}, err
	}
	expires := now.Add(validity)
	tok, err := NewInvite(key, tenant, expires)
	if err != nil {
		return "", time.Time{}, err
	}
	link, err := InviteURL(redirectURL, tenant, tok)
	return link, expires, err
}
