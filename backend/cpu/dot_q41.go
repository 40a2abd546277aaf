package cpu

// Q4_1 and Q5_1 (32-element blocks with a scale and a minimum) times Q8_1
// in the order of ggml's AVX2 ggml_vec_dot_q4_1_q8_1 and
// ggml_vec_dot_q5_1_q8_1: per block, lane l (0..7) holds the exact integer
// sum of levels (unsigned) × activations at elements 4l..4l+3, converted to
// float and fused into the lane as fma(d_w·d_x, lane, acc[l]). The minimums
// meet the activations' scaled sums s in one scalar,
// summs = fma(m_w, s_x, summs): ggml writes summs += m*s, which compilers
// targeting FMA machines contract. The result is hsum8(acc) + summs.
const (
	q41Block = 20 // d, m (F16), 16 bytes of nibbles
	q81Block = 36 // d, s (F16), 32 int8 quants
)

// q41Vals unpacks a Q4_1 block to its levels (0..15).
func q41Vals(v *[32]int8, b []byte) {
	for j := range 16 {
		v[j] = int8(b[4+j] & 0x0f)
		v[j+16] = int8(b[4+j] >> 4)
	}
}

// dotLanes8Min is that order over nb blocks of weights (bb bytes each,
// levels unpacked by vals) and Q8_1 activations.
func dotLanes8Min(nb, bb int, w, x []byte, vals func(*[32]int8, []byte)) float32 {
	var acc [8]float32
	var summs float32
	var v [32]int8
	for b := range nb {
		wb, xb := w[b*bb:][:bb], x[b*q81Block:][:q81Block]
		vals(&v, wb)
		summs = fma32(half(wb[2:]), half(xb[2:]), summs)
		d := half(wb) * half(xb)
		for l := range 8 {
			var s int32
			for e := 4 * l; e < 4*l+4; e++ {
				s += int32(v[e]) * int32(int8(xb[4+e]))
			}
			acc[l] = fma32(d, float32(s), acc[l])
		}
	}
	return hsum8(&acc) + summs
}

// dotQ4_1Lanes is the Go reference for Q4_1 rows.
func dotQ4_1Lanes(nb int, w, x []byte) float32 { return dotLanes8Min(nb, q41Block, w, x, q41Vals) }

// dotRowsQ4_1Generic sets out[r] to Q4_1 weight row r (stride bytes apart)
// dotted with the Q8_1 activations x.
func dotRowsQ4_1Generic(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotQ4_1Lanes(nb, w[r*stride:], x)
	}
}
