package quant

import "math"

// F16 and BF16 blocks are single elements: an IEEE 754 binary16 (F16) or the
// upper half of a binary32 (BF16), two bytes little-endian.

// F16ToF32 converts an IEEE 754 half-precision value to float32 exactly
// (GGML_FP16_TO_FP32): every half, subnormals, infinities and NaNs included,
// has an exact float32.
func F16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // infinity or NaN; the payload is kept
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal: mant units of 2^-24, exact in float32.
	f := float32(mant) * 0x1p-24
	if sign != 0 {
		f = -f
	}
	return f
}

// F32ToF16 converts f to the nearest half-precision value, ties to even, as
// GGML_FP32_TO_FP16 does (the F16C instruction, or ggml's portable
// ggml_compute_fp32_to_fp16): values past the half range become infinities,
// values below half the smallest subnormal become signed zeros. Every NaN
// becomes the quiet NaN 0x7e00 with f's sign, as in the portable version
// (F16C would keep the payload's top bits).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15 // the half's biased exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal half (or zero): the value in units of 2^-24 is
		// (mant|implicit one) >> (14-e), rounded to nearest even.
		if e < -10 {
			return sign // below half of the smallest subnormal
		}
		m := mant | 0x800000
		shift := uint(14 - e)
		r := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++ // may carry into the smallest normal, which is right
		}
		return sign | uint16(r)
	}
	r := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++ // a carry out of the mantissa bumps the exponent, up to infinity
	}
	return sign | uint16(r)
}

// BF16ToF32 converts a bfloat16 to float32 exactly (GGML_BF16_TO_FP32).
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 converts f to bfloat16 as ggml_compute_fp32_to_bf16 does: round
// to nearest, ties to even; a NaN keeps its upper bits and is forced quiet.
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 64
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}
