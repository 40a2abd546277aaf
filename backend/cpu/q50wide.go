package cpu

import (
	"encoding/binary"
	"math"

	"github.com/tern-llm/tern/quant"
)

// Q5_0 weights with a multiple of 16 rows are repacked, where the machine
// has AVX-512 VNNI (wideQ50), in groups of 16 rows, one lane a row, and
// summed in ggml's eight lanes (dotQ5_0Lanes: llama.cpp keeps Q5_0 rows
// whole), as Q5_K's are (q5kwide.go). A block of the group is 352 bytes:
//
//	bytes   0-31    the 16 rows' d (halves, row order)
//	bytes  32-351   four runs of 80 bytes, one a chunk c: two 64-bit masks
//	                of fifth bits, bit 4r+i of the first that of row r's
//	                element 4c+i, of the second that of its element
//	                16+4c+i; then 64 bytes of nibbles, byte 4r+i quant byte
//	                4c+i of row r (elements 4c+i, low nibble, and 16+4c+i)
//
// so that chunk c holds ggml's lanes c and c+4 (elements 4l…4l+3). Per
// block, lane l's exact sum Σ(level−16)·x comes from vpdpbusd on the
// levels (0-31), started from the record's −16·Σx over the lane (fillQ50Wide),
// and is fused into the lane's float as fma(d_w·d_x, sum, acc[l]); a row's
// result is hsum8(acc).
const q50WideBlock = q4WideRows * q5Block

// repackQ50Groups repacks groups lo…hi-1 of 16 rows of nb Q5_0 blocks.
func repackQ50Groups(dst, src []byte, lo, hi, nb int) {
	rb := nb * q5Block
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*q50WideBlock:][:nb*q50WideBlock]
		for b := range nb {
			out := group[b*q50WideBlock:][:q50WideBlock]
			var masks [8]uint64
			for r := range q4WideRows {
				blk := rows[r*rb+b*q5Block:][:q5Block]
				copy(out[2*r:2*r+2], blk[0:2])
				qh := uint64(binary.LittleEndian.Uint32(blk[2:]))
				for c := range 4 {
					masks[2*c] |= (qh >> (4 * c) & 15) << (4 * r)
					masks[2*c+1] |= (qh >> (16 + 4*c) & 15) << (4 * r)
					copy(out[48+80*c+4*r:][:4], blk[6+4*c:][:4])
				}
			}
			for m, v := range masks {
				binary.LittleEndian.PutUint64(out[32+80*(m/2)+8*(m%2):], v)
			}
		}
	}
}

// fillQ50Wide sets a from the Q8_0 row q of nb blocks: a.q to q, a.d[b] to
// block b's d_x and a.bias[8b+l] to −16 times the sum of its lane l's
// activations (elements 4l…4l+3).
func fillQ50Wide(a *q4Act, q []byte, nb int) { fillLaneSums(a, q, nb, -16) }

// fillLaneSums sets a from the Q8_0 row q of nb blocks: a.q to q, a.d[b]
// to block b's d_x and a.bias[8b+l] to k times the sum of its lane l's
// activations.
func fillLaneSums(a *q4Act, q []byte, nb int, k int32) {
	a.q = q
	for b := range nb {
		blk := q[b*q8Block:][:q8Block]
		for l := range 8 {
			var s int32
			for _, v := range blk[2+4*l : 6+4*l] {
				s += int32(int8(v))
			}
			a.bias[8*b+l] = k * s
		}
		a.d[b] = half(blk)
	}
}

// q50WideLevel is row r's level (0-31) of element 16h+4c+i in a repacked
// Q5_0 block.
func q50WideLevel(blk []byte, r, c, h, i int) int32 {
	return wideLevel5(blk[32+80*c:], r, h, i)
}

// wideLevel5 is row r's level (0-31) of element 16h+4c+i from chunk c's
// run (two masks of fifth bits, then the nibbles) at run.
func wideLevel5(run []byte, r, h, i int) int32 {
	v := run[16+4*r+i] >> (4 * h) & 15
	mask := binary.LittleEndian.Uint64(run[8*h:])
	return int32(v) | int32(mask>>(4*r+i)&1)<<4
}

// lanes32 is a 32-element format repacked in 16-row groups whose kernels
// keep ggml's eight lanes (Q5_0, Q4_1, Q5_1): its group's block bytes,
// its activations' block bytes and where their quants start, whether its
// rows have minimums (halves at 32, met by the activations' s), and its
// levels.
type lanes32 struct {
	block, xblock, xq int
	mins              bool
	level             func(blk []byte, r, c, h, i int) int32
}

// dot sets out[16g+r] to row r of 16-row group g of w (len(out)/16 groups
// of nb blocks) dotted with the activations a, in ggml's lanes: per
// block, lane l's exact sum (the level times the activation over elements
// 4l…4l+3, plus the record's bias where the rows have no minimums) fused
// in as fma(d_w·d_x, sum, acc[l]); with minimums, summs = fma(m_w, s_x,
// summs) (s_x the record's float bits); then hsum8(acc) + summs.
func (f lanes32) dot(out []float32, w []byte, nb int, a *q4Act) {
	for g := range len(out) / q4WideRows {
		group := w[g*nb*f.block:][:nb*f.block]
		for r := range q4WideRows {
			var acc [8]float32
			var summs float32
			for b := range nb {
				blk := group[b*f.block:][:f.block]
				x := a.q[b*f.xblock+f.xq:][:32]
				if f.mins {
					summs = fma32(half(blk[32+2*r:]), math.Float32frombits(uint32(a.bias[b])), summs)
				}
				d := half(blk[2*r:]) * a.d[b]
				for l := range 8 {
					c, h := l%4, l/4
					var s int32
					if !f.mins {
						s = a.bias[8*b+l]
					}
					for i := range 4 {
						s += f.level(blk, r, c, h, i) * int32(int8(x[4*l+i]))
					}
					acc[l] = fma32(d, float32(s), acc[l])
				}
			}
			out[g*q4WideRows+r] = hsum8(&acc)
			if f.mins {
				out[g*q4WideRows+r] += summs
			}
		}
	}
}

// q50Lanes is repacked Q5_0.
var q50Lanes = lanes32{block: q50WideBlock, xblock: q8Block, xq: 2, level: q50WideLevel}

// dotWideQ5_0Generic sets out[16g+r] to row r of 16-row group g of
// repacked Q5_0 (len(out)/16 groups of nb blocks) dotted with the Q8_0
// activations a (fillQ50Wide), in ggml's lanes.
func dotWideQ5_0Generic(out []float32, w []byte, nb int, a *q4Act) {
	q50Lanes.dot(out, w, nb, a)
}

// wideQ50Kernel is pickKernel's kernel for an n-token product with Q5_0
// weights that it takes repacked (wideKernel): the Q8_0 activations'
// lane sums and scales gathered (prep).
func (d *Device) wideQ50Kernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	kern, acts, bias, ds := d.wideKernel(quant.Q5_0, n, m, nb, wb, packed, transient, wideKernels{8, dotWideQ5_0, dotWideQ5_0Two, dotWideQ5_0x4})
	kern.prep = func(i int) { // sets acts[i] from xq's row i, which the kernels read
		fillQ50Wide(wideRecord(acts, bias, ds, i, 8*nb, nb), xq[i*xb:(i+1)*xb], nb)
	}
	return kern
}
