// Package tokenstore keeps the OAuth tokens of user-authorized Zoom apps,
// one record per tenant (a connected Zoom account), encrypted at rest.
//
// Records are sealed with AES-256-GCM by a Cipher: a fresh 12-byte nonce per
// seal and the tenant id (with a fixed label and the format version) as
// associated data, so a sealed record copied into another tenant's slot
// fails to open with ErrWrongTenant instead of silently serving the wrong
// account's tokens. The key comes from the environment
// (ZOOM_CONNECTOR_TOKEN_KEY, base64 of 32 random bytes) or from a key file
// (ZOOM_CONNECTOR_TOKEN_KEY_FILE), never from the store itself; each sealed
// record names the id of its key so that a wrong key is reported as such and
// keys can be rotated (NewCipher takes the old keys after the current one).
//
// Store is the persistence interface: FileStore implements it with one JSON
// file written atomically (temporary file, fsync, rename, fsync of the
// folder) under an flock on "<file>.lock", so several processes may share
// the file without one's rewrite dropping a record another saved; and the
// serve command's SQL store can implement it by keeping the bytes of
// Cipher.Seal in a per-tenant row. Refresh tokens rotate on every
// use, so Save must be durable when it returns: the caller uses a new access
// token only after the new refresh token is saved.
//
// Tenant adapts one tenant of a Store to zoomapi.RefreshTokenStore.
package tokenstore
