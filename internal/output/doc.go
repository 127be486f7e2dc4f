// Package output writes stream records to files: JSON Lines, Arrow IPC
// streams and Parquet, behind the Writer interface that the Airbyte stdout
// output also implements.
//
// # One schema IR
//
// FromJSONSchema turns a stream's JSON Schema into a Schema: fields sorted by
// name, each of a Kind (bool, int64, float64, string, timestamp, date,
// struct, list, json), all nullable, plus the ExtraColumn "_extra". The Arrow
// schema (Schema.ArrowSchema) and the Parquet schema (Schema.ParquetSchema)
// are both derived from it, and Schema.Convert turns a JSON record into a Row
// used by both encoders, so both formats type and spill values identically.
// Integers stay exact (parsed from the JSON text, never via float64);
// date-time values become UTC microseconds. A value the schema does not know
// or that does not fit its type is kept verbatim in the record's _extra JSON
// object under its path ("a", "a.b", "a[2].b"); no value is ever dropped.
//
// Parquet is written with parquet-go (no pqarrow): IR rows are encoded
// straight into parquet.Row values with their repetition and definition
// levels, and every parquet-go call runs under recover(), so a panic becomes
// an error naming the stream.
//
// # Files and the commit protocol
//
// Each output writes, per stream, a series of parts under its directory:
//
//	<stream>-00001.jsonl    <stream>-00001.arrows    <stream>-00001.parquet
//	<stream>-00002.jsonl    ...
//
// A part is created lazily on the stream's first record after a Commit (or
// after the previous part rolled) and is written as "<final name>.partial".
// Commit completes every part that has records since the previous Commit:
// it writes the format's trailer (Arrow end-of-stream marker, Parquet
// footer), flushes, fsyncs the file, renames it to its final name and fsyncs
// the directory. The next record of that stream opens the next part number.
// Streams without new records are left alone, so Commit never produces empty
// parts. A part also completes by itself (same steps) once it exceeds its
// roll size (ParquetOptions.RollBytes, ArrowOptions.RollBytes, 128 MiB for
// JSONL).
//
// Guarantees:
//
//   - A file under a final name is always complete and readable; it is never
//     appended to after its rename. JSONL uses parts too, precisely so that
//     a final name never carries an incomplete tail.
//   - After Commit returns nil, every record written before it is in a final,
//     fsynced file. State may then be emitted (at-least-once delivery).
//   - A crash (or a process that never calls Close) leaves the completed
//     final files plus at most one .partial file per stream, holding records
//     after the last Commit; readers must ignore *.partial. Records in a part
//     that rolled after the last Commit are visible but not yet covered by
//     state, so a resumed sync may write them again (at-least-once).
//   - Part numbers continue after the highest number already in the directory
//     (final or .partial), so a resumed sync never overwrites a file.
//   - An I/O error or a parquet-go panic makes the Writer fail: that error is
//     returned by every later Write and Commit, so state is never emitted past
//     it. A record that is not a JSON object is rejected with
//     ErrInvalidRecord and the Writer stays usable.
//
// Memory stays flat for any number of records: JSONL streams through a
// buffered writer, Arrow holds one record batch per stream
// (ArrowOptions.BatchRows) and Parquet one row group per stream
// (ParquetOptions.RowGroupRows).
//
// Writers are safe for concurrent use; calls are serialised.
package output
