//go:build amd64 && gc && !purego

#include "textflag.h"

// Q5_K × Q8_K rows in the order of ggml's AVX2 kernel (see dot_q5k.go):
// per 32-element group the nibbles take their fifth bits (moved to bit 4 by
// one shift and a mask), vpmaddubsw (levels unsigned, activations signed)
// makes word pairs and vpmaddwd (AVX2) or vpdpwssd (VNNI, the same
// integers) weighs them by the sub-block scale; the lanes are fused with
// d_x·d_w into Y0. The minimums' integer sum is fused with −d_x·dmin_w into
// a scalar added after hsum8.

// q5kScale broadcasts scale word i (of 8, both halves) for vpshufb.
DATA q5kScale<>+0(SB)/8, $0x0100010001000100
DATA q5kScale<>+8(SB)/8, $0x0100010001000100
DATA q5kScale<>+16(SB)/8, $0x0100010001000100
DATA q5kScale<>+24(SB)/8, $0x0100010001000100
DATA q5kScale<>+32(SB)/8, $0x0302030203020302
DATA q5kScale<>+40(SB)/8, $0x0302030203020302
DATA q5kScale<>+48(SB)/8, $0x0302030203020302
DATA q5kScale<>+56(SB)/8, $0x0302030203020302
DATA q5kScale<>+64(SB)/8, $0x0504050405040504
DATA q5kScale<>+72(SB)/8, $0x0504050405040504
DATA q5kScale<>+80(SB)/8, $0x0504050405040504
DATA q5kScale<>+88(SB)/8, $0x0504050405040504
DATA q5kScale<>+96(SB)/8, $0x0706070607060706
DATA q5kScale<>+104(SB)/8, $0x0706070607060706
DATA q5kScale<>+112(SB)/8, $0x0706070607060706
DATA q5kScale<>+120(SB)/8, $0x0706070607060706
DATA q5kScale<>+128(SB)/8, $0x0908090809080908
DATA q5kScale<>+136(SB)/8, $0x0908090809080908
DATA q5kScale<>+144(SB)/8, $0x0908090809080908
DATA q5kScale<>+152(SB)/8, $0x0908090809080908
DATA q5kScale<>+160(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q5kScale<>+168(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q5kScale<>+176(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q5kScale<>+184(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q5kScale<>+192(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q5kScale<>+200(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q5kScale<>+208(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q5kScale<>+216(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q5kScale<>+224(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA q5kScale<>+232(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA q5kScale<>+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA q5kScale<>+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL q5kScale<>(SB), RODATA|NOPTR, $256

// func dotRowsQ5_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_KAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   k5done
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x10101010, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
k5row:
	VXORPS Y0, Y0, Y0
	VXORPS X1, X1, X1
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     k5rowdone
k5block:
	// unpack the 6-bit scales (R10) and minimums (R11), 8 bytes each
	MOVL 4(SI), AX
	MOVL 8(SI), DX
	MOVL 12(SI), R8
	MOVL R8, R10
	SHRL $4, R10
	ANDL $0x0f0f0f0f, R10
	MOVL DX, R11
	SHRL $6, R11
	ANDL $0x03030303, R11
	SHLL $4, R11
	ORL  R10, R11             // mins 4-7
	MOVL DX, R13
	ANDL $0x3f3f3f3f, R13     // mins 0-3
	SHLQ $32, R11
	ORQ  R13, R11
	ANDL $0x0f0f0f0f, R8
	MOVL AX, R10
	SHRL $6, R10
	ANDL $0x03030303, R10
	SHLL $4, R10
	ORL  R8, R10              // scales 4-7
	ANDL $0x3f3f3f3f, AX      // scales 0-3
	SHLQ $32, R10
	ORQ  AX, R10
	// minimums · 32-element sums of the activations, one integer
	VMOVQ      R11, X3
	VPMOVZXBW  X3, X3
	VMOVDQU    260(R9), X4
	VPHADDW    276(R9), X4, X4
	VPMADDWD   X4, X3, X4
	VPSHUFD    $0x4e, X4, X5
	VPADDD     X5, X4, X4
	VPSHUFD    $0xb1, X4, X5
	VPADDD     X5, X4, X4
	VCVTDQ2PS  X4, X4
	VMOVD      (SI), X9
	VCVTPH2PS  X9, X9
	VBROADCASTSS (R9), X8
	VMULPS     X8, X9, X9     // d_x·d_w, d_x·dmin_w
	VSHUFPS    $0x55, X9, X9, X10
	VFNMADD231SS X4, X10, X1
	// scales as words in both halves; the fifth bits
	VMOVQ      R10, X2
	VPMOVZXBW  X2, X2
	VINSERTI128 $1, X2, Y2, Y2
	VMOVDQU    16(SI), Y11
	VPXOR      Y3, Y3, Y3
	VMOVDQU    48(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPSLLW     $4, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y6, Y6
	VPSLLW     $3, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPMADDUBSW 4(R9), Y6, Y6
	VPSHUFB    q5kScale<>+0(SB), Y2, Y7
	VPMADDWD   Y7, Y6, Y6
	VPMADDUBSW 36(R9), Y5, Y5
	VPSHUFB    q5kScale<>+32(SB), Y2, Y8
	VPMADDWD   Y8, Y5, Y5
	VPADDD     Y5, Y6, Y6
	VPADDD     Y6, Y3, Y3
	VMOVDQU    80(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPSLLW     $2, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y6, Y6
	VPSLLW     $1, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPMADDUBSW 68(R9), Y6, Y6
	VPSHUFB    q5kScale<>+64(SB), Y2, Y7
	VPMADDWD   Y7, Y6, Y6
	VPMADDUBSW 100(R9), Y5, Y5
	VPSHUFB    q5kScale<>+96(SB), Y2, Y8
	VPMADDWD   Y8, Y5, Y5
	VPADDD     Y5, Y6, Y6
	VPADDD     Y6, Y3, Y3
	VMOVDQU    112(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPAND      Y14, Y11, Y12
	VPOR       Y12, Y6, Y6
	VPSRLW     $1, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPMADDUBSW 132(R9), Y6, Y6
	VPSHUFB    q5kScale<>+128(SB), Y2, Y7
	VPMADDWD   Y7, Y6, Y6
	VPMADDUBSW 164(R9), Y5, Y5
	VPSHUFB    q5kScale<>+160(SB), Y2, Y8
	VPMADDWD   Y8, Y5, Y5
	VPADDD     Y5, Y6, Y6
	VPADDD     Y6, Y3, Y3
	VMOVDQU    144(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPSRLW     $2, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y6, Y6
	VPSRLW     $3, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPMADDUBSW 196(R9), Y6, Y6
	VPSHUFB    q5kScale<>+192(SB), Y2, Y7
	VPMADDWD   Y7, Y6, Y6
	VPMADDUBSW 228(R9), Y5, Y5
	VPSHUFB    q5kScale<>+224(SB), Y2, Y8
	VPMADDWD   Y8, Y5, Y5
	VPADDD     Y5, Y6, Y6
	VPADDD     Y6, Y3, Y3
	VBROADCASTSS X9, Y7
	VCVTDQ2PS    Y3, Y3
	VFMADD231PS  Y3, Y7, Y0
	ADDQ         $176, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          k5block
k5rowdone:
	VEXTRACTF128 $1, Y0, X2
	VADDPS       X2, X0, X0
	VMOVHLPS     X0, X0, X2
	VADDPS       X2, X0, X0
	VMOVSHDUP    X0, X2
	VADDSS       X2, X0, X0
	VADDSS       X1, X0, X0
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         stride+16(FP), R12
	DECQ         CX
	JNZ          k5row
k5done:
	VZEROUPPER
	RET

// dotRowsQ5_KVNNI is dotRowsQ5_KAVX2 with vpdpwssd doing vpmaddwd's sums
// and the add in one (the same integers).
//
// func dotRowsQ5_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_KVNNI(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   k5vdone
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x10101010, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
k5vrow:
	VXORPS Y0, Y0, Y0
	VXORPS X1, X1, X1
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     k5vrowdone
k5vblock:
	// unpack the 6-bit scales (R10) and minimums (R11), 8 bytes each
	MOVL 4(SI), AX
	MOVL 8(SI), DX
	MOVL 12(SI), R8
	MOVL R8, R10
	SHRL $4, R10
	ANDL $0x0f0f0f0f, R10
	MOVL DX, R11
	SHRL $6, R11
	ANDL $0x03030303, R11
	SHLL $4, R11
	ORL  R10, R11             // mins 4-7
	MOVL DX, R13
	ANDL $0x3f3f3f3f, R13     // mins 0-3
	SHLQ $32, R11
	ORQ  R13, R11
	ANDL $0x0f0f0f0f, R8
	MOVL AX, R10
	SHRL $6, R10
	ANDL $0x03030303, R10
	SHLL $4, R10
	ORL  R8, R10              // scales 4-7
	ANDL $0x3f3f3f3f, AX      // scales 0-3
	SHLQ $32, R10
	ORQ  AX, R10
	// minimums · 32-element sums of the activations, one integer
	VMOVQ      R11, X3
	VPMOVZXBW  X3, X3
	VMOVDQU    260(R9), X4
	VPHADDW    276(R9), X4, X4
	VPMADDWD   X4, X3, X4
	VPSHUFD    $0x4e, X4, X5
	VPADDD     X5, X4, X4
	VPSHUFD    $0xb1, X4, X5
	VPADDD     X5, X4, X4
	VCVTDQ2PS  X4, X4
	VMOVD      (SI), X9
	VCVTPH2PS  X9, X9
	VBROADCASTSS (R9), X8
	VMULPS     X8, X9, X9     // d_x·d_w, d_x·dmin_w
	VSHUFPS    $0x55, X9, X9, X10
	VFNMADD231SS X4, X10, X1
	// scales as words in both halves; the fifth bits
	VMOVQ      R10, X2
	VPMOVZXBW  X2, X2
	VINSERTI128 $1, X2, Y2, Y2
	VMOVDQU    16(SI), Y11
	VPXOR      Y3, Y3, Y3
	VMOVDQU    48(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPSLLW     $4, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y6, Y6
	VPSLLW     $3, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPMADDUBSW 4(R9), Y6, Y6
	VPSHUFB    q5kScale<>+0(SB), Y2, Y7
	VPDPWSSD   Y7, Y6, Y3
	VPMADDUBSW 36(R9), Y5, Y5
	VPSHUFB    q5kScale<>+32(SB), Y2, Y8
	VPDPWSSD   Y8, Y5, Y3
	VMOVDQU    80(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPSLLW     $2, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y6, Y6
	VPSLLW     $1, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPMADDUBSW 68(R9), Y6, Y6
	VPSHUFB    q5kScale<>+64(SB), Y2, Y7
	VPDPWSSD   Y7, Y6, Y3
	VPMADDUBSW 100(R9), Y5, Y5
	VPSHUFB    q5kScale<>+96(SB), Y2, Y8
	VPDPWSSD   Y8, Y5, Y3
	VMOVDQU    112(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPAND      Y14, Y11, Y12
	VPOR       Y12, Y6, Y6
	VPSRLW     $1, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPMADDUBSW 132(R9), Y6, Y6
	VPSHUFB    q5kScale<>+128(SB), Y2, Y7
	VPDPWSSD   Y7, Y6, Y3
	VPMADDUBSW 164(R9), Y5, Y5
	VPSHUFB    q5kScale<>+160(SB), Y2, Y8
	VPDPWSSD   Y8, Y5, Y3
	VMOVDQU    144(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPSRLW     $2, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y6, Y6
	VPSRLW     $3, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPMADDUBSW 196(R9), Y6, Y6
	VPSHUFB    q5kScale<>+192(SB), Y2, Y7
	VPDPWSSD   Y7, Y6, Y3
	VPMADDUBSW 228(R9), Y5, Y5
	VPSHUFB    q5kScale<>+224(SB), Y2, Y8
	VPDPWSSD   Y8, Y5, Y3
	VBROADCASTSS X9, Y7
	VCVTDQ2PS    Y3, Y3
	VFMADD231PS  Y3, Y7, Y0
	ADDQ         $176, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          k5vblock
k5vrowdone:
	VEXTRACTF128 $1, Y0, X2
	VADDPS       X2, X0, X0
	VMOVHLPS     X0, X0, X2
	VADDPS       X2, X0, X0
	VMOVSHDUP    X0, X2
	VADDSS       X2, X0, X0
	VADDSS       X1, X0, X0
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         stride+16(FP), R12
	DECQ         CX
	JNZ          k5vrow
k5vdone:
	VZEROUPPER
	RET

// func dotRowsQ5_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_K rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels and scales are unpacked once
// and meet every token with the one-token VNNI kernel's instructions, so
// each token's lanes and float order are dotRowsQ5_KVNNI's. Token t keeps
// its float lanes in Y16+t, its minimums' scalar in X20+t and its integer
// lanes in Y24+t (AVX-512 VL and BW).
TEXT ·dotRowsQ5_Kx4VNNI(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), R12
	MOVQ rows+32(FP), CX
	MOVQ xstride+48(FP), R14
	LEAQ (R14)(R14*2), R15
	TESTQ CX, CX
	JZ   k5xdone
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x10101010, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
k5xrow:
	VPXORD Y16, Y16, Y16
	VPXORD Y17, Y17, Y17
	VPXORD Y18, Y18, Y18
	VPXORD Y19, Y19, Y19
	VPXORD X20, X20, X20
	VPXORD X21, X21, X21
	VPXORD X22, X22, X22
	VPXORD X23, X23, X23
	MOVQ   R12, SI
	MOVQ   x+40(FP), R9
	MOVQ   nb+56(FP), BX
	TESTQ  BX, BX
	JZ     k5xrowdone
k5xblock:
	MOVL 4(SI), AX
	MOVL 8(SI), DX
	MOVL 12(SI), R8
	MOVL R8, R10
	SHRL $4, R10
	ANDL $0x0f0f0f0f, R10
	MOVL DX, R11
	SHRL $6, R11
	ANDL $0x03030303, R11
	SHLL $4, R11
	ORL  R10, R11             // mins 4-7
	MOVL DX, R13
	ANDL $0x3f3f3f3f, R13     // mins 0-3
	SHLQ $32, R11
	ORQ  R13, R11
	ANDL $0x0f0f0f0f, R8
	MOVL AX, R10
	SHRL $6, R10
	ANDL $0x03030303, R10
	SHLL $4, R10
	ORL  R8, R10              // scales 4-7
	ANDL $0x3f3f3f3f, AX      // scales 0-3
	SHLQ $32, R10
	ORQ  AX, R10
	VMOVQ      R11, X3
	VPMOVZXBW  X3, X3
	VMOVD      (SI), X9
	VCVTPH2PS  X9, X9         // d_w, dmin_w
	VMOVDQU      260(R9), X4
	VPHADDW      276(R9), X4, X4
	VPMADDWD     X4, X3, X4
	VPSHUFD      $0x4e, X4, X5
	VPADDD       X5, X4, X4
	VPSHUFD      $0xb1, X4, X5
	VPADDD       X5, X4, X4
	VCVTDQ2PS    X4, X4
	VBROADCASTSS (R9), X8
	VMULPS       X8, X9, X8
	VSHUFPS      $0x55, X8, X8, X10
	VFNMADD231SS X4, X10, X20
	VPXORD       Y24, Y24, Y24
	VMOVDQU      260(R9)(R14*1), X4
	VPHADDW      276(R9)(R14*1), X4, X4
	VPMADDWD     X4, X3, X4
	VPSHUFD      $0x4e, X4, X5
	VPADDD       X5, X4, X4
	VPSHUFD      $0xb1, X4, X5
	VPADDD       X5, X4, X4
	VCVTDQ2PS    X4, X4
	VBROADCASTSS (R9)(R14*1), X8
	VMULPS       X8, X9, X8
	VSHUFPS      $0x55, X8, X8, X10
	VFNMADD231SS X4, X10, X21
	VPXORD       Y25, Y25, Y25
	VMOVDQU      260(R9)(R14*2), X4
	VPHADDW      276(R9)(R14*2), X4, X4
	VPMADDWD     X4, X3, X4
	VPSHUFD      $0x4e, X4, X5
	VPADDD       X5, X4, X4
	VPSHUFD      $0xb1, X4, X5
	VPADDD       X5, X4, X4
	VCVTDQ2PS    X4, X4
	VBROADCASTSS (R9)(R14*2), X8
	VMULPS       X8, X9, X8
	VSHUFPS      $0x55, X8, X8, X10
	VFNMADD231SS X4, X10, X22
	VPXORD       Y26, Y26, Y26
	VMOVDQU      260(R9)(R15*1), X4
	VPHADDW      276(R9)(R15*1), X4, X4
	VPMADDWD     X4, X3, X4
	VPSHUFD      $0x4e, X4, X5
	VPADDD       X5, X4, X4
	VPSHUFD      $0xb1, X4, X5
	VPADDD       X5, X4, X4
	VCVTDQ2PS    X4, X4
	VBROADCASTSS (R9)(R15*1), X8
	VMULPS       X8, X9, X8
	VSHUFPS      $0x55, X8, X8, X10
	VFNMADD231SS X4, X10, X23
	VPXORD       Y27, Y27, Y27
	VMOVQ      R10, X2
	VPMOVZXBW  X2, X2
	VINSERTI128 $1, X2, Y2, Y2
	VMOVDQU    16(SI), Y11
	VMOVDQU    48(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPSLLW     $4, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y6, Y6
	VPSLLW     $3, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPSHUFB    q5kScale<>+0(SB), Y2, Y28
	VPSHUFB    q5kScale<>+32(SB), Y2, Y29
	VPMADDUBSW 4(R9), Y6, Y10
	VPDPWSSD   Y28, Y10, Y24
	VPMADDUBSW 36(R9), Y5, Y13
	VPDPWSSD   Y29, Y13, Y24
	VPMADDUBSW 4(R9)(R14*1), Y6, Y10
	VPDPWSSD   Y28, Y10, Y25
	VPMADDUBSW 36(R9)(R14*1), Y5, Y13
	VPDPWSSD   Y29, Y13, Y25
	VPMADDUBSW 4(R9)(R14*2), Y6, Y10
	VPDPWSSD   Y28, Y10, Y26
	VPMADDUBSW 36(R9)(R14*2), Y5, Y13
	VPDPWSSD   Y29, Y13, Y26
	VPMADDUBSW 4(R9)(R15*1), Y6, Y10
	VPDPWSSD   Y28, Y10, Y27
	VPMADDUBSW 36(R9)(R15*1), Y5, Y13
	VPDPWSSD   Y29, Y13, Y27
	VMOVDQU    80(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPSLLW     $2, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y6, Y6
	VPSLLW     $1, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPSHUFB    q5kScale<>+64(SB), Y2, Y28
	VPSHUFB    q5kScale<>+96(SB), Y2, Y29
	VPMADDUBSW 68(R9), Y6, Y10
	VPDPWSSD   Y28, Y10, Y24
	VPMADDUBSW 100(R9), Y5, Y13
	VPDPWSSD   Y29, Y13, Y24
	VPMADDUBSW 68(R9)(R14*1), Y6, Y10
	VPDPWSSD   Y28, Y10, Y25
	VPMADDUBSW 100(R9)(R14*1), Y5, Y13
	VPDPWSSD   Y29, Y13, Y25
	VPMADDUBSW 68(R9)(R14*2), Y6, Y10
	VPDPWSSD   Y28, Y10, Y26
	VPMADDUBSW 100(R9)(R14*2), Y5, Y13
	VPDPWSSD   Y29, Y13, Y26
	VPMADDUBSW 68(R9)(R15*1), Y6, Y10
	VPDPWSSD   Y28, Y10, Y27
	VPMADDUBSW 100(R9)(R15*1), Y5, Y13
	VPDPWSSD   Y29, Y13, Y27
	VMOVDQU    112(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPAND      Y14, Y11, Y12
	VPOR       Y12, Y6, Y6
	VPSRLW     $1, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPSHUFB    q5kScale<>+128(SB), Y2, Y28
	VPSHUFB    q5kScale<>+160(SB), Y2, Y29
	VPMADDUBSW 132(R9), Y6, Y10
	VPDPWSSD   Y28, Y10, Y24
	VPMADDUBSW 164(R9), Y5, Y13
	VPDPWSSD   Y29, Y13, Y24
	VPMADDUBSW 132(R9)(R14*1), Y6, Y10
	VPDPWSSD   Y28, Y10, Y25
	VPMADDUBSW 164(R9)(R14*1), Y5, Y13
	VPDPWSSD   Y29, Y13, Y25
	VPMADDUBSW 132(R9)(R14*2), Y6, Y10
	VPDPWSSD   Y28, Y10, Y26
	VPMADDUBSW 164(R9)(R14*2), Y5, Y13
	VPDPWSSD   Y29, Y13, Y26
	VPMADDUBSW 132(R9)(R15*1), Y6, Y10
	VPDPWSSD   Y28, Y10, Y27
	VPMADDUBSW 164(R9)(R15*1), Y5, Y13
	VPDPWSSD   Y29, Y13, Y27
	VMOVDQU    144(SI), Y5
	VPAND      Y15, Y5, Y6
	VPSRLW     $4, Y5, Y5
	VPAND      Y15, Y5, Y5
	VPSRLW     $2, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y6, Y6
	VPSRLW     $3, Y11, Y12
	VPAND      Y14, Y12, Y12
	VPOR       Y12, Y5, Y5
	VPSHUFB    q5kScale<>+192(SB), Y2, Y28
	VPSHUFB    q5kScale<>+224(SB), Y2, Y29
	VPMADDUBSW 196(R9), Y6, Y10
	VPDPWSSD   Y28, Y10, Y24
	VPMADDUBSW 228(R9), Y5, Y13
	VPDPWSSD   Y29, Y13, Y24
	VPMADDUBSW 196(R9)(R14*1), Y6, Y10
	VPDPWSSD   Y28, Y10, Y25
	VPMADDUBSW 228(R9)(R14*1), Y5, Y13
	VPDPWSSD   Y29, Y13, Y25
	VPMADDUBSW 196(R9)(R14*2), Y6, Y10
	VPDPWSSD   Y28, Y10, Y26
	VPMADDUBSW 228(R9)(R14*2), Y5, Y13
	VPDPWSSD   Y29, Y13, Y26
	VPMADDUBSW 196(R9)(R15*1), Y6, Y10
	VPDPWSSD   Y28, Y10, Y27
	VPMADDUBSW 228(R9)(R15*1), Y5, Y13
	VPDPWSSD   Y29, Y13, Y27
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
	ADDQ         $176, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          k5xblock
k5xrowdone:
	VEXTRACTF32X4 $1, Y16, X1
	VADDPS       X1, X16, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VADDSS       X20, X0, X0
	VMOVSS       X0, (DI)
	VEXTRACTF32X4 $1, Y17, X1
	VADDPS       X1, X17, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VADDSS       X21, X0, X0
	MOVQ         ostride+8(FP), AX
	VMOVSS       X0, (DI)(AX*1)
	VEXTRACTF32X4 $1, Y18, X1
	VADDPS       X1, X18, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VADDSS       X22, X0, X0
	MOVQ         ostride+8(FP), AX
	VMOVSS       X0, (DI)(AX*2)
	VEXTRACTF32X4 $1, Y19, X1
	VADDPS       X1, X19, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VADDSS       X23, X0, X0
	MOVQ         ostride+8(FP), AX
	LEAQ         (AX)(AX*2), AX
	VMOVSS       X0, (DI)(AX*1)
	ADDQ         $4, DI
	ADDQ         stride+24(FP), R12
	DECQ         CX
	JNZ          k5xrow
k5xdone:
	VZEROUPPER
	RET
