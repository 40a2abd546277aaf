//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "lanes_arm64.h"

// The Q8_0 kernels keep ggml's x86 lanes: per block, lane l (0-7) is the
// integer sum of elements 4l..4l+3, converted to float and fused-multiply-
// added with the block's d_w·d_x (V16 lanes 0-3, V17 lanes 4-7); hsum8 at
// the end. SDOT computes a lane's four products at once; without it,
// SMULL makes 16-bit products that two pairwise adds widen and sum.

// Q8_0_LOAD reads a block of weights (d to R9, quants to V0:V1) and of
// activations (d to R10, quants to V2:V3).
#define Q8_0_LOAD \
	MOVHU.P 2(R6), R9                \
	MOVHU.P 2(R7), R10               \
	VLD1.P  32(R6), [V0.B16, V1.B16] \
	VLD1.P  32(R7), [V2.B16, V3.B16]

// Q8_0_NEON sets the lane sums V4:V5 without SDOT: SMULL's 16-bit
// products of elements 0-7, 8-15, 16-23, 24-31 (|q| ≤ 128: exact), pairs
// widened to 32 bits (SADDLP), then fours (ADDP). Clobbers V6, V7.
#define Q8_0_NEON \
	SMULL8(4, 0, 2)  \
	SMULL16(5, 0, 2) \
	SMULL8(6, 1, 3)  \
	SMULL16(7, 1, 3) \
	SADDLP(4, 4)     \
	SADDLP(5, 5)     \
	SADDLP(6, 6)     \
	SADDLP(7, 7)     \
	ADDP4S(4, 4, 5)  \
	ADDP4S(5, 6, 7)

// func dotRowsQ8_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ8_0SDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	LANES_ROWS(Q8_0_LOAD, LANES_SDOT, sdotRow, sdotBlock)
	RET

// func dotRowsQ8_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ8_0NEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	LANES_ROWS(Q8_0_LOAD, Q8_0_NEON, neonRow, neonBlock)
	RET
