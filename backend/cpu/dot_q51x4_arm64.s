//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// dotRowsQ5_1x4SDOT is the Q5_1 row kernel (dot_q51_arm64.s) for four
// tokens at once: each weight block, loaded and unpacked once, meets the
// four tokens' blocks. Every token's arithmetic is the one-token kernel's
// (8 lanes of 4-product sums fused with d_w·d_x, m_w·s_x fused into
// summs, hsum8 + summs), so the results are the same bit for bit.
//
// Registers: V0:V1 the weight block's levels, F30 its d, F31 its m; V2:V3
// a token's activations, V4:V5 its lane sums, F10 its d_w·d_x, F15 its
// s_x; token t's accumulators V16:V17, V18:V19, V25:V26, V27:V28 and
// summs (lane 0) V11, V12, V13, V9; V6-V8 and V20-V24 as in the one-token kernel. GPRs: R0 out
// (token 0), R25 the tokens' output spacing; R1 the row, R2 stride, R20
// rows left; R3 token 0's activations, R4 their spacing; R19 nb, R12
// blocks left; R6 the block; R7, R13, R14, R15 the tokens' current
// activations.

DATA q51x4spread<>+0(SB)/8, $0x0000000000000000
DATA q51x4spread<>+8(SB)/8, $0x0101010101010101
DATA q51x4spread<>+16(SB)/8, $0x0202020202020202
DATA q51x4spread<>+24(SB)/8, $0x0303030303030303
DATA q51x4spread<>+32(SB)/8, $0x8040201008040201
DATA q51x4spread<>+40(SB)/8, $0x8040201008040201
GLOBL q51x4spread<>(SB), RODATA|NOPTR, $48

// TOKEN adds weight block V0:V1 times a token's block at rx to the
// token's accumulators Va0:Va1 and summs Vsm.
#define TOKEN(rx, a0, a1, sm) \
	MOVHU.P 2(rx), R10               \
	MOVHU.P 2(rx), R16               \
	VLD1.P  32(rx), [V2.B16, V3.B16] \
	FMOVS   R16, F15                 \
	FCVTSH(15, 15)                   \
	FMLAE(sm, 31, 15, 0)             \
	FMOVS   R10, F10                 \
	FCVTSH(10, 10)                   \
	FMULS   F10, F30, F10            \
	VEOR    V4.B16, V4.B16, V4.B16   \
	VEOR    V5.B16, V5.B16, V5.B16   \
	SDOT(4, 0, 2)                    \
	SDOT(5, 1, 3)                    \
	SCVTF4S(4, 4)                    \
	SCVTF4S(5, 5)                    \
	FMLAE(a0, 4, 10, 0)              \
	FMLAE(a1, 5, 10, 0)

// func dotRowsQ5_1x4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsQ5_1x4SDOT(SB), NOSPLIT, $0-64
	MOVD  out+0(FP), R0
	MOVD  ostride+8(FP), R25
	MOVD  w+16(FP), R1
	MOVD  stride+24(FP), R2
	MOVD  rows+32(FP), R20
	MOVD  x+40(FP), R3
	MOVD  xstride+48(FP), R4
	MOVD  nb+56(FP), R19
	MOVD  $q51x4spread<>(SB), R22
	VLD1  (R22), [V20.B16, V21.B16, V22.B16]
	VMOVI $16, V23.B16
	VMOVI $15, V24.B16

row:
	MOVD R1, R6
	MOVD R3, R7
	ADD  R4, R7, R13
	ADD  R4, R13, R14
	ADD  R4, R14, R15
	MOVD R19, R12
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V9.B16, V9.B16, V9.B16

block:
	MOVHU.P 2(R6), R9
	MOVHU.P 2(R6), R11
	MOVWU.P 4(R6), R17
	VLD1.P  16(R6), [V0.B16]
	FMOVS   R9, F30
	FCVTSH(30, 30)
	FMOVS   R11, F31
	FCVTSH(31, 31)
	VMOV    R17, V6.S[0]
	USHR4B(1, 0)
	AND16B(0, 0, 24)
	TBL16B(7, 6, 20)
	TBL16B(8, 6, 21)
	CMTST16B(7, 7, 22)
	CMTST16B(8, 8, 22)
	AND16B(7, 7, 23)
	AND16B(8, 8, 23)
	ORR16B(0, 0, 7)
	ORR16B(1, 1, 8)
	TOKEN(R7, 16, 17, 11)
	TOKEN(R13, 18, 19, 12)
	TOKEN(R14, 25, 26, 13)
	TOKEN(R15, 27, 28, 9)
	SUBS $1, R12, R12
	BNE  block

	HSUM8R(16, 17)
	HSUM8R(18, 19)
	HSUM8R(25, 26)
	HSUM8R(27, 28)
	FADDS F11, F16, F16
	FADDS F12, F18, F18
	FADDS F13, F25, F25
	FADDS F9, F27, F27
	FMOVS F16, (R0)
	ADD   R25, R0, R10
	FMOVS F18, (R10)
	ADD   R25, R10, R10
	FMOVS F25, (R10)
	ADD   R25, R10, R10
	FMOVS F27, (R10)
	ADD   $4, R0
	ADD   R2, R1, R1
	SUBS  $1, R20, R20
	BNE   row
	RET
