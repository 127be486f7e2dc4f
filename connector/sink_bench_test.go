package connector

import (
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/zoom-connector/zoom-connector/connector/engine"
	"github.com/zoom-connector/zoom-connector/internal/airbyte"
	"github.com/zoom-connector/zoom-connector/internal/output"
	"github.com/zoom-connector/zoom-connector/internal/zoomsim"
)

type benchRecord struct {
	stream string
	data   json.RawMessage
}

// sinkBenchRecords returns every record of the simulator's small dataset
// (the ground truth a complete read yields, parent keys included), streams
// interleaved as a read interleaves them, and the streams' output schemas.
func sinkBenchRecords(b *testing.B) ([]benchRecord, map[string]*output.Schema) {
	b.Helper()
	d, err := zoomsim.Generate("small", 1, time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	truth := d.Truth()
	schemas, err := outputSchemas(zoomsim.TruthStreams)
	if err != nil {
		b.Fatal(err)
	}
	var recs []benchRecord
	for i := 0; ; i++ {
		added := false
		for _, s := range zoomsim.TruthStreams {
			if i < len(truth[s]) {
				raw, err := json.Marshal(truth[s][i])
				if err != nil {
					b.Fatal(err)
				}
				recs = append(recs, benchRecord{s, raw})
				added = true
			}
		}
		if !added {
			break
		}
	}
	return recs, schemas
}

// BenchmarkSinkRecord measures the connector CPU per record of the Airbyte
// sink (RECORD messages to stdout, here io.Discard, with meta.extra_fields
// and meta.changes) against the JSON lines sink (files) on the same
// records: every record of the small dataset, all 27 streams. ns/op and
// allocs/op are per record.
func BenchmarkSinkRecord(b *testing.B) {
	recs, schemas := sinkBenchRecords(b)
	run := func(b *testing.B, sink engine.Sink, close func() error) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r := recs[i%len(recs)]
			if err := sink.Write(r.stream, r.data); err != nil {
				b.Fatal(err)
			}
			if i%20000 == 19999 {
				if err := sink.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := close(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("airbyte", func(b *testing.B) {
		s := &airbyteSink{w: airbyte.NewWriter(io.Discard), schemas: schemas}
		run(b, s, s.Close)
	})
	b.Run("jsonl", func(b *testing.B) {
		w := output.NewJSONL(b.TempDir(), schemas)
		run(b, w, w.Close)
	})
}
