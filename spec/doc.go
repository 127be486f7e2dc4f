// Package spec embeds the connector's JSON Schemas.
//
// config.schema.json is the draft-07 schema of the connector configuration.
// It is served verbatim as the connectionSpecification of the Airbyte spec
// command and compiled by internal/config to validate configuration files.
// Airbyte-specific keywords such as airbyte_secret and order are annotations
// that JSON Schema validators ignore.
package spec
