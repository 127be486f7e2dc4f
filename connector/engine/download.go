package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
)

// download replaces a record's Stream.Download URL with the text it
// serves, fetched with the same client: the URL's host must pass the
// allow-list (zoomapi.CheckURL), the request carries the same bearer token
// and is paced in the stream's category. A download is a file, not an API call,
// so it is not counted as a request.
func (e *engine) download(ctx context.Context, s streams.Stream, item json.RawMessage) (json.RawMessage, error) {
	fields, err := jsonrec.DecodeObject(item)
	if err != nil {
		return nil, fmt.Errorf("record of %s: %w", s.Name, err)
	}
	var text any // null when Zoom gives no URL (can_download false)
	if u := jsonrec.Str(fields[s.Download]); u != "" {
		req := e.client.NewRequest(http.MethodGet, u, nil, nil)
		req.Category = s.Category
		resp, err := e.client.Do(ctx, req, nil) // the body is text, not JSON
		if err != nil {
			return nil, fmt.Errorf("%s: download %s: %w", s.Name, s.Download, err)
		}
		text = string(resp.Bytes())
	}
	fields[s.DownloadInto] = text
	delete(fields, s.Download)
	return json.Marshal(fields)
}
