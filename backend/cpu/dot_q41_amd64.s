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

// func dotRowsQ4_1x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_1 rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels and scales are unpacked once
// and meet every token with the one-token VNNI kernel's instructions, so
// each token's lanes and float order are dotRowsQ4_1VNNI's. Token t keeps
// its float lanes in Y16+t, its minimums' scalar in X20+t and its integer
// lanes in Y24+t (AVX-512 VL).
TEXT ·dotRowsQ4_1x4VNNI(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), R12
	MOVQ rows+32(FP), CX
	MOVQ xstride+48(FP), R14
	LEAQ (R14)(R14*2), R15
	TESTQ CX, CX
	JZ   m4xdone
	VBCAST32(0x0f0f0f0f, X15, Y15)
m4xrow:
	VPXORD Y16, Y16, Y16
	VPXORD Y17, Y17, Y17
	VPXORD Y18, Y18, Y18
	VPXORD Y19, Y19, Y19
	VPXORD X20, X20, X20
	VPXORD X21, X21, X21
	VPXORD X22, X22, X22
	VPXORD X23, X23, X23
	MOVQ   R12, R9
	MOVQ   x+40(FP), R10
	MOVQ   nb+56(FP), BX
	TESTQ  BX, BX
	JZ     m4xrowdone
m4xblock:
	Q41LEVELS
	VPBROADCASTW (R9), X6
	VCVTPH2PS    X6, Y6
	VPBROADCASTW 2(R9), X8
	VCVTPH2PS    X8, X8
	Q81X4_TOKEN((R10), Y24, Y16, X20)
	Q81X4_TOKEN((R10)(R14*1), Y25, Y17, X21)
	Q81X4_TOKEN((R10)(R14*2), Y26, Y18, X22)
	Q81X4_TOKEN((R10)(R15*1), Y27, Y19, X23)
	ADDQ         $20, R9
	ADDQ         $36, R10
	DECQ         BX
	JNZ          m4xblock
m4xrowdone:
	HSUM8_TO_X0(Y16, X16)
	VADDSS       X20, X0, X0
	VMOVSS       X0, (DI)
	HSUM8_TO_X0(Y17, X17)
	VADDSS       X21, X0, X0
	MOVQ         ostride+8(FP), AX
	VMOVSS       X0, (DI)(AX*1)
	HSUM8_TO_X0(Y18, X18)
	VADDSS       X22, X0, X0
	MOVQ         ostride+8(FP), AX
	VMOVSS       X0, (DI)(AX*2)
	HSUM8_TO_X0(Y19, X19)
	VADDSS       X23, X0, X0
	MOVQ         ostride+8(FP), AX
	LEAQ         (AX)(AX*2), AX
	VMOVSS       X0, (DI)(AX*1)
	ADDQ         $4, DI
	ADDQ         stride+24(FP), R12
	DECQ         CX
	JNZ          m4xrow
m4xdone:
	VZEROUPPER
	RET
