package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// backends runs the same suite against SQLite and PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, open func() Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "sub", "store.db")
		fn(t, func() Store { return mustOpen(t, path) })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := postgresDSN(t)
		fn(t, func() Store { return mustOpen(t, dsn) })
	})
}

func mustOpen(t *testing.T, loc string) Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, loc)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ev(name string, ts int64, account, object string) Event {
	body := fmt.Sprintf(`{"event":%q,"event_ts":%d,"payload":{"account_id":%q,"object":{"id":%q}}}`, name, ts, account, object)
	return Event{Event: name, EventTS: ts, AccountID: account, ObjectID: object, Body: json.RawMessage(body)}
}

func TestEventsAppendDedupeList(t *testing.T) {
	backends(t, func(t *testing.T, open func() Store) {
		ctx := context.Background()
		s := open()
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		p1, ok, err := s.AppendEvent(ctx, ev("meeting.created", 1000, "A", "1"))
		if err != nil || !ok || p1 != 1 {
			t.Fatalf("first append = %d %v %v", p1, ok, err)
		}
		p2, ok, err := s.AppendEvent(ctx, ev("meeting.created", 1000, "A", "1"))
		if err != nil || ok || p2 != p1 {
			t.Fatalf("redelivery = %d %v %v, want %d false", p2, ok, err, p1)
		}
		// Same object, other time or other event: new events.
		for i, e := range []Event{ev("meeting.created", 1001, "A", "1"), ev("meeting.updated", 1000, "A", "1"), ev("meeting.created", 1000, "A", "2")} {
			p, ok, err := s.AppendEvent(ctx, e)
			if err != nil || !ok || p != int64(i+2) {
				t.Fatalf("append %d = %d %v %v", i, p, ok, err)
			}
		}
		all, err := s.EventsAfter(ctx, 0, 0)
		if err != nil || len(all) != 4 {
			t.Fatalf("list = %d %v", len(all), err)
		}
		for i, e := range all {
			if e.Position != int64(i+1) {
				t.Errorf("event %d position %d", i, e.Position)
			}
			if e.ReceivedAt.IsZero() || !json.Valid(e.Body) {
				t.Errorf("event %d: %+v", i, e)
			}
		}
		if string(all[0].Body) != string(ev("meeting.created", 1000, "A", "1").Body) {
			t.Errorf("body not kept byte for byte: %s", all[0].Body)
		}
		after, _ := s.EventsAfter(ctx, 2, 1)
		if len(after) != 1 || after[0].Position != 3 {
			t.Errorf("after 2 limit 1 = %+v", after)
		}
		// A reopened store keeps everything (durable), and positions go on.
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AppendEvent(ctx, ev("x", 1, "", "")); !errors.Is(err, ErrClosed) {
			t.Errorf("append after close: %v", err)
		}
		s = open()
		all, _ = s.EventsAfter(ctx, 0, 10)
		if len(all) != 4 {
			t.Fatalf("after reopen: %d events", len(all))
		}
		p, ok, _ := s.AppendEvent(ctx, ev("meeting.deleted", 5, "A", "1"))
		if !ok || p != 5 {
			t.Errorf("after reopen append = %d %v", p, ok)
		}
	})
}

func TestConcurrentAppendsOrdered(t *testing.T) {
	backends(t, func(t *testing.T, open func() Store) {
		ctx := context.Background()
		s := open()
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every event twice, concurrently: stored once.
				_, _, err := s.AppendEvent(ctx, ev("user.updated", int64(i), "A", "u"))
				errs <- err
				_, _, err = s.AppendEvent(ctx, ev("user.updated", int64(i), "A", "u"))
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.EventsAfter(ctx, 0, 1000)
		if err != nil || len(all) != 40 {
			t.Fatalf("got %d events, %v", len(all), err)
		}
		for i := 1; i < len(all); i++ {
			if all[i].Position <= all[i-1].Position {
				t.Fatal("positions not increasing")
			}
		}
	})
}

func TestDeauthorize(t *testing.T) {
	backends(t, func(t *testing.T, open func() Store) {
		ctx := context.Background()
		s := open()
		for i := range 3 {
			s.AppendEvent(ctx, ev("meeting.created", int64(i), "A", "m"))
		}
		s.AppendEvent(ctx, ev("meeting.created", 9, "B", "m"))
		s.LedgerPut(ctx, LedgerEntry{Key: "ka", AccountID: "A", TargetKind: "meeting", TargetID: 1, RegistrantID: "r", JoinURL: "https://j", Status: "registered"})
		s.LedgerPut(ctx, LedgerEntry{Key: "kb", AccountID: "B", TargetKind: "meeting", TargetID: 1, RegistrantID: "r", JoinURL: "https://j", Status: "registered"})
		de := ev("app_deauthorized", 100, "A", "")
		d := Deauthorization{AccountID: "A", UserID: "u1", ClientID: "c", DeauthorizedAt: "2025-01-01T00:00:00Z"}
		pos, ok, err := s.Deauthorize(ctx, d, de)
		if err != nil || !ok || pos != 5 {
			t.Fatalf("deauthorize = %d %v %v", pos, ok, err)
		}
		// Redelivered: nothing more happens.
		if _, ok, err := s.Deauthorize(ctx, d, de); err != nil || ok {
			t.Fatalf("redelivered deauthorize = %v %v", ok, err)
		}
		all, _ := s.EventsAfter(ctx, 0, 100)
		if len(all) != 2 || all[0].AccountID != "B" || all[1].Event != "app_deauthorized" {
			t.Fatalf("left after deauthorize: %+v", all)
		}
		if e, _ := s.LedgerGet(ctx, "ka"); e != nil {
			t.Error("ledger of A not deleted")
		}
		if e, _ := s.LedgerGet(ctx, "kb"); e == nil {
			t.Error("ledger of B deleted")
		}
		ds, err := s.Deauthorizations(ctx)
		if err != nil || len(ds) != 1 || ds[0].EventsDeleted != 3 || ds[0].LedgerDeleted != 1 || ds[0].UserID != "u1" {
			t.Fatalf("deauthorizations = %+v %v", ds, err)
		}
		// A late retry of a deleted event is not stored again.
		if p, ok, _ := s.AppendEvent(ctx, ev("meeting.created", 0, "A", "m")); ok || p != 0 {
			t.Errorf("late retry of deleted event = %d %v", p, ok)
		}
	})
}

func TestLedger(t *testing.T) {
	backends(t, func(t *testing.T, open func() Store) {
		ctx := context.Background()
		s := open()
		key := "3f9a0c" // the caller's key (connector/registrant.Keys)
		if e, err := s.LedgerGet(ctx, key); e != nil || err != nil {
			t.Fatalf("empty get = %v %v", e, err)
		}
		in := LedgerEntry{Key: key, AccountID: "A", TargetKind: "meeting", TargetID: 42, RegistrantID: "r1", JoinURL: "https://zoom.us/w/42?tk=1", Status: "registered"}
		got, ok, err := s.LedgerPut(ctx, in)
		if err != nil || !ok || got.RegistrantID != "r1" {
			t.Fatalf("put = %+v %v %v", got, ok, err)
		}
		in2 := in
		in2.RegistrantID = "r2"
		got, ok, err = s.LedgerPut(ctx, in2)
		if err != nil || ok || got.RegistrantID != "r1" || got.JoinURL != in.JoinURL || got.TargetID != 42 {
			t.Fatalf("second put = %+v %v %v", got, ok, err)
		}
		e, err := s.LedgerGet(ctx, key)
		if err != nil || e == nil || e.RegistrantID != "r1" || e.CreatedAt.IsZero() {
			t.Fatalf("get = %+v %v", e, err)
		}
	})
}

func TestOpenAndDescribe(t *testing.T) {
	t.Parallel()
	if _, err := Open(context.Background(), ""); err == nil {
		t.Error("empty location accepted")
	}
	if _, err := Open(context.Background(), "postgres://u:hunter22@127.0.0.1:1/x?connect_timeout=1"); err == nil {
		t.Error("unreachable PostgreSQL accepted")
	} else if got := err.Error(); strings.Contains(got, "hunter22") {
		t.Errorf("error leaks the password: %s", got)
	}
	for in, want := range map[string]string{
		"postgres://u:pw@h/db":     "postgres://u:[redacted]@h/db",
		"host=h password=pw":       "host=h password=[redacted]",
		"/var/lib/zc/store.db":     "sqlite:/var/lib/zc/store.db",
		"postgresql://h/db?x=1":    "postgresql://h/db?x=1",
		"postgres://u@h:5432/name": "postgres://u@h:5432/name",
	} {
		if got := Describe(in); got != want {
			t.Errorf("Describe(%q) = %q, want %q", in, got, want)
		}
	}
	if !IsPostgres("host=/tmp dbname=x") || IsPostgres("./a=b.db") {
		t.Error("IsPostgres")
	}
}

// TestAccountEventsAndDedupe: the same event of two accounts is two
// events; AccountEventsAfter lists one account's, in order, from a
// position.
func TestAccountEventsAndDedupe(t *testing.T) {
	backends(t, func(t *testing.T, open func() Store) {
		ctx := context.Background()
		s := open()
		for i, a := range []string{"A", "B", "A", "B", "A"} {
			if _, ok, err := s.AppendEvent(ctx, ev("meeting.created", 1000, a, fmt.Sprint(i/2))); err != nil || !ok {
				t.Fatalf("append %d of %s: %v %v", i, a, ok, err)
			}
		}
		got := func(acct string, after int64) string {
			evs, err := s.AccountEventsAfter(ctx, acct, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range evs {
				out = append(out, fmt.Sprintf("%d%s", e.Position, e.AccountID))
			}
			return strings.Join(out, " ")
		}
		if g := got("A", 0); g != "1A 3A" {
			t.Errorf("A from 0: %s", g)
		}
		if g := got("A", 3); g != "5A" {
			t.Errorf("A from 3: %s", g)
		}
		if g := got("B", 0); g != "2B 4B" {
			t.Errorf("B: %s", g)
		}
		if g := got("C", 0); g != "" {
			t.Errorf("C: %s", g)
		}
		if _, err := s.AccountEventsAfter(ctx, "", 0, 1); err == nil {
			t.Error("an empty account listed events")
		}
	})
}
