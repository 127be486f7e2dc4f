package connector

import (
	"fmt"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/spec"
)

// Catalog returns the source catalog: every stream with its record schema,
// primary key, cursor and sync modes.
func Catalog() (airbyte.AirbyteCatalog, error) {
	var cat airbyte.AirbyteCatalog
	for _, s := range streams.All() {
		schema, err := spec.StreamSchema(s.Name)
		if err != nil {
			return cat, fmt.Errorf("schema of %s: %w", s.Name, err)
		}
		as := airbyte.AirbyteStream{
			Name:                    s.Name,
			JSONSchema:              schema,
			SupportedSyncModes:      []airbyte.SyncMode{airbyte.SyncFullRefresh},
			SourceDefinedPrimaryKey: s.PrimaryKey,
			IsResumable:             true,
		}
		if s.Incremental() {
			as.SupportedSyncModes = append(as.SupportedSyncModes, airbyte.SyncIncremental)
			as.SourceDefinedCursor = true
			if s.Cursor != "" {
				as.DefaultCursorField = []string{s.Cursor}
			}
		}
		cat.Streams = append(cat.Streams, as)
	}
	return cat, nil
}

// runDiscover is the discover command: it prints the CATALOG. The config
// is validated, but Zoom is not called: the streams are the same for
// every account.
func runDiscover(args []string, stdio IO) error {
	var c common
	if _, err := parseFlags("discover", args, stdio, c.register); err != nil {
		return err
	}
	if _, _, err := c.setup(stdio); err != nil {
		return err
	}
	cat, err := Catalog()
	if err != nil {
		return err
	}
	w := airbyte.NewWriter(stdio.Stdout)
	if err := w.Catalog(cat); err != nil {
		return err
	}
	return w.Flush()
}
