package cpu

import "encoding/binary"

// fillQ4Act is q4Act.fill, the extras the repacked Q4_0 kernels take with a
// token's Q8_0 activations (q, blocks of q8Block bytes: an F16 scale, 32
// quants): each block's bias −8·Σq and its scale as float32. The sums are
// taken eight quants a word in general registers (the same integers as
// fill's byte loop) and the scales widened together (f16s, exact), 7.3-8.4
// µs -> under 1 µs for the 256 blocks of a 8192-wide down projection: a
// one-token product makes these before its workers start.
func fillQ4Act(a *q4Act, q []byte, bias []int32, d []float32) {
	a.q, a.bias, a.d = q, bias, d
	nb := len(bias)
	d = d[:nb]
	var halves [2 * scaleChunk]byte // the blocks' scales side by side, widened at once
	for b0 := 0; b0 < nb; b0 += scaleChunk {
		n := min(scaleChunk, nb-b0)
		for b := range n {
			blk := q[(b0+b)*q8Block:][:q8Block]
			halves[2*b], halves[2*b+1] = blk[0], blk[1]
			bias[b0+b] = -8 * sumInt8x32(blk[2:])
		}
		f16s(d[b0:b0+n], halves[:2*n])
	}
}

// quantizeQ4Act converts src to Q8_0 activations in q as quantizeRow
// does and sets a to them with their extras, as quantizeRow then
// fillQ4Act(a, q, bias, d) do: in one pass where the machine has the
// vector form (BenchmarkFillQ4Act: an 8,192-wide row in 2.9-3.1 µs in
// two passes, 1.5-1.7 in one).
func quantizeQ4Act(a *q4Act, q []byte, src []float32, bias []int32, d []float32) {
	if !hasQ8Vector() {
		q8x86(false, q, src)
		fillQ4Act(a, q, bias, d)
		return
	}
	a.q, a.bias, a.d = q, bias, d
	nb := len(bias)
	var ds [q8Chunk]float32
	for b0 := 0; b0 < nb; b0 += q8Chunk {
		n := min(q8Chunk, nb-b0)
		q8Q4ActVector(q[b0*q8Block:(b0+n)*q8Block], src[b0*32:(b0+n)*32], ds[:n], bias[b0:b0+n], d[b0:b0+n])
		for b, s := range ds[:n] {
			if q8Redo(s) { // as q8x86 redoes it
				blk := q[(b0+b)*q8Block:][:q8Block]
				q8Quantize(false, blk, src[(b0+b)*32:][:32])
				bias[b0+b] = -8 * sumInt8x32(blk[2:])
				d[b0+b] = half(blk)
			}
		}
	}
}

// scaleChunk is the blocks whose scales fillQ4Act gathers on the stack
// before widening them.
const scaleChunk = 64

// sumInt8x32 is the sum of 32 signed bytes: each byte biased by 128 (its
// top bit flipped) to an unsigned one, the biased bytes summed in pairs into
// four 16-bit lanes of a word, the lanes summed, less 32·128.
func sumInt8x32(q []byte) int32 {
	const (
		evens = 0x00ff00ff00ff00ff
		tops  = 0x8080808080808080
	)
	_ = q[31] // bounds check hint to compiler; see golang.org/issue/14808
	w0, w1 := binary.LittleEndian.Uint64(q[0:])^tops, binary.LittleEndian.Uint64(q[8:])^tops
	w2, w3 := binary.LittleEndian.Uint64(q[16:])^tops, binary.LittleEndian.Uint64(q[24:])^tops
	// four lanes of byte pairs, each at most 8·255
	lanes := w0&evens + w0>>8&evens + w1&evens + w1>>8&evens + w2&evens + w2>>8&evens + w3&evens + w3>>8&evens
	return int32(lanes*0x0001000100010001>>48) - 32*128 // the lanes' sum is at most 8160
}
