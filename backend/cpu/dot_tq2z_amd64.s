//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotk_amd64.h"

// TQ2_0 × Q8_K in 512-bit vectors, ggml's AVX2 lane order (see dot_tq2.go):
// a block's 64 bytes of levels in one vector, lanes 0-7 its first half's
// 8 lanes and 8-15 its second's, against the activations laid out once per
// product as records (tq2Record): for each level n, the 32 quants each half
// takes side by side. The halves' integer lanes are added, the lanes start
// at −(bsums[2l]+bsums[2l+1]) (the record's bias, zero in lanes 8-15), and
// the float part is dotRowsTQ2_0VNNI's: × d_x·d_w, added (not fused).

// TQ2Z_BLOCK: one block (SI, 66 bytes; R9 its record, 384 bytes) added to
// the float lanes Y0 (Z15: 0x03 bytes). Clobbers Z1-Z7.
#define TQ2Z_BLOCK \
	VMOVDQU32     (SI), Z1; \
	VMOVDQU32     256(R9), Z5; \
	VPXORD        Z6, Z6, Z6; \
	VPANDD        Z15, Z1, Z2; \
	VPSRLW        $2, Z1, Z3; \
	VPANDD        Z15, Z3, Z3; \
	VPDPBUSD      (R9), Z2, Z5; \
	VPSRLW        $4, Z1, Z4; \
	VPANDD        Z15, Z4, Z4; \
	VPDPBUSD      64(R9), Z3, Z6; \
	VPSRLW        $6, Z1, Z1; \
	VPANDD        Z15, Z1, Z1; \
	VPDPBUSD      128(R9), Z4, Z5; \
	VPDPBUSD      192(R9), Z1, Z6; \
	VPADDD        Z6, Z5, Z5; \
	VEXTRACTI64X4 $1, Z5, Y6; \
	VPADDD        Y6, Y5, Y5; \
	VCVTDQ2PS     Y5, Y5; \
	VPBROADCASTW  64(SI), X7; \
	VCVTPH2PS     X7, Y7; \
	VMULPS.BCST   320(R9), Y7, Y7; \
	VMULPS        Y7, Y5, Y5; \
	VADDPS        Y5, Y0, Y0

// TQ2Z_CONSTS: Z15 = 0x03 bytes. Clobbers AX.
#define TQ2Z_CONSTS \
	MOVL         $0x03030303, AX; \
	VPBROADCASTD AX, Z15

// func dotRowsTQ2_0Z(out *float32, w *byte, stride int, rec *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0Z(SB), NOSPLIT, $0-48
	KROWS_X(TQ2Z_CONSTS, ZERO_Y0, TQ2Z_BLOCK, 66, 384, HSUM8_Y0(X1))

// TQ2Z_LEV2(n, a, b, ta, tb): level n/2 of both runs' bytes a and b into ta
// and tb (shifted right by n, masked by Z15).
#define TQ2Z_LEV2(n, a, b, ta, tb) \
	VPSRLW $n, a, ta; \
	VPSRLW $n, b, tb; \
	VPANDD Z15, ta, ta; \
	VPANDD Z15, tb, tb

// tq2Ahead is how far ahead of each run the two-run kernel asks for its
// weights (prefetcht0, once a 66-byte block): the weights are a mapped
// file's 4 KiB pages, whose boundaries the hardware prefetchers do not
// cross, as for Q8_0 (q8two_amd64.s). In the model's one-token products
// 1.05× median (in-process A/B, 7 of 8 runs, bench/cpu.md, session 12).
#define tq2Ahead 4096

// func dotRowsTQ2_0ZTwo(outA *float32, outB *float32, wA *byte, wB *byte, stride int, rec *byte, nb int, rows int)
// dotRowsTQ2_0Z over two runs of rows at once (row i of wA beside row i of
// wB, each as the one-run kernel computes it, the records read once for
// both): two streams from two places in memory, which one core reads
// faster than one stream when they lie a megabyte or more apart. Each
// run's levels go through vpdpbusd on their own, 16 lanes (the block's two
// halves); then the halves of both runs are gathered as run A's halves in
// lanes 0-7 and run B's in 8-15 and added, the biases added (the integers
// are the one-run kernel's, exact), and the float part is done once for
// both rows in 16 lanes (Z0: row A in lanes 0-7, row B in 8-15): 39
// vector instructions a block pair where one for each row took 48.
TEXT ·dotRowsTQ2_0ZTwo(SB), NOSPLIT, $0-64
	MOVQ outA+0(FP), DI
	MOVQ outB+8(FP), R15
	MOVQ wA+16(FP), R12
	MOVQ wB+24(FP), R13
	MOVQ rows+56(FP), CX
	TESTQ CX, CX
	JZ   t2done
	TQ2Z_CONSTS
	MOVL  $0xff00, AX
	KMOVW AX, K1
t2row:
	VXORPS Z0, Z0, Z0
	MOVQ   R12, SI
	MOVQ   R13, R14
	MOVQ   rec+40(FP), R9
	MOVQ   nb+48(FP), BX
	TESTQ  BX, BX
	JZ     t2rowdone
t2block:
	PREFETCHT0      tq2Ahead(SI)
	PREFETCHT0      tq2Ahead(R14)
	VMOVDQU32       (R9), Z20
	VMOVDQU32       64(R9), Z21
	VMOVDQU32       128(R9), Z22
	VMOVDQU32       192(R9), Z23
	VMOVDQU32       (SI), Z1
	VMOVDQU32       (R14), Z11
	VPANDD          Z15, Z1, Z2
	VPANDD          Z15, Z11, Z16
	TQ2Z_LEV2(2, Z1, Z11, Z3, Z17)
	VPXORD          Z5, Z5, Z5
	VPXORD          Z12, Z12, Z12
	VPDPBUSD        Z20, Z2, Z5
	VPDPBUSD        Z20, Z16, Z12
	TQ2Z_LEV2(4, Z1, Z11, Z4, Z18)
	VPDPBUSD        Z21, Z3, Z5
	VPDPBUSD        Z21, Z17, Z12
	TQ2Z_LEV2(6, Z1, Z11, Z1, Z11)
	VPDPBUSD        Z22, Z4, Z5
	VPDPBUSD        Z22, Z18, Z12
	VPDPBUSD        Z23, Z1, Z5
	VPDPBUSD        Z23, Z11, Z12
	VSHUFI64X2      $0x44, Z12, Z5, Z6
	VSHUFI64X2      $0xee, Z12, Z5, Z13
	VPADDD          Z13, Z6, Z6
	VBROADCASTI32X8 256(R9), Z13
	VPADDD          Z13, Z6, Z6
	VCVTDQ2PS       Z6, Z6
	VPBROADCASTW    64(SI), Y7
	VPBROADCASTW    64(R14), K1, Y7
	VCVTPH2PS       Y7, Z7
	VMULPS.BCST     320(R9), Z7, Z7
	VMULPS          Z7, Z6, Z6
	VADDPS          Z6, Z0, Z0
	ADDQ            $66, SI
	ADDQ            $66, R14
	ADDQ            $384, R9
	DECQ            BX
	JNZ             t2block
t2rowdone:
	VEXTRACTF32X8 $1, Z0, Y8
	HSUM8_Y0(X1)
	VMOVSS        X0, (DI)
	HSUM8(Y8, X8, X1)
	VMOVSS        X8, (R15)
	ADDQ          $4, DI
	ADDQ          $4, R15
	ADDQ          stride+32(FP), R12
	ADDQ          stride+32(FP), R13
	DECQ          CX
	JNZ           t2row
t2done:
	VZEROUPPER
	RET
