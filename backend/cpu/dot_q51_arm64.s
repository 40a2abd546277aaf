//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "lanes_arm64.h"

// The Q5_1 kernels are the Q4_1 kernels (dot_q41_arm64.s) with 5-bit
// levels (0..31): 16 is added where an element's fifth bit (bit e of qh)
// is set (Q5_1_LEVELS).

Q5_SPREAD(q51spread<>)

// Q5_1_LOAD reads one block of weights and one of activations: the
// weights' d, m to R9, R11 and levels to V0 (elements 0-15) and V1
// (16-31), the activations' d, s to R10, R12 and quants to V2, V3.
// Clobbers R14, V6-V8.
#define Q5_1_LOAD \
	MOVHU.P 2(R6), R9                \
	MOVHU.P 2(R6), R11               \
	MOVWU.P 4(R6), R14               \
	VLD1.P  16(R6), [V0.B16]         \
	MOVHU.P 2(R7), R10               \
	MOVHU.P 2(R7), R12               \
	VLD1.P  32(R7), [V2.B16, V3.B16] \
	Q5_1_LEVELS(R14)

// Q5_1_NEON sets the lane sums V4:V5 without SDOT: products |p| ≤ 31·128.
#define Q5_1_NEON DOT32_NEON(4, 5, 0, 1, 2, 3, 10, 11)

// func dotRowsQ5_1SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_1SDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	Q5_CONSTS(q51spread<>, R13)
	LANES_MIN_ROWS(Q5_1_LOAD, LANES_SDOT, sdotRow, sdotBlock)
	RET

// func dotRowsQ5_1NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_1NEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	Q5_CONSTS(q51spread<>, R13)
	LANES_MIN_ROWS(Q5_1_LOAD, Q5_1_NEON, neonRow, neonBlock)
	RET
