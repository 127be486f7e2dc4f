package zoomsim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

// LifeOptions set how the account changes while the simulated clock
// advances (Server.Advance). Every rate is per simulated day and scales
// with the dataset's number of users.
type LifeOptions struct {
	// Activity is "low", "normal" (the default) or "high": 0.3, 1 and 3
	// times the base rates below.
	Activity string
	// ReportDelay is how long after an occurrence ends its past-meeting and
	// report data (instances, participants, poll answers, Q&A, absentees,
	// reports, daily totals) appears. Default 30 minutes: an ASSUMPTION
	// (no Zoom source gives the delay; Zoom only says report data is not
	// immediate), configurable with zoomsim serve --report-delay.
	ReportDelay time.Duration
	// RecordingDelay is how long after the report data a cloud recording
	// completes (recording.completed). Default 60 minutes: an ASSUMPTION,
	// --recording-delay.
	RecordingDelay time.Duration
}

// Base rates per simulated day and per user of the dataset at "normal"
// activity (invented, marked as such in the README: no Zoom source gives
// an account's rhythm). A rate of 0.5 means one event every other day per
// user; fractions are drawn.
var lifeRates = map[string]float64{
	"user.created":               0.01,
	"user.deactivated":           0.004,
	"user.deleted":               0.003,
	"meeting.created":            0.5,
	"meeting.updated":            0.2,
	"meeting.deleted":            0.05,
	"meeting.recurrence_extends": 0.03,
	"webinar.created":            0.03,
	"webinar.updated":            0.02,
	"webinar.deleted":            0.005,
	"registration":               1.0,
	"sign_in":                    0.3,
}

// Default delays of LifeOptions (assumptions: see there).
const (
	DefaultReportDelay    = 30 * time.Minute
	DefaultRecordingDelay = 60 * time.Minute
)

// Change is one thing that happened to the account while the clock
// advanced, as the webhook Zoom sends for it: Event is its name
// (meeting.created, ...), Payload its payload (account_id, object and,
// for updates, old_object).
type Change struct {
	Time    time.Time      `json:"time"`
	Event   string         `json:"event"`
	Payload map[string]any `json:"payload"`
}

// life drives the account through simulated time. It is only used with
// the server's write lock held.
type life struct {
	d      *Dataset
	opts   LifeOptions
	spec   presetSpec
	scale  float64 // activity multiplier
	start  time.Time
	nUsers int // users at start: rates scale with it

	planned int // days planned so far (day k covers start+k*24h .. +24h)
	queue   eventQueue
	seq     int
	started map[string]bool // meetingID|occurrence start already run
	log     []Change
	nNew    int // users created, for unique emails
}

type lifeEvent struct {
	at  time.Time
	seq int
	do  func(now time.Time)
}

type eventQueue []*lifeEvent

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*lifeEvent)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

func newLife(d *Dataset, o LifeOptions) (*life, error) {
	scale := map[string]float64{"": 1, "normal": 1, "low": 0.3, "high": 3}
	sc, ok := scale[o.Activity]
	if !ok {
		return nil, fmt.Errorf("zoomsim: unknown activity %q (want low, normal or high)", o.Activity)
	}
	if o.ReportDelay <= 0 {
		o.ReportDelay = DefaultReportDelay
	}
	if o.RecordingDelay <= 0 {
		o.RecordingDelay = DefaultRecordingDelay
	}
	return &life{d: d, opts: o, spec: presets[d.Preset], scale: sc, start: d.Now, nUsers: len(d.Users),
		started: map[string]bool{}}, nil
}

func (l *life) push(at time.Time, do func(now time.Time)) {
	l.seq++
	heap.Push(&l.queue, &lifeEvent{at: at, seq: l.seq, do: do})
}

func (l *life) dayStart(k int) time.Time { return l.start.Add(time.Duration(k) * 24 * time.Hour) }

// advance applies everything that happens up to to, in time order, and
// returns the changes made.
func (l *life) advance(to time.Time) []Change {
	n := len(l.log)
	for {
		next := l.dayStart(l.planned)
		if len(l.queue) > 0 && l.queue[0].at.Before(next) {
			next = l.queue[0].at
			if next.After(to) {
				break
			}
			e := heap.Pop(&l.queue).(*lifeEvent)
			l.d.Now = e.at
			e.do(e.at)
			continue
		}
		if next.After(to) {
			break
		}
		l.d.Now = next
		l.plan(l.planned)
		l.planned++
	}
	l.d.Now = to
	return slices.Clone(l.log[n:])
}

// since returns the changes after t.
func (l *life) since(t time.Time) []Change {
	i := sort.Search(len(l.log), func(i int) bool { return l.log[i].Time.After(t) })
	return slices.Clone(l.log[i:])
}

func (l *life) record(now time.Time, event string, object map[string]any, old map[string]any) {
	p := map[string]any{"account_id": l.d.AccountID, "object": object}
	if old != nil {
		p["old_object"] = old
	}
	l.log = append(l.log, Change{Time: now, Event: event, Payload: p})
}

// count draws how many of an event happen in a day: the rate times the
// users times the activity, the fraction drawn.
func (l *life) count(r *rand.Rand, event string) int {
	x := lifeRates[event] * float64(l.nUsers) * l.scale
	n := int(x)
	if r.Float64() < x-float64(n) {
		n++
	}
	return n
}

// at returns a random time within day k.
func (l *life) at(r *rand.Rand, k int) time.Time {
	return l.dayStart(k).Add(time.Duration(r.Int64N(int64(24 * time.Hour)))).Truncate(time.Second)
}

// plan queues day k: the day's random actions, each at a random time of
// the day, and every occurrence that starts in it (day 0 also takes those
// under way at the start).
func (l *life) plan(k int) {
	r := rand.New(rand.NewPCG(uint64(l.d.Seed), 0x11fe_0000+uint64(k)))
	actions := []struct {
		event string
		do    func(r *rand.Rand, now time.Time)
	}{
		{"user.created", l.createUser}, {"user.deactivated", l.deactivateUser}, {"user.deleted", l.deleteUser},
		{"meeting.created", func(r *rand.Rand, now time.Time) { l.createMeeting(r, now, false) }},
		{"meeting.updated", func(r *rand.Rand, now time.Time) { l.updateMeeting(r, now, false) }},
		{"meeting.deleted", l.deleteMeeting}, {"meeting.recurrence_extends", l.extendRecurrence},
		{"webinar.created", func(r *rand.Rand, now time.Time) { l.createMeeting(r, now, true) }},
		{"webinar.updated", func(r *rand.Rand, now time.Time) { l.updateMeeting(r, now, true) }},
		{"webinar.deleted", l.deleteWebinar},
		{"registration", l.register}, {"sign_in", l.signIn},
	}
	for _, a := range actions {
		for i, n := 0, l.count(r, a.event); i < n; i++ {
			ar := rand.New(rand.NewPCG(r.Uint64(), r.Uint64()))
			do := a.do
			l.push(l.at(r, k), func(now time.Time) { do(ar, now) })
		}
	}
	lo, hi := l.dayStart(k), l.dayStart(k+1)
	for _, list := range [][]*Meeting{l.d.Meetings, l.d.Webinars} {
		for _, m := range list {
			l.queueOccurrences(m, lo, hi, k == 0)
		}
	}
}

// queueOccurrences queues the occurrences of m that start in [lo, hi)
// (and, with ongoing, those under way at lo).
func (l *life) queueOccurrences(m *Meeting, lo, hi time.Time, ongoing bool) {
	if m.Deleted {
		return
	}
	for _, st := range m.occurrenceStarts() {
		end := st.Add(time.Duration(m.Duration) * time.Minute)
		in := !st.Before(lo) && st.Before(hi)
		if ongoing && st.Before(lo) && end.After(lo) {
			in = true
		}
		if !in {
			continue
		}
		st := st
		at := st
		if at.Before(lo) {
			at = lo
		}
		l.push(at, func(now time.Time) { l.occur(m, st) })
	}
}

// queueNew queues the occurrences of a meeting created or moved now that
// start before the end of the planned days.
func (l *life) queueNew(m *Meeting, now time.Time) {
	l.queueOccurrences(m, now, l.dayStart(l.planned), false)
}

func (l *life) activeHosts(licensed bool) []*User {
	var out []*User
	for _, u := range l.d.Users {
		if u.ID != "" && u.Status == "active" && (!licensed || u.Type == 2) {
			out = append(out, u)
		}
	}
	return out
}

func (l *life) createUser(r *rand.Rand, now time.Time) {
	d := l.d
	l.nNew++
	u := &User{Verified: 1, Language: "en-US", Status: "active", Type: 1 + r.IntN(2), RoleID: "2", RoleName: "Member"}
	u.FirstName, u.LastName = pick(r, firstNames), pick(r, lastNames)
	u.Email = fmt.Sprintf("%s.%s.new%d@%s", strings.ToLower(u.FirstName), strings.ToLower(strings.ReplaceAll(u.LastName, " ", "")), l.nNew, emailDomain)
	for u.ID == "" || d.usersByKey[u.ID] != nil {
		u.ID = ridToken(r, 22)
	}
	u.PMI = 1_000_000_000 + r.Int64N(8_999_999_999)
	u.Timezone, u.Dept = pick(r, timezones), pick(r, depts)
	u.CreatedAt, u.LastLogin = now, now.Add(time.Minute)
	u.ClientVersion = pick(r, clientVersions)
	d.Users = append(d.Users, u)
	d.usersByKey[u.ID], d.usersByKey[strings.ToLower(u.Email)] = u, u
	d.dailyAt(now).newUsers++
	l.record(now, "user.created", userObject(u), nil)
}

func userObject(u *User) map[string]any {
	return map[string]any{"id": u.ID, "first_name": u.FirstName, "last_name": u.LastName, "email": u.Email, "type": u.Type}
}

// someUser picks an active user other than the owner, or nil.
func (l *life) someUser(r *rand.Rand) *User {
	hosts := l.activeHosts(false)
	if len(hosts) < 3 {
		return nil
	}
	u := hosts[r.IntN(len(hosts))]
	if u == l.d.Users[0] {
		return nil
	}
	return u
}

func (l *life) deactivateUser(r *rand.Rand, now time.Time) {
	if u := l.someUser(r); u != nil {
		u.Status = "inactive"
		l.record(now, "user.deactivated", userObject(u), nil)
	}
}

// deleteUser deletes a user and, as Zoom does, their meetings and webinars.
func (l *life) deleteUser(r *rand.Rand, now time.Time) {
	u := l.someUser(r)
	if u == nil {
		return
	}
	d := l.d
	d.Users = slices.DeleteFunc(d.Users, func(x *User) bool { return x == u })
	delete(d.usersByKey, u.ID)
	delete(d.usersByKey, strings.ToLower(u.Email))
	for _, m := range slices.Concat(u.Meetings, u.Webinars) {
		m.Deleted = true
	}
	l.record(now, "user.deleted", userObject(u), nil)
}

func kindOf(m *Meeting) string {
	if m.Webinar {
		return "webinar"
	}
	return "meeting"
}

func meetingObject(m *Meeting) map[string]any {
	return map[string]any{"id": m.ID, "uuid": m.UUID, "host_id": m.Host.ID, "topic": m.Topic, "type": m.Type,
		"start_time": ztime(m.Start), "duration": m.Duration, "timezone": m.Timezone}
}

// newID returns a meeting ID no meeting has.
func (l *life) newID(r *rand.Rand) int64 {
	for {
		id := 80_000_000_000 + r.Int64N(9_999_999_999)
		if l.d.byID[id] == nil {
			return id
		}
	}
}

func (l *life) newUUID(r *rand.Rand) string {
	return drawUUID(r, func(s string) bool { return l.d.byUUID[s] != nil })
}

// createMeeting schedules a meeting (a quarter of them recurring weekly)
// or a webinar, between an hour and two weeks ahead, for an active host
// (licensed for webinars, registration and polls).
func (l *life) createMeeting(r *rand.Rand, now time.Time, webinar bool) {
	hosts := l.activeHosts(webinar)
	if len(hosts) == 0 {
		return
	}
	u := hosts[r.IntN(len(hosts))]
	m := &Meeting{Webinar: webinar, Host: u, Timezone: u.Timezone, seed: r.Uint64(), ApprovalType: 2, CreatedAt: now}
	m.ID, m.UUID = l.newID(r), l.newUUID(r)
	m.Password = ridToken(r, 6)
	m.Start = now.Add(time.Hour + time.Duration(r.IntN(14*24))*time.Hour).Truncate(15 * time.Minute)
	m.Type = 2
	if webinar {
		m.Type = 5
		m.Topic = pick(r, webTopics)
		m.Agenda = "Join us: " + m.Topic
		m.Duration = []int{45, 60, 60, 90}[r.IntN(4)]
		m.NPanelists, m.NTrackingSources, m.NPolls = 1+r.IntN(4), r.IntN(4), r.IntN(3)
		m.ApprovalType = r.IntN(3)
	} else {
		m.Topic = pick(r, topics)
		m.Agenda = m.Topic + " for " + u.FirstName + "'s team"
		m.Duration = []int{15, 30, 30, 45, 60, 60, 90}[r.IntN(7)]
		if r.IntN(4) == 0 {
			m.Type, m.Occurrences = 8, 4+r.IntN(8)
		}
		if u.Type == 2 && r.IntN(10) < 3 {
			m.ApprovalType = r.IntN(2)
		}
		if u.Type == 2 && r.IntN(10) < 2 {
			m.NPolls = 1 + r.IntN(2)
		}
	}
	if webinar {
		u.Webinars = append(u.Webinars, m)
		l.d.Webinars = append(l.d.Webinars, m)
	} else {
		u.Meetings = append(u.Meetings, m)
		l.d.Meetings = append(l.d.Meetings, m)
	}
	l.d.byID[m.ID] = m
	l.record(now, kindOf(m)+".created", meetingObject(m), nil)
	l.queueNew(m, now)
}

// upcoming picks a meeting (or webinar) of an active host whose first
// occurrence has not started, or nil.
func (l *life) upcoming(r *rand.Rand, webinar, single bool) *Meeting {
	list := l.d.Meetings
	if webinar {
		list = l.d.Webinars
	}
	var c []*Meeting
	for _, m := range list {
		if !m.Deleted && m.Host.Status == "active" && m.Host.ID != "" && m.Start.After(l.d.Now) && (!single || m.Type == 2 || m.Type == 5) {
			c = append(c, m)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return c[r.IntN(len(c))]
}

// updateMeeting changes an upcoming meeting's topic, duration or (single
// ones) start time.
func (l *life) updateMeeting(r *rand.Rand, now time.Time, webinar bool) {
	m := l.upcoming(r, webinar, false)
	if m == nil {
		return
	}
	old := meetingObject(m)
	switch r.IntN(3) {
	case 0:
		m.Topic = strings.TrimSuffix(m.Topic, " (updated)") + " (updated)"
	case 1:
		m.Duration = []int{30, 45, 60, 90}[r.IntN(4)]
	default:
		if m.Type == 2 || m.Type == 5 {
			m.Start = now.Add(time.Hour + time.Duration(r.IntN(7*24))*time.Hour).Truncate(15 * time.Minute)
		} else {
			m.Topic = strings.TrimSuffix(m.Topic, " (updated)") + " (updated)"
		}
	}
	l.record(now, kindOf(m)+".updated", meetingObject(m), old)
	l.queueNew(m, now)
}

func (l *life) deleteMeeting(r *rand.Rand, now time.Time) {
	if m := l.upcoming(r, false, true); m != nil {
		m.Deleted = true
		l.record(now, "meeting.deleted", meetingObject(m), nil)
	}
}

// deleteWebinar deletes an upcoming webinar that has not run.
func (l *life) deleteWebinar(r *rand.Rand, now time.Time) {
	if m := l.upcoming(r, true, true); m != nil && len(m.Instances) == 0 {
		m.Deleted = true
		l.record(now, "webinar.deleted", meetingObject(m), nil)
	}
}

// extendRecurrence gives a recurring meeting that is under way four more
// weekly occurrences.
func (l *life) extendRecurrence(r *rand.Rand, now time.Time) {
	var c []*Meeting
	for _, m := range l.d.Meetings {
		if !m.Deleted && m.Type == 8 && m.Host.Status == "active" && m.Host.ID != "" {
			c = append(c, m)
		}
	}
	if len(c) == 0 {
		return
	}
	m := c[r.IntN(len(c))]
	old := meetingObject(m)
	m.Occurrences = min(m.Occurrences+4, 60)
	l.record(now, "meeting.updated", meetingObject(m), old)
	l.queueNew(m, now)
}

// register adds a registrant to an upcoming meeting or webinar with
// registration (pending under manual approval, approved otherwise) and
// queues what happens to them next: the host approves or denies a pending
// one within two days; one in ten approved ones cancels.
func (l *life) register(r *rand.Rand, now time.Time) {
	var c []*Meeting
	for _, list := range [][]*Meeting{l.d.Meetings, l.d.Webinars} {
		for _, m := range list {
			if !m.Deleted && m.RegistrationEnabled() && m.Licensed() && m.Host.Status == "active" && !m.Over(now) &&
				m.NRegistrants+len(l.d.created[m.ID]) < l.d.MaxRegistrants {
				c = append(c, m)
			}
		}
	}
	if len(c) == 0 {
		return
	}
	m := c[r.IntN(len(c))]
	f, la := pick(r, firstNames), pick(r, lastNames)
	city := pick(r, cities)
	body := map[string]any{"email": fmt.Sprintf("%s.%s.%d@reg.example", strings.ToLower(f), strings.ToLower(strings.ReplaceAll(la, " ", "")), r.IntN(1_000_000)),
		"first_name": f, "last_name": la, "city": city[0], "state": city[1], "country": city[2], "org": pick(r, orgs), "job_title": pick(r, jobTitles)}
	if l.d.findRegistrant(m, body["email"].(string)) != nil {
		return
	}
	reg := l.d.newRegistrant(m, body, m.ApprovalType == 0, now)
	l.record(now, kindOf(m)+".registration_created", registrationObject(m, reg), nil)
	later := now.Add(time.Duration(1+r.IntN(48*60)) * time.Minute)
	switch {
	case reg.Status == "pending":
		approve := r.IntN(10) < 7
		l.push(later, func(now time.Time) { l.decide(m, reg, approve, now) })
	case r.IntN(10) == 0:
		l.push(later, func(now time.Time) { l.cancel(m, reg, now) })
	}
}

func registrationObject(m *Meeting, reg *Registrant) map[string]any {
	o := meetingObject(m)
	o["registrant"] = reg.object()
	return o
}

// decide approves or denies a pending registrant, as PUT
// .../registrants/status does.
func (l *life) decide(m *Meeting, reg *Registrant, approve bool, now time.Time) {
	if m.Deleted || reg.Status != "pending" || l.gone(m, reg) {
		return
	}
	status, event := "approved", ".registration_approved"
	if !approve {
		status, event = "denied", ".registration_denied"
	}
	l.d.setStatus(m, reg, status)
	l.record(now, kindOf(m)+event, registrationObject(m, reg), nil)
}

// cancel cancels an approved registrant's registration, with the same
// (invented) outcome as the status endpoint's cancel: listed as denied,
// or with Dataset.CancelRemoves not listed at all.
func (l *life) cancel(m *Meeting, reg *Registrant, now time.Time) {
	if m.Deleted || l.gone(m, reg) {
		return
	}
	to, change := transition("cancel", reg.Status, l.d.CancelRemoves)
	if !change {
		return
	}
	l.d.setStatus(m, reg, to)
	l.record(now, kindOf(m)+".registration_cancelled", registrationObject(m, reg), nil)
}

// gone reports whether a registrant was deleted or cancelled away.
func (l *life) gone(m *Meeting, reg *Registrant) bool {
	return l.d.lc != nil && l.d.lc.deleted[regKey(m, reg.ID)]
}

// signIn logs a user's sign-in now and sign-out later (report_activities).
func (l *life) signIn(r *rand.Rand, now time.Time) {
	u := l.someUser(r)
	if u == nil {
		return
	}
	ct := r.IntN(len(clientTypes))
	a := Activity{Email: u.Email, Type: "Sign in", IP: fmt.Sprintf("203.0.113.%d", 1+r.IntN(250)),
		ClientType: clientTypes[ct], Version: strings.SplitN(clientVersions[ct%len(clientVersions)], "(", 2)[0], Time: now}
	u.LastLogin = now
	l.addActivity(a)
	out := a
	out.Type, out.Time = "Sign out", now.Add(time.Duration(30+r.IntN(600))*time.Minute)
	l.push(out.Time, func(time.Time) { l.addActivity(out) })
}

// addActivity inserts a log entry, keeping d.Activities newest first.
func (l *life) addActivity(a Activity) {
	acts := l.d.Activities
	i := sort.Search(len(acts), func(i int) bool { return !acts[i].Time.After(a.Time) })
	l.d.Activities = slices.Insert(acts, i, a)
}

// occur runs one occurrence of m that was scheduled to start at st: the
// host may not show up (one meeting occurrence in seven), otherwise it
// ends after its actual duration (meeting.ended), its data appears
// ReportDelay later and its recording, if any, RecordingDelay after that.
func (l *life) occur(m *Meeting, st time.Time) {
	key := fmt.Sprintf("%d|%d", m.ID, st.Unix())
	if m.Deleted || m.Host.Status != "active" || l.started[key] || !slices.ContainsFunc(m.occurrenceStarts(), st.Equal) {
		return
	}
	l.started[key] = true
	r := childRand(m.seed^uint64(st.Unix()), 0x1fe)
	if !m.Webinar && r.IntN(100) >= 85 {
		return
	}
	in := &Instance{Meeting: m, seed: r.Uint64(), UUID: m.UUID}
	in.Start = st.Add(time.Duration(r.IntN(5)) * time.Minute)
	if m.Webinar {
		in.Duration = max(5, m.Duration-5+r.IntN(20))
		in.Participants = 2 + r.IntN(l.spec.maxParticipants*2)
	} else {
		in.Duration = max(5, m.Duration-10+r.IntN(25))
		in.Participants = 1
		if r.IntN(100) >= 15 {
			in.Participants = 2 + r.IntN(l.spec.maxParticipants-1)
		}
	}
	// Each occurrence of a recurring meeting or webinar has its own UUID;
	// a single one's only run has the meeting's.
	if m.Type == 8 || m.Type == 9 || len(m.Instances) > 0 {
		in.UUID = l.newUUID(r)
	}
	recorded := m.Licensed() && r.IntN(10) < 4
	appear := in.End().Add(l.opts.ReportDelay)
	l.push(in.End(), func(now time.Time) {
		o := meetingObject(m)
		o["uuid"], o["start_time"], o["end_time"] = in.UUID, ztime(in.Start), ztime(in.End())
		l.record(now, kindOf(m)+".ended", o, nil)
	})
	l.push(appear, func(now time.Time) { l.appear(in, recorded) })
}

// appear makes an ended instance's data visible.
func (l *life) appear(in *Instance, recorded bool) {
	m, d := in.Meeting, l.d
	m.Instances = append(m.Instances, in)
	sort.SliceStable(m.Instances, func(i, j int) bool { return m.Instances[i].Start.Before(m.Instances[j].Start) })
	d.byUUID[in.UUID] = in
	a := d.dailyAt(in.Start)
	a.meetings++
	a.participants += in.Participants
	a.minutes += in.Duration
	if recorded {
		l.push(d.Now.Add(l.opts.RecordingDelay), func(now time.Time) {
			if m.Deleted {
				return
			}
			in.Recorded = true
			o := d.recordingObject(in)
			l.record(now, "recording.completed", o, nil)
		})
	}
}
