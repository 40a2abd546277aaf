package cpu

import (
	"encoding/binary"
	"math"

	"github.com/tern-llm/tern/quant"
)

// quantizeActivations converts one row of activations to the type a weight
// format's dot product takes (quant.VecDotType), as ggml's CPU backend does
// on x86 (its from_float): for Q8_0 and Q8_1 that is not the reference
// quantizer but the AVX one, which scales by 127/amax and rounds half to
// even. Matching it keeps Tern's logits on quantized models within rounding
// of llama.cpp's.
func quantizeActivations(t quant.Type, dst []byte, src []float32) error {
	switch t {
	case quant.Q8_0, quant.Q8_1:
		q8x86(t == quant.Q8_1, dst, src)
		return nil
	}
	return quant.Quantize(t, dst, src)
}

// q8x86 quantizes 32-element blocks: an F16 scale d, for Q8_1 an F16 d·Σq,
// then 32 int8 quants. Q8_0 goes through the vector form where the machine
// has one, a chunk of blocks at a time; a block whose scale is not a
// normal float32 or zero (a tiny, huge or non-finite amax) is redone here.
func q8x86(withSum bool, dst []byte, src []float32) {
	bb := 2 + 32
	if withSum {
		bb += 2
	}
	nb := len(src) / 32
	if !withSum && hasQ8Vector() {
		var ds [q8Chunk]float32
		for b0 := 0; b0 < nb; b0 += q8Chunk {
			n := min(q8Chunk, nb-b0)
			q8BlocksVector(dst[b0*bb:(b0+n)*bb], src[b0*32:(b0+n)*32], ds[:n])
			for b, d := range ds[:n] {
				out := dst[(b0+b)*bb:][:bb]
				if q8Redo(d) {
					q8Quantize(false, out, src[(b0+b)*32:][:32])
					continue
				}
				binary.LittleEndian.PutUint16(out, quant.F32ToF16(d))
			}
		}
		return
	}
	for b := range nb {
		q8Quantize(withSum, dst[b*bb:(b+1)*bb], src[b*32:(b+1)*32])
	}
}

// q8Redo reports whether a block the vector form quantized with scale d
// is to be quantized again in Go: d neither zero nor a normal float32 (a
// tiny, huge or non-finite amax).
func q8Redo(d float32) bool { return d != 0 && !(d >= 0x1p-126 && d <= math.MaxFloat32) }

// q8Chunk is the blocks the vector form quantizes per call (their scales
// come back on the stack).
const q8Chunk = 64

// q8Quantize quantizes one block of 32 (out: 34 bytes, or 36 with the sum).
func q8Quantize(withSum bool, out []byte, x []float32) {
	var amax float32
	for _, v := range x {
		amax = max(amax, float32(math.Abs(float64(v))))
	}
	d := amax / 127
	var id float32
	if amax != 0 {
		id = 127 / amax
	}
	binary.LittleEndian.PutUint16(out, quant.F32ToF16(d))
	qs := out[len(out)-32:]
	var sum int32
	for j, v := range x {
		// round to nearest even as vroundps does: adding 1.5·2²³ leaves
		// the integer in the low mantissa bits (|v·id| ≤ 127)
		q := int32(math.Float32bits(float32(v*id)+0x1.8p23)) - 0x4b400000
		qs[j] = byte(int8(q))
		sum += q
	}
	if withSum {
		binary.LittleEndian.PutUint16(out[2:], quant.F32ToF16(d*float32(sum)))
	}
}
