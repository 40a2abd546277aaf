//go:build amd64 && gc && !purego

#include "textflag.h"

// Q4_K × Q8_K rows in 512-bit vectors, the order of dotRowsQ4_KVNNI (see
// dot_k.go): the quants of sub-block pairs j and j+1 in one vector (lanes
// 0-7 j's 8 lanes, 8-15 j+1's), against the activations laid out once per
// product as records (q4kRecord) that put the 32 quants each pair takes
// side by side; the halves' integer lanes are added before the float part,
// which is dotRowsQ4_KVNNI's. The scales and minimums are unpacked as
// there.

// shufK4Z: the word scales of sub-blocks (0, 2), (1, 3), (4, 6), (5, 7),
// one pair a 64-byte mask, each in its half (see shufK4).
DATA shufK4Z<>+0(SB)/8, $0x0100010001000100
DATA shufK4Z<>+8(SB)/8, $0x0100010001000100
DATA shufK4Z<>+16(SB)/8, $0x0100010001000100
DATA shufK4Z<>+24(SB)/8, $0x0100010001000100
DATA shufK4Z<>+32(SB)/8, $0x0504050405040504
DATA shufK4Z<>+40(SB)/8, $0x0504050405040504
DATA shufK4Z<>+48(SB)/8, $0x0504050405040504
DATA shufK4Z<>+56(SB)/8, $0x0504050405040504
DATA shufK4Z<>+64(SB)/8, $0x0302030203020302
DATA shufK4Z<>+72(SB)/8, $0x0302030203020302
DATA shufK4Z<>+80(SB)/8, $0x0302030203020302
DATA shufK4Z<>+88(SB)/8, $0x0302030203020302
DATA shufK4Z<>+96(SB)/8, $0x0706070607060706
DATA shufK4Z<>+104(SB)/8, $0x0706070607060706
DATA shufK4Z<>+112(SB)/8, $0x0706070607060706
DATA shufK4Z<>+120(SB)/8, $0x0706070607060706
DATA shufK4Z<>+128(SB)/8, $0x0908090809080908
DATA shufK4Z<>+136(SB)/8, $0x0908090809080908
DATA shufK4Z<>+144(SB)/8, $0x0908090809080908
DATA shufK4Z<>+152(SB)/8, $0x0908090809080908
DATA shufK4Z<>+160(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4Z<>+168(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4Z<>+176(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4Z<>+184(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4Z<>+192(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4Z<>+200(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4Z<>+208(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4Z<>+216(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4Z<>+224(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK4Z<>+232(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK4Z<>+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK4Z<>+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL shufK4Z<>(SB), RODATA|NOPTR, $256

// func dotRowsQ4_KZ(out *float32, w *byte, stride int, x *byte, rec *byte, nb int, rows int)
TEXT ·dotRowsQ4_KZ(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+48(FP), CX
	TESTQ CX, CX
	JZ   kzdone
	MOVL         $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z15
	VMOVDQU64    shufK4Z<>+0(SB), Z16
	VMOVDQU64    shufK4Z<>+64(SB), Z17
	VMOVDQU64    shufK4Z<>+128(SB), Z18
	VMOVDQU64    shufK4Z<>+192(SB), Z19
kzrow:
	VXORPS Y0, Y0, Y0
	VXORPS X1, X1, X1
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   rec+32(FP), R14
	MOVQ   nb+40(FP), BX
	TESTQ  BX, BX
	JZ     kzrowdone
kzblock:
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
	// minimums · 32-element sums of the activations
	VMOVQ      R11, X3
	VPMOVZXBW  X3, X3
	VMOVDQU    260(R9), X4
	VPHADDW    276(R9), X4, X4
	VPMADDWD   X4, X3, X4
	VCVTDQ2PS  X4, X4
	VMOVD      (SI), X9
	VCVTPH2PS  X9, X9
	VBROADCASTSS (R9), X8
	VMULPS     X8, X9, X9     // d_x·d_w, d_x·dmin_w
	VSHUFPS    $0x55, X9, X9, X10
	VFNMADD231PS X4, X10, X1
	// scales as words in every 128-bit lane
	VMOVQ         R10, X2
	VPMOVZXBW     X2, X2
	VSHUFI32X4    $0, Z2, Z2, Z2
	VPXORD        Z3, Z3, Z3
	VPXORD        Z11, Z11, Z11
	VMOVDQU32     16(SI), Z5
	VPANDD        Z15, Z5, Z6
	VPSRLW        $4, Z5, Z5
	VPANDD        Z15, Z5, Z5
	VPMADDUBSW    (R14), Z6, Z6
	VPSHUFB       Z16, Z2, Z7
	VPDPWSSD      Z7, Z6, Z3
	VPMADDUBSW    64(R14), Z5, Z5
	VPSHUFB       Z17, Z2, Z8
	VPDPWSSD      Z8, Z5, Z11
	VMOVDQU32     80(SI), Z5
	VPANDD        Z15, Z5, Z6
	VPSRLW        $4, Z5, Z5
	VPANDD        Z15, Z5, Z5
	VPMADDUBSW    128(R14), Z6, Z6
	VPSHUFB       Z18, Z2, Z7
	VPDPWSSD      Z7, Z6, Z3
	VPMADDUBSW    192(R14), Z5, Z5
	VPSHUFB       Z19, Z2, Z8
	VPDPWSSD      Z8, Z5, Z11
	VPADDD        Z11, Z3, Z3
	VEXTRACTI64X4 $1, Z3, Y4
	VPADDD        Y4, Y3, Y3
	VBROADCASTSS  X9, Y7
	VCVTDQ2PS     Y3, Y3
	VFMADD231PS   Y3, Y7, Y0
	ADDQ          $144, SI
	ADDQ          $292, R9
	ADDQ          $256, R14
	DECQ          BX
	JNZ           kzblock
kzrowdone:
	VMOVHLPS     X1, X1, X2
	VADDPS       X2, X1, X1
	VMOVSHDUP    X1, X2
	VADDSS       X2, X1, X1
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
	JNZ          kzrow
kzdone:
	VZEROUPPER
	RET
