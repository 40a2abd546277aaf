//go:build !amd64 || purego || !gc

package cpu

// axpyLanes16 adds w[c]·v row c (rows of hd floats, one after another)
// to accumulator row (t0+c) mod 16 (rows of hd), fused, for c < len(w):
// axpyRows.
func axpyLanes16(acc []float32, hd, t0 int, v, w []float32) {
	axpyRows(acc, hd, tileStep-1, t0, v, hd, w)
}
