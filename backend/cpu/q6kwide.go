package cpu

import "github.com/tern-llm/tern/quant"

// Q6_K weights with a multiple of 16 rows are repacked, where the machine
// has AVX-512 VNNI (wideQ6K), in groups of 16 rows: one lane a row. A
// block of the group is 3360 bytes, so blocks go in pairs of 105 cache
// lines:
//
//	bytes    0-63    the 16 rows' d (halves, row order), block 0's then 1's
//	bytes   64-319   block 0's scales: line k dword r is scales 4k…4k+3 of
//	                 row r (int8)
//	bytes  320-575   block 1's
//	bytes  576-3647  block 0's quants, 48 chunks of 64 bytes in the order
//	                 the kernels read them (q6KChunk): for h, is (0, 1)
//	                 and c (0-3), dword r of three chunks holds ql bytes
//	                 64h+16is+4c…+3, ql bytes 32 further and qh bytes
//	                 32h+16is+4c…+3 of row r
//	bytes 3648-6719  block 1's
//
// An odd last block lies alone in its 3360 bytes: d at 0, scales at 32,
// quants at 288 (lines shared with neither neighbour's, but not on a line
// of their own: Qwen2.5-1.5B's ffn_down rows have 35 blocks, Gemma 2 2B's
// 2304-wide rows 9).
//
// Read in another order (the low bits, then the high bits, as stored), a
// block's lines came from memory at 19 GB/s on two cores where the
// bandwidth read 34-54.
//
// Per 16-element sub-block a lane takes its elements' low 4 bits and high
// 2 bits in place (& 0x0f or 0xf0; & 0x03, 0x0c, 0x30 or 0xc0) times their
// activations (vpdpbusd) into two sums, the first started from −32 times
// the activations' 16-element sum (the levels are stored +32), joined by
// exact shifts, times the sub-block's scale (vpmulld). Row blocks kept
// whole (dotRowsQ6_KTwoVNNI) ran 25-27 GB/s a core in L2 on Zen 4, and the
// 1.1B Q6_K prefill 86-105 t/s (session 21); repacked, 61-63 GB/s.
//
// A row's sum is, block by block: S = Σ_j sc_j·Σ_{e in j}(q_e − 32)·x_e,
// exact, then acc = fma(S, d·d_x, acc).
const (
	q6KWideBlock = q4WideRows * q6KBlock
	q6KPair      = 2 * q6KWideBlock
)

// q6KWideOffsets returns where block b of nb keeps its d, its scale lines
// and its chunks, in bytes from its pair's start (an odd last block's
// pair is itself).
func q6KWideOffsets(b, nb int) (d, scales, quants int) {
	if b == nb-1 && nb%2 == 1 {
		return 0, 32, 288
	}
	b &= 1
	return 32 * b, 64 + 256*b, 576 + 3072*b
}

// q6KChunk is where, from a block's chunks, the chunk of kind k (0: ql
// bytes 64h+16is+4c…, 1: ql bytes 32 further, 2: qh bytes 32h+16is+4c…)
// lies.
func q6KChunk(h, is, c, k int) int { return 1536*h + 768*is + 192*c + 64*k }

// repackQ6KGroups repacks groups lo…hi-1 of 16 rows of nb Q6_K blocks.
func repackQ6KGroups(dst, src []byte, lo, hi, nb int) {
	rb := nb * q6KBlock
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*q6KWideBlock:][:nb*q6KWideBlock]
		for b := range nb {
			pair := group[b/2*q6KPair:]
			od, os, oq := q6KWideOffsets(b, nb)
			for r := range q4WideRows {
				blk := rows[r*rb+b*q6KBlock:][:q6KBlock]
				copy(pair[od+2*r:][:2], blk[208:210])
				for k := range 4 {
					copy(pair[os+64*k+4*r:][:4], blk[192+4*k:])
				}
				for h := range 2 {
					for is := range 2 {
						for c := range 4 {
							l, m := 64*h+16*is+4*c, 128+32*h+16*is+4*c
							copy(pair[oq+q6KChunk(h, is, c, 0)+4*r:][:4], blk[l:])
							copy(pair[oq+q6KChunk(h, is, c, 1)+4*r:][:4], blk[l+32:])
							copy(pair[oq+q6KChunk(h, is, c, 2)+4*r:][:4], blk[m:])
						}
					}
				}
			}
		}
	}
}

// fillQ6KWide sets a from the Q8_K row q of nb blocks: a.q to q, a.d[b] to
// block b's d_x and a.bias[16b+j] to −32 times its sum over elements
// 16j…16j+15.
func fillQ6KWide(a *q4Act, q []byte, nb int) {
	a.q = q
	for b := range nb {
		blk := q[b*q8KBlock:][:q8KBlock]
		for j := range 16 {
			a.bias[16*b+j] = -32 * q8KBsum(blk, j)
		}
		a.d[b] = q8KScale(blk)
	}
}

// dotWideQ6_KGeneric sets out[16g+r] to row r of 16-row group g of
// repacked Q6_K (len(out)/16 groups of nb blocks) dotted with the Q8_K
// activations a (fillQ6KWide), block by block.
func dotWideQ6_KGeneric(out []float32, w []byte, nb int, a *q4Act) {
	var acc [q4WideRows]float32
	for g := range len(out) / q4WideRows {
		clear(acc[:])
		group := w[g*nb*q6KWideBlock:][:nb*q6KWideBlock]
		for b := range nb {
			pair := group[b/2*q6KPair:]
			od, os, oq := q6KWideOffsets(b, nb)
			x := a.q[b*q8KBlock+4:][:256]
			for r := range q4WideRows {
				var s int32
				for j := range 16 { // sub-block: elements 16j…16j+15
					h, n, is := j/8, j%8/2, j%2
					sum := a.bias[16*b+j]
					for e := 16 * is; e < 16*is+16; e++ {
						c, i := (e-16*is)/4, e%4
						v := pair[oq+q6KChunk(h, is, c, n%2)+4*r+i] >> (4 * (n / 2)) & 15
						v |= (pair[oq+q6KChunk(h, is, c, 2)+4*r+i] >> (2 * n) & 3) << 4
						sum += int32(v) * int32(int8(x[128*h+32*n+e]))
					}
					sc := int32(int8(pair[os+64*(j/4)+4*r+j%4]))
					s += sc * sum
				}
				acc[r] = fma32(float32(s), half(pair[od+2*r:])*a.d[b], acc[r])
			}
		}
		copy(out[g*q4WideRows:], acc[:])
	}
}

// dotQ6KBlocks is one Q6_K row (nb blocks, as stored) dotted with Q8_K
// activations in the repacked kernels' order: the reference (rowDotFor)
// of the rows they take.
func dotQ6KBlocks(nb int, w, x []byte) float32 {
	var acc float32
	for b := range nb {
		wb, xb := w[b*q6KBlock:][:q6KBlock], x[b*q8KBlock:][:q8KBlock]
		var s int32
		for h := range 2 {
			for n := range 4 {
				for is := range 2 {
					var sum int32
					for e := 16 * is; e < 16*is+16; e++ {
						v := int32(wb[64*h+32*(n%2)+e]>>(4*(n/2))&15 | (wb[128+32*h+e]>>(2*n)&3)<<4)
						sum += (v - 32) * int32(int8(xb[4+128*h+32*n+e]))
					}
					s += int32(int8(wb[192+8*h+2*n+is])) * sum
				}
			}
		}
		acc = fma32(float32(s), half(wb[208:])*q8KScale(xb), acc)
	}
	return acc
}

// wideQ6KKernel is pickKernel's kernel for an n-token product with Q6_K
// weights that it takes repacked (wideKernel): the Q8_K activations'
// records and scales made (prep).
func (d *Device) wideQ6KKernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	kern, acts, bias, ds := d.wideKernel(quant.Q6_K, n, m, nb, wb, packed, transient, wideKernels{16, dotWideQ6_K, dotWideQ6_KTwo, dotWideQ6_Kx4})
	kern.prep = func(i int) { // sets acts[i] from xq's row i, which the kernels read
		fillQ6KWide(wideRecord(acts, bias, ds, i, 16*nb, nb), xq[i*xb:(i+1)*xb], nb)
	}
	return kern
}
