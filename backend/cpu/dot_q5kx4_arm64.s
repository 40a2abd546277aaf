//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "q4k_arm64.h"

// dotRowsQ5_Kx4SDOT is the Q5_K row kernel (dot_q5k_arm64.s) for four
// tokens at once, built as the four-token Q4_K kernel (dot_q4kx4_arm64.s,
// q4k_arm64.h): each block's scales are unpacked and its levels made once
// for the four tokens. Every token's arithmetic is the one-token kernel's,
// so the results are the same bit for bit. The tokens' float accumulators
// (acc lanes 0-3, 4-7, minimums in lane 0: 48 bytes a token) live in the
// frame and pass through V10-V12 once a block. During the groups, V13:V14
// hold the block's qh (shifted down by 2 a group) and V15 0x10; V4-V7 are
// the fifth bits' scratch before they take a token's activations.

// K5_STORE sets token t's output (at R11) from its accumulators.
#define K5_STORE(off) \
	KX4_ACC(off)          \
	FADDS F12, F10, F10   \
	FMOVS F10, (R11)

// K5_GROUP adds group j (scales s[i0], s[i1]) to the four tokens' lanes.
#define K5_GROUP(j, s, i0, i1) \
	KX4_SPLIT                                      \
	K5_HIGH(13, 14, 4, 5, 6, 7, 15, 2, 3, 0, 1)    \
	KX4_TOKENS(j, s, i0, i1)

// K5_QH loads the block's qh to V13:V14 and sets V15 to 0x10.
#define K5_QH \
	VLD1.P 32(R10), [V13.B16, V14.B16] \
	VMOVI  $16, V15.B16

// func dotRowsQ5_Kx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsQ5_Kx4SDOT(SB), NOSPLIT, $192-64
	KX4_ARGS
	VMOVI $15, V31.B16

	KX4_ROWS(K5_QH, K5_GROUP, MINSUM5, 176, K5_STORE)
	RET
