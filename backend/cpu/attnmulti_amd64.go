//go:build amd64 && gc && !purego

package cpu

//go:noescape
func axpyLanes16AVX512(acc *float32, accStride int, v *float32, vStride int, w *float32, count int)

// axpyLanes16 adds w[c]·v row c (hd floats, rows stride floats apart) to
// accumulator row (t0+c) mod 16 (rows of hd), fused, for c < len(w):
// what axpyRows(acc, hd, 15, t0, v, stride, w) adds, on AVX-512 a row's
// positions at a time for heads of a multiple of 64 floats and t0 a
// multiple of 16.
func axpyLanes16(acc []float32, hd, t0 int, v []float32, stride int, w []float32) {
	n := len(w)
	if !useAVX512 || hd%64 != 0 || n == 0 || t0%tileStep != 0 {
		axpyRows(acc, hd, tileStep-1, t0, v, stride, w)
		return
	}
	_ = acc[min(n, tileStep)*hd-1]
	_ = v[(n-1)*stride+hd-1]
	for part := 0; part < hd; part += 64 {
		axpyLanes16AVX512(&acc[part], 4*hd, &v[part], 4*stride, &w[0], n)
	}
}
