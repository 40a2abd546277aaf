//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// dotRowsQ2_Kx4SDOT is the Q2_K row kernel (dot_q2k_arm64.s) for four
// tokens at once: each block's scales are widened and its levels split
// once for the four tokens. Every token's arithmetic is the one-token
// kernel's (minimums first, then the scaled lanes, each fused; hsum8), so
// the results are the same bit for bit.
//
// Registers: V20-V23 the block's 16 scales (32 bits); V4:V5 32 bytes of
// levels, V6:V7 one group's levels (the minimums, 16 bits, before);
// V8:V9 a token's activations, V18:V19 their sums; token t's integer
// lanes V10+2t:V11+2t and accumulators V25:V26, V27:V28, V30:V31, V0:V1;
// V2:V3 scratch; V24 3, V29 0x0f. GPRs: R0 out (token 0), R25 the
// tokens' output spacing; R1 the row, R2 stride, R20 rows left; R3 token
// 0's activations, R4 their spacing; R19 nb, R12 blocks left; R6 the
// block, R21 its levels, R16 its d and R17 its dmin (halves); R7, R13,
// R14, R15 the tokens' activation blocks.

// MINS fuses a token's minimums times its activations' 16-element sums,
// with -d_x·dmin_w, into its accumulators a0, a1.
#define MINS(rx, a0, a1) \
	ADD   $260, rx, R11           \
	VLD1  (R11), [V8.H8, V9.H8]   \
	SMULL4S(10, 8, 6)             \
	SMULL4S2(11, 8, 6)            \
	SMULL4S(12, 9, 7)             \
	SMULL4S2(13, 9, 7)            \
	ADDP4S(10, 10, 11)            \
	ADDP4S(11, 12, 13)            \
	SCVTF4S(10, 10)               \
	SCVTF4S(11, 11)               \
	FMOVS (rx), F18               \
	FMOVS R17, F19                \
	FCVTSH(19, 19)                \
	FNEGS F18, F18                \
	FMULS F18, F19, F19           \
	FMLAE(a0, 10, 19, 0)          \
	FMLAE(a1, 11, 19, 0)

// LEVELS sets V6:V7 to the 2-bit levels at bits s.. of V4:V5.
#define LEVELS(s) \
	USHRB(6, 4, s)   \
	USHRB(7, 5, s)   \
	AND16B(6, 6, 24) \
	AND16B(7, 7, 24)
#define LEVELS0 \
	AND16B(6, 4, 24) \
	AND16B(7, 5, 24)

// TOKEN adds the group's levels times the token's 32 activations at off
// in its block rx, times scales s[i0] (lanes 0-3) and s[i1] (4-7), to its
// lanes l0, l1.
#define TOKEN(rx, off, l0, l1, s, i0, i1) \
	ADD  $(off), rx, R11             \
	VLD1 (R11), [V8.B16, V9.B16]     \
	VEOR V18.B16, V18.B16, V18.B16   \
	VEOR V19.B16, V19.B16, V19.B16   \
	SDOT(18, 6, 8)                   \
	SDOT(19, 7, 9)                   \
	MLAE(l0, 18, s, i0)              \
	MLAE(l1, 19, s, i1)

// FINISH fuses a token's lanes, with d_x·d_w, into its accumulators and
// steps its block rx.
#define FINISH(rx, l0, l1, a0, a1) \
	SCVTF4S(l0, l0)       \
	SCVTF4S(l1, l1)       \
	FMOVS (rx), F18       \
	FMOVS R16, F19        \
	FCVTSH(19, 19)        \
	FMULS F18, F19, F19   \
	FMLAE(a0, l0, 19, 0)  \
	FMLAE(a1, l1, 19, 0)  \
	ADD   $292, rx

// func dotRowsQ2_Kx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsQ2_Kx4SDOT(SB), NOSPLIT, $0-64
	X4_ARGS
	VMOVI $3, V24.B16
	VMOVI $15, V29.B16

row:
	MOVD R1, R6
	MOVD R3, R7
	ADD  R4, R7, R13
	ADD  R4, R13, R14
	ADD  R4, R14, R15
	MOVD R19, R12
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16

block:
	VLD1  (R6), [V2.B16]
	AND16B(3, 2, 29)
	USHR4B(2, 2)
	UXTL8H(4, 3)
	UXTL8H2(5, 3)
	UXTL4S(20, 4)
	UXTL4S2(21, 4)
	UXTL4S(22, 5)
	UXTL4S2(23, 5)
	UXTL8H(6, 2)
	UXTL8H2(7, 2)
	MOVHU 80(R6), R16
	MOVHU 82(R6), R17
	MINS(R7, 25, 26)
	MINS(R13, 27, 28)
	MINS(R14, 30, 31)
	MINS(R15, 0, 1)
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	ADD   $16, R6, R21
	VLD1.P 32(R21), [V4.B16, V5.B16]
	LEVELS0
	TOKEN(R7, 4, 10, 11, 20, 0, 1)
	TOKEN(R13, 4, 12, 13, 20, 0, 1)
	TOKEN(R14, 4, 14, 15, 20, 0, 1)
	TOKEN(R15, 4, 16, 17, 20, 0, 1)
	LEVELS(2)
	TOKEN(R7, 36, 10, 11, 20, 2, 3)
	TOKEN(R13, 36, 12, 13, 20, 2, 3)
	TOKEN(R14, 36, 14, 15, 20, 2, 3)
	TOKEN(R15, 36, 16, 17, 20, 2, 3)
	LEVELS(4)
	TOKEN(R7, 68, 10, 11, 21, 0, 1)
	TOKEN(R13, 68, 12, 13, 21, 0, 1)
	TOKEN(R14, 68, 14, 15, 21, 0, 1)
	TOKEN(R15, 68, 16, 17, 21, 0, 1)
	LEVELS(6)
	TOKEN(R7, 100, 10, 11, 21, 2, 3)
	TOKEN(R13, 100, 12, 13, 21, 2, 3)
	TOKEN(R14, 100, 14, 15, 21, 2, 3)
	TOKEN(R15, 100, 16, 17, 21, 2, 3)
	VLD1.P 32(R21), [V4.B16, V5.B16]
	LEVELS0
	TOKEN(R7, 132, 10, 11, 22, 0, 1)
	TOKEN(R13, 132, 12, 13, 22, 0, 1)
	TOKEN(R14, 132, 14, 15, 22, 0, 1)
	TOKEN(R15, 132, 16, 17, 22, 0, 1)
	LEVELS(2)
	TOKEN(R7, 164, 10, 11, 22, 2, 3)
	TOKEN(R13, 164, 12, 13, 22, 2, 3)
	TOKEN(R14, 164, 14, 15, 22, 2, 3)
	TOKEN(R15, 164, 16, 17, 22, 2, 3)
	LEVELS(4)
	TOKEN(R7, 196, 10, 11, 23, 0, 1)
	TOKEN(R13, 196, 12, 13, 23, 0, 1)
	TOKEN(R14, 196, 14, 15, 23, 0, 1)
	TOKEN(R15, 196, 16, 17, 23, 0, 1)
	LEVELS(6)
	TOKEN(R7, 228, 10, 11, 23, 2, 3)
	TOKEN(R13, 228, 12, 13, 23, 2, 3)
	TOKEN(R14, 228, 14, 15, 23, 2, 3)
	TOKEN(R15, 228, 16, 17, 23, 2, 3)
	FINISH(R7, 10, 11, 25, 26)
	FINISH(R13, 12, 13, 27, 28)
	FINISH(R14, 14, 15, 30, 31)
	FINISH(R15, 16, 17, 0, 1)
	ADD  $84, R6
	SUBS $1, R12, R12
	BNE  block

	HSUM8R(25, 26)
	HSUM8R(27, 28)
	HSUM8R(30, 31)
	HSUM8R(0, 1)
	STORE4(F25, F27, F30, F0, row)
	RET
