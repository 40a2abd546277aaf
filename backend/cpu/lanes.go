package cpu

import "math"

// The x86 kernels of ggml keep partial sums in vector lanes and add the lanes
// together at the end in a fixed tree. Tern's plain-Go kernels keep the same
// lanes and the same trees, so that they round exactly as llama.cpp does on
// the machines its references were made on (AVX2/AVX-512), and the assembly
// kernels can be checked against them bit for bit.

// fma32 is the float32 fused multiply-add a*b+c with a single rounding, as
// the vfmadd instructions compute it. The product is exact in float64; the
// sum is rounded once to float64 and then to float32, which can differ from
// a single rounding only when the float64 sum lies exactly halfway between
// two float32 values, a case the sum's exact error decides.
func fma32(a, b, c float32) float32 {
	s := math.FMA(float64(a), float64(b), float64(c))
	bits := math.Float64bits(s)
	// Only a float64 result with exactly a float32 half-ulp left below it
	// (low 29 mantissa bits 1000…0), or one in float32's subnormal range,
	// can round differently from the exact value.
	if bits&(1<<29-1) != 1<<28 && (math.Abs(s) >= 0x1p-126 || s == 0) {
		return float32(s)
	}
	return fma32Slow(a, b, c)
}

// fma32Slow rounds a*b+c exactly: the product is exact in float64, the sum's
// rounding error is recovered (TwoSum) and decides the ties.
func fma32Slow(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	r := float32(s)
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return r
	}
	bb := s - p
	e := (p - (s - bb)) + (float64(c) - bb) // s + e == p + c exactly
	if e == 0 {
		return r
	}
	t := float64(r)
	if t == s {
		return r
	}
	o := math.Nextafter32(r, float32(math.Copysign(math.Inf(1), s-t)))
	if float64(o)-s != s-t {
		return r // s is not a midpoint: its rounding is the right one
	}
	// s is the midpoint of r and o; the exact value lies on e's side.
	if (e > 0) == (o > r) {
		return o
	}
	return r
}

// hsum8 adds 8 lanes as ggml's hsum_float_8 does: the upper half onto the
// lower, then pairs, then the last two.
func hsum8(x *[8]float32) float32 {
	a0, a1, a2, a3 := x[0]+x[4], x[1]+x[5], x[2]+x[6], x[3]+x[7]
	return (a0 + a2) + (a1 + a3)
}

// reduce16 adds 16 lanes as _mm512_reduce_add_ps does (GCC and Clang):
// halves of 8, 4, 2, then 1.
func reduce16(x *[16]float32) float32 {
	var t [8]float32
	for i := range t {
		t[i] = x[i] + x[i+8]
	}
	u0, u1, u2, u3 := t[0]+t[4], t[1]+t[5], t[2]+t[6], t[3]+t[7]
	return (u0 + u2) + (u1 + u3)
}
