//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "q4k_arm64.h"

// dotRowsQ4_Kx4SDOT is the Q4_K row kernel (dot_q4k_arm64.s) for four
// tokens at once (q4k_arm64.h): each block's scales are unpacked and its
// nibbles split once for the four tokens. Every token's arithmetic is the
// one-token kernel's, so the results are the same bit for bit. The tokens'
// float accumulators (acc lanes 0-3, 4-7, minimums: 48 bytes a token) live
// in the frame and pass through V10-V12 once a block.

// K4_STORE sets token t's output (at R11) from its accumulators.
#define K4_STORE(off) \
	KX4_ACC(off)          \
	HSUM4R(12, 13)        \
	FADDS F12, F10, F10   \
	FMOVS F10, (R11)

// K4_GROUP adds group j (scales s[i0], s[i1]) to the four tokens' lanes.
#define K4_GROUP(j, s, i0, i1) \
	KX4_SPLIT \
	KX4_TOKENS(j, s, i0, i1)

// K4_QH: Q4_K has no fifth bits.
#define K4_QH

// func dotRowsQ4_Kx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsQ4_Kx4SDOT(SB), NOSPLIT, $192-64
	KX4_ARGS
	VMOVI $15, V31.B16

	KX4_ROWS(K4_QH, K4_GROUP, MINSUM4, 144, K4_STORE)
	RET
