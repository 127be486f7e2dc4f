package registrant

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// ListStatuses are the registrant statuses a target's list is read in, so
// a person is found whatever Zoom did with their registration. The write
// command's view of a target and Register's reconciliation both use them.
var ListStatuses = []string{"approved", "pending", "denied"}

// Result is a successful registration.
type Result struct {
	// AlreadyRegistered is true when the ledger already held this person
	// for this target and Zoom was not called.
	AlreadyRegistered bool
	RegistrantID      string
	JoinURL           string
}

// Registrar registers one person at a time through the Zoom client, with
// the ledger for idempotency: a person already in the ledger for a target
// is answered from it and Zoom is not called again. An ambiguous failure
// (the POST may have been applied) is reconciled by listing the target's
// registrants before answering, never by a blind retry.
type Registrar struct {
	Client *zoomapi.Client
	Ledger Ledger
	// AutoApprove asks Zoom to approve meeting registrants at once.
	AutoApprove bool
	// Observe, if set, receives the duration of every Zoom call.
	Observe func(time.Duration)
}

// Register registers the person of fields (registrant fields by Zoom's
// names, already validated with Validate) for t. Errors are Zoom's, as
// the client returns them, or the ledger's.
func (z *Registrar) Register(ctx context.Context, t Target, fields map[string]any) (Result, error) {
	if z.Ledger == nil {
		return Result{}, errNoLedger
	}
	email, _ := fields["email"].(string)
	if e, ok, err := Find(ctx, z.Ledger, t, email); err != nil {
		return Result{}, err
	} else if ok {
		return Result{AlreadyRegistered: true, RegistrantID: e.RegistrantID, JoinURL: e.JoinURL}, nil
	}
	req := AddRequest(z.Client, t, fields, z.AutoApprove)
	var ans Added
	start := time.Now()
	_, err := z.Client.Do(ctx, req, &ans)
	z.observe(start)
	if errors.Is(err, zoomapi.ErrOutcomeUnknown) {
		found, ok, rerr := z.find(ctx, t, email)
		if rerr != nil || !ok {
			return Result{}, err
		}
		ans.RegistrantID, ans.JoinURL, err = found.ID, found.JoinURL, nil
	}
	if err != nil {
		return Result{}, err
	}
	if ans.JoinURL == "" {
		return Result{}, errors.New("zoom answered without a join_url")
	}
	res := Result{RegistrantID: ans.RegistrantID, JoinURL: ans.JoinURL}
	// Zoom has the registration: it is answered even if the ledger fails.
	_ = z.Ledger.Record(ctx, []Entry{{Key: Key(t, email), Target: t.String(), RegistrantID: ans.RegistrantID, JoinURL: ans.JoinURL}})
	return res, nil
}

func (z *Registrar) observe(start time.Time) {
	if z.Observe != nil {
		z.Observe(time.Since(start))
	}
}

// AddRequest is the request that registers the person of fields for t
// (POST .../registrants, with the occurrences as occurrence_ids): the one
// Register sends and the write command sends for a row it does not batch.
// With autoApprove a meeting's registrant is approved at once.
func AddRequest(c *zoomapi.Client, t Target, fields map[string]any, autoApprove bool) *zoomapi.Request {
	body := maps.Clone(fields)
	if autoApprove && t.Kind == "meeting" {
		// auto_approve is a meeting field (it applies to manual approval).
		body["auto_approve"] = true
	}
	req := c.NewRequest(http.MethodPost, t.Path()+"/registrants", t.query(), body)
	req.Category = zoomapi.CategoryLight
	return req
}

// Added is Zoom's answer to an AddRequest.
type Added struct {
	RegistrantID string `json:"registrant_id"`
	JoinURL      string `json:"join_url"`
}

// Listed is one registrant of a target's list.
type Listed struct {
	ID      string `json:"id"`
	Email   string `json:"email"`
	JoinURL string `json:"join_url"`
}

// find looks for email among the target's registrants of every status,
// after a POST whose outcome is unknown.
func (z *Registrar) find(ctx context.Context, t Target, email string) (Listed, bool, error) {
	for _, status := range ListStatuses {
		req := z.Client.NewRequest(http.MethodGet, t.Path()+"/registrants", map[string][]string{"status": {status}}, nil)
		req.Category = zoomapi.CategoryMedium
		req.PageSize = 300
		start := time.Now()
		for page, err := range z.Client.Pages(ctx, req, "registrants") {
			if err != nil {
				z.observe(start)
				return Listed{}, false, err
			}
			for _, item := range page.Items {
				var r Listed
				if json.Unmarshal(item, &r) == nil && strings.EqualFold(r.Email, email) {
					z.observe(start)
					return r, true, nil
				}
			}
		}
		z.observe(start)
	}
	return Listed{}, false, nil
}
