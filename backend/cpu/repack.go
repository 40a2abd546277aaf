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
const (
	q4GroupRows  = 8
	q4GroupBlock = 8 * q4Block // bytes of one block of a group
)

// repackQ4_0 repacks rows (a multiple of 8) of nb Q4_0 blocks into dst
// (rows·nb·18 bytes).
func repackQ4_0(dst, src []byte, rows, nb int) []byte {
	repackGroups(dst, src, 0, rows/q4GroupRows, nb)
	return dst
}

// repackGroups repacks groups lo…hi-1 of 8 rows: each row's block gives its
// scale (2 bytes) and its quants as four 4-byte words, one per chunk.
func repackGroups(dst, src []byte, lo, hi, nb int) {
	rb := nb * q4Block
	for g := lo; g < hi; g++ {
		rows := src[g*q4GroupRows*rb:][:q4GroupRows*rb]
		groups := dst[g*nb*q4GroupBlock:][:nb*q4GroupBlock]
		for b := range nb {
			out := groups[b*q4GroupBlock:][:q4GroupBlock]
			for r := range q4GroupRows {
				blk := rows[r*rb+b*q4Block:][:q4Block]
				out[2*r], out[2*r+1] = blk[0], blk[1]
				for p := range 4 {
					// low nibbles of qs[4p…4p+3] are elements 4p…4p+3, high are 16+4p…
					binary.LittleEndian.PutUint32(out[16+32*p+4*r:], binary.LittleEndian.Uint32(blk[2+4*p:]))
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
	for g := range len(out) / q4GroupRows {
		var acc [q4GroupRows]float32
		for b := range nb {
			blk := w[(g*nb+b)*q4GroupBlock:][:q4GroupBlock]
			x := a.q[b*q8Block+2:][:32]
			for r := range q4GroupRows {
				s := a.bias[b]
				for p := range 4 {
					for i := range 4 {
						v := blk[16+32*p+4*r+i]
						s += int32(v&0x0f)*int32(int8(x[4*p+i])) + int32(v>>4)*int32(int8(x[16+4*p+i]))
					}
				}
				d := half(blk[2*r:]) * a.d[b]
				acc[r] = fma32(float32(s), d, acc[r])
			}
		}
		copy(out[g*q4GroupRows:], acc[:])
	}
}

// bytesKey identifies a weight tensor's memory for the repack cache.
type bytesKey struct {
	p *byte
	n int
}

func keyOf(b []byte) bytesKey { return bytesKey{unsafe.SliceData(b), len(b)} }
