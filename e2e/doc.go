// Package e2e is the connector's end-to-end suite: it proves what the
// built zoom-connector binary does on a bad day, against the ground truth
// of the in-process Zoom simulator (internal/zoomsim).
//
// TestMain builds the binary once (CGO_ENABLED=0 go build
// ./cmd/zoom-connector, static as in the image; with -race and cgo when
// ZC_E2E_RACE=1); if the build fails every test skips and says why. Each test starts its own simulator on 127.0.0.1 with a canary app
// (a unique client id and secret), runs the binary as a child process with
// --log-level debug, and compares what it wrote, as canonical JSON, with
// the simulator's Truth. When a test ends, every stdout, stderr, state,
// output, results, ledger and dead-letter file it produced is scanned for
// the canary secret, base64(client_id:secret) and every access token the
// simulator issued. Each test logs a "summary:" line with its figures, and
// the package prints totals at the end (runs, kills, API requests, faults
// injected by kind, records compared, lost and duplicated, secrets found).
//
// What the tests prove:
//
//   - Token (token_test.go): a cold start with 16 workers makes exactly one
//     token request; tokens living 2 s are refreshed before they expire (no
//     401 reaches the server); tokens expired mid-run are refreshed once per
//     expiry; one 401 code 124 causes one refresh and one retry of that
//     request; a persistent 401 ends with a clear auth error, a non-zero exit
//     and a bounded number of token and API requests.
//   - Rate limits (ratelimit_test.go): per-second 429s with Retry-After are
//     waited out and the records equal the truth; a spent daily Heavy quota
//     stops the Heavy streams INCOMPLETE with a RATE_LIMITED reason and their
//     progress saved while the others complete, with at most one daily 429
//     per worker, and a resume after the reset completes them; 429 and 503
//     without Retry-After are tried 6 times with capped, jittered waits.
//   - Transport (transport_test.go): a read under mixed=0.1 (5xx, HTML pages,
//     resets, truncated bodies) plus hung answers (1 s request timeout) equals
//     the truth exactly, the child exits and no simulator goroutine is left.
//   - Pagination (pagination_test.go): a repeated next_page_token stops the
//     partition with an error naming the cycle and no duplicate; an expired
//     token restarts the partition and the records equal the truth.
//   - Crash and resume (resume_test.go, write_test.go): SIGKILL at random
//     points of a read (ten in CI), some the instant a temporary state file
//     appears (inotify), then a resume: the state file is valid and loads,
//     and first run plus resumed run is the full set (duplicates counted,
//     at-least-once); a write killed five times and finished with the same
//     ledger creates every registrant exactly once.
//   - Bad input (badinput_test.go, write_test.go): broken configs, future,
//     oversized or foreign states, unknown streams in a catalog or flag: exit
//     2 with the cause named, no request sent, earlier output and state files
//     untouched; a read failing part-way keeps the earlier files; malformed
//     rows are dead-lettered with the field named, the good rows registered.
//   - Secrets (secrets_test.go and every test's scan): hostile servers echo
//     the Basic header, the decoded secret and the bearer token in JSON, OAuth
//     and HTML error bodies; nothing of it reaches any output.
//   - Where credentials may go (hosts_test.go): http URLs, IP literals
//     (127.0.0.1, 169.254.169.254, [::1], decimal), user-info, look-alike
//     hosts, other ports, and redirects to hosts not allowed are refused; a
//     trap listener standing in for the attacker sees no connection, and a
//     redirect to another allowed host carries no Authorization header.
//
// Running:
//
//	go test -race ./e2e/                          # CI: about 2 minutes on 2 cores
//	ZC_SOAK=1 go test -race -timeout 30m ./e2e/   # soak: 40 read kill points, 20 write kills,
//	                                              # the mixed-fault read on the small dataset
//	ZC_E2E_RACE=1 go test ./e2e/                  # the binary itself built with -race
//
// Fuzzing (plain go test runs every target's seed corpus):
//
//	go test -run='^$' -fuzz=FuzzParse -fuzztime=60s ./internal/config/            # config loader
//	go test -run='^$' -fuzz=FuzzPages -fuzztime=60s ./connector/                  # paginator vs. fuzzed page chains
//	go test -run='^$' -fuzz=FuzzParseRetryAfter -fuzztime=60s ./internal/zoomapi/
//	go test -run='^$' -fuzz=FuzzDecodePage -fuzztime=60s ./internal/zoomapi/
//	go test -run='^$' -fuzz=FuzzEscapeMeetingUUID -fuzztime=60s ./internal/zoomapi/
//	go test -run='^$' -fuzz=FuzzCheckURL -fuzztime=60s ./internal/zoomapi/
//	go test -run='^$' -fuzz=FuzzRowParsers -fuzztime=60s ./connector/write/       # registrant rows (CSV, JSON lines)
//
// Go fuzzes one target per command; the registrant row parsers' targets
// live with the write command (connector/write).
package e2e
