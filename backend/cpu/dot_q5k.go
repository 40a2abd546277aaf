package cpu

// Q5_K (256-element super-blocks) times Q8_K in the order of ggml's AVX2
// ggml_vec_dot_q5_K_q8_K: per block, lane l (0..7) holds the exact integer
// sum, over the block's 32-element groups, of sub-block scale × level
// (0..31) × activation at positions 4l..4l+3 of each group; it is converted
// to float and fused into the float lane as fma(d_x·d_w, lane, acc[l]). The
// minimums meet the activations' 32-element sums in one integer per block,
// fused into a scalar as summs = fma(−d_x·dmin_w, sum, summs) (ggml's
// summs += dmin*sum, contracted). The result is hsum8(acc) + summs.
const q5KBlock = 176 // d, dmin (F16), 12 bytes of 6-bit scales and minimums, 32 bytes of fifth bits, 128 bytes of nibbles

// dotQ5_KLanes is the Go reference of that order over nb blocks.
func dotQ5_KLanes(nb int, w, x []byte) float32 {
	var acc [8]float32
	var summs float32
	for b := range nb {
		wb, xb := w[b*q5KBlock:][:q5KBlock], x[b*q8KBlock:][:q8KBlock]
		yd := q8KScale(xb)
		d := yd * half(wb[0:])
		dmin := -yd * half(wb[2:])
		var sc [8]int32
		var mins int32
		for j := range 8 {
			s, m := q4KScaleMin(j, wb[4:16])
			sc[j] = s
			mins += m * (q8KBsum(xb, 2*j) + q8KBsum(xb, 2*j+1))
		}
		summs = fma32(dmin, float32(mins), summs)
		qh := (*[32]byte)(wb[16:48])
		var lanes [8]int32
		for j := range 4 {
			qs := (*[32]byte)(wb[48+32*j:])
			lo, hi := (*[32]byte)(xb[4+64*j:]), (*[32]byte)(xb[4+64*j+32:])
			for l := range 8 {
				var a, b int32
				for e := 4 * l; e < 4*l+4; e++ {
					a += int32(qs[e]&15|(qh[e]>>(2*j)&1)<<4) * int32(int8(lo[e]))
					b += int32(qs[e]>>4|(qh[e]>>(2*j+1)&1)<<4) * int32(int8(hi[e]))
				}
				lanes[l] += sc[2*j]*a + sc[2*j+1]*b
			}
		}
		for l := range 8 {
			acc[l] = fma32(d, float32(lanes[l]), acc[l])
		}
	}
	return hsum8(&acc) + summs
}

// dotRowsQ5_KGeneric sets out[r] to Q5_K weight row r (stride bytes apart)
// dotted with the Q8_K activations x.
func dotRowsQ5_KGeneric(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotQ5_KLanes(nb, w[r*stride:], x)
	}
}
