package cpu

import "github.com/tern-llm/tern/quant"

// Q8_0 weights with a multiple of 16 rows are repacked, where the machine
// has AVX-512 VNNI (wideQ8), in groups of 16 rows as Q4_0's are (see
// repack.go), so that a one-token product is one vpdpbusd per 64 bytes of
// weights, its lanes 16 rows, with no sums across lanes: 544 bytes a
// block, the 16 rows' scales (halves, row order) and 8 chunks of 64
// bytes, chunk p byte 4r+i holding element 4p+i of row r plus 128 (its
// top bit flipped: unsigned, as vpdpbusd takes the weights). Blocks go in
// pairs, as Q4_0's (wideOffsets). Row blocks kept whole (dotRowsQ8_0Two)
// take 15 instructions a block of two rows, and ran 26-38 GB/s a core in
// L2 on Zen 4 (session 21) where the repacked Q4_0 kernel ran 76-83.
//
// A row's sum is then as the repacked Q4_0 kernels make it, block by
// block: the block's integer Σ(w+128)·x − 128·Σx, exact, converted, times
// d_w·d_x and fused into the row's sum (ggml's Q8_0 repack for Arm keeps
// this order; its x86 kernels take 8 lanes a row).
const q8WideBlock = q4WideRows * q8Block

// repackQ8Groups repacks groups lo…hi-1 of 16 rows of nb Q8_0 blocks.
func repackQ8Groups(dst, src []byte, lo, hi, nb int) {
	rb := nb * q8Block
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*q8WideBlock:][:nb*q8WideBlock]
		for b := range nb {
			s, c := wideOffsets(b, nb, q8WideBlock)
			for r := range q4WideRows {
				blk := rows[r*rb+b*q8Block:][:q8Block]
				group[s+2*r], group[s+2*r+1] = blk[0], blk[1]
				for p := range 8 {
					for i := range 4 {
						group[c+64*p+4*r+i] = blk[2+4*p+i] ^ 0x80
					}
				}
			}
		}
	}
}

// quantizeQ8WideAct quantizes src into q (Q8_0) and sets a to it, with
// the bias of the repacked Q8_0 kernels: −128·Σx a block.
func quantizeQ8WideAct(a *q4Act, q []byte, src []float32, bias []int32, d []float32) {
	quantizeQ4Act(a, q, src, bias, d) // −8·Σx
	for b := range bias {
		bias[b] *= 16
	}
}

// dotWideQ8_0Generic sets out[16g+r] to row r of 16-row group g of
// repacked Q8_0 (len(out)/16 groups of nb blocks) dotted with the
// activations a (bias −128·Σx), block by block.
func dotWideQ8_0Generic(out []float32, w []byte, nb int, a *q4Act) {
	var acc [q4WideRows]float32
	for g := range len(out) / q4WideRows {
		clear(acc[:])
		group := w[g*nb*q8WideBlock:][:nb*q8WideBlock]
		for b := range nb {
			sc, c := wideOffsets(b, nb, q8WideBlock)
			x := a.q[b*q8Block+2:][:32]
			for r := range q4WideRows {
				s := a.bias[b]
				for p := range 8 {
					for i := range 4 {
						s += int32(group[c+64*p+4*r+i]) * int32(int8(x[4*p+i]))
					}
				}
				acc[r] = fma32(float32(s), half(group[sc+2*r:])*a.d[b], acc[r])
			}
		}
		copy(out[g*q4WideRows:], acc[:])
	}
}

// wideQ8Kernel is pickKernel's kernel for an n-token product with Q8_0
// weights that it takes repacked (wideKernel): the activations quantized
// with the repacked kernels' bias (quantize).
func (d *Device) wideQ8Kernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	kern, acts, bias, ds := d.wideKernel(quant.Q8_0, n, m, nb, wb, packed, transient, wideKernels{1, dotWideQ8_0, dotWideQ8_0Two, dotWideQ8_0x4})
	kern.quantize = func(i int, src []float32) { // sets xq's row i and acts[i], which the kernels read
		quantizeQ8WideAct(&acts[i], xq[i*xb:(i+1)*xb], src, bias[i*nb:(i+1)*nb], ds[i*nb:(i+1)*nb])
	}
	return kern
}
