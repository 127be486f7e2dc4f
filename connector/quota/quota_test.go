package quota

import (
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

const (
	light  = zoomapi.CategoryLight
	medium = zoomapi.CategoryMedium
	heavy  = zoomapi.CategoryHeavy
	ri     = zoomapi.CategoryResourceIntensive
)

func withCursor(names ...string) *state.State {
	st := state.New()
	for _, n := range names {
		st.Stream(n).Cursor = "2026-11-01T00:00:00Z"
	}
	return st
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	inc := map[string]bool{"report_meetings": true, "meeting_registrants": true, "past_meeting_instances": true}
	for _, tc := range []struct {
		name     string
		selected []string
		inc      map[string]bool
		st       *state.State
		stream   string
		want     Kind
	}{
		{"no state", []string{"report_meetings"}, inc, nil, "report_meetings", Full},
		{"cursor, incremental", []string{"report_meetings"}, inc, withCursor("report_meetings"), "report_meetings", Incremental},
		{"cursor, full refresh", []string{"report_meetings"}, map[string]bool{}, withCursor("report_meetings"), "report_meetings", Full},
		{"no cursor", []string{"report_meetings"}, inc, withCursor("users"), "report_meetings", Full},
		{"hidden parent of an incremental child", []string{"meeting_registrants"}, inc, withCursor("meeting_registrants"), "meetings", Incremental},
		{"hidden grandparent", []string{"meeting_registrants"}, inc, withCursor("meeting_registrants"), "users", Incremental},
		{"hidden parent, one child full", []string{"meeting_registrants", "past_meeting_instances"}, inc, withCursor("meeting_registrants"), "meetings", Full},
		{"hidden parent, both children incremental", []string{"meeting_registrants", "past_meeting_instances"}, inc, withCursor("meeting_registrants", "past_meeting_instances"), "meetings", Incremental},
		{"selected parent keeps its own kind", []string{"meetings", "meeting_registrants"}, inc, withCursor("meeting_registrants"), "meetings", Full},
		{"a change-driven sync completed before", []string{"meeting_registrants"}, inc, func() *state.State {
			st := state.New()
			st.Stream("meeting_registrants").Synced = &state.SyncMark{At: "2026-11-01T00:00:00Z"}
			return st
		}(), "meeting_registrants", Incremental},
	} {
		r := Read{Selected: tc.selected, Incremental: tc.inc, State: tc.st}
		if got := r.KindOf(tc.stream); got != tc.want {
			t.Errorf("%s: KindOf(%s) = %s, want %s", tc.name, tc.stream, got, tc.want)
		}
	}
}

func TestNeeded(t *testing.T) {
	t.Parallel()
	var got []string
	for _, s := range Needed([]string{"meeting_registrants", "users"}) {
		got = append(got, s.Name)
	}
	if strings.Join(got, ",") != "users,meetings,meeting_registrants" {
		t.Errorf("Needed = %v", got)
	}
}

// TestMake: each stream's source, in the order of preference, and a sync
// under way less what its earlier runs sent.
func TestMake(t *testing.T) {
	t.Parallel()
	full := map[string]int64{"heavy": 1000, "light": 10}
	incr := map[string]int64{"heavy": 30}
	inc := map[string]bool{"report_meetings": true, "report_users": true, "meeting_registrants": true}
	for _, tc := range []struct {
		name   string
		sel    []string
		st     func() *state.State
		probed map[string]Counts
		stream string
		source Source
		want   Counts
	}{
		{"full read uses the full count", []string{"report_meetings"}, func() *state.State {
			st := state.New()
			st.Stream("report_meetings").Requests = &state.Requests{Full: full, Incremental: incr}
			return st
		}, nil, "report_meetings", FromLastFull, Counts{heavy: 1000, light: 10}},
		{"daily read uses the incremental count", []string{"report_meetings"}, func() *state.State {
			st := withCursor("report_meetings")
			st.Stream("report_meetings").Requests = &state.Requests{Full: full, Incremental: incr}
			return st
		}, nil, "report_meetings", FromLastIncremental, Counts{heavy: 30}},
		{"daily read with only a full count", []string{"report_meetings"}, func() *state.State {
			st := withCursor("report_meetings")
			st.Stream("report_meetings").Requests = &state.Requests{Full: full}
			return st
		}, nil, "report_meetings", FromLastFullForDaily, Counts{heavy: 1000, light: 10}},
		{"a resumed sync less what it sent", []string{"report_meetings"}, func() *state.State {
			st := state.New()
			st.Stream("report_meetings").Requests = &state.Requests{Full: full, Sync: map[string]int64{"heavy": 600, "light": 20}}
			st.Stream("report_meetings").Done = []string{"x"}
			return st
		}, nil, "report_meetings", FromLastFull, Counts{heavy: 400, light: 0}},
		{"complete in the sync under way", []string{"report_meetings", "report_users"}, func() *state.State {
			st := state.New()
			st.Stream("report_meetings").Requests = &state.Requests{Full: full}
			st.Stream("report_meetings").Complete = true
			return st
		}, nil, "report_meetings", AlreadyComplete, Counts{}},
		{"hidden parent's counts nested in a child", []string{"meeting_registrants"}, func() *state.State {
			st := state.New()
			st.Stream("meeting_registrants").Parents = map[string]*state.StreamState{"meetings": {Requests: &state.Requests{Full: map[string]int64{"medium": 77}}}}
			return st
		}, nil, "meetings", FromLastFull, Counts{medium: 77}},
		{"probe without counts", []string{"report_meetings"}, state.New, map[string]Counts{"report_meetings": {heavy: 55}}, "report_meetings", FromProbe, Counts{heavy: 55}},
		{"counts win over the probe", []string{"report_meetings"}, func() *state.State {
			st := state.New()
			st.Stream("report_meetings").Requests = &state.Requests{Full: full}
			return st
		}, map[string]Counts{"report_meetings": {heavy: 55}}, "report_meetings", FromLastFull, Counts{heavy: 1000, light: 10}},
		{"nothing", []string{"report_meetings"}, state.New, nil, "report_meetings", NotEstimated, Counts{}},
		{"hidden parent complete in the sync under way", []string{"meeting_registrants"}, func() *state.State {
			st := state.New()
			st.Stream("meeting_registrants").Parents = map[string]*state.StreamState{"meetings": {Complete: true,
				Requests: &state.Requests{Full: map[string]int64{"medium": 77}}}}
			return st
		}, nil, "meetings", AlreadyComplete, Counts{}},
	} {
		e := Make(Read{Selected: tc.sel, Incremental: inc, State: tc.st()}, tc.probed)
		var got *StreamEstimate
		for i := range e.Streams {
			if e.Streams[i].Name == tc.stream {
				got = &e.Streams[i]
			}
		}
		if got == nil {
			t.Fatalf("%s: no estimate of %s in %+v", tc.name, tc.stream, e.Streams)
		}
		if got.Source != tc.source || !equal(got.Requests, tc.want) {
			t.Errorf("%s: %s from %q = %v, want %q %v", tc.name, tc.stream, got.Source, got.Requests, tc.source, tc.want)
		}
		var sum Counts = Counts{}
		for _, s := range e.Streams {
			sum.Add(s.Requests)
		}
		if !equal(sum, e.Total) {
			t.Errorf("%s: total %v is not the sum of the streams' %v", tc.name, e.Total, sum)
		}
	}
}

func equal(a, b Counts) bool {
	for _, c := range zoomapi.Categories {
		if a[c] != b[c] {
			return false
		}
	}
	return true
}

func TestDays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		total Counts
		plan  string
		days  int
		want  []string
	}{
		{"issue 19's figure", Counts{heavy: 421298, medium: 5000}, "business", 8,
			[]string{"about 421,298 Heavy and 5,000 Medium requests", "business plan's daily quota of 60,000 Heavy and Resource-intensive requests it completes over 8 days"}},
		{"exactly one quota", Counts{heavy: 60000}, "business", 1, []string{"completes in one day"}},
		{"Resource-intensive shares Heavy's quota", Counts{heavy: 29000, ri: 2000}, "pro", 2, []string{"over 2 days"}},
		{"Light and Medium have no daily quota on paid plans", Counts{light: 1e6, medium: 1e6}, "business", 1, []string{"completes in one day"}},
		{"free: the scarcest quota sets it", Counts{light: 6000, medium: 5000, heavy: 900}, "free", 3, []string{"over 3 days (Medium sets it)", "2,000 Medium"}},
		{"unlimited", Counts{heavy: 1e6}, "unlimited", 0, []string{"no daily quota"}},
		{"nothing to read", Counts{}, "business", 0, []string{"needs no request", "one day"}},
	} {
		days, _, err := Days(tc.total, tc.plan)
		if err != nil || days != tc.days {
			t.Errorf("%s: Days = %d, %v; want %d", tc.name, days, err, tc.days)
		}
		s, err := Sentence(&Estimate{Total: tc.total}, tc.plan)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(s, w) {
				t.Errorf("%s: %q lacks %q", tc.name, s, w)
			}
		}
	}
	if _, _, err := Days(Counts{}, "platinum"); err == nil {
		t.Error("an unknown plan was accepted")
	}
}

func TestCountsStateRoundTrip(t *testing.T) {
	t.Parallel()
	c := Counts{heavy: 3, light: 0, ri: 2}
	m := c.ToState()
	if len(m) != 2 || m["heavy"] != 3 || m["resource-intensive"] != 2 {
		t.Errorf("ToState = %v", m)
	}
	if back := FromState(m); !equal(back, c) {
		t.Errorf("FromState = %v", back)
	}
	if (Counts{}).ToState() != nil || FromState(nil) != nil {
		t.Error("empty counts are not nil")
	}
	if Thousands(1234567) != "1,234,567" || Thousands(12) != "12" {
		t.Error(Thousands(1234567))
	}
}

// TestSettle: a run's counts add to the sync under way's until the stream
// completes, then become the last read's of the run's kind; a completed
// read that sent nothing keeps its categories at zero.
func TestSettle(t *testing.T) {
	t.Parallel()
	r := Settle(nil, Counts{heavy: 60000}, Full, false, heavy)
	if r == nil || r.Sync["heavy"] != 60000 || r.Full != nil {
		t.Fatalf("day 1 (stopped by the daily limit): %+v", r)
	}
	r = Settle(r, Counts{heavy: 20000, medium: 5}, Full, true, heavy, medium)
	if r.Sync != nil || r.Full["heavy"] != 80000 || r.Full["medium"] != 5 {
		t.Fatalf("day 2 (completed): %+v", r)
	}
	r = Settle(r, Counts{heavy: 300}, Incremental, true, heavy)
	if r.Full["heavy"] != 80000 || r.Incremental["heavy"] != 300 {
		t.Fatalf("a daily read: %+v", r)
	}
	r = Settle(r, Counts{}, Incremental, true, heavy)
	if v, ok := r.Incremental["heavy"]; !ok || v != 0 || r.Full["heavy"] != 80000 {
		t.Fatalf("a daily read that sent nothing: %+v", r)
	}
	e := Make(Read{Selected: []string{"report_daily"}, Incremental: map[string]bool{"report_daily": true},
		State: stateWith("report_daily", r)}, nil)
	if len(e.Streams) != 1 || e.Streams[0].Source != FromLastIncremental || e.Total.Total() != 0 {
		t.Errorf("a zero incremental count is not used: %+v", e.Streams)
	}
	if Settle(nil, Counts{}, Full, false) != nil {
		t.Error("nothing to keep is not nil")
	}
}

func stateWith(name string, r *state.Requests) *state.State {
	st := withCursor(name)
	st.Stream(name).Requests = r
	return st
}

// TestSentenceUnestimated: a read none of whose streams is estimated says
// so instead of "no request"; one with some says how many are left out.
func TestSentenceUnestimated(t *testing.T) {
	t.Parallel()
	r := Read{Selected: []string{"meeting_registrants"}, State: state.New()}
	s, err := Sentence(Make(r, nil), "business")
	if err != nil || !strings.Contains(s, "not estimated") || strings.Contains(s, "no request") {
		t.Errorf("nothing estimated: %q, %v", s, err)
	}
	s, _ = Sentence(Make(r, map[string]Counts{"users": {medium: 3}}), "business")
	if !strings.Contains(s, "about 3 Medium requests besides those of 2 streams not estimated") {
		t.Errorf("partly estimated: %q", s)
	}
}

// TestRememberProbe: a first read that a daily limit stops keeps the
// probe's estimate; the next run estimates what is left from it.
func TestRememberProbe(t *testing.T) {
	t.Parallel()
	st := state.New()
	st.Stream("report_daily").Requests = &state.Requests{Full: map[string]int64{"heavy": 6}}
	RememberProbe(st, map[string]Counts{"report_activities": {heavy: 100000}, "report_daily": {heavy: 9}, "report_users": {}})
	if p := st.Streams["report_daily"].Requests; p.Probe != nil {
		t.Errorf("a stream with counts took the probe's: %+v", p)
	}
	if p := st.Streams["report_users"].Requests.Probe; p == nil || p["heavy"] != 0 {
		t.Errorf("a zero estimate was not kept: %v", p)
	}
	ra := st.Streams["report_activities"]
	ra.Requests = Settle(ra.Requests, Counts{heavy: 60000}, Full, false, heavy)
	e := Make(Read{Selected: []string{"report_activities"}, State: st}, nil)
	if e.Streams[0].Source != FromSyncProbe || e.Total[heavy] != 40000 || !e.Resumed() {
		t.Errorf("day 2: %+v", e.Streams[0])
	}
	ra.Requests = Settle(ra.Requests, Counts{heavy: 41000}, Full, true, heavy)
	if ra.Requests.Probe != nil || ra.Requests.Full["heavy"] != 101000 {
		t.Errorf("completed: %+v", ra.Requests)
	}
}

// TestStoreStreamCostsNoRequest: webhook_events is read from the serve
// store: it costs no Zoom request and is not "not estimated".
func TestStoreStreamCostsNoRequest(t *testing.T) {
	t.Parallel()
	e := Make(Read{Selected: []string{"webhook_events"}, State: state.New()}, nil)
	if len(e.Streams) != 1 || e.Streams[0].Source != NoZoomRequests || e.Total.Total() != 0 || len(e.Unestimated()) != 0 {
		t.Errorf("%+v", e.Streams)
	}
}

func TestProbeSamples(t *testing.T) {
	t.Parallel()
	b := ProbeSamples("business")
	if b[heavy] != SampleWithQuota || b[ri] != SampleWithQuota || b[light] != SampleWithoutQuota || b[medium] != SampleWithoutQuota {
		t.Errorf("business: %v", b)
	}
	if f := ProbeSamples("free"); f[light] != SampleWithQuota || f[medium] != SampleWithQuota {
		t.Errorf("free: %v", f)
	}
}

// TestReconcileKind: with the change-driven rules on, a daily read of a
// stream whose cost they cut is a reconciliation when reconcile_days have
// passed since the last one (or the sync under way is one), for a parent
// read only for its children when any selected stream through it
// reconciles; the streams read per instance stay incremental. A
// reconciliation is estimated from the last reconciliation's counts, else
// the last full read's, and its counts are kept apart.
func TestReconcileKind(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	ago := func(days int) string { return now.Add(-time.Duration(days) * 24 * time.Hour).Format(time.RFC3339) }
	sel := []string{"meeting_registrants", "past_meeting_participants"}
	inc := map[string]bool{"meeting_registrants": true, "past_meeting_participants": true}
	synced := func(reconciled string, syncing *state.SyncMark) *state.State {
		st := state.New()
		for _, n := range sel {
			ss := st.Stream(n)
			ss.Cursor, ss.Synced, ss.ReconciledAt, ss.Syncing = ago(1), &state.SyncMark{At: ago(1)}, reconciled, syncing
		}
		return st
	}
	for _, tc := range []struct {
		name       string
		settleDays int
		st         *state.State
		want       map[string]Kind
	}{
		{"reconciliation due", 3, synced(ago(8), nil), map[string]Kind{"meeting_registrants": Reconcile,
			"past_meeting_participants": Incremental, "meetings": Reconcile, "past_meeting_instances": Reconcile, "users": Incremental}},
		{"not due", 3, synced(ago(2), nil), map[string]Kind{"meeting_registrants": Incremental,
			"past_meeting_participants": Incremental, "meetings": Incremental, "past_meeting_instances": Incremental}},
		{"a reconciliation under way", 3, synced(ago(2), &state.SyncMark{At: ago(0), Reconcile: true}),
			map[string]Kind{"meeting_registrants": Reconcile, "meetings": Reconcile, "past_meeting_instances": Reconcile}},
		{"a daily sync under way that began before the reconciliation was due", 3, synced(ago(8), &state.SyncMark{At: ago(2)}),
			map[string]Kind{"meeting_registrants": Incremental, "meetings": Incremental, "past_meeting_instances": Incremental}},
		{"rules off", 0, synced(ago(8), nil), map[string]Kind{"meeting_registrants": Incremental, "meetings": Incremental}},
	} {
		r := Read{Selected: sel, Incremental: inc, State: tc.st, SettleDays: tc.settleDays, ReconcileDays: 7, Now: now}
		for n, want := range tc.want {
			if got := r.KindOf(n); got != want {
				t.Errorf("%s: KindOf(%s) = %s, want %s", tc.name, n, got, want)
			}
		}
	}

	due := synced(ago(8), nil)
	due.Stream("meeting_registrants").Requests = &state.Requests{Full: map[string]int64{"medium": 900}, Incremental: map[string]int64{"medium": 80}}
	r := Read{Selected: []string{"meeting_registrants"}, Incremental: inc, State: due, SettleDays: 3, ReconcileDays: 7, Now: now}
	if s := Make(r, nil).Streams[2]; s.Name != "meeting_registrants" || s.Source != FromLastFullForReconcile || s.Requests[medium] != 900 {
		t.Errorf("a reconciliation without its own counts: %+v", s)
	}
	rq := Settle(due.Stream("meeting_registrants").Requests, Counts{medium: 950}, Reconcile, true, medium)
	if rq.Reconcile["medium"] != 950 || rq.Incremental["medium"] != 80 || rq.Full["medium"] != 900 {
		t.Fatalf("a completed reconciliation: %+v", rq)
	}
	due.Stream("meeting_registrants").Requests = rq
	if s := Make(r, nil).Streams[2]; s.Source != FromLastReconcile || s.Requests[medium] != 950 {
		t.Errorf("the next reconciliation: %+v", s)
	}
	due.Stream("meeting_registrants").Requests.Reconcile = map[string]int64{"medium": 60}
	if s := Make(r, nil).Streams[2]; s.Source != FromLastReconcile || s.Requests[medium] != 80 {
		t.Errorf("a reconciliation whose counts are below the last daily read's (the account grew): %+v", s)
	}
	r.Now = now.Add(-6 * 24 * time.Hour) // two days after the last reconciliation
	if s := Make(r, nil).Streams[2]; s.Source != FromLastIncremental || s.Requests[medium] != 80 {
		t.Errorf("a daily read between reconciliations: %+v", s)
	}
}
