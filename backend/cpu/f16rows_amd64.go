//go:build amd64 && gc && !purego

package cpu

import "unsafe"

//go:noescape
func dotRowsF16AVX512(out *float32, w *byte, stride int, x *float32, n int, rows int)

//go:noescape
func dotRowsF16AVX2(out *float32, w *byte, stride int, x *float32, n int, rows int)

//go:noescape
func dotRowsF16x4AVX512(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

//go:noescape
func dotRowsF32x4AVX512(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

//go:noescape
func dotRowsF16x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

//go:noescape
func dotRowsF32x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsF16 sets out[j] to F16 row j (stride bytes apart, len(x) halves)
// dotted with x, as dotRowsF16Generic: a one-token product's rows by the
// AVX-512 or AVX2 kernel (the leftovers past a multiple of 64 as
// vecDotF16 adds them, in float64).
func dotRowsF16(out []float32, w []byte, stride int, x []float32, tiled bool) {
	k := len(x)
	np := k &^ (vecStep - 1)
	if tiled || !useAVX2 || np == 0 || len(out) == 0 {
		dotRowsF16Generic(out, w, stride, x, tiled)
		return
	}
	_ = w[(len(out)-1)*stride+2*k-1]
	if useAVX512 {
		dotRowsF16AVX512(&out[0], &w[0], stride, &x[0], np, len(out))
	} else {
		dotRowsF16AVX2(&out[0], &w[0], stride, &x[0], np, len(out))
	}
	if np == k {
		return
	}
	for j := range out {
		sum := float64(out[j])
		row := w[j*stride:]
		for i := np; i < k; i++ {
			sum += float64(half(row[2*i:]) * x[i])
		}
		out[j] = float32(sum)
	}
}

// dotRowsF16x4 is dotRowsF16, tiled, for four tokens: out[t] for the
// floats x[t*k:(t+1)*k]. The outputs must be spaced evenly (as MatMul lays
// them out); it reports false where it cannot run.
func dotRowsF16x4(out [multiToken][]float32, w []byte, stride int, x []float32, k int) bool {
	return rowsFloatX4(dotRowsF16x4AVX512, dotRowsF16x4AVX2, 2, out, w, stride, x, k, func(out []float32, w []byte, x []float32) {
		dotRowsF16Generic(out, w, stride, x, true)
	})
}

// dotRowsF32x4 is tinyBLAS's order (tileDotF32) for float32 rows (stride
// bytes apart) and four tokens, as dotRowsF16x4.
func dotRowsF32x4(out [multiToken][]float32, w []byte, stride int, x []float32, k int) bool {
	return rowsFloatX4(dotRowsF32x4AVX512, dotRowsF32x4AVX2, 4, out, w, stride, x, k, func(out []float32, w []byte, x []float32) {
		for j := range out {
			out[j] = tileDotF32(unsafeF32(w[j*stride:])[:len(x)], x)
		}
	})
}

// rowsFloatX4 runs a four-token kernel of rows of k elements of size bytes
// (F16 or float32) in tinyBLAS's order, and reports whether it could: with
// AVX-512, wide on the rows a multiple of four and rest (a token at a
// time) on the others; with AVX2, narrow on every row.
func rowsFloatX4(wide, narrow kernelX4, size int, out [multiToken][]float32, w []byte, stride int, x []float32, k int, rest func(out []float32, w []byte, x []float32)) bool {
	rows := len(out[0])
	if !useAVX2 || k == 0 || k%tileStep != 0 || len(x) < multiToken*k {
		return false
	}
	xb := unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x))
	if !useAVX512 {
		return runX4(narrow, size*tileStep, 4*tileStep, out, w, stride, xb, 4*k, k/tileStep)
	}
	r4 := rows &^ 3
	if r4 > 0 {
		var o [multiToken][]float32
		for t := range o {
			o[t] = out[t][:r4]
		}
		if !runX4(wide, size*tileStep, 4*tileStep, o, w, stride, xb, 4*k, k/tileStep) {
			return false
		}
	}
	if r4 < rows {
		for t := range multiToken {
			rest(out[t][r4:rows], w[r4*stride:], x[t*k:(t+1)*k])
		}
	}
	return true
}
