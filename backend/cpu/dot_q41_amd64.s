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

// MINSCALE turns the integer lanes Y5 into floats, fuses them with
// d_w·d_x into Y0, and fuses m_w·s_x into X10 (w block at R9, x block at
// R10; the scale and minimum lead both).
#define MINSCALE \
	VCVTDQ2PS    Y5, Y5     \
	VPBROADCASTW (R9), X6   \
	VCVTPH2PS    X6, Y6     \
	VPBROADCASTW (R10), X7  \
	VCVTPH2PS    X7, Y7     \
	VMULPS       Y7, Y6, Y6 \
	VFMADD231PS  Y5, Y6, Y0 \
	VPBROADCASTW 2(R9), X8  \
	VCVTPH2PS    X8, X8     \
	VPBROADCASTW 2(R10), X9 \
	VCVTPH2PS    X9, X9     \
	VFMADD231SS  X9, X8, X10

// ROWS runs the row and block loops around the block body BODY (w block at
// R9, x block at R10).
#define ROWS(BODY) \
	MOVQ  out+0(FP), DI     \
	MOVQ  w+8(FP), SI       \
	MOVQ  stride+16(FP), DX \
	MOVQ  x+24(FP), R8      \
	MOVQ  nb+32(FP), CX     \
	MOVQ  rows+40(FP), BX   \
	TESTQ BX, BX            \
	JZ    done              \
	VBCAST32(0x0f0f0f0f, X15, Y15) \
	VBCAST32(0x00010001, X14, Y14) \
row:                            \
	VXORPS Y0, Y0, Y0       \
	VXORPS X10, X10, X10    \
	MOVQ   SI, R9           \
	MOVQ   R8, R10          \
	MOVQ   CX, R11          \
	TESTQ  R11, R11         \
	JZ     rowdone          \
block:                          \
	BODY                    \
	ADDQ $20, R9            \
	ADDQ $36, R10           \
	DECQ R11                \
	JNZ  block              \
rowdone:                        \
	HSUM8_Y0(X1)                   \
	VADDSS X10, X0, X0      \
	VMOVSS X0, (DI)         \
	ADDQ   $4, DI           \
	ADDQ   DX, SI           \
	DECQ   BX               \
	JNZ    row              \
done:                           \
	VZEROUPPER              \
	RET

#define Q41VNNI \
	Q41LEVELS               \
	VPXOR    Y5, Y5, Y5     \
	VPDPBUSD 4(R10), Y1, Y5 \
	MINSCALE

#define Q41AVX2 \
	Q41LEVELS                 \
	VPMADDUBSW 4(R10), Y1, Y5 \
	VPMADDWD   Y14, Y5, Y5    \
	MINSCALE

// func dotRowsQ4_1VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_1VNNI(SB), NOSPLIT, $0-48
	ROWS(Q41VNNI)

// func dotRowsQ4_1AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_1AVX2(SB), NOSPLIT, $0-48
	ROWS(Q41AVX2)

// Q41X4_CONSTS: Y15 = 0x0f bytes. Clobbers AX.
#define Q41X4_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15)

// Q41X4_BLOCK: one block (R9) for the four tokens: its levels (Y1), d_w
// (Y6) and m_w (X8) once, then each token's step (Q81X4_TOKEN).
#define Q41X4_BLOCK \
	Q41LEVELS; \
	VPBROADCASTW (R9), X6; \
	VCVTPH2PS    X6, Y6; \
	VPBROADCASTW 2(R9), X8; \
	VCVTPH2PS    X8, X8; \
	KX4_EACH(Q81X4_TOKEN, R10)

// func dotRowsQ4_1x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_1 rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels and scales are unpacked once
// and meet every token with the one-token VNNI kernel's instructions, so
// each token's lanes and float order are dotRowsQ4_1VNNI's. Token t keeps
// its float lanes in Y16+t, its minimums' scalar in X20+t and its integer
// lanes in Y24+t (AVX-512 VL).
TEXT ·dotRowsQ4_1x4VNNI(SB), NOSPLIT, $0-64
	KX4ROWS(Q41X4_CONSTS, KX4_ZERO_FM, Q41X4_BLOCK, R9, R10, 20, 36, KX4_STORE(KX4_HSUM_MIN))
