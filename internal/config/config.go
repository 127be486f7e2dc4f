package config

import (
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// Defaults of the optional settings; they match the "default" keywords of
// spec/config.schema.json (a test keeps the two in step).
const (
	DefaultValidationURL = "https://api.zoom.us/v2/users/me"
	DefaultAPIBaseURL    = zoomapi.DefaultAPIBaseURL
	DefaultOAuthTokenURL = zoomapi.DefaultTokenURL
	DefaultLookbackDays  = 1
	// DefaultSettleDays covers the registrant decisions hosts make up to
	// two days after a meeting (the simulator's life) and Zoom's report
	// delay (undocumented; the simulator assumes 30 minutes).
	DefaultSettleDays     = 3
	DefaultReconcileDays  = 7
	DefaultPlan           = PlanPro
	DefaultMaxConcurrency = 8
	DefaultPageSize       = 300
	DefaultRequestTimeout = zoomapi.DefaultRequestTimeout

	// MaxPageSize is the largest page_size Zoom accepts on the list
	// endpoints the connector reads.
	MaxPageSize = zoomapi.MaxPageSize
	// MaxConcurrencyLimit is the largest accepted max_concurrency.
	MaxConcurrencyLimit = 64
	// MaxLookbackDays is the largest accepted lookback_days, settle_days
	// and reconcile_days.
	MaxLookbackDays = 365
	// MaxRequestTimeout is the largest accepted request_timeout_seconds.
	MaxRequestTimeout = 600 * time.Second

	// DefaultRetention is how far back Zoom's report endpoints reach
	// (zoomapi.ReportRetention). Streams with a different retention pass
	// their own to ClampStartDate.
	DefaultRetention = zoomapi.ReportRetention
)

// Environment variables that fill the credentials a configuration leaves out.
const (
	EnvAccountID    = "ZOOM_ACCOUNT_ID"
	EnvClientID     = "ZOOM_CLIENT_ID"
	EnvClientSecret = "ZOOM_CLIENT_SECRET"
)

// Plan is the Zoom account plan, which selects the documented rate limits.
type Plan string

// Plans accepted by the plan setting.
const (
	PlanFree      Plan = zoomapi.PlanFree
	PlanPro       Plan = zoomapi.PlanPro
	PlanBusiness  Plan = zoomapi.PlanBusiness
	PlanUnlimited Plan = zoomapi.PlanUnlimited
)

// RateLimits are request rates per Zoom rate-limit category. Light, Medium
// and Heavy are per second, ResourceIntensive is per minute. A zero field
// means "not set" in an override and "no client-side limit" in the result of
// Config.EffectiveRateLimits.
type RateLimits struct {
	Light             float64
	Medium            float64
	Heavy             float64
	ResourceIntensive float64
}

// PlanRateLimits returns Zoom's documented per-account limits for a plan
// (zoomapi.LimitsOf). PlanUnlimited and unknown plans give the zero value:
// no client-side limit.
func PlanRateLimits(p Plan) RateLimits {
	l, ok := zoomapi.LimitsOf(string(p))
	if !ok || p == "" {
		return RateLimits{}
	}
	return RateLimits{Light: l.Light, Medium: l.Medium, Heavy: l.Heavy, ResourceIntensive: l.ResourceIntensivePerMinute}
}

// StreamConfig holds per-stream overrides. Zero or nil fields inherit the
// global setting; use the Config.Stream* methods to read the effective value.
type StreamConfig struct {
	// PageSize overrides Config.PageSize when non-zero.
	PageSize int
	// Enabled, when non-nil, turns the stream on or off.
	Enabled *bool
	// LookbackDays, when non-nil, overrides Config.LookbackDays.
	LookbackDays *int
	// Priority orders the stream's requests before those of streams of
	// lower priority in the same rate-limit category (default 0), so that
	// when a category's daily quota is short the streams needed first get
	// it.
	Priority int
}

// MaxPriority bounds a stream's priority (-MaxPriority..MaxPriority).
const MaxPriority = 1000

// ServeConfig is the serve command's part of the configuration; the
// command's flags override it.
type ServeConfig struct {
	Listen             string        `json:"listen"`
	Targets            []ServeTarget `json:"targets"`
	AllowedOrigins     []string      `json:"allowed_origins"`
	ThankYouURL        string        `json:"thank_you_url"`
	RateLimitPerMinute int           `json:"rate_limit_per_minute"`
	TrustProxy         bool          `json:"trust_proxy"`
	Store              string        `json:"store"`
	OAuthRedirectURL   string        `json:"oauth_redirect_url"`
	MetricsListen      string        `json:"metrics_listen"`
}

// ServeTarget is a meeting or webinar the registration endpoint accepts.
type ServeTarget struct {
	MeetingID int64  `json:"meeting_id"`
	WebinarID int64  `json:"webinar_id"`
	Label     string `json:"label"`
}

// Target names the meeting or webinar the write command adds registrants to.
// Exactly one of MeetingID and WebinarID is non-zero in a valid Target.
type Target struct {
	MeetingID     int64
	WebinarID     int64
	OccurrenceIDs string
}

// Config is the connector configuration described by spec/config.schema.json.
//
// Build it with Load or FromMap (which apply defaults and validate), or by
// hand followed by SetDefaults and Validate. Secrets are of type Secret, so
// printing or logging a Config never shows them; use Redacted for a loggable
// view.
type Config struct {
	// AccountID, ClientID and ClientSecret are the Server-to-Server OAuth
	// app's credentials (required).
	AccountID    string
	ClientID     string
	ClientSecret Secret

	// AuthType is how the connector signs in (default AuthServerToServer).
	// With AuthOAuth, ClientID and ClientSecret are the user-authorized
	// app's, AccountID is empty, and RefreshToken and TokenStore apply.
	AuthType AuthType
	// RefreshToken is the oauth refresh token from the config; a token in
	// TokenStore wins over it (it is newer: Zoom rotates it on each refresh).
	RefreshToken Secret
	// TokenStore is the path of the encrypted token store file, or "".
	TokenStore string
	// authBlock records that the credentials came from the auth object, so
	// that violations name /auth/... paths.
	authBlock bool

	// ValidationURL is fetched by check to prove the credentials work.
	ValidationURL string
	// APIBaseURL is the Zoom REST API base, without a trailing slash.
	APIBaseURL string
	// OAuthTokenURL is the token endpoint; the client secret is sent there.
	OAuthTokenURL string

	// StartDate is the earliest instant to read, in UTC; zero means six
	// months ago. Each windowed stream moves an older one forward to what
	// Zoom keeps for it (reports: six months; recordings: no limit). See
	// ClampStartDate.
	StartDate time.Time
	// LookbackDays is how many days incremental reads re-read before the
	// cursor. Zero is meaningful, so SetDefaults leaves it alone; Load and
	// Default set it to DefaultLookbackDays when the file omits it.
	LookbackDays int
	// SettleDays and ReconcileDays set change-driven incremental reads
	// (connector/engine/changes.go): a meeting or webinar settles this many
	// days after its last occurrence ended (0: never), and every
	// ReconcileDays a read skips nothing (0: never). Zero is meaningful,
	// so like LookbackDays they are set by Load and Default.
	SettleDays    int
	ReconcileDays int

	// Plan selects the rate limits; RateLimits overrides them per category.
	Plan       Plan
	RateLimits RateLimits

	// MaxConcurrency bounds the requests in flight (1..64).
	MaxConcurrency int
	// PageSize is the default page size (1..300).
	PageSize int
	// RequestTimeout bounds one HTTP request.
	RequestTimeout time.Duration
	// CheckpointInterval is how often a read commits its output and emits
	// its state; zero means the output's default.
	CheckpointInterval time.Duration
	// QuotaProbe lets a read whose state has no request counts from an
	// earlier read ask Zoom for a sample first, to estimate its requests
	// (connector/quota; default true).
	QuotaProbe bool

	// Streams holds per-stream overrides keyed by stream name.
	Streams map[string]StreamConfig

	// WebhookSecretToken verifies Zoom webhook signatures (serve command).
	WebhookSecretToken Secret
	// Serve holds the serve command's settings (nil: none).
	Serve *ServeConfig

	// Mapping maps upstream column names to registrant fields (write command).
	Mapping map[string]string
	// DefaultTarget is the meeting or webinar for rows that name none.
	DefaultTarget *Target
	// AutoApprove, SendConfirmationEmail and DryRun tune the write command.
	AutoApprove           bool
	SendConfirmationEmail bool
	DryRun                bool
}

// Default returns a Config with every default applied and no credentials.
func Default() *Config {
	c := &Config{LookbackDays: DefaultLookbackDays, SettleDays: DefaultSettleDays, ReconcileDays: DefaultReconcileDays, QuotaProbe: true}
	c.SetDefaults()
	return c
}

// SetDefaults fills every unset field whose zero value is not a meaningful
// setting: the URLs, Plan, MaxConcurrency, PageSize and RequestTimeout.
// LookbackDays (where 0 means "no lookback") and the booleans are left alone.
func (c *Config) SetDefaults() {
	if c.AuthType == "" {
		c.AuthType = AuthServerToServer
	}
	if c.ValidationURL == "" {
		c.ValidationURL = DefaultValidationURL
	}
	if c.APIBaseURL == "" {
		c.APIBaseURL = DefaultAPIBaseURL
	}
	if c.OAuthTokenURL == "" {
		c.OAuthTokenURL = DefaultOAuthTokenURL
	}
	if c.Plan == "" {
		c.Plan = DefaultPlan
	}
	if c.MaxConcurrency == 0 {
		c.MaxConcurrency = DefaultMaxConcurrency
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
}

// Validate checks the typed configuration: required credentials, ranges,
// URLs and the write target. It returns nil or a *ValidationError listing
// every problem, each with the JSON path of the setting; secret values never
// appear in it. Call SetDefaults first.
func (c *Config) Validate() error {
	var v []Violation
	add := func(path, format string, args ...any) {
		v = append(v, Violation{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	c.validateCredentials(add) // auth.go
	for _, u := range []struct{ path, val string }{
		{"/validation_url", c.ValidationURL},
		{"/api_base_url", c.APIBaseURL},
		{"/oauth_token_url", c.OAuthTokenURL},
	} {
		if msg := checkURL(u.val); msg != "" {
			add(u.path, "%s", msg)
		}
	}
	if c.LookbackDays < 0 || c.LookbackDays > MaxLookbackDays {
		add("/lookback_days", "must be between 0 and %d", MaxLookbackDays)
	}
	if c.SettleDays < 0 || c.SettleDays > MaxLookbackDays {
		add("/settle_days", "must be between 0 and %d", MaxLookbackDays)
	}
	if c.ReconcileDays < 0 || c.ReconcileDays > MaxLookbackDays {
		add("/reconcile_days", "must be between 0 and %d", MaxLookbackDays)
	}
	switch c.Plan {
	case PlanFree, PlanPro, PlanBusiness, PlanUnlimited:
	default:
		add("/plan", "must be one of free, pro, business, unlimited")
	}
	for _, r := range []struct {
		name string
		val  float64
	}{{"light", c.RateLimits.Light}, {"medium", c.RateLimits.Medium}, {"heavy", c.RateLimits.Heavy}, {"resource_intensive", c.RateLimits.ResourceIntensive}} {
		if r.val < 0 {
			add("/rate_limits/"+r.name, "must be > 0")
		}
	}
	if c.MaxConcurrency < 1 || c.MaxConcurrency > MaxConcurrencyLimit {
		add("/max_concurrency", "must be between 1 and %d", MaxConcurrencyLimit)
	}
	if c.PageSize < 1 || c.PageSize > MaxPageSize {
		add("/page_size", "must be between 1 and %d", MaxPageSize)
	}
	if c.RequestTimeout <= 0 || c.RequestTimeout > MaxRequestTimeout {
		add("/request_timeout_seconds", "must be > 0 and <= %d", int(MaxRequestTimeout/time.Second))
	}
	for _, name := range slices.Sorted(maps.Keys(c.Streams)) {
		s := c.Streams[name]
		p := "/streams/" + escapePointer(name)
		if name == "" {
			add(p, "stream name must not be empty")
		}
		if s.PageSize < 0 || s.PageSize > MaxPageSize {
			add(p+"/page_size", "must be between 1 and %d", MaxPageSize)
		}
		if s.LookbackDays != nil && (*s.LookbackDays < 0 || *s.LookbackDays > MaxLookbackDays) {
			add(p+"/lookback_days", "must be between 0 and %d", MaxLookbackDays)
		}
		if s.Priority < -MaxPriority || s.Priority > MaxPriority {
			add(p+"/priority", "must be between %d and %d", -MaxPriority, MaxPriority)
		}
	}
	for _, col := range slices.Sorted(maps.Keys(c.Mapping)) {
		if c.Mapping[col] == "" {
			add("/mapping/"+escapePointer(col), "registrant field must not be empty")
		}
	}
	if t := c.DefaultTarget; t != nil {
		t.validate(add)
	}
	if len(v) == 0 {
		return nil
	}
	return &ValidationError{Violations: v}
}

// validate reports the default target's violations to add.
func (t *Target) validate(add func(path, format string, args ...any)) {
	switch {
	case t.MeetingID < 0:
		add("/default_target/meeting_id", "must be a positive meeting ID")
	case t.WebinarID < 0:
		add("/default_target/webinar_id", "must be a positive webinar ID")
	case t.MeetingID != 0 && t.WebinarID != 0:
		add("/default_target", "set meeting_id or webinar_id, not both")
	case t.MeetingID == 0 && t.WebinarID == 0:
		add("/default_target", "set meeting_id or webinar_id")
	}
	for _, id := range strings.Split(t.OccurrenceIDs, ",") {
		if t.OccurrenceIDs != "" && strings.TrimSpace(id) == "" {
			add("/default_target/occurrence_ids", "must be a comma-separated list without empty items")
			break
		}
	}
}

// CheckStreamNames reports, as a *ValidationError, every key of Streams that
// is not in known (the names of the registered streams). It returns nil when
// all names are known.
func (c *Config) CheckStreamNames(known []string) error {
	var v []Violation
	for _, name := range slices.Sorted(maps.Keys(c.Streams)) {
		if !slices.Contains(known, name) {
			v = append(v, Violation{Path: "/streams/" + escapePointer(name), Message: "unknown stream; known streams: " + strings.Join(known, ", ")})
		}
	}
	if len(v) == 0 {
		return nil
	}
	return &ValidationError{Violations: v}
}

// StreamEnabled reports whether the named stream is enabled (the default).
func (c *Config) StreamEnabled(name string) bool {
	if s, ok := c.Streams[name]; ok && s.Enabled != nil {
		return *s.Enabled
	}
	return true
}

// StreamPageSize returns the page size for the named stream.
func (c *Config) StreamPageSize(name string) int {
	if s, ok := c.Streams[name]; ok && s.PageSize > 0 {
		return s.PageSize
	}
	return c.PageSize
}

// StreamLookbackDays returns the incremental lookback for the named stream.
func (c *Config) StreamLookbackDays(name string) int {
	if s, ok := c.Streams[name]; ok && s.LookbackDays != nil {
		return *s.LookbackDays
	}
	return c.LookbackDays
}

// StreamPriority returns the named stream's priority (0 unless set).
func (c *Config) StreamPriority(name string) int {
	return c.Streams[name].Priority
}

// StreamLookback returns StreamLookbackDays as a duration.
func (c *Config) StreamLookback(name string) time.Duration {
	return time.Duration(c.StreamLookbackDays(name)) * 24 * time.Hour
}

// EffectiveRateLimits returns the plan's limits with every non-zero field of
// RateLimits taking precedence. A zero field in the result means no
// client-side limit for that category.
func (c *Config) EffectiveRateLimits() RateLimits {
	r := PlanRateLimits(c.Plan)
	o := c.RateLimits
	if o.Light > 0 {
		r.Light = o.Light
	}
	if o.Medium > 0 {
		r.Medium = o.Medium
	}
	if o.Heavy > 0 {
		r.Heavy = o.Heavy
	}
	if o.ResourceIntensive > 0 {
		r.ResourceIntensive = o.ResourceIntensive
	}
	return r
}

// ClampStartDate returns the start date to use for a stream whose data Zoom
// keeps for retention before now. With no StartDate it returns now minus
// retention and no warning; with a StartDate older than that it returns now
// minus retention and a warning; otherwise it returns StartDate. A StartDate
// in the future is returned as is with a warning (nothing will be read).
// The Config is not modified, because retention differs between streams.
func (c *Config) ClampStartDate(now time.Time, retention time.Duration) (time.Time, *Warning) {
	now = now.UTC()
	earliest := now.Add(-retention)
	switch {
	case c.StartDate.IsZero():
		return earliest, nil
	case c.StartDate.Before(earliest):
		return earliest, &Warning{
			Path: "/start_date",
			Message: fmt.Sprintf("%s is older than Zoom keeps this data (%s); using %s",
				c.StartDate.Format(time.RFC3339), humanDuration(retention), earliest.Format(time.RFC3339)),
		}
	case c.StartDate.After(now):
		return c.StartDate, &Warning{
			Path:    "/start_date",
			Message: fmt.Sprintf("%s is in the future; nothing will be read", c.StartDate.Format(time.RFC3339)),
		}
	default:
		return c.StartDate, nil
	}
}

// Redacted returns the configuration as a map keyed by the JSON names of
// spec/config.schema.json, safe to log: secrets that are set read
// "[redacted]" and unset ones are "".
func (c *Config) Redacted() map[string]any {
	secret := func(s Secret) string {
		if s.IsZero() {
			return ""
		}
		return Redacted
	}
	m := map[string]any{
		"account_id":                  c.AccountID,
		"client_id":                   c.ClientID,
		"client_secret":               secret(c.ClientSecret),
		"validation_url":              c.ValidationURL,
		"api_base_url":                c.APIBaseURL,
		"oauth_token_url":             c.OAuthTokenURL,
		"lookback_days":               c.LookbackDays,
		"plan":                        string(c.Plan),
		"max_concurrency":             c.MaxConcurrency,
		"page_size":                   c.PageSize,
		"request_timeout_seconds":     c.RequestTimeout.Seconds(),
		"checkpoint_interval_seconds": int(c.CheckpointInterval / time.Second),
		"quota_probe":                 c.QuotaProbe,
		"webhook_secret_token":        secret(c.WebhookSecretToken),
		"auto_approve":                c.AutoApprove,
		"send_confirmation_email":     c.SendConfirmationEmail,
		"dry_run":                     c.DryRun,
	}
	if !c.StartDate.IsZero() {
		m["start_date"] = c.StartDate.Format(time.RFC3339)
	}
	rl := map[string]any{}
	for k, v := range map[string]float64{"light": c.RateLimits.Light, "medium": c.RateLimits.Medium, "heavy": c.RateLimits.Heavy, "resource_intensive": c.RateLimits.ResourceIntensive} {
		if v > 0 {
			rl[k] = v
		}
	}
	if len(rl) > 0 {
		m["rate_limits"] = rl
	}
	if len(c.Streams) > 0 {
		streams := make(map[string]any, len(c.Streams))
		for name, s := range c.Streams {
			sm := map[string]any{}
			if s.PageSize > 0 {
				sm["page_size"] = s.PageSize
			}
			if s.Enabled != nil {
				sm["enabled"] = *s.Enabled
			}
			if s.LookbackDays != nil {
				sm["lookback_days"] = *s.LookbackDays
			}
			if s.Priority != 0 {
				sm["priority"] = s.Priority
			}
			streams[name] = sm
		}
		m["streams"] = streams
	}
	if len(c.Mapping) > 0 {
		m["mapping"] = maps.Clone(c.Mapping)
	}
	if t := c.DefaultTarget; t != nil {
		tm := map[string]any{}
		if t.MeetingID != 0 {
			tm["meeting_id"] = t.MeetingID
		}
		if t.WebinarID != 0 {
			tm["webinar_id"] = t.WebinarID
		}
		if t.OccurrenceIDs != "" {
			tm["occurrence_ids"] = t.OccurrenceIDs
		}
		m["default_target"] = tm
	}
	if a := c.redactedAuth(); a != nil {
		m["auth"] = a
	}
	return m
}

// checkURL returns a problem with an absolute http(s) URL, or "".
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "must be a valid URL"
	case u.Scheme != "https" && u.Scheme != "http":
		return "must be an http or https URL"
	case u.Host == "":
		return "must be an absolute URL with a host"
	case u.User != nil:
		return "must not contain user information"
	case u.RawQuery != "" || u.Fragment != "":
		return "must not contain a query or fragment"
	}
	return ""
}

// escapePointer escapes a JSON Pointer reference token (RFC 6901).
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// humanDuration prints whole days as "N days" and anything else as Duration.
func humanDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	}
	return d.String()
}

// LogValue implements slog.LogValuer: logging a Config logs Redacted.
func (c *Config) LogValue() slog.Value { return slog.AnyValue(c.Redacted()) }
