package cpu

import (
	"encoding/binary"
	"math"

	"github.com/tern-llm/tern/quant"
)

// Q4_1 and Q5_1 weights with a multiple of 16 rows are repacked, where the
// machine has AVX-512 VNNI (wideQ41), in groups of 16 rows as Q5_0's are
// (q50wide.go), and summed in ggml's eight lanes (dotLanes8Min): per
// block, lane l's exact sum of levels (0-15 or 0-31) times activations,
// fused in as fma(d_w·d_x, sum, acc[l]), and the minimums met by the
// activations' s in a float a row, summs = fma(m_w, s_x, summs); a row's
// result is hsum8(acc) + summs. A block of the group is
//
//	bytes   0-31    the 16 rows' d (halves, row order)
//	bytes  32-63    their m
//	bytes  64-      four chunks c: Q4_1's 64 bytes of nibbles, byte 4r+i
//	                quant byte 4c+i of row r (elements 4c+i, low nibble,
//	                and 16+4c+i); Q5_1's a run of 80 bytes, two masks of
//	                fifth bits then the nibbles, as Q5_0's
//
// 320 bytes for Q4_1, 384 for Q5_1.
const (
	q41WideBlock = q4WideRows * q41Block
	q51WideBlock = q4WideRows * q51Block
)

// repackQ41Groups repacks groups lo…hi-1 of 16 rows of nb Q4_1 blocks.
func repackQ41Groups(dst, src []byte, lo, hi, nb int) {
	repackMinGroups(dst, src, lo, hi, nb, q41Block, 64, func(out, blk []byte, r int) {
		for c := range 4 {
			copy(out[64+64*c+4*r:][:4], blk[4+4*c:][:4])
		}
	})
}

// repackQ51Groups repacks groups lo…hi-1 of 16 rows of nb Q5_1 blocks.
func repackQ51Groups(dst, src []byte, lo, hi, nb int) {
	repackMinGroups(dst, src, lo, hi, nb, q51Block, 80, func(out, blk []byte, r int) {
		qh := uint64(binary.LittleEndian.Uint32(blk[4:]))
		for c := range 4 {
			run := out[64+80*c:][:80]
			for h := range 2 {
				m := binary.LittleEndian.Uint64(run[8*h:]) | (qh>>(16*h+4*c)&15)<<(4*r)
				binary.LittleEndian.PutUint64(run[8*h:], m)
			}
			copy(run[16+4*r:][:4], blk[8+4*c:][:4])
		}
	})
}

// repackMinGroups repacks groups lo…hi-1 of 16 rows of nb blocks of bb
// bytes with d and m halves first: the rows' d and m, and the quants of
// row r by quants(out, blk, r) into the four chunks (of run bytes each)
// from 64, cleared first.
func repackMinGroups(dst, src []byte, lo, hi, nb, bb, run int, quants func(out, blk []byte, r int)) {
	rb, gb := nb*bb, q4WideRows*bb
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*gb:][:nb*gb]
		for b := range nb {
			out := group[b*gb:][:gb]
			clear(out[64:])
			for r := range q4WideRows {
				blk := rows[r*rb+b*bb:][:bb]
				copy(out[2*r:2*r+2], blk[0:2])
				copy(out[32+2*r:32+2*r+2], blk[2:4])
				quants(out, blk, r)
			}
		}
	}
}

// fillQ41Wide sets a from the Q8_1 row q of nb blocks: a.q to q, a.d[b] to
// block b's d_x and a.bias[b] to the float bits of its s_x.
func fillQ41Wide(a *q4Act, q []byte, nb int) {
	a.q = q
	for b := range nb {
		blk := q[b*q81Block:][:q81Block]
		a.d[b] = half(blk)
		a.bias[b] = int32(math.Float32bits(half(blk[2:])))
	}
}

// q41Lanes and q51Lanes are repacked Q4_1 and Q5_1.
var (
	q41Lanes = lanes32{block: q41WideBlock, xblock: q81Block, xq: 4, mins: true,
		level: func(blk []byte, r, c, h, i int) int32 { return int32(blk[64+64*c+4*r+i] >> (4 * h) & 15) }}
	q51Lanes = lanes32{block: q51WideBlock, xblock: q81Block, xq: 4, mins: true,
		level: func(blk []byte, r, c, h, i int) int32 { return wideLevel5(blk[64+80*c:], r, h, i) }}
)

// dotWideQ4_1Generic and dotWideQ5_1Generic set out[16g+r] to row r of
// 16-row group g of repacked Q4_1 or Q5_1 (len(out)/16 groups of nb
// blocks) dotted with the Q8_1 activations a (fillQ41Wide), in ggml's
// lanes.
func dotWideQ4_1Generic(out []float32, w []byte, nb int, a *q4Act) { q41Lanes.dot(out, w, nb, a) }

func dotWideQ5_1Generic(out []float32, w []byte, nb int, a *q4Act) { q51Lanes.dot(out, w, nb, a) }

// wideQ41Kernel and wideQ51Kernel are pickKernel's kernels for an n-token
// product with Q4_1 or Q5_1 weights that it takes repacked (wideKernel):
// the Q8_1 activations' scales and sums gathered (prep).
func (d *Device) wideQ41Kernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	return d.wideMinKernel(quant.Q4_1, n, m, nb, wb, packed, transient, xq, xb, wideKernels{1, dotWideQ4_1, dotWideQ4_1Two, dotWideQ4_1x4})
}

func (d *Device) wideQ51Kernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	return d.wideMinKernel(quant.Q5_1, n, m, nb, wb, packed, transient, xq, xb, wideKernels{1, dotWideQ5_1, dotWideQ5_1Two, dotWideQ5_1x4})
}

func (d *Device) wideMinKernel(t quant.Type, n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int, k wideKernels) kernel {
	kern, acts, bias, ds := d.wideKernel(t, n, m, nb, wb, packed, transient, k)
	kern.prep = func(i int) { // sets acts[i] from xq's row i, which the kernels read
		fillQ41Wide(wideRecord(acts, bias, ds, i, nb, nb), xq[i*xb:(i+1)*xb], nb)
	}
	return kern
}
