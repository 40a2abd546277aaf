//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotq8_amd64.h"

// q51spread sends byte i of a broadcast uint32 to bytes 8i..8i+7.
DATA q51spread<>+0(SB)/8, $0x0000000000000000
DATA q51spread<>+8(SB)/8, $0x0101010101010101
DATA q51spread<>+16(SB)/8, $0x0202020202020202
DATA q51spread<>+24(SB)/8, $0x0303030303030303
GLOBL q51spread<>(SB), RODATA|NOPTR, $32

// Q5_1 × Q8_1 rows in ggml's AVX2 lane order (see dot_q41.go): per block
// the nibbles are spread to 32 bytes (low halves, then high) and the fifth
// bits to bytes as ggml's bytes_from_bits_32 does (0x10 where set); their exact
// products with the activations summed four to a lane, converted, and fused
// with d_w·d_x into the float lanes; m_w·s_x is fused into a scalar that is
// added after hsum8.

// Q51LEVELS_CONSTS: the constants of Q51LEVELS but Y15 (Y13, Y12, Y11,
// Y10). Clobbers AX.
#define Q51LEVELS_CONSTS \
	VMOVDQU      q51spread<>(SB), Y13; \
	MOVQ         $0x7fbfdfeff7fbfdfe, AX; \
	VMOVQ        AX, X12; \
	VPBROADCASTQ X12, Y12; \
	VPCMPEQB     Y11, Y11, Y11; \
	VBCAST32(0x10101010, X10, Y10)

// Q51LEVELS puts the 32 levels of the block at R9 in Y1. Constants: Y15
// 0x0f bytes, Y13 q51spread, Y12 ggml's bit mask 0x7fbfdfeff7fbfdfe, Y11 all
// ones, Y10 0x10 bytes.
#define Q51LEVELS \
	VMOVDQU      8(R9), X1      \
	VPSRLW       $4, X1, X2     \
	VINSERTI128  $1, X2, Y1, Y1 \
	VPAND        Y15, Y1, Y1    \
	VPBROADCASTD 4(R9), Y2      \
	VPSHUFB      Y13, Y2, Y2    \
	VPOR         Y12, Y2, Y2    \
	VPCMPEQB     Y11, Y2, Y2    \
	VPAND        Y10, Y2, Y2    \
	VPOR         Y2, Y1, Y1

// Q51_CONSTS: Y14 = 0x0001 words and the constants of Q51LEVELS.
// Clobbers AX.
#define Q51_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15); \
	VBCAST32(0x00010001, X14, Y14); \
	Q51LEVELS_CONSTS

// The AVX2 four-token kernel has sixteen vector registers: Q51_CONSTS's
// six (Y10-Y15), the block's levels in Y1 (Y2 its scratch), d_w in Y8
// and m_w in X9, each token's float lanes in Y4+t and its minimums'
// scalar on the stack (at t·16(SP)); Y0, Y2 and Y3 are a token's
// scratch.

// Q51X4A_TOKEN(tok, facc, m): one token of the AVX2 four-token kernel:
// Q81AVX2's integer lanes and Q81_SCALE's order, facc += float(lanes) ·
// d_w·d_x and the scalar at m(SP) += m_w·s_x. Clobbers Y0, Y2, X3.
#define Q51X4A_TOKEN(tok, facc, m) \
	Q81X4A_TOKEN(tok, facc); \
	VMOVSS       m(SP), X2; \
	VFMADD231SS  X3, X9, X2; \
	VMOVSS       X2, m(SP)

// Q51X4A_BLOCK: one block (R9) for the four tokens: its levels, d_w and
// m_w once, then each token's step.
#define Q51X4A_BLOCK \
	Q51LEVELS; \
	VPBROADCASTW (R9), X8; \
	VCVTPH2PS    X8, Y8; \
	VPBROADCASTW 2(R9), X9; \
	VCVTPH2PS    X9, X9; \
	Q51X4A_TOKEN((R10), Y4, 0); \
	Q51X4A_TOKEN((R10)(R14*1), Y5, 16); \
	Q51X4A_TOKEN((R10)(R14*2), Y6, 32); \
	Q51X4A_TOKEN((R10)(R15*1), Y7, 48)

// Q51X4A_ZERO clears the tokens' float lanes and minimums' scalars.
#define Q51X4A_ZERO \
	VZERO4(Y4, Y5, Y6, Y7); \
	VMOVUPS X4, 0(SP); \
	VMOVUPS X4, 16(SP); \
	VMOVUPS X4, 32(SP); \
	VMOVUPS X4, 48(SP)

// Q51X4A_RESULT(facc, m): X0 lane 0 = hsum8(facc) + the scalar at m(SP)
// (HSUM8_Y0_PLUS's order). Clobbers Y0, X1.
#define Q51X4A_RESULT(facc, m) \
	VMOVAPS facc, Y0; \
	HSUM8_Y0(X1); \
	VMOVSS  m(SP), X1; \
	VADDSS  X1, X0, X0

// func dotRowsQ5_1VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_1VNNI(SB), NOSPLIT, $0-48
	Q8ROWS(Q51_CONSTS, ZERO_Y0_AND(X9), Q81VNNI(Q51LEVELS, X7, X9), 24, 36, HSUM8_Y0_PLUS(X1, X9))

// func dotRowsQ5_1AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_1AVX2(SB), NOSPLIT, $0-48
	Q8ROWS(Q51_CONSTS, ZERO_Y0_AND(X9), Q81AVX2(Q51LEVELS, X7, X9), 24, 36, HSUM8_Y0_PLUS(X1, X9))

// Q51X4_CONSTS: the constants of Q51LEVELS (Y15, Y13, Y12, Y11, Y10).
// Clobbers AX.
#define Q51X4_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15); \
	Q51LEVELS_CONSTS

// func dotRowsQ5_1x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens against each weight row as dotRowsQ4_1x4VNNI (and with its
// registers), each token's lanes and float order dotRowsQ5_1VNNI's.
TEXT ·dotRowsQ5_1x4VNNI(SB), NOSPLIT, $0-64
	KX4ROWS(Q51X4_CONSTS, KX4_ZERO_FM, Q81X4_BLOCK(Q51LEVELS), R9, R10, 24, 36, KX4_STORE(KX4_HSUM_MIN))

// func dotRowsQ5_1x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// dotRowsQ5_1x4VNNI in sixteen 256-bit registers: each token's lanes,
// float order and minimums are dotRowsQ5_1AVX2's.
TEXT ·dotRowsQ5_1x4AVX2(SB), NOSPLIT, $64-64
	KX4ROWS(Q51_CONSTS, Q51X4A_ZERO, Q51X4A_BLOCK, R9, R10, 24, 36, X4A_STORE_R8(Q51X4A_RESULT))
