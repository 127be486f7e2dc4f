// Package serve is the HTTP side of the connector, run by
// `zoom-connector serve`: the small server-side application a website
// needs to take Zoom webhooks and to register visitors from its own form
// without putting any Zoom secret in the page.
//
// Endpoints:
//
//	POST /webhooks/zoom   Zoom event notifications. The x-zm-signature
//	                      header is verified (HMAC-SHA256 over
//	                      "v0:{x-zm-request-timestamp}:{raw body}" with the
//	                      app's secret token, compared in constant time;
//	                      timestamps more than 5 minutes from now are
//	                      refused); any failure is a bare 401. A verified
//	                      event is stored durably, then acknowledged (204);
//	                      a redelivery is stored once. endpoint.url_validation
//	                      is answered with plainToken and encryptedToken.
//	                      app_deauthorized deletes what is stored for the
//	                      account and records that it happened.
//	POST /register        A website's registration form (urlencoded or
//	                      multipart form post, or JSON from fetch). Only
//	                      configured targets, only configured origins
//	                      (CORS), a per-client rate limit, a honeypot field
//	                      and size limits. Every success (new, repeated,
//	                      known to Zoom, or a bot caught by the honeypot)
//	                      gets the same JSON answer {status, message}
//	                      without the join link, which Zoom's confirmation
//	                      email carries; or a 303 redirect to the thank-you
//	                      page for a plain form post. Zoom's errors become
//	                      messages fit for a visitor.
//	GET  /connect/{tenant}?invite=TOKEN  (with Options.Connect) starts
//	                      connecting a Zoom account for the tenant through
//	                      Zoom's consent screen, only with the operator's
//	                      invitation (invite.go: signed with a key derived
//	                      from the token key, for this tenant, unexpired,
//	                      not yet used): a one-time state bound to the
//	                      tenant and to an HttpOnly cookie, PKCE S256, the
//	                      exact configured redirect URL; 302 to Zoom.
//	GET  /oauth/callback  Zoom's redirect back: the cookie must match (before
//	                      the state is used, so a stolen state cannot cancel
//	                      a connection), the state is used once, the code is
//	                      exchanged and the tokens are stored encrypted for
//	                      the tenant (store.TokenStore), with the Zoom
//	                      account that connected, in the transaction that
//	                      marks the invitation used; app_deauthorized then
//	                      deletes them.
//	GET  /healthz         the process is up.
//	GET  /readyz          the store answers (503 while shutting down).
//	GET  /metrics         Prometheus text format, only on the separate
//	                      metrics listener (Server.MetricsHandler,
//	                      RunOptions.MetricsListen; loopback by default).
//
// Events are read back as records by `read --streams webhook_events`
// (package connector), from the same store (package internal/store).
//
// Nothing in this package logs a request body, a header value or a secret:
// request logs carry the method, path, status, duration and client address.
package serve
