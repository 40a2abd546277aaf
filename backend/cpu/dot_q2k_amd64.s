//go:build amd64 && gc && !purego

#include "textflag.h"

// Q2_K × Q8_K rows in the order of ggml's AVX2 kernel (see dot_q2k.go):
// the minimums' lanes (vpmaddwd of the 4-bit minimums with bsums) are fused
// with −d_x·dmin_w first; then the 2-bit levels meet the activations in
// vpmaddubsw (levels unsigned) and their word pairs are weighed by the
// sub-block scales with vpmaddwd (AVX2) or vpdpwssd (VNNI, the same
// integers), fused with d_x·d_w. Y15: 0x03 bytes, Y14: 0x0f bytes.

// kShufQ2 sends scale word 2n to the low half and 2n+1 to the high half
// (row n, for vpshufb on scales held as words in both halves).
DATA kShufQ2<>+0(SB)/8, $0x0100010001000100
DATA kShufQ2<>+8(SB)/8, $0x0100010001000100
DATA kShufQ2<>+16(SB)/8, $0x0302030203020302
DATA kShufQ2<>+24(SB)/8, $0x0302030203020302
DATA kShufQ2<>+32(SB)/8, $0x0504050405040504
DATA kShufQ2<>+40(SB)/8, $0x0504050405040504
DATA kShufQ2<>+48(SB)/8, $0x0706070607060706
DATA kShufQ2<>+56(SB)/8, $0x0706070607060706
DATA kShufQ2<>+64(SB)/8, $0x0908090809080908
DATA kShufQ2<>+72(SB)/8, $0x0908090809080908
DATA kShufQ2<>+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kShufQ2<>+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kShufQ2<>+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kShufQ2<>+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kShufQ2<>+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA kShufQ2<>+120(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL kShufQ2<>(SB), RODATA|NOPTR, $128

// func dotRowsQ2_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ2_KVNNI(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   q2vdone
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         $0x01010101, AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
q2vrow:
	VXORPS Y0, Y0, Y0
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     q2vrowdone
q2vblock:
	// minimums · bsums, fused with −d_x·dmin_w
	VMOVDQU      (SI), X1
	VPSRLW       $4, X1, X2
	VPAND        X14, X2, X2
	VPMOVZXBW    X2, Y2
	VPMADDWD     260(R9), Y2, Y2
	VCVTDQ2PS    Y2, Y2
	VMOVD        80(SI), X9
	VCVTPH2PS    X9, X9
	VBROADCASTSS (R9), X8
	VMULPS       X8, X9, X9     // d_x·d_w, d_x·dmin_w
	VPERMILPS    $0x55, X9, X10
	VINSERTF128  $1, X10, Y10, Y10
	VFNMADD231PS Y2, Y10, Y0
	// scales as words: Y11 sub-blocks 0-7 in both halves, Y12 8-15
	VPAND        X14, X1, X1
	VPMOVZXBW    X1, Y1
	VPERMQ       $0x44, Y1, Y11
	VPERMQ       $0xee, Y1, Y12
	VPXOR        Y3, Y3, Y3
	VMOVDQU      16(SI), Y1
	VPAND        Y15, Y1, Y4
	VPMADDUBSW   4(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+0(SB), Y11, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   36(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+32(SB), Y11, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   68(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+64(SB), Y11, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   100(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+96(SB), Y11, Y7
	VPDPWSSD     Y7, Y4, Y3
	VMOVDQU      48(SI), Y1
	VPAND        Y15, Y1, Y4
	VPMADDUBSW   132(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+0(SB), Y12, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   164(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+32(SB), Y12, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   196(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+64(SB), Y12, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   228(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+96(SB), Y12, Y7
	VPDPWSSD     Y7, Y4, Y3
	VBROADCASTSS X9, Y7
	VCVTDQ2PS    Y3, Y3
	VFMADD231PS  Y3, Y7, Y0
	ADDQ         $84, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          q2vblock
q2vrowdone:
	VEXTRACTF128 $1, Y0, X2
	VADDPS       X2, X0, X0
	VMOVHLPS     X0, X0, X2
	VADDPS       X2, X0, X0
	VMOVSHDUP    X0, X2
	VADDSS       X2, X0, X0
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         stride+16(FP), R12
	DECQ         CX
	JNZ          q2vrow
q2vdone:
	VZEROUPPER
	RET

// func dotRowsQ2_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ2_KAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   q2done
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         $0x01010101, AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
q2row:
	VXORPS Y0, Y0, Y0
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     q2rowdone
q2block:
	// minimums · bsums, fused with −d_x·dmin_w
	VMOVDQU      (SI), X1
	VPSRLW       $4, X1, X2
	VPAND        X14, X2, X2
	VPMOVZXBW    X2, Y2
	VPMADDWD     260(R9), Y2, Y2
	VCVTDQ2PS    Y2, Y2
	VMOVD        80(SI), X9
	VCVTPH2PS    X9, X9
	VBROADCASTSS (R9), X8
	VMULPS       X8, X9, X9     // d_x·d_w, d_x·dmin_w
	VPERMILPS    $0x55, X9, X10
	VINSERTF128  $1, X10, Y10, Y10
	VFNMADD231PS Y2, Y10, Y0
	// scales as words: Y11 sub-blocks 0-7 in both halves, Y12 8-15
	VPAND        X14, X1, X1
	VPMOVZXBW    X1, Y1
	VPERMQ       $0x44, Y1, Y11
	VPERMQ       $0xee, Y1, Y12
	VPXOR        Y3, Y3, Y3
	VMOVDQU      16(SI), Y1
	VPAND        Y15, Y1, Y4
	VPMADDUBSW   4(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+0(SB), Y11, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   36(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+32(SB), Y11, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   68(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+64(SB), Y11, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   100(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+96(SB), Y11, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VMOVDQU      48(SI), Y1
	VPAND        Y15, Y1, Y4
	VPMADDUBSW   132(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+0(SB), Y12, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   164(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+32(SB), Y12, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   196(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+64(SB), Y12, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPMADDUBSW   228(R9), Y4, Y4
	VPSHUFB      kShufQ2<>+96(SB), Y12, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VBROADCASTSS X9, Y7
	VCVTDQ2PS    Y3, Y3
	VFMADD231PS  Y3, Y7, Y0
	ADDQ         $84, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          q2block
q2rowdone:
	VEXTRACTF128 $1, Y0, X2
	VADDPS       X2, X0, X0
	VMOVHLPS     X0, X0, X2
	VADDPS       X2, X0, X0
	VMOVSHDUP    X0, X2
	VADDSS       X2, X0, X0
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         stride+16(FP), R12
	DECQ         CX
	JNZ          q2row
q2done:
	VZEROUPPER
	RET

// func dotRowsQ2_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_K rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels and scales are unpacked once
// and meet every token with the one-token VNNI kernel's instructions, so
// each token's lanes and float order are the one-token kernel's. Token t
// keeps its float lanes in Y16+t and its integer lanes in Y24+t (AVX-512
// VL and BW).
TEXT ·dotRowsQ2_Kx4VNNI(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), R12
	MOVQ rows+32(FP), CX
	MOVQ xstride+48(FP), R14
	LEAQ (R14)(R14*2), R15
	TESTQ CX, CX
	JZ   q2xdone
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         $0x01010101, AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
q2xrow:
	VPXORD Y16, Y16, Y16
	VPXORD Y17, Y17, Y17
	VPXORD Y18, Y18, Y18
	VPXORD Y19, Y19, Y19
	MOVQ   R12, SI
	MOVQ   x+40(FP), R9
	MOVQ   nb+56(FP), BX
	TESTQ  BX, BX
	JZ     q2xrowdone
q2xblock:
	VPXORD Y24, Y24, Y24
	VPXORD Y25, Y25, Y25
	VPXORD Y26, Y26, Y26
	VPXORD Y27, Y27, Y27
	VMOVDQU      (SI), X1
	VPSRLW       $4, X1, X2
	VPAND        X14, X2, X2
	VPMOVZXBW    X2, Y2
	VMOVD        80(SI), X9
	VCVTPH2PS    X9, X9         // d_w, dmin_w
	VPMADDWD     260(R9), Y2, Y5
	VCVTDQ2PS    Y5, Y5
	VBROADCASTSS (R9), X8
	VMULPS       X8, X9, X8
	VPERMILPS    $0x55, X8, X10
	VINSERTF128  $1, X10, Y10, Y10
	VFNMADD231PS Y5, Y10, Y16
	VPMADDWD     260(R9)(R14*1), Y2, Y5
	VCVTDQ2PS    Y5, Y5
	VBROADCASTSS (R9)(R14*1), X8
	VMULPS       X8, X9, X8
	VPERMILPS    $0x55, X8, X10
	VINSERTF128  $1, X10, Y10, Y10
	VFNMADD231PS Y5, Y10, Y17
	VPMADDWD     260(R9)(R14*2), Y2, Y5
	VCVTDQ2PS    Y5, Y5
	VBROADCASTSS (R9)(R14*2), X8
	VMULPS       X8, X9, X8
	VPERMILPS    $0x55, X8, X10
	VINSERTF128  $1, X10, Y10, Y10
	VFNMADD231PS Y5, Y10, Y18
	VPMADDWD     260(R9)(R15*1), Y2, Y5
	VCVTDQ2PS    Y5, Y5
	VBROADCASTSS (R9)(R15*1), X8
	VMULPS       X8, X9, X8
	VPERMILPS    $0x55, X8, X10
	VINSERTF128  $1, X10, Y10, Y10
	VFNMADD231PS Y5, Y10, Y19
	VPAND        X14, X1, X1
	VPMOVZXBW    X1, Y1
	VPERMQ       $0x44, Y1, Y11
	VPERMQ       $0xee, Y1, Y12
	VMOVDQU      16(SI), Y1
	VPAND        Y15, Y1, Y4
	VPSHUFB      kShufQ2<>+0(SB), Y11, Y7
	VPMADDUBSW   4(R9), Y4, Y28
	VPDPWSSD     Y7, Y28, Y24
	VPMADDUBSW   4(R9)(R14*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y25
	VPMADDUBSW   4(R9)(R14*2), Y4, Y28
	VPDPWSSD     Y7, Y28, Y26
	VPMADDUBSW   4(R9)(R15*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y27
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSHUFB      kShufQ2<>+32(SB), Y11, Y7
	VPMADDUBSW   36(R9), Y4, Y28
	VPDPWSSD     Y7, Y28, Y24
	VPMADDUBSW   36(R9)(R14*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y25
	VPMADDUBSW   36(R9)(R14*2), Y4, Y28
	VPDPWSSD     Y7, Y28, Y26
	VPMADDUBSW   36(R9)(R15*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y27
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSHUFB      kShufQ2<>+64(SB), Y11, Y7
	VPMADDUBSW   68(R9), Y4, Y28
	VPDPWSSD     Y7, Y28, Y24
	VPMADDUBSW   68(R9)(R14*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y25
	VPMADDUBSW   68(R9)(R14*2), Y4, Y28
	VPDPWSSD     Y7, Y28, Y26
	VPMADDUBSW   68(R9)(R15*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y27
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSHUFB      kShufQ2<>+96(SB), Y11, Y7
	VPMADDUBSW   100(R9), Y4, Y28
	VPDPWSSD     Y7, Y28, Y24
	VPMADDUBSW   100(R9)(R14*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y25
	VPMADDUBSW   100(R9)(R14*2), Y4, Y28
	VPDPWSSD     Y7, Y28, Y26
	VPMADDUBSW   100(R9)(R15*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y27
	VMOVDQU      48(SI), Y1
	VPAND        Y15, Y1, Y4
	VPSHUFB      kShufQ2<>+0(SB), Y12, Y7
	VPMADDUBSW   132(R9), Y4, Y28
	VPDPWSSD     Y7, Y28, Y24
	VPMADDUBSW   132(R9)(R14*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y25
	VPMADDUBSW   132(R9)(R14*2), Y4, Y28
	VPDPWSSD     Y7, Y28, Y26
	VPMADDUBSW   132(R9)(R15*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y27
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSHUFB      kShufQ2<>+32(SB), Y12, Y7
	VPMADDUBSW   164(R9), Y4, Y28
	VPDPWSSD     Y7, Y28, Y24
	VPMADDUBSW   164(R9)(R14*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y25
	VPMADDUBSW   164(R9)(R14*2), Y4, Y28
	VPDPWSSD     Y7, Y28, Y26
	VPMADDUBSW   164(R9)(R15*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y27
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSHUFB      kShufQ2<>+64(SB), Y12, Y7
	VPMADDUBSW   196(R9), Y4, Y28
	VPDPWSSD     Y7, Y28, Y24
	VPMADDUBSW   196(R9)(R14*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y25
	VPMADDUBSW   196(R9)(R14*2), Y4, Y28
	VPDPWSSD     Y7, Y28, Y26
	VPMADDUBSW   196(R9)(R15*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y27
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSHUFB      kShufQ2<>+96(SB), Y12, Y7
	VPMADDUBSW   228(R9), Y4, Y28
	VPDPWSSD     Y7, Y28, Y24
	VPMADDUBSW   228(R9)(R14*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y25
	VPMADDUBSW   228(R9)(R14*2), Y4, Y28
	VPDPWSSD     Y7, Y28, Y26
	VPMADDUBSW   228(R9)(R15*1), Y4, Y28
	VPDPWSSD     Y7, Y28, Y27
	VBROADCASTSS (R9), X8
	VMULPS       X8, X9, X8
	VBROADCASTSS X8, Y7
	VCVTDQ2PS    Y24, Y24
	VFMADD231PS  Y24, Y7, Y16
	VBROADCASTSS (R9)(R14*1), X8
	VMULPS       X8, X9, X8
	VBROADCASTSS X8, Y7
	VCVTDQ2PS    Y25, Y25
	VFMADD231PS  Y25, Y7, Y17
	VBROADCASTSS (R9)(R14*2), X8
	VMULPS       X8, X9, X8
	VBROADCASTSS X8, Y7
	VCVTDQ2PS    Y26, Y26
	VFMADD231PS  Y26, Y7, Y18
	VBROADCASTSS (R9)(R15*1), X8
	VMULPS       X8, X9, X8
	VBROADCASTSS X8, Y7
	VCVTDQ2PS    Y27, Y27
	VFMADD231PS  Y27, Y7, Y19
	ADDQ         $84, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          q2xblock
q2xrowdone:
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
	JNZ          q2xrow
q2xdone:
	VZEROUPPER
	RET
