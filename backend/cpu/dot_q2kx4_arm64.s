//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "q23k_arm64.h"

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

// func dotRowsQ2_Kx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsQ2_Kx4SDOT(SB), NOSPLIT, $0-64
	X4_ARGS
	VMOVI $3, V24.B16
	VMOVI $15, V29.B16

row:
	Q23X4_ROW

block:
	Q2K_SCALES(V2, 2, 3, 2, 4, 5, 6, 7)
	MOVHU 80(R6), R16
	MOVHU 82(R6), R17
	MINS(R7, 25, 26)
	MINS(R13, 27, 28)
	MINS(R14, 30, 31)
	MINS(R15, 0, 1)
	Q23X4_ZERO_LANES
	ADD   $16, R6, R21
	Q23X4_GROUPS(NO_HIGH, 84, block)

	Q23X4_STORE(row)
	RET
