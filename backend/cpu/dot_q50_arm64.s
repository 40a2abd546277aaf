//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "lanes_arm64.h"

// The Q5_0 kernels keep the lanes of the Q8_0 kernels (lanes_arm64.h):
// per block, lane l (0-7) is the integer sum of elements 4l..4l+3 of the
// signed levels (−16..15) times the activations, converted and fused into
// V16 (lanes 0-3) and V17 (4-7) with d_w·d_x; hsum8 at the end. A level is
// its nibble minus 16 where its fifth bit (bit e of qh) is clear
// (Q5_0_LEVELS).

Q5_SPREAD(q50spread<>)

// Q5_0_LOAD reads one block of weights and one of activations: the
// weights' d to R9 and levels to V0 (elements 0-15) and V1 (16-31), the
// activations' d to R10 and quants to V2, V3. Clobbers R11, V6-V8.
#define Q5_0_LOAD \
	MOVHU.P 2(R6), R9                \
	MOVWU.P 4(R6), R11               \
	VLD1.P  16(R6), [V0.B16]         \
	MOVHU.P 2(R7), R10               \
	VLD1.P  32(R7), [V2.B16, V3.B16] \
	Q5_0_LEVELS(R11)

// Q5_0_NEON sets the lane sums V4:V5 without SDOT: products |p| ≤ 16·128.
#define Q5_0_NEON DOT32_NEON(4, 5, 0, 1, 2, 3, 9, 10)

// func dotRowsQ5_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_0SDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	Q5_CONSTS(q50spread<>, R12)
	LANES_ROWS(Q5_0_LOAD, LANES_SDOT, sdotRow, sdotBlock)
	RET

// func dotRowsQ5_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_0NEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	Q5_CONSTS(q50spread<>, R12)
	LANES_ROWS(Q5_0_LOAD, Q5_0_NEON, neonRow, neonBlock)
	RET
