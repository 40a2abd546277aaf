package cpu

import (
	"encoding/binary"
	"math"

	"github.com/tern-llm/tern/quant"
)

// TQ2_0 weights with a multiple of 16 rows are repacked, where the machine
// has AVX-512 VNNI (wideTQ2), in groups of 16 rows as Q4_0's and Q8_0's
// are (see repack.go, q8wide.go): 1056 bytes a block, the 16 rows' scales
// (halves, row order) and 16 chunks of 64 bytes, chunk p byte 4r+i holding
// level byte 4p+i of row r, as stored. Such a byte holds the levels
// (0, 1, 2: the weight plus one) of four elements, two bits each; taken
// in place (byte & 0x03, & 0x0c, & 0x30, & 0xc0: the level times 1, 4, 16,
// 64) each field times four broadcast activation bytes is one vpdpbusd,
// and the four sums are brought back by arithmetic shifts (exact). Blocks
// go in pairs (wideOffsets). Row blocks kept whole (dotRowsTQ2_0RecTwo)
// ran 20-26 GB/s a core in L2 on Zen 4 (session 21).
//
// A row's sum is then, block by block, the block's integer Σ level·x −
// Σx, exact, converted, times d_w·d_x and fused into the row's sum.
const tq2WideBlock = q4WideRows * tq2Block

// tq2Elem is the first of the four elements whose levels byte b (0-63)
// of a TQ2_0 block holds, at bits 0, 2, 4 and 6: elements e, e+32, e+64
// and e+96 (ggml's dequantize_row_tq2_0).
func tq2Elem(b int) int { return b&31 + 128*(b/32) }

// repackTQ2Groups repacks groups lo…hi-1 of 16 rows of nb TQ2_0 blocks.
func repackTQ2Groups(dst, src []byte, lo, hi, nb int) {
	rb := nb * tq2Block
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*tq2WideBlock:][:nb*tq2WideBlock]
		for b := range nb {
			s, c := wideOffsets(b, nb, tq2WideBlock)
			for r := range q4WideRows {
				blk := rows[r*rb+b*tq2Block:][:tq2Block]
				group[s+2*r], group[s+2*r+1] = blk[64], blk[65]
				for p := range 16 {
					copy(group[c+64*p+4*r:][:4], blk[4*p:4*p+4])
				}
			}
		}
	}
}

// fillTQ2Wide sets a's bias (−Σx a block, from the Q8_K sums) and d (the
// blocks' d_x) from the Q8_K row q of nb blocks, and a.q to q.
func fillTQ2Wide(a *q4Act, q []byte, nb int) {
	a.q = q
	for b := range nb {
		blk := q[b*q8KBlock:][:q8KBlock]
		var s int32
		for i := range 16 {
			s += int32(int16(binary.LittleEndian.Uint16(blk[260+2*i:])))
		}
		a.bias[b] = -s
		a.d[b] = math.Float32frombits(binary.LittleEndian.Uint32(blk))
	}
}

// dotWideTQ2_0Generic sets out[16g+r] to row r of 16-row group g of
// repacked TQ2_0 (len(out)/16 groups of nb blocks) dotted with the Q8_K
// activations a (fillTQ2Wide), block by block.
func dotWideTQ2_0Generic(out []float32, w []byte, nb int, a *q4Act) {
	var acc [q4WideRows]float32
	for g := range len(out) / q4WideRows {
		clear(acc[:])
		group := w[g*nb*tq2WideBlock:][:nb*tq2WideBlock]
		for b := range nb {
			sc, c := wideOffsets(b, nb, tq2WideBlock)
			x := a.q[b*q8KBlock+4:][:256]
			for r := range q4WideRows {
				s := a.bias[b]
				for p := range 16 {
					for i := range 4 {
						v, e := group[c+64*p+4*r+i], tq2Elem(4*p+i)
						for f := range 4 {
							s += int32(v>>(2*f)&3) * int32(int8(x[e+32*f]))
						}
					}
				}
				acc[r] = fma32(float32(s), half(group[sc+2*r:])*a.d[b], acc[r])
			}
		}
		copy(out[g*q4WideRows:], acc[:])
	}
}

// dotTQ2Blocks is one TQ2_0 row (nb blocks, as stored) dotted with Q8_K
// activations in the repacked kernels' order: the reference (rowDotFor)
// of the rows they take.
func dotTQ2Blocks(nb int, w, x []byte) float32 {
	var acc float32
	for b := range nb {
		wb, xb := w[b*tq2Block:][:tq2Block], x[b*q8KBlock:][:q8KBlock]
		var s int32
		for j := 0; j < 64; j += 32 {
			for l := range 4 {
				for m := range 32 {
					level := int32(wb[j+m]>>(2*l)) & 3
					s += (level - 1) * int32(int8(xb[4+4*j+32*l+m]))
				}
			}
		}
		d := math.Float32frombits(binary.LittleEndian.Uint32(xb))
		acc = fma32(float32(s), half(wb[64:])*d, acc)
	}
	return acc
}

// wideTQ2Kernel is pickKernel's kernel for an n-token product with TQ2_0
// weights that it takes repacked (wideKernel): the Q8_K activations'
// biases and scales gathered (prep).
func (d *Device) wideTQ2Kernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	kern, acts, bias, ds := d.wideKernel(quant.TQ2_0, n, m, nb, wb, packed, transient, wideKernels{1, dotWideTQ2_0, dotWideTQ2_0Two, dotWideTQ2_0x4})
	kern.prep = func(i int) { // sets acts[i] from xq's row i, which the kernels read
		fillTQ2Wide(wideRecord(acts, bias, ds, i, nb, nb), xq[i*xb:(i+1)*xb], nb)
	}
	return kern
}
