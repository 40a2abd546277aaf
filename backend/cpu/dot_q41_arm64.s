//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "lanes_arm64.h"

// The Q4_1 kernels keep ggml's x86 lanes (dot_q41.go, lanes_arm64.h): per
// block, lane l (0-7) is the integer sum of elements 4l..4l+3 of the
// levels (0..15) times the Q8_1 activations, converted and fused into V16
// (lanes 0-3) and V17 (4-7) with d_w·d_x; m_w·s_x is fused into lane 0 of
// V18 (summs). The result is hsum8 of V16:V17 plus summs.

// Q4_1_LOAD reads one block of weights and one of activations: the
// weights' d, m to R9, R11 and levels to V0 (elements 0-15) and V1
// (16-31), the activations' d, s to R10, R12 and quants to V2, V3.
#define Q4_1_LOAD \
	MOVHU.P 2(R6), R9                \
	MOVHU.P 2(R6), R11               \
	VLD1.P  16(R6), [V0.B16]         \
	MOVHU.P 2(R7), R10               \
	MOVHU.P 2(R7), R12               \
	VLD1.P  32(R7), [V2.B16, V3.B16] \
	SPLIT_NIBBLES

// Q4_1_NEON sets the lane sums V4:V5 without SDOT: products |p| ≤ 15·128.
#define Q4_1_NEON DOT32_NEON(4, 5, 0, 1, 2, 3, 10, 11)

// func dotRowsQ4_1SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_1SDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	VMOVI $15, V24.B16
	LANES_MIN_ROWS(Q4_1_LOAD, LANES_SDOT, sdotRow, sdotBlock)
	RET

// func dotRowsQ4_1NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_1NEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	VMOVI $15, V24.B16
	LANES_MIN_ROWS(Q4_1_LOAD, Q4_1_NEON, neonRow, neonBlock)
	RET
