package zoomapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
)

// MaxPartitionRestarts is how many times Pages restarts a partition from the
// first page after Zoom rejects an expired next_page_token.
const MaxPartitionRestarts = 3

// Page is one decoded page of a Zoom list response.
type Page struct {
	// Items are the elements of the envelope array, undecoded.
	Items []json.RawMessage
	// TotalRecords is total_records, or -1 if absent.
	TotalRecords int64
	// NextPageToken is next_page_token ("" on the last page).
	NextPageToken string
	// Raw holds the other top-level fields (everything but the envelope key).
	Raw map[string]json.RawMessage
	// Response is the HTTP response of this page.
	Response *Response
}

// Pages iterates over the pages of a Zoom list endpoint. For each page it
// copies req's query, sets page_size when req.PageSize > 0, and follows
// next_page_token until it is empty or absent. A next_page_token already
// followed in this partition ends iteration with ErrPageTokenCycle.
//
// Expired tokens: Zoom page tokens live 15 minutes; when Zoom answers 400
// code 300 "The next page token is invalid or has expired", Pages restarts
// from the first page and skips as many items as it already yielded (Zoom
// lists are stably ordered, so the consumer sees each item once unless the
// list changed meanwhile, in which case items may repeat or be missed, as with
// any offset-based paging). Pages fully consumed by skipping are not yielded.
// At most MaxPartitionRestarts restarts, then the error is yielded.
//
// Errors (from Do, or from decoding) are yielded once with a nil page and end
// the iteration. Stopping the loop early is allowed. See DecodePage for the
// envelope rules.
func (c *Client) Pages(ctx context.Context, req *Request, envelopeKey string) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		if req == nil {
			yield(nil, errors.New("zoomapi: nil request"))
			return
		}
		startToken := req.Query.Get("next_page_token")
		token := startToken
		seen := map[string]bool{}
		if token != "" {
			seen[token] = true
		}
		var yielded, skip int64
		restarts := 0
		for {
			r := req.clone()
			if req.PageSize > 0 {
				r.Query.Set("page_size", strconv.Itoa(req.PageSize))
			}
			if token != "" {
				r.Query.Set("next_page_token", token)
			} else {
				r.Query.Del("next_page_token")
			}
			var raw json.RawMessage
			resp, err := c.Do(ctx, r, &raw)
			if err != nil {
				if token != "" && isInvalidPageToken(err) && restarts < MaxPartitionRestarts {
					restarts++
					c.log.DebugContext(ctx, "zoomapi: page token expired, restarting partition", "path", r.URL.EscapedPath(), "restart", restarts, "skip", yielded)
					token, skip = "", yielded
					seen = map[string]bool{}
					continue
				}
				yield(nil, err)
				return
			}
			page, err := DecodePage(raw, envelopeKey)
			if err != nil {
				yield(nil, fmt.Errorf("decode page of %s: %w", r.URL.EscapedPath(), err))
				return
			}
			page.Response = resp
			if skip > 0 {
				n := min(skip, int64(len(page.Items)))
				page.Items = page.Items[n:]
				skip -= n
			}
			if len(page.Items) > 0 || skip == 0 {
				yielded += int64(len(page.Items))
				if !yield(page, nil) {
					return
				}
			}
			next := page.NextPageToken
			if next == "" {
				return
			}
			if seen[next] {
				yield(nil, fmt.Errorf("%w: token repeated after %d items", ErrPageTokenCycle, yielded))
				return
			}
			seen[next] = true
			token = next
		}
	}
}

// DecodePage decodes a Zoom list body. The body must be a JSON object. The
// envelope array named envelopeKey becomes Items (JSON null counts as empty);
// a non-array value is an error. If the key is absent, the page is treated as
// empty only when total_records is 0 or next_page_token is empty/absent (Zoom
// omits empty arrays on some endpoints); otherwise the missing key is an error
// naming it. Numbers are kept as raw JSON, so int64 IDs stay exact.
func DecodePage(body []byte, envelopeKey string) (*Page, error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("page is not a JSON object: %w", err)
	}
	if top == nil {
		return nil, errors.New("page is JSON null, want an object")
	}
	if dec.More() {
		return nil, errors.New("trailing data after page object")
	}
	p := &Page{TotalRecords: -1, Raw: top}
	if v, ok := top["total_records"]; ok {
		var n json.Number
		if err := json.Unmarshal(v, &n); err == nil {
			if i, err := n.Int64(); err == nil {
				p.TotalRecords = i
			}
		}
	}
	if v, ok := top["next_page_token"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &p.NextPageToken); err != nil {
			return nil, fmt.Errorf("next_page_token is not a string: %w", err)
		}
	}
	arr, ok := top[envelopeKey]
	if !ok {
		// Zoom leaves the array out of an empty answer; one that announces
		// records or another page and has no array is not that.
		if p.TotalRecords == 0 || (p.TotalRecords < 0 && p.NextPageToken == "") {
			return p, nil
		}
		return nil, fmt.Errorf("envelope key %q missing from page (total_records %d, next_page_token %t)", envelopeKey, p.TotalRecords, p.NextPageToken != "")
	}
	delete(top, envelopeKey)
	if isNull(arr) {
		return p, nil
	}
	if err := json.Unmarshal(arr, &p.Items); err != nil {
		return nil, fmt.Errorf("envelope key %q is not an array: %w", envelopeKey, err)
	}
	return p, nil
}

func isNull(b json.RawMessage) bool {
	return string(bytes.TrimSpace(b)) == "null"
}
