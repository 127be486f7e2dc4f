package write

import (
	"context"
	"net/url"
	"strings"
)

// occurrenceListed reports whether Zoom lists r's person for every
// occurrence r names, and their registration then: Zoom's list of the
// target with occurrence_id, in the status the whole list gave the person.
//
// Only a row naming occurrences whose person the whole list shows needs
// it: the whole list says the person is registered, not for which
// occurrences. Asking Zoom settles the row on a re-run whose ledger lacks
// it (a kill between Zoom's answer and the ledger's fsync), where sending
// it again would count against Zoom's limit of three adds a day per
// registrant. Each occurrence and status is listed once per run; reconcile
// forgets the lists, and a person a delete row of this input removed is
// not looked up.
//
// ASSUMPTION: Zoom documents occurrence_id on the list ("The meeting or
// webinar occurrence ID") but not which registrants it keeps; taken here,
// as in the simulator, as those who chose the occurrence and those
// registered for every occurrence.
func (e *engine) occurrenceListed(ctx context.Context, t *target, r *row) (listing, bool, error) {
	whole, ok := t.existing[r.email]
	if !ok || r.occ == "" || t.life.gone[r.email] {
		return listing{}, false, nil
	}
	status := whole.status
	if status == "" {
		status = "approved"
	}
	var reg listing
	for occ := range strings.SplitSeq(r.occ, ",") {
		k := occ + "\n" + status
		regs, ok := t.occListed[k]
		if !ok {
			var err error
			regs, err = e.listWhere(ctx, t, url.Values{"status": {status}, "occurrence_id": {occ}})
			if err != nil {
				return listing{}, false, err
			}
			if t.occListed == nil {
				t.occListed = map[string]map[string]listing{}
			}
			t.occListed[k] = regs
		}
		if reg, ok = regs[r.email]; !ok {
			return listing{}, false, nil
		}
	}
	reg.status = status
	return reg, true, nil
}

// registeredEarlier reports r as already registered with Zoom's reg, found
// by a list rather than sent, and remembers it for the rest of the run. It
// writes no ledger entry: what the lists of occurrences say rests on an
// assumption (occurrenceListed), so each run asks Zoom again.
func (e *engine) registeredEarlier(t *target, r *row, reg listing, why string) error {
	t.done[occKey(r.email, r.occ)] = reg
	return e.out.result(r, Result{Status: StatusAlreadyRegistered, RegistrantID: reg.id, JoinURL: reg.joinURL, Reason: why})
}
