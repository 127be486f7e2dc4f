package zoomsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// PageOpts tunes Call.Page for one endpoint.
type PageOpts struct {
	// Legacy adds the deprecated page_count and page_number fields.
	Legacy bool
	// PageCount adds page_count alone (the Dashboard endpoints declare it
	// without page_number).
	PageCount bool
	// NoTotal leaves out total_records (as /report/activities does).
	NoTotal bool
	// MaxPageSize is the endpoint's page_size maximum; 0 means 300.
	MaxPageSize int
}

const msgBadPageToken = "The next page token is invalid or has expired."

// Page answers with one page of items under key, as Zoom paginates: the
// page_size query parameter (default 30, clamped to the maximum), an opaque
// next_page_token bound to the request's other query parameters that
// expires after Options.PageTokenTTL (then 400 code 300), and an empty
// next_page_token on the last page.
// https://developers.zoom.us/docs/api/pagination/
func (c *Call) Page(key string, items []any, extra map[string]any, o PageOpts) {
	max := o.MaxPageSize
	if max <= 0 {
		max = 300
	}
	size := 30
	if v := c.Query("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			c.Validation([]FieldError{{Field: "page_size", Message: "Invalid field."}})
			return
		}
		if n > 0 {
			size = min(n, max)
		}
	}
	offset := 0
	incoming := c.Query("next_page_token")
	if incoming != "" {
		if c.fault == faultExpireToken {
			c.S.counter.fault(faultExpireToken)
			c.Error(http.StatusBadRequest, 300, msgBadPageToken)
			return
		}
		off, ok := c.S.openPageToken(c.R, incoming, c.S.opts.Now())
		if !ok {
			c.Error(http.StatusBadRequest, 300, msgBadPageToken)
			return
		}
		offset = off
	}
	total := len(items)
	end := min(offset+size, total)
	if offset > total {
		offset = total
	}
	next := ""
	if end < total {
		next = c.S.sealPageToken(c.R, end, c.S.opts.Now())
		if c.fault == faultRepeatToken && incoming != "" {
			c.S.counter.fault(faultRepeatToken)
			next = incoming
		}
	}
	page := items[offset:end]
	if page == nil {
		page = []any{}
	}
	body := make(map[string]any, len(extra)+6)
	for k, v := range extra {
		body[k] = v
	}
	body[key] = page
	body["page_size"] = size
	body["next_page_token"] = next
	if !o.NoTotal {
		body["total_records"] = total
	}
	if o.Legacy || o.PageCount {
		body["page_count"] = (total + size - 1) / size
	}
	if o.Legacy {
		body["page_number"] = offset/size + 1
	}
	c.JSON(http.StatusOK, body)
}

// pageBinding is what a next_page_token is bound to: the path and every
// query parameter but the token itself.
func pageBinding(r *http.Request) []byte {
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "next_page_token" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	b := []byte(r.URL.EscapedPath())
	for _, k := range keys {
		b = append(b, '&')
		b = append(b, k...)
		b = append(b, '=')
		for _, v := range q[k] {
			b = append(b, v...)
			b = append(b, ',')
		}
	}
	return b
}

// sealPageToken makes a 32-character token holding the offset and issue
// time, authenticated with an HMAC over them and the request's binding.
func (s *Server) sealPageToken(r *http.Request, offset int, now time.Time) string {
	var raw [24]byte
	binary.BigEndian.PutUint32(raw[0:4], uint32(offset))
	binary.BigEndian.PutUint32(raw[4:8], uint32(now.Unix()))
	copy(raw[8:], s.pageMAC(r, raw[:8]))
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

func (s *Server) openPageToken(r *http.Request, tok string, now time.Time) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 24 {
		return 0, false
	}
	if !hmac.Equal(raw[8:], s.pageMAC(r, raw[:8])) {
		return 0, false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint32(raw[4:8])), 0)
	if now.Sub(issued) > s.opts.PageTokenTTL {
		return 0, false
	}
	return int(binary.BigEndian.Uint32(raw[0:4])), true
}

func (s *Server) pageMAC(r *http.Request, head []byte) []byte {
	m := hmac.New(sha256.New, s.pageKey)
	m.Write(head)
	m.Write(pageBinding(r))
	return m.Sum(nil)[:16]
}
