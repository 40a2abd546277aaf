package cpu

// IQ4_NL (32-element blocks: an F16 scale and 4-bit indices into a fixed
// table of 16 int8 levels) times Q8_0 in the order of ggml's AVX2
// ggml_vec_dot_iq4_nl_q8_0: blocks go in pairs, the first of each pair to
// one set of 8 float lanes and the second to another; per block, lane l
// holds the exact integer sum of levels × activations at elements
// 4l..4l+3, converted and fused in as fma(d_x·d_w, lane, acc[l]). The two
// sets are added lane by lane, then hsum8; an odd last block's whole
// integer sum is fused into that total as fma(d_x·d_w, sum, total) (ggml's
// scalar tail, sumf += d*sumi, contracted).
const iq4nlBlock = 18 // d (F16), 16 bytes of index nibbles

// iq4nlLevels is ggml's kvalues_iq4nl.
var iq4nlLevels = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// iq4nlVals unpacks an IQ4_NL block to its levels.
func iq4nlVals(v *[32]int8, b []byte) {
	for j := range 16 {
		v[j] = iq4nlLevels[b[2+j]&0x0f]
		v[j+16] = iq4nlLevels[b[2+j]>>4]
	}
}

// dotIQ4_NLLanes is the Go reference of that order over nb blocks.
func dotIQ4_NLLanes(nb int, w, x []byte) float32 {
	var v [32]int8
	return iq4nlOrder(nb, func(b int) (d float32, lanes [8]int32) {
		wb, xb := w[b*iq4nlBlock:][:iq4nlBlock], x[b*q8Block:][:q8Block]
		iq4nlVals(&v, wb)
		for e := range 32 {
			lanes[e/4] += int32(v[e]) * int32(int8(xb[2+e]))
		}
		return half(xb) * half(wb), lanes
	})
}

// iq4nlOrder sums nb blocks in that order, block(b) giving block b's
// d_x·d_w and its eight lanes' exact sums.
func iq4nlOrder(nb int, block func(b int) (float32, [8]int32)) float32 {
	var acc [2][8]float32
	b := 0
	for ; b+1 < nb; b += 2 {
		for h := range 2 {
			d, lanes := block(b + h)
			for l := range 8 {
				acc[h][l] = fma32(d, float32(lanes[l]), acc[h][l])
			}
		}
	}
	var sum [8]float32
	for l := range 8 {
		sum[l] = acc[0][l] + acc[1][l]
	}
	total := hsum8(&sum)
	if b < nb {
		d, lanes := block(b)
		var s int32
		for _, l := range lanes {
			s += l
		}
		total = fma32(d, float32(s), total)
	}
	return total
}

// dotRowsIQ4_NLGeneric sets out[r] to IQ4_NL weight row r (stride bytes
// apart) dotted with the Q8_0 activations x.
func dotRowsIQ4_NLGeneric(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotIQ4_NLLanes(nb, w[r*stride:], x)
	}
}
