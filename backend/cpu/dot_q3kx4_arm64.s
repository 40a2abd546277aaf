//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "q23k_arm64.h"

// dotRowsQ3_Kx4SDOT is the Q3_K row kernel (dot_q3k_arm64.s) for four
// tokens at once: each block's scales are unpacked and its levels made
// once for the four tokens. Every token's arithmetic is the one-token
// kernel's (scaled lanes fused with d_x·d_w; hsum8), so the results are
// the same bit for bit.
//
// Registers: V20-V23 the block's 16 signed scales (32 bits); V2:V3 the
// block's hmask (shifted down by 1 a group); V4:V5 32 bytes of low bits,
// V6:V7 one group's levels; V8:V9 a token's activations, V18:V19 their
// sums (scratch before); token t's integer lanes V10+2t:V11+2t and
// accumulators V25:V26, V27:V28, V30:V31, V0:V1; V24 3, V29 4 in every
// byte. GPRs: R0 out (token 0), R25 the tokens' output spacing; R1 the
// row, R2 stride, R20 rows left; R3 token 0's activations, R4 their
// spacing; R19 nb, R12 blocks left; R6 the block, R21 its low bits, R16
// its d (half); R7, R13, R14, R15 the tokens' activation blocks.

// SCALES unpacks the 16 scales as ggml's utmp code does, less 32, and
// widens them to V20-V23.
#define SCALES \
	MOVWU 96(R6), R9                 \
	MOVWU 100(R6), R22               \
	MOVWU 104(R6), R23               \
	ANDW  $0x0f0f0f0f, R9, R5        \
	ANDW  $0x03030303, R23, R21      \
	ORRW  R21<<4, R5, R5             \
	ANDW  $0x0f0f0f0f, R22, R8       \
	LSRW  $2, R23, R21               \
	ANDW  $0x03030303, R21, R21      \
	ORRW  R21<<4, R8, R8             \
	LSRW  $4, R9, R10                \
	ANDW  $0x0f0f0f0f, R10, R10      \
	LSRW  $4, R23, R21               \
	ANDW  $0x03030303, R21, R21      \
	ORRW  R21<<4, R10, R10           \
	LSRW  $4, R22, R11               \
	ANDW  $0x0f0f0f0f, R11, R11      \
	LSRW  $6, R23, R21               \
	ANDW  $0x03030303, R21, R21      \
	ORRW  R21<<4, R11, R11           \
	ORR   R8<<32, R5, R5             \
	ORR   R11<<32, R10, R10          \
	VMOV  R5, V18.D[0]               \
	VMOV  R10, V18.D[1]              \
	VMOVI $32, V19.B16               \
	SUB16B(18, 18, 19)               \
	SXTL8H(19, 18)                   \
	SXTL8H2(18, 18)                  \
	SXTL4S(20, 19)                   \
	SXTL4S2(21, 19)                  \
	SXTL4S(22, 18)                   \
	SXTL4S2(23, 18)

// HIGH subtracts 4 where bit 0 of hmask is clear and steps hmask.
#define HIGH \
	SHLB(18, 2, 2)     \
	SHLB(19, 3, 2)     \
	BIC16B(18, 29, 18) \
	BIC16B(19, 29, 19) \
	SUB16B(6, 6, 18)   \
	SUB16B(7, 7, 19)   \
	USHRB(2, 2, 1)     \
	USHRB(3, 3, 1)

// func dotRowsQ3_Kx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsQ3_Kx4SDOT(SB), NOSPLIT, $0-64
	X4_ARGS
	VMOVI $3, V24.B16
	VMOVI $4, V29.B16

row:
	Q23X4_ROW

block:
	SCALES
	MOVHU 108(R6), R16
	VLD1  (R6), [V2.B16, V3.B16]
	ADD   $32, R6, R21
	Q23X4_ZERO_LANES
	Q23X4_GROUPS(HIGH, 110, block)

	Q23X4_STORE(row)
	RET
