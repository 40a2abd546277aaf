//go:build race

package quant_test

// raceEnabled: the race detector slows the reference code ~15x, so the
// synth-tiny byte comparison samples rows instead of taking them all.
const raceEnabled = true
