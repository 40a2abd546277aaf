//go:build amd64 && gc && !purego

package cpu

//go:noescape
func axpyLanes16AVX512(acc *float32, accStride int, v *float32, vStride int, w *float32, count int)

//go:noescape
func axpyLanes16AVX2(acc *float32, accStride int, v *float32, vStride int, w *float32, count int)

// axpyLanes16 adds w[c]·v row c (hd floats, rows stride floats apart) to
// accumulator row (t0+c) mod 16 (rows of hd), fused, for c < len(w):
// what axpyRows(acc, hd, 15, t0, v, stride, w) adds, a row's positions at
// a time for t0 a multiple of 16 and heads of a multiple of 64 floats
// (AVX-512) or 32 (AVX2).
func axpyLanes16(acc []float32, hd, t0 int, v []float32, stride int, w []float32) {
	n := len(w)
	part, kernel := 0, axpyLanes16AVX2
	switch {
	case useAVX512 && hd%64 == 0:
		part, kernel = 64, axpyLanes16AVX512
	case useAVX2 && hd%32 == 0:
		part = 32
	}
	if part == 0 || n == 0 || t0%tileStep != 0 {
		axpyRows(acc, hd, tileStep-1, t0, v, stride, w)
		return
	}
	_ = acc[min(n, tileStep)*hd-1]
	_ = v[(n-1)*stride+hd-1]
	for p := 0; p < hd; p += part {
		kernel(&acc[p], 4*hd, &v[p], 4*stride, &w[0], n)
	}
}
