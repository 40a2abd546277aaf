//go:build race

package gguf

// raceEnabled makes the exhaustive tests sample more sparsely under the race
// detector, which slows parsing about tenfold.
const raceEnabled = true
