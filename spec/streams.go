package spec

import (
	"embed"
	"fmt"
	"io/fs"
)

// StreamsFS holds the JSON Schema of each stream's records, as
// streams/<stream>.json. The files are generated from Zoom's OpenAPI
// documents by internal/tools/genschemas and committed; see that command for
// the conversion rules.
//
//go:embed streams/*.json
var StreamsFS embed.FS

// StreamSchema returns the draft-07 JSON Schema of one record of the named
// stream (spec/streams/<name>.json). The returned slice is a fresh copy. An
// unknown name gives an error that wraps fs.ErrNotExist.
func StreamSchema(name string) ([]byte, error) {
	p := "streams/" + name + ".json"
	if name == "" || !fs.ValidPath(p) {
		return nil, fmt.Errorf("spec: stream schema %q: %w", name, fs.ErrNotExist)
	}
	b, err := StreamsFS.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("spec: stream schema %q: %w", name, fs.ErrNotExist)
	}
	return b, nil
}
