package serve

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/registrant"
	"github.com/zoom-connector/zoom-connector/internal/store"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
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
		if rl.PerRegistrant {
			return &VisitorError{Status: http.StatusTooManyRequests, Outcome: "rate_limited_by_zoom", Message: msgTooMany, Err: err}
		}
		return &VisitorError{Status: http.StatusServiceUnavailable, Outcome: "busy", Message: msgBusy, Err: err}
	}
	var ae *zoomapi.APIError
	if errors.As(err, &ae) {
		switch {
		case ae.Code == zoomapi.CodeCapacityReached:
			return &VisitorError{Status: http.StatusConflict, Outcome: "full", Message: msgFull, Err: err}
		case ae.Code == zoomapi.CodeEventOver:
			return &VisitorError{Status: http.StatusGone, Outcome: "closed", Message: msgClosed, Err: err}
		case ae.Code == zoomapi.CodeMeetingAccess || ae.Code == zoomapi.CodeMeetingNotFound || ae.Code == zoomapi.CodeNotHost || ae.StatusCode == http.StatusNotFound:
			return &VisitorError{Status: http.StatusConflict, Outcome: "closed", Message: msgNotOpen, Err: err}
		case ae.Code == zoomapi.CodeHostCannotRegister:
			return &VisitorError{Status: http.StatusBadRequest, Outcome: "rejected", Message: msgRejected, Err: err}
		case ae.Code == zoomapi.CodeInvalidRequest && len(ae.Errors) > 0:
			return &VisitorError{Status: http.StatusBadRequest, Outcome: "invalid", Message: msgInvalid, Err: err}
		}
	}
	return &VisitorError{Status: http.StatusBadGateway, Outcome: "error", Message: msgUnavailable, Err: err}
}

// ZoomRegistrar registers visitors through registrant.Registrar, the one
// registration path the write command shares: the same row validation
// (spec/registrant.schema.json), and the store's ledger with the same keys
// as `write --ledger store`, so a person already registered by either is
// not sent to Zoom again. An ambiguous failure (the POST may have been
// applied) is reconciled by listing the target's registrants before
// answering, never by a blind retry.
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

// Row returns the registration as a write-command row (the document
// spec/registrant.schema.json describes).
func (reg Registration) Row() map[string]any {
	row := map[string]any{}
	for k, v := range reg.Fields {
		row[k] = v
	}
	row[reg.Target.Kind+"_id"] = json.Number(strconv.FormatInt(reg.Target.ID, 10))
	if reg.Target.OccurrenceIDs != "" {
		row["occurrence_ids"] = reg.Target.OccurrenceIDs
	}
	return row
}

// Validate checks the row as the write command does (registrant.Validate).
func (reg Registration) Validate() error {
	if err := registrant.Validate(reg.Row()); err != nil {
		return &VisitorError{Status: http.StatusBadRequest, Outcome: "invalid", Message: msgInvalid, Err: err}
	}
	return nil
}

// target returns the registration's target as the registrant package
// names it.
func (reg Registration) target() registrant.Target {
	return registrant.Target{Kind: reg.Target.Kind, ID: reg.Target.ID, OccurrenceIDs: reg.Target.OccurrenceIDs}
}

// Register implements Registrar.
func (z *ZoomRegistrar) Register(ctx context.Context, reg Registration) (Result, error) {
	if err := reg.Validate(); err != nil {
		return Result{}, err
	}
	r := registrant.Registrar{Client: z.Client, Ledger: registrant.StoreLedger{Store: z.Store, AccountID: z.AccountID},
		AutoApprove: z.AutoApprove, Observe: z.Observe}
	fields := make(map[string]any, len(reg.Fields))
	for k, v := range reg.Fields {
		fields[k] = v
	}
	res, err := r.Register(ctx, reg.target(), fields)
	if err != nil {
		return Result{}, VisitorMessage(err)
	}
	out := Result{Status: "registered", RegistrantID: res.RegistrantID, JoinURL: res.JoinURL}
	if res.AlreadyRegistered {
		out.Status = "already_registered"
	}
	return out, nil
}
