//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// dotGroupsQ4_0x4SDOT is the repacked Q4_0 group kernel (dot_q4_0_arm64.s)
// for four tokens at once: each chunk's nibbles, split once, meet the four
// tokens' activations. Every token's arithmetic is the one-token kernel's
// (integer block sums, then fma(sum, d_w·d_x, acc)), so the results are the
// same bit for bit.
//
// Registers: V31 0x0f; V0 the block's 8 scales (halves); V1:V2 a chunk
// (rows 0-3, 4-7; high nibbles after the split) and V3:V4 its low nibbles;
// token t: activations V5+2t:V6+2t, integer sums V13+2t (rows 0-3) and
// V14+2t (rows 4-7), accumulators V21+2t and V22+2t.
// GPRs: R0 out (token 0), R25 the tokens' output spacing; R6 the weights;
// R1 groups left; R5 nb, R12 blocks left; R2-R4 token 0's activations,
// bias and d at block 0, R23 and R24 the spacing of activations and of
// bias and d; token t's current x, bias and d: (R7, R8, R9), (R13, R16,
// R20), (R14, R17, R21), (R15, R19, R22).

// TOKEN_SDOT adds chunk p to token t's sums.
#define TOKEN_SDOT(t, p) \
	SDOTE(13+2*(t), 3, 5+2*(t), p) \
	SDOTE(13+2*(t), 1, 6+2*(t), p) \
	SDOTE(14+2*(t), 4, 5+2*(t), p) \
	SDOTE(14+2*(t), 2, 6+2*(t), p)

// CHUNK4 splits chunk p and adds it to the four tokens' sums.
#define CHUNK4(p) \
	VLD1.P 32(R6), [V1.B16, V2.B16] \
	AND16B(3, 1, 31)                \
	AND16B(4, 2, 31)                \
	USHR4B(1, 1)                    \
	USHR4B(2, 2)                    \
	TOKEN_SDOT(0, p)                \
	TOKEN_SDOT(1, p)                \
	TOKEN_SDOT(2, p)                \
	TOKEN_SDOT(3, p)

// TOKEN_LOAD loads a token's block activations (x at rx, bias at rb)
// into xa:xb and starts its sums sa, sb at the bias.
#define TOKEN_LOAD(rx, rb, xa, xb, sa, sb) \
	ADD    $2, rx, R10             \
	VLD1   (R10), [xa.B16, xb.B16] \
	ADD    $34, rx, rx             \
	MOVW.P 4(rb), R11              \
	VDUP   R11, sa.S4              \
	VDUP   R11, sb.S4

// TOKEN_FINISH fuses token t's sums, times d_w·d_x (d_x at rd), into its
// accumulators; V1:V2 hold the rows' d_w as float32.
#define TOKEN_FINISH(t, rd) \
	FMOVS.P 4(rd), F3              \
	FMULE(4, 1, 3, 0)              \
	FMULE(29, 2, 3, 0)             \
	SCVTF4S(13+2*(t), 13+2*(t))    \
	SCVTF4S(14+2*(t), 14+2*(t))    \
	FMLA4S(21+2*(t), 13+2*(t), 4)  \
	FMLA4S(22+2*(t), 14+2*(t), 29)

// func dotGroupsQ4_0x4SDOT(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
TEXT ·dotGroupsQ4_0x4SDOT(SB), NOSPLIT, $0-80
	MOVD out+0(FP), R0
	MOVD ostride+8(FP), R25
	MOVD w+16(FP), R6
	MOVD groups+24(FP), R1
	MOVD x+32(FP), R2
	MOVD xstride+40(FP), R23
	MOVD bias+48(FP), R3
	MOVD d+56(FP), R4
	MOVD bstride+64(FP), R24
	MOVD nb+72(FP), R5
	VMOVI $15, V31.B16

group:
	MOVD R2, R7
	ADD  R23, R7, R13
	ADD  R23, R13, R14
	ADD  R23, R14, R15
	MOVD R3, R8
	ADD  R24, R8, R16
	ADD  R24, R16, R17
	ADD  R24, R17, R19
	MOVD R4, R9
	ADD  R24, R9, R20
	ADD  R24, R20, R21
	ADD  R24, R21, R22
	MOVD R5, R12
	ZERO8(21)

block:
	VLD1.P 16(R6), [V0.B16]
	TOKEN_LOAD(R7, R8, V5, V6, V13, V14)
	TOKEN_LOAD(R13, R16, V7, V8, V15, V16)
	TOKEN_LOAD(R14, R17, V9, V10, V17, V18)
	TOKEN_LOAD(R15, R19, V11, V12, V19, V20)
	CHUNK4(0)
	CHUNK4(1)
	CHUNK4(2)
	CHUNK4(3)
	FCVTL4(1, 0)
	FCVTL8(2, 0)
	TOKEN_FINISH(0, R9)
	TOKEN_FINISH(1, R20)
	TOKEN_FINISH(2, R21)
	TOKEN_FINISH(3, R22)
	SUBS $1, R12, R12
	BNE  block

	VST1 [V21.S4, V22.S4], (R0)
	ADD  R25, R0, R10
	VST1 [V23.S4, V24.S4], (R10)
	ADD  R25, R10, R10
	VST1 [V25.S4, V26.S4], (R10)
	ADD  R25, R10, R10
	VST1 [V27.S4, V28.S4], (R10)
	ADD  $32, R0
	SUBS $1, R1, R1
	BNE  group
	RET
