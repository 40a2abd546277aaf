package cpu

import "math"

// Exponentials as ggml's CPU backend computes them on AVX-512: ggml_v_expf,
// a polynomial in fused multiply-adds adapted from Arm's optimized
// routines (errors up to about 2 ulp), for whole vectors of 16; the C
// library's expf for the elements left over. Softmax and SiLU use them, so
// attention weights and SwiGLU outputs round as llama.cpp's do.

// vecLanes is the width of ggml's float vectors on AVX-512.
const vecLanes = 16

// expVec is ggml_v_expf for one lane.
func expVec(x float32) float32 {
	const r = 0x1.8p23
	z := fma32(x, 0x1.715476p+0, r)
	n := z - r
	b := fma32(-n, 0x1.7f7d1cp-20, fma32(-n, 0x1.62e4p-1, x))
	u := b * b
	j := fma32(fma32(fma32(0x1.0e4020p-7, b, 0x1.573e2ep-5), u, fma32(0x1.555e66p-3, b, 0x1.fffdb6p-2)),
		u, fma32(0x1.ffffecp-1, b, 1))
	if abs32(n) > 192 {
		if n <= 0 {
			return 0
		}
		return float32(math.Inf(1))
	}
	return float32(math.Ldexp(float64(j), int(n))) // vscalefps
}

// expScalar is the C library's expf, correctly rounded.
func expScalar(x float32) float32 { return float32(math.Exp(float64(x))) }

// siluVec is ggml_v_silu for one lane: x/(1+exp(-x)).
func siluVec(x float32) float32 { return x / (1 + expVec(0-x)) }

// siluScalar is ggml_silu_f32.
func siluScalar(x float32) float32 { return x / (1 + expScalar(-x)) }

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// softmaxExpGeneric replaces s[i] by expVec(s[i]-mx) and returns their sum
// as ggml's soft_max forms it: each vector of 16 (the last padded with
// zeros) reduced in float32, the reductions added in float64.
func softmaxExpGeneric(s []float32, mx float32) float64 {
	var sum float64
	for b := 0; b < len(s); b += vecLanes {
		var v [16]float32
		for l := range min(vecLanes, len(s)-b) {
			e := expVec(s[b+l] - mx)
			s[b+l] = e
			v[l] = e
		}
		sum += float64(reduce16(&v))
	}
	return sum
}

// swigluVecGeneric sets out[i] = siluVec(g[i])*u[i].
func swigluVecGeneric(out, g, u []float32) {
	for i := range out {
		out[i] = siluVec(g[i]) * u[i]
	}
}
