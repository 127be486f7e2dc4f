// Package zoomapi is the single HTTP client through which every Zoom REST
// API call of the connector goes (reads by streams and registrant writes).
//
// It provides:
//
//   - Authentication: a shared Server-to-Server OAuth token source
//     (grant_type=account_credentials, Basic client credentials, form body)
//     that makes one token request for any number of concurrent callers,
//     refreshes early (default 5 minutes before expiry) and, on a 401 code
//     124, refreshes once and retries once. Token failures are *AuthError
//     with the endpoint's sanitized reason and never a secret or token.
//   - Host checks: CheckURL allows only https Zoom hosts (zoom.us,
//     zoomgov.com and subdomains) unless the operator allow-lists a host;
//     redirects to other hosts are refused and Authorization is never
//     forwarded to another host. The token endpoint never follows redirects.
//   - Requests: Client.NewRequest builds a request from an already-escaped
//     relative path (see EscapeMeetingUUID) and Client.Do sends it with
//     per-attempt timeouts, bounded bodies and exact int64 numbers.
//   - Retries in one place (Do): capped exponential backoff with full
//     jitter, Retry-After as seconds, HTTP date or ISO-8601 (ParseRetryAfter;
//     a per-second 429's wait is spread by up to half again, so the requests
//     refused in one second do not retry together), no retry for daily 429s or non-transient 4xx, and no blind retry of
//     POST after it may have been applied (ErrOutcomeUnknown).
//   - Typed errors from CheckResponse: *APIError, *RateLimitError,
//     *ScopeError, ErrNotFound and IsSkippable.
//   - Rate limiting: one adaptive golang.org/x/time/rate limiter per Zoom
//     category (light, medium, heavy, resource-intensive) from plan presets.
//   - Pagination: Client.Pages, one iterator following next_page_token with
//     cycle detection and restart on expired tokens.
//
// Tests use httptest fakes, a fake clock (Config.Now) and a fake sleeper
// (Config.Sleep).
package zoomapi
