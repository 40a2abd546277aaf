package cpu

import (
	"encoding/binary"
	"math"
)

// BF16 weights times BF16 activations in the order of ggml_vec_dot_bf16 on
// AVX-512 BF16 machines (the references' Zen 4): each 64 elements feed two
// sets of 16 float lanes, the first 32 elements one set and the next 32 the
// other; lane j takes its pair 2j+1 then 2j, each product (exact in float32)
// added with one rounding, as vdpbf16ps does. Each set is reduced as
// _mm512_reduce_add_ps (reduce16); the two sums and then every leftover
// product are added in float64, rounded to float32 at the end. vdpbf16ps
// also treats subnormal inputs and results as zero; these kernels do not,
// which matters only for values below 2^-126.
//
// The product of two bfloat16s is exact in float32, so the same lanes come
// out of plain AVX2 FMAs: the assembly runs the order above with 256-bit
// registers at every level.

// bf16At is element i of a BF16 row as float32.
func bf16At(b []byte, i int) float32 {
	return math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
}

// dotBF16Lanes is the Go reference of that order over n elements.
func dotBF16Lanes(n int, w, x []byte) float32 {
	var c [2][16]float32
	i := 0
	for ; i+64 <= n; i += 64 {
		for h := range 2 {
			for j := range 16 {
				e := i + 32*h + 2*j
				c[h][j] = fma32(bf16At(w, e+1), bf16At(x, e+1), c[h][j])
				c[h][j] = fma32(bf16At(w, e), bf16At(x, e), c[h][j])
			}
		}
	}
	sum := float64(reduce16(&c[0]))
	sum += float64(reduce16(&c[1]))
	for ; i < n; i++ {
		sum += float64(float32(bf16At(w, i) * bf16At(x, i)))
	}
	return float32(sum)
}

// dotRowsBF16Generic sets out[r] to BF16 weight row r (stride bytes apart,
// n elements) dotted with the BF16 activations x.
func dotRowsBF16Generic(out []float32, w []byte, stride int, x []byte, n int) {
	for r := range out {
		out[r] = dotBF16Lanes(n, w[r*stride:], x)
	}
}

// dotRowsBF16Each is dotRowsBF16 for four tokens, a token at a time:
// out[t] for the BF16 row at x[t*xb:] (the four-token kernel's rows that
// its assembly does not take, and all of them where there is none).
func dotRowsBF16Each(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) {
	for t := range multiToken {
		dotRowsBF16(out[t], w, stride, x[t*xb:], nb)
	}
}
