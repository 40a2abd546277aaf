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

// The AVX2 four-token kernel has sixteen vector registers: Q41_CONSTS's
// two (Y14, Y15), the block's levels in Y1 (X2 its scratch), d_w in Y8
// and m_w in X9, each token's float lanes in Y4+t and its minimums'
// scalar in X10+t; Y0, Y2 and Y3 are a token's scratch.

// Q41X4A_TOKEN(tok, facc, m): one token of the AVX2 four-token kernel:
// Q81AVX2's integer lanes and Q81_SCALE's order, facc += float(lanes) ·
// d_w·d_x and m += m_w·s_x. Clobbers Y0, Y2, X3.
#define Q41X4A_TOKEN(tok, facc, m) \
	Q81X4A_TOKEN(tok, facc); \
	VFMADD231SS  X3, X9, m

// Q41X4A_BLOCK: one block (R9) for the four tokens: its levels, d_w and
// m_w once, then each token's step.
#define Q41X4A_BLOCK \
	Q41LEVELS; \
	VPBROADCASTW (R9), X8; \
	VCVTPH2PS    X8, Y8; \
	VPBROADCASTW 2(R9), X9; \
	VCVTPH2PS    X9, X9; \
	Q41X4A_TOKEN((R10), Y4, X10); \
	Q41X4A_TOKEN((R10)(R14*1), Y5, X11); \
	Q41X4A_TOKEN((R10)(R14*2), Y6, X12); \
	Q41X4A_TOKEN((R10)(R15*1), Y7, X13)

// Q41X4A_ZERO clears the tokens' float lanes and minimums' scalars.
#define Q41X4A_ZERO \
	VZERO4(Y4, Y5, Y6, Y7); \
	VZERO4(X10, X11, X12, X13)

// Q41X4A_RESULT(facc, m, dst): hsum8(facc) + m (HSUM8_Y0_PLUS's order) to
// the float32 at dst. Clobbers Y0, X1.
#define Q41X4A_RESULT(facc, m, dst) \
	VMOVAPS facc, Y0; \
	HSUM8_Y0_PLUS(X1, m); \
	VMOVSS  X0, dst

// Q41X4A_STORE: the four results at DI + t·ostride. Clobbers R8.
#define Q41X4A_STORE \
	MOVQ DI, R8; \
	Q41X4A_RESULT(Y4, X10, (R8)); \
	ADDQ ostride+8(FP), R8; \
	Q41X4A_RESULT(Y5, X11, (R8)); \
	ADDQ ostride+8(FP), R8; \
	Q41X4A_RESULT(Y6, X12, (R8)); \
	ADDQ ostride+8(FP), R8; \
	Q41X4A_RESULT(Y7, X13, (R8))

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

// func dotRowsQ4_1x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// dotRowsQ4_1x4VNNI in sixteen 256-bit registers: each token's lanes,
// float order and minimums are dotRowsQ4_1AVX2's.
TEXT ·dotRowsQ4_1x4AVX2(SB), NOSPLIT, $0-64
	KX4ROWS(Q41_CONSTS, Q41X4A_ZERO, Q41X4A_BLOCK, R9, R10, 20, 36, Q41X4A_STORE)
