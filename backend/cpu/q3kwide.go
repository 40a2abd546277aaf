package cpu

import (
	"encoding/binary"

	"github.com/tern-llm/tern/quant"
)

// Q3_K weights with a multiple of 16 rows are repacked, where the machine
// has AVX-512 VNNI (wideQ3K), in groups of 16 rows: one lane a row. A
// block of the group is 1760 bytes, as many as its 16 rows' blocks, so
// blocks go in pairs of 55 cache lines:
//
//	bytes    0-63    the 16 rows' d (halves, row order), block 0's then 1's
//	bytes   64-255   block 0's scales: line s dword r is dword s of row r's
//	                 scales, repacked (q3KScaleAt)
//	bytes  256-1791  block 0's levels: for each of ggml's lanes l (0-7),
//	                 three chunks of 64 bytes P0, P1, P2 at 192l, 64k; byte
//	                 4r+i of each holds row r's levels (0-7, stored +4) of
//	                 element 4l+i of the block's eight 32-element groups
//	                 (q3KPack)
//	bytes 1792-3519  block 1's scales, then levels
//
// An odd last block lies alone in its 1760 bytes: d at 0, scales at 32,
// levels at 224. A block's levels follow its scales in every case (at
// +192), so the kernels find a block from two offsets.
//
// The levels of element 4l+i of groups 0-7 (24 bits) fill three bytes:
// P0 = g0 | g1<<3 | (g6&3)<<6, P1 = g2 | g3<<3 | (g7&3)<<6, P2 = g4 | g5<<3
// | (g6>>2)<<6 | (g7>>2)<<7, so that six groups' levels are a shift and a
// mask and the other two four instructions, where Q3_K's own planes (two
// bits in qs, one in hmask) cost a shift and a mask for each. The 16
// scales (6 bits, stored as signed values −32…31) lie in the rows' three
// dwords at bits 2, 8, 14, 20, 26: A holds s0, s2, s4, s6, s8; B s10, s12,
// s14, s1, s3; C s5, s7, s9, s11, s13; s15's six bits are the three
// dwords' bits 0-1 (A's its low two). The even sub-blocks (ggml's lanes
// 0-3) need lines A and B, the odd ones (lanes 4-7) B, C and s15.
//
// The kernels keep the order of ggml's AVX2 ggml_vec_dot_q3_K_q8_K
// (dotQ3_KLanes), the row kernels' order, so that repacking changes no
// output: per block, lane l's exact sum over the eight groups g of the
// scale of sub-block 2g + l/4 times Σ_i (level − 4)·x over elements
// 32g+4l+i, then acc[l] = fma(d·d_x, sum, acc[l]); hsum8 at the end. A
// lane's four products are one vpdpbusd (levels unsigned, activations
// signed), started from the activations' record −4·Σ_i x (fillQ3KWide),
// and times the scale by vpdpwssd (the sum fits a word, the scale's dword
// is a word and a zero).
//
// On Zen 4 (two cores shared with other work), 256 rows of 2048 hot in
// L2: the row kernel (dotRowsQ3_KVNNI) read 9.7-13.0 GB/s a core, the
// repacked one-token kernel 30-35; four tokens 18-25 GB/s of weights a
// token against 50 (42 before the four-token kernel paired its groups).
// The one-token kernel is bound by its instructions, not its multiplies:
// groups 6 and 7 made a mask each (wrong levels) ran it 14% faster, its
// vpdpwssd made adds no faster, and gf2p8affineqb for the shifts and masks
// 19% slower. From memory (BenchmarkKernelRate, 128 MiB a thread) it read
// 26-28 GB/s on one thread. synth-1.1b Q3_K, tern bench -p 64 -n 32 -t 2,
// interleaved: pp64 106-109 → 190-192 t/s, tg32 49.5-50.0 → 94.6-96.1
// (52-63% of the bandwidth read around each repetition → 67%, of 63-64
// GB/s; where 35 GB/s was at hand, 94%).
const (
	q3KWideBlock = q4WideRows * q3KBlock
	q3KPair      = 2 * q3KWideBlock
)

// q3KWideOffsets returns where block b of nb keeps its d and its scale
// lines (its levels follow them, at +192), in bytes from its pair's start
// (an odd last block's pair is itself).
func q3KWideOffsets(b, nb int) (d, scales int) {
	if b == nb-1 && nb%2 == 1 {
		return 0, 32
	}
	b &= 1
	return 32 * b, 64 + 1728*b
}

// q3KScaleAt is where the repacked scales keep sub-block j's (j < 15):
// dword (0: A, 1: B, 2: C) and bit.
var q3KScaleAt = [15][2]uint8{
	{0, 2}, {1, 20}, {0, 8}, {1, 26}, {0, 14}, {2, 2}, {0, 20}, {2, 8},
	{0, 26}, {2, 14}, {1, 2}, {2, 20}, {1, 8}, {2, 26}, {1, 14},
}

// q3KPackScales returns the three dwords of a Q3_K block's 12 packed scale
// bytes sc, repacked.
func q3KPackScales(sc []byte) (dw [3]uint32) {
	for j := range 16 {
		v := uint32(q3KScaleOf(sc, j)) & 63
		if j == 15 {
			for k := range 3 {
				dw[k] |= v >> (2 * k) & 3
			}
			continue
		}
		at := q3KScaleAt[j]
		dw[at[0]] |= v << at[1]
	}
	return dw
}

// q3KWideScale is sub-block j's scale (−32…31) from the three repacked
// dwords dw.
func q3KWideScale(dw [3]uint32, j int) int32 {
	var v uint32
	if j == 15 {
		v = dw[0]&3 | (dw[1]&3)<<2 | (dw[2]&3)<<4
	} else {
		at := q3KScaleAt[j]
		v = dw[at[0]] >> at[1] & 63
	}
	return int32(v<<26) >> 26
}

// q3KLevel is a Q3_K block's level (0-7, stored +4) of element 32g+e.
func q3KLevel(wb []byte, g, e int) byte {
	h, n := g/4, g%4
	return wb[32+32*h+e]>>(2*n)&3 | (wb[e]>>g&1)<<2
}

// q3KPack returns the three level bytes of element e (0-31) of a Q3_K
// block's eight groups.
func q3KPack(wb []byte, e int) (p [3]byte) {
	var v [8]byte
	for g := range v {
		v[g] = q3KLevel(wb, g, e)
	}
	p[0] = v[0] | v[1]<<3 | (v[6]&3)<<6
	p[1] = v[2] | v[3]<<3 | (v[7]&3)<<6
	p[2] = v[4] | v[5]<<3 | (v[6]>>2)<<6 | (v[7]>>2)<<7
	return p
}

// q3KUnpack is group g's level from the three level bytes p.
func q3KUnpack(p [3]byte, g int) int32 {
	switch g {
	case 6:
		return int32(p[0]>>6 | (p[2]>>6&1)<<2)
	case 7:
		return int32(p[1]>>6 | (p[2]>>7)<<2)
	}
	return int32(p[g/2] >> (3 * (g % 2)) & 7)
}

// repackQ3KGroups repacks groups lo…hi-1 of 16 rows of nb Q3_K blocks.
func repackQ3KGroups(dst, src []byte, lo, hi, nb int) {
	rb := nb * q3KBlock
	for g := lo; g < hi; g++ {
		rows := src[g*q4WideRows*rb:][:q4WideRows*rb]
		group := dst[g*nb*q3KWideBlock:][:nb*q3KWideBlock]
		for b := range nb {
			pair := group[b/2*q3KPair:]
			od, os := q3KWideOffsets(b, nb)
			for r := range q4WideRows {
				blk := rows[r*rb+b*q3KBlock:][:q3KBlock]
				copy(pair[od+2*r:][:2], blk[108:110])
				for s, v := range q3KPackScales(blk[96:108]) {
					binary.LittleEndian.PutUint32(pair[os+64*s+4*r:], v)
				}
				for e := range 32 {
					l, i := e/4, e%4
					for k, v := range q3KPack(blk, e) {
						pair[os+192+192*l+64*k+4*r+i] = v
					}
				}
			}
		}
	}
}

// The activations' records, q3KRecs int32 a block: at 8g+l, −4 times the
// sum over elements 32g+4l…32g+4l+3 (ggml's lane l of group g); at
// 64+8k+l, the same for group 2k plus q3KPairBias, which the four-token
// kernel takes (groups 2k and 2k+1 in one vpdpwssd, the first's sum
// made positive for the dword's low word).
const (
	q3KRecs     = 96
	q3KPairBias = 2048 // a 4-element sum is −2032…2048: with it 16…4096
)

// fillQ3KWide sets a from the Q8_K row q of nb blocks: a.q to q, a.d[b] to
// block b's d_x and a.bias[q3KRecs·b…] to its records.
func fillQ3KWide(a *q4Act, q []byte, nb int) {
	a.q = q
	for b := range nb {
		blk := q[b*q8KBlock:][:q8KBlock]
		x := blk[4:][:256]
		rec := a.bias[q3KRecs*b:][:q3KRecs]
		for j := range 64 {
			s := int32(int8(x[4*j])) + int32(int8(x[4*j+1])) + int32(int8(x[4*j+2])) + int32(int8(x[4*j+3]))
			rec[j] = -4 * s
		}
		for k := range 4 {
			for l := range 8 {
				rec[64+8*k+l] = rec[16*k+l] + q3KPairBias
			}
		}
		a.d[b] = q8KScale(blk)
	}
}

// dotWideQ3_KGeneric sets out[16g+r] to row r of 16-row group g of
// repacked Q3_K (len(out)/16 groups of nb blocks) dotted with the Q8_K
// activations a (fillQ3KWide), in ggml's lanes.
func dotWideQ3_KGeneric(out []float32, w []byte, nb int, a *q4Act) {
	for g := range len(out) / q4WideRows {
		group := w[g*nb*q3KWideBlock:][:nb*q3KWideBlock]
		for r := range q4WideRows {
			var acc [8]float32
			for b := range nb {
				pair := group[b/2*q3KPair:]
				od, os := q3KWideOffsets(b, nb)
				var dw [3]uint32
				for s := range dw {
					dw[s] = binary.LittleEndian.Uint32(pair[os+64*s+4*r:])
				}
				x := a.q[b*q8KBlock+4:][:256]
				d := a.d[b] * half(pair[od+2*r:])
				for l := range 8 {
					var lane int32
					for gr := range 8 {
						p := a.bias[q3KRecs*b+8*gr+l]
						for i := range 4 {
							at := pair[os+192+192*l+4*r+i:]
							lv := q3KUnpack([3]byte{at[0], at[64], at[128]}, gr)
							p += lv * int32(int8(x[32*gr+4*l+i]))
						}
						lane += q3KWideScale(dw, 2*gr+l/4) * p
					}
					acc[l] = fma32(d, float32(lane), acc[l])
				}
			}
			out[g*q4WideRows+r] = hsum8(&acc)
		}
	}
}

// wideQ3KKernel is pickKernel's kernel for an n-token product with Q3_K
// weights that it takes repacked (wideKernel): the Q8_K activations'
// records and scales made (prep).
func (d *Device) wideQ3KKernel(n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel {
	kern, acts, bias, ds := d.wideKernel(quant.Q3_K, n, m, nb, wb, packed, transient, wideKernels{q3KRecs, dotWideQ3_K, dotWideQ3_KTwo, dotWideQ3_Kx4})
	kern.prep = func(i int) { // sets acts[i] from xq's row i, which the kernels read
		fillQ3KWide(wideRecord(acts, bias, ds, i, q3KRecs*nb, nb), xq[i*xb:(i+1)*xb], nb)
	}
	return kern
}
