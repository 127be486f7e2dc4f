package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/zoom-connector/zoom-connector/connector/quota"
	"github.com/zoom-connector/zoom-connector/connector/streams"
	"github.com/zoom-connector/zoom-connector/internal/jsonrec"
	"github.com/zoom-connector/zoom-connector/internal/state"
	"github.com/zoom-connector/zoom-connector/internal/zoomapi"
)

// The probe estimates the requests of a read that no earlier read has
// counted (the first read, or streams read for the first time), by asking
// Zoom for a sample instead of reading everything:
//
//   - a root stream's partitions (fanout × window: at most seven) are each
//     asked for their first page, whose total_records gives the pages and
//     records exactly;
//   - a child stream is asked about a sample of its parent's records (the
//     sample size is per category, ProbeResult's caller's choice: small
//     where the plan has a daily quota, large where it has none): the share that passes Needs (and the incremental
//     cursor), and, for each probed parent, the first page of one of its
//     partitions (rotating over fanout and windows), whose pages and
//     records stand for all its partitions; the means, times the parent's
//     estimated records, are the child's requests and records;
//   - an unpaged stream without children or details needs no question: one
//     request per partition of each parent that passes;
//   - a listing of details costs a detail per record; the probe fetches the
//     details of the sampled items only (their fields feed the children's
//     Needs and paths).
//
// Its own requests are counted apart (ProbeResult.Sent): they are sent
// before the read, on the same quota.

// ProbeSample is how many parent records the probe asks about per stream
// of a category its samples do not name.
const ProbeSample = 20

// maxProbePages bounds the pages the probe follows in a listing that does
// not say its total (then its pages are a lower bound).
const maxProbePages = 10

// ProbeResult is what a probe estimates.
type ProbeResult struct {
	// Streams are the estimated requests of the read, per needed stream.
	Streams map[string]quota.Counts
	// Sent are the requests the probe sent.
	Sent quota.Counts
}

// prober runs one probe with an engine that only builds requests.
type prober struct {
	e       *engine
	st      *state.State
	samples map[zoomapi.Category]int
	kMax    int // the largest sample: what a level keeps for its children
	sent    quota.Counts
	out     map[string]quota.Counts
	levels  map[string]*probeLevel
}

// probeLevel is what the probe knows of a stream: its estimated records
// in the read and a sample of them (the parent records of its children).
type probeLevel struct {
	records float64
	sample  []map[string]any
}

// probed is one answered partition of the probe: the pages the read will
// ask for, the records, and the items of the first pages.
type probed struct {
	pages, records float64
	items          []map[string]any
}

// Probe estimates the requests of a read with opts (its streams, state,
// windows and page sizes) through client, asking about k sampled parents
// per stream of category c (samples[c]; ProbeSample when absent). An error (a daily limit, a missing
// scope, bad credentials) ends it; what it sent is still counted.
func Probe(ctx context.Context, client *zoomapi.Client, opts ReadOptions, samples map[zoomapi.Category]int) (*ProbeResult, error) {
	opts = opts.withDefaults()
	st := opts.startState()
	p, err := newPlan(opts.Streams, st)
	if err != nil {
		return nil, err
	}
	e := &engine{client: client, opts: opts, log: opts.Log, now: opts.began(), plan: p}
	e.windows = e.planWindows(st)
	pr := &prober{e: e, st: st, samples: samples, kMax: ProbeSample, sent: quota.Counts{}, out: map[string]quota.Counts{}, levels: map[string]*probeLevel{}}
	for _, k := range samples {
		pr.kMax = max(pr.kMax, k)
	}
	res := &ProbeResult{Streams: pr.out, Sent: pr.sent}
	for _, s := range p.order {
		if s.Source != streams.SourceZoom {
			continue
		}
		if err := pr.stream(ctx, s); err != nil {
			return res, fmt.Errorf("probe %s: %w", s.Name, err)
		}
	}
	return res, nil
}

// stream estimates one stream from its parent's level.
func (pr *prober) stream(ctx context.Context, s streams.Stream) error {
	parents, total := []map[string]any{nil}, 1.0
	if s.Parent != "" {
		lp := pr.levels[s.Parent]
		parents, total = lp.sample, lp.records
	}
	lvl := &probeLevel{}
	pr.levels[s.Name] = lvl
	pr.out[s.Name] = quota.Counts{}
	if len(parents) == 0 || total == 0 {
		return nil
	}
	var passing []map[string]any
	for _, f := range parents {
		if f == nil || pr.passes(s, f) {
			passing = append(passing, f)
		}
	}
	share := total * float64(len(passing)) / float64(len(parents))
	if len(passing) == 0 {
		return nil
	}
	if s.PageSize == 0 && s.Detail == "" && !pr.e.plan.hasChildren(s.Name) {
		pr.add(s.Name, s.Category, share*float64(len(pr.e.partitions(s, passing[0]))))
		return nil
	}
	pages, records, items, err := pr.sample(ctx, s, passing)
	if err != nil {
		return err
	}
	pr.add(s.Name, s.Category, share*pages)
	lvl.records = share * records
	if s.Detail != "" {
		pr.add(s.Name, s.DetailCategory, lvl.records)
		items, err = pr.details(ctx, s, spread(items, pr.kOf(s.DetailCategory)))
		if err != nil {
			return err
		}
	}
	lvl.sample = items
	return nil
}

// sample asks about the parents (a root's one nil parent: every partition;
// a child's: up to the stream's sample size, one partition each) and
// returns the mean pages and records per parent, and up to kMax of the
// items seen.
func (pr *prober) sample(ctx context.Context, s streams.Stream, parents []map[string]any) (pages, records float64, items []map[string]any, err error) {
	if k := pr.kOf(s.Category); len(parents) > k {
		parents = spread(parents, k)
	}
	var seen []probed
	for i, parent := range parents {
		parts := pr.e.partitions(s, parent)
		if len(parts) == 0 {
			continue
		}
		todo, scale := parts, 1.0
		if parent != nil {
			todo, scale = parts[i%len(parts):i%len(parts)+1], float64(len(parts))
		}
		for _, t := range todo {
			got, err := pr.partition(ctx, t)
			if err != nil {
				return 0, 0, nil, err
			}
			pages += got.pages * scale
			got.records *= scale
			records += got.records
			seen = append(seen, got)
		}
	}
	n := float64(len(parents))
	return pages / n, records / n, weighted(seen, records, pr.kMax), nil
}

// weighted picks about k items from the first pages of the probed
// partitions, each partition's share in proportion to the records it
// stands for (not to its first page, which holds at most a page): so that
// a sample of users is not, say, as much inactive as active users because
// both statuses filled their first page.
//
// Within a partition the items are evenly spaced from an offset that moves
// from partition to partition (by the golden ratio): a list's first item
// is not a random one (a user's meetings begin with the newest), and one
// item from each of many partitions must not always be the first.
func weighted(seen []probed, total float64, k int) []map[string]any {
	var out []map[string]any
	for i, p := range seen {
		if total <= 0 || len(p.items) == 0 {
			continue
		}
		n := min(len(p.items), max(1, int(math.Round(float64(k)*p.records/total))))
		off := math.Mod(float64(i)*0.6180339887, 1)
		for j := range n {
			out = append(out, p.items[int((float64(j)+off)*float64(len(p.items))/float64(n))])
		}
	}
	return out
}

// partition asks for a partition's first page (more pages only when the
// listing does not say its total). A skippable answer is one request and
// no record, as in the read.
func (pr *prober) partition(ctx context.Context, t task) (probed, error) {
	req, path, err := pr.e.request(t)
	if err != nil {
		return probed{}, err
	}
	s, got := t.stream, probed{}
	if req.PageSize == 0 {
		var raw json.RawMessage
		pr.sent[t.category()]++
		got.pages = 1
		if _, err := pr.e.client.Do(ctx, req, &raw); err != nil {
			return got, skippable(err)
		}
		items, err := jsonrec.EnvelopeItems(raw, s.Envelope)
		if err != nil {
			return got, fmt.Errorf("%s: %w", path, err)
		}
		got.records = float64(len(items))
		return got, pr.keep(&got, t, items)
	}
	for page, err := range pr.e.client.Pages(ctx, req, s.Envelope) {
		pr.sent[t.category()]++
		got.pages++
		if err != nil {
			return got, skippable(err)
		}
		got.records += float64(len(page.Items))
		if err := pr.keep(&got, t, page.Items); err != nil {
			return got, err
		}
		if page.TotalRecords >= 0 {
			got.records = float64(page.TotalRecords)
			got.pages = max(1, math.Ceil(got.records/float64(req.PageSize)))
			break
		}
		if got.pages >= maxProbePages {
			break
		}
	}
	return got, nil
}

// keep adds a page's items, with the parent keys the read adds, to got.
func (pr *prober) keep(got *probed, t task, items []json.RawMessage) error {
	for _, it := range items {
		_, fields, err := jsonrec.AddKeys(it, t.stream.Keys, t.parent, true)
		if err != nil {
			return fmt.Errorf("record of %s: %w", t.stream.Name, err)
		}
		got.items = append(got.items, fields)
	}
	return nil
}

// details fetches the details of sampled listed items: the records the
// stream's children hang off, with the parent keys the listed item got.
func (pr *prober) details(ctx context.Context, s streams.Stream, items []map[string]any) ([]map[string]any, error) {
	var out []map[string]any
	same := map[string]string{}
	for k := range s.Keys {
		same[k] = k
	}
	for _, it := range items {
		req, _, err := pr.e.request(task{stream: s, item: it})
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		pr.sent[s.DetailCategory]++
		if _, err := pr.e.client.Do(ctx, req, &raw); err != nil {
			if err = skippable(err); err != nil {
				return nil, err
			}
			continue
		}
		_, fields, err := jsonrec.AddKeys(raw, same, it, true)
		if err != nil {
			return nil, fmt.Errorf("detail of %s: %w", s.Name, err)
		}
		out = append(out, fields)
	}
	return out, nil
}

// passes reports whether the read reads child stream s for a parent
// record: it passes s's Needs and, incrementally, s's cursor.
func (pr *prober) passes(s streams.Stream, parent map[string]any) bool {
	if s.Needs != nil && !s.Needs(parent) {
		return false
	}
	if s.ParentCursor != "" && pr.e.opts.Incremental[s.Name] {
		return newEnough(pr.st.Streams[s.Name].Cursor, parent[s.ParentCursor], pr.e.lookback(s.Name))
	}
	return true
}

// add adds n estimated requests of category cat to stream's estimate.
func (pr *prober) add(stream string, cat zoomapi.Category, n float64) {
	pr.out[stream][cat] += int64(math.Round(n))
}

// kOf is the sample size of a stream of category c.
func (pr *prober) kOf(c zoomapi.Category) int {
	if k := pr.samples[c]; k > 0 {
		return k
	}
	return ProbeSample
}

// skippable turns an answer the read would skip into no error.
func skippable(err error) error {
	if zoomapi.IsSkippable(err) {
		return nil
	}
	return err
}

// spread picks k elements of xs, evenly spaced (all when there are fewer).
func spread[T any](xs []T, k int) []T {
	if len(xs) <= k {
		return xs
	}
	out := make([]T, 0, k)
	for i := range k {
		out = append(out, xs[i*len(xs)/k])
	}
	return out
}
