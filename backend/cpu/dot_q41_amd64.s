//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotq8_amd64.h"

// Q4_1 × Q8_1 rows in ggml's AVX2 lane order (see dot_q41.go): per block
// the nibbles are spread to 32 bytes (low halves, then high), their exact
// products with the activations summed four to a lane, converted, and fused
// with d_w·d_x into the float lanes; m_w·s_x is fused into a scalar that is
// added after hsum8.

// Q41LEVELS puts the 32 levels of the block at R9 in Y1 (Y15: 0x0f bytes).
#define Q41LEVELS \
	VMOVDQU     4(R9), X1      \
	VPSRLW      $4, X1, X2     \
	VINSERTI128 $1, X2, Y1, Y1 \
	VPAND       Y15, Y1, Y1

// Q41_CONSTS: Y15 = 0x0f bytes, Y14 = 0x0001 words. Clobbers AX.
#define Q41_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15); \
	VBCAST32(0x00010001, X14, Y14)

// func dotRowsQ4_1VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_1VNNI(SB), NOSPLIT, $0-48
	Q8ROWS(Q41_CONSTS, ZERO_Y0_AND(X10), Q81VNNI(Q41LEVELS, X9, X10), 20, 36, HSUM8_Y0_PLUS(X1, X10))

// func dotRowsQ4_1AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_1AVX2(SB), NOSPLIT, $0-48
	Q8ROWS(Q41_CONSTS, ZERO_Y0_AND(X10), Q81AVX2(Q41LEVELS, X9, X10), 20, 36, HSUM8_Y0_PLUS(X1, X10))

// Q41X4_CONSTS: Y15 = 0x0f bytes. Clobbers AX.
#define Q41X4_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15)

// func dotRowsQ4_1x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_1 rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels and scales are unpacked once
// and meet every token with the one-token VNNI kernel's instructions, so
// each token's lanes and float order are dotRowsQ4_1VNNI's. Token t keeps
// its float lanes in Y16+t, its minimums' scalar in X20+t and its integer
// lanes in Y24+t (AVX-512 VL).
TEXT ·dotRowsQ4_1x4VNNI(SB), NOSPLIT, $0-64
	KX4ROWS(Q41X4_CONSTS, KX4_ZERO_FM, Q81X4_BLOCK(Q41LEVELS), R9, R10, 20, 36, KX4_STORE(KX4_HSUM_MIN))
