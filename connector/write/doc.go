// Package write is the write command of zoom-connector: it registers people
// for Zoom meetings and webinars from upstream rows, once, and applies the
// rest of the registrant lifecycle (approve, deny, cancel, delete, webinar
// panelists) named by a row's action field.
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
// is reported already_registered and sends nothing. A ledger (a
// registrant.Ledger: append-only JSON lines fsynced after every successful
// request, or the serve store's table that /register shares) records each
// success under registrant.Key (a hash of target, occurrence_ids and
// lower-case email), so a run that was killed and is run again sends
// nothing twice, and neither does a run after /register took the person. When Zoom may have applied
// a request whose answer was lost (zoomapi.ErrOutcomeUnknown), the target's
// registrants are listed again before any retry, and a listed email counts as
// registered. Zoom has no idempotency key; a registrant created by a request
// whose answer was lost and that the list does not show yet (Zoom's lists are
// eventually consistent) could still be added twice. The ledger cannot help
// there, because it only knows what Zoom confirmed.
//
// # Occurrences of a recurring meeting
//
// Zoom's whole registrant list does not say which occurrences a person
// chose, so it decides only rows without occurrence_ids: a listed email
// counts as registered for the whole meeting. A row with occurrence_ids is
// already registered when this run or the ledger key (which includes the
// occurrence_ids) has the same email for the same occurrence_ids or for
// the whole meeting (a registration without occurrence_ids covers every
// occurrence), or, for an email the whole list shows, when Zoom's list of
// each of its occurrences (occurrence_id, in the person's status; once per
// occurrence and status in a run) shows it. So a run whose ledger lacks a
// row Zoom did register (a kill between the answer and the fsync) does not
// send it again: each repeated add counts against Zoom's limit of three a
// day per registrant. ASSUMPTION: Zoom documents occurrence_id on the list
// but not which registrants it keeps; taken, as the simulator answers, as
// those who chose the occurrence and those of every occurrence. A row
// settled that way gets no ledger entry, so every run asks Zoom again. An email registered only for other occurrences is
// sent. After a request whose outcome is unknown, such a row counts as
// applied when the lists of its occurrences, read again, show it.
//
// # Zoom's limits
//
// 4,999 registrants a meeting (code 3043 "maximum attendee capacity"): rows
// past it are rejected. The per-registrant daily limit of add calls (a daily
// 429 naming the registrant): that row is rejected and the others go on.
// Per-second 429s are retried by the client. A deleted meeting (404 code
// 3001), a meeting whose host may not schedule (3161) or without
// registration: every row for that target is rejected with Zoom's code and
// message. These answers are about the row or its target and do not change
// on a re-run, so the rows are rejected and dead-lettered.
//
// A daily 429 of the account's quota for a rate-limit category (Heavy for
// batch_registrants, Light for single adds and reading a target, Medium for
// listing registrants) marks that category exhausted for the rest of the
// run, as the read engine does: no further request of it is sent, and the
// rows that need one are deferred with code 429 and a reason naming the reset
// time. Other categories go on (single adds continue when Heavy is out).
// Errors that outlast the client's retries (5xx, network failures, a request
// whose outcome stayed unknown after DefaultMaxAttempts, a re-listing that
// failed, a target that could not be read) defer their rows too.
//
// # Statuses
//
// Each row ends with one status in the results:
//
//   - registered: Zoom confirmed it in this run (method batch or single).
//   - already_registered: nothing was sent; Zoom's list, the ledger or this
//     run shows the registration (registrant_id when known).
//   - rejected: validation, malformed input, or a permanent Zoom answer
//     (code and reason); also written to the dead-letter output.
//   - deferred: not done for a temporary reason (code 429 for a daily limit,
//     or the HTTP status of the last error; the reason says why and when
//     relevant the reset time). Not a dead letter and not in the ledger: a
//     re-run with the same ledger (after the reset, for a daily limit)
//     sends it, and sends nothing twice.
//   - would_register: a dry run would send it.
//   - applied, already_done, not_found, would_apply: an action row (see
//     Actions); not_found is not a failure.
//
// The run's exit status (the write command) is 0 when every row is
// registered or already was, and 1 when any row was rejected or deferred;
// the summary line then says how many rows were deferred, why, and that a
// re-run picks them up.
//
// # Actions
//
// A row's action (mapped like any field; register by default) is one of
// Actions; case, spaces and hyphens do not matter and a CRM status's past
// forms (approved, cancelled, ...) name their action. approve, deny and
// cancel go to PUT .../registrants/status, up to MaxBatch registrants a
// call per action (Medium); delete to DELETE .../registrants/{id} (Light);
// add_panelist to POST /webinars/{id}/panelists, up to MaxBatch a call
// (Medium; the webinar's panelists are listed once first);
// remove_panelist to DELETE /webinars/{id}/panelists/{id} (Light). A row
// names its person by email or registrant_id, found in the target's
// registrant list (read once, as for registrations).
//
// Each action row is decided in order: the ledger first (an entry under
// hash(target, action, person, n), n counting that person's earlier rows
// of that action, so "approve, cancel, approve" are three entries), then
// the person's state (already approved, denied or cancelled, a panelist:
// already_done; not listed: not_found), else it is sent. A row whose
// person waits in any batch sends the waiting batches first, so the
// actions on one person apply in row order. Rows settled without a request
// are put in the ledger too (written before the next write request), so a
// re-run settles them the same way even after later rows moved the
// person. Zoom refusing a status call for one person (its per-registrant
// daily limit, or a registrant it no longer has) sends the rows one by
// one. The action code is in action.go, shaped to move with the
// registration code into a package shared with serve.
//
// # Outputs
//
// Results (JSON lines, one per row, see Result), dead letters (each rejected
// row as it came in plus "_row" and "_error"), STATE echoes on stdout in
// Airbyte mode (each only after every record before it has been committed or
// dead-lettered), and a Summary. Once a row is deferred, no later STATE is
// echoed (Summary.StatesHeld counts them): echoing one would tell the
// platform that the deferred row is done, and it would never be resent. No output holds the client secret, and logs
// hold counts, never row data.
package write
