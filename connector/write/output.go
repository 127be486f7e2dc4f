package write

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Statuses of a Result.
const (
	StatusRegistered        = "registered"
	StatusAlreadyRegistered = "already_registered"
	StatusRejected          = "rejected"
	// StatusDeferred is a row not done for a temporary reason: Zoom's daily
	// rate limit of a request category (code 429; the reason names the
	// reset time), or 5xx answers, network failures or a request whose
	// outcome stayed unknown after the client's retries. It is not a dead
	// letter and not in the ledger: a re-run (with the same ledger) sends it.
	StatusDeferred = "deferred"
	// StatusWouldRegister is a dry run's status for a row it would send.
	StatusWouldRegister = "would_register"
	// StatusApplied is an action (approve, deny, cancel, delete,
	// add_panelist, remove_panelist) Zoom confirmed in this run.
	StatusApplied = "applied"
	// StatusAlreadyDone is an action that needed no request: the ledger
	// shows an earlier run applied it, or the person is already in the
	// wanted state (approved for approve, denied or cancelled for deny and
	// cancel, a panelist for add_panelist).
	StatusAlreadyDone = "already_done"
	// StatusNotFound is an action on a person the target does not have (not
	// a registrant for approve, deny, cancel and delete; not a panelist for
	// remove_panelist): nothing is sent. It is not a failure.
	StatusNotFound = "not_found"
	// StatusWouldApply is a dry run's status for an action it would send.
	StatusWouldApply = "would_apply"
)

// Methods of a Result: how the row was (or would be) sent.
const (
	MethodBatch  = "batch"
	MethodSingle = "single"
)

// Result is one line of the results file: what became of one row.
type Result struct {
	Row           int    `json:"row"`
	Target        string `json:"target,omitempty"` // "meeting:ID" or "webinar:ID"
	OccurrenceIDs string `json:"occurrence_ids,omitempty"`
	Email         string `json:"email,omitempty"`
	Status        string `json:"status"`
	// Action is the row's action, when not register.
	Action string `json:"action,omitempty"`
	// Method is batch or single for rows sent (or that a dry run would send).
	Method       string `json:"method,omitempty"`
	RegistrantID string `json:"registrant_id,omitempty"`
	JoinURL      string `json:"join_url,omitempty"`
	// Code is Zoom's error code (or 429 for a daily limit), when Zoom
	// answered one.
	Code   int    `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`

	why string // a deferred row's cause, for the summary
}

// Summary counts what a run did. Requests counts the requests sent, by
// kind: "get" (target type), "list" (registrant pages), "batch", "single",
// and for the other actions "status" (status updates), "delete",
// "panelists" (adds), "panelist_remove" and "panelist_list".
type Summary struct {
	Rows              int
	Registered        int
	AlreadyRegistered int
	WouldRegister     int
	// Applied, AlreadyDone, NotFound and WouldApply count the rows of
	// actions other than register (see the statuses of the same names).
	Applied     int
	AlreadyDone int
	NotFound    int
	WouldApply  int
	Rejected    int
	// Deferred counts rows not done for a temporary reason (StatusDeferred);
	// DeferredWhy counts them by cause.
	Deferred    int
	DeferredWhy map[string]int
	// Invalid and Malformed are the rejected rows that failed validation or
	// could not be read.
	Invalid   int
	Malformed int
	// StatesEchoed counts Airbyte STATE messages echoed; StatesHeld those
	// not echoed because a row before them was deferred.
	StatesEchoed int
	StatesHeld   int
	Requests     map[string]int
	DryRun       bool
}

// Failed reports whether any row was rejected or deferred (exit status 1).
func (s *Summary) Failed() bool { return s.Rejected > 0 || s.Deferred > 0 }

// String is the one-paragraph summary printed on stderr.
func (s *Summary) String() string {
	var b strings.Builder
	mode := ""
	if s.DryRun {
		mode = " (dry run: nothing sent)"
	}
	fmt.Fprintf(&b, "write%s: %d rows: %d registered, %d already registered", mode, s.Rows, s.Registered, s.AlreadyRegistered)
	if s.DryRun {
		fmt.Fprintf(&b, ", %d would be registered", s.WouldRegister)
	}
	if s.Applied+s.AlreadyDone+s.NotFound+s.WouldApply > 0 {
		fmt.Fprintf(&b, ", %d actions applied, %d already done, %d not found", s.Applied, s.AlreadyDone, s.NotFound)
		if s.DryRun {
			fmt.Fprintf(&b, ", %d would be applied", s.WouldApply)
		}
	}
	fmt.Fprintf(&b, ", %d rejected", s.Rejected)
	if s.Invalid+s.Malformed > 0 {
		fmt.Fprintf(&b, " (%d invalid, %d malformed)", s.Invalid, s.Malformed)
	}
	if s.Deferred > 0 {
		fmt.Fprintf(&b, ", %d deferred", s.Deferred)
	}
	fmt.Fprintf(&b, "; requests: %d batch, %d single, %d get, %d list",
		s.Requests["batch"], s.Requests["single"], s.Requests["get"], s.Requests["list"])
	for _, k := range []string{"status", "delete", "panelists", "panelist_remove", "panelist_list"} {
		if n := s.Requests[k]; n > 0 {
			fmt.Fprintf(&b, ", %d %s", n, k)
		}
	}
	if s.StatesEchoed > 0 {
		fmt.Fprintf(&b, "; %d states echoed", s.StatesEchoed)
	}
	if s.Deferred > 0 {
		var whys []string
		for _, w := range slices.Sorted(maps.Keys(s.DeferredWhy)) {
			whys = append(whys, fmt.Sprintf("%d: %s", s.DeferredWhy[w], w))
		}
		fmt.Fprintf(&b, "; %d rows deferred, not done for a temporary reason (%s)", s.Deferred, strings.Join(whys, "; "))
		if s.StatesHeld > 0 {
			fmt.Fprintf(&b, "; %d later states not echoed", s.StatesHeld)
		}
		b.WriteString(": they are not dead letters; a re-run with the same ledger (after the reset, for a daily limit) picks them up and sends nothing twice")
	}
	return b.String()
}

// outputs holds the results and dead-letter writers; safe for concurrent
// use.
type outputs struct {
	mu      sync.Mutex
	results *bufio.Writer
	dead    *bufio.Writer
	deadW   io.Writer
	sum     Summary
}

func newOutputs(results, dead io.Writer, dryRun bool) *outputs {
	o := &outputs{sum: Summary{Requests: map[string]int{}, DeferredWhy: map[string]int{}, DryRun: dryRun}, deadW: dead}
	if results != nil {
		o.results = bufio.NewWriter(results)
	}
	if dead != nil {
		o.dead = bufio.NewWriter(dead)
	}
	return o
}

// request counts one request sent.
func (o *outputs) request(kind string) {
	o.mu.Lock()
	o.sum.Requests[kind]++
	o.mu.Unlock()
}

// result records the outcome of r. For a rejected row it also writes the
// dead letter: the row as it came in plus _row and _error.
func (o *outputs) result(r *row, res Result) error {
	res.Row = r.num
	if r.target.ID != 0 {
		res.Target = r.target.String()
		res.OccurrenceIDs = r.occ
	}
	if e, ok := r.fields["email"].(string); ok {
		res.Email = e
	}
	if r.action != "" && r.action != ActRegister {
		res.Action = r.action
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sum.Rows++
	switch res.Status {
	case StatusRegistered:
		o.sum.Registered++
	case StatusAlreadyRegistered:
		o.sum.AlreadyRegistered++
	case StatusWouldRegister:
		o.sum.WouldRegister++
	case StatusApplied:
		o.sum.Applied++
	case StatusAlreadyDone:
		o.sum.AlreadyDone++
	case StatusNotFound:
		o.sum.NotFound++
	case StatusWouldApply:
		o.sum.WouldApply++
	case StatusDeferred:
		o.sum.Deferred++
		o.sum.DeferredWhy[res.why]++
	case StatusRejected:
		o.sum.Rejected++
		switch r.bad {
		case "invalid":
			o.sum.Invalid++
		case "malformed":
			o.sum.Malformed++
		}
	}
	if o.results != nil {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if _, err := o.results.Write(b); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	if res.Status == StatusRejected && o.dead != nil {
		reason := res.Reason
		if res.Code != 0 {
			reason = "Zoom code " + strconv.Itoa(res.Code) + ": " + reason
		}
		if _, err := o.dead.Write(deadLetter(r, reason)); err != nil {
			return fmt.Errorf("write dead letter: %w", err)
		}
	}
	return nil
}

// deadLetter is the dead-letter line of r: its raw object with "_row" and
// "_error" added in front, or, for a malformed row, {"_row", "_error",
// "_raw"} holding the text as it came in.
func deadLetter(r *row, reason string) []byte {
	var b bytes.Buffer
	rowJ, _ := json.Marshal(r.num)
	errJ, _ := json.Marshal(reason)
	b.WriteString(`{"_row":`)
	b.Write(rowJ)
	b.WriteString(`,"_error":`)
	b.Write(errJ)
	raw := bytes.TrimSpace(r.raw)
	if len(raw) >= 2 && raw[0] == '{' {
		rest := bytes.TrimSpace(raw[1:])
		if len(rest) > 0 && rest[0] != '}' {
			b.WriteByte(',')
		}
		b.Write(rest)
	} else {
		rawJ, _ := json.Marshal(r.rawErr)
		b.WriteString(`,"_raw":`)
		b.Write(rawJ)
		b.WriteByte('}')
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// flush writes buffered output and syncs the dead-letter file when it can,
// so a STATE echoed after it covers rows that are on disk.
func (o *outputs) flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.results != nil {
		if err := o.results.Flush(); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	if o.dead != nil {
		if err := o.dead.Flush(); err != nil {
			return fmt.Errorf("write dead letters: %w", err)
		}
		if s, ok := o.deadW.(interface{ Sync() error }); ok {
			_ = s.Sync()
		}
	}
	return nil
}

// deferred returns how many rows were deferred so far.
func (o *outputs) deferred() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sum.Deferred
}

// summary returns a copy of the counts.
func (o *outputs) summary() *Summary {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sum
	s.Requests = maps.Clone(o.sum.Requests)
	s.DeferredWhy = maps.Clone(o.sum.DeferredWhy)
	return &s
}
