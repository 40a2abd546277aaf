//go:build amd64 && gc && !purego

package cpu

import "unsafe"

//go:noescape
func svShort1AVX512(u *float32, segs *[8]*float32, w *float32, rowBytes, from, to, n int)

//go:noescape
func svShort2AVX512(u *float32, segs *[8]*float32, w *float32, rowBytes, from, to, n int)

//go:noescape
func svShort4AVX512(u *float32, segs *[8]*float32, w *float32, rowBytes, from, to, n int)

//go:noescape
func svShort8AVX512(u *float32, segs *[8]*float32, w *float32, rowBytes, from, to, n int)

// svShortFast reports whether svShort has a vector path: groups then
// takes one token's short softmax·V by it.
func svShortFast() bool { return useAVX512 }

// svShort is svShortGeneric, on AVX-512 for heads of a multiple of 16
// floats.
func svShort(sv *svShortOps, l0, l1, n int) {
	if !useAVX512 || sv.hd%16 != 0 {
		svShortGeneric(sv, l0, l1, n)
		return
	}
	if l0 >= l1 {
		return
	}
	sv.check(l0, l1, n)
	var segs [8]*float32
	for k, s := range sv.segs[:sv.m] {
		segs[k] = unsafe.SliceData(s)
	}
	u, w, rb := &sv.u[0], &sv.w[l0], 4*sv.hd
	switch sv.m {
	case 1:
		svShort1AVX512(u, &segs, w, rb, l0*rb, l1*rb, n)
	case 2:
		svShort2AVX512(u, &segs, w, rb, l0*rb, l1*rb, n)
	case 4:
		svShort4AVX512(u, &segs, w, rb, l0*rb, l1*rb, n)
	default:
		svShort8AVX512(u, &segs, w, rb, l0*rb, l1*rb, n)
	}
}
