//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// dotRowsQ5_Kx4SDOT is the Q5_K row kernel (dot_q5k_arm64.s) for four
// tokens at once, built as the four-token Q4_K kernel (dot_q4kx4_arm64.s):
// each block's scales are unpacked and its levels made once for the four
// tokens. Every token's arithmetic is the one-token kernel's, so the
// results are the same bit for bit. The tokens' float accumulators (acc
// lanes 0-3, 4-7, minimums in lane 0: 48 bytes a token) live in the frame
// and pass through V10-V12 once a block.
//
// Registers: V31 0x0f; V28 scales 0-3, V29 scales 4-7 (32 bits), V30
// minimums (16 bits); F17 d_w, F18 dmin_w; V0:V1 a group's high levels,
// V2:V3 its low ones; V4-V7 a token's 64 activations of the group (the
// fifth bits' scratch before); V8:V9 SDOT sums; token t's integer lanes
// V20+2t:V21+2t; during the groups, V13:V14 the block's qh (shifted down
// by 2 a group) and V15 0x10.
// GPRs: R0 out (token 0), R25 the tokens' output spacing; R1 the row, R2
// stride, R20 rows left; R3 token 0's activations, R23 their spacing;
// R19 nb, R12 blocks left; R6 the block, R10 its nibbles; token t's
// activation block R7, R13, R14, R15; R24 the frame's accumulators.

// K5_SCALES unpacks the block's scales and minimums (get_scale_min_k4, as
// in Q4K_SCALES) and its d and dmin.
#define K5_SCALES \
	MOVWU 4(R6), R4                \
	MOVWU 8(R6), R5                \
	MOVWU 12(R6), R8               \
	ANDW  $0x3f3f3f3f, R4, R9      \
	ANDW  $0x3f3f3f3f, R5, R11     \
	ANDW  $0x0f0f0f0f, R8, R16     \
	LSRW  $6, R4, R17              \
	ANDW  $0x03030303, R17, R17    \
	ORRW  R17<<4, R16, R16         \
	LSRW  $4, R8, R21              \
	ANDW  $0x0f0f0f0f, R21, R21    \
	LSRW  $6, R5, R17              \
	ANDW  $0x03030303, R17, R17    \
	ORRW  R17<<4, R21, R21         \
	ORR   R16<<32, R9, R9          \
	ORR   R21<<32, R11, R11        \
	VMOV  R9, V30.D[0]             \
	VMOV  R11, V30.D[1]            \
	UXTL8H(29, 30)                 \
	UXTL8H2(30, 30)                \
	UXTL4S(28, 29)                 \
	UXTL4S2(29, 29)                \
	MOVHU (R6), R9                 \
	MOVHU 2(R6), R11               \
	FMOVS R9, F17                  \
	FMOVS R11, F18                 \
	FCVTSH(17, 17)                 \
	FCVTSH(18, 18)

// K5_TOKEN adds group j's nibbles (activations at off in the token's
// block rx) times scales s[i0] (low) and s[i1] (high) to lanes l0, l1.
#define K5_TOKEN(rx, off, l0, l1, s, i0, i1) \
	ADD  $(off), rx, R11                              \
	VLD1 (R11), [V4.B16, V5.B16, V6.B16, V7.B16]      \
	VEOR V8.B16, V8.B16, V8.B16                       \
	VEOR V9.B16, V9.B16, V9.B16                       \
	SDOT(8, 2, 4)                                     \
	SDOT(9, 3, 5)                                     \
	MLAE(l0, 8, s, i0)                                \
	MLAE(l1, 9, s, i0)                                \
	VEOR V8.B16, V8.B16, V8.B16                       \
	VEOR V9.B16, V9.B16, V9.B16                       \
	SDOT(8, 0, 6)                                     \
	SDOT(9, 1, 7)                                     \
	MLAE(l0, 8, s, i1)                                \
	MLAE(l1, 9, s, i1)

#define K5_GROUP(j, s, i0, i1) \
	VLD1.P 32(R10), [V0.B16, V1.B16]               \
	AND16B(2, 0, 31)                               \
	AND16B(3, 1, 31)                               \
	USHR4B(0, 0)                                   \
	USHR4B(1, 1)                                   \
	SHLB(4, 13, 4)                                 \
	SHLB(5, 14, 4)                                 \
	SHLB(6, 13, 3)                                 \
	SHLB(7, 14, 3)                                 \
	AND16B(4, 4, 15)                               \
	AND16B(5, 5, 15)                               \
	AND16B(6, 6, 15)                               \
	AND16B(7, 7, 15)                               \
	ORR16B(2, 2, 4)                                \
	ORR16B(3, 3, 5)                                \
	ORR16B(0, 0, 6)                                \
	ORR16B(1, 1, 7)                                \
	USHRB(13, 13, 2)                               \
	USHRB(14, 14, 2)                               \
	K5_TOKEN(R7, 4+64*(j), 20, 21, s, i0, i1)      \
	K5_TOKEN(R13, 4+64*(j), 22, 23, s, i0, i1)     \
	K5_TOKEN(R14, 4+64*(j), 24, 25, s, i0, i1)     \
	K5_TOKEN(R15, 4+64*(j), 26, 27, s, i0, i1)

// K5_FINISH fuses token t's lanes l0, l1 and minimums (one sum) into its
// accumulators (frame slot at off from R24), then steps its block rx.
#define K5_FINISH(rx, off, l0, l1) \
	ADD   $(off), R24, R11                     \
	VLD1  (R11), [V10.S4, V11.S4, V12.S4]      \
	FMOVS (rx), F19                            \
	FMULS F17, F19, F4                         \
	FNEGS F19, F19                             \
	FMULS F18, F19, F5                         \
	ADD   $260, rx, R9                         \
	VLD1  (R9), [V13.H8, V14.H8]               \
	ADDP8H(13, 13, 14)                         \
	SMULL4S(15, 13, 30)                        \
	SMULL4S2(16, 13, 30)                       \
	ADD4S(15, 15, 16)                          \
	ADDV4S(15, 15)                             \
	SCVTF4S(15, 15)                            \
	FMLAE(12, 15, 5, 0)                        \
	SCVTF4S(l0, l0)                            \
	SCVTF4S(l1, l1)                            \
	FMLAE(10, l0, 4, 0)                        \
	FMLAE(11, l1, 4, 0)                        \
	VST1  [V10.S4, V11.S4, V12.S4], (R11)      \
	ADD   $292, rx

// K5_STORE sets token t's output (at R11) from its accumulators.
#define K5_STORE(off) \
	ADD   $(off), R24, R9                 \
	VLD1  (R9), [V10.S4, V11.S4, V12.S4]  \
	HSUM8R(10, 11)                        \
	FADDS F12, F10, F10                   \
	FMOVS F10, (R11)

// func dotRowsQ5_Kx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsQ5_Kx4SDOT(SB), NOSPLIT, $192-64
	MOVD out+0(FP), R0
	MOVD ostride+8(FP), R25
	MOVD w+16(FP), R1
	MOVD stride+24(FP), R2
	MOVD rows+32(FP), R20
	MOVD x+40(FP), R3
	MOVD xstride+48(FP), R23
	MOVD nb+56(FP), R19
	ADD  $8, RSP, R24
	VMOVI $15, V31.B16

row:
	MOVD R1, R6
	MOVD R3, R7
	ADD  R23, R7, R13
	ADD  R23, R13, R14
	ADD  R23, R14, R15
	MOVD R19, R12
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	MOVD R24, R11
	VST1.P [V10.S4, V11.S4, V12.S4], 48(R11)
	VST1.P [V10.S4, V11.S4, V12.S4], 48(R11)
	VST1.P [V10.S4, V11.S4, V12.S4], 48(R11)
	VST1.P [V10.S4, V11.S4, V12.S4], 48(R11)

block:
	K5_SCALES
	ADD  $16, R6, R10
	VLD1.P 32(R10), [V13.B16, V14.B16]
	VMOVI $16, V15.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	K5_GROUP(0, 28, 0, 1)
	K5_GROUP(1, 28, 2, 3)
	K5_GROUP(2, 29, 0, 1)
	K5_GROUP(3, 29, 2, 3)
	K5_FINISH(R7, 0, 20, 21)
	K5_FINISH(R13, 48, 22, 23)
	K5_FINISH(R14, 96, 24, 25)
	K5_FINISH(R15, 144, 26, 27)
	ADD  $176, R6
	SUBS $1, R12, R12
	BNE  block

	MOVD R0, R11
	K5_STORE(0)
	ADD  R25, R11
	K5_STORE(48)
	ADD  R25, R11
	K5_STORE(96)
	ADD  R25, R11
	K5_STORE(144)
	ADD  $4, R0
	ADD  R2, R1, R1
	SUBS $1, R20, R20
	BNE  row
	RET
