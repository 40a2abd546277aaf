//go:build amd64 && gc && !purego

#include "textflag.h"

// Q3_K × Q8_K rows in the order of ggml's AVX2 kernel (see dot_q3k.go): the
// low 2 bits and the "high bit clear" 4s meet the activations in two
// vpmaddubsw whose difference is (level − 4)·activation in word pairs;
// these are weighed by the signed sub-block scales with vpmaddwd (AVX2) or
// vpdpwssd (VNNI, the same integers) and fused with d_x·d_w. Y15: 0x03
// bytes, Y13: 0x01 bytes, Y10: the block's high bits.

// kShufQ3 sends scale word 2n to the low half and 2n+1 to the high half
// (row n, for vpshufb on scales held as words in both halves).
DATA kShufQ3<>+0(SB)/8, $0x0100010001000100
DATA kShufQ3<>+8(SB)/8, $0x0100010001000100
DATA kShufQ3<>+16(SB)/8, $0x0302030203020302
DATA kShufQ3<>+24(SB)/8, $0x0302030203020302
DATA kShufQ3<>+32(SB)/8, $0x0504050405040504
DATA kShufQ3<>+40(SB)/8, $0x0504050405040504
DATA kShufQ3<>+48(SB)/8, $0x0706070607060706
DATA kShufQ3<>+56(SB)/8, $0x0706070607060706
DATA kShufQ3<>+64(SB)/8, $0x0908090809080908
DATA kShufQ3<>+72(SB)/8, $0x0908090809080908
DATA kShufQ3<>+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kShufQ3<>+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kShufQ3<>+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kShufQ3<>+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kShufQ3<>+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA kShufQ3<>+120(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL kShufQ3<>(SB), RODATA|NOPTR, $128

// func dotRowsQ3_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ3_KVNNI(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   q3vdone
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         $0x01010101, AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
q3vrow:
	VXORPS Y0, Y0, Y0
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     q3vrowdone
q3vblock:
	// the 16 signed scales, as words: Y11 sub-blocks 0-7 in both halves, Y12 8-15
	MOVL         96(SI), AX
	MOVL         100(SI), DX
	MOVL         104(SI), R8
	MOVL         AX, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VMOVD        R10, X1
	MOVL         DX, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	SHRL         $2, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VPINSRD      $1, R10, X1, X1
	MOVL         AX, R10
	SHRL         $4, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	SHRL         $4, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VPINSRD      $2, R10, X1, X1
	MOVL         DX, R10
	SHRL         $4, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	SHRL         $6, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VPINSRD      $3, R10, X1, X1
	MOVL         $0x20202020, R10
	VMOVD        R10, X2
	VPBROADCASTD X2, X2
	VPSUBB       X2, X1, X1
	VPMOVSXBW    X1, Y1
	VPERMQ       $0x44, Y1, Y11
	VPERMQ       $0xee, Y1, Y12
	VMOVDQU      (SI), Y10        // high bits
	VPXOR        Y3, Y3, Y3
	VMOVDQU      32(SI), Y1
	VPAND        Y15, Y1, Y4
	VPANDN       Y13, Y10, Y5
	VPSLLW       $2, Y5, Y5
	VMOVDQU      4(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+0(SB), Y11, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $1, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSLLW       $1, Y5, Y5
	VMOVDQU      36(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+32(SB), Y11, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $2, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VMOVDQU      68(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+64(SB), Y11, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $3, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $1, Y5, Y5
	VMOVDQU      100(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+96(SB), Y11, Y7
	VPDPWSSD     Y7, Y4, Y3
	VMOVDQU      64(SI), Y1
	VPAND        Y15, Y1, Y4
	VPSLLW       $4, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $2, Y5, Y5
	VMOVDQU      132(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+0(SB), Y12, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $5, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $3, Y5, Y5
	VMOVDQU      164(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+32(SB), Y12, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $6, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $4, Y5, Y5
	VMOVDQU      196(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+64(SB), Y12, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $7, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $5, Y5, Y5
	VMOVDQU      228(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+96(SB), Y12, Y7
	VPDPWSSD     Y7, Y4, Y3
	VPBROADCASTW 108(SI), X7
	VCVTPH2PS    X7, X7
	VMULSS       (R9), X7, X7
	VBROADCASTSS X7, Y7
	VCVTDQ2PS    Y3, Y3
	VFMADD231PS  Y3, Y7, Y0
	ADDQ         $110, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          q3vblock
q3vrowdone:
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
	JNZ          q3vrow
q3vdone:
	VZEROUPPER
	RET

// func dotRowsQ3_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ3_KAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   q3done
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         $0x01010101, AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
q3row:
	VXORPS Y0, Y0, Y0
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     q3rowdone
q3block:
	// the 16 signed scales, as words: Y11 sub-blocks 0-7 in both halves, Y12 8-15
	MOVL         96(SI), AX
	MOVL         100(SI), DX
	MOVL         104(SI), R8
	MOVL         AX, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VMOVD        R10, X1
	MOVL         DX, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	SHRL         $2, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VPINSRD      $1, R10, X1, X1
	MOVL         AX, R10
	SHRL         $4, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	SHRL         $4, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VPINSRD      $2, R10, X1, X1
	MOVL         DX, R10
	SHRL         $4, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	SHRL         $6, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VPINSRD      $3, R10, X1, X1
	MOVL         $0x20202020, R10
	VMOVD        R10, X2
	VPBROADCASTD X2, X2
	VPSUBB       X2, X1, X1
	VPMOVSXBW    X1, Y1
	VPERMQ       $0x44, Y1, Y11
	VPERMQ       $0xee, Y1, Y12
	VMOVDQU      (SI), Y10        // high bits
	VPXOR        Y3, Y3, Y3
	VMOVDQU      32(SI), Y1
	VPAND        Y15, Y1, Y4
	VPANDN       Y13, Y10, Y5
	VPSLLW       $2, Y5, Y5
	VMOVDQU      4(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+0(SB), Y11, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $1, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSLLW       $1, Y5, Y5
	VMOVDQU      36(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+32(SB), Y11, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $2, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VMOVDQU      68(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+64(SB), Y11, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $3, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $1, Y5, Y5
	VMOVDQU      100(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+96(SB), Y11, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VMOVDQU      64(SI), Y1
	VPAND        Y15, Y1, Y4
	VPSLLW       $4, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $2, Y5, Y5
	VMOVDQU      132(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+0(SB), Y12, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $5, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $3, Y5, Y5
	VMOVDQU      164(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+32(SB), Y12, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $6, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $4, Y5, Y5
	VMOVDQU      196(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+64(SB), Y12, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $7, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $5, Y5, Y5
	VMOVDQU      228(R9), Y6
	VPMADDUBSW   Y6, Y5, Y5
	VPMADDUBSW   Y6, Y4, Y4
	VPSUBW       Y5, Y4, Y4
	VPSHUFB      kShufQ3<>+96(SB), Y12, Y7
	VPMADDWD     Y7, Y4, Y4
	VPADDD       Y4, Y3, Y3
	VPBROADCASTW 108(SI), X7
	VCVTPH2PS    X7, X7
	VMULSS       (R9), X7, X7
	VBROADCASTSS X7, Y7
	VCVTDQ2PS    Y3, Y3
	VFMADD231PS  Y3, Y7, Y0
	ADDQ         $110, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          q3block
q3rowdone:
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
	JNZ          q3row
q3done:
	VZEROUPPER
	RET

// func dotRowsQ3_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_K rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels and scales are unpacked once
// and meet every token with the one-token VNNI kernel's instructions, so
// each token's lanes and float order are the one-token kernel's. Token t
// keeps its float lanes in Y16+t and its integer lanes in Y24+t (AVX-512
// VL and BW).
TEXT ·dotRowsQ3_Kx4VNNI(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), R12
	MOVQ rows+32(FP), CX
	MOVQ xstride+48(FP), R14
	LEAQ (R14)(R14*2), R15
	TESTQ CX, CX
	JZ   q3xdone
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         $0x01010101, AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
q3xrow:
	VPXORD Y16, Y16, Y16
	VPXORD Y17, Y17, Y17
	VPXORD Y18, Y18, Y18
	VPXORD Y19, Y19, Y19
	MOVQ   R12, SI
	MOVQ   x+40(FP), R9
	MOVQ   nb+56(FP), BX
	TESTQ  BX, BX
	JZ     q3xrowdone
q3xblock:
	VPXORD Y24, Y24, Y24
	VPXORD Y25, Y25, Y25
	VPXORD Y26, Y26, Y26
	VPXORD Y27, Y27, Y27
	MOVL         96(SI), AX
	MOVL         100(SI), DX
	MOVL         104(SI), R8
	MOVL         AX, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VMOVD        R10, X1
	MOVL         DX, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	SHRL         $2, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VPINSRD      $1, R10, X1, X1
	MOVL         AX, R10
	SHRL         $4, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	SHRL         $4, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VPINSRD      $2, R10, X1, X1
	MOVL         DX, R10
	SHRL         $4, R10
	ANDL         $0x0f0f0f0f, R10
	MOVL         R8, R11
	SHRL         $6, R11
	ANDL         $0x03030303, R11
	SHLL         $4, R11
	ORL          R11, R10
	VPINSRD      $3, R10, X1, X1
	MOVL         $0x20202020, R10
	VMOVD        R10, X2
	VPBROADCASTD X2, X2
	VPSUBB       X2, X1, X1
	VPMOVSXBW    X1, Y1
	VPERMQ       $0x44, Y1, Y11
	VPERMQ       $0xee, Y1, Y12
	VMOVDQU      (SI), Y10        // high bits
	VMOVDQU      32(SI), Y1
	VPAND        Y15, Y1, Y4
	VPANDN       Y13, Y10, Y5
	VPSLLW       $2, Y5, Y5
	VPSHUFB      kShufQ3<>+0(SB), Y11, Y7
	VMOVDQU      4(R9), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y24
	VMOVDQU      4(R9)(R14*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y25
	VMOVDQU      4(R9)(R14*2), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y26
	VMOVDQU      4(R9)(R15*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y27
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $1, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSLLW       $1, Y5, Y5
	VPSHUFB      kShufQ3<>+32(SB), Y11, Y7
	VMOVDQU      36(R9), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y24
	VMOVDQU      36(R9)(R14*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y25
	VMOVDQU      36(R9)(R14*2), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y26
	VMOVDQU      36(R9)(R15*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y27
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $2, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSHUFB      kShufQ3<>+64(SB), Y11, Y7
	VMOVDQU      68(R9), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y24
	VMOVDQU      68(R9)(R14*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y25
	VMOVDQU      68(R9)(R14*2), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y26
	VMOVDQU      68(R9)(R15*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y27
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $3, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $1, Y5, Y5
	VPSHUFB      kShufQ3<>+96(SB), Y11, Y7
	VMOVDQU      100(R9), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y24
	VMOVDQU      100(R9)(R14*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y25
	VMOVDQU      100(R9)(R14*2), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y26
	VMOVDQU      100(R9)(R15*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y27
	VMOVDQU      64(SI), Y1
	VPAND        Y15, Y1, Y4
	VPSLLW       $4, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $2, Y5, Y5
	VPSHUFB      kShufQ3<>+0(SB), Y12, Y7
	VMOVDQU      132(R9), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y24
	VMOVDQU      132(R9)(R14*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y25
	VMOVDQU      132(R9)(R14*2), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y26
	VMOVDQU      132(R9)(R15*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y27
	VPSRLW       $2, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $5, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $3, Y5, Y5
	VPSHUFB      kShufQ3<>+32(SB), Y12, Y7
	VMOVDQU      164(R9), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y24
	VMOVDQU      164(R9)(R14*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y25
	VMOVDQU      164(R9)(R14*2), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y26
	VMOVDQU      164(R9)(R15*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y27
	VPSRLW       $4, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $6, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $4, Y5, Y5
	VPSHUFB      kShufQ3<>+64(SB), Y12, Y7
	VMOVDQU      196(R9), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y24
	VMOVDQU      196(R9)(R14*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y25
	VMOVDQU      196(R9)(R14*2), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y26
	VMOVDQU      196(R9)(R15*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y27
	VPSRLW       $6, Y1, Y4
	VPAND        Y15, Y4, Y4
	VPSLLW       $7, Y13, Y5
	VPANDN       Y5, Y10, Y5
	VPSRLW       $5, Y5, Y5
	VPSHUFB      kShufQ3<>+96(SB), Y12, Y7
	VMOVDQU      228(R9), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y24
	VMOVDQU      228(R9)(R14*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y25
	VMOVDQU      228(R9)(R14*2), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y26
	VMOVDQU      228(R9)(R15*1), Y6
	VPMADDUBSW   Y6, Y5, Y28
	VPMADDUBSW   Y6, Y4, Y29
	VPSUBW       Y28, Y29, Y29
	VPDPWSSD     Y7, Y29, Y27
	VPBROADCASTW 108(SI), X9
	VCVTPH2PS    X9, X9
	VMULSS       (R9), X9, X8
	VBROADCASTSS X8, Y8
	VCVTDQ2PS    Y24, Y24
	VFMADD231PS  Y24, Y8, Y16
	VMULSS       (R9)(R14*1), X9, X8
	VBROADCASTSS X8, Y8
	VCVTDQ2PS    Y25, Y25
	VFMADD231PS  Y25, Y8, Y17
	VMULSS       (R9)(R14*2), X9, X8
	VBROADCASTSS X8, Y8
	VCVTDQ2PS    Y26, Y26
	VFMADD231PS  Y26, Y8, Y18
	VMULSS       (R9)(R15*1), X9, X8
	VBROADCASTSS X8, Y8
	VCVTDQ2PS    Y27, Y27
	VFMADD231PS  Y27, Y8, Y19
	ADDQ         $110, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          q3xblock
q3xrowdone:
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
	JNZ          q3xrow
q3xdone:
	VZEROUPPER
	RET
