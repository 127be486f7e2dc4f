package zoomapi

import (
	"strings"
	"sync"
	"time"
)

// Zoom's documented facts the connector acts on, in one place: the plans
// and their rate limits, how far back the report endpoints reach, the
// page size, and the error codes the connector tells apart. Sources:
// https://developers.zoom.us/docs/api/rate-limits/,
// https://developers.zoom.us/docs/api/errors/ and
// ../shared/reference/zoom-api-facts.md.

// Plan names (the configuration's plan setting).
const (
	PlanFree      = "free"
	PlanPro       = "pro"
	PlanBusiness  = "business"
	PlanUnlimited = "unlimited"
)

// PlanLimits are a plan's documented requests per category: per second
// for Light, Medium and Heavy, per minute for Resource-intensive. The zero
// value means no client-side limit (PlanUnlimited).
type PlanLimits struct {
	Light, Medium, Heavy       float64
	ResourceIntensivePerMinute float64
}

// planLimits is Zoom's table; education, enterprise and business+ share
// business's limits.
var planLimits = map[string]PlanLimits{
	PlanFree:      {Light: 4, Medium: 2, Heavy: 1, ResourceIntensivePerMinute: 10},
	PlanPro:       {Light: 30, Medium: 20, Heavy: 10, ResourceIntensivePerMinute: 10},
	PlanBusiness:  {Light: 80, Medium: 60, Heavy: 40, ResourceIntensivePerMinute: 20},
	"education":   {Light: 80, Medium: 60, Heavy: 40, ResourceIntensivePerMinute: 20},
	"enterprise":  {Light: 80, Medium: 60, Heavy: 40, ResourceIntensivePerMinute: 20},
	"business+":   {Light: 80, Medium: 60, Heavy: 40, ResourceIntensivePerMinute: 20},
	PlanUnlimited: {},
}

// LimitsOf returns the documented limits of plan ("" is PlanPro) and
// whether the plan is known.
func LimitsOf(plan string) (PlanLimits, bool) {
	p := strings.ToLower(strings.TrimSpace(plan))
	if p == "" {
		p = PlanPro
	}
	l, ok := planLimits[p]
	return l, ok
}

// Retention of the report endpoints: "within the last six months". The
// duration, 180 days, is always inside six calendar months.
const (
	ReportRetentionMonths = 6
	ReportRetention       = 180 * 24 * time.Hour
)

// MaxPageSize is the largest page_size Zoom accepts on the list endpoints
// the connector reads.
const MaxPageSize = 300

// Zoom error codes (the "code" of an error body) the connector tells
// apart.
const (
	// CodeNoPermission (400): "No permission.", "Only available for paid
	// account", or "Webinar plan is missing" for a user without webinars.
	CodeNoPermission = 200
	// CodeInvalidToken (401): the access token is invalid or expired.
	CodeInvalidToken = 124
	// CodeInvalidRequest (400): validation failed (with field errors), an
	// expired next_page_token, registration not enabled, or a batch add on
	// a webinar type that takes none.
	CodeInvalidRequest = 300
	// CodeBatchNotSupported (400): batch registration is only for
	// scheduled meetings.
	CodeBatchNotSupported = 303
	// CodeUserNotFound (404): the user does not exist.
	CodeUserNotFound = 1001
	// CodeMeetingAccess (400): "Cannot access meeting info", "does not
	// have registration", or a registrant not found.
	CodeMeetingAccess = 3000
	// CodeMeetingNotFound (404): the meeting or webinar does not exist.
	CodeMeetingNotFound = 3001
	// CodeNotHost (400): "You are not the meeting host."
	CodeNotHost = 3003
	// CodeHostCannotRegister (400): the host cannot register.
	CodeHostCannotRegister = 3027
	// CodeEventOver (400): the meeting or webinar is over.
	CodeEventOver = 3038
	// CodeCapacityReached (400; 404 in batch): maximum attendee capacity.
	CodeCapacityReached = 3043
	// CodeHostingNotAllowed (400): the user may not host or schedule.
	CodeHostingNotAllowed = 3161
	// CodeScopeMissing (400): the token lacks the scopes (4700 in some
	// documents, with "does not contain scope" in the message).
	CodeScopeMissing    = 4711
	CodeTokenScopeOrNil = 4700
	// CodeOlderThanAYear (400): a report of a meeting older than a year.
	CodeOlderThanAYear = 12702
)

// DailyLimits remembers the rate-limit categories whose daily limit Zoom
// reported (a daily *RateLimitError that is not PerRegistrant), each until
// its reset: a run sends no further request of such a category. The read
// engine and the writer share it. The zero value is ready; it is safe for
// concurrent use.
type DailyLimits struct {
	mu sync.Mutex
	m  map[Category]time.Time
}

// Note records that cat's daily limit is reached until reset, and reports
// whether this is the first time (to log it once).
func (d *DailyLimits) Note(cat Category, reset time.Time) (first bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[Category]time.Time{}
	}
	_, seen := d.m[cat]
	if !seen || reset.After(d.m[cat]) {
		d.m[cat] = reset
	}
	return !seen
}

// Reached returns cat's reset when its daily limit was reached.
func (d *DailyLimits) Reached(cat Category) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.m[cat]
	return t, ok
}

// DailyPool is a daily quota: the requests of its categories, together,
// that a plan allows an account per day (UTC).
type DailyPool struct {
	Categories []Category
	Requests   int
}

// dailyPools is Zoom's table of daily quotas: the free plan has one per
// category; on paid plans Heavy and Resource-intensive share one (30,000
// on Pro, 60,000 on Business and above) and Light and Medium have none.
var dailyPools = map[string][]DailyPool{
	PlanFree: {
		{Categories: []Category{CategoryLight}, Requests: 6000},
		{Categories: []Category{CategoryMedium}, Requests: 2000},
		{Categories: []Category{CategoryHeavy}, Requests: 1000},
		{Categories: []Category{CategoryResourceIntensive}, Requests: 30000},
	},
	PlanPro:       {{Categories: []Category{CategoryHeavy, CategoryResourceIntensive}, Requests: 30000}},
	PlanBusiness:  {{Categories: []Category{CategoryHeavy, CategoryResourceIntensive}, Requests: 60000}},
	"education":   {{Categories: []Category{CategoryHeavy, CategoryResourceIntensive}, Requests: 60000}},
	"enterprise":  {{Categories: []Category{CategoryHeavy, CategoryResourceIntensive}, Requests: 60000}},
	"business+":   {{Categories: []Category{CategoryHeavy, CategoryResourceIntensive}, Requests: 60000}},
	PlanUnlimited: nil,
}

// DailyPools returns the daily quotas of plan ("" is PlanPro; none for
// PlanUnlimited) and whether the plan is known.
func DailyPools(plan string) ([]DailyPool, bool) {
	p := strings.ToLower(strings.TrimSpace(plan))
	if p == "" {
		p = PlanPro
	}
	pools, ok := dailyPools[p]
	return pools, ok
}
