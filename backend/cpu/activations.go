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
// then 32 int8 quants.
func q8x86(withSum bool, dst []byte, src []float32) {
	bb := 2 + 32
	if withSum {
		bb += 2
	}
	for b := 0; b < len(src)/32; b++ {
		x := src[b*32 : (b+1)*32]
		out := dst[b*bb : (b+1)*bb]
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
		qs := out[bb-32:]
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
}
