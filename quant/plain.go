package quant

import (
	"encoding/binary"
	"math"
)

// Block F32: one float32, 4 bytes little-endian.
// Block F16: one IEEE half, 2 bytes little-endian (see F16ToF32).
// Block BF16: one bfloat16, 2 bytes little-endian (see BF16ToF32).
//
// Their codec functions take a whole row (len(dst) or len(src) elements)
// rather than one element, so that a call per element does not dominate.

func dequantF32(dst []float32, src []byte) {
	src = src[:4*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func quantF32(dst []byte, src []float32) {
	dst = dst[:4*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

func dequantF16(dst []float32, src []byte) {
	src = src[:2*len(dst)]
	for i := range dst {
		dst[i] = f16At(src[2*i:])
	}
}

func quantF16(dst []byte, src []float32) {
	dst = dst[:2*len(src)]
	for i, v := range src {
		putF16(dst[2*i:], v)
	}
}

func dequantBF16(dst []float32, src []byte) {
	src = src[:2*len(dst)]
	for i := range dst {
		dst[i] = BF16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

func quantBF16(dst []byte, src []float32) {
	dst = dst[:2*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToBF16(v))
	}
}

// dotF32 is ggml_vec_dot_f32's scalar path: float32 products summed in float64.
func dotF32(n int, w, x []byte) float32 {
	var sum float64
	for i := range n {
		a := math.Float32frombits(binary.LittleEndian.Uint32(w[4*i:]))
		b := math.Float32frombits(binary.LittleEndian.Uint32(x[4*i:]))
		sum += float64(float32(a * b))
	}
	return float32(sum)
}

// dotF16 is ggml_vec_dot_f16's scalar path: the halves widened to float32,
// their float32 products summed in float64.
func dotF16(n int, w, x []byte) float32 {
	var sum float64
	for i := range n {
		sum += float64(float32(f16At(w[2*i:]) * f16At(x[2*i:])))
	}
	return float32(sum)
}

// dotBF16 is ggml_vec_dot_bf16's scalar path, as dotF16.
func dotBF16(n int, w, x []byte) float32 {
	var sum float64
	for i := range n {
		a := BF16ToF32(binary.LittleEndian.Uint16(w[2*i:]))
		b := BF16ToF32(binary.LittleEndian.Uint16(x[2*i:]))
		sum += float64(float32(a * b))
	}
	return float32(sum)
}
