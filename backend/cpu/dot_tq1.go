package cpu

import (
	"encoding/binary"
	"math"
)

// TQ1_0 (ternary, five trits a byte) times Q8_K in the order of ggml's AVX2
// ggml_vec_dot_tq1_0_q8_K. A block's 256 trits (0..2) form eight 32-byte
// vectors: trit n (0..4) of bytes 0..31; then, over bytes 32..47, trits
// 0|1, 2|3 and 4|(the four-trit bytes 48..51); vector v meets activations
// 32v..32v+31. Lane l holds the integer sum, over the vectors, of trit ×
// activation at positions 4l..4l+3, less the activations' 16-element sums
// bsums[2l] and bsums[2l+1] (so the trits count as −1, 0, 1); converted to
// float, multiplied by d = d_x·d_w and added to the lane (not fused, as
// TQ2_0); hsum8 at the end.
const tq1Block = 54 // 48 bytes of five trits, 4 bytes of four trits, d (F16)

// tq1Pow3 is 3^n for the trit extraction.
var tq1Pow3 = [5]uint8{1, 3, 9, 27, 81}

// tq1Trit is trit n (0..4) of a packed byte: ggml's (uint8(q·3^n)·3) >> 8,
// which its AVX2 kernel's averaging trick computes too.
func tq1Trit(q uint8, n int) int32 { return int32(uint16(q*tq1Pow3[n]) * 3 >> 8) }

// dotTQ1_0Lanes is the Go reference of that order over nb blocks.
func dotTQ1_0Lanes(nb int, w, x []byte) float32 {
	var acc [8]float32
	for b := range nb {
		wb, xb := w[b*tq1Block:][:tq1Block], x[b*q8KBlock:][:q8KBlock]
		q8 := xb[4 : 4+256]
		var lanes [8]int32
		for v := range 8 {
			for e := range 32 {
				var t int32
				switch {
				case v < 5:
					t = tq1Trit(wb[e], v)
				case v < 7 || e < 16:
					t = tq1Trit(wb[32+e%16], 2*(v-5)+e/16)
				default:
					t = tq1Trit(wb[48+(e-16)%4], (e-16)/4)
				}
				lanes[e/4] += t * int32(int8(q8[32*v+e]))
			}
		}
		d := math.Float32frombits(binary.LittleEndian.Uint32(xb)) * half(wb[52:])
		for l := range 8 {
			lanes[l] -= q8KBsum(xb, 2*l) + q8KBsum(xb, 2*l+1)
			acc[l] += float32(float32(lanes[l]) * d)
		}
	}
	return hsum8(&acc)
}

// dotRowsTQ1_0Generic sets out[r] to TQ1_0 weight row r (stride bytes
// apart) dotted with the Q8_K activations x.
func dotRowsTQ1_0Generic(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotTQ1_0Lanes(nb, w[r*stride:], x)
	}
}
