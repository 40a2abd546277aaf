//go:build arm64 && gc && !purego

package cpu

import "unsafe"

// NEON float kernels. Each takes the whole vectors it can in assembly and
// leaves the rest to the Go reference, whose order it keeps (see
// dot_float.go); the others are the Go reference itself.

// neonChunk is the element count the one-pass NEON kernels (f16s, axpy,
// addF32) take at a time: two 4-lane registers.
const neonChunk = 8

//go:noescape
func vecDotF32NEON(x, y *float32, n int) float32

//go:noescape
func tileDotF32NEON(a, b *float32, n int) float32

//go:noescape
func f16ToF32NEON(dst *float32, src *uint16, n int)

//go:noescape
func axpyNEON(acc, v *float32, w float32, n int)

//go:noescape
func addF32NEON(dst, a, b *float32, n int)

// vecDotF32 is ggml_vec_dot_f32 (see vecDotF32Generic).
func vecDotF32(x, y []float32) float32 {
	n := len(x)
	np := n &^ (vecStep - 1)
	if !useNEON || np == 0 {
		return vecDotF32Generic(x, y)
	}
	y = y[:n]
	sum := vecDotF32NEON(&x[0], &y[0], np)
	for i := np; i < n; i++ {
		sum += float32(x[i] * y[i])
	}
	return sum
}

// vecDotF16 is ggml_vec_dot_f16 on halves already widened to float32 (see
// vecDotF16Generic): its vector part is vecDotF32's.
func vecDotF16(x, y []float32) float32 {
	n := len(x)
	np := n &^ (vecStep - 1)
	if !useNEON || np == 0 {
		return vecDotF16Generic(x, y)
	}
	y = y[:n]
	sum := float64(vecDotF32NEON(&x[0], &y[0], np))
	for i := np; i < n; i++ {
		sum += float64(x[i] * y[i])
	}
	return float32(sum)
}

// tileDotF32 is one output of tinyBLAS for float32 rows (len(a) % 16 == 0).
func tileDotF32(a, b []float32) float32 {
	if useNEON && len(a) > 0 && len(a)%tileStep == 0 {
		_ = b[len(a)-1]
		return tileDotF32NEON(&a[0], &b[0], len(a))
	}
	return tileDotF32Generic(a, b)
}

// f16s widens little-endian halves to float32 (exact).
func f16s(dst []float32, src []byte) []float32 {
	n := len(dst) &^ (neonChunk - 1)
	if !useNEON || n == 0 {
		return f16sGeneric(dst, src)
	}
	_ = src[2*len(dst)-1]
	f16ToF32NEON(&dst[0], (*uint16)(unsafe.Pointer(&src[0])), n)
	f16sGeneric(dst[n:], src[2*n:])
	return dst
}

// axpy sets acc[i] = fma(v[i], w, acc[i]).
func axpy(acc, v []float32, w float32) {
	n := len(acc) &^ (neonChunk - 1)
	if useNEON && n > 0 {
		_ = v[len(acc)-1]
		axpyNEON(&acc[0], &v[0], w, n)
	} else {
		n = 0
	}
	axpyGeneric(acc[n:], v[n:len(acc)], w)
}

// addF32 sets dst[i] = a[i] + b[i] (dst may be a or b).
func addF32(dst, a, b []float32) {
	n := len(dst) &^ (neonChunk - 1)
	if useNEON && n > 0 {
		_, _ = a[len(dst)-1], b[len(dst)-1]
		addF32NEON(&dst[0], &a[0], &b[0], n)
	} else {
		n = 0
	}
	addF32Generic(dst[n:], a[n:], b[n:])
}

//go:noescape
func softmaxExpNEON(s *float32, n int, mx float32) float64

//go:noescape
func swigluNEON(out, gate, u *float32, n int)

// softmaxExp replaces s[i] by exp(s[i]-mx) and returns their sum, both as
// ggml's AVX-512 soft_max computes them (see softmaxExpGeneric): whole
// vectors of 16 in assembly, the last partial one in Go.
func softmaxExp(s []float32, mx float32) float64 {
	n := len(s) &^ (vecLanes - 1)
	if !useNEON || n == 0 {
		return softmaxExpGeneric(s, mx)
	}
	return softmaxExpNEON(&s[0], n, mx) + softmaxExpGeneric(s[n:], mx)
}

// swigluVec sets out[i] = siluVec(g[i])*u[i] for the first len(out)&^15.
func swigluVec(out, g, u []float32) {
	n := len(out) &^ (vecLanes - 1)
	if !useNEON || n == 0 {
		swigluVecGeneric(out[:n], g, u)
		return
	}
	_, _ = g[n-1], u[n-1]
	swigluNEON(&out[0], &g[0], &u[0], n)
}

//go:noescape
func ropeAdjacentNEON(x, cs, ss *float32, n int)

//go:noescape
func ropePairsNEON(a, b, cs, ss *float32, n int)

// rotateAdjacent is rotateAdjacentGeneric.
func rotateAdjacent(x, cs, ss []float32) {
	n := 0
	if useNEON && len(x) >= neonChunk {
		n = len(x) &^ (neonChunk - 1)
		_, _ = cs[n-1], ss[n-1]
		ropeAdjacentNEON(&x[0], &cs[0], &ss[0], n)
	}
	rotateAdjacentGeneric(x[n:], cs[n:], ss[n:])
}

// rotatePairs is rotatePairsGeneric.
func rotatePairs(a, b, cs, ss []float32) {
	n := 0
	if useNEON && len(a) >= 4 {
		n = len(a) &^ 3
		_, _, _ = b[n-1], cs[n-1], ss[n-1]
		ropePairsNEON(&a[0], &b[0], &cs[0], &ss[0], n)
	}
	rotatePairsGeneric(a[n:], b[n:], cs[n:], ss[n:])
}

func kqScores(out, k []float32, stride int, q []float32, scale float32) {
	kqScoresGeneric(out, k, stride, q, scale)
}

func axpyRows(acc []float32, hd, mask, t0 int, v []float32, stride int, w []float32) {
	axpyRowsGeneric(acc, hd, mask, t0, v, stride, w)
}

// scaleMul is scaleMulGeneric.
func scaleMul(dst, a, b []float32, s float32) { scaleMulGeneric(dst, a, b, s) }

// maxF32 is maxF32Generic.
func maxF32(x []float32) float32 { return maxF32Generic(x) }

// scaleF32 is scaleF32Generic.
func scaleF32(x []float32, s float32) { scaleF32Generic(x, s) }

// f16Rows is f16RowsGeneric (f16s a row at a time).
func f16Rows(dst []float32, src []byte, rows, hd, stride int) {
	f16RowsGeneric(dst, src, rows, hd, stride)
}
