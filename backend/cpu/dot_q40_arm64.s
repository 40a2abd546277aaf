//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "lanes_arm64.h"

// The Q4_0 row kernels, for weights that are not repacked (rows not a
// multiple of 8; see kernelFor): ggml's x86 lanes (lanes_arm64.h), as
// dotLanes8 with q4Vals. A block's levels are its nibbles minus 8: the low
// nibbles are elements 0-15, the high ones 16-31. V24 holds 0x0f, V23 8.

// Q4_0R_CONSTS sets V24 to 0x0f and V23 to 8 in every byte.
#define Q4_0R_CONSTS \
	VMOVI $15, V24.B16 \
	VMOVI $8, V23.B16

// Q4_0R_LEVELS unpacks the nibbles in V0 to the levels V0:V1.
#define Q4_0R_LEVELS \
	SPLIT_NIBBLES    \
	SUB16B(0, 0, 23) \
	SUB16B(1, 1, 23)

// Q4_0R_LOAD reads a block of weights (d to R9, levels to V0:V1) and of
// activations (d to R10, quants to V2:V3).
#define Q4_0R_LOAD \
	MOVHU.P 2(R6), R9                \
	VLD1.P  16(R6), [V0.B16]         \
	MOVHU.P 2(R7), R10               \
	VLD1.P  32(R7), [V2.B16, V3.B16] \
	Q4_0R_LEVELS

// Q4_0R_NEON sets the lane sums V4:V5 without SDOT: products |p| ≤ 8·128.
#define Q4_0R_NEON DOT32_NEON(4, 5, 0, 1, 2, 3, 9, 10)

// func dotRowsQ4_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_0SDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	Q4_0R_CONSTS
	LANES_ROWS(Q4_0R_LOAD, LANES_SDOT, sdotRow, sdotBlock)
	RET

// func dotRowsQ4_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_0NEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	Q4_0R_CONSTS
	LANES_ROWS(Q4_0R_LOAD, Q4_0R_NEON, neonRow, neonBlock)
	RET

// func dotRowsQ4_0x4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsQ4_0x4SDOT(SB), NOSPLIT, $0-64
	X4_ARGS
	Q4_0R_CONSTS

row:
	LANES4_ROW

block:
	MOVHU.P 2(R6), R9
	VLD1.P  16(R6), [V0.B16]
	FMOVS   R9, F9
	FCVTSH(9, 9)
	Q4_0R_LEVELS
	LANES4_TOKENS
	SUBS $1, R12, R12
	BNE  block

	LANES4_STORE(row)
	RET
