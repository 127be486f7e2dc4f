package airbyte

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/internal/airbyte/protocoltest"
	"github.com/zoom-connector/zoom-connector/spec"
)

var fixed = time.Date(2025, 3, 4, 5, 6, 7, 8_000_000, time.UTC)

func newTestWriter() (*Writer, *bytes.Buffer) {
	var buf bytes.Buffer
	return NewWriter(&buf, WithClock(func() time.Time { return fixed })), &buf
}

func lines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// emitAll writes one message of every kind the connector can produce.
func emitAll(t *testing.T, w *Writer) int {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	step := func(err error) { t.Helper(); must(err); n++ }
	step(w.Record("users", json.RawMessage(`{"id":"u1","email":"a@example.com","n":1.5,"nested":{"x":[1,2]}}`)))
	step(w.WriteRecord(AirbyteRecordMessage{Stream: "meetings", Namespace: "zoom", Data: json.RawMessage(`{"id":1}`),
		Meta: &AirbyteRecordMessageMeta{Changes: []AirbyteRecordMessageMetaChange{{Field: "agenda", Change: ChangeTruncated, Reason: ReasonSourceFieldSizeLimitation}}}}))
	step(w.State("users", map[string]any{"cursor": "2025-01-01T00:00:00Z"}, nil))
	count := int64(42)
	step(w.State("meetings", json.RawMessage(`{"v":1,"partitions":["a"]}`), &count))
	step(w.WriteState(AirbyteStateMessage{Type: StateTypeStream, Stream: &AirbyteStreamState{StreamDescriptor: StreamDescriptor{Name: "x", Namespace: "ns"}, StreamState: json.RawMessage(`{}`)},
		SourceStats: &AirbyteStateStats{RecordCount: NewCount(3)}, DestinationStats: &AirbyteStateStats{RecordCount: NewCount(3), RejectedRecordCount: NewCount(0)}}))
	for _, l := range []LogLevel{LogFatal, LogError, LogWarn, LogInfo, LogDebug, LogTrace} {
		step(w.Log(l, "hello <world> & \"friends\"\nsecond line"))
	}
	step(w.TraceError("Zoom rejected the credentials", "oauth: 400 invalid_client", FailureConfig, ""))
	step(w.TraceError("stream failed", "boom", FailureTransient, "users"))
	step(w.TraceError("bug", "", FailureSystem, ""))
	step(w.TraceEstimate("users", 1200))
	step(w.TraceRequestEstimate("report_meetings", &RequestEstimate{Stream: map[string]int64{"heavy": 7}, Source: "last full read",
		Read: map[string]int64{"heavy": 70000, "medium": 12}, Plan: "business", Days: 2, Message: "this read needs about 70,000 Heavy requests"}))
	for _, s := range []AirbyteStreamStatus{StreamStarted, StreamRunning, StreamComplete, StreamIncomplete} {
		step(w.TraceStreamStatus("users", s))
	}
	step(w.TraceStreamStatus("report_meetings", StreamRunning, RateLimited(fixed.Add(time.Hour))))
	step(w.TraceStreamStatus("report_meetings", StreamIncomplete, RateLimited(time.Time{})))
	step(w.Spec(ConnectorSpecification{
		DocumentationURL:        "https://github.com/zoom-connector/zoom-connector",
		ConnectionSpecification: spec.ConfigSchema(),
		ProtocolVersion:         "0.2.0",
	}))
	step(w.Spec(ConnectorSpecification{
		ConnectionSpecification:       json.RawMessage(`{"type":"object"}`),
		SupportedDestinationSyncModes: []DestinationSyncMode{DestinationAppend},
	}))
	step(w.ConnectionStatus(StatusSucceeded, ""))
	step(w.ConnectionStatus(StatusFailed, "401 Invalid access token"))
	step(w.Catalog(AirbyteCatalog{}))
	step(w.Catalog(AirbyteCatalog{Streams: []AirbyteStream{{
		Name:                    "users",
		JSONSchema:              json.RawMessage(`{"type":"object","properties":{"id":{"type":"string"}}}`),
		SupportedSyncModes:      []SyncMode{SyncFullRefresh, SyncIncremental},
		SourceDefinedCursor:     true,
		DefaultCursorField:      []string{"created_at"},
		SourceDefinedPrimaryKey: [][]string{{"id"}},
		IsResumable:             true,
	}}}))
	step(w.Control(map[string]any{"account_id": "a", "client_id": "b", "client_secret": "s"}))
	must(w.Flush())
	return n
}

func TestEveryMessageKindMatchesProtocol(t *testing.T) {
	t.Parallel()
	check := protocoltest.Validator(t)
	w, buf := newTestWriter()
	n := emitAll(t, w)
	got := lines(buf.Bytes())
	if len(got) != n {
		t.Fatalf("got %d lines, want %d:\n%s", len(got), n, buf.String())
	}
	kinds := map[string]bool{}
	for _, l := range got {
		check(t, []byte(l))
		var m struct{ Type string }
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		kinds[m.Type] = true
	}
	for _, k := range []Type{TypeRecord, TypeState, TypeLog, TypeSpec, TypeConnectionStatus, TypeCatalog, TypeTrace, TypeControl} {
		if !kinds[string(k)] {
			t.Errorf("no %s message emitted", k)
		}
	}
}

func TestExactEncoding(t *testing.T) {
	t.Parallel()
	w, buf := newTestWriter()
	_ = w.Record("users", json.RawMessage("{\n  \"a\": \"<b>\"\n}"))
	c := int64(5)
	_ = w.State("users", map[string]int{"v": 1}, &c)
	_ = w.TraceStreamStatus("users", StreamRunning, RateLimited(time.UnixMilli(1700000000000)))
	_ = w.Flush()
	want := []string{
		`{"type":"RECORD","record":{"stream":"users","data":{"a":"<b>"},"emitted_at":1741064767008}}`,
		`{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"users"},"stream_state":{"v":1}},"sourceStats":{"recordCount":5.0}}}`,
		`{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":1741064767008,"stream_status":{"stream_descriptor":{"name":"users"},"status":"RUNNING","reasons":[{"type":"RATE_LIMITED","rate_limited":{"quota_reset":1700000000000}}]}}}`,
	}
	if got := lines(buf.Bytes()); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// goTypes pairs each Go type with the protocol definition it mirrors.
var goTypes = map[string]any{
	"AirbyteMessage":                       AirbyteMessage{},
	"AirbyteRecordMessage":                 AirbyteRecordMessage{},
	"AirbyteRecordMessageMeta":             AirbyteRecordMessageMeta{},
	"AirbyteRecordMessageMetaChange":       AirbyteRecordMessageMetaChange{},
	"AirbyteStateMessage":                  AirbyteStateMessage{},
	"AirbyteStreamState":                   AirbyteStreamState{},
	"AirbyteGlobalState":                   AirbyteGlobalState{},
	"StreamDescriptor":                     StreamDescriptor{},
	"AirbyteStateStats":                    AirbyteStateStats{},
	"AirbyteLogMessage":                    AirbyteLogMessage{},
	"AirbyteTraceMessage":                  AirbyteTraceMessage{},
	"AirbyteErrorTraceMessage":             AirbyteErrorTraceMessage{},
	"AirbyteEstimateTraceMessage":          AirbyteEstimateTraceMessage{},
	"AirbyteStreamStatusTraceMessage":      AirbyteStreamStatusTraceMessage{},
	"AirbyteStreamStatusReason":            AirbyteStreamStatusReason{},
	"AirbyteStreamStatusRateLimitedReason": AirbyteStreamStatusRateLimitedReason{},
	"AirbyteAnalyticsTraceMessage":         AirbyteAnalyticsTraceMessage{},
	"AirbyteControlMessage":                AirbyteControlMessage{},
	"AirbyteControlConnectorConfigMessage": AirbyteControlConnectorConfigMessage{},
	"AirbyteConnectionStatus":              AirbyteConnectionStatus{},
	"AirbyteCatalog":                       AirbyteCatalog{},
	"AirbyteStream":                        AirbyteStream{},
	"ConfiguredAirbyteCatalog":             ConfiguredAirbyteCatalog{},
	"ConfiguredAirbyteStream":              ConfiguredAirbyteStream{},
	"ConnectorSpecification":               ConnectorSpecification{},
}

// ownExtensions are the connector's own properties, on definitions the
// protocol leaves open (additionalProperties: true).
var ownExtensions = map[string]bool{"AirbyteRecordMessageMeta.extra_fields": true, "ConnectorSpecification.connector_version": true,
	"AirbyteEstimateTraceMessage.zoom_requests": true}

// TestFieldNamesMatchProtocol catches typos the open (additionalProperties:
// true) protocol schema would accept: every JSON name of a Go type must be a
// property of its definition, and every required property must exist.
func TestFieldNamesMatchProtocol(t *testing.T) {
	t.Parallel()
	defs := protocoltest.Definitions(t)
	for name, v := range goTypes {
		def, ok := defs[name].(map[string]any)
		if !ok {
			t.Errorf("%s: no such definition", name)
			continue
		}
		props, _ := def["properties"].(map[string]any)
		tags := map[string]bool{}
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			tag := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
			tags[tag] = true
			if _, ok := props[tag]; !ok && !ownExtensions[name+"."+tag] {
				t.Errorf("%s.%s: json name %q is not a property of the protocol definition", name, rt.Field(i).Name, tag)
			}
		}
		req, _ := def["required"].([]any)
		for _, r := range req {
			if !tags[r.(string)] {
				t.Errorf("%s: required property %q has no Go field", name, r)
			}
		}
	}
}

// TestEnumsMatchProtocol checks every Go enum constant against the schema.
func TestEnumsMatchProtocol(t *testing.T) {
	t.Parallel()
	defs := protocoltest.Definitions(t)
	enum := func(path ...string) []string {
		var cur any = defs
		for _, p := range path {
			cur = cur.(map[string]any)[p]
		}
		var out []string
		for _, e := range cur.(map[string]any)["enum"].([]any) {
			out = append(out, e.(string))
		}
		return out
	}
	cases := []struct {
		path []string
		got  []string
	}{
		{[]string{"AirbyteMessage", "properties", "type"}, strs(TypeRecord, TypeState, TypeLog, TypeSpec, TypeConnectionStatus, TypeCatalog, TypeTrace, TypeControl, TypeDestinationCatalog)},
		{[]string{"AirbyteLogMessage", "properties", "level"}, strs(LogFatal, LogError, LogWarn, LogInfo, LogDebug, LogTrace)},
		{[]string{"AirbyteStateType"}, strs(StateTypeStream, StateTypeGlobal, StateTypeLegacy)},
		{[]string{"AirbyteTraceMessage", "properties", "type"}, strs(TraceError, TraceEstimate, TraceStreamStatus, TraceAnalytics)},
		{[]string{"AirbyteErrorTraceMessage", "properties", "failure_type"}, strs(FailureSystem, FailureConfig, FailureTransient)},
		{[]string{"AirbyteEstimateTraceMessage", "properties", "type"}, strs(EstimateStream, EstimateSync)},
		{[]string{"AirbyteStreamStatus"}, strs(StreamStarted, StreamRunning, StreamComplete, StreamIncomplete)},
		{[]string{"AirbyteStreamStatusReasonType"}, strs(ReasonRateLimited)},
		{[]string{"AirbyteControlMessage", "properties", "type"}, strs(ControlConnectorConfig)},
		{[]string{"AirbyteConnectionStatus", "properties", "status"}, strs(StatusSucceeded, StatusFailed)},
		{[]string{"SyncMode"}, strs(SyncFullRefresh, SyncIncremental)},
		{[]string{"DestinationSyncMode"}, strs(DestinationAppend, DestinationOverwrite, DestinationAppendDedup, DestinationUpdate, DestinationSoftDelete)},
		{[]string{"AirbyteRecordMessageMetaChange", "properties", "change"}, strs(ChangeNulled, ChangeTruncated)},
	}
	for _, c := range cases {
		want := enum(c.path...)
		slices.Sort(want)
		got := slices.Sorted(slices.Values(c.got))
		if !slices.Equal(got, want) {
			t.Errorf("%s: Go constants %v, protocol enum %v", strings.Join(c.path, "."), got, want)
		}
	}
	reasons := enum("AirbyteRecordMessageMetaChange", "properties", "reason")
	for _, r := range strs(ReasonSourceRecordSizeLimitation, ReasonSourceFieldSizeLimitation, ReasonSourceSerializationError, ReasonSourceRetrievalError) {
		if !slices.Contains(reasons, r) {
			t.Errorf("change reason %s not in protocol", r)
		}
	}
}

func strs[T ~string](vs ...T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func TestWriterConcurrent(t *testing.T) {
	t.Parallel()
	w, buf := newTestWriter()
	const goroutines, per = 16, 300
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range per {
				data := fmt.Sprintf(`{"g":%d,"i":%d,"pad":%q}`, g, i, strings.Repeat("x", i))
				if err := w.Record("s", json.RawMessage(data)); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					_ = w.Log(LogInfo, "tick")
					_ = w.Flush()
				}
			}
		})
	}
	wg.Wait()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := NewReader(bytes.NewReader(buf.Bytes()))
	records := 0
	for msg, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		if msg.Type == TypeRecord {
			records++
		}
	}
	if records != goroutines*per {
		t.Errorf("read %d records, want %d", records, goroutines*per)
	}
}

// recorder counts the bytes that reached the underlying writer.
type recorder struct{ bytes.Buffer }

func TestWriterFlushPolicy(t *testing.T) {
	t.Parallel()
	var out recorder
	w := NewWriter(&out)
	_ = w.Record("s", json.RawMessage(`{}`))
	if out.Len() != 0 {
		t.Fatalf("record reached the output before Flush or a non-record message")
	}
	_ = w.State("s", map[string]int{}, nil)
	got := lines(out.Bytes())
	if len(got) != 2 || !strings.Contains(got[0], `"RECORD"`) || !strings.Contains(got[1], `"STATE"`) {
		t.Fatalf("want record then state flushed, got %q", got)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("disk full")
}

func TestWriterErrors(t *testing.T) {
	t.Parallel()
	w, buf := newTestWriter()
	if err := w.Record("s", json.RawMessage(`{bad`)); err == nil {
		t.Error("invalid raw JSON accepted")
	}
	if err := w.State("s", []int{1}, nil); err == nil {
		t.Error("non-object state accepted")
	}
	if err := w.Control("nope"); err == nil {
		t.Error("non-object control config accepted")
	}
	if err := w.Log(LogInfo, "still works"); err != nil {
		t.Errorf("encoding error poisoned the writer: %v", err)
	}
	if !strings.Contains(buf.String(), "still works") || strings.Contains(buf.String(), "RECORD") {
		t.Errorf("unexpected output %q", buf.String())
	}

	fw := &failWriter{}
	w2 := NewWriter(fw)
	if err := w2.Log(LogInfo, "x"); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("want disk full, got %v", err)
	}
	if err := w2.Log(LogInfo, "y"); err == nil {
		t.Error("error not sticky")
	}
	if err := w2.Flush(); err == nil {
		t.Error("Flush after failure returned nil")
	}
	if fw.n != 1 {
		t.Errorf("underlying writer called %d times after failure, want 1", fw.n)
	}
}

func TestReader(t *testing.T) {
	t.Parallel()
	input := "\n" + `{"type":"RECORD","record":{"stream":"s","data":{"a": [1, 2]},"emitted_at":1}}` + "\n\n" +
		`{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"s"},"stream_state":{"c":1}}}}` + "\r\n" +
		`{"type":"DESTINATION_CATALOG","destination_catalog":{"operations":[]}}` + "\n"
	r := NewReader(strings.NewReader(input))
	m1, err := r.Next()
	if err != nil || m1.Type != TypeRecord || string(m1.Record.Data) != `{"a": [1, 2]}` || r.Line() != 2 {
		t.Fatalf("first: %+v %v line %d", m1, err, r.Line())
	}
	m2, err := r.Next()
	if err != nil || m2.State.Stream.StreamDescriptor.Name != "s" {
		t.Fatalf("second: %+v %v", m2, err)
	}
	m3, err := r.Next()
	if err != nil || m3.Type != TypeDestinationCatalog {
		t.Fatalf("third: %+v %v", m3, err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
}

func TestReaderErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, input, want string }{
		{"malformed", `{"type":"LOG","log":{"level":"INFO","message":"x"}}` + "\n" + `{"type": RECORD}` + "\n", "line 2, column"},
		{"no type", "\n\n" + `{"record":{}}` + "\n", "line 3: message has no type"},
		{"wrong shape", `{"type":"RECORD","record":"x"}`, "line 1: malformed message"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var err error
			for _, e := range NewReader(strings.NewReader(c.input)).All() {
				err = e
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
	t.Run("too long", func(t *testing.T) {
		t.Parallel()
		long := `{"type":"LOG","log":{"level":"INFO","message":"` + strings.Repeat("x", 2000) + `"}}`
		r := newReaderSize(strings.NewReader("{\"type\":\"LOG\",\"log\":{\"level\":\"INFO\",\"message\":\"a\"}}\n"+long+"\n"), 1024)
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "line 2: message longer than 1024 bytes") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("big line ok", func(t *testing.T) {
		t.Parallel()
		big := `{"type":"RECORD","record":{"stream":"s","emitted_at":1,"data":{"b":"` + strings.Repeat("y", 3<<20) + `"}}}`
		msg, err := NewReader(strings.NewReader(big)).Next()
		if err != nil || len(msg.Record.Data) < 3<<20 {
			t.Fatalf("3 MiB line: %v", err)
		}
	})
}

func TestLogHandler(t *testing.T) {
	t.Parallel()
	check := protocoltest.Validator(t)
	w, buf := newTestWriter()
	h := NewLogHandler(w, &slog.HandlerOptions{
		Level: slog.Level(-8),
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == "drop" {
				return slog.Attr{}
			}
			return a
		},
	})
	log := slog.New(h).With("run", "r1").WithGroup("http")
	log.Debug("page fetched", "status", 200, "url", "https://api.zoom.us/v2/users?x=1 y", "drop", "gone", "token", redactMe("sk-canary-123"))
	log.Log(t.Context(), slog.Level(-8), "trace level")
	log.Info("info", slog.Group("g", "a", 1), "err", errors.New("bad thing"), "when", fixed)
	log.Warn("warn")
	log.Error("error")
	log.Log(t.Context(), slog.LevelError+4, "fatal")
	_ = w.Flush()
	got := lines(buf.Bytes())
	wantLevels := []string{"DEBUG", "TRACE", "INFO", "WARN", "ERROR", "FATAL"}
	if len(got) != len(wantLevels) {
		t.Fatalf("got %d lines: %s", len(got), buf.String())
	}
	for i, l := range got {
		check(t, []byte(l))
		var m AirbyteMessage
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if string(m.Log.Level) != wantLevels[i] {
			t.Errorf("line %d level %s, want %s", i, m.Log.Level, wantLevels[i])
		}
	}
	var first AirbyteMessage
	_ = json.Unmarshal([]byte(got[0]), &first)
	wantMsg := `page fetched run=r1 http.status=200 http.url="https://api.zoom.us/v2/users?x=1 y" http.token=[redacted]`
	if first.Log.Message != wantMsg {
		t.Errorf("message\n got %s\nwant %s", first.Log.Message, wantMsg)
	}
	if strings.Contains(buf.String(), "sk-canary-123") || strings.Contains(buf.String(), "gone") {
		t.Error("redacted or dropped value leaked")
	}
	if !strings.Contains(got[2], `http.g.a=1 http.err=\"bad thing\" http.when=2025-03-04T05:06:07.008Z`) {
		t.Errorf("group/error/time formatting: %s", got[2])
	}
	quiet := NewLogHandler(w, nil)
	if quiet.Enabled(t.Context(), slog.LevelDebug) || !quiet.Enabled(t.Context(), slog.LevelInfo) {
		t.Error("default level is not Info")
	}
}

type redactMe string

func (redactMe) LogValue() slog.Value { return slog.StringValue("[redacted]") }

func TestCount(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{0: "0.0", 5: "5.0", 1.5: "1.5", 1e21: "1000000000000000000000.0"} {
		b, err := json.Marshal(Count(in))
		if err != nil || string(b) != want {
			t.Errorf("Count(%v) = %s, %v; want %s", in, b, err, want)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const catalogJSON = `{
  "streams": [
    {
      "stream": {"name": "users", "json_schema": {"type": "object"}, "supported_sync_modes": ["full_refresh"], "source_defined_primary_key": [["id"]]},
      "sync_mode": "full_refresh",
      "destination_sync_mode": "overwrite",
      "primary_key": [["id"]],
      "generation_id": 3, "minimum_generation_id": 0, "sync_id": 9,
      "some_future_field": true
    },
    {
      "stream": {"name": "report_meetings", "json_schema": {"type": "object"}, "supported_sync_modes": ["full_refresh", "incremental"]},
      "sync_mode": "incremental",
      "cursor_field": ["end_time"],
      "destination_sync_mode": "append_dedup"
    }
  ]
}`

func TestParseConfiguredCatalog(t *testing.T) {
	t.Parallel()
	cat, err := ParseConfiguredCatalog(writeFile(t, "catalog.json", catalogJSON))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := cat.Stream("report_meetings")
	if !ok || s.SyncMode != SyncIncremental || !slices.Equal(s.CursorField, []string{"end_time"}) {
		t.Errorf("report_meetings: %+v", s)
	}
	u, _ := cat.Stream("users")
	if *u.GenerationID != 3 || *u.SyncID != 9 || u.PrimaryKey[0][0] != "id" {
		t.Errorf("users: %+v", u)
	}
	if _, ok := cat.Stream("nope"); ok {
		t.Error("found unknown stream")
	}
	// The test fixture is itself a valid protocol catalog.
	var v any
	d := json.NewDecoder(strings.NewReader(catalogJSON))
	d.UseNumber()
	_ = d.Decode(&v)
	if err := protocoltest.Schema(t, "ConfiguredAirbyteCatalog").Validate(v); err != nil {
		t.Errorf("fixture is not a valid ConfiguredAirbyteCatalog: %v", err)
	}
}

func TestParseConfiguredCatalogErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, content, want string }{
		{"malformed", "{\n  \"streams\": [\n    {\"stream\": }\n  ]\n}", "line 3, column 17"},
		{"wrong type", "{\"streams\": {}}", "line 1"},
		{"no streams", `{}`, "streams: required"},
		{"trailing", `{"streams": []} {}`, "unexpected data"},
		{"bad modes", `{"streams":[{"stream":{"name":"a"},"sync_mode":"sometimes","destination_sync_mode":"x"}]}`, `streams[0] (a).sync_mode: "sometimes"`},
		{"no name", `{"streams":[{"stream":{},"sync_mode":"full_refresh","destination_sync_mode":"append"}]}`, "streams[0].stream.name: required"},
		{"duplicate", `{"streams":[{"stream":{"name":"a"},"sync_mode":"full_refresh","destination_sync_mode":"append"},{"stream":{"name":"a"},"sync_mode":"full_refresh","destination_sync_mode":"append"}]}`, "listed twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := writeFile(t, "catalog.json", c.content)
			_, err := ParseConfiguredCatalog(p)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("got %v, want %q and the path", err, c.want)
			}
		})
	}
	if _, err := ParseConfiguredCatalog(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestDecodeState(t *testing.T) {
	t.Parallel()
	msgs, err := DecodeState([]byte(`[{"type":"STREAM","stream":{"stream_descriptor":{"name":"users"},"stream_state":{"cursor":"x"}}}]`))
	if err != nil || len(msgs) != 1 || string(msgs[0].Stream.StreamState) != `{"cursor":"x"}` {
		t.Fatalf("%+v %v", msgs, err)
	}
	legacy, err := DecodeState([]byte(`{"users":{"cursor":"x"}}`))
	if err != nil || legacy[0].Type != StateTypeLegacy || string(legacy[0].Data) != `{"users":{"cursor":"x"}}` {
		t.Fatalf("legacy: %+v %v", legacy, err)
	}
	for _, empty := range []string{"", " null ", "[]"} {
		if m, err := DecodeState([]byte(empty)); err != nil || len(m) != 0 {
			t.Errorf("%q: %v %v", empty, m, err)
		}
	}
	if _, err := DecodeState([]byte(`[{"type":"STREAM"}]`)); err == nil {
		t.Error("STREAM state without descriptor accepted")
	}
	if _, err := ParseStateFile(writeFile(t, "state.json", "[\n{]")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("malformed state: %v", err)
	}
}

// TestWriteValidRecordMatchesWriteRecord: the hot path writes the same
// message WriteRecord encodes (a record spanning lines compacted onto one,
// a stream name that needs escaping escaped), and it is valid protocol.
func TestWriteValidRecordMatchesWriteRecord(t *testing.T) {
	t.Parallel()
	clock := WithClock(func() time.Time { return time.UnixMilli(1700000000123) })
	meta := &AirbyteRecordMessageMeta{ExtraFields: []string{"x"},
		Changes: []AirbyteRecordMessageMetaChange{{Field: "at", Change: ChangeNulled, Reason: ReasonDestinationTypecastError}}}
	validate := protocoltest.Validator(t)
	for _, tc := range []struct {
		stream string
		data   string
		meta   *AirbyteRecordMessageMeta
	}{
		{"users", `{"id":"u1","n":12345678901234567890,"html":"<a&b>"}`, nil},
		{"users", "{\"id\": \"u2\",\n  \"nested\": {\"a\": [1, 2]}\r\n}", meta},
		{`we"ird\name`, ` {"a":"é\u00e9"} `, nil},
	} {
		var fast, slow bytes.Buffer
		fw, sw := NewWriter(&fast, clock), NewWriter(&slow, clock)
		if err := fw.WriteValidRecord(tc.stream, json.RawMessage(tc.data), tc.meta); err != nil {
			t.Fatal(err)
		}
		if err := sw.WriteRecord(AirbyteRecordMessage{Stream: tc.stream, Data: json.RawMessage(tc.data), Meta: tc.meta}); err != nil {
			t.Fatal(err)
		}
		_ = fw.Flush()
		_ = sw.Flush()
		if strings.Count(fast.String(), "\n") != 1 {
			t.Errorf("not one line: %q", fast.String())
		}
		validate(t, fast.Bytes())
		var a, b any
		if err := json.Unmarshal(fast.Bytes(), &a); err != nil {
			t.Fatalf("%q: %v", fast.String(), err)
		}
		_ = json.Unmarshal(slow.Bytes(), &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("WriteValidRecord wrote\n%s\nWriteRecord writes\n%s", fast.String(), slow.String())
		}
	}
}
