package registrant

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
)

// Target names one meeting or webinar, and the occurrences of a recurring
// meeting a registration is for ("" for every occurrence).
type Target struct {
	// Kind is "meeting" or "webinar".
	Kind string
	// ID is the numeric meeting or webinar ID.
	ID int64
	// OccurrenceIDs are comma-separated occurrence IDs, or "".
	OccurrenceIDs string
}

// String returns "meeting:ID" or "webinar:ID", as results and ledgers show
// it.
func (t Target) String() string { return t.Kind + ":" + strconv.FormatInt(t.ID, 10) }

// Path returns the API path of the target ("/meetings/ID").
func (t Target) Path() string { return "/" + t.Kind + "s/" + strconv.FormatInt(t.ID, 10) }

// query returns the occurrence_ids query of a registration, or nil.
func (t Target) query() url.Values {
	if t.OccurrenceIDs == "" {
		return nil
	}
	return url.Values{"occurrence_ids": {t.OccurrenceIDs}}
}

// Keys returns the ledger keys of a registration of email for t, the one
// new entries are written under first. The key is a hash of the target
// kind, its ID, the occurrence IDs and the trimmed, lower-cased email, so
// a ledger holds no email address in clear.
//
// The second key is the one `write --ledger` files used before the two
// ledgers became one (hex(sha256("kind:ID\nemail\nocc")) with the
// lower-cased email): a lookup tries both, so entries written then are
// still recognised and nothing they record is sent again.
func Keys(t Target, email string) [2]string {
	email = strings.ToLower(strings.TrimSpace(email))
	return [2]string{
		hash(t.Kind + "\x00" + strconv.FormatInt(t.ID, 10) + "\x00" + t.OccurrenceIDs + "\x00" + email),
		hash(t.String() + "\n" + email + "\n" + t.OccurrenceIDs),
	}
}

// Key is the key new ledger entries of a registration are written under
// (the first of Keys).
func Key(t Target, email string) string { return Keys(t, email)[0] }

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
