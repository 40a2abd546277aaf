//go:build amd64 && gc && !purego

#include "textflag.h"

// Q4_0 repacked in groups of 16 rows (see repack.go), 512-bit vectors: one
// lane a row. Per block a lane starts from bias (-8·Σx) and takes the low
// nibbles times their activations; the high nibbles are taken in place
// (byte & 0xf0, 16 times the nibble) into a second sum, divided by 16 by an
// arithmetic shift (exact: every term is a multiple of 16). The block's
// integer sum is then converted, times d_w·d_x and fused into the row's
// accumulator, block after block: dotGroupsQ4_0's order.

// WNIB splits the 64-byte chunk at off(SI) into its low nibbles (lo) and
// its high nibbles times 16 (hi).
#define WNIB(off, lo, hi) \
	VMOVDQU32 off(SI), hi \
	VPANDD    Z15, hi, lo \
	VPXORD    lo, hi, hi

// WNIBY is WNIB with two 256-bit loads (y is hi's lower half): every other
// block starts 32 bytes into a cache line, and a 512-bit load across two
// lines cost the one-token kernel a third of its speed in cache (54–67 →
// 83–94 GB/s on one Zen 5 core).
#define WNIBY(off, offh, lo, hi, y) \
	VMOVDQU      off(SI), y          \
	VINSERTI64X4 $1, offh(SI), hi, hi \
	VPANDD       Z15, hi, lo          \
	VPXORD       lo, hi, hi

// func dotWideQ4_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideQ4_0VNNI(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ groups+16(FP), CX
	MOVQ x+24(FP), R8
	MOVQ bias+32(FP), R12
	MOVQ d+40(FP), R13
	MOVQ nb+48(FP), DX
	TESTQ CX, CX
	JZ   w1done
	TESTQ DX, DX
	JZ   w1done
	MOVL         $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z15
w1group:
	VXORPS Z0, Z0, Z0
	MOVQ   R8, R9
	MOVQ   R12, R10
	MOVQ   R13, R11
	MOVQ   DX, BX
w1block:
	VPBROADCASTD  (R10), Z5
	VPXORD        Z9, Z9, Z9
	WNIBY(32, 64, Z1, Z2, Y2)
	WNIBY(96, 128, Z3, Z4, Y4)
	VPDPBUSD.BCST 2(R9), Z1, Z5
	VPDPBUSD.BCST 18(R9), Z2, Z9
	VPDPBUSD.BCST 6(R9), Z3, Z5
	VPDPBUSD.BCST 22(R9), Z4, Z9
	WNIBY(160, 192, Z6, Z7, Y7)
	WNIBY(224, 256, Z10, Z11, Y11)
	VPDPBUSD.BCST 10(R9), Z6, Z5
	VPDPBUSD.BCST 26(R9), Z7, Z9
	VPDPBUSD.BCST 14(R9), Z10, Z5
	VPDPBUSD.BCST 30(R9), Z11, Z9
	VPSRAD        $4, Z9, Z9
	VPADDD        Z9, Z5, Z5
	VCVTDQ2PS     Z5, Z5
	VCVTPH2PS     (SI), Z6
	VMULPS.BCST   (R11), Z6, Z6
	VFMADD231PS   Z6, Z5, Z0
	ADDQ $288, SI
	ADDQ $34, R9
	ADDQ $4, R10
	ADDQ $4, R11
	DECQ BX
	JNZ  w1block
	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	DECQ    CX
	JNZ     w1group
w1done:
	VZEROUPPER
	RET

// WTOK finishes token t's block: lo += hi/16, converted, times d_w·d_x
// (scales in Z13, d_x at dx) and fused into acc.
#define WTOK(lo, hi, dx, acc) \
	VPSRAD      $4, hi, hi    \
	VPADDD      hi, lo, lo    \
	VCVTDQ2PS   lo, lo        \
	VMULPS.BCST dx, Z13, hi   \
	VFMADD231PS hi, lo, acc

// func dotWideQ4_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens at once (prefill): token t's activations are at x+t·xstride,
// bias+t·bstride, d+t·bstride; its outputs at out+t·ostride (strides in
// bytes). The block's weights are unpacked once for the four tokens, each
// with its own accumulator, as the one-token kernel computes it.
TEXT ·dotWideQ4_0x4VNNI(SB), NOSPLIT, $0-80
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), SI
	MOVQ groups+24(FP), CX
	MOVQ xstride+40(FP), R10
	MOVQ bstride+64(FP), R13
	TESTQ CX, CX
	JZ   w4done
	CMPQ nb+72(FP), $0
	JE   w4done
	MOVL         $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z15
w4group:
	VXORPS Z16, Z16, Z16
	VXORPS Z17, Z17, Z17
	VXORPS Z18, Z18, Z18
	VXORPS Z19, Z19, Z19
	MOVQ   x+32(FP), R9
	MOVQ   bias+48(FP), R11
	MOVQ   d+56(FP), R12
	MOVQ   nb+72(FP), BX
w4block:
	WNIB(32, Z1, Z2)
	WNIB(96, Z3, Z4)
	WNIB(160, Z5, Z6)
	WNIB(224, Z7, Z8)
	VCVTPH2PS (SI), Z13
	LEAQ      (R9)(R10*2), DX
	LEAQ      (R11)(R13*2), AX
	LEAQ      (R12)(R13*2), R8
	VPBROADCASTD  (R11), Z20
	VPXORD        Z21, Z21, Z21
	VPBROADCASTD  (R11)(R13*1), Z22
	VPXORD        Z23, Z23, Z23
	VPBROADCASTD  (AX), Z24
	VPXORD        Z25, Z25, Z25
	VPBROADCASTD  (AX)(R13*1), Z26
	VPXORD        Z27, Z27, Z27
	VPDPBUSD.BCST 2(R9), Z1, Z20
	VPDPBUSD.BCST 2(R9)(R10*1), Z1, Z22
	VPDPBUSD.BCST 2(DX), Z1, Z24
	VPDPBUSD.BCST 2(DX)(R10*1), Z1, Z26
	VPDPBUSD.BCST 18(R9), Z2, Z21
	VPDPBUSD.BCST 18(R9)(R10*1), Z2, Z23
	VPDPBUSD.BCST 18(DX), Z2, Z25
	VPDPBUSD.BCST 18(DX)(R10*1), Z2, Z27
	VPDPBUSD.BCST 6(R9), Z3, Z20
	VPDPBUSD.BCST 6(R9)(R10*1), Z3, Z22
	VPDPBUSD.BCST 6(DX), Z3, Z24
	VPDPBUSD.BCST 6(DX)(R10*1), Z3, Z26
	VPDPBUSD.BCST 22(R9), Z4, Z21
	VPDPBUSD.BCST 22(R9)(R10*1), Z4, Z23
	VPDPBUSD.BCST 22(DX), Z4, Z25
	VPDPBUSD.BCST 22(DX)(R10*1), Z4, Z27
	VPDPBUSD.BCST 10(R9), Z5, Z20
	VPDPBUSD.BCST 10(R9)(R10*1), Z5, Z22
	VPDPBUSD.BCST 10(DX), Z5, Z24
	VPDPBUSD.BCST 10(DX)(R10*1), Z5, Z26
	VPDPBUSD.BCST 26(R9), Z6, Z21
	VPDPBUSD.BCST 26(R9)(R10*1), Z6, Z23
	VPDPBUSD.BCST 26(DX), Z6, Z25
	VPDPBUSD.BCST 26(DX)(R10*1), Z6, Z27
	VPDPBUSD.BCST 14(R9), Z7, Z20
	VPDPBUSD.BCST 14(R9)(R10*1), Z7, Z22
	VPDPBUSD.BCST 14(DX), Z7, Z24
	VPDPBUSD.BCST 14(DX)(R10*1), Z7, Z26
	VPDPBUSD.BCST 30(R9), Z8, Z21
	VPDPBUSD.BCST 30(R9)(R10*1), Z8, Z23
	VPDPBUSD.BCST 30(DX), Z8, Z25
	VPDPBUSD.BCST 30(DX)(R10*1), Z8, Z27
	WTOK(Z20, Z21, (R12), Z16)
	WTOK(Z22, Z23, (R12)(R13*1), Z17)
	WTOK(Z24, Z25, (R8), Z18)
	WTOK(Z26, Z27, (R8)(R13*1), Z19)
	ADDQ $288, SI
	ADDQ $34, R9
	ADDQ $4, R11
	ADDQ $4, R12
	DECQ BX
	JNZ  w4block
	MOVQ    ostride+8(FP), AX
	VMOVUPS Z16, (DI)
	VMOVUPS Z17, (DI)(AX*1)
	LEAQ    (DI)(AX*2), DX
	VMOVUPS Z18, (DX)
	VMOVUPS Z19, (DX)(AX*1)
	ADDQ    $64, DI
	DECQ    CX
	JNZ     w4group
w4done:
	VZEROUPPER
	RET

// WNIBB is WNIBY with the weights at base instead of SI.
#define WNIBB(base, off, offh, lo, hi, y) \
	VMOVDQU32    off(base), y          \
	VINSERTI64X4 $1, offh(base), hi, hi \
	VPANDD       Z15, hi, lo            \
	VPXORD       lo, hi, hi

// func dotWideQ4_0TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ4_0VNNI over two runs of groups at once (group i of wA beside
// group i of wB, each as the one-run kernel computes it): two streams from
// two places in memory, which one core reads faster than one stream when
// they lie a megabyte or more apart.
TEXT ·dotWideQ4_0TwoVNNI(SB), NOSPLIT, $0-72
	MOVQ outA+0(FP), DI
	MOVQ outB+8(FP), R15
	MOVQ wA+16(FP), SI
	MOVQ wB+24(FP), R14
	MOVQ groups+32(FP), CX
	MOVQ x+40(FP), R8
	MOVQ bias+48(FP), R12
	MOVQ d+56(FP), R13
	MOVQ nb+64(FP), DX
	TESTQ CX, CX
	JZ   w2done
	TESTQ DX, DX
	JZ   w2done
	MOVL         $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z15
w2group:
	VXORPS Z0, Z0, Z0
	VXORPS Z16, Z16, Z16
	MOVQ   R8, R9
	MOVQ   R12, R10
	MOVQ   R13, R11
	MOVQ   DX, BX
w2block:
	VPBROADCASTD  (R10), Z5
	VPXORD        Z9, Z9, Z9
	VPBROADCASTD  (R10), Z21
	VPXORD        Z25, Z25, Z25
	WNIBY(32, 64, Z1, Z2, Y2)
	WNIBB(R14, 32, 64, Z17, Z18, Y18)
	WNIBY(96, 128, Z3, Z4, Y4)
	WNIBB(R14, 96, 128, Z19, Z20, Y20)
	VPDPBUSD.BCST 2(R9), Z1, Z5
	VPDPBUSD.BCST 2(R9), Z17, Z21
	VPDPBUSD.BCST 18(R9), Z2, Z9
	VPDPBUSD.BCST 18(R9), Z18, Z25
	VPDPBUSD.BCST 6(R9), Z3, Z5
	VPDPBUSD.BCST 6(R9), Z19, Z21
	VPDPBUSD.BCST 22(R9), Z4, Z9
	VPDPBUSD.BCST 22(R9), Z20, Z25
	WNIBY(160, 192, Z6, Z7, Y7)
	WNIBB(R14, 160, 192, Z22, Z23, Y23)
	WNIBY(224, 256, Z10, Z11, Y11)
	WNIBB(R14, 224, 256, Z26, Z27, Y27)
	VPDPBUSD.BCST 10(R9), Z6, Z5
	VPDPBUSD.BCST 10(R9), Z22, Z21
	VPDPBUSD.BCST 26(R9), Z7, Z9
	VPDPBUSD.BCST 26(R9), Z23, Z25
	VPDPBUSD.BCST 14(R9), Z10, Z5
	VPDPBUSD.BCST 14(R9), Z26, Z21
	VPDPBUSD.BCST 30(R9), Z11, Z9
	VPDPBUSD.BCST 30(R9), Z27, Z25
	VPSRAD        $4, Z9, Z9
	VPSRAD        $4, Z25, Z25
	VPADDD        Z9, Z5, Z5
	VPADDD        Z25, Z21, Z21
	VCVTDQ2PS     Z5, Z5
	VCVTDQ2PS     Z21, Z21
	VCVTPH2PS     (SI), Z6
	VCVTPH2PS     (R14), Z22
	VMULPS.BCST   (R11), Z6, Z6
	VMULPS.BCST   (R11), Z22, Z22
	VFMADD231PS   Z6, Z5, Z0
	VFMADD231PS   Z22, Z21, Z16
	ADDQ $288, SI
	ADDQ $288, R14
	ADDQ $34, R9
	ADDQ $4, R10
	ADDQ $4, R11
	DECQ BX
	JNZ  w2block
	VMOVUPS Z0, (DI)
	VMOVUPS Z16, (R15)
	ADDQ    $64, DI
	ADDQ    $64, R15
	DECQ    CX
	JNZ     w2group
w2done:
	VZEROUPPER
	RET
