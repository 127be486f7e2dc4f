package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
	"github.com/zoom-connector/zoom-connector/spec"
)

// Registration is one visitor to register for an allowed target.
type Registration struct {
	Target Target
	// Fields are registrant fields by Zoom's names (email, first_name,
	// last_name, org, ...), trimmed and non-empty.
	Fields map[string]string
}

// Result is a successful registration.
type Result struct {
	// Status is "registered", or "already_registered" when the ledger (or
	// Zoom) already held this person for this target.
	Status       string
	RegistrantID string
	JoinURL      string
}

// Registrar registers visitors. It is the seam between /register and the
// write path: rows go through the write command's validation, idempotency
// and ledger. Register must be safe for concurrent use, must honour ctx,
// and returns a *VisitorError for every failure a visitor should see
// explained; any other error is shown as "temporarily unavailable".
type Registrar interface {
	Register(ctx context.Context, reg Registration) (Result, error)
}

// VisitorError is a registration failure with an HTTP status and a message
// fit to show a visitor; Err (logged, never shown) is the cause.
type VisitorError struct {
	Status  int
	Outcome string // metrics label: invalid, full, closed, rejected, busy, error
	Message string
	Err     error
}

// Error returns the message fit to show a visitor.
func (e *VisitorError) Error() string {
	if e.Err != nil {
		return e.Outcome + ": " + e.Err.Error()
	}
	return e.Outcome + ": " + e.Message
}

// Unwrap returns Zoom's error behind the visitor message.
func (e *VisitorError) Unwrap() error { return e.Err }

// Messages shown to visitors.
const (
	msgUnavailable = "Registration is temporarily unavailable. Please try again later."
	msgInvalid     = "Please check your email address and name."
	msgFull        = "Sorry, this event is full."
	msgClosed      = "Registration for this event has closed."
	msgNotOpen     = "Registration is not open for this event."
	msgBusy        = "Registration is busy right now. Please try again in a minute."
	msgTooMany     = "Too many registration attempts for this email address today. Please try again tomorrow."
	msgRejected    = "This email address cannot be registered for this event."
	msgRegistered  = "You are registered. The join link is in your confirmation email from Zoom."
)

// VisitorMessage maps an error of the Zoom client to a *VisitorError;
// Zoom's own message and codes are kept in Err for the logs only.
func VisitorMessage(err error) *VisitorError {
	var ve *VisitorError
	if errors.As(err, &ve) {
		return ve
	}
	var rl *zoomapi.RateLimitError
	if errors.As(err, &rl) {
		if rl.Daily && strings.Contains(strings.ToLower(rl.Message), "registrant") {
			return &VisitorError{Status: http.StatusTooManyRequests, Outcome: "rate_limited_by_zoom", Message: msgTooMany, Err: err}
		}
		return &VisitorError{Status: http.StatusServiceUnavailable, Outcome: "busy", Message: msgBusy, Err: err}
	}
	var ae *zoomapi.APIError
	if errors.As(err, &ae) {
		switch {
		case ae.Code == 3043:
			return &VisitorError{Status: http.StatusConflict, Outcome: "full", Message: msgFull, Err: err}
		case ae.Code == 3038:
			return &VisitorError{Status: http.StatusGone, Outcome: "closed", Message: msgClosed, Err: err}
		case ae.Code == 3000 || ae.Code == 3001 || ae.Code == 3003 || ae.StatusCode == http.StatusNotFound:
			return &VisitorError{Status: http.StatusConflict, Outcome: "closed", Message: msgNotOpen, Err: err}
		case ae.Code == 3027:
			return &VisitorError{Status: http.StatusBadRequest, Outcome: "rejected", Message: msgRejected, Err: err}
		case ae.Code == 300 && len(ae.Errors) > 0:
			return &VisitorError{Status: http.StatusBadRequest, Outcome: "invalid", Message: msgInvalid, Err: err}
		}
	}
	return &VisitorError{Status: http.StatusBadGateway, Outcome: "error", Message: msgUnavailable, Err: err}
}

// ZoomRegistrar registers visitors through the Zoom client, with the same
// row validation as the write command (spec/registrant.schema.json) and
// the store's ledger for idempotency: a person already in the ledger for
// a target gets the stored join link and Zoom is not called again. An
// ambiguous failure (the POST may have been applied) is reconciled by
// listing the target's registrants before answering, never by a blind
// retry.
//
// TODO(write): when connector/write exports its row pipeline, replace the
// body of Register with a call to it, keeping this type as the adapter.
type ZoomRegistrar struct {
	Client *zoomapi.Client
	Store  store.Store
	// AccountID is the Zoom account the ledger entries belong to.
	AccountID string
	// AutoApprove asks Zoom to approve meeting registrants at once.
	AutoApprove bool
	// Observe, if set, receives the duration of every Zoom call.
	Observe func(time.Duration)
}

var registrantSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.AssertFormat = true
	c.LoadURL = func(s string) (io.ReadCloser, error) { return nil, fmt.Errorf("refusing to load %s", s) }
	if err := c.AddResource(spec.RegistrantSchemaFile, bytes.NewReader(spec.RegistrantSchema())); err != nil {
		return nil, err
	}
	return c.Compile(spec.RegistrantSchemaFile)
})

// Row returns the registration as a write-command row (the document
// spec/registrant.schema.json describes).
func (reg Registration) Row() map[string]any {
	row := map[string]any{}
	for k, v := range reg.Fields {
		row[k] = v
	}
	row[reg.Target.Kind+"_id"] = reg.Target.ID
	if reg.Target.OccurrenceIDs != "" {
		row["occurrence_ids"] = reg.Target.OccurrenceIDs
	}
	return row
}

// Validate checks the row against spec/registrant.schema.json.
func (reg Registration) Validate() error {
	sch, err := registrantSchema()
	if err != nil {
		return fmt.Errorf("registrant schema: %w", err)
	}
	row := reg.Row()
	// The schema validates decoded JSON: numbers as json.Number/float64.
	doc := map[string]any{}
	for k, v := range row {
		if n, ok := v.(int64); ok {
			doc[k] = json.Number(strconv.FormatInt(n, 10))
			continue
		}
		doc[k] = v
	}
	if err := sch.Validate(doc); err != nil {
		var fields []string
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			for _, l := range leaves(ve) {
				fields = append(fields, l.InstanceLocation)
			}
		}
		return &VisitorError{Status: http.StatusBadRequest, Outcome: "invalid", Message: msgInvalid,
			Err: fmt.Errorf("row invalid at %s", strings.Join(fields, ", "))}
	}
	return nil
}

func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// Register implements Registrar.
func (z *ZoomRegistrar) Register(ctx context.Context, reg Registration) (Result, error) {
	if err := reg.Validate(); err != nil {
		return Result{}, err
	}
	t := reg.Target
	email := reg.Fields["email"]
	key := store.LedgerKey(t.Kind, t.ID, t.OccurrenceIDs, email)
	if e, err := z.Store.LedgerGet(ctx, key); err != nil {
		return Result{}, err
	} else if e != nil {
		return Result{Status: "already_registered", RegistrantID: e.RegistrantID, JoinURL: e.JoinURL}, nil
	}
	body := map[string]any{}
	for k, v := range reg.Fields {
		body[k] = v
	}
	if z.AutoApprove && t.Kind == "meeting" {
		body["auto_approve"] = true
	}
	q := url.Values{}
	if t.OccurrenceIDs != "" {
		q.Set("occurrence_ids", t.OccurrenceIDs)
	}
	path := fmt.Sprintf("/%ss/%d/registrants", t.Kind, t.ID)
	var ans struct {
		RegistrantID string `json:"registrant_id"`
		JoinURL      string `json:"join_url"`
	}
	start := time.Now()
	_, err := z.Client.Do(ctx, z.Client.NewRequest(http.MethodPost, path, q, body), &ans)
	z.observe(start)
	if errors.Is(err, zoomapi.ErrOutcomeUnknown) {
		found, rerr := z.reconcile(ctx, path, email)
		if rerr != nil || found == nil {
			return Result{}, VisitorMessage(err)
		}
		ans.RegistrantID, ans.JoinURL, err = found.ID, found.JoinURL, nil
	}
	if err != nil {
		return Result{}, VisitorMessage(err)
	}
	if ans.JoinURL == "" {
		return Result{}, VisitorMessage(errors.New("zoom answered without a join_url"))
	}
	e, stored, err := z.Store.LedgerPut(ctx, store.LedgerEntry{
		Key: key, AccountID: z.AccountID, TargetKind: t.Kind, TargetID: t.ID,
		RegistrantID: ans.RegistrantID, JoinURL: ans.JoinURL, Status: "registered",
	})
	if err != nil {
		// Zoom has the registration; answer it even if the ledger failed.
		return Result{Status: "registered", RegistrantID: ans.RegistrantID, JoinURL: ans.JoinURL}, nil
	}
	if !stored {
		return Result{Status: "already_registered", RegistrantID: e.RegistrantID, JoinURL: e.JoinURL}, nil
	}
	return Result{Status: "registered", RegistrantID: ans.RegistrantID, JoinURL: ans.JoinURL}, nil
}

func (z *ZoomRegistrar) observe(start time.Time) {
	if z.Observe != nil {
		z.Observe(time.Since(start))
	}
}

type listedRegistrant struct {
	ID      string `json:"id"`
	Email   string `json:"email"`
	JoinURL string `json:"join_url"`
}

// reconcile looks for email among the target's registrants (pending and
// approved), after a POST whose outcome is unknown.
func (z *ZoomRegistrar) reconcile(ctx context.Context, path, email string) (*listedRegistrant, error) {
	for _, status := range []string{"approved", "pending"} {
		req := z.Client.NewRequest(http.MethodGet, path, url.Values{"status": {status}}, nil)
		req.PageSize = 300
		start := time.Now()
		for page, err := range z.Client.Pages(ctx, req, "registrants") {
			if err != nil {
				return nil, err
			}
			for _, item := range page.Items {
				var r listedRegistrant
				if json.Unmarshal(item, &r) == nil && strings.EqualFold(r.Email, email) {
					z.observe(start)
					return &r, nil
				}
			}
		}
		z.observe(start)
	}
	return nil, nil
}
