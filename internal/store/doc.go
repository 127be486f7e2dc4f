// Package store is the durable state of the serve command: verified Zoom
// webhook events (with their dedupe keys), the record of app
// deauthorizations, and the registration ledger of the /register endpoint.
//
// One interface, Store, has two implementations behind Open:
//
//   - SQLite (the default): a local file opened with the pure-Go driver
//     modernc.org/sqlite through database/sql, in WAL mode with
//     synchronous=FULL, so an acknowledged webhook survives a crash or a
//     power cut and a concurrent `read --streams webhook_events` can read
//     while serve writes.
//   - PostgreSQL: when the location is a postgres:// or postgresql:// URL
//     (or a libpq key=value string), through pgx/v5, so several serve
//     replicas behind a load balancer share one store. Appends take a
//     transaction-scoped advisory lock so positions become visible in
//     order: a reader that has seen position N never later finds a
//     smaller position appearing behind it.
//
// Events are kept in arrival order; an event's Position is its place in
// that order and the state of the webhook_events read stream. The dedupe
// key of an event is (event name, event_ts, object id), as Zoom's retries
// resend the same event with a fresh signature timestamp; a redelivery is
// stored once. Dedupe keys are stored hashed and outlive the events of a
// deauthorized account, so a late retry cannot bring deleted data back.
package store
