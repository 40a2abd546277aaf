//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// BF16 × BF16 in the order of ggml_vec_dot_bf16 on AVX-512 BF16 machines
// (see dot_bf16.go): each 64 elements feed two sets of 16 float lanes
// (V16-V19 and V20-V23), lane j of a set taking its pair's element 2j+1
// then 2j, each product fused (exact in float32, so FMLA rounds as
// vdpbf16ps does). A 32-bit word holds a pair: the odd element is its
// upper half (AND with V24), the even one its lower half shifted up. Each
// set is reduced as reduce16; the two sums and then every leftover
// product are added in float64 (F28), rounded to float32 at the end.
// Needs only Advanced SIMD: there is no FEAT_DotProd level.
//
// Registers: R0 out, R1 row, R2 stride, R3 x, R4 n, R5 rows, R6 weights,
// R7 activations, R8 chunks of 64 left, R9 leftovers; V0-V7 64 weights,
// V8-V15 64 activations, V25-V26 scratch.

// BF16_PAIR fuses the 8 products of words Vw and Vx into Va, odd
// elements first.
#define BF16_PAIR(w, x, a) \
	AND16B(25, w, 24) \
	AND16B(26, x, 24) \
	FMLA4S(a, 25, 26) \
	SHL4S16(25, w)    \
	SHL4S16(26, x)    \
	FMLA4S(a, 25, 26)

// func dotRowsBF16NEON(out *float32, w *byte, stride int, x *byte, n int, rows int)
TEXT ·dotRowsBF16NEON(SB), NOSPLIT, $0-48
	MOVD  out+0(FP), R0
	MOVD  w+8(FP), R1
	MOVD  stride+16(FP), R2
	MOVD  x+24(FP), R3
	MOVD  n+32(FP), R4
	MOVD  rows+40(FP), R5
	MOVW  $0xffff0000, R9
	VDUP  R9, V24.S4

row:
	MOVD R1, R6
	MOVD R3, R7
	LSR  $6, R4, R8
	ZERO8(16)
	CBZ  R8, reduce

chunk:
	VLD1.P 64(R6), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P 64(R6), [V4.B16, V5.B16, V6.B16, V7.B16]
	VLD1.P 64(R7), [V8.B16, V9.B16, V10.B16, V11.B16]
	VLD1.P 64(R7), [V12.B16, V13.B16, V14.B16, V15.B16]
	BF16_PAIR(0, 8, 16)
	BF16_PAIR(1, 9, 17)
	BF16_PAIR(2, 10, 18)
	BF16_PAIR(3, 11, 19)
	BF16_PAIR(4, 12, 20)
	BF16_PAIR(5, 13, 21)
	BF16_PAIR(6, 14, 22)
	BF16_PAIR(7, 15, 23)
	SUBS $1, R8, R8
	BNE  chunk

reduce:
	// reduce16 of each set: lanes i and i+8, then hsum8.
	FADD4S(16, 16, 18)
	FADD4S(17, 17, 19)
	HSUM8R(16, 17)
	FADD4S(20, 20, 22)
	FADD4S(21, 21, 23)
	HSUM8R(20, 21)
	FCVTDS(28, 16)
	FCVTDS(20, 20)
	FADDD F20, F28, F28
	ANDS $63, R4, R9
	BEQ  store

tail:
	MOVHU.P 2(R6), R10
	MOVHU.P 2(R7), R11
	LSLW    $16, R10, R10
	LSLW    $16, R11, R11
	FMOVS   R10, F0
	FMOVS   R11, F1
	FMULS   F1, F0, F0
	FCVTDS(0, 0)
	FADDD   F0, F28, F28
	SUBS    $1, R9, R9
	BNE     tail

store:
	FCVTS_D(28, 28)
	FMOVS.P F28, 4(R0)
	ADD     R2, R1, R1
	SUBS    $1, R5, R5
	BNE     row
	RET
