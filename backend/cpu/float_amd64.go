//go:build amd64 && gc && !purego

package cpu

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useAVX512 is AVX-512 F with DQ (ggml's condition for its 512-bit expf).
var useAVX512 = useAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ

//go:noescape
func vecDotF32AVX512(x, y *float32, n int) float32

//go:noescape
func tileDotF32AVX512(a, b *float32, n int) float32

// tileDotF32 is one output of tinyBLAS for float32 rows (len(a) % 16 == 0).
func tileDotF32(a, b []float32) float32 {
	if len(a) > 0 && len(a)%tileStep == 0 {
		switch {
		case useAVX512:
			_ = b[len(a)-1]
			return tileDotF32AVX512(&a[0], &b[0], len(a))
		case useAVX2:
			_ = b[len(a)-1]
			return tileDotF32AVX2(&a[0], &b[0], len(a))
		}
	}
	return tileDotF32Generic(a, b)
}

//go:noescape
func axpyFMA(acc, v *float32, w float32, n int)

//go:noescape
func softmaxExpAVX512(s *float32, n int, mx float32) float64

//go:noescape
func swigluAVX512(out, gate, u *float32, n int)

// vecDotF32 is ggml_vec_dot_f32 (see vecDotF32Generic).
func vecDotF32(x, y []float32) float32 {
	if len(x) > 0 {
		switch {
		case useAVX512:
			_ = y[len(x)-1]
			return vecDotF32AVX512(&x[0], &y[0], len(x))
		case useAVX2:
			_ = y[len(x)-1]
			return vecDotF32AVX2(&x[0], &y[0], len(x))
		}
	}
	return vecDotF32Generic(x, y)
}

//go:noescape
func vecDotF32AVX2(x, y *float32, n int) float32

//go:noescape
func tileDotF32AVX2(a, b *float32, n int) float32

// axpy sets acc[i] = fma(v[i], w, acc[i]).
func axpy(acc, v []float32, w float32) {
	if useAVX2 && len(acc) > 0 {
		_ = v[len(acc)-1]
		axpyFMA(&acc[0], &v[0], w, len(acc))
		return
	}
	axpyGeneric(acc, v, w)
}

// softmaxExp replaces s[i] by exp(s[i]-mx) and returns their sum, both as
// ggml's AVX-512 soft_max computes them (see softmaxExpGeneric).
func softmaxExp(s []float32, mx float32) float64 {
	if useAVX512 && len(s) > 0 {
		return softmaxExpAVX512(&s[0], len(s), mx)
	}
	if n := len(s) &^ (vecLanes - 1); useAVX2 && n > 0 {
		// whole vectors in assembly, the last partial one in Go
		return softmaxExpAVX2(&s[0], n, mx) + softmaxExpGeneric(s[n:], mx)
	}
	return softmaxExpGeneric(s, mx)
}

//go:noescape
func softmaxExpAVX2(s *float32, n int, mx float32) float64

//go:noescape
func swigluAVX2(out, gate, u *float32, n int)

// swigluVec sets out[i] = siluVec(g[i])*u[i] for the first len(out)&^15.
func swigluVec(out, g, u []float32) {
	n := len(out) &^ (vecLanes - 1)
	if n > 0 && useAVX2 {
		_, _ = g[n-1], u[n-1]
		if useAVX512 {
			swigluAVX512(&out[0], &g[0], &u[0], n)
		} else {
			swigluAVX2(&out[0], &g[0], &u[0], n)
		}
		return
	}
	swigluVecGeneric(out[:n], g, u)
}

//go:noescape
func f16ToF32AVX2(dst *float32, src *uint16, n int)

// f16s widens little-endian halves to float32 (exact).
func f16s(dst []float32, src []byte) []float32 {
	if useAVX2 && len(dst) > 0 {
		_ = src[2*len(dst)-1]
		f16ToF32AVX2(&dst[0], (*uint16)(unsafe.Pointer(&src[0])), len(dst))
		return dst
	}
	return f16sGeneric(dst, src)
}

// vecDotF16 is ggml_vec_dot_f16 on halves already widened to float32 (see
// vecDotF16Generic): its vector part is vecDotF32's.
func vecDotF16(x, y []float32) float32 {
	np := len(x) &^ (vecStep - 1)
	if !useAVX2 || np == 0 {
		return vecDotF16Generic(x, y)
	}
	sum := float64(vecDotF32(x[:np], y[:np]))
	for i := np; i < len(x); i++ {
		sum += float64(x[i] * y[i])
	}
	return float32(sum)
}

//go:noescape
func addF32AVX2(dst, a, b *float32, n int)

//go:noescape
func scaleMulAVX2(dst, a, b *float32, s float32, n int)

// scaleMul sets dst[i] = (a[i]·s)·b[i], each product rounded (dst may be
// a or b).
func scaleMul(dst, a, b []float32, s float32) {
	if useAVX2 && len(dst) > 0 {
		_, _ = a[len(dst)-1], b[len(dst)-1]
		scaleMulAVX2(&dst[0], &a[0], &b[0], s, len(dst))
		return
	}
	scaleMulGeneric(dst, a, b, s)
}

// addF32 sets dst[i] = a[i] + b[i] (dst may be a or b).
func addF32(dst, a, b []float32) {
	if useAVX2 && len(dst) > 0 {
		_, _ = a[len(dst)-1], b[len(dst)-1]
		addF32AVX2(&dst[0], &a[0], &b[0], len(dst))
		return
	}
	addF32Generic(dst, a, b)
}

//go:noescape
func ropeAdjacentAVX2(x, cs, ss *float32, n int)

//go:noescape
func ropePairsAVX2(a, b, cs, ss *float32, n int)

// rotateAdjacent is rotateAdjacentGeneric.
func rotateAdjacent(x, cs, ss []float32) {
	n := 0
	if useAVX2 && len(x) >= 8 {
		n = len(x) &^ 7
		_, _ = cs[n-1], ss[n-1]
		ropeAdjacentAVX2(&x[0], &cs[0], &ss[0], n)
	}
	rotateAdjacentGeneric(x[n:], cs[n:], ss[n:])
}

// rotatePairs is rotatePairsGeneric.
func rotatePairs(a, b, cs, ss []float32) {
	n := 0
	if useAVX2 && len(a) >= 8 {
		n = len(a) &^ 7
		_, _, _ = b[n-1], cs[n-1], ss[n-1]
		ropePairsAVX2(&a[0], &b[0], &cs[0], &ss[0], n)
	}
	rotatePairsGeneric(a[n:], b[n:], cs[n:], ss[n:])
}

//go:noescape
func kqScoresAVX512(out, k *float32, kstride int, q *float32, hd, count int, scale float32)

//go:noescape
func axpyRowsAVX512(acc *float32, hd, mask, t0 int, v *float32, vstride int, w *float32, count int)

//go:noescape
func axpyRowsAVX2(acc *float32, hd, mask, t0 int, v *float32, vstride int, w *float32, count int)

//go:noescape
func kqScoresAVX2(out, k *float32, kstride int, q *float32, hd, count int, scale float32)

//go:noescape
func kqScores16AVX512(out, k *float32, kstride int, q *float32, hd, groups int, scale float32)

//go:noescape
func kqScores8AVX2(out, k *float32, kstride int, q *float32, hd, groups int, scale float32)

//go:noescape
func axpyRows64AVX512(acc *float32, mask, t0 int, v *float32, vstride int, w *float32, count int)

// kqScores sets out[c] = vecDotF32(k[c·stride:][:len(q)], q)·scale: for
// heads of 64 and 128, sixteen rows at a time on AVX-512 and eight on
// AVX2 (kqScores8AVX2: 1.3-1.9 times kqScoresAVX2's rows a second), the
// rows left over one by one.
func kqScores(out, k []float32, stride int, q []float32, scale float32) {
	if useAVX512 && len(out) > 0 && len(q) > 0 {
		_ = k[(len(out)-1)*stride+len(q)-1]
		if g := len(out) / 16; g > 0 && (len(q) == 64 || len(q) == 128) {
			kqScores16AVX512(&out[0], &k[0], 4*stride, &q[0], len(q), g, scale)
			if out = out[16*g:]; len(out) == 0 {
				return
			}
			k = k[16*g*stride:]
		}
		kqScoresAVX512(&out[0], &k[0], 4*stride, &q[0], len(q), len(out), scale)
		return
	}
	if useAVX2 && len(out) > 0 && len(q) > 0 {
		_ = k[(len(out)-1)*stride+len(q)-1]
		if g := len(out) / 8; g > 0 && (len(q) == 64 || len(q) == 128) {
			kqScores8AVX2(&out[0], &k[0], 4*stride, &q[0], len(q), g, scale)
			if out = out[8*g:]; len(out) == 0 {
				return
			}
			k = k[8*g*stride:]
		}
		kqScoresAVX2(&out[0], &k[0], 4*stride, &q[0], len(q), len(out), scale)
		return
	}
	kqScoresGeneric(out, k, stride, q, scale)
}

// axpyRows adds w[c]·v row c (rows stride apart, hd long) to acc row
// (t0+c)&mask, fused, for c < len(w).
func axpyRows(acc []float32, hd, mask, t0 int, v []float32, stride int, w []float32) {
	if useAVX2 && len(w) > 0 && hd > 0 {
		_ = v[(len(w)-1)*stride+hd-1]
		_ = acc[(mask+1)*hd-1]
		if useAVX512 && hd == 64 {
			axpyRows64AVX512(&acc[0], mask, t0, &v[0], 4*stride, &w[0], len(w))
			return
		}
		if useAVX512 && hd%16 == 0 {
			axpyRowsAVX512(&acc[0], hd, mask, t0, &v[0], 4*stride, &w[0], len(w))
			return
		}
		axpyRowsAVX2(&acc[0], hd, mask, t0, &v[0], 4*stride, &w[0], len(w))
		return
	}
	axpyRowsGeneric(acc, hd, mask, t0, v, stride, w)
}

//go:noescape
func maxF32AVX2(x *float32, n int) float32

//go:noescape
func scaleF32AVX2(x *float32, n int, s float32)

// maxF32 is maxF32Generic: by vmaxps where the machine has it, done
// again in Go where that found a zero (whose sign vmaxps takes from
// whichever operand comes second, Go's max from +0 first). A NaN among x
// may be passed over; a score's softmax is NaN then either way.
func maxF32(x []float32) float32 {
	if useAVX2 && len(x) > 0 {
		if m := maxF32AVX2(&x[0], len(x)); m != 0 {
			return m
		}
	}
	return maxF32Generic(x)
}

// scaleF32 sets x[i] *= s.
func scaleF32(x []float32, s float32) {
	if useAVX2 && len(x) > 0 {
		scaleF32AVX2(&x[0], len(x), s)
		return
	}
	scaleF32Generic(x, s)
}

//go:noescape
func f16RowsAVX2(dst *float32, src *uint16, rows, hd, stride int)

// f16Rows widens rows rows of hd halves, stride bytes apart in src, into
// dst, row after row: f16s on each, in one call where hd is a multiple of 8.
func f16Rows(dst []float32, src []byte, rows, hd, stride int) {
	if rows <= 0 || hd <= 0 {
		return
	}
	if useAVX2 && hd%8 == 0 {
		_ = dst[rows*hd-1]
		_ = src[(rows-1)*stride+2*hd-1]
		f16RowsAVX2(&dst[0], (*uint16)(unsafe.Pointer(&src[0])), rows, hd, stride)
		return
	}
	f16RowsGeneric(dst, src, rows, hd, stride)
}
