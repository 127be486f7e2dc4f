// Package quota estimates, before a read, the requests it will send per
// rate-limit category and how many days the plan's daily quotas spread
// them over. Zoom's daily quotas (zoomapi.DailyPools: 60,000 Heavy and
// Resource-intensive requests a day on Business) stop a large read part
// way; the estimate says so before the first request instead of at the
// daily 429.
//
// The estimate of each stream the read needs (the selected ones and the
// parents they are read through) comes from, in this order:
//
//  1. the counts the previous completed read of the stream left in the
//     state (state.Requests): the last incremental read's when this read
//     of the stream starts from a cursor (a daily read costs a fraction of
//     a full one), the last full read's otherwise, or the last full read's
//     when the stream has a cursor but no incremental read completed yet
//     (then the estimate is mostly far above what the daily read sends,
//     though not a bound: the account may have grown). A daily read that
//     reconciles (Reconcile: the change-driven rules skip nothing that
//     day) costs, for the meetings' and webinars' details and children,
//     about what a full read of them does: it takes the last
//     reconciliation's counts, else the last full read's;
//  2. a probe (Probe): a few first pages that extrapolate each stream's
//     requests from the account's totals and a sample of parents; those
//     requests count too and are reported;
//  3. nothing: the stream is named as not estimated.
//
// A sync under way (resumed after a daily limit) subtracts what its
// earlier runs already sent (state.Requests.Sync).
package quota

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// Counts are requests per rate-limit category.
type Counts map[zoomapi.Category]int64

// Add adds o to c (c must not be nil).
func (c Counts) Add(o Counts) {
	for k, v := range o {
		c[k] += v
	}
}

// Total is the sum over the categories.
func (c Counts) Total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

// FromState converts the state's counts (keyed by category name).
func FromState(m map[string]int64) Counts {
	if len(m) == 0 {
		return nil
	}
	c := Counts{}
	for k, v := range m {
		if cat, err := zoomapi.ParseCategory(k); err == nil {
			c[cat] += v
		}
	}
	return c
}

// ToState converts counts for the state (nil when empty).
func (c Counts) ToState() map[string]int64 {
	var m map[string]int64
	for k, v := range c {
		if v == 0 {
			continue
		}
		if m == nil {
			m = map[string]int64{}
		}
		m[string(k)] = v
	}
	return m
}

// Kind is how a read reads a stream.
type Kind string

// Kinds of read.
const (
	// Full reads every window and parent (no cursor to start from).
	Full Kind = "full"
	// Incremental starts from the stream's saved cursor.
	Incremental Kind = "incremental"
	// Reconcile is an incremental read of a stream whose cost the
	// change-driven rules cut (Reconciled), on the day they skip nothing:
	// every meeting's and webinar's details and children are read again.
	Reconcile Kind = "reconcile"
)

// Read describes a read about to run, as the engine will run it.
type Read struct {
	// Selected are the selected streams; Incremental those read
	// incrementally (engine.ReadOptions's fields of the same names).
	Selected    []string
	Incremental map[string]bool
	// State is the state the read starts from (nil: none).
	State *state.State
	// SettleDays and ReconcileDays are the read's change-driven rules
	// (engine.ChangeRules; SettleDays 0 turns them off), Now when it
	// begins: they tell which daily reads reconcile.
	SettleDays, ReconcileDays int
	Now                       time.Time
}

// Reconciled reports whether the change-driven rules cut the cost of
// stream s on most days, so that a reconciliation costs more: the meetings
// and webinars (their details) and the streams read per meeting or
// webinar (children, instance listings). The streams below those read
// per instance or recording, and their cursors cut them every day.
func Reconciled(s streams.Stream) bool {
	if s.Settles {
		return true
	}
	p, ok := streams.ByName(s.Parent)
	return ok && p.Settles
}

// reconciles reports whether the read reconciles stream name (selected):
// the rules are on and its sync under way, or the one beginning now, is a
// reconciliation (state.StreamState.Reconciles).
func (r Read) reconciles(name string) bool {
	if r.SettleDays <= 0 {
		return false
	}
	ss := &state.StreamState{}
	if r.State != nil && r.State.Streams[name] != nil {
		ss = r.State.Streams[name]
	}
	return ss.Reconciles(r.ReconcileDays, r.Now)
}

// Needed returns the selected streams and every parent they are read
// through, in streams.All order (parents first).
func Needed(selected []string) []streams.Stream {
	all := map[string]streams.Stream{}
	for _, s := range streams.All() {
		all[s.Name] = s
	}
	need := map[string]bool{}
	for _, n := range selected {
		for p, ok := all[n]; ok; p, ok = all[p.Parent] {
			need[p.Name] = true
		}
	}
	var out []streams.Stream
	for _, s := range streams.All() {
		if need[s.Name] {
			out = append(out, s)
		}
	}
	return out
}

// KindOf returns how r reads stream name: incremental when it is selected,
// read incrementally and its state has a cursor, or when a change-driven
// sync of it completed before (the read skips what has settled); a parent
// read only for its children is incremental when every selected stream
// read through it is (the read then serves a daily sync of them all). An
// incremental read of a Reconciled stream is a Reconcile when it (for a
// parent read only for its children: any selected stream read through it)
// reconciles.
func (r Read) KindOf(name string) Kind {
	s, _ := streams.ByName(name)
	if slices.Contains(r.Selected, name) {
		if r.Incremental[name] && r.cursor(name) != "" || r.synced(name) {
			if Reconciled(s) && r.reconciles(name) {
				return Reconcile
			}
			return Incremental
		}
		return Full
	}
	var any, reconciling bool
	for _, n := range r.Selected {
		if !through(n, name) {
			continue
		}
		any = true
		if r.KindOf(n) == Full {
			return Full
		}
		reconciling = reconciling || r.reconciles(n)
	}
	switch {
	case !any:
		return Full
	case reconciling && Reconciled(s):
		return Reconcile
	}
	return Incremental
}

// synced reports whether a change-driven sync of the stream completed
// before (state.StreamState.Synced): the read then skips the settled
// meetings and webinars, a daily read even for a stream without a cursor.
func (r Read) synced(name string) bool {
	return r.State != nil && r.State.Streams[name] != nil && r.State.Streams[name].Synced != nil
}

func (r Read) cursor(name string) string {
	if r.State == nil || r.State.Streams[name] == nil {
		return ""
	}
	return r.State.Streams[name].Cursor
}

// through reports whether stream is read through parent (an ancestor).
func through(stream, parent string) bool {
	s, ok := streams.ByName(stream)
	for ok && s.Parent != "" {
		if s.Parent == parent {
			return true
		}
		s, ok = streams.ByName(s.Parent)
	}
	return false
}

// Saved returns the request counts st keeps for stream name: its own
// entry's, or, for a parent that was read only for its children, those
// nested in the Parents of a stream read through it (the first in name
// order). Nil when none.
func Saved(st *state.State, name string) *state.Requests {
	if st == nil {
		return nil
	}
	if ss := st.Streams[name]; ss != nil && !ss.Requests.Empty() {
		return ss.Requests
	}
	names := make([]string, 0, len(st.Streams))
	for n := range st.Streams {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if p := st.Streams[n].Parents[name]; p != nil && !p.Requests.Empty() {
			return p.Requests
		}
	}
	return nil
}

// completed reports whether the sync under way st holds completed stream
// name: in its own entry, or, for a parent read only for its children,
// nested in theirs.
func completed(st *state.State, name string) bool {
	if st == nil {
		return false
	}
	if ss := st.Streams[name]; ss != nil && ss.Complete {
		return true
	}
	for _, ss := range st.Streams {
		if p := ss.Parents[name]; p != nil && p.Complete {
			return true
		}
	}
	return false
}

// Source says where a stream's estimate came from.
type Source string

// Sources of an estimate.
const (
	FromLastFull        Source = "last full read"
	FromLastIncremental Source = "last incremental read"
	FromLastReconcile   Source = "last reconciliation"
	// FromLastFullForReconcile: a reconciliation with only a full read's
	// counts, which it re-reads most of.
	FromLastFullForReconcile Source = "last full read (no reconciliation counted yet)"
	// FromLastIncrementalForReconcile: a reconciliation with neither,
	// mostly far below what it sends.
	FromLastIncrementalForReconcile Source = "last incremental read (no reconciliation or full read counted: a reconciliation sends more)"
	// FromLastFullForDaily: an incremental read with only a full read's
	// counts, mostly far above what it sends.
	FromLastFullForDaily Source = "last full read (no incremental read completed yet: a daily read usually sends far fewer)"
	FromProbe            Source = "probe"
	// FromSyncProbe: the probe at the start of the sync under way.
	FromSyncProbe Source = "probe at the start of the sync under way"
	NotEstimated  Source = "not estimated"
	// NoZoomRequests: the stream is not read from Zoom's API
	// (webhook_events, from the serve store).
	NoZoomRequests Source = "not read from Zoom's API"
	// AlreadyComplete: the sync under way completed the stream.
	AlreadyComplete Source = "complete in the sync under way"
)

// StreamEstimate is one stream's share of the estimate.
type StreamEstimate struct {
	Name string
	Kind Kind
	// Selected is false for a parent read only for its children.
	Selected bool
	Source   Source
	// Requests are what this run is expected to send: the read's whole
	// cost less what earlier runs of the sync under way sent (Sent).
	Requests, Sent Counts
}

// Estimate is a read's expected requests.
type Estimate struct {
	Streams []StreamEstimate
	// Total is the sum of the streams' Requests.
	Total Counts
	// Probe counts the requests the probe sent to make the estimate
	// (nil without a probe).
	Probe Counts
}

// Unestimated names the streams without an estimate.
func (e *Estimate) Unestimated() []string {
	var out []string
	for _, s := range e.Streams {
		if s.Source == NotEstimated {
			out = append(out, s.Name)
		}
	}
	return out
}

// Resumed reports whether the read resumes a sync under way whose earlier
// runs sent requests (the state counts them).
func (e *Estimate) Resumed() bool {
	for _, s := range e.Streams {
		if s.Sent.Total() > 0 {
			return true
		}
	}
	return false
}

// Make estimates r. probed holds probe estimates of streams (nil: none)
// used for streams the state has no counts for.
func Make(r Read, probed map[string]Counts) *Estimate {
	e := &Estimate{Total: Counts{}}
	for _, s := range Needed(r.Selected) {
		se := StreamEstimate{Name: s.Name, Kind: r.KindOf(s.Name), Selected: slices.Contains(r.Selected, s.Name)}
		saved := Saved(r.State, s.Name)
		switch {
		case s.Source != streams.SourceZoom:
			se.Source, se.Requests = NoZoomRequests, Counts{}
		case completed(r.State, s.Name):
			se.Source, se.Requests = AlreadyComplete, Counts{}
		case saved != nil && se.Kind == Reconcile && len(saved.Reconcile) > 0:
			se.Source, se.Requests = FromLastReconcile, FromState(saved.Reconcile)
		case saved != nil && se.Kind == Incremental && len(saved.Incremental) > 0:
			se.Source, se.Requests = FromLastIncremental, FromState(saved.Incremental)
		case saved != nil && len(saved.Full) > 0:
			se.Source, se.Requests = FromLastFull, FromState(saved.Full)
			switch se.Kind {
			case Incremental:
				se.Source = FromLastFullForDaily
			case Reconcile:
				se.Source = FromLastFullForReconcile
			}
		case saved != nil && se.Kind == Reconcile && len(saved.Incremental) > 0:
			se.Source, se.Requests = FromLastIncrementalForReconcile, FromState(saved.Incremental)
		case saved != nil && len(saved.Probe) > 0:
			se.Source, se.Requests = FromSyncProbe, FromState(saved.Probe)
		case probed[s.Name] != nil:
			se.Source, se.Requests = FromProbe, clone(probed[s.Name])
		default:
			se.Source, se.Requests = NotEstimated, Counts{}
		}
		if saved != nil && se.Kind == Reconcile && se.Source != AlreadyComplete && se.Source != NoZoomRequests {
			// A reconciliation reads at least what a daily read does (the
			// account may have grown since the counts it is estimated from).
			for k, v := range FromState(saved.Incremental) {
				se.Requests[k] = max(se.Requests[k], v)
			}
		}
		if saved != nil && se.Source != AlreadyComplete {
			se.Sent = FromState(saved.Sync)
			for k, v := range se.Sent {
				se.Requests[k] = max(0, se.Requests[k]-v)
			}
		}
		e.Total.Add(se.Requests)
		e.Streams = append(e.Streams, se)
	}
	return e
}

func clone(c Counts) Counts {
	out := Counts{}
	out.Add(c)
	return out
}

// PoolDays is one daily quota against the estimate.
type PoolDays struct {
	Pool zoomapi.DailyPool
	// Needed is the estimate's requests in the pool's categories.
	Needed int64
	// Days is how many daily quotas they take (0 when none needed).
	Days int
}

// Days compares total with the daily quotas of plan: the days the read
// spreads over are the most any quota needs (1 when it fits in one day's,
// 0 when there is no quota, plan unlimited).
func Days(total Counts, plan string) (int, []PoolDays, error) {
	pools, ok := zoomapi.DailyPools(plan)
	if !ok {
		return 0, nil, fmt.Errorf("unknown plan %q", plan)
	}
	days := 0
	var out []PoolDays
	for _, p := range pools {
		pd := PoolDays{Pool: p}
		for _, c := range p.Categories {
			pd.Needed += total[c]
		}
		if pd.Needed > 0 && p.Requests > 0 {
			pd.Days = int(math.Ceil(float64(pd.Needed) / float64(p.Requests)))
		}
		days = max(days, pd.Days)
		out = append(out, pd)
	}
	if days == 0 && total.Total() > 0 && len(pools) > 0 {
		days = 1
	}
	return days, out, nil
}

// Label is a category's name as Zoom's documents and headers spell it.
func Label(c zoomapi.Category) string {
	switch c {
	case zoomapi.CategoryResourceIntensive:
		return "Resource-intensive"
	default:
		s := string(c)
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	}
}

// Thousands renders n with comma separators (421,298).
func Thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Settle returns a stream's request counts after a run of a read of the
// given kind that sent run: they add to the counts of the sync under way
// (earlier runs of a sync resumed after a daily limit or a crash); when
// the stream completed, the sync's counts become the last read's of that
// kind and the sync's are cleared. The categories cats (the stream's) are
// kept even at zero, so that a completed read that sent nothing of them
// is told apart from no read. Nil when there is nothing to keep.
func Settle(prev *state.Requests, run Counts, kind Kind, completed bool, cats ...zoomapi.Category) *state.Requests {
	r := prev.Clone()
	if r == nil {
		r = &state.Requests{}
	}
	sum := FromState(r.Sync)
	if sum == nil {
		sum = Counts{}
	}
	sum.Add(run)
	if !completed {
		r.Sync = sum.ToState()
	} else {
		m := sum.ToState()
		for _, c := range cats {
			if m == nil {
				m = map[string]int64{}
			}
			if c != "" {
				m[string(c)] += 0
			}
		}
		switch kind {
		case Incremental:
			r.Incremental = m
		case Reconcile:
			r.Reconcile = m
		default:
			r.Full = m
		}
		r.Sync, r.Probe = nil, nil
	}
	if r.Empty() {
		return nil
	}
	return r
}

// RememberProbe keeps a probe's estimates in st, for the streams st has no
// counts of: the runs that resume the sync estimate from them
// (state.Requests.Probe). The stream's categories stay even at zero.
func RememberProbe(st *state.State, probed map[string]Counts) {
	for name, c := range probed {
		if Saved(st, name) != nil {
			continue
		}
		m := c.ToState()
		if m == nil {
			m = map[string]int64{}
		}
		if s, ok := streams.ByName(name); ok {
			m[string(s.Category)] += 0
		}
		ss := st.Stream(name)
		if ss.Requests == nil {
			ss.Requests = &state.Requests{}
		}
		ss.Requests.Probe = m
	}
}

// Sample sizes of the probe (engine.Probe): how many parents it asks
// about per stream. A category with a daily quota on the plan gets the
// small one, since the probe spends that quota; one without (Light and
// Medium on paid plans) the large one, which the multiplying levels of
// parents (users, meetings, occurrences) need to land near the truth.
const (
	SampleWithQuota    = 20
	SampleWithoutQuota = 200
)

// ProbeSamples returns the probe's sample size per category on plan.
func ProbeSamples(plan string) map[zoomapi.Category]int {
	out := map[zoomapi.Category]int{}
	for _, c := range zoomapi.Categories {
		out[c] = SampleWithoutQuota
	}
	pools, _ := zoomapi.DailyPools(plan)
	for _, p := range pools {
		for _, c := range p.Categories {
			out[c] = SampleWithQuota
		}
	}
	return out
}
