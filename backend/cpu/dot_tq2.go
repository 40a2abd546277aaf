package cpu

import (
	"encoding/binary"
	"math"
)

// TQ2_0 (ternary, 2 bits a weight) times Q8_K in the order of ggml's AVX2
// ggml_vec_dot_tq2_0_q8_K: per 256-element block, lane l holds the integer
// sum, over the block's eight 32-element groups, of the stored levels
// (0, 1, 2) times the activations at positions 4l..4l+3 of each group, less
// the activations' 16-element sums bsums[2l] and bsums[2l+1] (so that the
// levels count as -1, 0, 1); converted to float, multiplied by
// d = d_x·d_w and added to the lane (not fused); hsum8 at the end.
const (
	tq2Block = 66  // bytes of a TQ2_0 block: 64 bytes of levels, then d
	q8KBlock = 292 // bytes of a Q8_K block: float32 d, 256 quants, 16 sums
)

// dotTQ2_0Lanes is the Go reference of that order over nb blocks.
func dotTQ2_0Lanes(nb int, w, x []byte) float32 {
	var acc [8]float32
	for b := range nb {
		wb, xb := w[b*tq2Block:][:tq2Block], x[b*q8KBlock:][:q8KBlock]
		yd := math.Float32frombits(binary.LittleEndian.Uint32(xb))
		q8 := xb[4 : 4+256]
		var lanes [8]int32
		for h := range 2 {
			for n := range 4 {
				for e := range 32 {
					t := int32(wb[32*h+e]>>(2*n)) & 3
					lanes[e/4] += t * int32(int8(q8[128*h+32*n+e]))
				}
			}
		}
		d := yd * half(wb[64:])
		for l := range 8 {
			bs := int32(int16(binary.LittleEndian.Uint16(xb[260+4*l:]))) +
				int32(int16(binary.LittleEndian.Uint16(xb[262+4*l:])))
			acc[l] += float32(float32(lanes[l]-bs) * d)
		}
	}
	return hsum8(&acc)
}

// dotRowsTQ2_0Generic sets out[r] to TQ2_0 weight row r (stride bytes
// apart) dotted with the Q8_K activations x.
func dotRowsTQ2_0Generic(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotTQ2_0Lanes(nb, w[r*stride:], x)
	}
}
