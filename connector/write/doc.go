// Package write is the write command of zoom-connector: it registers people
// for Zoom meetings and webinars from upstream rows, once.
//
// # Flow
//
// A Source yields rows (JSON lines, CSV, Parquet, Arrow, or Airbyte RECORD
// messages) and, in Airbyte mode, STATE barriers. Each row is renamed with
// the config's mapping, given the default target when it names none, and
// validated against spec/registrant.schema.json (with format assertions and
// an extra email syntax check) before any request. Invalid and malformed rows
// are rejected at once: written to the dead-letter output with the reason
// and the row number.
//
// Valid rows are grouped by target (a meeting or a webinar) and the targets
// are processed concurrently (up to max_concurrency), the rows of one target
// in input order. For each target the writer first learns its type (GET
// /meetings/{id} or /webinars/{id}) and lists its registrants of every
// status once. Runs of rows that hold only email and names go to
// batch_registrants (at most 30 a call) when the target is a scheduled
// meeting (type 2) or webinar (type 5); other rows are added one by one.
//
// # Exactly once, as far as Zoom lets us
//
// A row whose email is already registered for its target (case-insensitive)
// is reported already_registered and sends nothing. A ledger (append-only
// JSON lines, fsynced after every successful request) records each success
// under a hash of target, lower-case email and occurrence_ids, so a run that
// was killed and is run again sends nothing twice. When Zoom may have applied
// a request whose answer was lost (zoomapi.ErrOutcomeUnknown), the target's
// registrants are listed again before any retry, and a listed email counts as
// registered. Zoom has no idempotency key; a registrant created by a request
// whose answer was lost and that the list does not show yet (Zoom's lists are
// eventually consistent) could still be added twice. The ledger cannot help
// there, because it only knows what Zoom confirmed.
//
// # Zoom's limits
//
// 4,999 registrants a meeting (code 3043 "maximum attendee capacity"): rows
// past it are rejected. The per-registrant daily limit of add calls (a daily
// 429): that row is rejected and the others go on. Per-second 429s are
// retried by the client. A deleted meeting (404 code 3001), a meeting whose
// host may not schedule (3161) or without registration: every row for that
// target is rejected with Zoom's code and message.
//
// # Outputs
//
// Results (JSON lines, one per row, see Result), dead letters (each rejected
// row as it came in plus "_row" and "_error"), STATE echoes on stdout in
// Airbyte mode (each only after every record before it has been committed or
// dead-lettered), and a Summary. No output holds the client secret, and logs
// hold counts, never row data.
package write
