//go:build amd64 && gc && !purego

package cpu

import "unsafe"

//go:noescape
func axpyLanes4F16AVX512(acc *float32, accStride int, v *byte, blockSize, rowStride int, table *int32, shift, t, n int, w *float32, wStride int)

//go:noescape
func axpyLanes4AVX512(acc *float32, accStride int, v *byte, blockSize, rowStride int, table *int32, shift, t, n int, w *float32, wStride int)

// lanesFast reports whether axpyLanes4 has a vector path: groups then
// adds the values lane by lane.
func lanesFast() bool { return useAVX512 }

// axpyLanes4 is axpyLanes4Generic, on AVX-512 for rows of 64 floats.
func axpyLanes4(l *laneOps, t, n int) {
	if !useAVX512 || l.width != 64 {
		axpyLanes4Generic(l, t, n)
		return
	}
	if n <= 0 {
		return
	}
	l.check(t, n)
	f := axpyLanes4AVX512
	if l.f16 {
		f = axpyLanes4F16AVX512
	}
	f(&l.acc[0], 4*l.accStride, (*byte)(unsafe.Pointer(&l.v[l.vOff])), l.blockSize, l.rowStride,
		&l.table[0], l.shift, t, n, &l.w[t], 4*l.wStride)
}
