package zoomsim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultWebhookRetryDelays are Zoom's waits before its 3 retries of a
// delivery that got no 2xx within 3 seconds: +5 min, +20 min, +60 min
// (facts file, section g).
var DefaultWebhookRetryDelays = []time.Duration{5 * time.Minute, 20 * time.Minute, 60 * time.Minute}

// DefaultWebhookTimeout is how long Zoom waits for an answer.
const DefaultWebhookTimeout = 3 * time.Second

// WebhookDelivery is one attempt to deliver an event, as logged by the
// simulator.
type WebhookDelivery struct {
	Event   string `json:"event"`
	EventTS int64  `json:"event_ts"`
	// Attempt is 1 for the first delivery, 2.. for retries.
	Attempt int `json:"attempt"`
	// Status is the HTTP status received, 0 for a transport error or timeout.
	Status int    `json:"status"`
	Err    string `json:"error,omitempty"`
}

// webhooks is a simulator's webhook sender. It lives beside the Server
// (keyed by it) so that Options and Server need no new fields.
type webhooks struct {
	mu      sync.Mutex
	url     string
	secret  string
	delays  []time.Duration
	timeout time.Duration
	client  *http.Client
	log     []WebhookDelivery
	wg      sync.WaitGroup
	stop    chan struct{}
}

var senders sync.Map // *Server -> *webhooks

func (s *Server) webhooks() *webhooks {
	if w, ok := senders.Load(s); ok {
		return w.(*webhooks)
	}
	w, _ := senders.LoadOrStore(s, &webhooks{
		delays: DefaultWebhookRetryDelays, timeout: DefaultWebhookTimeout, stop: make(chan struct{}),
	})
	return w.(*webhooks)
}

// SetWebhookTarget points the simulator's event notifications at url,
// signed with secret (the app's Secret Token), as an app's event
// subscription does. An empty url turns notifications off.
func (s *Server) SetWebhookTarget(url, secret string) {
	w := s.webhooks()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.url, w.secret = url, secret
}

// SetWebhookRetries sets the waits before each retry (their number is the
// number of retries) and the answer timeout; tests use short ones. Zero
// timeout keeps DefaultWebhookTimeout.
func (s *Server) SetWebhookRetries(timeout time.Duration, delays ...time.Duration) {
	w := s.webhooks()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.delays = append([]time.Duration(nil), delays...)
	if timeout > 0 {
		w.timeout = timeout
	}
}

// WebhookDeliveries returns every delivery attempt so far, in order.
func (s *Server) WebhookDeliveries() []WebhookDelivery {
	w := s.webhooks()
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]WebhookDelivery(nil), w.log...)
}

// WaitWebhooks waits until every event sent so far is delivered or given
// up, or ctx ends.
func (s *Server) WaitWebhooks(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.webhooks().wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StopWebhooks abandons pending retries (their waits end at once without
// sending) so a test can finish.
func (s *Server) StopWebhooks() {
	w := s.webhooks()
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
}

// ValidateWebhookEndpoint sends endpoint.url_validation, as Zoom does when
// an endpoint URL is saved and every 72 hours, and checks the answer:
// 200 with the same plainToken and encryptedToken =
// hex(HMAC-SHA256(secret, plainToken)).
func (s *Server) ValidateWebhookEndpoint(ctx context.Context) error {
	w := s.webhooks()
	w.mu.Lock()
	url, secret := w.url, w.secret
	w.mu.Unlock()
	if url == "" {
		return errors.New("zoomsim: no webhook target")
	}
	plain := randomHex(11)
	body := s.webhookBody(EventURLValidationName, map[string]any{"plainToken": plain})
	status, resp, err := w.post(ctx, url, secret, body, s.Now())
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("zoomsim: url validation answered HTTP %d", status)
	}
	var ans struct {
		PlainToken     string `json:"plainToken"`
		EncryptedToken string `json:"encryptedToken"`
	}
	if err := json.Unmarshal(resp, &ans); err != nil {
		return fmt.Errorf("zoomsim: url validation answer: %w", err)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(plain))
	if ans.PlainToken != plain || !hmac.Equal([]byte(ans.EncryptedToken), []byte(hex.EncodeToString(m.Sum(nil)))) {
		return errors.New("zoomsim: url validation answer does not match")
	}
	return nil
}

// EventURLValidationName is Zoom's endpoint check event.
const EventURLValidationName = "endpoint.url_validation"

// SendWebhook delivers an event now (with retries, in the background):
// {"event": event, "event_ts": now in ms, "payload": payload}. It does
// nothing when no target is set. Payloads usually hold account_id and
// object.
func (s *Server) SendWebhook(event string, payload map[string]any) {
	s.webhooks().send(s, event, s.webhookBody(event, payload), nil)
}

func (s *Server) webhookBody(event string, payload map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"event": event, "event_ts": s.Now().UnixMilli(), "payload": payload})
	return b
}

// webhookRegistrantCreated is called (with the dataset's write lock held)
// when the API creates a registrant: it queues
// meeting.registration_created or webinar.registration_created with
// Zoom's payload shape.
func (s *Server) webhookRegistrantCreated(m *Meeting, reg *Registrant) {
	s.webhookRegistrant(m, reg, "created")
}

// webhookRegistrant queues meeting.registration_<what> or
// webinar.registration_<what> (created, approved, denied, cancelled) for
// reg, with Zoom's payload shape; it is called with the dataset's write
// lock held.
func (s *Server) webhookRegistrant(m *Meeting, reg *Registrant, what string) {
	w := s.webhooks()
	w.mu.Lock()
	on := w.url != ""
	w.mu.Unlock()
	if !on {
		return
	}
	kind := "meeting"
	if m.Webinar {
		kind = "webinar"
	}
	hostID := ""
	if m.Host != nil {
		hostID = m.Host.ID
	}
	obj := map[string]any{
		"id": m.ID, "uuid": m.UUID, "host_id": hostID, "topic": m.Topic, "type": m.Type,
		"start_time": ztime(m.Start), "duration": m.Duration, "timezone": m.Timezone,
		"registrant": reg.object(),
	}
	s.SendWebhook(kind+".registration_"+what, map[string]any{"account_id": s.data.AccountID, "object": obj})
}

// send delivers body in the background, retrying as Zoom does; first, if
// not nil, receives the first attempt's outcome (it needs room for one).
func (w *webhooks) send(s *Server, event string, body []byte, first chan<- WebhookDelivery) {
	w.mu.Lock()
	url, secret, delays := w.url, w.secret, append([]time.Duration(nil), w.delays...)
	w.mu.Unlock()
	if url == "" {
		return
	}
	var env struct {
		EventTS int64 `json:"event_ts"`
	}
	_ = json.Unmarshal(body, &env)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for attempt := 1; ; attempt++ {
			status, _, err := w.post(context.Background(), url, secret, body, s.Now())
			d := WebhookDelivery{Event: event, EventTS: env.EventTS, Attempt: attempt, Status: status}
			if err != nil {
				d.Err = err.Error()
			}
			w.mu.Lock()
			w.log = append(w.log, d)
			w.mu.Unlock()
			if attempt == 1 && first != nil {
				first <- d
			}
			if err == nil && status >= 200 && status < 300 {
				return
			}
			if attempt > len(delays) {
				return // Zoom gives up after its retries
			}
			t := time.NewTimer(delays[attempt-1])
			select {
			case <-t.C:
			case <-w.stop:
				t.Stop()
				return
			}
		}
	}()
}

// post sends one signed delivery; the signature timestamp is fresh on
// every attempt, the body (and its event_ts) the same.
func (w *webhooks) post(ctx context.Context, url, secret string, body []byte, now time.Time) (int, []byte, error) {
	w.mu.Lock()
	timeout, hc := w.timeout, w.client
	w.mu.Unlock()
	if hc == nil {
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ts := strconv.FormatInt(now.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Zoom Marketplace/1.0a")
	req.Header.Set("x-zm-request-timestamp", ts)
	req.Header.Set("x-zm-signature", "v0="+hex.EncodeToString(m.Sum(nil)))
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, b, nil
}

// webhookAdminRoutes lets a person drive the webhook sender by hand:
// POST /_sim/webhooks with {"event": "meeting.created", "payload": {...}}
// sends that event (signed) to the target set by SetWebhookTarget and
// answers 200 with the first attempt's outcome once it is known (Zoom's
// retries, if it failed, go on in the background); without a target it
// answers 409. GET /_sim/webhooks lists every delivery attempt.
func (s *Server) webhookAdminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /_sim/webhooks", func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Event   string         `json:"event"`
			Payload map[string]any `json:"payload"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&ev); err != nil || ev.Event == "" {
			http.Error(w, `body must be {"event": "...", "payload": {...}}`, http.StatusBadRequest)
			return
		}
		wh := s.webhooks()
		wh.mu.Lock()
		on := wh.url != ""
		wh.mu.Unlock()
		if !on {
			http.Error(w, "no webhook target: start zoomsim serve with --webhook-target", http.StatusConflict)
			return
		}
		if ev.Payload == nil {
			ev.Payload = map[string]any{"account_id": s.data.AccountID}
		}
		first := make(chan WebhookDelivery, 1)
		wh.send(s, ev.Event, s.webhookBody(ev.Event, ev.Payload), first)
		select {
		case d := <-first:
			writeJSON(w, d)
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("GET /_sim/webhooks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, append([]WebhookDelivery{}, s.WebhookDeliveries()...))
	})
}
