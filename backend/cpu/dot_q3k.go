package cpu

// Q3_K (256-element super-blocks) times Q8_K in the order of ggml's AVX2
// ggml_vec_dot_q3_K_q8_K: per block, lane l (0..7) holds the exact integer
// sum, over the block's eight 32-element groups, of the 16-element
// sub-block's signed scale × (level − 4) × activation at positions
// 4l..4l+3 of each group; it is fused into the float lane as
// fma(d_x·d_w, lane, acc[l]); hsum8 at the end.
const q3KBlock = 110 // 32 bytes of high bits, 64 bytes of low 2 bits, 12 bytes of 6-bit scales, d (F16)

// q3KScaleOf is the signed scale (−32..31) of sub-block j from a Q3_K
// block's 12 packed bytes sc: low 4 bits from byte j (low nibble, j < 8) or
// j−8 (high nibble), high 2 bits from byte 8 + j%4 at bit 2·(j/4).
func q3KScaleOf(sc []byte, j int) int32 {
	lo := sc[j%8] >> (4 * (j / 8)) & 15
	hi := sc[8+j%4] >> (2 * (j / 4)) & 3
	return int32(lo|hi<<4) - 32
}

// dotQ3_KLanes is the Go reference of that order over nb blocks.
func dotQ3_KLanes(nb int, w, x []byte) float32 {
	var acc [8]float32
	for b := range nb {
		wb, xb := w[b*q3KBlock:][:q3KBlock], x[b*q8KBlock:][:q8KBlock]
		d := q8KScale(xb) * half(wb[108:])
		var sc [16]int32
		for j := range sc {
			sc[j] = q3KScaleOf(wb[96:108], j)
		}
		hm := (*[32]byte)(wb[0:32])
		var lanes [8]int32
		for h := range 2 {
			qs := (*[32]byte)(wb[32+32*h:])
			for n := range 4 {
				bit := 4*h + n
				y := (*[32]byte)(xb[4+128*h+32*n:])
				for l := range 8 {
					var a int32
					for e := 4 * l; e < 4*l+4; e++ {
						q := int32(qs[e]>>(2*n)&3) - 4 + 4*int32(hm[e]>>bit&1)
						a += q * int32(int8(y[e]))
					}
					lanes[l] += sc[8*h+2*n+l/4] * a
				}
			}
		}
		for l := range 8 {
			acc[l] = fma32(d, float32(lanes[l]), acc[l])
		}
	}
	return hsum8(&acc)
}

// dotRowsQ3_KGeneric sets out[r] to Q3_K weight row r (stride bytes apart)
// dotted with the Q8_K activations x.
func dotRowsQ3_KGeneric(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotQ3_KLanes(nb, w[r*stride:], x)
	}
}
