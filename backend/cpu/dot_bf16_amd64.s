//go:build amd64 && gc && !purego

#include "textflag.h"

// BF16 × BF16 rows in the order of ggml_vec_dot_bf16 with AVX-512 BF16 (see
// dot_bf16.go), in 256-bit registers: Y0|Y1 are the first set of 16 lanes
// and Y2|Y3 the second. Each 16 elements are split into their odd elements
// (the high halves of the dwords, masked) and even ones (shifted up), and
// fused in odd first, as vdpbf16ps orders a pair. Y15: 0xffff0000 dwords.

// BF16PAIRS fuses the 16 elements at off(SI) and off(R10) into acc.
#define BF16PAIRS(off, acc) \
	VMOVDQU     off(SI), Y4  \
	VMOVDQU     off(R10), Y5 \
	VPAND       Y15, Y4, Y6  \
	VPAND       Y15, Y5, Y7  \
	VFMADD231PS Y7, Y6, acc  \
	VPSLLD      $16, Y4, Y4  \
	VPSLLD      $16, Y5, Y5  \
	VFMADD231PS Y5, Y4, acc

// REDUCE16 adds the 16 lanes lo|hi as _mm512_reduce_add_ps into the low
// float of lo (clobbers hi).
#define REDUCE16(lo, hi, xlo, xhi) \
	VADDPS       hi, lo, lo   \
	VEXTRACTF128 $1, lo, xhi  \
	VADDPS       xhi, xlo, xlo \
	VMOVHLPS     xlo, xlo, xhi \
	VADDPS       xhi, xlo, xlo \
	VMOVSHDUP    xlo, xhi      \
	VADDSS       xhi, xlo, xlo

// func dotRowsBF16AVX2(out *float32, w *byte, stride int, x *byte, n int, rows int)
TEXT ·dotRowsBF16AVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   bfdone
	MOVL         $0xffff0000, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
bfrow:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   R12, SI
	MOVQ   x+24(FP), R10
	MOVQ   n+32(FP), BX
	SHRQ   $6, BX
	JZ     bfsets
bfchunk:
	BF16PAIRS(0, Y0)
	BF16PAIRS(32, Y1)
	BF16PAIRS(64, Y2)
	BF16PAIRS(96, Y3)
	ADDQ $128, SI
	ADDQ $128, R10
	DECQ BX
	JNZ  bfchunk
bfsets:
	REDUCE16(Y0, Y1, X0, X1)
	REDUCE16(Y2, Y3, X2, X3)
	VCVTSS2SD X0, X0, X0
	VCVTSS2SD X2, X2, X2
	VADDSD    X2, X0, X0
	MOVQ      n+32(FP), BX
	ANDQ      $63, BX
	JZ        bfrowdone
bftail:
	MOVWLZX   (SI), AX
	SHLL      $16, AX
	VMOVD     AX, X4
	MOVWLZX   (R10), AX
	SHLL      $16, AX
	VMOVD     AX, X5
	VMULSS    X5, X4, X4
	VCVTSS2SD X4, X4, X4
	VADDSD    X4, X0, X0
	ADDQ      $2, SI
	ADDQ      $2, R10
	DECQ      BX
	JNZ       bftail
bfrowdone:
	VCVTSD2SS X0, X0, X0
	VMOVSS    X0, (DI)
	ADDQ      $4, DI
	ADDQ      stride+16(FP), R12
	DECQ      CX
	JNZ       bfrow
bfdone:
	VZEROUPPER
	RET
