// Package bench measures zoom-connector against the Zoom simulator
// (internal/zoomsim) and writes the report committed as BENCHMARKS.md.
//
// One Run measures, against a simulator started in the same process:
//
//  1. a rate-limited full read (business plan, log-normal latency with a
//     120 ms median) against its floor: for each rate-limit category the
//     minimum requests the read needs (MinimumRequests) divided by that
//     category's per-second limit, the largest of them;
//  2. the same read one request at a time (max_concurrency 1), on a
//     smaller dataset and extrapolated per request when that is asked for;
//  3. throughput with the unlimited plan and no latency, for each output
//     format, with the connector in a child process so that its CPU time is
//     told apart from the simulator's, and a CPU profile of an in-process
//     Parquet read;
//  4. the peak RSS of the connector process reading about 100,000 and
//     1,000,000 records to Parquet;
//  5. the write command, once it exists;
//  6. the cost of a daily sync (RunDailySync): on the living large
//     dataset at normal activity, the requests per category of the first
//     full read and of the incremental read one simulated day later, the
//     daily read's share of the Heavy daily quota, and its wall time at
//     the plan's limits against its floor.
//
// cmd/zoombench is the command line; Report.Markdown renders the report.
package bench
