// Package registrant is the one registration path of the connector: what a
// registrant row must look like (spec/registrant.schema.json plus the email
// syntax check), the ledger key of a registration, the Ledger that makes a
// repeated registration send nothing twice (a file for `write --ledger`,
// the serve store's table for /register and `write --ledger store`), and
// Register, which registers one person for one meeting or webinar.
//
// The write command (package write) batches rows, applies lifecycle
// actions and keeps a target's registrant list across a run; the serve
// command's /register registers one visitor at a time. Both validate with
// Validate, key the ledger with Keys and read and record it through a
// Ledger, so a person registered through one is recognised by the other.
package registrant
