//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// dotRowsQ8_0x4SDOT is the Q8_0 row kernel (dot_q_arm64.s) for four tokens
// at once: each weight block, loaded once, meets the four tokens' blocks.
// Every token's arithmetic is the one-token kernel's (8 lanes of 4-product
// sums, fma with d_w·d_x, hsum8), so the results are the same bit for bit.
//
// Registers: V0:V1 the weight block's quants, F30 its scale; token t
// (0-3): activations Vx:Vx+1, lane sums Vs:Vs+1, accumulators Va:Va+1 and
// d_w·d_x in Fd, with (x, s, a, d) = (2, 4, 16, 24), (6, 8, 18, 25),
// (10, 12, 20, 26), (14, 27, 22, 29).
// GPRs: R0 out (token 0), R25 the tokens' output spacing; R1 the row, R2
// stride, R20 rows left; R3 token 0's activations, R4 their spacing; R5
// token 0's scales d_x, R17 their spacing; R19 nb, R12 blocks left; R6
// the block; token t's current activations and scale: (R7, R8), (R13, R9),
// (R14, R16), (R15, R21).

// TOKEN8 adds weight block V0:V1 times a token's block (at rx, its d_x at
// rd) to the token's accumulators: x0, x1, s0, s1 name the registers
// whose numbers xn, sn, an, dn the WORD macros take.
#define TOKEN8(rx, rd, x0, x1, s0, s1, fd, xn, sn, an, dn) \
	ADD     $2, rx, R11             \
	VLD1    (R11), [x0.B16, x1.B16] \
	ADD     $34, rx, rx             \
	FMOVS.P 4(rd), fd               \
	VEOR    s0.B16, s0.B16, s0.B16  \
	VEOR    s1.B16, s1.B16, s1.B16  \
	SDOT(sn, 0, xn)                 \
	SDOT(sn+1, 1, xn+1)             \
	FMULS   F30, fd, fd             \
	SCVTF4S(sn, sn)                 \
	SCVTF4S(sn+1, sn+1)             \
	FMLAE(an, sn, dn, 0)            \
	FMLAE(an+1, sn+1, dn, 0)

// func dotRowsQ8_0x4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, d *float32, dstride int, nb int)
TEXT ·dotRowsQ8_0x4SDOT(SB), NOSPLIT, $0-80
	MOVD out+0(FP), R0
	MOVD ostride+8(FP), R25
	MOVD w+16(FP), R1
	MOVD stride+24(FP), R2
	MOVD rows+32(FP), R20
	MOVD x+40(FP), R3
	MOVD xstride+48(FP), R4
	MOVD d+56(FP), R5
	MOVD dstride+64(FP), R17
	MOVD nb+72(FP), R19

row:
	X4_TOKENS
	MOVD R5, R8
	ADD  R17, R8, R9
	ADD  R17, R9, R16
	ADD  R17, R16, R21
	MOVD R19, R12
	ZERO8(16)

block:
	MOVHU.P 2(R6), R10
	VLD1.P  32(R6), [V0.B16, V1.B16]
	FMOVS   R10, F30
	FCVTSH(30, 30)
	TOKEN8(R7, R8, V2, V3, V4, V5, F24, 2, 4, 16, 24)
	TOKEN8(R13, R9, V6, V7, V8, V9, F25, 6, 8, 18, 25)
	TOKEN8(R14, R16, V10, V11, V12, V13, F26, 10, 12, 20, 26)
	TOKEN8(R15, R21, V14, V15, V27, V28, F29, 14, 27, 22, 29)
	SUBS $1, R12, R12
	BNE  block

	HSUM8R(16, 17)
	HSUM8R(18, 19)
	HSUM8R(20, 21)
	HSUM8R(22, 23)
	STORE4(F16, F18, F20, F22, row)
	RET
