package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// run reads one partition, or fetches one listed item's details, and
// reports the partition done when every record of it was sent to the
// checkpoint writer.
func (e *engine) run(ctx context.Context, t task) {
	s := t.stream
	if e.out.stopped(ctx, t) {
		return
	}
	isDone := e.cp.isDone(t)
	hasChildren := e.plan.hasChildren(s.Name)
	if isDone && !hasChildren && !t.listsDetails() {
		e.partitionDone(t)
		return
	}
	emit := e.plan.selected[s.Name] && !isDone
	if s.Source != streams.SourceZoom {
		e.readSource(ctx, t) // source.go
		return
	}
	pos := 0 // the record's position in the partition (Stream.Position)
	for items, err := range e.fetch(ctx, t, emit) {
		if err != nil {
			e.partitionError(t, err)
			return
		}
		for _, item := range items {
			if !e.handle(ctx, t, item, &pos, emit, hasChildren) {
				e.out.markIncomplete(s.Name)
				return
			}
		}
		e.pushSpawned(t)
	}
	if ctx.Err() != nil {
		e.out.markIncomplete(s.Name)
		return
	}
	if s.Window != streams.NoWindow {
		e.cp.noteCursor(s.Name, t.winEnd)
	}
	e.partitionDone(t)
}

// fetch is the one path from a task to its items, page by page: the pages
// of a paged listing, the envelope's items of an unpaged answer, or the
// answer itself for one item's details. Each request is counted for the
// stream; the first page's total is added to the stream's estimate when
// its records are emitted.
func (e *engine) fetch(ctx context.Context, t task, emit bool) iter.Seq2[[]json.RawMessage, error] {
	return func(yield func([]json.RawMessage, error) bool) {
		s := t.stream
		req, path, err := e.request(t)
		if err != nil {
			yield(nil, err)
			return
		}
		if req.PageSize > 0 {
			first := true
			for page, err := range e.client.Pages(ctx, req, s.Envelope) {
				e.stats.request(s.Name, t.category(), err)
				if err != nil {
					yield(nil, err)
					return
				}
				if first && page.TotalRecords > 0 && emit {
					e.stats.addEstimate(s.Name, page.TotalRecords)
				}
				first = false
				if !yield(page.Items, nil) {
					return
				}
			}
			return
		}
		var raw json.RawMessage
		_, err = e.client.Do(ctx, req, &raw)
		e.stats.request(s.Name, t.category(), err)
		if err != nil {
			yield(nil, err)
			return
		}
		if t.item != nil {
			yield([]json.RawMessage{raw}, nil)
			return
		}
		items, err := jsonrec.EnvelopeItems(raw, s.Envelope)
		if err != nil {
			err = fmt.Errorf("%s %s: %w", s.Name, path, err)
		}
		yield(items, err)
	}
}

// request builds a task's request: the stream's path filled from the
// parent record with the partition's query, or the detail path filled
// from the listed item; paged listings get the configured page size.
func (e *engine) request(t task) (req *zoomapi.Request, path string, err error) {
	s := t.stream
	tmpl, from, rec, query := s.Path, s.PathFrom, t.parent, t.query
	if t.item != nil {
		tmpl, from, rec, query = s.Detail, s.DetailFrom, t.item, nil
	}
	if path, err = fillPath(tmpl, from, s.UUIDParam, rec); err != nil {
		return nil, "", err
	}
	req = e.client.NewRequest(http.MethodGet, path, query, nil)
	req.Category = t.category()
	if t.item == nil && s.PageSize > 0 {
		req.PageSize = e.pageSize(s)
	}
	return req, path, nil
}

// pageSize is a stream's page size: its own, lowered by the configured
// page size (the stream's setting, else the global one).
func (e *engine) pageSize(s streams.Stream) int {
	want := e.opts.PageSize
	if n := e.opts.StreamPageSize[s.Name]; n > 0 {
		want = n
	}
	if want > 0 && want < s.PageSize {
		return want
	}
	return s.PageSize
}

// handle takes one item of a task: a listed item whose details are their
// own partition is queued as a detail task; anything else is a record
// (downloaded first when the stream says so). False stops the partition.
func (e *engine) handle(ctx context.Context, t task, item json.RawMessage, pos *int, emit, hasChildren bool) bool {
	s := t.stream
	if t.listsDetails() {
		fields, err := jsonrec.DecodeObject(item)
		if err != nil {
			e.out.failPartition(s.Name, fmt.Errorf("list item of %s: %w", s.Name, err))
			return true
		}
		if e.changes.skipDetail(s, fields) { // changes.go
			return true
		}
		e.spawn(t, task{stream: s, parent: t.parent, partKey: detailKey(s, t.partKey, fields), query: t.query, item: fields})
		return true
	}
	*pos++
	if s.Download != "" && emit { // download.go
		var err error
		if item, err = e.download(ctx, s, item); err != nil {
			e.partitionError(t, err)
			return false
		}
	}
	return e.record(t, item, *pos-1, emit, hasChildren) && ctx.Err() == nil
}

// record handles one record of a partition (the pos-th): rewrites Zoom's
// zone-less UTC times, adds the parent keys and the position, applies the
// incremental cursor, writes it when emit is set, and queues the partitions
// of the child streams it is the parent of. False stops the partition.
func (e *engine) record(t task, rec json.RawMessage, pos int, emit, hasChildren bool) bool {
	s := t.stream
	keys, src := s.Keys, t.parent
	if s.WindowKeys {
		keys, src = map[string]string{"from": "from", "to": "to"}, map[string]any{"from": t.query.Get("from"), "to": t.query.Get("to")}
	}
	if s.Position != "" {
		keys, src = maps.Clone(keys), maps.Clone(src)
		if keys == nil {
			keys, src = map[string]string{}, map[string]any{}
		}
		keys[s.Position], src[s.Position] = s.Position, pos
	}
	rec, err := s.RewriteUTCTimes(rec)
	if err != nil {
		e.out.failPartition(s.Name, fmt.Errorf("record of %s: %w", s.Name, err))
		return false
	}
	rec, fields, err := jsonrec.AddKeys(rec, keys, src, hasChildren || s.Cursor != "")
	if err != nil {
		e.out.failPartition(s.Name, fmt.Errorf("record of %s: %w", s.Name, err))
		return false
	}
	// A record older than the stream's cursor is not emitted again, but its
	// children are still considered: each child stream judges by its own
	// cursor, which may be behind the parent's (a child read for the first
	// time, or one that failed when the parent completed).
	if s.Cursor != "" && !e.isNew(s.Name, fields[s.Cursor]) {
		emit = false
	}
	if emit {
		e.cp.write(s.Name, rec, cursorTime(fields[s.Cursor]))
	}
	e.queueChildren(t, fields)
	return true
}

// queueChildren queues the partitions of each child stream of a parent
// record (read by task t) that passes the child's Needs and, for a child
// incremental on its parent, the child's cursor.
func (e *engine) queueChildren(t task, fields map[string]any) {
	parent := t.stream.Name
	for _, c := range e.plan.children[parent] {
		if c.Needs != nil && !c.Needs(fields) || e.changes.skipChild(parent, c, fields) { // changes.go
			continue
		}
		if c.ParentCursor != "" {
			if !e.isNew(c.Name, fields[c.ParentCursor]) {
				continue
			}
			e.cp.noteCursor(c.Name, cursorTime(fields[c.ParentCursor]))
		}
		for _, ct := range e.partitions(c, fields) {
			e.spawn(t, ct)
		}
	}
}

// isNew reports whether a cursor value is new to an incremental stream
// (always, for a full refresh).
func (e *engine) isNew(stream string, v any) bool {
	if !e.opts.Incremental[stream] {
		return true
	}
	return newEnough(e.cp.st.Streams[stream].Cursor, v, e.lookback(stream))
}

// cursorTime parses a record's cursor value (zero when it is none).
func cursorTime(v any) time.Time {
	t, _ := parseTime(jsonrec.Str(v))
	return t
}

// fillPath fills a path template from a record, escaping each value; the
// UUID placeholder is encoded as Zoom requires.
func fillPath(tmpl string, from map[string]string, uuidParam string, rec map[string]any) (string, error) {
	out := tmpl
	for ph, field := range from {
		v := jsonrec.Str(rec[field])
		if v == "" {
			return "", fmt.Errorf("%s: parent record has no %q", tmpl, field)
		}
		if ph == uuidParam {
			v = zoomapi.EscapeMeetingUUID(v)
		} else {
			v = url.PathEscape(v)
		}
		out = strings.ReplaceAll(out, "{"+ph+"}", v)
	}
	return out, nil
}
