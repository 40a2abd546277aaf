//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "q6k_arm64.h"

// dotRowsQ6_Kx4SDOT is the Q6_K row kernel (dot_q6k_arm64.s) for four
// tokens at once: each group's 6-bit levels are assembled once for the
// four tokens. Every token's arithmetic is the one-token kernel's, so the
// results are the same bit for bit. The tokens' float accumulators (32
// bytes a token) live in the frame and pass through V15:V16 once a block.
//
// Registers: V0-V3 a half's low nibbles, V4:V5 its high bit pairs, V8:V9
// a group's levels minus 32 (V10:V11 the high bits on the way), V6:V7 a
// token's activations of the group, V22:V23 SDOT sums, V18-V21 the 16
// scales (32 bits), V12 0x0f, V13 0x30, V14 32; token t's integer lanes
// V24+2t:V25+2t.
// GPRs: R0 out (token 0), R25 the tokens' output spacing; R1 the row, R2
// stride, R20 rows left; R3 token 0's activations, R23 their spacing;
// R19 nb, R12 blocks left; R6 the block, R10 its low nibbles, R4 its high
// bits; token t's activation block R7, R13, R14, R15; R24 the frame's
// accumulators.

// K6_BLOCK widens the block's scales, points R10 and R4 into it and
// clears the lanes.
#define K6_BLOCK \
	Q6K_SCALES         \
	MOVD  R6, R10      \
	ADD   $128, R6, R4 \
	ZERO8(24)

// K6_TOKEN adds the group's levels times a token's activations (at off
// in its block rx), times scales s[i] (lanes 0-3) and s[i+1] (4-7), to
// its lanes l, l+1.
#define K6_TOKEN(rx, off, l, s, i) \
	ADD  $(off), rx, R11         \
	VLD1 (R11), [V6.B16, V7.B16] \
	ZERO2(22)                    \
	SDOT(22, 8, 6)               \
	SDOT(23, 9, 7)               \
	MLAE(l, 22, s, i)            \
	MLAE(l+1, 23, s, i+1)

// K6_GROUP runs group n of half h (NIB, Q6K_NIBn) for the four tokens.
#define K6_GROUP(NIB, h, n, s, i) \
	NIB                                       \
	Q6K_LEVELS                                \
	K6_TOKEN(R7, 4+128*(h)+32*(n), 24, s, i)  \
	K6_TOKEN(R13, 4+128*(h)+32*(n), 26, s, i) \
	K6_TOKEN(R14, 4+128*(h)+32*(n), 28, s, i) \
	K6_TOKEN(R15, 4+128*(h)+32*(n), 30, s, i)

// K6_FINISH fuses a token's lanes l, l+1, times d_x·d_w, into its
// accumulators (frame slot at off from R24), then steps its block rx.
#define K6_FINISH(rx, off, l) \
	ADD   $(off), R24, R11        \
	VLD1  (R11), [V15.S4, V16.S4] \
	MOVHU 208(R6), R9             \
	FMOVS R9, F10                 \
	FCVTSH(10, 10)                \
	FMOVS (rx), F17               \
	FMULS F10, F17, F17           \
	SCVTF4S(l, l)                 \
	SCVTF4S(l+1, l+1)             \
	FMLAE(15, l, 17, 0)           \
	FMLAE(16, l+1, 17, 0)         \
	VST1  [V15.S4, V16.S4], (R11) \
	ADD   $292, rx

// K6_STORE sets a token's output (at R11) from its accumulators.
#define K6_STORE(off) \
	ADD   $(off), R24, R9        \
	VLD1  (R9), [V15.S4, V16.S4] \
	HSUM8R(15, 16)               \
	FMOVS F15, (R11)

// func dotRowsQ6_Kx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsQ6_Kx4SDOT(SB), NOSPLIT, $128-64
	KX4_ARGS
	Q6K_CONSTS

row:
	KX4_ROW
	ZERO2(15)
	MOVD R24, R11
	VST1.P [V15.S4, V16.S4], 32(R11)
	VST1.P [V15.S4, V16.S4], 32(R11)
	VST1.P [V15.S4, V16.S4], 32(R11)
	VST1.P [V15.S4, V16.S4], 32(R11)

block:
	K6_BLOCK
	Q6K_HALF(R4)
	K6_GROUP(Q6K_NIB0, 0, 0, 18, 0)
	K6_GROUP(Q6K_NIB1, 0, 1, 18, 2)
	K6_GROUP(Q6K_NIB2, 0, 2, 19, 0)
	K6_GROUP(Q6K_NIB3, 0, 3, 19, 2)
	Q6K_HALF(R4)
	K6_GROUP(Q6K_NIB0, 1, 0, 20, 0)
	K6_GROUP(Q6K_NIB1, 1, 1, 20, 2)
	K6_GROUP(Q6K_NIB2, 1, 2, 21, 0)
	K6_GROUP(Q6K_NIB3, 1, 3, 21, 2)
	K6_FINISH(R7, 0, 24)
	K6_FINISH(R13, 32, 26)
	K6_FINISH(R14, 64, 28)
	K6_FINISH(R15, 96, 30)
	ADD  $210, R6
	SUBS $1, R12, R12
	BNE  block

	KX4_STORES(K6_STORE, 32, row)
	RET
