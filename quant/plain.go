package quant

import (
	"encoding/binary"
	"math"
)

// Block F32: one float32, 4 bytes little-endian.
// Block F16: one IEEE half, 2 bytes little-endian (see F16ToF32).
// Block BF16: one bfloat16, 2 bytes little-endian (see BF16ToF32).

func dequantF32(dst []float32, src []byte) {
	dst[0] = math.Float32frombits(binary.LittleEndian.Uint32(src))
}

func quantF32(dst []byte, src []float32) {
	binary.LittleEndian.PutUint32(dst, math.Float32bits(src[0]))
}

func dequantF16(dst []float32, src []byte) { dst[0] = f16At(src) }

func quantF16(dst []byte, src []float32) { putF16(dst, src[0]) }

func dequantBF16(dst []float32, src []byte) {
	dst[0] = BF16ToF32(binary.LittleEndian.Uint16(src))
}

func quantBF16(dst []byte, src []float32) {
	binary.LittleEndian.PutUint16(dst, F32ToBF16(src[0]))
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
