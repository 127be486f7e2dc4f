package zoomsim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookReceiver records signed deliveries and answers with the statuses
// given, one per delivery (the last one repeats).
type hookReceiver struct {
	t        *testing.T
	secret   string
	mu       sync.Mutex
	bodies   [][]byte
	stamps   []string
	statuses []int
	delay    time.Duration
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("x-zm-request-timestamp")
	m := hmac.New(sha256.New, []byte(h.secret))
	m.Write([]byte("v0:" + ts + ":" + string(body)))
	if want := "v0=" + hex.EncodeToString(m.Sum(nil)); r.Header.Get("x-zm-signature") != want {
		h.t.Errorf("bad signature %q", r.Header.Get("x-zm-signature"))
	}
	var env struct {
		Event   string `json:"event"`
		Payload struct {
			PlainToken string `json:"plainToken"`
		} `json:"payload"`
	}
	_ = json.Unmarshal(body, &env)
	if env.Event == EventURLValidationName {
		m := hmac.New(sha256.New, []byte(h.secret))
		m.Write([]byte(env.Payload.PlainToken))
		json.NewEncoder(w).Encode(map[string]string{"plainToken": env.Payload.PlainToken, "encryptedToken": hex.EncodeToString(m.Sum(nil))})
		return
	}
	h.mu.Lock()
	n := len(h.bodies)
	h.bodies = append(h.bodies, body)
	h.stamps = append(h.stamps, ts)
	status := http.StatusNoContent
	if len(h.statuses) > 0 {
		status = h.statuses[min(n, len(h.statuses)-1)]
	}
	delay := h.delay
	h.mu.Unlock()
	if delay > 0 && n == 0 {
		time.Sleep(delay)
	}
	w.WriteHeader(status)
}

func TestWebhookRegistrationCreated(t *testing.T) {
	s, c := startTiny(t, "tiny")
	rcv := &hookReceiver{t: t, secret: "sim-secret", statuses: []int{500, 204}}
	ts := httptest.NewServer(rcv)
	defer ts.Close()
	s.SetWebhookTarget(ts.URL+"/webhooks/zoom", "sim-secret")
	s.SetWebhookRetries(time.Second, 10*time.Millisecond, 10*time.Millisecond, 10*time.Millisecond)
	if err := s.ValidateWebhookEndpoint(context.Background()); err != nil {
		t.Fatalf("url validation: %v", err)
	}
	m := findMeeting(s.Dataset(), func(m *Meeting) bool {
		return m.Webinar && m.RegistrationEnabled() && !m.Over(testNow) && m.Licensed() && !m.Deleted
	})
	if m == nil {
		t.Fatal("no open webinar")
	}
	st, o := c.do("POST", "/webinars/"+idStr(m.ID)+"/registrants", map[string]any{"email": "hook@corp.example", "first_name": "Hook"})
	if st != 201 {
		t.Fatalf("add: %d %v", st, o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	// One 500, then a retry with the same body and a new signature.
	if len(rcv.bodies) != 2 || string(rcv.bodies[0]) != string(rcv.bodies[1]) {
		t.Fatalf("deliveries: %d", len(rcv.bodies))
	}
	var ev struct {
		Event   string `json:"event"`
		EventTS int64  `json:"event_ts"`
		Payload struct {
			AccountID string `json:"account_id"`
			Object    struct {
				ID         int64          `json:"id"`
				Topic      string         `json:"topic"`
				Registrant map[string]any `json:"registrant"`
			} `json:"object"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(rcv.bodies[0], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Event != "webinar.registration_created" || ev.EventTS != testNow.UnixMilli() || ev.Payload.AccountID != s.Dataset().AccountID ||
		ev.Payload.Object.ID != m.ID || ev.Payload.Object.Registrant["email"] != "hook@corp.example" ||
		ev.Payload.Object.Registrant["id"] != o["registrant_id"] || ev.Payload.Object.Registrant["join_url"] != o["join_url"] {
		t.Fatalf("event: %+v", ev)
	}
	log := s.WebhookDeliveries()
	if len(log) != 2 || log[0].Status != 500 || log[1].Status != 204 || log[1].Attempt != 2 {
		t.Fatalf("delivery log: %+v", log)
	}
}

func TestWebhookRetriesGiveUpAndTimeout(t *testing.T) {
	s, _ := startTiny(t, "tiny")
	rcv := &hookReceiver{t: t, secret: "k", statuses: []int{503}}
	ts := httptest.NewServer(rcv)
	defer ts.Close()
	s.SetWebhookTarget(ts.URL, "k")
	s.SetWebhookRetries(time.Second, time.Millisecond, time.Millisecond, time.Millisecond)
	s.SendWebhook("meeting.created", map[string]any{"account_id": "A", "object": map[string]any{"id": 1}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.WaitWebhooks(ctx)
	if got := len(s.WebhookDeliveries()); got != 4 {
		t.Fatalf("attempts = %d, want 1 + 3 retries", got)
	}

	// A receiver slower than the timeout counts as a failure: retried.
	s2, _ := startTiny(t, "tiny")
	slow := &hookReceiver{t: t, secret: "k", delay: 300 * time.Millisecond}
	ts2 := httptest.NewServer(slow)
	defer ts2.Close()
	s2.SetWebhookTarget(ts2.URL, "k")
	s2.SetWebhookRetries(100*time.Millisecond, time.Millisecond)
	s2.SendWebhook("meeting.created", map[string]any{"account_id": "A", "object": map[string]any{"id": 1}})
	s2.WaitWebhooks(ctx)
	log := s2.WebhookDeliveries()
	if len(log) != 2 || log[0].Status != 0 || log[0].Err == "" || log[1].Status != 204 {
		t.Fatalf("timeout then success: %+v", log)
	}
	// No target: nothing is sent; stopping abandons pending retries.
	s3, _ := startTiny(t, "tiny")
	s3.SendWebhook("meeting.created", nil)
	s3.StopWebhooks()
	if len(s3.WebhookDeliveries()) != 0 {
		t.Fatal("sent without a target")
	}
	if s3.ValidateWebhookEndpoint(ctx) == nil {
		t.Fatal("validation without a target")
	}
}

// TestWebhookAdminAPI drives the sender through /_sim/webhooks as a person
// with curl would: refused without a target or with a bad body, then an
// event sent, signed, and listed in the deliveries.
func TestWebhookAdminAPI(t *testing.T) {
	s, base, _ := StartTest(t, Options{Dataset: "tiny", Seed: 1})
	var answer WebhookDelivery
	post := func(body string) int {
		resp, err := http.Post(base+"/_sim/webhooks", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			_ = json.NewDecoder(resp.Body).Decode(&answer)
		}
		return resp.StatusCode
	}
	ev := `{"event":"meeting.created","payload":{"account_id":"A","object":{"id":7}}}`
	if code := post(ev); code != http.StatusConflict {
		t.Fatalf("without a target: %d, want 409", code)
	}
	rcv := &hookReceiver{t: t, secret: "k", statuses: []int{200}}
	ts := httptest.NewServer(rcv)
	defer ts.Close()
	s.SetWebhookTarget(ts.URL, "k")
	if code := post(`{"payload":{}}`); code != http.StatusBadRequest {
		t.Fatalf("no event name: %d, want 400", code)
	}
	if code := post(ev); code != http.StatusOK || answer.Event != "meeting.created" || answer.Attempt != 1 || answer.Status != 200 {
		t.Fatalf("send: %d %+v, want 200 and the first attempt's outcome", code, answer)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	got := len(rcv.bodies)
	var body map[string]any
	if got == 1 {
		_ = json.Unmarshal(rcv.bodies[0], &body)
	}
	rcv.mu.Unlock()
	if got != 1 || body["event"] != "meeting.created" {
		t.Fatalf("receiver got %d deliveries: %v", got, body)
	}
	resp, err := http.Get(base + "/_sim/webhooks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var log []WebhookDelivery
	if err := json.NewDecoder(resp.Body).Decode(&log); err != nil || len(log) != 1 || log[0].Status != 200 || log[0].Event != "meeting.created" {
		t.Fatalf("GET /_sim/webhooks: %v %+v", err, log)
	}
}
