//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotk_amd64.h"

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

// Q4KZ_QUAD(w, r, slo, shi): Z3, Z11 += four sub-blocks' integer lanes:
// the 64 level bytes at w(SI) (low nibbles: sub-blocks j, j+1, high:
// j+2, j+3) · their activation records at r(R14) and r+64(R14), weighed
// by the scale words of Z2 that the masks slo and shi pick. Reads Z15
// (0x0f bytes); clobbers Z5-Z8.
#define Q4KZ_QUAD(w, r, slo, shi) \
	VMOVDQU32  w(SI), Z5; \
	VPANDD     Z15, Z5, Z6; \
	VPSRLW     $4, Z5, Z5; \
	VPANDD     Z15, Z5, Z5; \
	VPMADDUBSW r(R14), Z6, Z6; \
	VPSHUFB    slo, Z2, Z7; \
	VPDPWSSD   Z7, Z6, Z3; \
	VPMADDUBSW r+64(R14), Z5, Z5; \
	VPSHUFB    shi, Z2, Z8; \
	VPDPWSSD   Z8, Z5, Z11

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
	K_SCALES_MINS
	Q4K_MINS
	// scales as words in every 128-bit lane
	VMOVQ         R10, X2
	VPMOVZXBW     X2, X2
	VSHUFI32X4    $0, Z2, Z2, Z2
	VPXORD        Z3, Z3, Z3
	VPXORD        Z11, Z11, Z11
	Q4KZ_QUAD(16, 0, Z16, Z17)
	Q4KZ_QUAD(80, 128, Z18, Z19)
	VPADDD        Z11, Z3, Z3
	VEXTRACTI64X4 $1, Z3, Y4
	VPADDD        Y4, Y3, Y3
	K_FUSE
	ADDQ          $144, SI
	ADDQ          $292, R9
	ADDQ          $256, R14
	DECQ          BX
	JNZ           kzblock
kzrowdone:
	SUM_Y0_X1
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         stride+16(FP), R12
	DECQ         CX
	JNZ          kzrow
kzdone:
	VZEROUPPER
	RET
