package cpu

import (
	"encoding/binary"
	"math"

	"github.com/tern-llm/tern/quant"
)

// Float dot products in the lane order of ggml's AVX-512 kernels: vecDot*
// is ggml_vec_dot_f32/f16 (four accumulators of 16 lanes over steps of 64,
// reduced, then the leftover elements one by one), used for a single token;
// tile* is llamafile's tinyBLAS (one accumulator of 16 lanes over the whole
// row, reduced), which ggml uses for two or more tokens when the row length
// is a multiple of 16.

const (
	vecStep  = 64 // GGML_F32_STEP: elements per step of the four accumulators
	tileStep = 16 // tinyBLAS: elements per step of its one accumulator
)

// reduceSteps folds the four accumulators as GGML_F32x16_REDUCE does.
func reduceSteps(s *[4][16]float32) float32 {
	for l := range 16 {
		s[0][l] += s[2][l]
		s[1][l] += s[3][l]
	}
	for l := range 16 {
		s[0][l] += s[1][l]
	}
	return reduce16(&s[0])
}

// vecDotF32Generic is ggml_vec_dot_f32: the leftovers are added one by one to a
// float32 sum, products rounded (llama.cpp's references show no contraction
// there).
func vecDotF32Generic(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	np := n &^ (vecStep - 1)
	var s [4][16]float32
	for i := 0; i < np; i += vecStep {
		for j := range 4 {
			for l := range 16 {
				k := i + 16*j + l
				s[j][l] = fma32(x[k], y[k], s[j][l])
			}
		}
	}
	sum := float32(0)
	if np > 0 {
		sum = reduceSteps(&s)
	}
	for i := np; i < n; i++ {
		sum += float32(x[i] * y[i])
	}
	return sum
}

// tileDotF32Generic is one output of tinyBLAS for float32 rows (len % 16 == 0).
func tileDotF32Generic(a, b []float32) float32 {
	b = b[:len(a)]
	var acc [16]float32
	for l := 0; l < len(a); l += tileStep {
		for i := range 16 {
			acc[i] = fma32(a[l+i], b[l+i], acc[i])
		}
	}
	return reduce16(&acc)
}

// f16sGeneric reads little-endian halves as float32.
func f16sGeneric(dst []float32, src []byte) []float32 {
	for i := range dst {
		dst[i] = quant.F16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
	return dst
}

// vecDotF16Generic is ggml_vec_dot_f16 on halves already widened to float32: the
// vector part as vecDotF32's, the leftovers as float32 products summed in
// float64.
func vecDotF16Generic(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	np := n &^ (vecStep - 1)
	var s [4][16]float32
	for i := 0; i < np; i += vecStep {
		for j := range 4 {
			for l := range 16 {
				k := i + 16*j + l
				s[j][l] = fma32(x[k], y[k], s[j][l])
			}
		}
	}
	var sum float64
	if np > 0 {
		sum = float64(reduceSteps(&s))
	}
	for i := np; i < n; i++ {
		sum += float64(x[i] * y[i])
	}
	return float32(sum)
}

// axpyGeneric sets acc[i] = fma(v[i], w, acc[i]).
func axpyGeneric(acc, v []float32, w float32) {
	v = v[:len(acc)]
	for i := range acc {
		acc[i] = fma32(v[i], w, acc[i])
	}
}

// kqScoresGeneric sets out[c] = vecDotF32(k row c, q)·scale, rows stride
// floats apart.
func kqScoresGeneric(out, k []float32, stride int, q []float32, scale float32) {
	for c := range out {
		out[c] = vecDotF32(k[c*stride:][:len(q)], q) * scale
	}
}

// axpyRowsGeneric adds w[c]·(v row c) to acc row (t0+c)&mask, fused.
func axpyRowsGeneric(acc []float32, hd, mask, t0 int, v []float32, stride int, w []float32) {
	for c, wc := range w {
		r := (t0 + c) & mask
		axpy(acc[r*hd:(r+1)*hd], v[c*stride:][:hd], wc)
	}
}

// maxF32Generic is the largest element of x (-Inf when x is empty), by
// Go's max: NaN if any is, +0 over -0.
func maxF32Generic(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

// scaleF32Generic sets x[i] *= s.
func scaleF32Generic(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

// f16RowsGeneric widens rows rows of hd halves, stride bytes apart in src,
// into dst row after row.
func f16RowsGeneric(dst []float32, src []byte, rows, hd, stride int) {
	for t := range rows {
		f16s(dst[t*hd:(t+1)*hd], src[t*stride:t*stride+2*hd])
	}
}
