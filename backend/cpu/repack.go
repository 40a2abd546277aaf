package cpu

import (
	"encoding/binary"
	"unsafe"
)

// Q4_0 weights with a multiple of 8 rows are repacked, once, the way
// ggml's CPU backend repacks them (block_q4_0x8): the same block of 8
// consecutive rows is stored together, so that one vector instruction
// works on 8 rows at once and every row's block sum is an integer computed
// whole. The group layout, per block (144 bytes for 8 rows):
//
//	bytes   0-15   the 8 rows' scales d (halves), row order
//	bytes  16-143  4 chunks of 32 bytes; chunk p byte 4r+i holds element
//	               4p+i of row r in its low nibble and element 16+4p+i in
//	               its high nibble (unsigned, 0-15: the value is q-8)
//
// Where the machine's kernels take 512-bit vectors (wideQ4), matrices with
// a multiple of 16 rows are repacked in groups of 16 rows instead, the same
// layout twice as wide (288 bytes a block): 16 scales (32 bytes) and 4
// chunks of 64 bytes, chunk p byte 4r+i holding elements 4p+i and 16+4p+i
// of row r. One vector then holds 16 rows' lanes, and a one-token product
// still reads one sequential stream with the activations broadcast. The
// blocks go in pairs (576 bytes, nine cache lines): both blocks' scales in
// the first line, then the first block's chunks, then the second's, so
// that every chunk is one aligned 512-bit load (a chunk across two lines
// is two loads and a shuffle: the four-stream kernel ran 64.6 GB/s a core
// in L2 on unpaired blocks, 80.8 on pairs). An odd last block is laid out
// alone: its scales, then its chunks (wideOffsets).
const (
	q4GroupRows  = 8
	q4GroupBlock = 8 * q4Block // bytes of one block of a group
	q4WideRows   = 16
	q4WideBlock  = q4WideRows * q4Block
)

// groupRows returns the rows of a repacked group of an m-row Q4_0 matrix
// (m a multiple of 8): 16 where the kernels take wide groups and m allows.
func groupRows(m int) int {
	if wideQ4 && m%q4WideRows == 0 {
		return q4WideRows
	}
	return q4GroupRows
}

// repackQ4_0 repacks rows (a multiple of 8) of nb Q4_0 blocks into dst
// (rows·nb·18 bytes) in groups of 8 rows.
func repackQ4_0(dst, src []byte, rows, nb int) []byte {
	repackGroups(dst, src, 0, rows/q4GroupRows, nb, q4GroupRows)
	return dst
}

// groupOffsets returns where block b of a Q4_0 group of gr rows (8 or 16)
// and nb blocks keeps its scales and its first chunk, in bytes from the
// group's start.
func groupOffsets(b, nb, gr int) (scales, chunks int) {
	gb := gr * q4Block
	if gr != q4WideRows {
		return b * gb, b*gb + 2*gr
	}
	return wideOffsets(b, nb, gb)
}

// wideOffsets is groupOffsets for groups of 16 rows whose blocks are gb
// bytes (16 scales, then the quants: Q4_0's 288, Q8_0's 544): blocks in
// pairs, an odd last block alone.
func wideOffsets(b, nb, gb int) (scales, chunks int) {
	const scaleBytes = 2 * q4WideRows
	quants := gb - scaleBytes
	pair := (b &^ 1) * gb
	switch {
	case b&1 == 1:
		return pair + scaleBytes, pair + 2*scaleBytes + quants
	case b == nb-1:
		return pair, pair + scaleBytes
	}
	return pair, pair + 2*scaleBytes
}

// repackGroups repacks groups lo…hi-1 of gr rows (8 or 16): each row's
// block gives its scale (2 bytes) and its quants as four 4-byte words, one
// per chunk.
func repackGroups(dst, src []byte, lo, hi, nb, gr int) {
	rb := nb * q4Block
	gb := gr * q4Block // bytes of one block of a group
	for g := lo; g < hi; g++ {
		rows := src[g*gr*rb:][:gr*rb]
		group := dst[g*nb*gb:][:nb*gb]
		for b := range nb {
			s, c := groupOffsets(b, nb, gr)
			for r := range gr {
				blk := rows[r*rb+b*q4Block:][:q4Block]
				group[s+2*r], group[s+2*r+1] = blk[0], blk[1]
				for p := range 4 {
					// low nibbles of qs[4p…4p+3] are elements 4p…4p+3, high are 16+4p…
					binary.LittleEndian.PutUint32(group[c+4*gr*p+4*r:], binary.LittleEndian.Uint32(blk[2+4*p:]))
				}
			}
		}
	}
}

// q4Act is a Q8_0 activation row with what the repacked Q4_0 kernels add
// per block: bias, -8 times the block's sum (the weights are stored
// unsigned), and the scale d as float32.
type q4Act struct {
	q    []byte    // Q8_0 blocks
	bias []int32   // (nb)
	d    []float32 // (nb)
}

func (a *q4Act) fill(q []byte, bias []int32, d []float32) {
	a.q, a.bias, a.d = q, bias, d
	for b := range bias {
		blk := q[b*q8Block:][:q8Block]
		var s int32
		for _, v := range blk[2:] {
			s += int32(int8(v))
		}
		bias[b] = -8 * s
		d[b] = half(blk)
	}
}

// dotGroupsQ4_0Generic sets out[8g+r] to row r of group g dotted with the
// activations, groups blocks of nb apart; the order is dotBlocks'.
func dotGroupsQ4_0Generic(out []float32, w []byte, nb int, a *q4Act) {
	dotGroupsGeneric(out, w, nb, a, q4GroupRows)
}

// dotWideQ4_0Generic is dotGroupsQ4_0Generic for groups of 16 rows.
func dotWideQ4_0Generic(out []float32, w []byte, nb int, a *q4Act) {
	dotGroupsGeneric(out, w, nb, a, q4WideRows)
}

// dotGroupsGeneric sets out[gr·g+r] to row r of group g (gr rows) dotted
// with the activations.
func dotGroupsGeneric(out []float32, w []byte, nb int, a *q4Act, gr int) {
	gb := gr * q4Block
	var acc [q4WideRows]float32
	for g := range len(out) / gr {
		clear(acc[:])
		group := w[g*nb*gb:][:nb*gb]
		for b := range nb {
			sc, c := groupOffsets(b, nb, gr)
			x := a.q[b*q8Block+2:][:32]
			for r := range gr {
				s := a.bias[b]
				for p := range 4 {
					for i := range 4 {
						v := group[c+4*gr*p+4*r+i]
						s += int32(v&0x0f)*int32(int8(x[4*p+i])) + int32(v>>4)*int32(int8(x[16+4*p+i]))
					}
				}
				d := half(group[sc+2*r:]) * a.d[b]
				acc[r] = fma32(float32(s), d, acc[r])
			}
		}
		copy(out[g*gr:], acc[:gr])
	}
}

// bytesKey identifies a weight tensor's memory for the repack cache.
type bytesKey struct {
	p *byte
	n int
}

func keyOf(b []byte) bytesKey { return bytesKey{unsafe.SliceData(b), len(b)} }
