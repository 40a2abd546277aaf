package cpu

import (
	"encoding/binary"

	"github.com/tern-llm/tern/quant"
)

// Q2_K weights with a multiple of 16 rows are repacked, where the machine
// has AVX-512 VNNI (wideQ2K), in groups of 16 rows as Q4_K's are (see
// q4kwide.go), one lane a row. A block of the group is 1344 bytes, 21
// cache lines, as many bytes as the 16 rows' blocks as stored, so every
// block is aligned:
//
//	bytes    0-63    the 16 rows' d, then dmin (halves, row order)
//	bytes   64-319   four lines of scales: line q dword r is bytes
//	                 4q…4q+3 of row r's 16 (sub-block 4q+i's scale in the
//	                 low nibble of byte i, its minimum in the high one)
//	bytes  320-1343  16 chunks of 64 bytes, in the order the kernels read
//	                 them: chunk 2l+h dword r is qs bytes 32h+4l…32h+4l+3
//	                 of row r, as stored (ggml's lane l of half h: bits
//	                 2n-2n+1 of byte i the level of element 128h+32n+4l+i)
//
// Per chunk a lane takes its four 2-bit fields with one shift and four
// masks, two of them in place (& 0x03 and & 0x0c of the byte and of the
// byte >> 4: the level, or four times it), and each field's bytes are
// multiplied (vpmullw, a word at a time: no product passes a byte) by its
// sub-block's scale, or four times it for the fields taken at their
// level, so that every byte is 4·scale·level (at most 180, unsigned);
// vpdpbusd meets them with four broadcast activation bytes, and the lane's
// sum, four times ggml's exact one, is brought back by an arithmetic
// shift. A line of scales is a vector of the rows' bytes: masked to the
// scales and its bytes 0-1 (the scales of the fields taken at their level)
// shifted by 2 (vpsllvw), each sub-block's scale words come from one
// vpshufb; its minimums' words, the high nibbles, from a vpshufb and a
// shift. The one-token kernel reads a block's lines in address order: d
// and dmin, the scales (the minimums' terms come first), then the chunks
// lane by lane.
//
// On Zen 4 the row kernel (dotRowsQ2_KVNNI) ran 14-15 GB/s a core in L2,
// the repacked one-run kernel 27-29 (BenchmarkDotWideQ2_K; 31-35 without
// its vpmullw, whose sums are wrong: the scaling costs about a sixth), and
// the two-run one 28 in L2 and 20 from memory on one thread
// (BenchmarkKernelRate). On the 1.1B Q2_K model (two threads, interleaved
// runs on a quiet host) the decode (tg32) went from 71-73 to 96 t/s, 69-71%
// to 91-92% of the bandwidth read around it, and pp64 from 141-143 to
// 230-240 t/s, with the same text.
//
// The kernels sum in the order of ggml's AVX2 ggml_vec_dot_q2_K_q8_K
// (dotQ2_KLanes), the row kernels' order, so that repacking changes no
// output: per block, lane l's minimums' sum min[2l]·bsums[2l] +
// min[2l+1]·bsums[2l+1] (vpdpwssd with the record's pair of bsums) is
// fused first as fma(−d_x·dmin, M, acc[l]), then its exact sum over the
// block of scale × level × activation as fma(d_x·d, S, acc[l]); a row's
// result is hsum8(acc).
const q2KWideBlock = q4WideRows * q2KBlock

// q2KWideChunk is the offset in a repacked block of the chunk of lane l
// (0-7) and half h (0, 1).
func q2KWideChunk(l, h int) int { return 320 + 128*l + 64*h }

// repackQ2KGroups repacks groups lo…hi-1 of 16 rows of nb Q2_K blocks.
func repackQ2KGroups(dst, src []byte, lo, hi, nb int) {
	rb := nb * q2KBlock
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*q2KWideBlock:][:nb*q2KWideBlock]
		for b := range nb {
			out := group[b*q2KWideBlock:][:q2KWideBlock]
			for r := range q4WideRows {
				blk := rows[r*rb+b*q2KBlock:][:q2KBlock]
				copy(out[2*r:2*r+2], blk[80:82])
				copy(out[32+2*r:32+2*r+2], blk[82:84])
				for q := range 4 {
					copy(out[64+64*q+4*r:][:4], blk[4*q:4*q+4])
				}
				for l := range 8 {
					for h := range 2 {
						copy(out[q2KWideChunk(l, h)+4*r:][:4], blk[16+32*h+4*l:][:4])
					}
				}
			}
		}
	}
}

// fillQ2KWide sets a from the Q8_K row q of nb blocks: a.q to q, a.d[b] to
// block b's d_x and a.bias[8b+l] to its sums over sub-blocks 2l and 2l+1
// (bsums[2l] in the low half, bsums[2l+1] in the high one: the words
// vpdpwssd meets the minimums with).
func fillQ2KWide(a *q4Act, q []byte, nb int) {
	a.q = q
	for b := range nb {
		blk := q[b*q8KBlock:][:q8KBlock]
		for l := range 8 {
			a.bias[8*b+l] = int32(binary.LittleEndian.Uint32(blk[260+4*l:]))
		}
		a.d[b] = q8KScale(blk)
	}
}

// dotWideQ2_KGeneric sets out[16g+r] to row r of 16-row group g of
// repacked Q2_K (len(out)/16 groups of nb blocks) dotted with the Q8_K
// activations a (fillQ2KWide), in ggml's lanes.
func dotWideQ2_KGeneric(out []float32, w []byte, nb int, a *q4Act) {
	for g := range len(out) / q4WideRows {
		group := w[g*nb*q2KWideBlock:][:nb*q2KWideBlock]
		for r := range q4WideRows {
			var acc [8]float32
			for b := range nb {
				blk := group[b*q2KWideBlock:][:q2KWideBlock]
				x := a.q[b*q8KBlock+4:][:256]
				yd := a.d[b]
				sc := func(k int) byte { return blk[64+64*(k/4)+4*r+k%4] }
				dmin := -(yd * half(blk[32+2*r:]))
				for l := range 8 {
					pair := a.bias[8*b+l]
					m := int32(sc(2*l)>>4)*int32(int16(pair)) + int32(sc(2*l+1)>>4)*int32(int16(pair>>16))
					acc[l] = fma32(dmin, float32(m), acc[l])
				}
				d := yd * half(blk[2*r:])
				for l := range 8 {
					var s int32
					for h := range 2 {
						c := blk[q2KWideChunk(l, h)+4*r:][:4]
						for n := range 4 {
							var p int32
							for i := range 4 {
								p += int32(c[i]>>(2*n)&3) * int32(int8(x[128*h+32*n+4*l+i]))
							}
							s += int32(sc(8*h+2*n+l/4)&15) * p
						}
					}
					acc[l] = fma32(d, float32(s), acc[l])
				}
			}
			out[g*q4WideRows+r] = hsum8(&acc)
		}
	}
}

// wideQ2KKernel is pickKernel's kernel for an n-token product with Q2_K
// weights that it takes repacked (wideKernel): the Q8_K activations'
// sub-block sums and scales gathered (prep).
func (d *Device) wideQ2KKernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	kern, acts, bias, ds := d.wideKernel(quant.Q2_K, n, m, nb, wb, packed, transient, wideKernels{8, dotWideQ2_K, dotWideQ2_KTwo, dotWideQ2_Kx4})
	kern.prep = func(i int) { // sets acts[i] from xq's row i, which the kernels read
		fillQ2KWide(wideRecord(acts, bias, ds, i, 8*nb, nb), xq[i*xb:(i+1)*xb], nb)
	}
	return kern
}
