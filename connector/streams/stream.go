// Package streams declares every stream the connector reads, as data: the
// Zoom path, envelope key, keys, cursor, page size, rate-limit category,
// parent and required scopes. The engine is the only code that walks
// parents and pages; a stream never loops.
package streams

import (
	"net/url"
	"slices"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// Window says how a stream's requests are split in time.
type Window int

const (
	// NoWindow: one request chain per partition.
	NoWindow Window = iota
	// MonthWindow: one chain per calendar-month window, sent as from and to
	// (yyyy-mm-dd), because Zoom refuses windows longer than a month.
	MonthWindow
	// YearMonthWindow: one request per month, sent as year and month.
	YearMonthWindow
	// MonthTimeWindow: as MonthWindow, but from and to are sent as UTC
	// date-times (yyyy-mm-ddT00:00:00Z and yyyy-mm-ddT23:59:59Z), for
	// endpoints that take times (GET /meetings/meeting_summaries).
	MonthTimeWindow
)

// Source says where a stream's records come from.
type Source string

const (
	// SourceZoom: Zoom's API, through the one client (every stream but
	// those below).
	SourceZoom Source = ""
	// SourceStore: the serve command's store, where serve keeps the
	// verified webhook events it received (webhook_events). The read
	// command gives the engine the store's reader (engine.Source).
	SourceStore Source = "store"
)

// Stream declares one stream.
type Stream struct {
	// Name is the stream's name in catalogs, state and output files.
	Name string
	// Source is where the records come from (default: Zoom's API). A
	// stream of another source is a root stream with one partition; its
	// records carry their place in the source (Cursor), which the state
	// keeps per key (StreamState.Positions).
	Source Source
	// Doc is a one-line description.
	Doc string
	// Path is Zoom's path template, such as "/meetings/{meetingId}/registrants".
	Path string
	// Envelope is the key of the array of records in the answer; empty means
	// the whole answer is one record.
	Envelope string
	// PageSize is the page size to ask for; 0 means the endpoint is not
	// paginated.
	PageSize int
	// Category is the endpoint's rate-limit label.
	Category zoomapi.Category
	// Parent names the stream whose records partition this one; empty for
	// a root stream.
	Parent string
	// PathFrom maps each path placeholder to the parent record field that
	// fills it.
	PathFrom map[string]string
	// Detail, when set, is fetched for each listed item (a path template
	// filled from the listed item by DetailFrom); the record is the detail,
	// not the list item. Items whose detail is gone (code 3001) are skipped.
	Detail         string
	DetailFrom     map[string]string
	DetailCategory zoomapi.Category
	// UUIDParam names a placeholder holding a meeting or webinar UUID, which
	// must be encoded as Zoom requires (in Path or in Detail).
	UUIDParam string
	// Keys maps fields added to each record to the parent record fields
	// they come from, so tables join.
	Keys map[string]string
	// Query is sent with every request.
	Query url.Values
	// Fanout sends one request chain per entry, each merged into Query
	// (for example status=approved, pending and denied).
	Fanout []url.Values
	// Window splits requests in time.
	Window Window
	// WindowKeys adds the window's from and to dates to each record, for
	// report rows that are totals over the window.
	WindowKeys bool
	// MaxAgeMonths is how many calendar months back Zoom serves a windowed
	// stream (six for reports: "within the last six months"); a start_date
	// older than that is moved forward. Zero means Zoom documents no limit
	// (recordings): the read reaches back to start_date.
	MaxAgeMonths int
	// Position, when set, names a field the engine adds to each record: the
	// record's 0-based position in its partition's answer. It identifies
	// records that carry no identifier of their own (poll answers and Q&A
	// of guests, who may have no email and share a name); a partition is
	// always read whole, so a re-read gives every position again.
	Position string
	// UTCTimes lists fields, as paths such as "question_details[].date_time",
	// that Zoom sends as "yyyy-mm-dd hh:mm:ss" without a zone although they
	// are UTC; the engine rewrites them as RFC 3339 ("yyyy-mm-ddThh:mm:ssZ")
	// so they fit their declared date-time format. Values in any other
	// shape are left as they are.
	UTCTimes []string
	// Download, when set, names a record field holding a URL whose content
	// (text) the engine downloads with the same client, so its host must
	// pass the allow-list like every request; the text replaces the URL in
	// the record, as DownloadInto (null when the URL is empty). The URL is
	// an access path, not data: it changes from answer to answer, and
	// output files should not hold a way to the content.
	Download, DownloadInto string
	// OffByDefault keeps the stream out of a read that names no streams
	// (no --streams, no catalog) unless the config enables it: for streams
	// that cost a scarce quota (the Dashboard's). discover lists it.
	OffByDefault bool
	// PrimaryKey lists the record fields that identify a record.
	PrimaryKey [][]string
	// Cursor is the record field incremental reads advance on; empty means
	// the stream is incremental only through its window or its parent.
	Cursor string
	// ParentCursor, when set, makes the stream incremental on its parent's
	// field of that name: a partition whose parent is older than the
	// stream's cursor (less the lookback) is not read again.
	ParentCursor string
	// Settles makes the stream incremental on settled meetings and
	// webinars (connector/engine/changes.go): an incremental read does not
	// ask again for what a settled one has (on meetings and webinars, their
	// details; on their children, the child's requests for it).
	Settles bool
	// Scopes are the classic scopes that allow the endpoint; Granular the
	// granular ones. A token needs any one of them.
	Scopes, Granular []string
	// Needs, when set, is asked for each parent record whether a request
	// can return data at all (registrants of a meeting without
	// registration are not requested).
	Needs func(parent map[string]any) bool
}

// All returns every stream, parents before children: Zoom's, then those
// of other sources.
func All() []Stream {
	return []Stream{
		users(),
		meetings(),
		meetingRegistrants(),
		meetingRegistrationQuestions(),
		meetingPolls(),
		pastMeetingInstances(),
		pastMeetingParticipants(),
		meetingPollResults(),
		webinars(),
		webinarRegistrants(),
		webinarRegistrationQuestions(),
		webinarPanelists(),
		webinarPolls(),
		webinarTrackingSources(),
		pastWebinarInstances(),
		pastWebinarParticipants(),
		webinarAbsentees(),
		webinarPollResults(),
		webinarQnAResults(),
		reportMeetings(),
		reportMeetingParticipants(),
		reportWebinars(),
		reportWebinarParticipants(),
		reportDaily(),
		reportUsers(),
		reportUserMeetings(),
		reportActivities(),
		recordings(),
		groups(),
		groupMembers(),
		roles(),
		roleMembers(),
		trackingFields(),
		meetingQnAResults(),
		reportMeetingQA(),
		reportMeetingSurveys(),
		reportWebinarSurveys(),
		reportOperationLogs(),
		reportCloudRecording(),
		meetingSummaries(),
		recordingTranscripts(),
		metricsMeetings(),
		metricsMeetingParticipants(),
		webhookEvents(),
	}
}

// Zoom returns the streams read from Zoom's API, in All's order: those
// that have paths, rate-limit categories and scopes.
func Zoom() []Stream {
	var out []Stream
	for _, s := range All() {
		if s.Source == SourceZoom {
			out = append(out, s)
		}
	}
	return out
}

// ZoomNames returns the names of Zoom's streams, in All's order.
func ZoomNames() []string {
	var out []string
	for _, s := range Zoom() {
		out = append(out, s.Name)
	}
	return out
}

// Incremental reports whether the stream supports incremental reads.
func (s Stream) Incremental() bool {
	return s.Cursor != "" || s.ParentCursor != "" || s.Window != NoWindow || s.Settles
}

// SelectedByDefault reports whether a read that names no streams reads s:
// enabled says what the config sets for it (nil when it sets nothing).
func (s Stream) SelectedByDefault(enabled *bool) bool {
	if enabled != nil {
		return *enabled
	}
	return !s.OffByDefault
}

// ByName returns the stream with the given name.
func ByName(name string) (Stream, bool) {
	for _, s := range All() {
		if s.Name == name {
			return s, true
		}
	}
	return Stream{}, false
}

// Names returns every stream's name, in All's order.
func Names() []string {
	var out []string
	for _, s := range All() {
		out = append(out, s.Name)
	}
	return out
}

// MissingScopes reports whether granted allows the stream, and if not the
// scopes any one of which would.
func (s Stream) MissingScopes(granted []string) []string {
	for _, sc := range slices.Concat(s.Scopes, s.Granular) {
		if slices.Contains(granted, sc) {
			return nil
		}
	}
	return slices.Concat(s.Granular, s.Scopes)
}

func pk(fields ...string) [][]string {
	out := make([][]string, len(fields))
	for i, f := range fields {
		out[i] = []string{f}
	}
	return out
}

func statuses(vals ...string) []url.Values {
	out := make([]url.Values, len(vals))
	for i, v := range vals {
		out[i] = url.Values{"status": {v}}
	}
	return out
}

// registrationEnabled reports whether a meeting or webinar takes
// registrants: settings.approval_type 0 (automatic) or 1 (manual); 2 means
// no registration.
func registrationEnabled(parent map[string]any) bool {
	settings, _ := parent["settings"].(map[string]any)
	switch v := settings["approval_type"].(type) {
	case float64:
		return v != 2
	case interface{ String() string }:
		return v.String() != "2"
	}
	return true
}
