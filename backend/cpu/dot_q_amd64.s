//go:build amd64 && gc && !purego

#include "textflag.h"

// The Q8_0 kernels keep ggml's 8 lanes per row: per block, lane l is the
// integer sum of elements 4l..4l+3 (|w|·sign(x,w), exact), converted to
// float and fused-multiply-added with the block's d_w·d_x; hsum8 at the end.

// hsum8 of Y0 into X0 as ggml's hsum_float_8: clobbers X1.
#define HSUM8 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVHLPS     X0, X0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVSHDUP    X0, X1     \
	VADDSS       X1, X0, X0

// func dotRowsQ8_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ8_0VNNI(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ stride+16(FP), DX
	MOVQ x+24(FP), R8
	MOVQ nb+32(FP), CX
	MOVQ rows+40(FP), BX
	TESTQ BX, BX
	JZ   done
row:
	VXORPS Y0, Y0, Y0
	MOVQ   SI, R9
	MOVQ   R8, R10
	MOVQ   CX, R11
	TESTQ  R11, R11
	JZ     rowdone
block:
	VMOVDQU      2(R9), Y1
	VMOVDQU      2(R10), Y2
	VPSIGNB      Y1, Y1, Y3
	VPSIGNB      Y1, Y2, Y4
	VPXOR        Y5, Y5, Y5
	VPDPBUSD     Y4, Y3, Y5
	VCVTDQ2PS    Y5, Y5
	VPBROADCASTW (R9), X6
	VCVTPH2PS    X6, Y6
	VPBROADCASTW (R10), X7
	VCVTPH2PS    X7, Y7
	VMULPS       Y7, Y6, Y6
	VFMADD231PS  Y5, Y6, Y0
	ADDQ         $34, R9
	ADDQ         $34, R10
	DECQ         R11
	JNZ          block
rowdone:
	HSUM8
	VMOVSS X0, (DI)
	ADDQ   $4, DI
	ADDQ   DX, SI
	DECQ   BX
	JNZ    row
done:
	VZEROUPPER
	RET

// func dotRowsQ8_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ8_0AVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ stride+16(FP), DX
	MOVQ x+24(FP), R8
	MOVQ nb+32(FP), CX
	MOVQ rows+40(FP), BX
	TESTQ BX, BX
	JZ   done
	MOVL         $0x00010001, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
row:
	VXORPS Y0, Y0, Y0
	MOVQ   SI, R9
	MOVQ   R8, R10
	MOVQ   CX, R11
	TESTQ  R11, R11
	JZ     rowdone
block:
	VMOVDQU      2(R9), Y1
	VMOVDQU      2(R10), Y2
	VPSIGNB      Y1, Y1, Y3
	VPSIGNB      Y1, Y2, Y4
	VPMADDUBSW   Y4, Y3, Y5
	VPMADDWD     Y15, Y5, Y5
	VCVTDQ2PS    Y5, Y5
	VPBROADCASTW (R9), X6
	VCVTPH2PS    X6, Y6
	VPBROADCASTW (R10), X7
	VCVTPH2PS    X7, Y7
	VMULPS       Y7, Y6, Y6
	VFMADD231PS  Y5, Y6, Y0
	ADDQ         $34, R9
	ADDQ         $34, R10
	DECQ         R11
	JNZ          block
rowdone:
	HSUM8
	VMOVSS X0, (DI)
	ADDQ   $4, DI
	ADDQ   DX, SI
	DECQ   BX
	JNZ    row
done:
	VZEROUPPER
	RET

// The repacked Q4_0 kernels (see repack.go): 8 rows per group in the 8
// lanes; per block the lanes start from bias (-8·Σx) and take the unsigned
// nibbles times the activations, exact; then float, times d_w·d_x, fused
// into the accumulator, block after block (ggml's repacked order).

#define Q4NIB(off, lo, hi) \
	VMOVDQU off(SI), hi      \
	VPAND   Y15, hi, lo      \
	VPSRLW  $4, hi, hi       \
	VPAND   Y15, hi, hi

// func dotGroupsQ4_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotGroupsQ4_0VNNI(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ groups+16(FP), CX
	MOVQ x+24(FP), R8
	MOVQ bias+32(FP), R12
	MOVQ d+40(FP), R13
	MOVQ nb+48(FP), DX
	TESTQ CX, CX
	JZ   q4vdone
	TESTQ DX, DX
	JZ   q4vdone
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
q4vgroup:
	VXORPS Y0, Y0, Y0
	MOVQ   R8, R9
	MOVQ   R12, R10
	MOVQ   R13, R11
	MOVQ   DX, BX
q4vblock:
	VPBROADCASTD (R10), Y5
	VPXOR        Y9, Y9, Y9
	VPXOR        Y10, Y10, Y10
	VPXOR        Y11, Y11, Y11
	Q4NIB(16, Y1, Y2)
	Q4NIB(48, Y3, Y4)
	VPDPBUSD.BCST 2(R9), Y1, Y5
	VPDPBUSD.BCST 18(R9), Y2, Y9
	VPDPBUSD.BCST 6(R9), Y3, Y10
	VPDPBUSD.BCST 22(R9), Y4, Y11
	Q4NIB(80, Y1, Y2)
	Q4NIB(112, Y3, Y4)
	VPDPBUSD.BCST 10(R9), Y1, Y5
	VPDPBUSD.BCST 26(R9), Y2, Y9
	VPDPBUSD.BCST 14(R9), Y3, Y10
	VPDPBUSD.BCST 30(R9), Y4, Y11
	VPADDD        Y9, Y5, Y5
	VPADDD        Y11, Y10, Y10
	VPADDD        Y10, Y5, Y5
	VCVTDQ2PS     Y5, Y5
	VCVTPH2PS     (SI), Y6
	VBROADCASTSS  (R11), Y7
	VMULPS        Y7, Y6, Y6
	VFMADD231PS   Y6, Y5, Y0
	ADDQ $144, SI
	ADDQ $34, R9
	ADDQ $4, R10
	ADDQ $4, R11
	DECQ BX
	JNZ  q4vblock
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     q4vgroup
q4vdone:
	VZEROUPPER
	RET

#define Q4MAD(xoff, u) \
	VPBROADCASTD xoff(R9), Y7 \
	VPMADDUBSW   Y7, u, Y8    \
	VPMADDWD     Y14, Y8, Y8  \
	VPADDD       Y8, Y5, Y5

// func dotGroupsQ4_0AVX2(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotGroupsQ4_0AVX2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ groups+16(FP), CX
	MOVQ x+24(FP), R8
	MOVQ bias+32(FP), R12
	MOVQ d+40(FP), R13
	MOVQ nb+48(FP), DX
	TESTQ CX, CX
	JZ   q4adone
	TESTQ DX, DX
	JZ   q4adone
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x00010001, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
q4agroup:
	VXORPS Y0, Y0, Y0
	MOVQ   R8, R9
	MOVQ   R12, R10
	MOVQ   R13, R11
	MOVQ   DX, BX
q4ablock:
	VPBROADCASTD (R10), Y5
	Q4NIB(16, Y1, Y2)
	Q4NIB(48, Y3, Y4)
	Q4MAD(2, Y1)
	Q4MAD(18, Y2)
	Q4MAD(6, Y3)
	Q4MAD(22, Y4)
	Q4NIB(80, Y1, Y2)
	Q4NIB(112, Y3, Y4)
	Q4MAD(10, Y1)
	Q4MAD(26, Y2)
	Q4MAD(14, Y3)
	Q4MAD(30, Y4)
	VCVTDQ2PS     Y5, Y5
	VCVTPH2PS     (SI), Y6
	VBROADCASTSS  (R11), Y7
	VMULPS        Y7, Y6, Y6
	VFMADD231PS   Y6, Y5, Y0
	ADDQ $144, SI
	ADDQ $34, R9
	ADDQ $4, R10
	ADDQ $4, R11
	DECQ BX
	JNZ  q4ablock
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     q4agroup
q4adone:
	VZEROUPPER
	RET
