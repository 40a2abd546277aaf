package cpu

import "github.com/tern-llm/tern/quant"

// IQ4_NL weights with a multiple of 16 rows are repacked, where the
// machine has AVX-512 VNNI (wideIQ4NL), in groups of 16 rows, one lane a
// row, and summed in the order of ggml's AVX2 ggml_vec_dot_iq4_nl_q8_0
// (dotIQ4_NLLanes): blocks in pairs, the first of each pair into one set
// of eight float lanes and the second into another, the sets added lane by
// lane and hsum8, an odd last block's whole sum fused into the total. A
// block of the group is 288 bytes: the 16 rows' d (halves, row order),
// then four chunks c of 64 bytes, byte 4r+i quant byte 4c+i of row r
// (elements 4c+i, low nibble, and 16+4c+i), so that chunk c holds ggml's
// lanes c and c+4. The kernels look each index up as its level plus 128
// (vpshufb: unsigned, as vpdpbusd takes it) and start each lane's sum from
// the record's −128·Σx over the lane (fillIQ4NLWide).
const iq4nlWideBlock = q4WideRows * iq4nlBlock

// repackIQ4NLGroups repacks groups lo…hi-1 of 16 rows of nb IQ4_NL blocks.
func repackIQ4NLGroups(dst, src []byte, lo, hi, nb int) {
	rb := nb * iq4nlBlock
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*iq4nlWideBlock:][:nb*iq4nlWideBlock]
		for b := range nb {
			out := group[b*iq4nlWideBlock:][:iq4nlWideBlock]
			for r := range q4WideRows {
				blk := rows[r*rb+b*iq4nlBlock:][:iq4nlBlock]
				copy(out[2*r:2*r+2], blk[0:2])
				for c := range 4 {
					copy(out[32+64*c+4*r:][:4], blk[2+4*c:][:4])
				}
			}
		}
	}
}

// fillIQ4NLWide sets a from the Q8_0 row q of nb blocks: a.q to q, a.d[b]
// to block b's d_x and a.bias[8b+l] to −128 times the sum of its lane l's
// activations.
func fillIQ4NLWide(a *q4Act, q []byte, nb int) { fillLaneSums(a, q, nb, -128) }

// dotWideIQ4_NLGeneric sets out[16g+r] to row r of 16-row group g of
// repacked IQ4_NL (len(out)/16 groups of nb blocks) dotted with the Q8_0
// activations a (fillIQ4NLWide), in ggml's order.
func dotWideIQ4_NLGeneric(out []float32, w []byte, nb int, a *q4Act) {
	for g := range len(out) / q4WideRows {
		group := w[g*nb*iq4nlWideBlock:][:nb*iq4nlWideBlock]
		for r := range q4WideRows {
			out[g*q4WideRows+r] = iq4nlOrder(nb, func(b int) (float32, [8]int32) {
				blk := group[b*iq4nlWideBlock:][:iq4nlWideBlock]
				x := a.q[b*q8Block+2:][:32]
				var lanes [8]int32
				for l := range 8 {
					c, h := l%4, l/4
					s := a.bias[8*b+l]
					for i := range 4 {
						v := int32(iq4nlLevels[blk[32+64*c+4*r+i]>>(4*h)&15]) + 128
						s += v * int32(int8(x[4*l+i]))
					}
					lanes[l] = s
				}
				return half(blk[2*r:]) * a.d[b], lanes
			})
		}
	}
}

// dotWideIQ4_NLTwo is dotWideIQ4_NL on two runs of groups, one after the
// other: the kernel's two sets of lanes fill the registers a second run
// would need.
func dotWideIQ4_NLTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideIQ4_NL(outA, wA, nb, a)
	dotWideIQ4_NL(outB, wB, nb, a)
}

// wideIQ4NLKernel is pickKernel's kernel for an n-token product with
// IQ4_NL weights that it takes repacked (wideKernel): the Q8_0
// activations' lane sums and scales gathered (prep).
func (d *Device) wideIQ4NLKernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	kern, acts, bias, ds := d.wideKernel(quant.IQ4_NL, n, m, nb, wb, packed, transient, wideKernels{8, dotWideIQ4_NL, dotWideIQ4_NLTwo, dotWideIQ4_NLx4})
	kern.prep = func(i int) { // sets acts[i] from xq's row i, which the kernels read
		fillIQ4NLWide(wideRecord(acts, bias, ds, i, 8*nb, nb), xq[i*xb:(i+1)*xb], nb)
	}
	return kern
}
