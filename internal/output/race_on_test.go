//go:build race

package output

// raceEnabled is true under -race, whose instrumentation allocates on its
// own, so allocation counts are measured only without it.
const raceEnabled = true
