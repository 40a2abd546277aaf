//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "tq_arm64.h"

// dotRowsTQ1_0x4SDOT is the TQ1_0 row kernel (dot_tq1_arm64.s) for four
// tokens at once: each block's trits are extracted once and meet the four
// tokens' activations. Every token's arithmetic is the one-token kernel's
// (integer lanes less the activations' sums, times d, added unfused;
// hsum8), so the results are the same bit for bit.
//
// Registers: V0:V1 bytes 0-31, V2 bytes 32-47, V3 the four-trit bytes
// (as in the one-token kernel); V4:V5 one vector's trits, V6:V7 a
// token's activations; token t's integer lanes V8+2t:V9+2t and float
// accumulators V16:V17, V18:V19, V22:V23, V24:V25; V20:V21, V28-V31
// scratch; V26 3, V27 the powers of 3. GPRs: R0 out (token 0), R25 the
// tokens' output spacing; R1 the row, R2 stride, R20 rows left; R3 token
// 0's activations, R4 their spacing; R19 nb, R12 blocks left; R6 the
// block, R9 its d; R7, R13, R14, R15 the tokens' activation blocks.

TQ1_POW3(tq1x4Pow3<>)

// TOKEN adds the trits V4:V5 times the token's 32 activations at off in
// its block rx to its lanes l0, l1.
#define TOKEN(rx, off, l0, l1) \
	ADD  $(off), rx, R11         \
	VLD1 (R11), [V6.B16, V7.B16] \
	SDOT(l0, 4, 6)               \
	SDOT(l1, 5, 7)

#define TOKENS(off) \
	TOKEN(R7, off, 8, 9)    \
	TOKEN(R13, off, 10, 11) \
	TOKEN(R14, off, 12, 13) \
	TOKEN(R15, off, 14, 15)

// FINISH subtracts token t's activation sums from its lanes l0, l1,
// scales them by d and adds them to its accumulators a0, a1, then steps
// its block rx.
#define FINISH(rx, l0, l1, a0, a1) \
	ADD   $260, rx, R11           \
	VLD1  (R11), [V28.H8, V29.H8] \
	SADDLP(28, 28)                \
	SADDLP(29, 29)                \
	SUB4S(l0, l0, 28)             \
	SUB4S(l1, l1, 29)             \
	SCVTF4S(l0, l0)               \
	SCVTF4S(l1, l1)               \
	FMOVS (rx), F31               \
	FMOVS R9, F30                 \
	FCVTSH(30, 30)                \
	FMULS F31, F30, F30           \
	FMULE(l0, l0, 30, 0)          \
	FMULE(l1, l1, 30, 0)          \
	FADD4S(a0, a0, l0)            \
	FADD4S(a1, a1, l1)            \
	ADD   $292, rx

// func dotRowsTQ1_0x4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsTQ1_0x4SDOT(SB), NOSPLIT, $0-64
	X4_ARGS
	TQ1_CONSTS(tq1x4Pow3<>)

row:
	X4_ROW
	ZERO4(16)
	ZERO4(22)

block:
	TQ1_BYTES
	MOVHU 52(R6), R9
	ZERO8(8)
	TQ1_VECTORS(TOKENS)
	FINISH(R7, 8, 9, 16, 17)
	FINISH(R13, 10, 11, 18, 19)
	FINISH(R14, 12, 13, 22, 23)
	FINISH(R15, 14, 15, 24, 25)
	ADD  $54, R6
	SUBS $1, R12, R12
	BNE  block

	HSUM8R(16, 17)
	HSUM8R(18, 19)
	HSUM8R(22, 23)
	HSUM8R(24, 25)
	STORE4(F16, F18, F22, F24, row)
	RET
