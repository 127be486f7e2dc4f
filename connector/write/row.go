package write

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/zoom-connector/zoom-connector/connector/registrant"
	"github.com/zoom-connector/zoom-connector/internal/config"
)

// Registrant fields a row may carry, besides its target.
var personFields = []string{
	"email", "first_name", "last_name", "address", "city", "state", "zip", "country", "phone",
	"comments", "industry", "job_title", "org", "purchasing_time_frame", "role_in_purchase_process",
	"no_of_employees", "language", "custom_questions",
}

// Target fields of a row, and the fields that say what to do with its
// person (action, and registrant_id to name the person by Zoom's ID).
var targetFields = []string{"meeting_id", "webinar_id", "occurrence_ids", "action", "registrant_id"}

// customPrefix in a mapping value makes a column the answer to a custom
// question: "How did you hear about us?" → "custom_questions.Source".
const customPrefix = "custom_questions."

// knownField reports whether name is a registrant or target field.
func knownField(name string) bool {
	return slices.Contains(personFields, name) || slices.Contains(targetFields, name)
}

// Kind is the kind of a target.
type Kind string

// Target kinds.
const (
	Meeting Kind = "meeting"
	Webinar Kind = "webinar"
)

// TargetKey names one meeting or webinar.
type TargetKey struct {
	Kind Kind
	ID   int64
}

// String returns "meeting:ID" or "webinar:ID", as results show it.
func (k TargetKey) String() string { return string(k.Kind) + ":" + strconv.FormatInt(k.ID, 10) }

// registrant returns the target, with occurrences occ, as the registrant
// package names it.
func (k TargetKey) registrant(occ string) registrant.Target {
	return registrant.Target{Kind: string(k.Kind), ID: k.ID, OccurrenceIDs: occ}
}

// path returns the API path of the target ("/meetings/ID").
func (k TargetKey) path() string { return "/" + string(k.Kind) + "s/" + strconv.FormatInt(k.ID, 10) }

// row is one input row on its way through the writer.
type row struct {
	num    int             // 1-based row number in the input
	raw    json.RawMessage // the row as it came in, a JSON object (or nil)
	rawErr string          // for malformed input: the text as it came in
	fields map[string]any  // normalized registrant fields (no target fields)
	target TargetKey
	occ    string // occurrence_ids, normalized ("" when none)
	email  string // lower-case email ("" when the row names its person by registrant_id only)
	action string // ActRegister (the default) or another action of Actions
	regID  string // registrant_id, when the row names one
	person string // an action row's registrant: its lower-case email in the target's list
	actKey string // an action row's ledger key
	bad    string // "invalid" or "malformed" for rows rejected before any request
}

// batchable reports whether the row may go to batch_registrants: Zoom's
// batch body only has email, first_name and last_name, and no
// occurrence_ids.
func (r *row) batchable() bool {
	if r.occ != "" {
		return false
	}
	for k := range r.fields {
		if k != "email" && k != "first_name" && k != "last_name" {
			return false
		}
	}
	return true
}

// normalizer turns raw input rows into validated rows.
type normalizer struct {
	mapping  map[string]string
	target   *config.Target
	mu       sync.Mutex
	unknown  map[string]bool // upstream columns that map to no field
	warnOnce func(cols []string)
}

// CheckMapping reports mapping values that name no registrant field, so a
// typo in the config is a configuration error rather than silently ignored
// data.
func CheckMapping(m map[string]string) error {
	var bad []string
	for _, col := range slices.Sorted(maps.Keys(m)) {
		f := m[col]
		if strings.HasPrefix(f, customPrefix) && len(f) > len(customPrefix) {
			continue
		}
		if !knownField(f) {
			bad = append(bad, fmt.Sprintf("%q → %q", col, f))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("mapping: unknown registrant field in %s (known: %s, %s, or custom_questions.<title>)",
			strings.Join(bad, ", "), strings.Join(targetFields, ", "), strings.Join(personFields, ", "))
	}
	return nil
}

func newNormalizer(cfg *config.Config) (*normalizer, error) {
	if err := CheckMapping(cfg.Mapping); err != nil {
		return nil, err
	}
	return &normalizer{mapping: cfg.Mapping, target: cfg.DefaultTarget, unknown: map[string]bool{}}, nil
}

// unknownColumns returns the upstream columns seen that map to no field.
func (n *normalizer) unknownColumns() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Sorted(maps.Keys(n.unknown))
}

// normalize maps, cleans and validates one decoded input row. The error
// names the field at fault.
func (n *normalizer) normalize(in map[string]any) (*row, error) {
	doc, err := n.mapRow(in)
	if err != nil {
		return nil, err
	}
	normalizeOccurrences(doc)
	if s, ok := doc["email"].(string); ok {
		doc["email"] = strings.TrimSpace(s)
	}
	if err := normalizeAction(doc); err != nil {
		return nil, err
	}
	if err := n.fillTarget(doc); err != nil {
		return nil, err
	}
	if err := registrant.Validate(doc); err != nil {
		return nil, err
	}
	return rowOf(doc)
}

// mapRow renames the columns of in by the mapping, cleans their values,
// gathers custom questions (JSON text from CSV, an array, and mapped
// answers) and notes the columns that map to no field.
func (n *normalizer) mapRow(in map[string]any) (map[string]any, error) {
	doc := map[string]any{}
	var custom []any
	for col, v := range in {
		name := col
		if m, ok := n.mapping[col]; ok {
			name = m
		} else if _, ok := n.mapping[strings.TrimSpace(col)]; ok {
			name = n.mapping[strings.TrimSpace(col)]
		}
		v = clean(v)
		if v == nil {
			continue
		}
		if t, ok := strings.CutPrefix(name, customPrefix); ok && t != "" {
			custom = append(custom, map[string]any{"title": t, "value": v})
			continue
		}
		if !knownField(name) {
			n.mu.Lock()
			n.unknown[col] = true
			n.mu.Unlock()
			continue
		}
		if _, dup := doc[name]; dup {
			return nil, fmt.Errorf("%s: given by more than one column", name)
		}
		doc[name] = v
	}
	if s, ok := doc["custom_questions"].(string); ok {
		var arr []any
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(&arr); err != nil {
			return nil, errors.New("custom_questions: want a JSON array of {\"title\",\"value\"} objects")
		}
		doc["custom_questions"] = arr
	}
	if len(custom) > 0 {
		prev, _ := doc["custom_questions"].([]any)
		doc["custom_questions"] = append(prev, custom...)
	}
	return doc, nil
}

// normalizeOccurrences writes occurrence_ids (an array or text) as
// comma-separated IDs, dropping it when empty.
func normalizeOccurrences(doc map[string]any) {
	if occ, ok := doc["occurrence_ids"]; ok {
		switch o := occ.(type) {
		case []any:
			parts := make([]string, 0, len(o))
			for _, p := range o {
				parts = append(parts, strings.TrimSpace(fmt.Sprint(p)))
			}
			doc["occurrence_ids"] = strings.Join(parts, ",")
		case string:
			doc["occurrence_ids"] = strings.Join(strings.Fields(strings.ReplaceAll(o, ",", " ")), ",")
		}
		if doc["occurrence_ids"] == "" {
			delete(doc, "occurrence_ids")
		}
	}
}

// fillTarget gives a row that names no meeting_id or webinar_id the
// config's default_target, and refuses a row that names both.
func (n *normalizer) fillTarget(doc map[string]any) error {
	_, hasM := doc["meeting_id"]
	_, hasW := doc["webinar_id"]
	if !hasM && !hasW {
		if n.target == nil {
			return errors.New("meeting_id: the row names no meeting_id or webinar_id and the config has no default_target")
		}
		if n.target.MeetingID != 0 {
			doc["meeting_id"] = json.Number(strconv.FormatInt(n.target.MeetingID, 10))
		} else {
			doc["webinar_id"] = json.Number(strconv.FormatInt(n.target.WebinarID, 10))
		}
		if _, ok := doc["occurrence_ids"]; !ok && n.target.OccurrenceIDs != "" {
			doc["occurrence_ids"] = strings.Join(strings.Fields(strings.ReplaceAll(n.target.OccurrenceIDs, ",", " ")), ",")
		}
	}
	if hasM && hasW {
		return errors.New("meeting_id: the row names both meeting_id and webinar_id")
	}
	return nil
}

// rowOf builds the row of a validated document.
func rowOf(doc map[string]any) (*row, error) {
	r := &row{fields: map[string]any{}, action: ActRegister}
	for k, v := range doc {
		switch k {
		case "meeting_id", "webinar_id":
			id, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
			if err != nil || id <= 0 {
				return nil, fmt.Errorf("%s: not a positive 64-bit integer", k)
			}
			r.target = TargetKey{Kind: Meeting, ID: id}
			if k == "webinar_id" {
				r.target.Kind = Webinar
			}
		case "occurrence_ids":
			r.occ = v.(string)
		case "action":
			r.action = v.(string)
		case "registrant_id":
			r.regID = v.(string)
		default:
			r.fields[k] = v
		}
	}
	if em, ok := r.fields["email"].(string); ok {
		r.email = strings.ToLower(em)
	}
	if r.occ != "" && r.action != ActRegister {
		return nil, fmt.Errorf("occurrence_ids: only a register row may name occurrences, not %s", r.action)
	}
	return r, nil
}

// clean turns an input value into a JSON-schema value: nil and empty or
// blank strings become nil (absent), strings are trimmed, integers and
// floats become json.Number, []byte becomes a string, and containers are
// cleaned recursively.
func clean(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return nil
		}
		return s
	case []byte:
		return clean(string(x))
	case json.Number:
		return x
	case bool:
		return x
	case int:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case int8, int16, int32, int64:
		return json.Number(fmt.Sprint(x))
	case uint, uint8, uint16, uint32, uint64:
		return json.Number(fmt.Sprint(x))
	case float32:
		return clean(float64(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return json.Number(strconv.FormatInt(int64(x), 10))
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if c := clean(e); c != nil {
				out = append(out, c)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if c := clean(e); c != nil {
				out[k] = c
			}
		}
		return out
	default:
		// Anything else (time values, decimals) goes through its text form.
		return clean(fmt.Sprint(x))
	}
}
