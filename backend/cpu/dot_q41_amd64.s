//go:build amd64 && gc && !purego

#include "textflag.h"

// Q4_1 × Q8_1 rows in ggml's AVX2 lane order (see dot_q41.go): per block
// the nibbles are spread to 32 bytes (low halves, then high), their exact
// products with the activations summed four to a lane, converted, and fused
// with d_w·d_x into the float lanes; m_w·s_x is fused into a scalar that is
// added after hsum8.

// HSUM8 adds Y0's lanes into X0 as ggml's hsum_float_8: clobbers X1.
#define HSUM8 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVHLPS     X0, X0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVSHDUP    X0, X1     \
	VADDSS       X1, X0, X0

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
	MOVL         $0x0f0f0f0f, AX \
	VMOVD        AX, X15         \
	VPBROADCASTD X15, Y15        \
	MOVL         $0x00010001, AX \
	VMOVD        AX, X14         \
	VPBROADCASTD X14, Y14        \
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
	HSUM8                   \
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
