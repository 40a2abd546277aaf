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

// Q4KZ_SUMS: Y3 = the block's eight sub-block sums of scale × quants ·
// activations (Q4KZ_QUAD over its four quads), the scales (R10) as words
// in every 128-bit lane. Clobbers Z2-Z11.
#define Q4KZ_SUMS \
	VMOVQ         R10, X2; \
	VPMOVZXBW     X2, X2; \
	VSHUFI32X4    $0, Z2, Z2, Z2; \
	VPXORD        Z3, Z3, Z3; \
	VPXORD        Z11, Z11, Z11; \
	Q4KZ_QUAD(16, 0, Z16, Z17); \
	Q4KZ_QUAD(80, 128, Z18, Z19); \
	VPADDD        Z11, Z3, Z3; \
	VEXTRACTI64X4 $1, Z3, Y4; \
	VPADDD        Y4, Y3, Y3

// Q4KZ_BLOCK: Y0, X1 += the block at SI (its sums and minimums) against
// the Q8_K block at R9 and its records at R14. Reads Z15-Z19; clobbers AX,
// DX, R8, R10, R11, R13, Z2-Z11.
#define Q4KZ_BLOCK \
	K_SCALES_MINS; \
	Q4K_MINS; \
	Q4KZ_SUMS; \
	K_FUSE

// Q4KZ_CONSTS loads what Q4KZ_BLOCK reads besides its operands: 0x0f
// bytes in Z15, the scale masks in Z16-Z19. Clobbers AX.
#define Q4KZ_CONSTS \
	MOVL         $0x0f0f0f0f, AX; \
	VPBROADCASTD AX, Z15; \
	VMOVDQU64    shufK4Z<>+0(SB), Z16; \
	VMOVDQU64    shufK4Z<>+64(SB), Z17; \
	VMOVDQU64    shufK4Z<>+128(SB), Z18; \
	VMOVDQU64    shufK4Z<>+192(SB), Z19

// func dotRowsQ4_KZ(out *float32, w *byte, stride int, x *byte, rec *byte, nb int, rows int)
TEXT ·dotRowsQ4_KZ(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+48(FP), CX
	TESTQ CX, CX
	JZ   kzdone
	Q4KZ_CONSTS
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
	Q4KZ_BLOCK
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

// Q4KZ_RUN(acc, macc): Q4KZ_BLOCK for one run of the two-run kernel, into
// the float lanes acc and the minimums' lanes macc, with what depends on
// the activations alone made once for both runs: X12 the pair sums of the
// block's bsums (Q4K_MINS' vphaddw), X13 d_x in every lane. The same
// instructions on the same values as Q4KZ_BLOCK otherwise. Clobbers AX, DX,
// R8, R10, R11, R13, Z2-Z11.
#define Q4KZ_RUN(acc, macc) \
	K_SCALES_MINS; \
	VMOVQ         R11, X3; \
	VPMOVZXBW     X3, X3; \
	VPMADDWD      X12, X3, X4; \
	VCVTDQ2PS     X4, X4; \
	VMOVD         (SI), X9; \
	VCVTPH2PS     X9, X9; \
	VMULPS        X13, X9, X9; \
	VSHUFPS       $0x55, X9, X9, X10; \
	VFNMADD231PS  X4, X10, macc; \
	Q4KZ_SUMS; \
	VBROADCASTSS  X9, Y7; \
	VCVTDQ2PS     Y3, Y3; \
	VFMADD231PS   Y3, Y7, acc

// func dotRowsQ4_KZTwo(outA *float32, outB *float32, w *byte, dist int, stride int, x *byte, rec *byte, nb int, rows int)
// dotRowsQ4_KZ over two runs of rows at once: row i at w into outA[i]
// beside row i at w+dist into outB[i], block by block, each as the one-run
// kernel computes it (the first run's sums in Y0, X1, the second's in Y20,
// X21): two streams, which one core reads faster than one when they lie a
// megabyte or more apart. The block's bsums pair sums and d_x are read
// once for both runs.
TEXT ·dotRowsQ4_KZTwo(SB), NOSPLIT, $0-72
	MOVQ outA+0(FP), DI
	MOVQ outB+8(FP), R15
	MOVQ w+16(FP), R12
	MOVQ rows+64(FP), CX
	TESTQ CX, CX
	JZ   k2done
	Q4KZ_CONSTS
k2row:
	VXORPS Y0, Y0, Y0
	VXORPS X1, X1, X1
	VPXORD Y20, Y20, Y20
	VPXORD X21, X21, X21
	MOVQ   R12, SI
	MOVQ   x+40(FP), R9
	MOVQ   rec+48(FP), R14
	MOVQ   nb+56(FP), BX
	TESTQ  BX, BX
	JZ     k2rowdone
k2block:
	VMOVDQU      260(R9), X12
	VPHADDW      276(R9), X12, X12
	VBROADCASTSS (R9), X13
	Q4KZ_RUN(Y0, X1)
	ADDQ         dist+24(FP), SI
	Q4KZ_RUN(Y20, X21)
	SUBQ         dist+24(FP), SI
	ADDQ         $144, SI
	ADDQ         $292, R9
	ADDQ         $256, R14
	DECQ         BX
	JNZ          k2block
k2rowdone:
	VMOVAPS Y20, Y22
	VMOVAPS X21, X23
	SUM_Y0_X1
	VMOVSS  X0, (DI)
	VMOVAPS Y22, Y0
	VMOVAPS X23, X1
	SUM_Y0_X1
	VMOVSS  X0, (R15)
	ADDQ    $4, DI
	ADDQ    $4, R15
	ADDQ    stride+32(FP), R12
	DECQ    CX
	JNZ     k2row
k2done:
	VZEROUPPER
	RET
