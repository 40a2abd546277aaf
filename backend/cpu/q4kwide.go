package cpu

import "github.com/tern-llm/tern/quant"

// Q4_K weights with a multiple of 16 rows are repacked, where the machine
// has AVX-512 VNNI (wideQ4K), in groups of 16 rows, as Q4_0's are (see
// repack.go): one lane a row. A block of the group is 2304 bytes, 36
// cache lines, so every block is aligned:
//
//	bytes    0-31   the 16 rows' d (halves, row order)
//	bytes   32-63   their dmin
//	bytes  64-255   three lines of the rows' 12 bytes of 6-bit scales and
//	                minimums: line s dword r is bytes 4s…4s+3 of row r's
//	bytes 256-2303  32 chunks of 64 bytes: chunk 8j+p byte 4r+i holds
//	                quant byte 32j+4p+i of row r (elements 64j+4p+i, low
//	                nibble, and 64j+32+4p+i, high)
//
// so that a line of scales is a vector of the rows' packed scales, each
// lane unpacked by shifts and masks (get_scale_min_k4 on sixteen rows).
// Per block a lane takes each 64-element group's low nibbles and high
// nibbles (times 16, in place) times their activations (vpdpbusd, the
// activations broadcast) into two sums, times the two sub-blocks' scales
// (vpmulld), and the minimums times the activations' 32-element sums.
// Row blocks kept whole (dotRowsQ4_KZTwo) ran 28-31 GB/s a core in L2 on
// Zen 4 (session 21).
//
// A row's sum is, block by block: S = Σ_j sc_j·Σ_{e in j} q_e·x_e and
// M = Σ_j m_j·(x's sum over sub-block j), both exact; then acc = fma(S,
// d·d_x, acc) and acc = fma(M, −dmin·d_x, acc), in float.
const q4KWideBlock = q4WideRows * q4KBlock

// repackQ4KGroups repacks groups lo…hi-1 of 16 rows of nb Q4_K blocks.
func repackQ4KGroups(dst, src []byte, lo, hi, nb int) {
	rb := nb * q4KBlock
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*q4KWideBlock:][:nb*q4KWideBlock]
		for b := range nb {
			out := group[b*q4KWideBlock:][:q4KWideBlock]
			for r := range q4WideRows {
				blk := rows[r*rb+b*q4KBlock:][:q4KBlock]
				copy(out[2*r:2*r+2], blk[0:2])
				copy(out[32+2*r:32+2*r+2], blk[2:4])
				for s := range 3 {
					copy(out[64+64*s+4*r:][:4], blk[4+4*s:8+4*s])
				}
				for c := range 32 {
					copy(out[256+64*c+4*r:][:4], blk[16+4*c:20+4*c])
				}
			}
		}
	}
}

// q4KWideScales returns row r's 12 packed scale bytes from a repacked
// block.
func q4KWideScales(blk []byte, r int) (q [12]byte) {
	for s := range 3 {
		copy(q[4*s:4*s+4], blk[64+64*s+4*r:])
	}
	return q
}

// fillQ4KWide sets a from the Q8_K row q of nb blocks: a.q to q, a.d[b]
// to block b's d_x and a.bias[8b+j] to its sum over sub-block j (elements
// 32j…32j+31).
func fillQ4KWide(a *q4Act, q []byte, nb int) {
	a.q = q
	for b := range nb {
		blk := q[b*q8KBlock:][:q8KBlock]
		for j := range 8 {
			a.bias[8*b+j] = q8KBsum(blk, 2*j) + q8KBsum(blk, 2*j+1)
		}
		a.d[b] = q8KScale(blk)
	}
}

// dotWideQ4_KGeneric sets out[16g+r] to row r of 16-row group g of
// repacked Q4_K (len(out)/16 groups of nb blocks) dotted with the Q8_K
// activations a (fillQ4KWide), block by block.
func dotWideQ4_KGeneric(out []float32, w []byte, nb int, a *q4Act) {
	var acc [q4WideRows]float32
	for g := range len(out) / q4WideRows {
		clear(acc[:])
		group := w[g*nb*q4KWideBlock:][:nb*q4KWideBlock]
		for b := range nb {
			blk := group[b*q4KWideBlock:][:q4KWideBlock]
			x := a.q[b*q8KBlock+4:][:256]
			for r := range q4WideRows {
				q := q4KWideScales(blk, r)
				var s, m int32
				for j := range 4 {
					var lo, hi int32
					for p := range 8 {
						for i := range 4 {
							v := blk[256+64*(8*j+p)+4*r+i]
							lo += int32(v&15) * int32(int8(x[64*j+4*p+i]))
							hi += int32(v>>4) * int32(int8(x[64*j+32+4*p+i]))
						}
					}
					sc0, _ := q4KScaleMin(2*j, q[:])
					sc1, _ := q4KScaleMin(2*j+1, q[:])
					s += sc0*lo + sc1*hi
				}
				for j := range 8 {
					_, mn := q4KScaleMin(j, q[:])
					m += mn * a.bias[8*b+j]
				}
				dx := a.d[b]
				acc[r] = fma32(float32(s), half(blk[2*r:])*dx, acc[r])
				acc[r] = fma32(float32(m), -(half(blk[32+2*r:]) * dx), acc[r])
			}
		}
		copy(out[g*q4WideRows:], acc[:])
	}
}

// dotQ4KBlocks is one Q4_K row (nb blocks, as stored) dotted with Q8_K
// activations in the repacked kernels' order: the reference (rowDotFor)
// of the rows they take.
func dotQ4KBlocks(nb int, w, x []byte) float32 {
	var acc float32
	for b := range nb {
		wb, xb := w[b*q4KBlock:][:q4KBlock], x[b*q8KBlock:][:q8KBlock]
		var s, m int32
		for e := range 256 {
			j := e / 32 // sub-block
			v := wb[16+32*(e/64)+e%32]
			if j%2 == 1 {
				v >>= 4
			}
			sc, _ := q4KScaleMin(j, wb[4:16])
			s += sc * int32(v&15) * int32(int8(xb[4+e]))
		}
		for j := range 8 {
			_, mn := q4KScaleMin(j, wb[4:16])
			m += mn * (q8KBsum(xb, 2*j) + q8KBsum(xb, 2*j+1))
		}
		dx := q8KScale(xb)
		acc = fma32(float32(s), half(wb[0:])*dx, acc)
		acc = fma32(float32(m), -(half(wb[2:]) * dx), acc)
	}
	return acc
}

// wideQ4KKernel is pickKernel's kernel for an n-token product with Q4_K
// weights that it takes repacked (wideKernel): the Q8_K activations'
// sub-block sums and scales gathered (prep).
func (d *Device) wideQ4KKernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	kern, acts, bias, ds := d.wideKernel(quant.Q4_K, n, m, nb, wb, packed, transient, wideKernels{8, dotWideQ4_K, dotWideQ4_KTwo, dotWideQ4_Kx4})
	kern.prep = func(i int) { // sets acts[i] from xq's row i, which the kernels read
		fillQ4KWide(wideRecord(acts, bias, ds, i, 8*nb, nb), xq[i*xb:(i+1)*xb], nb)
	}
	return kern
}
