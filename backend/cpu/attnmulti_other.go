//go:build !amd64 || purego || !gc

package cpu

// axpyLanes16 adds w[c]·v row c (hd floats, rows stride floats apart) to
// accumulator row (t0+c) mod 16 (rows of hd), fused, for c < len(w):
// axpyRows.
func axpyLanes16(acc []float32, hd, t0 int, v []float32, stride int, w []float32) {
	axpyRows(acc, hd, tileStep-1, t0, v, stride, w)
}
