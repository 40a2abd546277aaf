//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "lanes_arm64.h"
#include "iq4nl_arm64.h"

// dotRowsIQ4_NLx4SDOT is the IQ4_NL row kernel (dot_iq4nl_arm64.s) for
// four tokens at once: each weight block, loaded and looked up once, meets
// the four tokens' blocks. Every token's arithmetic is the one-token
// kernel's (two sets of 8 lanes for the blocks of each pair, added lane by
// lane, hsum8, the odd last block's whole sum fused in), so the results
// are the same bit for bit.
//
// Registers: V0:V1 the weight block's levels, F8 its scale; V2:V3 a
// token's activations, V4:V5 its lane sums, F9 its d_x·d_w; token t's
// sets V10+4t:V11+4t (first blocks) and V12+4t:V13+4t (second blocks);
// V6 the table of levels, V7 0x0f. GPRs: R0 out (token 0), R25 the
// tokens' output spacing; R1 the row, R2 stride, R20 rows left; R3 token
// 0's activations, R4 their spacing; R19 nb, R12 pairs left; R6 the
// block; R7, R13, R14, R15 the tokens' current activations.

IQ4_NL_TABLE(iq4nlx4Levels<>)

// WBLOCK loads and looks up a weight block.
#define WBLOCK \
	MOVHU.P 2(R6), R9        \
	VLD1.P  16(R6), [V0.B16] \
	FMOVS   R9, F8           \
	FCVTSH(8, 8)             \
	USHR4B(1, 0)             \
	AND16B(0, 0, 7)          \
	TBL16B(0, 6, 0)          \
	TBL16B(1, 6, 1)

// TOKEN_SUMS sets V4:V5 to the lane sums of the weight block and a
// token's block at rx, and F9 to d_x·d_w.
#define TOKEN_SUMS(rx) \
	MOVHU.P 2(rx), R10               \
	VLD1.P  32(rx), [V2.B16, V3.B16] \
	FMOVS   R10, F9                  \
	FCVTSH(9, 9)                     \
	FMULS   F8, F9, F9               \
	LANES_SDOT

// TOKEN fuses them into the token's set Va0:Va1.
#define TOKEN(rx, a0, a1) \
	TOKEN_SUMS(rx)        \
	LANES_FUSE(a0, a1, 9)

// TAIL fuses the whole sum into the token's total (lane 0 of Vt).
#define TAIL(rx, t) \
	TOKEN_SUMS(rx)     \
	IQ4_NL_WHOLE(t, 9)

// TOTAL adds a token's two sets lane by lane and takes hsum8 (to Sa).
#define TOTAL(a) \
	FADD4S(a, a, a+2)     \
	FADD4S(a+1, a+1, a+3) \
	HSUM8R(a, a+1)

// func dotRowsIQ4_NLx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsIQ4_NLx4SDOT(SB), NOSPLIT, $0-64
	X4_ARGS
	MOVD  $iq4nlx4Levels<>(SB), R22
	VLD1  (R22), [V6.B16]
	VMOVI $15, V7.B16

row:
	X4_TOKENS
	LSR  $1, R19, R12
	ZERO8(10)
	ZERO8(18)
	CBZ  R12, sum

pair:
	WBLOCK
	TOKEN(R7, 10, 11)
	TOKEN(R13, 14, 15)
	TOKEN(R14, 18, 19)
	TOKEN(R15, 22, 23)
	WBLOCK
	TOKEN(R7, 12, 13)
	TOKEN(R13, 16, 17)
	TOKEN(R14, 20, 21)
	TOKEN(R15, 24, 25)
	SUBS $1, R12, R12
	BNE  pair

sum:
	TOTAL(10)
	TOTAL(14)
	TOTAL(18)
	TOTAL(22)
	TBZ  $0, R19, store
	WBLOCK
	TAIL(R7, 10)
	TAIL(R13, 14)
	TAIL(R14, 18)
	TAIL(R15, 22)

store:
	STORE4(F10, F14, F18, F22, row)
	RET
