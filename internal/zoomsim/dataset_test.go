package zoomsim

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"
)

// testNow is a fixed clock for dataset tests.
var testNow = time.Date(2025, 6, 15, 14, 30, 0, 0, time.UTC)

func mustGenerate(t testing.TB, preset string, seed int64) *Dataset {
	t.Helper()
	d, err := Generate(preset, seed, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestGenerateUnknownPreset(t *testing.T) {
	if _, err := Generate("huge", 1, testNow); err == nil {
		t.Fatal("want an error for an unknown preset")
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, p := range []string{"tiny", "small"} {
		a, _ := json.Marshal(mustGenerate(t, p, 42).Truth())
		b, _ := json.Marshal(mustGenerate(t, p, 42).Truth())
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: same seed gave different data", p)
		}
		c, _ := json.Marshal(mustGenerate(t, p, 43).Truth())
		if bytes.Equal(a, c) {
			t.Fatalf("%s: different seeds gave the same data", p)
		}
	}
}

func TestPresetSizes(t *testing.T) {
	cases := []struct {
		preset                   string
		minUsers, minMeetings    int
		maxUsers, maxMeetings    int
		checkTruth, logPerStream bool
	}{
		{"tiny", 5, 15, 8, 30, true, true},
		{"small", 25, 250, 40, 400, true, true},
	}
	for _, tc := range cases {
		d := mustGenerate(t, tc.preset, 1)
		if n := len(d.Users); n < tc.minUsers || n > tc.maxUsers {
			t.Errorf("%s: %d users", tc.preset, n)
		}
		if n := len(d.Meetings); n < tc.minMeetings || n > tc.maxMeetings {
			t.Errorf("%s: %d meetings", tc.preset, n)
		}
		truth := d.Truth()
		var parts []string
		for _, s := range TruthStreams {
			parts = append(parts, s+"="+itoa(len(truth[s])))
			if len(truth[s]) == 0 {
				t.Errorf("%s: stream %s is empty", tc.preset, s)
			}
		}
		t.Logf("%s: users=%d meetings=%d webinars=%d; %s", tc.preset, len(d.Users), len(d.Meetings), len(d.Webinars), strings.Join(parts, " "))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestLargePreset(t *testing.T) {
	if testing.Short() {
		t.Skip("large preset in -short mode")
	}
	start := time.Now()
	d := mustGenerate(t, "large", 7)
	el := time.Since(start)
	t.Logf("large: users=%d meetings=%d webinars=%d generated in %v", len(d.Users), len(d.Meetings), len(d.Webinars), el)
	if len(d.Users) < 1000 || len(d.Meetings) < 50000 {
		t.Fatalf("large too small: %d users, %d meetings", len(d.Users), len(d.Meetings))
	}
	if el > 10*time.Second {
		t.Fatalf("large took %v", el)
	}
}

func TestQuirksPresent(t *testing.T) {
	for _, p := range []string{"tiny", "small"} {
		d := mustGenerate(t, p, 1)
		slash, big, bigWeb, deleted, basicHost, manual := 0, 0, 0, 0, 0, 0
		for _, m := range d.Meetings {
			for _, in := range m.Instances {
				if (strings.HasPrefix(in.UUID, "/") || strings.Contains(in.UUID, "//")) && in.Participants >= 2 {
					slash++
				}
			}
			if m.ID > 1<<53 {
				big++
			}
			if m.Deleted {
				deleted++
			}
			if m.Host.Type == 1 {
				basicHost++
			}
			if m.ApprovalType == 1 {
				manual++
			}
			if m.ID < 1_000_000_000 {
				t.Errorf("%s: short meeting ID %d", p, m.ID)
			}
		}
		for _, w := range d.Webinars {
			if w.ID > 1<<53 {
				bigWeb++
			}
		}
		pending, pendingWithID, inactive := 0, 0, 0
		for _, u := range d.Users {
			if u.Status == "pending" {
				pending++
				if u.ID != "" {
					pendingWithID++
				}
			}
			if u.Status == "inactive" {
				inactive++
			}
		}
		if slash < 2 || big < 1 || bigWeb < 1 || deleted < 1 || basicHost < 1 || manual < 1 || pending < 1 || pendingWithID > 0 || inactive < 1 {
			t.Errorf("%s: quirks missing: slash=%d big=%d bigWeb=%d deleted=%d basicHost=%d manual=%d pending=%d pendingWithID=%d inactive=%d",
				p, slash, big, bigWeb, deleted, basicHost, manual, pending, pendingWithID, inactive)
		}
		// Registrants in every status, and single-participant instances.
		truth := d.Truth()
		statuses := map[string]bool{}
		for _, r := range truth["meeting_registrants"] {
			statuses[r["status"].(string)] = true
		}
		if len(statuses) != 3 {
			t.Errorf("%s: registrant statuses %v", p, statuses)
		}
		for _, u := range truth["users"] {
			if u["status"] == "pending" {
				if _, has := u["id"]; has {
					t.Errorf("%s: pending user served with an id", p)
				}
			}
		}
	}
}

func TestIDsMarshalAsIntegers(t *testing.T) {
	d := mustGenerate(t, "tiny", 1)
	var m *Meeting
	for _, x := range d.Meetings {
		if x.ID > 1<<53 {
			m = x
		}
	}
	b, _ := json.Marshal(m.listItem(testNow))
	want := `"id":` + itoa64(m.ID)
	if !strings.Contains(string(b), want) {
		t.Fatalf("%s does not contain %s", b, want)
	}
}

func itoa64(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestReportWindows(t *testing.T) {
	w := ReportWindows(testNow)
	if w[0][0] != "2024-12-15" || w[len(w)-1][1] != "2025-06-15" {
		t.Fatalf("windows %v", w)
	}
	for i := 1; i < len(w); i++ {
		if mustDate(w[i][0]).Sub(mustDate(w[i-1][1])) != 24*time.Hour {
			t.Fatalf("gap between windows %v and %v", w[i-1], w[i])
		}
	}
	// Every activity is inside the windows.
	d := mustGenerate(t, "small", 3)
	if got, want := len(d.Truth()["report_activities"]), len(d.Activities); got != want {
		t.Fatalf("activities in windows %d, generated %d", got, want)
	}
	ids := map[string]bool{}
	for _, u := range d.Users {
		if u.ID != "" {
			if ids[u.ID] {
				t.Fatal("duplicate user id")
			}
			ids[u.ID] = true
		}
	}
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Strings(keys)
}
