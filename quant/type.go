// Package quant describes the weight formats of GGML (the element types a GGUF
// tensor may have): their block layouts, and plain-Go reference code to
// quantize and dequantize them and to take dot products.
//
// Supported says which types have code here: F32, F16, BF16, Q4_0, Q4_1,
// Q5_0, Q5_1, Q8_0, Q8_1, Q2_K..Q6_K, Q8_K, TQ1_0, TQ2_0 and IQ4_NL. Quantize
// reproduces llama-quantize's bytes (without an importance matrix). The
// other IQ formats and MXFP4 have their block sizes here (so GGUF files
// holding them can be read and described) but no conversion code.
//
// It is the bottom of Tern: it imports nothing of Tern's. The code here is the
// reference the fast kernels (backend/cpu, backend/cuda) are tested against,
// so it favours clarity over speed.
package quant

import (
	"fmt"
	"math/bits"
)

// Type is a GGML element type, numbered as in ggml.h (and so in GGUF files).
type Type uint32

// The GGML types. Gaps in the numbering are types ggml removed.
const (
	F32     Type = 0
	F16     Type = 1
	Q4_0    Type = 2
	Q4_1    Type = 3
	Q5_0    Type = 6
	Q5_1    Type = 7
	Q8_0    Type = 8
	Q8_1    Type = 9
	Q2_K    Type = 10
	Q3_K    Type = 11
	Q4_K    Type = 12
	Q5_K    Type = 13
	Q6_K    Type = 14
	Q8_K    Type = 15
	IQ2_XXS Type = 16
	IQ2_XS  Type = 17
	IQ3_XXS Type = 18
	IQ1_S   Type = 19
	IQ4_NL  Type = 20
	IQ3_S   Type = 21
	IQ2_S   Type = 22
	IQ4_XS  Type = 23
	I8      Type = 24
	I16     Type = 25
	I32     Type = 26
	I64     Type = 27
	F64     Type = 28
	IQ1_M   Type = 29
	BF16    Type = 30
	TQ1_0   Type = 34
	TQ2_0   Type = 35
	MXFP4   Type = 39
)

// layout is a type's block: how many elements it holds and how many bytes it takes.
type layout struct {
	name  string
	elems int // elements per block
	bytes int // bytes per block
}

// layouts is indexed by Type; a zero entry is a type id GGML does not define.
var layouts = [...]layout{
	F32:     {"F32", 1, 4},
	F16:     {"F16", 1, 2},
	Q4_0:    {"Q4_0", 32, 2 + 16},
	Q4_1:    {"Q4_1", 32, 2 + 2 + 16},
	Q5_0:    {"Q5_0", 32, 2 + 4 + 16},
	Q5_1:    {"Q5_1", 32, 2 + 2 + 4 + 16},
	Q8_0:    {"Q8_0", 32, 2 + 32},
	Q8_1:    {"Q8_1", 32, 2 + 2 + 32},
	Q2_K:    {"Q2_K", 256, 16 + 64 + 2 + 2},
	Q3_K:    {"Q3_K", 256, 32 + 64 + 12 + 2},
	Q4_K:    {"Q4_K", 256, 2 + 2 + 12 + 128},
	Q5_K:    {"Q5_K", 256, 2 + 2 + 12 + 32 + 128},
	Q6_K:    {"Q6_K", 256, 128 + 64 + 16 + 2},
	Q8_K:    {"Q8_K", 256, 4 + 256 + 32},
	IQ2_XXS: {"IQ2_XXS", 256, 2 + 64},
	IQ2_XS:  {"IQ2_XS", 256, 2 + 64 + 8},
	IQ3_XXS: {"IQ3_XXS", 256, 2 + 96},
	IQ1_S:   {"IQ1_S", 256, 2 + 32 + 16},
	IQ4_NL:  {"IQ4_NL", 32, 2 + 16},
	IQ3_S:   {"IQ3_S", 256, 2 + 64 + 8 + 32 + 4},
	IQ2_S:   {"IQ2_S", 256, 2 + 64 + 8 + 8},
	IQ4_XS:  {"IQ4_XS", 256, 2 + 2 + 4 + 128},
	I8:      {"I8", 1, 1},
	I16:     {"I16", 1, 2},
	I32:     {"I32", 1, 4},
	I64:     {"I64", 1, 8},
	F64:     {"F64", 1, 8},
	IQ1_M:   {"IQ1_M", 256, 32 + 16 + 8},
	BF16:    {"BF16", 1, 2},
	TQ1_0:   {"TQ1_0", 256, 48 + 4 + 2},
	TQ2_0:   {"TQ2_0", 256, 64 + 2},
	MXFP4:   {"MXFP4", 32, 1 + 16},
}

// Valid reports whether t is a type GGML defines.
func (t Type) Valid() bool { return int(t) < len(layouts) && layouts[t].elems != 0 }

// String returns GGML's name for t ("Q4_K"), or "type(N)" when t is not valid.
func (t Type) String() string {
	if !t.Valid() {
		return fmt.Sprintf("type(%d)", uint32(t))
	}
	return layouts[t].name
}

// BlockSize is the number of elements in one block of t (1 for plain types).
// It is 0 for an invalid type.
func (t Type) BlockSize() int {
	if !t.Valid() {
		return 0
	}
	return layouts[t].elems
}

// BlockBytes is the size in bytes of one block of t. It is 0 for an invalid type.
func (t Type) BlockBytes() int {
	if !t.Valid() {
		return 0
	}
	return layouts[t].bytes
}

// RowBytes is the size in bytes of n elements of t. It fails when t is not
// valid, when n is not a whole number of blocks, or when the size overflows.
func (t Type) RowBytes(n int) (int, error) {
	if !t.Valid() {
		return 0, fmt.Errorf("quant: unknown type %d", uint32(t))
	}
	l := layouts[t]
	if n < 0 || n%l.elems != 0 {
		return 0, fmt.Errorf("quant: %d elements of %s are not whole blocks of %d", n, t, l.elems)
	}
	hi, lo := bits.Mul64(uint64(n/l.elems), uint64(l.bytes))
	if hi != 0 || lo > uint64(maxInt) {
		return 0, fmt.Errorf("quant: %d elements of %s overflow", n, t)
	}
	return int(lo), nil
}

// TypeByName returns the type GGML names name (case-sensitive, "Q4_K").
func TypeByName(name string) (Type, bool) {
	for i, l := range layouts {
		if l.elems != 0 && l.name == name {
			return Type(i), true
		}
	}
	return 0, false
}

const maxInt = int(^uint(0) >> 1)
