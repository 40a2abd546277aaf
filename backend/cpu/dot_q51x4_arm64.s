//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "lanes_arm64.h"

// dotRowsQ5_1x4SDOT is the Q5_1 row kernel (dot_q51_arm64.s) for four
// tokens at once (lanes_arm64.h): each weight block, loaded and unpacked
// once, meets the four tokens' blocks. Every token's arithmetic is the
// one-token kernel's (8 lanes of 4-product sums fused with d_w·d_x,
// m_w·s_x fused into summs, hsum8 + summs), so the results are the same
// bit for bit. V6-V8 and V20-V24 are as in the one-token kernel.

Q5_SPREAD(q51x4spread<>)

// func dotRowsQ5_1x4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsQ5_1x4SDOT(SB), NOSPLIT, $0-64
	X4_ARGS
	Q5_CONSTS(q51x4spread<>, R22)

row:
	LANES4_MIN_ROW

block:
	MOVHU.P 2(R6), R9
	MOVHU.P 2(R6), R11
	MOVWU.P 4(R6), R17
	VLD1.P  16(R6), [V0.B16]
	FMOVS   R9, F30
	FCVTSH(30, 30)
	FMOVS   R11, F31
	FCVTSH(31, 31)
	Q5_1_LEVELS(R17)
	LANES4_MIN_TOKENS
	SUBS $1, R12, R12
	BNE  block

	LANES4_MIN_STORE(row)
	RET
