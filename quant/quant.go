package quant

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Errors returned (wrapped) by Dequantize, Quantize and VecDot.
var (
	// ErrUnsupported: the type has no code here (see Supported).
	ErrUnsupported = errors.New("quant: unsupported type")
	// ErrSize: a length is not a whole number of blocks, or a buffer is short.
	ErrSize = errors.New("quant: bad size")
)

// codec is what this package implements for one type. The functions take
// whole blocks whose sizes the exported wrappers have checked.
type codec struct {
	// dequant expands one block (src: BlockBytes bytes) into dst (BlockSize
	// values); for the one-element types, a whole row.
	dequant func(dst []float32, src []byte)
	// quant packs one block of values into dst, as llama.cpp's reference
	// quantizer (quantize_row_*_ref) does; for the one-element types, a row.
	quant func(dst []byte, src []float32)
	// dot is the dot product of nb blocks of weights w with nb blocks of
	// activations x of type vecDot (the blocks of the two may differ in size,
	// but cover the same elements).
	dot func(nb int, w, x []byte) float32
	// vecDot is the activation type dot pairs with, as in ggml's type traits.
	vecDot Type
}

// codecs is indexed by Type; a nil dequant marks a type with no code here.
var codecs = [...]codec{
	F32:    {dequantF32, quantF32, dotF32, F32},
	F16:    {dequantF16, quantF16, dotF16, F16},
	BF16:   {dequantBF16, quantBF16, dotBF16, BF16},
	Q4_0:   {dequantQ4_0, quantQ4_0, dotQ4_0, Q8_0},
	Q4_1:   {dequantQ4_1, quantQ4_1, dotQ4_1, Q8_1},
	Q5_0:   {dequantQ5_0, quantQ5_0, dotQ5_0, Q8_0},
	Q5_1:   {dequantQ5_1, quantQ5_1, dotQ5_1, Q8_1},
	Q8_0:   {dequantQ8_0, quantQ8_0, dotQ8_0, Q8_0},
	Q8_1:   {dequantQ8_1, quantQ8_1, nil, 0},
	Q2_K:   {dequantQ2_K, quantQ2_K, dotQ2_K, Q8_K},
	Q3_K:   {dequantQ3_K, quantQ3_K, dotQ3_K, Q8_K},
	Q4_K:   {dequantQ4_K, quantQ4_K, dotQ4_K, Q8_K},
	Q5_K:   {dequantQ5_K, quantQ5_K, dotQ5_K, Q8_K},
	Q6_K:   {dequantQ6_K, quantQ6_K, dotQ6_K, Q8_K},
	Q8_K:   {dequantQ8_K, quantQ8_K, nil, 0},
	IQ4_NL: {dequantIQ4_NL, quantIQ4_NL, dotIQ4_NL, Q8_0},
	TQ1_0:  {dequantTQ1_0, quantTQ1_0, dotTQ1_0, Q8_K},
	TQ2_0:  {dequantTQ2_0, quantTQ2_0, dotTQ2_0, Q8_K},
}

func codecOf(t Type) (codec, bool) {
	if int(t) >= len(codecs) || codecs[t].dequant == nil {
		return codec{}, false
	}
	return codecs[t], true
}

// Supported reports whether t can be dequantized and quantized here. Q8_1 and
// Q8_K are supported as activation formats; they have no dot product of
// their own (VecDot fails for them, as ggml has none).
func Supported(t Type) bool {
	_, ok := codecOf(t)
	return ok
}

// rowBytes checks that n elements of t are whole blocks and that buf holds them.
func rowBytes(t Type, n, have int, what string) (int, error) {
	need, err := t.RowBytes(n)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrSize, err)
	}
	if have < need {
		return 0, fmt.Errorf("%w: %s of %d %s elements needs %d bytes, have %d", ErrSize, what, n, t, need, have)
	}
	return need, nil
}

// Dequantize expands len(dst) elements of type t from src into dst. len(dst)
// must be a whole number of t's blocks and src must hold at least
// t.RowBytes(len(dst)) bytes (extra bytes are ignored).
func Dequantize(t Type, dst []float32, src []byte) error {
	c, ok := codecOf(t)
	if !ok {
		return fmt.Errorf("%w: dequantize %s", ErrUnsupported, t)
	}
	if _, err := rowBytes(t, len(dst), len(src), "source"); err != nil {
		return err
	}
	bs, bb := t.BlockSize(), t.BlockBytes()
	if bs == 1 {
		c.dequant(dst, src)
		return nil
	}
	for i := range len(dst) / bs {
		c.dequant(dst[i*bs:(i+1)*bs], src[i*bb:(i+1)*bb])
	}
	return nil
}

// Quantize packs src into dst as type t, reproducing llama.cpp's reference
// quantizers (what llama-quantize does without an importance matrix) bit for
// bit. len(src) must be a whole number of t's blocks and dst must hold at
// least t.RowBytes(len(src)) bytes; only that many are written.
func Quantize(t Type, dst []byte, src []float32) error {
	c, ok := codecOf(t)
	if !ok {
		return fmt.Errorf("%w: quantize %s", ErrUnsupported, t)
	}
	if _, err := rowBytes(t, len(src), len(dst), "destination"); err != nil {
		return err
	}
	bs, bb := t.BlockSize(), t.BlockBytes()
	if bs == 1 {
		c.quant(dst, src)
		return nil
	}
	for i := range len(src) / bs {
		c.quant(dst[i*bb:(i+1)*bb], src[i*bs:(i+1)*bs])
	}
	return nil
}

// VecDotType is the activation type that ggml pairs with weights of type t in
// a dot product: Q8_0 for Q4_0, Q5_0, Q8_0 and IQ4_NL; Q8_1 for Q4_1 and Q5_1
// (its block carries the sum the weights' minimum multiplies); Q8_K for the
// K-quants and TQ1_0/TQ2_0; the type itself for F32, F16 and BF16. For a
// type without a dot product here it returns t, and VecDot fails.
//
// Quantize makes activations with ggml's reference quantizers
// (quantize_row_q8_0_ref, _q8_1_ref, _q8_K_ref). llama.cpp's x86 SIMD
// versions of Q8_0 and Q8_1 differ at the last bit: they scale by 127/max
// rather than 1/(max/127) and round ties to even rather than away from zero.
func VecDotType(t Type) Type {
	c, ok := codecOf(t)
	if !ok || c.dot == nil {
		return t
	}
	return c.vecDot
}

// VecDot returns the dot product of n elements of weights w (type t) with
// activations x already quantized to VecDotType(t). It is the plain reference
// for the CPU kernels: integer sums within blocks and float32 scaling in the
// order of ggml's generic C (ggml-cpu/quants.c ggml_vec_dot_*_generic, and
// ggml_vec_dot_f32/f16/bf16, which sum in float64), with every product
// rounded (no fused multiply-add). n must be a whole number of blocks of both
// types, and w and x must hold at least their RowBytes(n).
func VecDot(t Type, n int, w []byte, x []byte) (float32, error) {
	c, ok := codecOf(t)
	if !ok || c.dot == nil {
		return 0, fmt.Errorf("%w: dot product of %s", ErrUnsupported, t)
	}
	if _, err := rowBytes(t, n, len(w), "weights"); err != nil {
		return 0, err
	}
	if _, err := rowBytes(c.vecDot, n, len(x), "activations"); err != nil {
		return 0, err
	}
	return c.dot(n/t.BlockSize(), w, x), nil
}

// Little-endian field access shared by the block layouts.

func f16At(b []byte) float32 { return F16ToF32(binary.LittleEndian.Uint16(b)) }

func putF16(b []byte, f float32) { binary.LittleEndian.PutUint16(b, F32ToF16(f)) }

// roundTrip16 is f as it reads back after storing it as a half.
func roundTrip16(f float32) float32 { return F16ToF32(F32ToF16(f)) }

// nearestInt rounds to the nearest integer, ties to even, with ggml's trick
// (nearest_int): adding 1.5*2^23 leaves the integer in the low mantissa bits.
// It is exact for |f| <= 4194303; outside that range the result is garbage,
// as in ggml, but never a panic.
func nearestInt(f float32) int {
	v := f + 12582912
	i := int32(math.Float32bits(v))
	return int(i&0x007fffff - 0x00400000)
}

// roundAway is C's roundf/lroundf: to nearest, ties away from zero.
func roundAway(f float32) float32 { return float32(math.Round(float64(f))) }

// sqrt32 is C's sqrtf (correctly rounded: the float64 root rounds to the same float32).
func sqrt32(f float32) float32 { return float32(math.Sqrt(float64(f))) }

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }
