//go:build race

package modelgen_test

// raceEnabled: the race detector slows the reference quantizers and the
// forward pass ~20x, so the model tests try fewer formats under it.
const raceEnabled = true
