//go:build amd64 && gc && !purego

package cpu

import (
	"encoding/binary"
	"math"

	"github.com/tern-llm/tern/quant"
)

//go:noescape
func q8KRangeAVX512(src *float32, nb int, mm *float32)

//go:noescape
func q8KQuantAVX512(dst *byte, src *float32, nb int, is *float32)

// q8KChunk is the blocks quantizeQ8K takes per pass (their ranges and
// scales live on the stack).
const q8KChunk = 32

// quantizeQ8K quantizes src (a multiple of 256 values) to Q8_K blocks in
// dst as quant's quantQ8_K does, bit for bit: iscale = -127/vmax, vmax
// the first value of largest magnitude; quants nearestInt(iscale·x)
// capped at 127; d = 1/iscale; the 16-element sums. The vector passes find
// each block's largest and smallest values and make its quants; a block
// whose largest magnitude is reached by both signs (the first one decides)
// or is zero, subnormal or not finite is left to the reference.
func quantizeQ8K(dst []byte, src []float32) error {
	if !useAVX512 {
		return quant.Quantize(quant.Q8_K, dst, src)
	}
	nb := len(src) / 256
	if len(src)%256 != 0 || len(dst) < nb*q8KBlock {
		return quant.Quantize(quant.Q8_K, dst, src)
	}
	var mm [2 * q8KChunk]float32
	var is [q8KChunk]float32
	for b0 := 0; b0 < nb; b0 += q8KChunk {
		n := min(q8KChunk, nb-b0)
		q8KRangeAVX512(&src[b0*256], n, &mm[0])
		var ref [q8KChunk]bool
		for b := range n {
			hi, lo := mm[2*b], mm[2*b+1]
			var vmax float32
			switch {
			case hi > -lo:
				vmax = hi
			case -lo > hi:
				vmax = lo
			default: // a tie (or NaN): the first decides
				ref[b] = true
				continue
			}
			if a := float32(math.Abs(float64(vmax))); !(a >= 0x1p-126 && a <= math.MaxFloat32) {
				ref[b] = true
				continue
			}
			is[b] = -127 / vmax
		}
		for b := range n {
			if ref[b] {
				is[b] = 0 // quantized below by the reference
			}
		}
		q8KQuantAVX512(&dst[b0*q8KBlock], &src[b0*256], n, &is[0])
		for b := range n {
			out, x := dst[(b0+b)*q8KBlock:][:q8KBlock], src[(b0+b)*256:][:256]
			if ref[b] {
				if err := quant.Quantize(quant.Q8_K, out, x); err != nil {
					return err
				}
				continue
			}
			binary.LittleEndian.PutUint32(out, math.Float32bits(1/is[b]))
			q8KSums(out)
		}
	}
	return nil
}

// q8KSums sets a Q8_K block's 16 sums of 16 quants, eight bytes at a time
// (each byte plus 128 is unsigned).
func q8KSums(blk []byte) {
	qs := blk[4 : 4+256]
	const lo = 0x00ff00ff00ff00ff
	for j := range 16 {
		a := binary.LittleEndian.Uint64(qs[16*j:]) ^ 0x8080808080808080
		b := binary.LittleEndian.Uint64(qs[16*j+8:]) ^ 0x8080808080808080
		s := a&lo + a>>8&lo + b&lo + b>>8&lo // four 16-bit sums of 4 bytes
		sum := int(s*0x0001000100010001>>48) - 16*128
		binary.LittleEndian.PutUint16(blk[4+256+2*j:], uint16(int16(sum)))
	}
}
