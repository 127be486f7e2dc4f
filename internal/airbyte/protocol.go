package airbyte

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Type is the type of an AirbyteMessage.
type Type string

// Message types (AirbyteMessage.type).
const (
	TypeRecord             Type = "RECORD"
	TypeState              Type = "STATE"
	TypeLog                Type = "LOG"
	TypeSpec               Type = "SPEC"
	TypeConnectionStatus   Type = "CONNECTION_STATUS"
	TypeCatalog            Type = "CATALOG"
	TypeTrace              Type = "TRACE"
	TypeControl            Type = "CONTROL"
	TypeDestinationCatalog Type = "DESTINATION_CATALOG"
)

// AirbyteMessage is one protocol message: Type says which of the other
// fields is set.
type AirbyteMessage struct {
	Type             Type                     `json:"type"`
	Log              *AirbyteLogMessage       `json:"log,omitempty"`
	Spec             *ConnectorSpecification  `json:"spec,omitempty"`
	ConnectionStatus *AirbyteConnectionStatus `json:"connectionStatus,omitempty"`
	Catalog          *AirbyteCatalog          `json:"catalog,omitempty"`
	Record           *AirbyteRecordMessage    `json:"record,omitempty"`
	State            *AirbyteStateMessage     `json:"state,omitempty"`
	Trace            *AirbyteTraceMessage     `json:"trace,omitempty"`
	Control          *AirbyteControlMessage   `json:"control,omitempty"`
	// DestinationCatalog is kept raw; the connector does not use it.
	DestinationCatalog json.RawMessage `json:"destination_catalog,omitempty"`
}

// AirbyteRecordMessage is one record of a stream.
type AirbyteRecordMessage struct {
	Namespace string `json:"namespace,omitempty"`
	Stream    string `json:"stream"`
	// Data is the record, a JSON object.
	Data json.RawMessage `json:"data"`
	// EmittedAt is the emission time in Unix milliseconds.
	EmittedAt int64                     `json:"emitted_at"`
	Meta      *AirbyteRecordMessageMeta `json:"meta,omitempty"`
}

// AirbyteRecordMessageMeta is information about a record added mid-sync.
type AirbyteRecordMessageMeta struct {
	Changes []AirbyteRecordMessageMetaChange `json:"changes,omitempty"`
	// ExtraFields names the record's fields (as paths such as "a.b" or
	// "list[2]") that its stream's schema does not declare (a declared
	// field whose value does not fit its type is a Changes entry instead).
	// The record keeps them unchanged; the
	// protocol allows extra meta properties, and this one is the
	// connector's own.
	ExtraFields []string `json:"extra_fields,omitempty"`
}

// ChangeType is what happened to a field (AirbyteRecordMessageMetaChange.change).
type ChangeType string

// Change types.
const (
	ChangeNulled    ChangeType = "NULLED"
	ChangeTruncated ChangeType = "TRUNCATED"
)

// ChangeReason is why a field changed (AirbyteRecordMessageMetaChange.reason).
type ChangeReason string

// Change reasons a source may report.
const (
	ReasonSourceRecordSizeLimitation ChangeReason = "SOURCE_RECORD_SIZE_LIMITATION"
	ReasonSourceFieldSizeLimitation  ChangeReason = "SOURCE_FIELD_SIZE_LIMITATION"
	ReasonSourceSerializationError   ChangeReason = "SOURCE_SERIALIZATION_ERROR"
	ReasonSourceRetrievalError       ChangeReason = "SOURCE_RETRIEVAL_ERROR"
	// ReasonDestinationTypecastError: the value cannot be cast to the
	// field's declared type (a typed destination nulls it).
	ReasonDestinationTypecastError ChangeReason = "DESTINATION_TYPECAST_ERROR"
)

// AirbyteRecordMessageMetaChange records one change made to a record's field.
type AirbyteRecordMessageMetaChange struct {
	Field  string       `json:"field"`
	Change ChangeType   `json:"change"`
	Reason ChangeReason `json:"reason"`
}

// AirbyteStateType is the kind of state message.
type AirbyteStateType string

// State types. The connector emits STREAM; GLOBAL and LEGACY are only read.
const (
	StateTypeStream AirbyteStateType = "STREAM"
	StateTypeGlobal AirbyteStateType = "GLOBAL"
	StateTypeLegacy AirbyteStateType = "LEGACY"
)

// AirbyteStateMessage is a checkpoint. A source emits it only after every
// record it covers; the destination echoes it once those records are
// committed.
type AirbyteStateMessage struct {
	Type   AirbyteStateType    `json:"type,omitempty"`
	Stream *AirbyteStreamState `json:"stream,omitempty"`
	Global *AirbyteGlobalState `json:"global,omitempty"`
	// Data is the deprecated LEGACY state blob.
	Data             json.RawMessage    `json:"data,omitempty"`
	SourceStats      *AirbyteStateStats `json:"sourceStats,omitempty"`
	DestinationStats *AirbyteStateStats `json:"destinationStats,omitempty"`
}

// StreamDescriptor names a stream.
type StreamDescriptor struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// AirbyteStreamState is the state of one stream.
type AirbyteStreamState struct {
	StreamDescriptor StreamDescriptor `json:"stream_descriptor"`
	// StreamState is the stream's state blob, a JSON object.
	StreamState json.RawMessage `json:"stream_state,omitempty"`
}

// AirbyteGlobalState is a state shared by all streams (read only).
type AirbyteGlobalState struct {
	SharedState  json.RawMessage      `json:"shared_state,omitempty"`
	StreamStates []AirbyteStreamState `json:"stream_states"`
}

// AirbyteStateStats counts the records a state message covers.
type AirbyteStateStats struct {
	RecordCount         *Count `json:"recordCount,omitempty"`
	RejectedRecordCount *Count `json:"rejectedRecordCount,omitempty"`
}

// Count is a record count. The protocol types it as a double and asks that
// it "always have a decimal point", so it marshals 5 as 5.0.
type Count float64

// MarshalJSON writes the count with a decimal point.
func (c Count) MarshalJSON() ([]byte, error) {
	s := strconv.FormatFloat(float64(c), 'f', -1, 64)
	if !strings.ContainsAny(s, ".eEnN") {
		s += ".0"
	}
	return []byte(s), nil
}

// NewCount returns a pointer to n as a Count, for AirbyteStateStats.
func NewCount(n int64) *Count {
	c := Count(n)
	return &c
}

// LogLevel is the level of an AirbyteLogMessage.
type LogLevel string

// Log levels.
const (
	LogFatal LogLevel = "FATAL"
	LogError LogLevel = "ERROR"
	LogWarn  LogLevel = "WARN"
	LogInfo  LogLevel = "INFO"
	LogDebug LogLevel = "DEBUG"
	LogTrace LogLevel = "TRACE"
)

// AirbyteLogMessage is a log line for the platform.
type AirbyteLogMessage struct {
	Level      LogLevel `json:"level"`
	Message    string   `json:"message"`
	StackTrace string   `json:"stack_trace,omitempty"`
}

// DestinationSyncMode is how a destination writes a stream.
type DestinationSyncMode string

// Destination sync modes.
const (
	DestinationAppend      DestinationSyncMode = "append"
	DestinationOverwrite   DestinationSyncMode = "overwrite"
	DestinationAppendDedup DestinationSyncMode = "append_dedup"
	DestinationUpdate      DestinationSyncMode = "update"
	DestinationSoftDelete  DestinationSyncMode = "soft_delete"
)

// SyncMode is how a source reads a stream.
type SyncMode string

// Source sync modes.
const (
	SyncFullRefresh SyncMode = "full_refresh"
	SyncIncremental SyncMode = "incremental"
)

// ConnectorSpecification is the answer to the spec command.
type ConnectorSpecification struct {
	DocumentationURL string `json:"documentationUrl,omitempty"`
	ChangelogURL     string `json:"changelogUrl,omitempty"`
	// ConnectionSpecification is the JSON Schema of the configuration.
	ConnectionSpecification json.RawMessage `json:"connectionSpecification"`
	// SupportsIncremental is deprecated in the protocol; leave it nil.
	SupportsIncremental *bool `json:"supportsIncremental,omitempty"`
	// SupportedDestinationSyncModes is set by destinations only.
	SupportedDestinationSyncModes []DestinationSyncMode `json:"supported_destination_sync_modes,omitempty"`
	// AdvancedAuth is passed through raw.
	AdvancedAuth    json.RawMessage `json:"advanced_auth,omitempty"`
	ProtocolVersion string          `json:"protocol_version,omitempty"`
	// ConnectorVersion is the connector build's version ("0.2.0"), the
	// same as the image's io.airbyte.version label. The protocol has no
	// property for it and leaves the definition open; this one is the
	// connector's own.
	ConnectorVersion string `json:"connector_version,omitempty"`
}

// ConnectionStatus is the result of the check command.
type ConnectionStatus string

// Connection statuses.
const (
	StatusSucceeded ConnectionStatus = "SUCCEEDED"
	StatusFailed    ConnectionStatus = "FAILED"
)

// AirbyteConnectionStatus is the answer to the check command.
type AirbyteConnectionStatus struct {
	Status  ConnectionStatus `json:"status"`
	Message string           `json:"message,omitempty"`
}

// AirbyteCatalog is the answer to the discover command.
type AirbyteCatalog struct {
	Streams []AirbyteStream `json:"streams"`
}

// AirbyteStream describes one stream in a catalog.
type AirbyteStream struct {
	Name string `json:"name"`
	// JSONSchema is the stream's record schema, a JSON object.
	JSONSchema              json.RawMessage `json:"json_schema"`
	SupportedSyncModes      []SyncMode      `json:"supported_sync_modes"`
	SourceDefinedCursor     bool            `json:"source_defined_cursor,omitempty"`
	DefaultCursorField      []string        `json:"default_cursor_field,omitempty"`
	SourceDefinedPrimaryKey [][]string      `json:"source_defined_primary_key,omitempty"`
	Namespace               string          `json:"namespace,omitempty"`
	IsResumable             bool            `json:"is_resumable,omitempty"`
}

// ConfiguredAirbyteCatalog is the catalog the platform passes to read (and
// to a destination's write).
type ConfiguredAirbyteCatalog struct {
	Streams []ConfiguredAirbyteStream `json:"streams"`
}

// ConfiguredAirbyteStream is one selected stream with its sync modes.
type ConfiguredAirbyteStream struct {
	Stream              AirbyteStream       `json:"stream"`
	SyncMode            SyncMode            `json:"sync_mode"`
	CursorField         []string            `json:"cursor_field,omitempty"`
	DestinationSyncMode DestinationSyncMode `json:"destination_sync_mode"`
	PrimaryKey          [][]string          `json:"primary_key,omitempty"`
	GenerationID        *int64              `json:"generation_id,omitempty"`
	MinimumGenerationID *int64              `json:"minimum_generation_id,omitempty"`
	SyncID              *int64              `json:"sync_id,omitempty"`
}

// TraceType is the kind of trace message.
type TraceType string

// Trace types.
const (
	TraceError        TraceType = "ERROR"
	TraceEstimate     TraceType = "ESTIMATE"
	TraceStreamStatus TraceType = "STREAM_STATUS"
	TraceAnalytics    TraceType = "ANALYTICS"
)

// AirbyteTraceMessage reports errors, estimates and stream status.
type AirbyteTraceMessage struct {
	Type TraceType `json:"type"`
	// EmittedAt is Unix milliseconds; the protocol types it as a number.
	EmittedAt    float64                          `json:"emitted_at"`
	Error        *AirbyteErrorTraceMessage        `json:"error,omitempty"`
	Estimate     *AirbyteEstimateTraceMessage     `json:"estimate,omitempty"`
	StreamStatus *AirbyteStreamStatusTraceMessage `json:"stream_status,omitempty"`
	Analytics    *AirbyteAnalyticsTraceMessage    `json:"analytics,omitempty"`
}

// FailureType classifies an error trace.
type FailureType string

// Failure types: config_error means the user must fix the configuration,
// transient_error that a retry may succeed, system_error anything else.
const (
	FailureSystem    FailureType = "system_error"
	FailureConfig    FailureType = "config_error"
	FailureTransient FailureType = "transient_error"
)

// AirbyteErrorTraceMessage describes the error that failed a sync.
type AirbyteErrorTraceMessage struct {
	// Message is for the user; InternalMessage for the developer.
	Message          string            `json:"message"`
	InternalMessage  string            `json:"internal_message,omitempty"`
	StackTrace       string            `json:"stack_trace,omitempty"`
	FailureType      FailureType       `json:"failure_type,omitempty"`
	StreamDescriptor *StreamDescriptor `json:"stream_descriptor,omitempty"`
}

// EstimateType says whether an estimate covers one stream or the sync.
type EstimateType string

// Estimate types.
const (
	EstimateStream EstimateType = "STREAM"
	EstimateSync   EstimateType = "SYNC"
)

// AirbyteEstimateTraceMessage is a guess of how much a stream will produce.
type AirbyteEstimateTraceMessage struct {
	Name         string       `json:"name"`
	Type         EstimateType `json:"type"`
	Namespace    string       `json:"namespace,omitempty"`
	RowEstimate  *int64       `json:"row_estimate,omitempty"`
	ByteEstimate *int64       `json:"byte_estimate,omitempty"`
	// Requests is beyond the protocol's fields (the message allows
	// additional properties): the Zoom requests the read is expected to
	// send, before it starts.
	Requests *RequestEstimate `json:"zoom_requests,omitempty"`
}

// RequestEstimate is the quota estimate of a read (connector/quota) as an
// ESTIMATE carries it: the stream's own requests per rate-limit category
// and the whole read's, with the days the plan's daily quotas spread the
// read over. Categories are keyed by name (light, medium, heavy,
// resource-intensive).
type RequestEstimate struct {
	// Stream are the requests of this stream (its pages and details).
	Stream map[string]int64 `json:"stream"`
	// Source says where the stream's figure comes from (the last full or
	// incremental read's counts in the state, a probe, or none).
	Source string `json:"source"`
	// Read are the requests of the whole read: every selected stream and
	// the parents read for them.
	Read map[string]int64 `json:"read"`
	// Probe are the requests sent before the read to make the estimate,
	// when the state had no counts for some stream (connector/quota).
	Probe map[string]int64 `json:"probe,omitempty"`
	// Plan is the configured plan; Days how many of its daily quotas the
	// read spreads over (0: the plan has none); Message says it in words.
	Plan    string `json:"plan"`
	Days    int    `json:"days"`
	Message string `json:"message"`
}

// AirbyteStreamStatus is the status of a stream within a sync.
type AirbyteStreamStatus string

// Stream statuses.
const (
	StreamStarted    AirbyteStreamStatus = "STARTED"
	StreamRunning    AirbyteStreamStatus = "RUNNING"
	StreamComplete   AirbyteStreamStatus = "COMPLETE"
	StreamIncomplete AirbyteStreamStatus = "INCOMPLETE"
)

// AirbyteStreamStatusTraceMessage reports a stream's status.
type AirbyteStreamStatusTraceMessage struct {
	StreamDescriptor StreamDescriptor            `json:"stream_descriptor"`
	Status           AirbyteStreamStatus         `json:"status"`
	Reasons          []AirbyteStreamStatusReason `json:"reasons,omitempty"`
}

// AirbyteStreamStatusReasonType is the kind of a stream status reason.
type AirbyteStreamStatusReasonType string

// ReasonRateLimited is the only reason type the protocol defines.
const ReasonRateLimited AirbyteStreamStatusReasonType = "RATE_LIMITED"

// AirbyteStreamStatusReason explains a stream status.
type AirbyteStreamStatusReason struct {
	Type        AirbyteStreamStatusReasonType         `json:"type"`
	RateLimited *AirbyteStreamStatusRateLimitedReason `json:"rate_limited,omitempty"`
}

// AirbyteStreamStatusRateLimitedReason says when the quota resets.
type AirbyteStreamStatusRateLimitedReason struct {
	// QuotaReset is Unix milliseconds, when known.
	QuotaReset *int64 `json:"quota_reset,omitempty"`
}

// AirbyteAnalyticsTraceMessage is a usage event (type and optional value).
type AirbyteAnalyticsTraceMessage struct {
	Type  string `json:"type"`
	Value string `json:"value,omitempty"`
}

// ControlType is the kind of control message.
type ControlType string

// ControlConnectorConfig asks the platform to persist an updated config.
const ControlConnectorConfig ControlType = "CONNECTOR_CONFIG"

// AirbyteControlMessage asks the platform to act, e.g. store a new config.
type AirbyteControlMessage struct {
	Type ControlType `json:"type"`
	// EmittedAt is Unix milliseconds; the protocol types it as a number.
	EmittedAt       float64                               `json:"emitted_at"`
	ConnectorConfig *AirbyteControlConnectorConfigMessage `json:"connectorConfig,omitempty"`
}

// AirbyteControlConnectorConfigMessage carries the config to store.
type AirbyteControlConnectorConfigMessage struct {
	// Config is the full configuration object, secrets included in clear.
	Config json.RawMessage `json:"config"`
}
