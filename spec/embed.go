package spec

import (
	"embed"
	"io/fs"
)

// ConfigSchemaFile is the name, inside FS, of the JSON Schema of the
// connector configuration (Airbyte's connectionSpecification).
const ConfigSchemaFile = "config.schema.json"

// FS holds every JSON file at the top of the spec directory.
//
// The pattern is deliberately *.json so that new top-level schemas (for
// example registrant.schema.json) are picked up without editing this file.
// Schemas in sub-directories (spec/streams/*.json) need their own
// //go:embed line in a separate file of this package, because a pattern that
// names a directory which does not exist yet fails the build.
//
//go:embed *.json
var FS embed.FS

// ConfigSchema returns the raw bytes of config.schema.json. The returned slice
// is a fresh copy, so callers may modify it.
func ConfigSchema() []byte {
	b, err := fs.ReadFile(FS, ConfigSchemaFile)
	if err != nil {
		// The file is embedded at build time; this cannot happen.
		panic("spec: " + err.Error())
	}
	return b
}
