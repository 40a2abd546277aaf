package cpu

// Q2_K (256-element super-blocks) times Q8_K in the order of ggml's AVX2
// ggml_vec_dot_q2_K_q8_K. Per block, the minimums come first: lane l (0..7)
// takes the exact integer min[2l]·bsums[2l] + min[2l+1]·bsums[2l+1], fused
// as fma(−d_x·dmin_w, it, acc[l]); then lane l takes the exact integer sum,
// over the block's eight 32-element groups, of the 16-element sub-block's
// scale × level × activation at positions 4l..4l+3 of each group, fused as
// fma(d_x·d_w, it, acc[l]); hsum8 at the end.
const q2KBlock = 84 // 16 bytes of 4-bit scales and minimums, 64 bytes of 2-bit levels, d, dmin (F16)

// dotQ2_KLanes is the Go reference of that order over nb blocks.
func dotQ2_KLanes(nb int, w, x []byte) float32 {
	var acc [8]float32
	for b := range nb {
		wb, xb := w[b*q2KBlock:][:q2KBlock], x[b*q8KBlock:][:q8KBlock]
		yd := q8KScale(xb)
		d := yd * half(wb[80:])
		dmin := -yd * half(wb[82:])
		sc := wb[0:16]
		for l := range 8 {
			m := int32(sc[2*l]>>4)*q8KBsum(xb, 2*l) + int32(sc[2*l+1]>>4)*q8KBsum(xb, 2*l+1)
			acc[l] = fma32(dmin, float32(m), acc[l])
		}
		var lanes [8]int32
		for h := range 2 {
			qs := (*[32]byte)(wb[16+32*h:])
			for n := range 4 {
				y := (*[32]byte)(xb[4+128*h+32*n:])
				for l := range 8 {
					var a int32
					for e := 4 * l; e < 4*l+4; e++ {
						a += int32(qs[e]>>(2*n)&3) * int32(int8(y[e]))
					}
					lanes[l] += int32(sc[8*h+2*n+l/4]&15) * a
				}
			}
		}
		for l := range 8 {
			acc[l] = fma32(d, float32(lanes[l]), acc[l])
		}
	}
	return hsum8(&acc)
}

// dotRowsQ2_KGeneric sets out[r] to Q2_K weight row r (stride bytes apart)
// dotted with the Q8_K activations x.
func dotRowsQ2_KGeneric(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotQ2_KLanes(nb, w[r*stride:], x)
	}
}
