package zoomsim

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// zoomTime is the layout Zoom uses for date-time fields (always UTC).
const zoomTime = "2006-01-02T15:04:05Z"

// zoomSpaceTime is the layout real Zoom answers use for poll answer times
// (question_details[].date_time), UTC without a zone, although both OpenAPI
// documents declare date-time ("2024-02-20 15:31:33" in a captured answer:
// see internal/tools/genschemas/zoom_sends.json for the capture).
const zoomSpaceTime = "2006-01-02 15:04:05"

// zoomDate is the layout of Zoom's date fields (report from/to, daily dates).
const zoomDate = "2006-01-02"

// MaxRegistrantsPerMeeting is Zoom's registrant capacity for one meeting or
// webinar ("Meeting has reached maximum attendee capacity.", code 3043).
const MaxRegistrantsPerMeeting = 4999

// bigIDBase is 2^53+1: meeting and webinar IDs at or above it cannot be held
// exactly in a float64, so clients must parse them as 64-bit integers.
const bigIDBase int64 = 9007199254740993

// Dataset is one generated Zoom account: its users, meetings, webinars and
// everything hanging off them. Children that are numerous (registrants,
// participants, poll answers, ...) are not stored: they are derived on demand
// from a per-parent seed, so the same seed always yields the same records.
// Registrants created through the API are stored and served after the
// generated ones.
type Dataset struct {
	// Preset is the preset name the dataset was generated from.
	Preset string
	// Seed is the generator seed.
	Seed int64
	// Now is the clock value the dataset was generated around.
	Now time.Time
	// AccountID is the simulated account's ID.
	AccountID string
	// Users holds every user, all statuses; Users[0] is the account owner
	// that "me" resolves to.
	Users []*User
	// Meetings holds every meeting of every user (deleted ones included).
	Meetings []*Meeting
	// Webinars holds every webinar of every user.
	Webinars []*Meeting
	// Activities are the sign-in/sign-out logs, newest first.
	Activities []Activity
	// Groups are the account's user groups (users' group_ids name them).
	Groups []*Group
	// TrackingFields are the account's meeting tracking fields.
	TrackingFields []TrackingField
	// OperationLogs are the admin and user actions of the account (the
	// operation logs report), newest first.
	OperationLogs []OperationLog
	// DownloadBase is the scheme and host of the download URLs the
	// simulator gives (transcripts): DefaultDownloadBase, or where the
	// server listens once it does (Options.DownloadBase overrides).
	DownloadBase string
	// MaxRegistrants is the per-meeting registrant capacity (Zoom: 4,999);
	// tests may lower it to reach the capacity error quickly.
	MaxRegistrants int
	// MaxPanelists is a webinar's panelist limit (invented default
	// DefaultMaxPanelists when zero).
	MaxPanelists int
	// CancelRemoves makes a cancelled registrant disappear from every
	// registrant list; by default it is listed as denied. Zoom does not
	// document which (invented either way).
	CancelRemoves bool

	// baseUsers are the generated users: past participants are drawn from
	// them, so the account's later life never rewrites history.
	baseUsers  []*User
	usersByKey map[string]*User // by id and lower-case email
	byID       map[int64]*Meeting
	byUUID     map[string]*Instance
	daily      map[string]*dailyAgg // by yyyy-mm-dd

	created    map[int64][]*Registrant // registrants added through the API
	createdLog []*Registrant
	addCounts  map[string]int // per registrant+meeting+UTC day add calls
	lc         *lifecycle     // status changes, deletions, panelists (lifecycle endpoints)

	// addsReceived counts add requests per person and target (AddsReceived).
	addsReceived map[string]int
}

// User is one Zoom user of the account.
type User struct {
	// ID is empty for pending users: Zoom sends no id for them.
	ID        string
	Email     string
	FirstName string
	LastName  string
	// Type is 1 (Basic, unlicensed) or 2 (Licensed).
	Type int
	// Status is active, inactive or pending.
	Status        string
	PMI           int64
	Timezone      string
	Dept          string
	RoleID        string
	RoleName      string
	Language      string
	CreatedAt     time.Time
	LastLogin     time.Time
	ClientVersion string
	Verified      int
	GroupIDs      []string
	// Meetings and Webinars are the user's, in listing order.
	Meetings []*Meeting
	Webinars []*Meeting
}

// Meeting is a meeting or (Webinar true) a webinar.
type Meeting struct {
	ID      int64
	UUID    string
	Webinar bool
	Host    *User
	Topic   string
	Agenda  string
	// Type is 2 (scheduled) or 8 (recurring, fixed time) for meetings and
	// 5 (scheduled) or 9 (recurring, fixed time) for webinars.
	Type      int
	Start     time.Time // first occurrence for recurring ones
	Duration  int       // minutes
	Timezone  string
	CreatedAt time.Time
	Password  string
	// ApprovalType: 0 automatic, 1 manual, 2 no registration.
	ApprovalType int
	// Deleted meetings are still listed by /users/{id}/meetings but every
	// other endpoint answers 404 code 3001.
	Deleted bool
	// Occurrences is the number of weekly occurrences of a recurring one.
	Occurrences int
	// Instances are the past instances that ran, oldest first: each ended
	// occurrence of a recurring webinar, the latest one with the webinar's
	// UUID.
	Instances []*Instance
	// Counts of derived children.
	NRegistrants     int
	NPolls           int
	NPanelists       int
	NTrackingSources int
	seed             uint64
}

// Instance is one past run of a meeting or webinar.
type Instance struct {
	UUID     string
	Start    time.Time
	Duration int // minutes
	// Participants is the number of participant records; an instance with
	// a single participant is served with an empty participant list.
	Participants int
	Recorded     bool
	Meeting      *Meeting
	seed         uint64
	// guestQuirks makes participants 1 and 2 guests named alike without
	// email or id, and participant 3 a rejoin of participant 1 (quirks()).
	guestQuirks bool
}

// End is when the instance ended.
func (in *Instance) End() time.Time { return in.Start.Add(time.Duration(in.Duration) * time.Minute) }

// Activity is one sign-in or sign-out log entry.
type Activity struct {
	Email, Type, IP, ClientType, Version string
	Time                                 time.Time
}

// Registrant is one meeting or webinar registrant.
type Registrant struct {
	ID, Email, FirstName, LastName                     string
	Address, City, State, Zip, Country, Phone          string
	Comments, Industry, JobTitle, NoOfEmployees, Org   string
	PurchasingTimeFrame, RoleInPurchaseProcess, Status string
	CustomQuestions                                    []map[string]any
	CreateTime                                         time.Time
	JoinURL                                            string
	PinCode                                            int64
	MeetingID                                          int64
	Webinar                                            bool
	// Occurrences are the occurrence IDs a registrant chose through
	// occurrence_ids when added; nil means every occurrence (registration
	// type 1, and every batch or generated registrant).
	Occurrences []string
}

// attends reports whether the registrant is registered for the occurrence
// ("" for any).
func (r *Registrant) attends(occurrence string) bool {
	return occurrence == "" || r.Occurrences == nil || slices.Contains(r.Occurrences, occurrence)
}

type dailyAgg struct{ newUsers, meetings, participants, minutes int }

type presetSpec struct {
	users, meetingsPerUser, webinarsPerUser int
	maxParticipants, maxRegistrants         int
}

var presets = map[string]presetSpec{
	"tiny":  {users: 6, meetingsPerUser: 5, webinarsPerUser: 2, maxParticipants: 6, maxRegistrants: 8},
	"small": {users: 30, meetingsPerUser: 13, webinarsPerUser: 2, maxParticipants: 14, maxRegistrants: 40},
	"large": {users: 1100, meetingsPerUser: 60, webinarsPerUser: 1, maxParticipants: 10, maxRegistrants: 25},
}

// Presets lists the preset names Generate accepts.
func Presets() []string { return []string{"tiny", "small", "large"} }

var (
	firstNames = []string{"Ada", "Grace", "Linus", "Ken", "Barbara", "Alan", "Margaret", "Dennis", "Frances", "John", "Radia", "Edsger", "Hedy", "Tim", "Katherine", "Donald", "Sophie", "Vint", "Annie", "Guido", "Mary", "Bjarne", "Shafi", "Niklaus", "Jean", "Leslie", "Carol", "Yukihiro", "Anita", "Rob"}
	lastNames  = []string{"Lovelace", "Hopper", "Torvalds", "Thompson", "Liskov", "Turing", "Hamilton", "Ritchie", "Allen", "McCarthy", "Perlman", "Dijkstra", "Lamarr", "Berners-Lee", "Johnson", "Knuth", "Wilson", "Cerf", "Easley", "van Rossum", "Keller", "Stroustrup", "Goldwasser", "Wirth", "Bartik", "Lamport", "Shaw", "Matsumoto", "Borg", "Pike"}
	topics     = []string{"Weekly sync", "Sprint planning", "Customer onboarding", "Quarterly business review", "Design review", "All hands", "Product demo", "Interview loop", "1:1", "Incident retro", "Budget planning", "Marketing standup", "Partner briefing", "Security training", "Roadmap review"}
	webTopics  = []string{"Product launch webinar", "Customer success stories", "Developer office hours", "Quarterly earnings call", "Security best practices", "Getting started with the API", "Industry trends 2025"}
	timezones  = []string{"America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney", "America/Chicago"}
	depts      = []string{"Engineering", "Sales", "Marketing", "Support", "Finance", "HR", ""}
	cities     = [][3]string{{"San Jose", "CA", "US"}, {"Austin", "TX", "US"}, {"London", "", "GB"}, {"Berlin", "", "DE"}, {"Toronto", "ON", "CA"}, {"Paris", "", "FR"}, {"Sydney", "NSW", "AU"}, {"Tokyo", "", "JP"}}
	industries = []string{"Software", "Finance", "Healthcare", "Education", "Retail", "Manufacturing"}
	jobTitles  = []string{"Engineer", "Manager", "Director", "Analyst", "Consultant", "VP"}
	orgs       = []string{"Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises"}
	// Values valid in both the request and the response enums.
	employeeCounts = []string{"", "1-20", "21-50", "51-100", "1,001-5,000", "5,001-10,000", "More than 10,000"}
	timeFrames     = []string{"", "Within a month", "1-3 months", "4-6 months", "More than 6 months", "No timeframe"}
	purchaseRoles  = []string{"", "Decision Maker", "Evaluator/Recommender", "Influencer", "Not involved"}
	clientVersions = []string{"6.3.11.50104(mac)", "6.4.3.38347(win)", "6.2.5.30987(linux)", "6.3.6.4217(iphone)", "6.1.10.21312(android)"}
	clientTypes    = []string{"Browser", "Mac", "Windows", "iOS", "Android"}
	emailDomain    = "example.com"
)

// Generate builds the dataset for preset ("tiny", "small" or "large")
// deterministically from seed, with times placed around now: six months of
// history and some upcoming meetings. The same preset, seed and now give
// byte-identical data.
func Generate(preset string, seed int64, now time.Time) (*Dataset, error) {
	spec, ok := presets[preset]
	if !ok {
		return nil, fmt.Errorf("zoomsim: unknown dataset preset %q (want tiny, small or large)", preset)
	}
	now = now.UTC().Truncate(time.Second)
	g := &gen{
		r:   rand.New(rand.NewPCG(uint64(seed), 0x5a4f4f4d)),
		now: now, spec: spec, name: preset, usedIDs: map[int64]bool{}, usedStr: map[string]bool{},
	}
	d := &Dataset{
		Preset: preset, Seed: seed, Now: now, MaxRegistrants: MaxRegistrantsPerMeeting, DownloadBase: DefaultDownloadBase,
		usersByKey: map[string]*User{}, byID: map[int64]*Meeting{}, byUUID: map[string]*Instance{},
		daily: map[string]*dailyAgg{}, created: map[int64][]*Registrant{}, addCounts: map[string]int{},
	}
	g.d = d
	d.AccountID = g.token(22)
	g.users()
	for _, u := range d.Users {
		if u.Status != "active" {
			continue
		}
		for j := 0; j < spec.meetingsPerUser; j++ {
			g.meeting(u, j)
		}
		if u.Type == 2 {
			for j := 0; j < spec.webinarsPerUser; j++ {
				g.webinar(u, j)
			}
		}
	}
	g.quirks()
	g.activities()
	g.groups()
	g.trackingFields()
	g.operationLogs()
	d.index()
	return d, nil
}

type gen struct {
	d       *Dataset
	name    string
	r       *rand.Rand
	now     time.Time
	spec    presetSpec
	usedIDs map[int64]bool
	usedStr map[string]bool
	nBig    int64
}

const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// token returns a unique random base64url string of n characters (Zoom's
// user, registrant and account IDs look like this).
func (g *gen) token(n int) string {
	for {
		b := make([]byte, n)
		for i := range b {
			b[i] = b64url[g.r.IntN(64)]
		}
		s := string(b)
		if !g.usedStr[s] {
			g.usedStr[s] = true
			return s
		}
	}
}

// uuid returns a unique meeting UUID: standard base64 of 16 bytes, as Zoom
// sends ("4444AAAiAAAAAiAiAiiAii==", may contain "/" and "+").
func (g *gen) uuid() string {
	s := drawUUID(g.r, func(s string) bool { return g.usedStr[s] })
	g.usedStr[s] = true
	return s
}

// drawUUID draws a meeting UUID from r (base64 of 16 random bytes), drawing
// again while it starts with "/" or holds "//" (quirks() places those on
// purpose) or taken says it is in use.
func drawUUID(r *rand.Rand, taken func(string) bool) string {
	for {
		var b [16]byte
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		s := base64.StdEncoding.EncodeToString(b[:])
		if !strings.HasPrefix(s, "/") && !strings.Contains(s, "//") && !taken(s) {
			return s
		}
	}
}

// meetingID returns a unique 10- or 11-digit ID, or (rarely) one above 2^53.
func (g *gen) meetingID(big bool) int64 {
	if big {
		g.nBig++
		id := bigIDBase + g.nBig*1000 + int64(g.r.IntN(1000))
		g.usedIDs[id] = true
		return id
	}
	for {
		var id int64
		if g.r.IntN(3) == 0 {
			id = 1_000_000_000 + g.r.Int64N(8_999_999_999)
		} else {
			id = 80_000_000_000 + g.r.Int64N(9_999_999_999)
		}
		if !g.usedIDs[id] {
			g.usedIDs[id] = true
			return id
		}
	}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (g *gen) users() {
	n := g.spec.users
	for i := 0; i < n; i++ {
		u := &User{Verified: 1, Language: "en-US"}
		u.FirstName = firstNames[i%len(firstNames)]
		u.LastName = lastNames[(i*7+i/len(firstNames))%len(lastNames)]
		u.Email = fmt.Sprintf("%s.%s%d@%s", strings.ToLower(u.FirstName), strings.ToLower(strings.ReplaceAll(u.LastName, " ", "")), i, emailDomain)
		u.Status, u.Type = "active", 2
		switch {
		case i == 0:
		case g.name == "tiny":
			switch i {
			case 3:
				u.Type = 1
			case 4:
				u.Status = "inactive"
			case 5:
				u.Status = "pending"
			}
		default:
			switch i % 10 {
			case 3, 7:
				u.Type = 1
			case 5:
				u.Status = "inactive"
			case 9:
				if i%20 == 9 {
					u.Status = "pending"
				}
			}
		}
		u.RoleID, u.RoleName = "2", "Member"
		if i == 0 {
			u.RoleID, u.RoleName = "0", "Owner"
		} else if i%8 == 1 {
			u.RoleID, u.RoleName = "1", "Admin"
		}
		u.Timezone = pick(g.r, timezones)
		u.Dept = pick(g.r, depts)
		// Most users are older than the report window; some joined in it.
		if g.r.IntN(5) == 0 {
			u.CreatedAt = g.now.Add(-time.Duration(g.r.Int64N(int64(170 * 24 * time.Hour)))).Truncate(time.Second)
		} else {
			u.CreatedAt = g.now.AddDate(-1-g.r.IntN(3), 0, -g.r.IntN(300)).Truncate(time.Second)
		}
		if u.Status != "pending" {
			u.ID = g.token(22)
			u.PMI = 1_000_000_000 + g.r.Int64N(8_999_999_999)
			u.ClientVersion = pick(g.r, clientVersions)
			u.LastLogin = g.now.Add(-time.Duration(g.r.Int64N(int64(20 * 24 * time.Hour)))).Truncate(time.Second)
			if u.LastLogin.Before(u.CreatedAt) {
				u.LastLogin = u.CreatedAt.Add(time.Hour)
			}
			if g.r.IntN(3) == 0 {
				u.GroupIDs = []string{g.token(22)}
			}
		} else {
			u.Verified = 0
			u.CreatedAt = g.now.Add(-time.Duration(1+g.r.IntN(20)) * 24 * time.Hour)
		}
		g.d.Users = append(g.d.Users, u)
	}
}

// around returns a start time on a 15-minute boundary d after now.
func (g *gen) around(d time.Duration) time.Time {
	t := g.now.Add(d)
	return t.Truncate(15 * time.Minute)
}

func (g *gen) meeting(u *User, j int) {
	r := g.r
	m := &Meeting{Host: u, Timezone: u.Timezone, seed: r.Uint64(), ApprovalType: 2}
	m.ID = g.meetingID(r.IntN(40) == 0)
	m.UUID = g.uuid()
	m.Topic = pick(r, topics)
	m.Agenda = m.Topic + " for " + u.FirstName + "'s team"
	m.Duration = []int{15, 30, 30, 45, 60, 60, 90}[r.IntN(7)]
	m.Password = g.token(6)
	recurring, upcoming := r.IntN(3) == 0, r.IntN(10) >= 7
	switch j {
	case 0: // every host has an upcoming single meeting
		recurring, upcoming = false, true
	case 1: // and a recurring one
		recurring = true
	}
	if recurring {
		// recurring weekly with a fixed time, started weeks ago
		m.Type = 8
		weeks := 2 + r.IntN(20)
		m.Start = g.around(-time.Duration(weeks)*7*24*time.Hour + time.Duration(r.IntN(5*24))*time.Hour)
		m.Occurrences = min(weeks+2+r.IntN(6), 60)
	} else {
		m.Type = 2
		if !upcoming {
			m.Start = g.around(-time.Duration(1+r.Int64N(int64(178*24*time.Hour/time.Hour))) * time.Hour)
		} else {
			m.Start = g.around(time.Duration(2+r.IntN(60*24)) * time.Hour)
		}
	}
	m.CreatedAt = m.Start.Add(-time.Duration(1+r.IntN(30*24)) * time.Hour)
	if m.CreatedAt.After(g.now) {
		m.CreatedAt = g.now.Add(-time.Hour)
	}
	licensed := u.Type == 2
	if m.Type == 2 && m.Start.After(g.now) && r.IntN(12) == 0 {
		m.Deleted = true
	}
	if licensed && !m.Deleted && r.IntN(20) < 7 {
		m.ApprovalType = r.IntN(2)
		m.NRegistrants = r.IntN(g.spec.maxRegistrants + 1)
	}
	if licensed && !m.Deleted && r.IntN(10) < 3 {
		m.NPolls = 1 + r.IntN(2)
	}
	if !m.Deleted {
		for _, st := range m.occurrenceStarts() {
			if !st.Add(time.Duration(m.Duration) * time.Minute).Before(g.now) {
				break
			}
			if r.IntN(100) < 85 {
				g.instance(m, st, licensed)
			}
		}
	}
	u.Meetings = append(u.Meetings, m)
	g.d.Meetings = append(g.d.Meetings, m)
}

func (g *gen) instance(m *Meeting, st time.Time, canRecord bool) {
	r := g.r
	in := &Instance{Meeting: m, seed: r.Uint64()}
	in.Start = st.Add(time.Duration(r.IntN(5)) * time.Minute)
	in.Duration = max(5, m.Duration-10+r.IntN(25))
	if m.Type == 2 || m.Type == 5 {
		in.UUID = m.UUID
	} else {
		in.UUID = g.uuid()
	}
	if r.IntN(100) < 15 {
		in.Participants = 1
	} else {
		in.Participants = 2 + r.IntN(g.spec.maxParticipants-1)
	}
	in.Recorded = canRecord && r.IntN(10) < 4
	m.Instances = append(m.Instances, in)
}

func (g *gen) webinar(u *User, j int) {
	r := g.r
	w := &Meeting{Webinar: true, Host: u, Timezone: u.Timezone, seed: r.Uint64(), ApprovalType: 2}
	w.ID = g.meetingID(r.IntN(40) == 0)
	w.UUID = g.uuid()
	w.Topic = pick(r, webTopics)
	w.Agenda = "Join us: " + w.Topic
	w.Duration = []int{45, 60, 60, 90}[r.IntN(4)]
	w.Password = g.token(6)
	past := r.IntN(10) < 6
	if r.IntN(10) < 3 {
		w.Type = 9
		weeks := 1 + r.IntN(8)
		if !past {
			weeks = 0
		}
		w.Start = g.around(-time.Duration(weeks)*7*24*time.Hour + time.Duration(2+r.IntN(4*24))*time.Hour)
		w.Occurrences = weeks + 2 + r.IntN(4)
	} else {
		w.Type = 5
		if past {
			w.Start = g.around(-time.Duration(24+r.IntN(170*24)) * time.Hour)
		} else {
			w.Start = g.around(time.Duration(24+r.IntN(60*24)) * time.Hour)
		}
	}
	w.CreatedAt = w.Start.Add(-time.Duration(7*24+r.IntN(30*24)) * time.Hour)
	if w.CreatedAt.After(g.now) {
		w.CreatedAt = g.now.Add(-time.Hour)
	}
	if r.IntN(10) < 8 {
		w.ApprovalType = r.IntN(2)
		w.NRegistrants = 2 + r.IntN(g.spec.maxRegistrants+8)
	}
	w.NPanelists = 1 + r.IntN(4)
	w.NTrackingSources = r.IntN(4)
	w.NPolls = r.IntN(3)
	// The latest ended occurrence ran, with the webinar's UUID; it is
	// drawn from g.r as before. Earlier occurrences of a recurring webinar
	// ran too (each with its own UUID), drawn from the webinar's own seed
	// so the rest of the dataset does not move.
	var ended []time.Time
	for _, st := range w.occurrenceStarts() {
		if st.Add(time.Duration(w.Duration) * time.Minute).Before(g.now) {
			ended = append(ended, st)
		}
	}
	if len(ended) > 0 {
		in := &Instance{Meeting: w, seed: r.Uint64(), Start: ended[len(ended)-1], UUID: w.UUID}
		in.Duration = w.Duration - 5 + r.IntN(20)
		in.Participants = 2 + r.IntN(g.spec.maxParticipants*2)
		in.Recorded = r.IntN(2) == 0
		w.Instances = append(g.earlierWebinarInstances(w, ended[:len(ended)-1]), in)
	}
	u.Webinars = append(u.Webinars, w)
	g.d.Webinars = append(g.d.Webinars, w)
}

// earlierWebinarInstances are the runs of a recurring webinar's earlier
// ended occurrences (starts), oldest first: each ran, with its own UUID
// (Zoom gives every occurrence of a recurring webinar its own), drawn from
// the webinar's seed.
func (g *gen) earlierWebinarInstances(w *Meeting, starts []time.Time) []*Instance {
	r := childRand(w.seed, 31)
	var out []*Instance
	for _, st := range starts {
		in := &Instance{Meeting: w, seed: r.Uint64(), Start: st}
		in.UUID = g.childUUID(r)
		in.Duration = w.Duration - 5 + r.IntN(20)
		in.Participants = 2 + r.IntN(g.spec.maxParticipants*2)
		in.Recorded = r.IntN(2) == 0
		out = append(out, in)
	}
	return out
}

// childUUID is uuid drawn from a child generator r (so the main sequence
// does not move): unique, without "/" at the start or "//" inside.
func (g *gen) childUUID(r *rand.Rand) string {
	s := drawUUID(r, func(s string) bool { return g.usedStr[s] })
	g.usedStr[s] = true
	return s
}

// quirks makes sure the documented oddities are present in every preset.
// The order matters: each step sees what the earlier ones changed.
func (g *gen) quirks() {
	g.slashUUIDs()
	g.bigIDs()
	g.deletedMeeting()
	g.registrationAndPolls()
	g.guestQuirks()
}

// slashUUIDs gives meeting UUIDs with "/" at the start or "//" inside
// (which must be double-encoded in paths): on past instances of recurring
// meetings, or, when no recurring meeting ran, on single meetings (whose
// instance shares the meeting's UUID).
func (g *gen) slashUUIDs() {
	d := g.d
	slash := 0
	want := max(2, len(d.Meetings)/60)
	for _, m := range d.Meetings {
		if slash >= want {
			break
		}
		if m.Type != 8 {
			continue
		}
		for _, in := range m.Instances {
			if in.Participants < 2 {
				continue
			}
			if slash%2 == 0 {
				in.UUID = "/" + in.UUID[1:]
			} else {
				in.UUID = in.UUID[:5] + "//" + in.UUID[7:]
			}
			slash++
			break
		}
	}
	if slash >= 2 {
		return
	}
	for _, m := range d.Meetings {
		if slash >= 2 || m.Type != 2 || len(m.Instances) == 0 || m.Instances[0].Participants < 2 {
			continue
		}
		if slash == 0 {
			m.UUID = "/" + m.UUID[1:]
		} else {
			m.UUID = m.UUID[:5] + "//" + m.UUID[7:]
		}
		m.Instances[0].UUID = m.UUID
		slash++
	}
}

// bigIDs makes sure of at least one meeting and one webinar with an ID
// above 2^53.
func (g *gen) bigIDs() {
	d := g.d
	if g.nBig == 0 || !hasBig(d.Meetings) {
		for _, m := range d.Meetings {
			if !m.Deleted && len(m.Instances) > 0 {
				m.ID = g.meetingID(true)
				break
			}
		}
	}
	if len(d.Webinars) > 0 && !hasBig(d.Webinars) {
		d.Webinars[0].ID = g.meetingID(true)
	}
}

// deletedMeeting makes sure of at least one deleted meeting: a future
// single meeting that never ran, else the last meeting.
func (g *gen) deletedMeeting() {
	d := g.d
	for _, m := range d.Meetings {
		if m.Deleted {
			return
		}
	}
	for _, m := range d.Meetings {
		if m.Type == 2 && len(m.Instances) == 0 && m.Start.After(g.now) {
			m.Deleted, m.ApprovalType, m.NRegistrants, m.NPolls = true, 2, 0, 0
			return
		}
	}
	m := d.Meetings[len(d.Meetings)-1]
	m.Deleted, m.ApprovalType, m.NRegistrants, m.NPolls, m.Instances = true, 2, 0, 0, nil
}

// registrationAndPolls makes sure of registration with manual approval
// (all three statuses) and with automatic approval, and of a meeting with
// polls and a past instance.
func (g *gen) registrationAndPolls() {
	var manual, auto, polls bool
	for _, m := range g.d.Meetings {
		manual = manual || (m.ApprovalType == 1 && m.NRegistrants >= 6 && m.Type == 2 && m.Start.After(g.now))
		auto = auto || (m.ApprovalType == 0 && m.NRegistrants > 0)
		polls = polls || (m.NPolls > 0 && len(m.Instances) > 0)
	}
	for _, m := range g.d.Meetings {
		if m.Deleted || m.Host.Type != 2 {
			continue
		}
		switch {
		case !manual && m.Type == 2 && m.Start.After(g.now):
			m.ApprovalType, m.NRegistrants, manual = 1, max(7, m.NRegistrants), true
		case !auto && m.ApprovalType == 2 && m.Type == 8:
			m.ApprovalType, m.NRegistrants, auto = 0, 4, true
		case !polls && m.NPolls == 0 && len(m.Instances) > 0:
			m.NPolls, polls = 1, true
		}
	}
}

// guestQuirks marks one meeting instance with polls to hold two guests
// named alike without email or id and a rejoin (see participants), so
// every preset has them in the participant and poll streams.
func (g *gen) guestQuirks() {
	for pass := 0; pass < 2; pass++ {
		for _, m := range g.d.Meetings {
			if m.Deleted || (pass == 0 && m.NPolls == 0) {
				continue
			}
			for _, in := range m.Instances {
				if in.Duration >= 30 {
					in.guestQuirks, in.Participants = true, max(in.Participants, 5)
					m.NPolls = max(m.NPolls, 1)
					return
				}
			}
		}
	}
}

func hasBig(ms []*Meeting) bool {
	for _, m := range ms {
		if m.ID >= bigIDBase {
			return true
		}
	}
	return false
}

func (g *gen) activities() {
	start := reportStart(g.now)
	for _, u := range g.d.Users {
		if u.ID == "" || u.Status != "active" {
			continue
		}
		t := start.Add(time.Duration(g.r.IntN(72)) * time.Hour)
		for {
			t = t.Add(time.Duration(24+g.r.IntN(14*24)) * time.Hour).Add(time.Duration(g.r.IntN(3600)) * time.Second)
			out := t.Add(time.Duration(30+g.r.IntN(600)) * time.Minute)
			if out.After(g.now) {
				break
			}
			ct := g.r.IntN(len(clientTypes))
			ip := fmt.Sprintf("203.0.113.%d", 1+g.r.IntN(250))
			for k, ty := range []string{"Sign in", "Sign out"} {
				at := t
				if k == 1 {
					at = out
				}
				g.d.Activities = append(g.d.Activities, Activity{Email: u.Email, Type: ty, IP: ip,
					ClientType: clientTypes[ct], Version: strings.SplitN(clientVersions[ct%len(clientVersions)], "(", 2)[0], Time: at})
			}
			t = out
		}
	}
	sort.SliceStable(g.d.Activities, func(i, j int) bool { return g.d.Activities[i].Time.After(g.d.Activities[j].Time) })
}

// index builds the lookup maps and the daily aggregates.
func (d *Dataset) index() {
	d.baseUsers = append([]*User(nil), d.Users...)
	for _, u := range d.Users {
		if u.ID != "" {
			d.usersByKey[u.ID] = u
		}
		d.usersByKey[strings.ToLower(u.Email)] = u
		if u.Status != "pending" {
			d.dailyAt(u.CreatedAt).newUsers++
		}
	}
	for _, list := range [][]*Meeting{d.Meetings, d.Webinars} {
		for _, m := range list {
			d.byID[m.ID] = m
			for _, in := range m.Instances {
				d.byUUID[in.UUID] = in
				a := d.dailyAt(in.Start)
				a.meetings++
				a.participants += in.Participants
				a.minutes += in.Duration
			}
		}
	}
}

func (d *Dataset) dailyAt(t time.Time) *dailyAgg {
	k := t.UTC().Format(zoomDate)
	a := d.daily[k]
	if a == nil {
		a = &dailyAgg{}
		d.daily[k] = a
	}
	return a
}

// User returns the user whose id or email is key; "me" is the owner.
func (d *Dataset) User(key string) *User {
	if key == "me" {
		return d.Users[0]
	}
	if u := d.usersByKey[key]; u != nil {
		return u
	}
	return d.usersByKey[strings.ToLower(key)]
}

// MeetingByID returns the meeting or webinar with that numeric ID.
func (d *Dataset) MeetingByID(id int64) *Meeting { return d.byID[id] }

// InstanceByUUID returns the past instance with that UUID.
func (d *Dataset) InstanceByUUID(uuid string) *Instance { return d.byUUID[uuid] }

// occurrenceStarts lists the start of every occurrence (one for
// non-recurring meetings).
func (m *Meeting) occurrenceStarts() []time.Time {
	if m.Type != 8 && m.Type != 9 {
		return []time.Time{m.Start}
	}
	out := make([]time.Time, m.Occurrences)
	for i := range out {
		out[i] = m.Start.AddDate(0, 0, 7*i)
	}
	return out
}

// LatestInstance returns the most recent past instance, or nil.
func (m *Meeting) LatestInstance() *Instance {
	if len(m.Instances) == 0 {
		return nil
	}
	return m.Instances[len(m.Instances)-1]
}

// Licensed reports whether the host may use hosting features (type 2).
func (m *Meeting) Licensed() bool { return m.Host.Type == 2 }

// RegistrationEnabled reports whether approval_type is 0 or 1.
func (m *Meeting) RegistrationEnabled() bool { return m.ApprovalType != 2 }

// Over reports whether the meeting or webinar cannot take registrants any
// more: its last occurrence has ended.
func (m *Meeting) Over(now time.Time) bool {
	st := m.occurrenceStarts()
	return st[len(st)-1].Add(time.Duration(m.Duration) * time.Minute).Before(now)
}

// nextStart is the start of the next occurrence not yet ended (or the last).
func (m *Meeting) nextStart(now time.Time) time.Time {
	st := m.occurrenceStarts()
	for _, t := range st {
		if t.Add(time.Duration(m.Duration) * time.Minute).After(now) {
			return t
		}
	}
	return st[len(st)-1]
}

// childRand returns the generator of a parent's derived children; salt
// separates the kinds of children.
func childRand(seed uint64, salt uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, salt))
}

func ridToken(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = b64url[r.IntN(64)]
	}
	return string(b)
}

func ztime(t time.Time) string { return t.UTC().Format(zoomTime) }

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// joinURL is the meeting's or webinar's join link.
func (m *Meeting) joinURL() string {
	return fmt.Sprintf("https://us05web.zoom.us/j/%d?pwd=%s", m.ID, m.Password)
}

// Registrants returns the meeting's registrants in every status: the
// generated ones, then those created through the API.
func (d *Dataset) Registrants(m *Meeting) []*Registrant {
	gen := generatedRegistrants(m)
	return d.overlay(m, append(gen, d.created[m.ID]...))
}

func generatedRegistrants(m *Meeting) []*Registrant {
	if !m.RegistrationEnabled() || m.NRegistrants == 0 {
		return nil
	}
	r := childRand(m.seed, 1)
	qs := customQuestions(m)
	out := make([]*Registrant, 0, m.NRegistrants)
	for i := 0; i < m.NRegistrants; i++ {
		c := cities[r.IntN(len(cities))]
		reg := &Registrant{MeetingID: m.ID, Webinar: m.Webinar}
		reg.ID = ridToken(r, 22)
		reg.FirstName = pick(r, firstNames)
		reg.LastName = pick(r, lastNames)
		reg.Email = fmt.Sprintf("%s.%s.%d@%s", strings.ToLower(reg.FirstName), strings.ToLower(strings.ReplaceAll(reg.LastName, " ", "")), i, pick(r, []string{"gmail.example", "corp.example", "mail.example"}))
		reg.City, reg.State, reg.Country = c[0], c[1], c[2]
		reg.Address = fmt.Sprintf("%d Main Street", 1+r.IntN(999))
		reg.Zip = fmt.Sprintf("%05d", r.IntN(99999))
		reg.Phone = fmt.Sprintf("+1 555 01%02d", r.IntN(100))
		reg.Industry = pick(r, industries)
		reg.JobTitle = pick(r, jobTitles)
		reg.Org = pick(r, orgs)
		reg.NoOfEmployees = pick(r, employeeCounts)
		reg.PurchasingTimeFrame = pick(r, timeFrames)
		reg.RoleInPurchaseProcess = pick(r, purchaseRoles)
		if r.IntN(3) == 0 {
			reg.Comments = "Looking forward to it."
		}
		for _, q := range qs {
			v := "Yes"
			if ans, ok := q["answers"].([]string); ok && len(ans) > 0 {
				v = ans[r.IntN(len(ans))]
			} else if q["type"] == "short" {
				v = pick(r, []string{"Scaling our team", "Learning the product", "Networking"})
			}
			reg.CustomQuestions = append(reg.CustomQuestions, map[string]any{"title": q["title"], "value": v})
		}
		x := r.IntN(100)
		switch {
		case m.ApprovalType == 0 && x < 90, m.ApprovalType == 1 && x < 55:
			reg.Status = "approved"
		case m.ApprovalType == 1 && x < 80:
			reg.Status = "pending"
		default:
			reg.Status = "denied"
		}
		// Force all statuses on manual-approval meetings with enough people.
		if m.ApprovalType == 1 && m.NRegistrants >= 6 && i < 3 {
			reg.Status = []string{"approved", "pending", "denied"}[i]
		}
		reg.CreateTime = m.CreatedAt.Add(time.Duration(1+r.IntN(72)) * time.Hour)
		reg.JoinURL = fmt.Sprintf("https://us05web.zoom.us/w/%d?tk=%s", m.ID, ridToken(r, 43))
		if !m.Webinar {
			reg.PinCode = 100000 + r.Int64N(900000)
		}
		out = append(out, reg)
	}
	return out
}

// customQuestions are the meeting's custom registration questions.
func customQuestions(m *Meeting) []map[string]any {
	if !m.RegistrationEnabled() {
		return nil
	}
	r := childRand(m.seed, 2)
	n := r.IntN(3)
	out := []map[string]any{}
	if n >= 1 {
		out = append(out, map[string]any{"title": "What do you hope to learn?", "type": "short", "required": r.IntN(2) == 0, "answers": []string{}})
	}
	if n >= 2 {
		single := "single"
		if m.Webinar {
			single = "single_radio"
		}
		out = append(out, map[string]any{"title": "How did you hear about us?", "type": single, "required": true, "answers": []string{"Email", "Social media", "A colleague"}})
	}
	return out
}

func (reg *Registrant) object() map[string]any {
	o := map[string]any{
		"id": reg.ID, "email": reg.Email, "first_name": reg.FirstName, "last_name": reg.LastName,
		"address": reg.Address, "city": reg.City, "state": reg.State, "zip": reg.Zip,
		"country": reg.Country, "phone": reg.Phone, "comments": reg.Comments,
		"custom_questions": reg.CustomQuestions, "industry": reg.Industry, "job_title": reg.JobTitle,
		"no_of_employees": reg.NoOfEmployees, "org": reg.Org,
		"purchasing_time_frame": reg.PurchasingTimeFrame, "role_in_purchase_process": reg.RoleInPurchaseProcess,
		"status": reg.Status, "create_time": ztime(reg.CreateTime), "join_url": reg.JoinURL,
	}
	if reg.CustomQuestions == nil {
		o["custom_questions"] = []map[string]any{}
	}
	if !reg.Webinar && reg.PinCode != 0 {
		o["participant_pin_code"] = reg.PinCode
	}
	return o
}

// participant is one derived participant record of an instance: one join.
type participant struct {
	// ID is the Zoom user ID of a signed-in participant; "" for guests
	// and registrants who join without signing in (Zoom sends "id": "").
	ID string
	// UserID is Zoom's per-join participant ID: every join, a rejoin of
	// the same person included, gets its own (Zoom's description of
	// duration: "they are assigned a different user_id").
	UserID                    string
	Name, Email, RegistrantID string
	FirstName, LastName       string // as poll results give them
	Join, Leave               time.Time
	Internal                  bool
	Rejoin                    bool // a later join of an earlier participant
}

// guestDeviceNames are the names Zoom shows for guests who join without
// signing in or typing a name: their device's name, so guests share names.
var guestDeviceNames = []string{"iPhone", "iPad", "Galaxy S23", "Zoom user"}

// participants derives the instance's participant records (host first).
// Realistic shapes: guests without email or id, guests sharing a device
// name, and people who drop and rejoin (a second record with the same id,
// name and email, a new user_id and a later join time). The instance that
// quirks() marks has all of them.
func (d *Dataset) participants(in *Instance) []participant {
	m := in.Meeting
	r := childRand(in.seed, 3)
	regs := generatedRegistrants(m)
	var approved []*Registrant
	for _, reg := range regs {
		if reg.Status == "approved" {
			approved = append(approved, reg)
		}
	}
	out := make([]participant, 0, in.Participants)
	end := in.End()
	uid := int64(16_777_216)
	for i := 0; i < in.Participants; i++ {
		uid += 1024 * int64(1+r.IntN(8))
		quirk := in.guestQuirks && i >= 1 && i <= 3
		if (quirk && i == 3) || (!quirk && i >= 2 && r.IntN(10) == 0) {
			j := 1 + r.IntN(i-1)
			if quirk {
				j = 1
			}
			if p, ok := rejoin(&out[j], r); ok {
				p.UserID = idStr(uid)
				out = append(out, p)
				continue
			}
		}
		p := participant{}
		switch {
		case i == 0:
			h := m.Host
			p.ID, p.Name, p.Email, p.Internal = h.ID, h.FirstName+" "+h.LastName, h.Email, true
		case quirk:
			p.Name = guestDeviceNames[0]
		case len(approved) > 0 && r.IntN(2) == 0:
			reg := approved[r.IntN(len(approved))]
			p.Name, p.Email, p.RegistrantID = reg.FirstName+" "+reg.LastName, reg.Email, reg.ID
			p.FirstName, p.LastName = reg.FirstName, reg.LastName
		case r.IntN(2) == 0:
			u := d.baseUsers[r.IntN(len(d.baseUsers))]
			if u.ID == "" {
				u = d.baseUsers[0]
			}
			p.ID, p.Name, p.Email, p.Internal = u.ID, u.FirstName+" "+u.LastName, u.Email, true
		case !m.Webinar && r.IntN(5) == 0:
			p.Name = pick(r, guestDeviceNames)
		default:
			f, l := pick(r, firstNames), pick(r, lastNames)
			p.Name = f + " " + l
			// Webinar attendees always give an email (the webinar
			// participants schema types user_email as format email).
			if r.IntN(4) > 0 || m.Webinar {
				p.Email = strings.ToLower(f) + "." + strings.ToLower(strings.ReplaceAll(l, " ", "")) + "@guest.example"
			}
		}
		if p.FirstName == "" {
			p.FirstName = p.Name
		}
		p.UserID = idStr(uid)
		p.Join = in.Start.Add(time.Duration(r.IntN(in.Duration*30+1)) * time.Second)
		p.Leave = end.Add(-time.Duration(r.IntN(in.Duration*20+1)) * time.Second)
		if !p.Leave.After(p.Join) {
			p.Leave = p.Join.Add(time.Minute)
		}
		out = append(out, p)
	}
	return out
}

// rejoin splits an earlier participant's stay: they leave halfway and join
// again a little later until their original leave time. False when the
// stay is too short to split.
func rejoin(earlier *participant, r *rand.Rand) (participant, bool) {
	stay := earlier.Leave.Sub(earlier.Join)
	if stay < 4*time.Minute {
		return participant{}, false
	}
	p := *earlier
	p.Rejoin = true
	leave := earlier.Join.Add(stay / 2).Truncate(time.Second)
	p.Join = leave.Add(time.Duration(20+r.IntN(100)) * time.Second)
	earlier.Leave = leave
	return p, true
}

// attendeeEmails is the set of emails of the instance's participants.
func (d *Dataset) attendeeEmails(in *Instance) map[string]bool {
	set := map[string]bool{}
	for _, p := range d.participants(in) {
		set[p.Email] = true
	}
	return set
}

// reportWindowStart is the earliest date report endpoints accept: the
// same day six months before now (UTC).
func reportStart(now time.Time) time.Time {
	t := now.UTC().AddDate(0, -6, 0)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ReportWindows returns the one-month [from, to] date windows (yyyy-mm-dd,
// both inclusive) that cover the report and recording history, as the
// connector asks for them: calendar months from six months before now to
// today (UTC), the first starting six months ago and the last ending today.
// Report rows keyed on a window (report_users) depend on this choice.
func ReportWindows(now time.Time) [][2]string {
	today := truncDay(now)
	start := reportStart(now)
	var out [][2]string
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(today); m = m.AddDate(0, 1, 0) {
		from, to := m, m.AddDate(0, 1, -1)
		if from.Before(start) {
			from = start
		}
		if to.After(today) {
			to = today
		}
		out = append(out, [2]string{from.Format(zoomDate), to.Format(zoomDate)})
	}
	return out
}

func truncDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
