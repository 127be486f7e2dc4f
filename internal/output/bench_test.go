package output

import (
	"encoding/json"
	"fmt"
	"testing"
)

// benchSchema is a 20-field Zoom-like record: integers above 2^53, strings,
// timestamps, a date, booleans, numbers, a nested struct, a list and a
// free-form object.
const benchSchema = `{"type":"object","properties":{
  "id":{"type":"integer"},"uuid":{"type":"string"},"host_id":{"type":"string"},"host_email":{"type":"string"},
  "topic":{"type":"string"},"type":{"type":"integer"},"status":{"type":"string"},
  "start_time":{"type":"string","format":"date-time"},"created_at":{"type":"string","format":"date-time"},
  "occurrence_date":{"type":"string","format":"date"},"duration":{"type":"integer"},"timezone":{"type":"string"},
  "join_url":{"type":"string"},"agenda":{"type":["null","string"]},"pmi":{"type":"boolean"},
  "pre_schedule":{"type":"boolean"},"total_size":{"type":"number"},
  "settings":{"type":"object","properties":{"host_video":{"type":"boolean"},"approval_type":{"type":"integer"},"audio":{"type":"string"}}},
  "tags":{"type":"array","items":{"type":"string"}},
  "tracking_fields":{"type":"object"}}}`

func benchRecord(i int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"id":%d,"uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"KDcuGIm1QgePTO8WbOqwIQ",`+
		`"host_email":"jchill@example.com","topic":"Weekly sync %d","type":2,"status":"waiting",`+
		`"start_time":"2024-03-01T10:00:00Z","created_at":"2024-02-20T08:31:12Z","occurrence_date":"2024-03-01",`+
		`"duration":60,"timezone":"America/Los_Angeles","join_url":"https://example.zoom.us/j/85746065432",`+
		`"agenda":null,"pmi":false,"pre_schedule":false,"total_size":1234.5,`+
		`"settings":{"host_video":true,"approval_type":2,"audio":"both"},"tags":["a","b"],`+
		`"tracking_fields":{"field":"dept","value":"sales"}}`, 9007199254740993+i, i))
}

func benchWrite(b *testing.B, w Writer) {
	recs := make([]json.RawMessage, 1024)
	for i := range recs {
		recs[i] = benchRecord(i)
	}
	b.SetBytes(int64(len(recs[0])))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.Write("meetings", recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func benchSchemas(b *testing.B) map[string]*Schema {
	return map[string]*Schema{"meetings": mustSchema(b, "meetings", benchSchema)}
}

// BenchmarkParquetWrite measures Write+Close throughput of the Parquet output (zstd).
func BenchmarkParquetWrite(b *testing.B) {
	benchWrite(b, NewParquet(b.TempDir(), benchSchemas(b), ParquetOptions{}))
}

// BenchmarkArrowWrite measures Write+Close throughput of the Arrow IPC output.
func BenchmarkArrowWrite(b *testing.B) {
	benchWrite(b, NewArrow(b.TempDir(), benchSchemas(b)))
}

// BenchmarkJSONLWrite measures Write+Close throughput of the JSONL output.
func BenchmarkJSONLWrite(b *testing.B) {
	benchWrite(b, NewJSONL(b.TempDir(), nil))
}

// BenchmarkConvert measures the JSON record to IR row conversion alone.
func BenchmarkConvert(b *testing.B) {
	s := mustSchema(b, "meetings", benchSchema)
	rec := benchRecord(1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := s.Convert(rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func TestBenchRecordFitsSchema(t *testing.T) {
	s := mustSchema(t, "meetings", benchSchema)
	if len(s.Fields) != 21 {
		t.Fatalf("%d fields, want 20 + _extra", len(s.Fields))
	}
	_, extra, err := s.Convert(benchRecord(1))
	if err != nil || extra != nil {
		t.Fatalf("extra %s err %v", extra, err)
	}
}
