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

// Four tokens at once (prefill): the weights of a block are loaded and
// unpacked once and used for four activation rows; each token keeps its own
// accumulator, so every output is computed as the one-token kernel does.

// func dotGroupsQ4_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Token t's activations are at x+t·xstride, bias+t·bstride, d+t·bstride;
// its outputs at out+t·ostride (strides in bytes).
TEXT ·dotGroupsQ4_0x4VNNI(SB), NOSPLIT, $0-80
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), SI
	MOVQ groups+24(FP), CX
	MOVQ xstride+40(FP), R10
	MOVQ bstride+64(FP), R13
	TESTQ CX, CX
	JZ   g4done
	CMPQ nb+72(FP), $0
	JE   g4done
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
g4group:
	VXORPS Y16, Y16, Y16
	VXORPS Y17, Y17, Y17
	VXORPS Y18, Y18, Y18
	VXORPS Y19, Y19, Y19
	MOVQ   x+32(FP), R9
	MOVQ   bias+48(FP), R11
	MOVQ   d+56(FP), R12
	MOVQ   nb+72(FP), BX
g4block:
	Q4NIB(16, Y1, Y2)
	Q4NIB(48, Y3, Y4)
	Q4NIB(80, Y5, Y6)
	Q4NIB(112, Y7, Y8)
	VCVTPH2PS (SI), Y13
	LEAQ      (R9)(R10*2), DX
	LEAQ      (R11)(R13*2), AX
	LEAQ      (R12)(R13*2), R8
	VPBROADCASTD  (R11), Y20
	VPXORD        Y21, Y21, Y21
	VPBROADCASTD  (R11)(R13*1), Y22
	VPXORD        Y23, Y23, Y23
	VPBROADCASTD  (AX), Y24
	VPXORD        Y25, Y25, Y25
	VPBROADCASTD  (AX)(R13*1), Y26
	VPXORD        Y27, Y27, Y27
	VPDPBUSD.BCST 2(R9), Y1, Y20
	VPDPBUSD.BCST 2(R9)(R10*1), Y1, Y22
	VPDPBUSD.BCST 2(DX), Y1, Y24
	VPDPBUSD.BCST 2(DX)(R10*1), Y1, Y26
	VPDPBUSD.BCST 18(R9), Y2, Y21
	VPDPBUSD.BCST 18(R9)(R10*1), Y2, Y23
	VPDPBUSD.BCST 18(DX), Y2, Y25
	VPDPBUSD.BCST 18(DX)(R10*1), Y2, Y27
	VPDPBUSD.BCST 6(R9), Y3, Y20
	VPDPBUSD.BCST 6(R9)(R10*1), Y3, Y22
	VPDPBUSD.BCST 6(DX), Y3, Y24
	VPDPBUSD.BCST 6(DX)(R10*1), Y3, Y26
	VPDPBUSD.BCST 22(R9), Y4, Y21
	VPDPBUSD.BCST 22(R9)(R10*1), Y4, Y23
	VPDPBUSD.BCST 22(DX), Y4, Y25
	VPDPBUSD.BCST 22(DX)(R10*1), Y4, Y27
	VPDPBUSD.BCST 10(R9), Y5, Y20
	VPDPBUSD.BCST 10(R9)(R10*1), Y5, Y22
	VPDPBUSD.BCST 10(DX), Y5, Y24
	VPDPBUSD.BCST 10(DX)(R10*1), Y5, Y26
	VPDPBUSD.BCST 26(R9), Y6, Y21
	VPDPBUSD.BCST 26(R9)(R10*1), Y6, Y23
	VPDPBUSD.BCST 26(DX), Y6, Y25
	VPDPBUSD.BCST 26(DX)(R10*1), Y6, Y27
	VPDPBUSD.BCST 14(R9), Y7, Y20
	VPDPBUSD.BCST 14(R9)(R10*1), Y7, Y22
	VPDPBUSD.BCST 14(DX), Y7, Y24
	VPDPBUSD.BCST 14(DX)(R10*1), Y7, Y26
	VPDPBUSD.BCST 30(R9), Y8, Y21
	VPDPBUSD.BCST 30(R9)(R10*1), Y8, Y23
	VPDPBUSD.BCST 30(DX), Y8, Y25
	VPDPBUSD.BCST 30(DX)(R10*1), Y8, Y27
	VPADDD        Y21, Y20, Y20
	VCVTDQ2PS     Y20, Y20
	VMULPS.BCST   (R12), Y13, Y21
	VFMADD231PS   Y21, Y20, Y16
	VPADDD        Y23, Y22, Y22
	VCVTDQ2PS     Y22, Y22
	VMULPS.BCST   (R12)(R13*1), Y13, Y23
	VFMADD231PS   Y23, Y22, Y17
	VPADDD        Y25, Y24, Y24
	VCVTDQ2PS     Y24, Y24
	VMULPS.BCST   (R8), Y13, Y25
	VFMADD231PS   Y25, Y24, Y18
	VPADDD        Y27, Y26, Y26
	VCVTDQ2PS     Y26, Y26
	VMULPS.BCST   (R8)(R13*1), Y13, Y27
	VFMADD231PS   Y27, Y26, Y19
	ADDQ $144, SI
	ADDQ $34, R9
	ADDQ $4, R11
	ADDQ $4, R12
	DECQ BX
	JNZ  g4block
	MOVQ    ostride+8(FP), AX
	VMOVUPS Y16, (DI)
	VMOVUPS Y17, (DI)(AX*1)
	LEAQ    (DI)(AX*2), DX
	VMOVUPS Y18, (DX)
	VMOVUPS Y19, (DX)(AX*1)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     g4group
g4done:
	VZEROUPPER
	RET

// func dotRowsQ8_0x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, d *float32, dstride int, nb int)
// Q8_0 rows (stride bytes apart) times four tokens' activations (token t's
// at x+t·xstride, its scales as float32 at d+t·dstride), 8 lanes per row
// and token as dotRowsQ8_0; out[t·ostride + 4r] for row r.
TEXT ·dotRowsQ8_0x4VNNI(SB), NOSPLIT, $0-80
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), SI
	MOVQ rows+32(FP), CX
	MOVQ xstride+48(FP), R10
	MOVQ dstride+64(FP), R13
	TESTQ CX, CX
	JZ   r4done
	CMPQ nb+72(FP), $0
	JE   r4done
r4row:
	VXORPS Y16, Y16, Y16
	VXORPS Y17, Y17, Y17
	VXORPS Y18, Y18, Y18
	VXORPS Y19, Y19, Y19
	MOVQ   SI, R11
	MOVQ   x+40(FP), R9
	MOVQ   d+56(FP), R12
	MOVQ   nb+72(FP), BX
r4block:
	VMOVDQU      2(R11), Y1
	VPSIGNB      Y1, Y1, Y2
	VPBROADCASTW (R11), X3
	VCVTPH2PS    X3, Y3
	LEAQ         (R9)(R10*2), DX
	LEAQ         (R12)(R13*2), R8
	VMOVDQU      2(R9), Y4
	VPSIGNB      Y1, Y4, Y4
	VPXOR        Y5, Y5, Y5
	VPDPBUSD     Y4, Y2, Y5
	VCVTDQ2PS    Y5, Y5
	VMULPS.BCST  (R12), Y3, Y6
	VFMADD231PS  Y6, Y5, Y16
	VMOVDQU      2(R9)(R10*1), Y4
	VPSIGNB      Y1, Y4, Y4
	VPXOR        Y5, Y5, Y5
	VPDPBUSD     Y4, Y2, Y5
	VCVTDQ2PS    Y5, Y5
	VMULPS.BCST  (R12)(R13*1), Y3, Y6
	VFMADD231PS  Y6, Y5, Y17
	VMOVDQU      2(DX), Y4
	VPSIGNB      Y1, Y4, Y4
	VPXOR        Y5, Y5, Y5
	VPDPBUSD     Y4, Y2, Y5
	VCVTDQ2PS    Y5, Y5
	VMULPS.BCST  (R8), Y3, Y6
	VFMADD231PS  Y6, Y5, Y18
	VMOVDQU      2(DX)(R10*1), Y4
	VPSIGNB      Y1, Y4, Y4
	VPXOR        Y5, Y5, Y5
	VPDPBUSD     Y4, Y2, Y5
	VCVTDQ2PS    Y5, Y5
	VMULPS.BCST  (R8)(R13*1), Y3, Y6
	VFMADD231PS  Y6, Y5, Y19
	ADDQ $34, R11
	ADDQ $34, R9
	ADDQ $4, R12
	DECQ BX
	JNZ  r4block
	MOVQ ostride+8(FP), AX
	VMOVAPS Y16, Y0
	HSUM8
	VMOVSS  X0, (DI)
	VMOVAPS Y17, Y0
	HSUM8
	VMOVSS  X0, (DI)(AX*1)
	LEAQ    (DI)(AX*2), DX
	VMOVAPS Y18, Y0
	HSUM8
	VMOVSS  X0, (DX)
	VMOVAPS Y19, Y0
	HSUM8
	VMOVSS  X0, (DX)(AX*1)
	ADDQ    $4, DI
	ADDQ    stride+24(FP), SI
	DECQ    CX
	JNZ     r4row
r4done:
	VZEROUPPER
	RET

// func dotRows2Q8_0x4VNNI(out *float32, ostride int, w *byte, stride int, pairs int, u *byte, ustride int, d *float32, dstride int, nb int)
// Pairs of Q8_0 rows times four tokens. The activations come as u = x+128
// (unsigned, 32 bytes a block, token t at u+t·ustride) so that a weight
// row needs no sign fix-up: Σ(x+128)·w − 128·Σw is Σx·w exactly, lane by
// lane; then the lanes go on as in dotRowsQ8_0.
TEXT ·dotRows2Q8_0x4VNNI(SB), NOSPLIT, $0-80
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), SI
	MOVQ pairs+32(FP), CX
	MOVQ ustride+48(FP), R10
	MOVQ dstride+64(FP), R13
	TESTQ CX, CX
	JZ   p4done
	CMPQ nb+72(FP), $0
	JE   p4done
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Y15
	VPXORD       Y14, Y14, Y14
p4pair:
	VXORPS Y16, Y16, Y16
	VXORPS Y17, Y17, Y17
	VXORPS Y18, Y18, Y18
	VXORPS Y19, Y19, Y19
	VXORPS Y28, Y28, Y28
	VXORPS Y29, Y29, Y29
	VXORPS Y30, Y30, Y30
	VXORPS Y31, Y31, Y31
	MOVQ   SI, R11
	MOVQ   stride+24(FP), AX
	ADDQ   SI, AX
	MOVQ   u+40(FP), R9
	MOVQ   d+56(FP), R12
	MOVQ   nb+72(FP), BX
p4block:
	VMOVDQU      2(R11), Y1
	VMOVDQU      2(AX), Y2
	VPXORD       Y3, Y3, Y3
	VPDPBUSD     Y1, Y15, Y3
	VPSUBD       Y3, Y14, Y3
	VPXORD       Y4, Y4, Y4
	VPDPBUSD     Y2, Y15, Y4
	VPSUBD       Y4, Y14, Y4
	VPBROADCASTW (R11), X5
	VCVTPH2PS    X5, Y5
	VPBROADCASTW (AX), X6
	VCVTPH2PS    X6, Y6
	LEAQ         (R9)(R10*2), DX
	LEAQ         (R12)(R13*2), R8
	VMOVDQU      (R9), Y7
	VMOVDQA32    Y3, Y20
	VPDPBUSD     Y1, Y7, Y20
	VMOVDQA32    Y4, Y21
	VPDPBUSD     Y2, Y7, Y21
	VCVTDQ2PS    Y20, Y20
	VCVTDQ2PS    Y21, Y21
	VMULPS.BCST  (R12), Y5, Y8
	VMULPS.BCST  (R12), Y6, Y9
	VFMADD231PS  Y8, Y20, Y16
	VFMADD231PS  Y9, Y21, Y28
	VMOVDQU      (R9)(R10*1), Y7
	VMOVDQA32    Y3, Y22
	VPDPBUSD     Y1, Y7, Y22
	VMOVDQA32    Y4, Y23
	VPDPBUSD     Y2, Y7, Y23
	VCVTDQ2PS    Y22, Y22
	VCVTDQ2PS    Y23, Y23
	VMULPS.BCST  (R12)(R13*1), Y5, Y8
	VMULPS.BCST  (R12)(R13*1), Y6, Y9
	VFMADD231PS  Y8, Y22, Y17
	VFMADD231PS  Y9, Y23, Y29
	VMOVDQU      (DX), Y7
	VMOVDQA32    Y3, Y24
	VPDPBUSD     Y1, Y7, Y24
	VMOVDQA32    Y4, Y25
	VPDPBUSD     Y2, Y7, Y25
	VCVTDQ2PS    Y24, Y24
	VCVTDQ2PS    Y25, Y25
	VMULPS.BCST  (R8), Y5, Y8
	VMULPS.BCST  (R8), Y6, Y9
	VFMADD231PS  Y8, Y24, Y18
	VFMADD231PS  Y9, Y25, Y30
	VMOVDQU      (DX)(R10*1), Y7
	VMOVDQA32    Y3, Y26
	VPDPBUSD     Y1, Y7, Y26
	VMOVDQA32    Y4, Y27
	VPDPBUSD     Y2, Y7, Y27
	VCVTDQ2PS    Y26, Y26
	VCVTDQ2PS    Y27, Y27
	VMULPS.BCST  (R8)(R13*1), Y5, Y8
	VMULPS.BCST  (R8)(R13*1), Y6, Y9
	VFMADD231PS  Y8, Y26, Y19
	VFMADD231PS  Y9, Y27, Y31
	ADDQ $34, R11
	ADDQ $34, AX
	ADDQ $32, R9
	ADDQ $4, R12
	DECQ BX
	JNZ  p4block
	MOVQ ostride+8(FP), AX
	LEAQ (DI)(AX*2), DX
	VMOVAPS Y16, Y0
	HSUM8
	VMOVSS  X0, (DI)
	VMOVAPS Y28, Y0
	HSUM8
	VMOVSS  X0, 4(DI)
	VMOVAPS Y17, Y0
	HSUM8
	VMOVSS  X0, (DI)(AX*1)
	VMOVAPS Y29, Y0
	HSUM8
	VMOVSS  X0, 4(DI)(AX*1)
	VMOVAPS Y18, Y0
	HSUM8
	VMOVSS  X0, (DX)
	VMOVAPS Y30, Y0
	HSUM8
	VMOVSS  X0, 4(DX)
	VMOVAPS Y19, Y0
	HSUM8
	VMOVSS  X0, (DX)(AX*1)
	VMOVAPS Y31, Y0
	HSUM8
	VMOVSS  X0, 4(DX)(AX*1)
	ADDQ    $8, DI
	MOVQ    stride+24(FP), AX
	LEAQ    (SI)(AX*2), SI
	DECQ    CX
	JNZ     p4pair
p4done:
	VZEROUPPER
	RET

// func dotRowsQ8_0TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, stride int, x *byte, nb int, rows int)
// dotRowsQ8_0VNNI over two runs of rows at once (row i of wA beside row i
// of wB, each as the one-run kernel computes it): two streams from two
// places in memory, which one core reads faster than one stream when they
// lie a megabyte or more apart.
TEXT ·dotRowsQ8_0TwoVNNI(SB), NOSPLIT, $0-64
	MOVQ outA+0(FP), DI
	MOVQ outB+8(FP), R15
	MOVQ wA+16(FP), SI
	MOVQ wB+24(FP), R14
	MOVQ stride+32(FP), DX
	MOVQ x+40(FP), R8
	MOVQ nb+48(FP), CX
	MOVQ rows+56(FP), BX
	TESTQ BX, BX
	JZ   tdone
trow:
	VXORPS Y0, Y0, Y0
	VXORPS Y8, Y8, Y8
	MOVQ   SI, R9
	MOVQ   R14, R12
	MOVQ   R8, R10
	MOVQ   CX, R11
	TESTQ  R11, R11
	JZ     trowdone
tblock:
	VMOVDQU      2(R10), Y2
	VPBROADCASTW (R10), X7
	VCVTPH2PS    X7, Y7
	VMOVDQU      2(R9), Y1
	VMOVDQU      2(R12), Y9
	VPSIGNB      Y1, Y1, Y3
	VPSIGNB      Y1, Y2, Y4
	VPSIGNB      Y9, Y9, Y11
	VPSIGNB      Y9, Y2, Y12
	VPXOR        Y5, Y5, Y5
	VPXOR        Y13, Y13, Y13
	VPDPBUSD     Y4, Y3, Y5
	VPDPBUSD     Y12, Y11, Y13
	VCVTDQ2PS    Y5, Y5
	VCVTDQ2PS    Y13, Y13
	VPBROADCASTW (R9), X6
	VCVTPH2PS    X6, Y6
	VPBROADCASTW (R12), X14
	VCVTPH2PS    X14, Y14
	VMULPS       Y7, Y6, Y6
	VMULPS       Y7, Y14, Y14
	VFMADD231PS  Y5, Y6, Y0
	VFMADD231PS  Y13, Y14, Y8
	ADDQ         $34, R9
	ADDQ         $34, R12
	ADDQ         $34, R10
	DECQ         R11
	JNZ          tblock
trowdone:
	VMOVAPS Y8, Y15
	HSUM8
	VMOVSS  X0, (DI)
	VMOVAPS Y15, Y0
	HSUM8
	VMOVSS  X0, (R15)
	ADDQ    $4, DI
	ADDQ    $4, R15
	ADDQ    DX, SI
	ADDQ    DX, R14
	DECQ    BX
	JNZ     trow
tdone:
	VZEROUPPER
	RET
