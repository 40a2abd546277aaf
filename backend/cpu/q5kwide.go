package cpu

import (
	"encoding/binary"

	"github.com/tern-llm/tern/quant"
)

// Q5_K weights with a multiple of 16 rows are repacked, where the machine
// has AVX-512 VNNI (wideQ5K), in groups of 16 rows as Q4_K's are (see
// q4kwide.go), one lane a row. A block of the group is 2816 bytes, 44
// cache lines, so every block is aligned:
//
//	bytes    0-63    the 16 rows' d, then dmin (halves, row order)
//	bytes   64-255   the rows' packed scales, as Q4_K's
//	bytes  256-2815  eight runs of 320 bytes, one a lane p (below), in
//	                 the order the kernels read them: 64-bit masks of
//	                 fifth bits, mask 2j+h's bit 4r+i that of row r's
//	                 element 64j+32h+4p+i; then four chunks of nibbles,
//	                 chunk j's byte 4r+i quant byte 32j+4p+i of row r
//	                 (elements 64j+4p+i, low nibble, and 64j+32+4p+i)
//
// so that a chunk's levels (0-31) are its nibbles with 16 added under a
// mask (vpaddb {k}). Read in another order than it lies (chunks 512 bytes
// apart), a block streamed at half the speed.
//
// The kernels sum in the order of ggml's AVX2 ggml_vec_dot_q5_K_q8_K
// (dotQ5_KLanes), which llama.cpp's reference logits hold, rather than
// Q4_K's block by block: a Q5_K row's scale and minimum terms can cancel,
// and session 21's block-by-block repack missed llama.cpp's logits by
// 0.012. Lane p's chunks hold ggml's lane p (bytes 4p…4p+3 of each
// 32-element sub-block): per block, lane p's exact sum over the groups j of
// scale × (levels · activations) comes from vpdpbusd (the four products)
// and vpdpwssd (times the scale, a word in each dword), and is fused into
// the lane's float as fma(d·d_x, sum, acc[p]); the minimums' integer sum
// into a float a row as fma(−d_x·dmin, sum, summs). A row's result is
// hsum8(acc) + summs.
//
// The four-token kernel (prefill) makes a chunk's levels once and packs
// each token's two halves' sums (each at most 4·31·128 = 15872 in size)
// into one dword, the high half's in the high word and the low half's
// plus 2¹⁴ in the low one, so that one vpdpwssd multiplies both by their
// scales [sc_2j, sc_2j+1] (as Q3_K's kernel pairs groups); the lane
// starts from −2¹⁴ times the low scales, so its integer is the same and
// ggml's order holds. 1.1B Q5_K pp64 went from 147-152 t/s to 167-174
// (one run of seven 158) on this 2-core Zen 4, decode the same
// (BenchmarkDotWideQ5_Kx4/x4: 26.3 µs to 22.5).
const q5KWideBlock = q4WideRows * q5KBlock

// repackQ5KGroups repacks groups lo…hi-1 of 16 rows of nb Q5_K blocks.
func repackQ5KGroups(dst, src []byte, lo, hi, nb int) {
	rb := nb * q5KBlock
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*q5KWideBlock:][:nb*q5KWideBlock]
		for b := range nb {
			out := group[b*q5KWideBlock:][:q5KWideBlock]
			var masks [64]uint64
			for r := range q4WideRows {
				blk := rows[r*rb+b*q5KBlock:][:q5KBlock]
				copy(out[2*r:2*r+2], blk[0:2])
				copy(out[32+2*r:32+2*r+2], blk[2:4])
				for s := range 3 {
					copy(out[64+64*s+4*r:][:4], blk[4+4*s:8+4*s])
				}
				for j := range 4 {
					for p := range 8 {
						copy(out[q5KWideChunk(j, p)+4*r:][:4], blk[48+32*j+4*p:][:4])
					}
				}
				for p := range 8 { // qh byte l's bit 2j+h: element 64j+32h+l's
					q := uint64(binary.LittleEndian.Uint32(blk[16+4*p:]))
					for bit := range 8 {
						masks[8*p+bit] |= gatherBits4(q>>bit) << (4 * r)
					}
				}
			}
			for p := range 8 {
				for m := range 8 { // m = 2j+h
					binary.LittleEndian.PutUint64(out[256+320*p+8*m:], masks[8*p+m])
				}
			}
		}
	}
}

// gatherBits4 returns bits 0, 8, 16 and 24 of q as bits 0-3: each lands
// at bit 24+i of the product, and the other products' bits at distinct
// places, none of them 24-27, so nothing carries.
func gatherBits4(q uint64) uint64 {
	return ((q & 0x01010101) * (1<<24 | 1<<17 | 1<<10 | 1<<3)) >> 24 & 15
}

// q5KWideChunk is the offset in a repacked block of lane p's chunk of
// group j.
func q5KWideChunk(j, p int) int { return 320 + 320*p + 64*j }

// q5KWideLevel is row r's level (0-31) of element 64j+32h+4p+i in a
// repacked block.
func q5KWideLevel(blk []byte, r, j, h, p, i int) int32 {
	v := blk[q5KWideChunk(j, p)+4*r+i] >> (4 * h) & 15
	mask := binary.LittleEndian.Uint64(blk[256+320*p+8*(2*j+h):])
	return int32(v) | int32(mask>>(4*r+i)&1)<<4
}

// dotWideQ5_KGeneric sets out[16g+r] to row r of 16-row group g of
// repacked Q5_K (len(out)/16 groups of nb blocks) dotted with the Q8_K
// activations a (fillQ4KWide), in ggml's lanes.
func dotWideQ5_KGeneric(out []float32, w []byte, nb int, a *q4Act) {
	for g := range len(out) / q4WideRows {
		group := w[g*nb*q5KWideBlock:][:nb*q5KWideBlock]
		for r := range q4WideRows {
			var acc [8]float32
			var summs float32
			for b := range nb {
				blk := group[b*q5KWideBlock:][:q5KWideBlock]
				x := a.q[b*q8KBlock+4:][:256]
				q := q4KWideScales(blk, r)
				yd := a.d[b]
				var mins int32
				for j := range 8 {
					_, mn := q4KScaleMin(j, q[:])
					mins += mn * a.bias[8*b+j]
				}
				summs = fma32(-(yd * half(blk[32+2*r:])), float32(mins), summs)
				d := yd * half(blk[2*r:])
				for p := range 8 {
					var s int32
					for j := range 4 {
						var lo, hi int32
						for i := range 4 {
							lo += q5KWideLevel(blk, r, j, 0, p, i) * int32(int8(x[64*j+4*p+i]))
							hi += q5KWideLevel(blk, r, j, 1, p, i) * int32(int8(x[64*j+32+4*p+i]))
						}
						sc0, _ := q4KScaleMin(2*j, q[:])
						sc1, _ := q4KScaleMin(2*j+1, q[:])
						s += sc0*lo + sc1*hi
					}
					acc[p] = fma32(d, float32(s), acc[p])
				}
			}
			out[g*q4WideRows+r] = hsum8(&acc) + summs
		}
	}
}

// wideQ5KKernel is pickKernel's kernel for an n-token product with Q5_K
// weights that it takes repacked (wideKernel): the Q8_K activations'
// sub-block sums and scales gathered (prep), as Q4_K's.
func (d *Device) wideQ5KKernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	kern, acts, bias, ds := d.wideKernel(quant.Q5_K, n, m, nb, wb, packed, transient, wideKernels{8, dotWideQ5_K, dotWideQ5_KTwo, dotWideQ5_Kx4})
	kern.prep = func(i int) { // sets acts[i] from xq's row i, which the kernels read
		fillQ4KWide(wideRecord(acts, bias, ds, i, 8*nb, nb), xq[i*xb:(i+1)*xb], nb)
	}
	return kern
}
