//go:build amd64 && gc && !purego

#include "textflag.h"

// Q5_0 × Q8_0 rows in ggml's AVX2 lane order (dotLanes8 with q5Vals, see
// dot_q50.go): per block the nibbles are spread to 32 bytes (low halves,
// then high), the fifth bits spread to bytes as ggml's bytes_from_bits_32
// does, and every level without its fifth bit takes 0xf0 (level − 16 as
// int8); the exact products with the activations are summed four to a lane
// (|w| × sign(x, w)), converted, and fused with d_w·d_x into the float
// lanes; hsum8 at the end.

// q50spread sends byte i of a broadcast uint32 to bytes 8i..8i+7.
DATA q50spread<>+0(SB)/8, $0x0000000000000000
DATA q50spread<>+8(SB)/8, $0x0101010101010101
DATA q50spread<>+16(SB)/8, $0x0202020202020202
DATA q50spread<>+24(SB)/8, $0x0303030303030303
GLOBL q50spread<>(SB), RODATA|NOPTR, $32

// HSUM8 adds Y0's lanes into X0 as ggml's hsum_float_8: clobbers X1.
#define HSUM8 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVHLPS     X0, X0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVSHDUP    X0, X1     \
	VADDSS       X1, X0, X0

// Q50LEVELS puts the 32 signed levels of the block at R9 in Y1. Constants:
// Y15 0x0f bytes, Y13 q50spread, Y12 ggml's bit mask 0x7fbfdfeff7fbfdfe,
// Y11 all ones, Y10 0xf0 bytes.
#define Q50LEVELS \
	VMOVDQU      6(R9), X1      \
	VPSRLW       $4, X1, X2     \
	VINSERTI128  $1, X2, Y1, Y1 \
	VPAND        Y15, Y1, Y1    \
	VPBROADCASTD 2(R9), Y2      \
	VPSHUFB      Y13, Y2, Y2    \
	VPOR         Y12, Y2, Y2    \
	VPCMPEQB     Y11, Y2, Y2    \
	VPANDN       Y10, Y2, Y2    \
	VPOR         Y2, Y1, Y1

// SCALE turns the integer lanes Y5 into floats and fuses them with d_w·d_x
// into Y0 (w block at R9, x block at R10).
#define SCALE \
	VCVTDQ2PS    Y5, Y5     \
	VPBROADCASTW (R9), X6   \
	VCVTPH2PS    X6, Y6     \
	VPBROADCASTW (R10), X7  \
	VCVTPH2PS    X7, Y7     \
	VMULPS       Y7, Y6, Y6 \
	VFMADD231PS  Y5, Y6, Y0

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
	MOVL         $0x0f0f0f0f, AX          \
	VMOVD        AX, X15                  \
	VPBROADCASTD X15, Y15                 \
	MOVL         $0x00010001, AX          \
	VMOVD        AX, X14                  \
	VPBROADCASTD X14, Y14                 \
	VMOVDQU      q50spread<>(SB), Y13     \
	MOVQ         $0x7fbfdfeff7fbfdfe, AX  \
	VMOVQ        AX, X12                  \
	VPBROADCASTQ X12, Y12                 \
	VPCMPEQB     Y11, Y11, Y11            \
	MOVL         $0xf0f0f0f0, AX          \
	VMOVD        AX, X10                  \
	VPBROADCASTD X10, Y10                 \
row:                            \
	VXORPS Y0, Y0, Y0       \
	MOVQ   SI, R9           \
	MOVQ   R8, R10          \
	MOVQ   CX, R11          \
	TESTQ  R11, R11         \
	JZ     rowdone          \
block:                          \
	BODY                    \
	ADDQ $22, R9            \
	ADDQ $34, R10           \
	DECQ R11                \
	JNZ  block              \
rowdone:                        \
	HSUM8                   \
	VMOVSS X0, (DI)         \
	ADDQ   $4, DI           \
	ADDQ   DX, SI           \
	DECQ   BX               \
	JNZ    row              \
done:                           \
	VZEROUPPER              \
	RET

#define Q50VNNI \
	Q50LEVELS               \
	VMOVDQU  2(R10), Y4     \
	VPSIGNB  Y1, Y1, Y3     \
	VPSIGNB  Y1, Y4, Y4     \
	VPXOR    Y5, Y5, Y5     \
	VPDPBUSD Y4, Y3, Y5     \
	SCALE

#define Q50AVX2 \
	Q50LEVELS               \
	VMOVDQU    2(R10), Y4   \
	VPSIGNB    Y1, Y1, Y3   \
	VPSIGNB    Y1, Y4, Y4   \
	VPMADDUBSW Y4, Y3, Y5   \
	VPMADDWD   Y14, Y5, Y5  \
	SCALE

// func dotRowsQ5_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_0VNNI(SB), NOSPLIT, $0-48
	ROWS(Q50VNNI)

// func dotRowsQ5_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_0AVX2(SB), NOSPLIT, $0-48
	ROWS(Q50AVX2)

// func dotRowsQ5_0x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_0 rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels are unpacked once and meet
// every token with the one-token VNNI kernel's instructions, so each
// token's lanes and float order are dotRowsQ5_0VNNI's. Token t keeps its
// float lanes in Y16+t and its integer lanes in Y24+t (AVX-512 VL).
TEXT ·dotRowsQ5_0x4VNNI(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), R12
	MOVQ rows+32(FP), CX
	MOVQ xstride+48(FP), R14
	LEAQ (R14)(R14*2), R15
	TESTQ CX, CX
	JZ   q5xdone
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	VMOVDQU      q50spread<>(SB), Y13
	MOVQ         $0x7fbfdfeff7fbfdfe, AX
	VMOVQ        AX, X12
	VPBROADCASTQ X12, Y12
	VPCMPEQB     Y11, Y11, Y11
	MOVL         $0xf0f0f0f0, AX
	VMOVD        AX, X10
	VPBROADCASTD X10, Y10
q5xrow:
	VPXORD Y16, Y16, Y16
	VPXORD Y17, Y17, Y17
	VPXORD Y18, Y18, Y18
	VPXORD Y19, Y19, Y19
	MOVQ   R12, R9
	MOVQ   x+40(FP), R10
	MOVQ   nb+56(FP), BX
	TESTQ  BX, BX
	JZ     q5xrowdone
q5xblock:
	Q50LEVELS
	VPSIGNB      Y1, Y1, Y3
	VPBROADCASTW (R9), X6
	VCVTPH2PS    X6, Y6
	VMOVDQU      2(R10), Y4
	VPSIGNB      Y1, Y4, Y4
	VPXORD       Y24, Y24, Y24
	VPDPBUSD     Y4, Y3, Y24
	VCVTDQ2PS    Y24, Y24
	VPBROADCASTW (R10), X7
	VCVTPH2PS    X7, Y7
	VMULPS       Y7, Y6, Y7
	VFMADD231PS  Y24, Y7, Y16
	VMOVDQU      2(R10)(R14*1), Y4
	VPSIGNB      Y1, Y4, Y4
	VPXORD       Y25, Y25, Y25
	VPDPBUSD     Y4, Y3, Y25
	VCVTDQ2PS    Y25, Y25
	VPBROADCASTW (R10)(R14*1), X7
	VCVTPH2PS    X7, Y7
	VMULPS       Y7, Y6, Y7
	VFMADD231PS  Y25, Y7, Y17
	VMOVDQU      2(R10)(R14*2), Y4
	VPSIGNB      Y1, Y4, Y4
	VPXORD       Y26, Y26, Y26
	VPDPBUSD     Y4, Y3, Y26
	VCVTDQ2PS    Y26, Y26
	VPBROADCASTW (R10)(R14*2), X7
	VCVTPH2PS    X7, Y7
	VMULPS       Y7, Y6, Y7
	VFMADD231PS  Y26, Y7, Y18
	VMOVDQU      2(R10)(R15*1), Y4
	VPSIGNB      Y1, Y4, Y4
	VPXORD       Y27, Y27, Y27
	VPDPBUSD     Y4, Y3, Y27
	VCVTDQ2PS    Y27, Y27
	VPBROADCASTW (R10)(R15*1), X7
	VCVTPH2PS    X7, Y7
	VMULPS       Y7, Y6, Y7
	VFMADD231PS  Y27, Y7, Y19
	ADDQ         $22, R9
	ADDQ         $34, R10
	DECQ         BX
	JNZ          q5xblock
q5xrowdone:
	VEXTRACTF32X4 $1, Y16, X1
	VADDPS       X1, X16, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VMOVSS       X0, (DI)
	VEXTRACTF32X4 $1, Y17, X1
	VADDPS       X1, X17, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	MOVQ         ostride+8(FP), AX
	VMOVSS       X0, (DI)(AX*1)
	VEXTRACTF32X4 $1, Y18, X1
	VADDPS       X1, X18, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	MOVQ         ostride+8(FP), AX
	VMOVSS       X0, (DI)(AX*2)
	VEXTRACTF32X4 $1, Y19, X1
	VADDPS       X1, X19, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	MOVQ         ostride+8(FP), AX
	LEAQ         (AX)(AX*2), AX
	VMOVSS       X0, (DI)(AX*1)
	ADDQ         $4, DI
	ADDQ         stride+24(FP), R12
	DECQ         CX
	JNZ          q5xrow
q5xdone:
	VZEROUPPER
	RET
