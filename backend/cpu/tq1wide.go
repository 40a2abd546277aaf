package cpu

import "github.com/tern-llm/tern/quant"

// TQ1_0 weights with a multiple of 16 rows are repacked, where the machine
// has AVX-512 VNNI (wideTQ1), in groups of 16 rows, one lane a row, and
// summed in the order of ggml's AVX2 ggml_vec_dot_tq1_0_q8_K
// (dotTQ1_0Lanes): per block, lane l's exact sum of trit × activation
// over elements 4l…4l+3 of each of the block's eight 32-element vectors,
// started from the record's −(bsums[2l] + bsums[2l+1]), converted, times
// d_x·d_w and added (not fused) to the lane; hsum8 at the end. A block of
// the group is 864 bytes, the trits still packed five (or four) a byte:
//
//	bytes    0-31   the 16 rows' d (halves, row order)
//	bytes   32-543  eight chunks A_p of 64 bytes: byte 4r+i is packed byte
//	                4p+i of row r (its trits n = 0…4: lane p of vector n)
//	bytes  544-799  four chunks B_c: packed byte 32+4c+i of row r (trits
//	                0, 2, 4: lane c of vectors 5, 6, 7; trits 1, 3: lane
//	                c+4 of vectors 5, 6)
//	bytes  800-863  chunk C: packed byte 48+i of row r (trit n: lane 4+n
//	                of vector 7)
//
// The kernels make a chunk's planes 64 bytes at once, q_n = byte·3^n
// (mod 256) by byte adds, as ggml does. The four-token kernel takes trit n
// out, (3q_n) >> 8, as [q_n ≥ 86] + [q_n ≥ 171] by two compares
// (TestTritCompares), where ggml's two vpavgb took a fifth instruction. The
// one-token kernel takes no trit out: 3q_n = 256·trit + q_{n+1}, so a lane's
// sum of trit × x is (3·Σ q_n·x − Σ q_{n+1}·x) / 256, two VPDPBUSD of bytes
// it makes anyway (BenchmarkDotWideTQ1_0: 12.3 → 17.7 GB/s, session 31).
const tq1WideBlock = q4WideRows * tq1Block

// repackTQ1Groups repacks groups lo…hi-1 of 16 rows of nb TQ1_0 blocks.
func repackTQ1Groups(dst, src []byte, lo, hi, nb int) {
	rb := nb * tq1Block
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*tq1WideBlock:][:nb*tq1WideBlock]
		for b := range nb {
			out := group[b*tq1WideBlock:][:tq1WideBlock]
			for r := range q4WideRows {
				blk := rows[r*rb+b*tq1Block:][:tq1Block]
				copy(out[2*r:2*r+2], blk[52:54])
				for c := range 13 { // A_0…A_7, B_0…B_3, C: packed bytes 4c…4c+3
					copy(out[32+64*c+4*r:][:4], blk[4*c:][:4])
				}
			}
		}
	}
}

// fillTQ1Wide sets a from the Q8_K row q of nb blocks: a.q to q, a.d[b] to
// block b's d_x and a.bias[8b+l] to −(bsums[2l] + bsums[2l+1]).
func fillTQ1Wide(a *q4Act, q []byte, nb int) {
	a.q = q
	for b := range nb {
		blk := q[b*q8KBlock:][:q8KBlock]
		for l := range 8 {
			a.bias[8*b+l] = -(q8KBsum(blk, 2*l) + q8KBsum(blk, 2*l+1))
		}
		a.d[b] = q8KScale(blk)
	}
}

// tq1WideTrit is row r's trit (0…2) of element e of vector v in a
// repacked block: where dotTQ1_0Lanes finds it, packed byte k's trit n.
func tq1WideTrit(blk []byte, r, v, e int) int32 {
	var k, n int
	switch {
	case v < 5:
		k, n = e, v
	case v < 7 || e < 16:
		k, n = 32+e%16, 2*(v-5)+e/16
	default:
		k, n = 48+(e-16)%4, (e-16)/4
	}
	return tq1Trit(blk[32+64*(k/4)+4*r+k%4], n)
}

// dotWideTQ1_0Generic sets out[16g+r] to row r of 16-row group g of
// repacked TQ1_0 (len(out)/16 groups of nb blocks) dotted with the Q8_K
// activations a (fillTQ1Wide), in ggml's lanes.
func dotWideTQ1_0Generic(out []float32, w []byte, nb int, a *q4Act) {
	for g := range len(out) / q4WideRows {
		group := w[g*nb*tq1WideBlock:][:nb*tq1WideBlock]
		for r := range q4WideRows {
			var acc [8]float32
			for b := range nb {
				blk := group[b*tq1WideBlock:][:tq1WideBlock]
				q8 := a.q[b*q8KBlock+4:][:256]
				var lanes [8]int32
				copy(lanes[:], a.bias[8*b:8*b+8])
				for v := range 8 {
					for e := range 32 {
						lanes[e/4] += tq1WideTrit(blk, r, v, e) * int32(int8(q8[32*v+e]))
					}
				}
				d := a.d[b] * half(blk[2*r:])
				for l := range 8 {
					acc[l] += float32(float32(lanes[l]) * d)
				}
			}
			out[g*q4WideRows+r] = hsum8(&acc)
		}
	}
}

// dotWideTQ1_0Two is dotWideTQ1_0 on two runs of groups, one after the
// other: a block's lane sums and the lanes' floats fill the registers a
// second run would need (as IQ4_NL's two sets do, where a kernel that
// took a group of each run in turn ran no faster: bench/cpu-23-24.md, session
// 24).
func dotWideTQ1_0Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideTQ1_0(outA, wA, nb, a)
	dotWideTQ1_0(outB, wB, nb, a)
}

// wideTQ1Kernel is pickKernel's kernel for an n-token product with TQ1_0
// weights that it takes repacked (wideKernel): the Q8_K activations'
// sums and scales gathered (prep).
func (d *Device) wideTQ1Kernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	kern, acts, bias, ds := d.wideKernel(quant.TQ1_0, n, m, nb, wb, packed, transient, wideKernels{8, dotWideTQ1_0, dotWideTQ1_0Two, dotWideTQ1_0x4})
	kern.prep = func(i int) { // sets acts[i] from xq's row i, which the kernels read
		fillTQ1Wide(wideRecord(acts, bias, ds, i, 8*nb, nb), xq[i*xb:(i+1)*xb], nb)
	}
	return kern
}
