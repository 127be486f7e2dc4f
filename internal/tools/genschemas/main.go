// Command genschemas writes spec/streams/<stream>.json: one draft-07 JSON
// Schema per stream of connector/streams, taken from Zoom's own OpenAPI 3.0
// response schemas. The generated files are committed; nothing runs this at
// build time.
//
//	go run ./internal/tools/genschemas -openapi ../shared/zoom-openapi -out spec/streams
//	go run ./internal/tools/genschemas -openapi ../shared/zoom-openapi -out spec/streams -check
//
// A record of a stream is one element of the envelope array of its
// endpoint's 200 response (or the whole response when the stream has no
// envelope), plus the key fields the stream copies from its parent record.
// For a stream with a Detail path (meetings, webinars) the record is the
// detail object, GET /meetings/{meetingId} or GET /webinars/{webinarId}: the
// list only partitions.
//
// Conversion from OpenAPI 3.0 to draft-07:
//   - $ref is resolved and allOf merged (properties merged field by field);
//   - every property is nullable (["null", T], and null added to its enum);
//     only the primary-key fields are required, and they are not nullable;
//   - objects get "additionalProperties": true, since Zoom adds fields over
//     time and the connector keeps unknown ones;
//   - only type, properties, items, enum, format (date-time, date, email),
//     additionalProperties, oneOf, anyOf and a one-sentence description are
//     kept; examples, defaults, x-*, readOnly, writeOnly, discriminator,
//     deprecated, titles and length or range limits are dropped;
//   - id-like fields (id, *_id, pmi) and numbers with an int32 or int64
//     format are "integer", never "number".
package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io/fs"
	"log"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/zoom-connector/zoom-connector/connector/streams"
)

// Zoom's OpenAPI documents, looked up in this order. The 2023 document is
// the only one with /users (Zoom moved the Users API to its own document).
var docFiles = []string{"meetings-api-2025.json", "ZoomMeetingAPISpec-2023.json"}

// dropEnum lists "stream:property.path" enums that Zoom's own description
// contradicts: recurrence.weekly_days is documented as "1" to "7" but also as
// a comma-separated list such as "1,3".
var dropEnum = map[string]bool{
	"meetings:recurrence.weekly_days": true,
}

// zoomSendsJSON lists the fields Zoom sends although its OpenAPI documents
// do not declare them, each with its source (see the file's $comment).
//
//go:embed zoom_sends.json
var zoomSendsJSON []byte

// sentField is one entry of zoom_sends.json.
type sentField struct {
	Stream      string `json:"stream"`
	Field       string `json:"field"` // a path: "settings.show_join_info", "a[].b"
	Type        string `json:"type"`
	Format      string `json:"format"`
	Description string `json:"description"`
	Source      string `json:"source"`
}

// zoomSends decodes zoom_sends.json; every entry must name a stream, a
// field, a JSON type and its source.
func zoomSends() ([]sentField, error) {
	var doc struct {
		Comment string      `json:"$comment"`
		Fields  []sentField `json:"fields"`
	}
	dec := json.NewDecoder(bytes.NewReader(zoomSendsJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("zoom_sends.json: %w", err)
	}
	for i, f := range doc.Fields {
		if _, ok := streams.ByName(f.Stream); !ok || f.Field == "" || f.Type == "" || f.Source == "" || f.Description == "" {
			return nil, fmt.Errorf("zoom_sends.json: entry %d (%s.%s): needs a known stream, a field, a type, a description and a source", i, f.Stream, f.Field)
		}
	}
	return doc.Fields, nil
}

// addSentField adds f to a stream's properties at its path.
func addSentField(properties map[string]any, f sentField) error {
	parts := strings.Split(f.Field, ".")
	cur := properties
	for _, p := range parts[:len(parts)-1] {
		name, each := strings.CutSuffix(p, "[]")
		next, _ := cur[name].(map[string]any)
		if each {
			next, _ = next["items"].(map[string]any)
		}
		ps, _ := next["properties"].(map[string]any)
		if ps == nil {
			return fmt.Errorf("zoom_sends.json: %s.%s: %q is not an object with properties in the schema", f.Stream, f.Field, p)
		}
		cur = ps
	}
	last := parts[len(parts)-1]
	if _, ok := cur[last]; ok {
		return fmt.Errorf("zoom_sends.json: %s.%s: Zoom's documents declare it now; remove the entry", f.Stream, f.Field)
	}
	prop := map[string]any{"type": []any{"null", f.Type}}
	if f.Format != "" {
		prop["format"] = f.Format
	}
	prop["description"] = f.Description + " Sent by Zoom, not in its OpenAPI documents; source: " + f.Source + "."
	cur[last] = prop
	return nil
}

func main() {
	openapi := flag.String("openapi", "../shared/zoom-openapi", "directory holding Zoom's OpenAPI documents")
	out := flag.String("out", "spec/streams", "directory to write <stream>.json into")
	check := flag.Bool("check", false, "compare with the files in -out instead of writing; exit 1 on a difference")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("genschemas: ")

	files, err := Generate(*openapi)
	if err != nil {
		log.Fatal(err)
	}
	if *check {
		diffs, err := Compare(files, *out)
		if err != nil {
			log.Fatal(err)
		}
		for _, d := range diffs {
			log.Print(d)
		}
		if len(diffs) > 0 {
			log.Fatalf("%d file(s) out of date; run without -check", len(diffs))
		}
		return
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := os.WriteFile(filepath.Join(*out, name), files[name], 0o644); err != nil {
			log.Fatal(err)
		}
	}
	stale, err := staleFiles(files, *out)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range stale {
		log.Printf("warning: %s matches no stream; remove it", s)
	}
	log.Printf("wrote %d schemas to %s", len(files), *out)
}

// Compare reports the differences between files and the .json files in dir.
func Compare(files map[string][]byte, dir string) ([]string, error) {
	var diffs []string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		got, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			diffs = append(diffs, name+": missing")
		case err != nil:
			return nil, err
		case !bytes.Equal(got, files[name]):
			diffs = append(diffs, name+": differs from the generator's output")
		}
	}
	stale, err := staleFiles(files, dir)
	if err != nil {
		return nil, err
	}
	for _, s := range stale {
		diffs = append(diffs, s+": matches no stream")
	}
	return diffs, nil
}

func staleFiles(files map[string][]byte, dir string) ([]string, error) {
	on, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var stale []string
	for _, p := range on {
		name := filepath.Base(p)
		if _, ok := files[name]; ok {
			continue
		}
		// The schema of a stream that does not come from Zoom
		// (webhook_events) is written by hand, not generated.
		if s, ok := streams.ByName(strings.TrimSuffix(name, ".json")); ok && s.Source != streams.SourceZoom {
			continue
		}
		stale = append(stale, name)
	}
	return stale, nil
}

// Generate builds every stream's schema from the OpenAPI documents in dir
// and returns the file contents by file name ("<stream>.json").
func Generate(dir string) (map[string][]byte, error) {
	var docs []*document
	for _, f := range docFiles {
		d, err := loadDocument(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	sent, err := zoomSends()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	built := map[string]*schemaFile{}
	for _, s := range streams.Zoom() {
		sf, err := buildStream(docs, s, built, sent)
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", s.Name, err)
		}
		built[s.Name] = sf
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sf); err != nil {
			return nil, fmt.Errorf("stream %s: encode: %w", s.Name, err)
		}
		out[s.Name+".json"] = buf.Bytes()
	}
	return out, nil
}

// schemaFile is the top level of a generated file, in a fixed key order.
type schemaFile struct {
	Schema               string         `json:"$schema"`
	Comment              string         `json:"$comment"`
	Title                string         `json:"title"`
	Description          string         `json:"description,omitempty"`
	Type                 string         `json:"type"`
	AdditionalProperties bool           `json:"additionalProperties"`
	Required             []string       `json:"required,omitempty"`
	Properties           map[string]any `json:"properties"`
}

type document struct {
	name string
	root map[string]any
}

func loadDocument(path string) (*document, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return &document{name: filepath.Base(path), root: root}, nil
}

var placeholder = regexp.MustCompile(`\{[^}]*\}`)

// findGet returns the GET operation whose path matches tmpl, placeholders
// compared by position only ({meetingUUID} matches {meetingId}).
func findGet(docs []*document, tmpl string) (*document, string, map[string]any, error) {
	want := placeholder.ReplaceAllString(tmpl, "{}")
	for _, d := range docs {
		paths, _ := d.root["paths"].(map[string]any)
		for _, p := range slices.Sorted(maps.Keys(paths)) {
			if placeholder.ReplaceAllString(p, "{}") != want {
				continue
			}
			item, _ := paths[p].(map[string]any)
			if op, ok := item["get"].(map[string]any); ok {
				return d, p, op, nil
			}
		}
	}
	return nil, "", nil, fmt.Errorf("no GET %s in %v", tmpl, docFiles)
}

// responseSchema returns the resolved, allOf-merged schema of an
// operation's 200 response.
func responseSchema(d *document, op map[string]any) (map[string]any, error) {
	resp, _ := op["responses"].(map[string]any)
	ok, _ := resp["200"].(map[string]any)
	ok, err := d.resolve(ok, nil)
	if err != nil {
		return nil, err
	}
	content, _ := ok["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	s, _ := media["schema"].(map[string]any)
	if s == nil {
		return nil, errors.New("200 response has no application/json schema")
	}
	return d.normalize(s, nil)
}

// recordSchema returns the schema of one record of a stream before the key
// fields are added, and a note naming where it came from.
func recordSchema(docs []*document, s streams.Stream) (map[string]any, string, error) {
	path, envelope := s.Path, s.Envelope
	if s.Detail != "" {
		path, envelope = s.Detail, ""
	}
	d, specPath, op, err := findGet(docs, path)
	if err != nil {
		return nil, "", err
	}
	resp, err := responseSchema(d, op)
	if err != nil {
		return nil, "", fmt.Errorf("GET %s: %w", specPath, err)
	}
	src := fmt.Sprintf("%s GET %s 200", d.name, specPath)
	rec := resp
	if envelope != "" {
		arr, _ := props(resp)[envelope].(map[string]any)
		items, _ := arr["items"].(map[string]any)
		if items == nil {
			return nil, "", fmt.Errorf("GET %s: 200 response has no array %q", specPath, envelope)
		}
		rec = items
		src += ", items of " + envelope
	}
	if s.Detail != "" {
		// Fields of the list item that the detail lacks, if any, are kept.
		ld, lp, lop, err := findGet(docs, s.Path)
		if err != nil {
			return nil, "", err
		}
		list, err := responseSchema(ld, lop)
		if err != nil {
			return nil, "", fmt.Errorf("GET %s: %w", lp, err)
		}
		arr, _ := props(list)[s.Envelope].(map[string]any)
		items, _ := arr["items"].(map[string]any)
		rec = mergeSchemas(rec, items)
		src += fmt.Sprintf(" (plus fields only in GET %s %s items)", lp, s.Envelope)
	}
	return rec, src, nil
}

func buildStream(docs []*document, s streams.Stream, built map[string]*schemaFile, sent []sentField) (*schemaFile, error) {
	rec, src, err := recordSchema(docs, s)
	if err != nil {
		return nil, err
	}
	if t, _ := rec["type"].(string); t != "" && t != "object" {
		return nil, fmt.Errorf("record type is %q, not object", t)
	}
	pk := map[string]bool{}
	for _, p := range s.PrimaryKey {
		if len(p) != 1 {
			return nil, fmt.Errorf("nested primary key %v not supported", p)
		}
		pk[p[0]] = true
	}
	c := converter{stream: s.Name}
	properties := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(props(rec))) {
		sub, _ := props(rec)[name].(map[string]any)
		properties[name] = c.convert(sub, name, name, !pk[name])
	}

	for _, f := range sent {
		if f.Stream == s.Name {
			if err := addSentField(properties, f); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range s.UTCTimes {
		if err := describeUTCTime(properties, p); err != nil {
			return nil, err
		}
	}

	if err := addKeyFields(properties, s, built); err != nil {
		return nil, err
	}

	// Month-window bounds: the report's records do not carry them, so the
	// connector adds them where the primary key or cursor needs them.
	if s.Window == streams.MonthWindow && (pk["from"] || pk["to"] || s.Cursor == "from" || s.Cursor == "to") {
		properties["from"] = map[string]any{"type": "string", "format": "date", "description": "Added by the connector: the first day (yyyy-mm-dd) of the month window the record was read for."}
		properties["to"] = map[string]any{"type": "string", "format": "date", "description": "Added by the connector: the last day (yyyy-mm-dd) of the month window the record was read for."}
	}

	if s.Position != "" {
		if _, clash := properties[s.Position]; clash {
			return nil, fmt.Errorf("position field %q: Zoom has a field of that name", s.Position)
		}
		properties[s.Position] = map[string]any{"type": "integer", "description": "Added by the connector: the record's 0-based position in Zoom's answer for its parent (Zoom gives these records no ID, and guests may share a name and have no email)."}
	}

	if err := addDownloadField(properties, s); err != nil {
		return nil, err
	}

	var required []string
	for _, p := range s.PrimaryKey {
		f, _ := properties[p[0]].(map[string]any)
		if f == nil {
			return nil, fmt.Errorf("primary key field %q not in the record schema", p[0])
		}
		required = append(required, p[0])
	}
	if s.Cursor != "" && properties[s.Cursor] == nil {
		return nil, fmt.Errorf("cursor field %q not in the record schema", s.Cursor)
	}
	return &schemaFile{
		Schema:               "http://json-schema.org/draft-07/schema#",
		Comment:              "Generated by internal/tools/genschemas from Zoom's OpenAPI (" + src + "); do not edit.",
		Title:                s.Name,
		Description:          s.Doc,
		Type:                 "object",
		AdditionalProperties: true,
		Required:             required,
		Properties:           properties,
	}, nil
}

// addKeyFields adds the key fields copied from the parent record: their
// type is the parent field's, and they are never null.
func addKeyFields(properties map[string]any, s streams.Stream, built map[string]*schemaFile) error {
	for _, k := range slices.Sorted(maps.Keys(s.Keys)) {
		from := s.Keys[k]
		parent := built[s.Parent]
		if parent == nil {
			return fmt.Errorf("key %s: parent %q not built yet", k, s.Parent)
		}
		pf, _ := parent.Properties[from].(map[string]any)
		if pf == nil {
			return fmt.Errorf("key %s: parent %s has no field %q", k, s.Parent, from)
		}
		if _, clash := properties[k]; clash {
			log.Printf("warning: %s: key %s replaces Zoom's field of that name", s.Name, k)
		}
		f := map[string]any{"type": nonNull(pf["type"])}
		if pf["format"] != nil {
			f["format"] = pf["format"]
		}
		f["description"] = fmt.Sprintf("Added by the connector: the %s of the parent %s record.", from, strings.TrimSuffix(s.Parent, "s"))
		properties[k] = f
	}
	return nil
}

// addDownloadField declares the field the engine puts in place of a
// Stream.Download URL: the text the URL serves.
func addDownloadField(properties map[string]any, s streams.Stream) error {
	if s.DownloadInto == "" {
		return nil
	}
	if _, clash := properties[s.DownloadInto]; clash {
		return fmt.Errorf("download field %q: Zoom has a field of that name", s.DownloadInto)
	}
	if properties[s.Download] == nil {
		return fmt.Errorf("download URL field %q not in the record schema", s.Download)
	}
	delete(properties, s.Download) // the engine replaces it with the text
	properties[s.DownloadInto] = map[string]any{"type": []any{"null", "string"},
		"description": "Added by the connector in place of " + s.Download + ": the text it serves (null when Zoom gives no URL)."}
	return nil
}

// describeUTCTime notes on the field at path (see Stream.UTCTimes) that
// Zoom sends it without a zone and the connector writes RFC 3339; the field
// must be declared a date-time.
func describeUTCTime(properties map[string]any, path string) error {
	parts := strings.Split(path, ".")
	cur := properties
	var f map[string]any
	for i, p := range parts {
		name, each := strings.CutSuffix(p, "[]")
		f, _ = cur[name].(map[string]any)
		if each {
			f, _ = f["items"].(map[string]any)
		}
		if i < len(parts)-1 {
			cur, _ = f["properties"].(map[string]any)
		}
	}
	if f == nil || f["format"] != "date-time" {
		return fmt.Errorf("UTCTimes %s: not a date-time field of the schema", path)
	}
	d, _ := f["description"].(string)
	f["description"] = strings.TrimSpace(d + " Zoom sends yyyy-mm-dd hh:mm:ss (UTC, no zone); the connector writes it as RFC 3339.")
	return nil
}

// nonNull returns a JSON Schema type without "null".
func nonNull(t any) any {
	list, ok := t.([]any)
	if !ok {
		return t
	}
	var out []any
	for _, x := range list {
		if x != "null" {
			out = append(out, x)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

func props(s map[string]any) map[string]any {
	p, _ := s["properties"].(map[string]any)
	return p
}

// resolve follows $ref (local references only) until s has none.
func (d *document) resolve(s map[string]any, seen []string) (map[string]any, error) {
	for s != nil {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s, nil
		}
		if slices.Contains(seen, ref) {
			return nil, fmt.Errorf("$ref cycle through %s", ref)
		}
		seen = append(seen, ref)
		if !strings.HasPrefix(ref, "#/") {
			return nil, fmt.Errorf("non-local $ref %s", ref)
		}
		var cur any = d.root
		for _, part := range strings.Split(ref[2:], "/") {
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			m, _ := cur.(map[string]any)
			cur = m[part]
		}
		next, _ := cur.(map[string]any)
		if next == nil {
			return nil, fmt.Errorf("$ref %s resolves to nothing", ref)
		}
		s = next
	}
	return s, nil
}

// normalize returns a copy of s with every $ref resolved and every allOf
// merged, at every depth.
func (d *document) normalize(s map[string]any, seen []string) (map[string]any, error) {
	if ref, ok := s["$ref"].(string); ok {
		if slices.Contains(seen, ref) {
			// A recursive schema: stop with a free-form value.
			return map[string]any{}, nil
		}
		r, err := d.resolve(s, nil)
		if err != nil {
			return nil, err
		}
		return d.normalize(r, append(seen, ref))
	}
	out := map[string]any{}
	for k, v := range s {
		switch k {
		case "properties":
			ps := map[string]any{}
			for name, p := range v.(map[string]any) {
				pm, _ := p.(map[string]any)
				n, err := d.normalize(pm, seen)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				ps[name] = n
			}
			out[k] = ps
		case "items", "additionalProperties", "not":
			if m, ok := v.(map[string]any); ok {
				n, err := d.normalize(m, seen)
				if err != nil {
					return nil, err
				}
				out[k] = n
			} else {
				out[k] = v
			}
		case "allOf", "oneOf", "anyOf":
			var list []any
			for _, x := range v.([]any) {
				xm, _ := x.(map[string]any)
				n, err := d.normalize(xm, seen)
				if err != nil {
					return nil, err
				}
				list = append(list, n)
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	if all, ok := out["allOf"].([]any); ok {
		delete(out, "allOf")
		for _, x := range all {
			out = mergeSchemas(out, x.(map[string]any))
		}
	}
	return out, nil
}

// mergeSchemas merges b into a: a's keywords win, properties are merged
// field by field (recursively), required lists are joined.
func mergeSchemas(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range b {
		switch k {
		case "properties":
			ap, _ := out[k].(map[string]any)
			merged := maps.Clone(ap)
			if merged == nil {
				merged = map[string]any{}
			}
			for name, p := range v.(map[string]any) {
				if old, ok := merged[name].(map[string]any); ok {
					merged[name] = mergeSchemas(old, p.(map[string]any))
				} else {
					merged[name] = p
				}
			}
			out[k] = merged
		case "required":
			ar, _ := out[k].([]any)
			for _, r := range v.([]any) {
				if !slices.Contains(ar, r) {
					ar = append(ar, r)
				}
			}
			out[k] = ar
		default:
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return out
}

// converter turns a normalized OpenAPI 3.0 schema into draft-07.
type converter struct {
	stream string
}

var keptFormats = map[string]bool{"date-time": true, "date": true, "email": true}

// convert converts s, the schema of the field name at path (dotted).
// nullable makes it accept null.
func (c converter) convert(s map[string]any, name, path string, nullable bool) map[string]any {
	out := map[string]any{}
	typ, _ := s["type"].(string)
	if typ == "" {
		switch {
		case s["properties"] != nil:
			typ = "object"
		case s["items"] != nil:
			typ = "array"
		}
	}
	format, _ := s["format"].(string)
	if typ == "number" && (idLike(name) || format == "int64" || format == "int32") {
		typ = "integer"
	}
	if keptFormats[format] && typ == "string" {
		out["format"] = format
	}
	if d := shortDescription(s); d != "" {
		out["description"] = d
	}
	if n, _ := s["nullable"].(bool); n {
		nullable = true
	}
	switch typ {
	case "object":
		ps := map[string]any{}
		for _, pn := range slices.Sorted(maps.Keys(props(s))) {
			pm, _ := props(s)[pn].(map[string]any)
			ps[pn] = c.convert(pm, pn, path+"."+pn, true)
		}
		if len(ps) > 0 {
			out["properties"] = ps
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			out["additionalProperties"] = c.convert(ap, "", path+".*", true)
		} else {
			out["additionalProperties"] = true
		}
	case "array":
		if it, ok := s["items"].(map[string]any); ok && len(it) > 0 {
			// Array elements are not fields: they stay non-null unless
			// Zoom says nullable.
			out["items"] = c.convert(it, name, path+"[]", false)
		}
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if list, ok := s[k].([]any); ok {
			var conv []any
			for _, x := range list {
				conv = append(conv, c.convert(x.(map[string]any), name, path, false))
			}
			out[k] = conv
		}
	}
	if enum, ok := s["enum"].([]any); ok && !dropEnum[c.stream+":"+path] {
		e := slices.Clone(enum)
		if nullable && !slices.Contains(e, nil) {
			e = append(e, nil)
		}
		out["enum"] = e
	}
	switch {
	case typ == "":
		// Any value, null included.
	case nullable:
		out["type"] = []any{"null", typ}
	default:
		out["type"] = typ
	}
	return out
}

// idLike reports whether a field name names an identifier.
func idLike(name string) bool {
	return name == "id" || strings.HasSuffix(name, "_id") || name == "pmi"
}

var (
	mdLink     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	htmlTag    = regexp.MustCompile(`<[^>]+>`)
	blankLine  = regexp.MustCompile(`\n\s*\n`)
	listStart  = regexp.MustCompile("\n\\s*(`|\\*|-|\\d+\\.|\\|)")
	whitespace = regexp.MustCompile(`\s+`)
)

// shortDescription returns the first sentence of s's description, without
// markdown, prefixed with "Deprecated." when Zoom marks the field so.
func shortDescription(s map[string]any) string {
	d, _ := s["description"].(string)
	if loc := blankLine.FindStringIndex(d); loc != nil {
		d = d[:loc[0]]
	}
	if loc := listStart.FindStringIndex(d); loc != nil {
		d = d[:loc[0]]
	}
	d = mdLink.ReplaceAllString(d, "$1")
	d = htmlTag.ReplaceAllString(d, " ")
	d = html.UnescapeString(strings.ReplaceAll(d, "**", ""))
	d = strings.TrimSpace(whitespace.ReplaceAllString(d, " "))
	d = strings.TrimPrefix(strings.TrimPrefix(d, "* "), "- ")
	d = firstSentence(d)
	if strings.HasSuffix(d, ":") {
		d = strings.TrimSuffix(d, ":") + "."
	}
	if dep, _ := s["deprecated"].(bool); dep && !strings.HasPrefix(strings.ToLower(d), "deprecated") {
		d = strings.TrimSpace("Deprecated. " + d)
	}
	const max = 200
	if r := []rune(d); len(r) > max {
		d = strings.TrimSpace(string(r[:max-1])) + "…"
	}
	return d
}

// firstSentence cuts d after its first full stop followed by a space,
// skipping abbreviations such as "e.g.".
func firstSentence(d string) string {
	for i := 0; i+1 < len(d); i++ {
		if d[i] != '.' || d[i+1] != ' ' {
			continue
		}
		before := strings.ToLower(d[:i+1])
		if strings.HasSuffix(before, "e.g.") || strings.HasSuffix(before, "i.e.") || strings.HasSuffix(before, "etc.") || strings.HasSuffix(before, " vs.") {
			continue
		}
		return d[:i+1]
	}
	return d
}
