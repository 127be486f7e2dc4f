package engine

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/state"
)

// clock is the read's "now" in these tests.
var clock = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

func item(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSettledAt(t *testing.T) {
	t.Parallel()
	settle := 3 * 24 * time.Hour
	end := time.Date(2026, 6, 1, 10, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		name, item string
		want       time.Time
	}{
		{"single meeting: its end plus settle", `{"type":2,"start_time":"2026-06-01T10:00:00Z","duration":30}`, end.Add(settle)},
		{"webinar", `{"type":5,"start_time":"2026-06-01T10:00:00Z","duration":30}`, end.Add(settle)},
		{"instant", `{"type":1,"start_time":"2026-06-01T10:00:00Z","duration":30}`, end.Add(settle)},
		{"recurring, details with no occurrence left", `{"type":8,"start_time":"2026-06-01T10:00:00Z","duration":30,"occurrences":[]}`, end.Add(settle)},
		{"recurring webinar, details with no occurrence left", `{"type":9,"start_time":"2026-06-01T10:00:00Z","duration":30,"occurrences":[]}`, end.Add(settle)},
		{"recurring, list item (occurrences unknown)", `{"type":8,"start_time":"2026-06-01T10:00:00Z","duration":30}`, time.Time{}},
		{"recurring, an occurrence to come", `{"type":8,"start_time":"2026-06-01T10:00:00Z","duration":30,"occurrences":[{"start_time":"2026-06-08T10:00:00Z"}]}`, time.Time{}},
		{"recurring without a fixed time never settles", `{"type":3,"start_time":"2026-06-01T10:00:00Z","duration":30,"occurrences":[]}`, time.Time{}},
		{"recurring webinar without a fixed time", `{"type":6,"start_time":"2026-06-01T10:00:00Z","duration":30}`, time.Time{}},
		{"no start time", `{"type":2,"duration":30}`, time.Time{}},
		{"no duration", `{"type":2,"start_time":"2026-06-01T10:00:00Z"}`, time.Time{}},
		{"no type", `{"start_time":"2026-06-01T10:00:00Z","duration":30}`, time.Time{}},
	} {
		got, ok := settledAt(item(t, c.item), settle)
		if ok != !c.want.IsZero() || !got.Equal(c.want) {
			t.Errorf("%s: settledAt = %v %v, want %v", c.name, got, ok, c.want)
		}
	}
}

func TestReconcileDue(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		last string
		days int
		want bool
	}{
		{"", 7, true}, // never reconciled
		{"", 0, true},
		{"2026-06-24T12:00:00Z", 7, true}, // exactly seven days ago
		{"2026-06-24T12:00:01Z", 7, false},
		{"2026-06-30T12:00:00Z", 1, true},
		{"2026-06-01T00:00:00Z", 0, false}, // 0: never again
	} {
		if got := due(c.last, c.days, clock); got != c.want {
			t.Errorf("due(%q, %d) = %v, want %v", c.last, c.days, got, c.want)
		}
	}
}

// changeList is a ChangeSource of fixed changes.
type changeList struct {
	evs   []Change
	err   error
	after []int64
}

func (c *changeList) ChangesAfter(_ context.Context, after int64) ([]Change, error) {
	c.after = append(c.after, after)
	var out []Change
	for _, e := range c.evs {
		if e.Position > after {
			out = append(out, e)
		}
	}
	return out, c.err
}

// ruleRead is a read of meetings, meeting_polls, past_meeting_instances and
// report_meetings whose streams last synced at synced (their Synced mark,
// with changes position 5), last reconciled at reconciled.
func ruleRead(t *testing.T, synced, reconciled string, inc map[string]bool, src ChangeSource) (*changes, *state.State, error) {
	t.Helper()
	st := state.New()
	names := []string{"meetings", "meeting_polls", "past_meeting_instances", "report_meetings"}
	for _, n := range names {
		if synced != "" {
			st.Stream(n).Synced = &state.SyncMark{At: synced, Changes: 5}
		}
		st.Stream(n).ReconciledAt = reconciled
	}
	p, err := newPlan(names, st)
	if err != nil {
		t.Fatal(err)
	}
	if inc == nil {
		inc = map[string]bool{}
		for _, n := range names {
			inc[n] = true
		}
	}
	ch, err := newChanges(context.Background(), &ChangeRules{SettleDays: 3, ReconcileDays: 7, Changes: src}, p, inc, st, clock)
	return ch, st, err
}

// TestChangeRules: which meetings a read skips, with the clock at 1 July
// 12:00 and settle_days 3.
func TestChangeRules(t *testing.T) {
	t.Parallel()
	meetings, _ := streams.ByName("meetings")
	polls, _ := streams.ByName("meeting_polls")
	instances, _ := streams.ByName("past_meeting_instances")
	old := `{"id":1,"type":2,"start_time":"2026-06-01T10:00:00Z","duration":30}`
	recent := `{"id":2,"type":2,"start_time":"2026-06-29T10:00:00Z","duration":30}` // ended two days ago
	upcoming := `{"id":3,"type":2,"start_time":"2026-07-05T10:00:00Z","duration":30}`
	recurring := `{"id":4,"type":8,"start_time":"2026-06-01T10:00:00Z","duration":30}`
	recurringOver := `{"id":4,"type":8,"start_time":"2026-06-01T10:00:00Z","duration":30,"occurrences":[]}`
	named := &changeList{evs: []Change{{Position: 4, Stream: "meetings", ID: "1"}, {Position: 9, Stream: "meetings", ID: "5"}, {Position: 10, Stream: "webinars", ID: "1"}}}
	full := map[string]bool{"meetings": true, "meeting_polls": false, "past_meeting_instances": true, "report_meetings": true}
	for _, c := range []struct {
		name               string
		synced, reconciled string
		inc                map[string]bool
		src                ChangeSource
		item               string
		detail, child      bool // skipDetail, skipChild(meeting_polls)
	}{
		{"settled and read after it settled", "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", nil, nil, old, true, true},
		{"settled, but last read before it settled", "2026-06-04T00:00:00Z", "2026-06-28T00:00:00Z", nil, nil, old, false, false},
		{"never synced", "", "2026-06-28T00:00:00Z", nil, nil, old, false, false},
		{"ended two days ago: not settled", "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", nil, nil, recent, false, false},
		{"upcoming", "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", nil, nil, upcoming, false, false},
		{"recurring: the list item cannot tell", "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", nil, nil, recurring, false, false},
		{"recurring, details with every occurrence over", "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", nil, nil, recurringOver, true, true},
		{"reconciliation due", "2026-06-30T00:00:00Z", "2026-06-24T00:00:00Z", nil, nil, old, false, false},
		{"a full refresh child reads everything", "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", full, nil, old, false, false},
		{"event before the last sync", "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", nil, named, old, true, true},
		{"event after the last sync", "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", nil, named, `{"id":5,"type":2,"start_time":"2026-06-01T10:00:00Z","duration":30}`, false, false},
		{"a webinar event does not name the meeting of that id", "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", nil, named, old, true, true},
		{"store unreadable: nothing skipped", "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", nil, &changeList{err: errors.New("locked")}, old, false, false},
	} {
		ch, _, err := ruleRead(t, c.synced, c.reconciled, c.inc, c.src)
		if (err != nil) != (c.src != nil && c.src.(*changeList).err != nil) {
			t.Errorf("%s: error %v", c.name, err)
		}
		it := item(t, c.item)
		if got := ch.skipDetail(meetings, it); got != c.detail {
			t.Errorf("%s: skipDetail = %v, want %v", c.name, got, c.detail)
		}
		if got := ch.skipChild("meetings", polls, it); got != c.child {
			t.Errorf("%s: skipChild(meeting_polls) = %v, want %v", c.name, got, c.child)
		}
		if got := ch.skipChild("meetings", instances, it); c.inc == nil && got != c.child {
			t.Errorf("%s: skipChild(past_meeting_instances) = %v, want %v", c.name, got, c.child)
		}
	}
}

// TestChangeRulesBelow: a child is skipped only when every selected stream
// under it covers the parent: report_meetings, never synced, keeps
// past_meeting_instances (and so the meeting's details) read, not polls.
func TestChangeRulesBelow(t *testing.T) {
	t.Parallel()
	ch, _, err := ruleRead(t, "2026-06-30T00:00:00Z", "2026-06-28T00:00:00Z", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ch.synced["report_meetings"] = nil
	meetings, _ := streams.ByName("meetings")
	polls, _ := streams.ByName("meeting_polls")
	instances, _ := streams.ByName("past_meeting_instances")
	it := item(t, `{"id":1,"type":2,"start_time":"2026-06-01T10:00:00Z","duration":30}`)
	if ch.skipDetail(meetings, it) || ch.skipChild("meetings", instances, it) || !ch.skipChild("meetings", polls, it) {
		t.Errorf("detail %v, instances %v, polls %v: want false, false, true",
			ch.skipDetail(meetings, it), ch.skipChild("meetings", instances, it), ch.skipChild("meetings", polls, it))
	}
}

// TestChangeMarks: a sync that begins gets a Syncing mark (the clock, the
// last event's position, whether it reconciles); a resumed one keeps its
// own; finish moves the marks of the streams that completed.
func TestChangeMarks(t *testing.T) {
	t.Parallel()
	src := &changeList{evs: []Change{{Position: 7, Stream: "meetings", ID: "1"}, {Position: 12}}}
	ch, st, err := ruleRead(t, "2026-06-20T00:00:00Z", "2026-06-20T00:00:00Z", nil, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.after) != 1 || src.after[0] != 5 {
		t.Errorf("events asked after %v, want [5] (the oldest Synced position)", src.after)
	}
	m := st.Streams["meeting_polls"].Syncing
	if m == nil || m.At != "2026-07-01T12:00:00Z" || m.Changes != 12 || !m.Reconcile {
		t.Fatalf("syncing mark %+v", m)
	}
	// Resumed: the mark of the first run stays.
	st2 := st.Clone()
	st2.Stream("meetings").Syncing = &state.SyncMark{At: "2026-06-30T00:00:00Z", Changes: 3}
	st2.Stream("report_meetings").Complete = true
	st2.Stream("report_meetings").Syncing = nil
	ch2, err := newChanges(context.Background(), &ChangeRules{SettleDays: 3, ReconcileDays: 7}, ch.plan, ch.inc, st2, clock.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if m := st2.Streams["meetings"].Syncing; m.At != "2026-06-30T00:00:00Z" || m.Changes != 3 {
		t.Errorf("a resumed sync's mark changed: %+v", m)
	}
	if st2.Streams["report_meetings"].Syncing != nil {
		t.Error("a stream already complete in the sync under way got a new mark")
	}
	res := map[string]*StreamResult{
		"meetings": {Status: StatusComplete}, "meeting_polls": {Status: StatusComplete},
		"past_meeting_instances": {Status: StatusIncomplete}, "report_meetings": {Status: StatusComplete},
	}
	// While a stream of the sync is incomplete, no mark moves: the resumed
	// runs must decide what is settled as the first did.
	ch2.finish(st2, res, true, slog.New(slog.DiscardHandler))
	if s := st2.Streams["meetings"]; s.Syncing == nil || s.Synced.At == "2026-06-30T00:00:00Z" {
		t.Errorf("meetings' mark moved while the sync is incomplete: %+v", s)
	}
	res["past_meeting_instances"].Status = StatusComplete
	st2.Stream("past_meeting_instances").Syncing = nil
	ch2.finish(st2, res, false, slog.New(slog.DiscardHandler))
	if s := st2.Streams["meetings"]; s.Syncing != nil || s.Synced.At != "2026-06-30T00:00:00Z" || s.ReconciledAt != "2026-06-20T00:00:00Z" {
		t.Errorf("meetings after finish: %+v", s)
	}
	if s := st2.Streams["meeting_polls"]; s.Syncing != nil || s.Synced.At != "2026-07-01T12:00:00Z" || s.ReconciledAt != "2026-07-01T12:00:00Z" {
		t.Errorf("meeting_polls (a reconciliation) after finish: %+v %+v", s, s.Synced)
	}
	if s := st2.Streams["past_meeting_instances"]; s.Synced.At != "2026-06-20T00:00:00Z" {
		t.Errorf("a stream without a mark of this sync changed its last one: %+v", s)
	}
	if s := st2.Streams["report_meetings"]; s.Synced.At != "2026-06-20T00:00:00Z" {
		t.Errorf("a stream complete before this read got a new Synced: %+v", s.Synced)
	}
}

// TestChangeRulesOff: settle_days 0 (or no rules) skips nothing and marks
// nothing.
func TestChangeRulesOff(t *testing.T) {
	t.Parallel()
	st := state.New()
	p, err := newPlan([]string{"meetings", "meeting_polls"}, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*ChangeRules{nil, {SettleDays: 0, ReconcileDays: 7}} {
		ch, err := newChanges(context.Background(), r, p, map[string]bool{"meetings": true, "meeting_polls": true}, st, clock)
		if err != nil || ch.on {
			t.Fatalf("rules %+v: on %v, %v", r, ch.on, err)
		}
		meetings, _ := streams.ByName("meetings")
		if ch.skipDetail(meetings, map[string]any{"id": "1", "type": "2", "start_time": "2020-01-01T00:00:00Z", "duration": "30"}) {
			t.Error("skipped with the rules off")
		}
	}
	if st.Streams["meetings"].Syncing != nil {
		t.Error("marked with the rules off")
	}
}
