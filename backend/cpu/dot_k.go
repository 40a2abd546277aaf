package cpu

import (
	"encoding/binary"
	"math"
)

// Q4_K and Q6_K (256-element super-blocks) times Q8_K in the order of ggml's
// AVX2 ggml_vec_dot_q4_K_q8_K and ggml_vec_dot_q6_K_q8_K. Per block, lane l
// (0..7) holds the exact integer sum, over the block's 32-element groups, of
// sub-block scale × level × activation at positions 4l..4l+3 of each group;
// it is converted to float and fused into the float lane as
// fma(d_x·d_w, lane, acc[l]); hsum8 at the end. Q4_K's minimums meet the
// activations' 32-element sums in four more float lanes (fma with
// −d_x·dmin_w), added together as (m0+m2)+(m1+m3) and to the total last.
const (
	q4KBlock = 144 // d, dmin (F16), 12 bytes of 6-bit scales and minimums, 128 bytes of nibbles
	q6KBlock = 210 // 128 bytes of low nibbles, 64 of high 2-bit pairs, 16 int8 scales, d (F16)
)

// q8KScale is a Q8_K block's scale; q8KBsum its 16-element sum j.
func q8KScale(xb []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(xb)) }

func q8KBsum(xb []byte, j int) int32 {
	return int32(int16(binary.LittleEndian.Uint16(xb[260+2*j:])))
}

// q4KScaleMin is get_scale_min_k4: the 6-bit scale and minimum of sub-block
// j (0..7) from a Q4_K block's 12 packed bytes q.
func q4KScaleMin(j int, q []byte) (sc, m int32) {
	if j < 4 {
		return int32(q[j] & 63), int32(q[j+4] & 63)
	}
	return int32(q[j+4]&0xf | (q[j-4]>>6)<<4), int32(q[j+4]>>4 | (q[j]>>6)<<4)
}

// dotQ4_KLanes is the Go reference of that order over nb blocks.
func dotQ4_KLanes(nb int, w, x []byte) float32 {
	var acc [8]float32
	var accm [4]float32
	for b := range nb {
		wb, xb := w[b*q4KBlock:][:q4KBlock], x[b*q8KBlock:][:q8KBlock]
		yd := q8KScale(xb)
		d := yd * half(wb[0:])
		dmin := -yd * half(wb[2:])
		var sc, mn [8]int32
		for j := range 8 {
			sc[j], mn[j] = q4KScaleMin(j, wb[4:16])
		}
		for i := range 4 {
			// mins · (32-element sums of the activations), two sub-blocks a lane
			s0 := q8KBsum(xb, 4*i) + q8KBsum(xb, 4*i+1)
			s1 := q8KBsum(xb, 4*i+2) + q8KBsum(xb, 4*i+3)
			accm[i] = fma32(dmin, float32(mn[2*i]*s0+mn[2*i+1]*s1), accm[i])
		}
		var lanes [8]int32
		for j := range 4 {
			qs := (*[32]byte)(wb[16+32*j:])
			lo, hi := (*[32]byte)(xb[4+64*j:]), (*[32]byte)(xb[4+64*j+32:])
			for l := range 8 {
				var a, b int32
				for e := 4 * l; e < 4*l+4; e++ {
					a += int32(qs[e]&15) * int32(int8(lo[e]))
					b += int32(qs[e]>>4) * int32(int8(hi[e]))
				}
				lanes[l] += sc[2*j]*a + sc[2*j+1]*b
			}
		}
		for l := range 8 {
			acc[l] = fma32(d, float32(lanes[l]), acc[l])
		}
	}
	m := (accm[0] + accm[2]) + (accm[1] + accm[3])
	return hsum8(&acc) + m
}

// dotQ6_KLanes is the Go reference of that order over nb blocks.
func dotQ6_KLanes(nb int, w, x []byte) float32 {
	var acc [8]float32
	for b := range nb {
		wb, xb := w[b*q6KBlock:][:q6KBlock], x[b*q8KBlock:][:q8KBlock]
		d := q8KScale(xb) * half(wb[208:])
		var lanes [8]int32
		for h := range 2 {
			ql, qh := (*[64]byte)(wb[64*h:]), (*[32]byte)(wb[128+32*h:])
			for n := range 4 {
				// levels 128h+32n+e: nibble n/2 of ql[32(n%2)+e], bits 2n of qh[e]
				q8 := (*[32]byte)(xb[4+128*h+32*n:])
				sc := wb[192+8*h+2*n:]
				for l := range 8 {
					var a int32
					for e := 4 * l; e < 4*l+4; e++ {
						v := int32(ql[32*(n%2)+e]>>(4*(n/2))&15 | (qh[e]>>(2*n)&3)<<4)
						a += (v - 32) * int32(int8(q8[e]))
					}
					lanes[l] += int32(int8(sc[l/4])) * a
				}
			}
		}
		for l := range 8 {
			acc[l] = fma32(d, float32(lanes[l]), acc[l])
		}
	}
	return hsum8(&acc)
}

// dotRowsQ4_KGeneric sets out[r] to Q4_K weight row r (stride bytes apart)
// dotted with the Q8_K activations x.
func dotRowsQ4_KGeneric(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotQ4_KLanes(nb, w[r*stride:], x)
	}
}

// dotRowsQ6_KGeneric is dotRowsQ4_KGeneric for Q6_K weights.
func dotRowsQ6_KGeneric(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotQ6_KLanes(nb, w[r*stride:], x)
	}
}
