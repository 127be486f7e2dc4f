// Package airbyte implements the parts of the Airbyte protocol the connector
// speaks: the message types (named after the definitions in
// airbyte_protocol.yaml, protocol-models 0.18.0, so the two can be read side
// by side), a concurrency-safe line-delimited Writer for stdout, a Reader for
// stdin, a slog.Handler that turns log records into LOG messages, and
// ParseConfiguredCatalog for the --catalog file.
//
// In Airbyte mode stdout must carry only protocol messages, one JSON object
// per line; route every log through NewLogHandler.
package airbyte
