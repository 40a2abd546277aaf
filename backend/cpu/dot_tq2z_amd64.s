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

// TQ2Z_NONE: nothing (an empty step for TQ2Z2_TEXT's CONSTS).
#define TQ2Z_NONE

// TQ2Z_CONSTS: Z15 = 0x03 bytes. Clobbers AX.
#define TQ2Z_CONSTS \
	MOVL         $0x03030303, AX; \
	VPBROADCASTD AX, Z15

// TQ2Z2_L1, TQ2Z2_L2, TQ2Z2_L3 (_AVX by a shift and a mask, Z15: 0x03
// bytes; _GF by one GF(2) affine map each, Z24-Z26: the matrices of
// (x >> 2n) & 3, AVX-512 GFNI): level n of both runs' bytes Z1 and Z11
// into Z3, Z17 (n = 1), Z4, Z18 (n = 2) and Z1, Z11 (n = 3).
#define TQ2Z2_L1_AVX \
	VPSRLW $2, Z1, Z3; \
	VPSRLW $2, Z11, Z17; \
	VPANDD Z15, Z3, Z3; \
	VPANDD Z15, Z17, Z17
#define TQ2Z2_L2_AVX \
	VPSRLW $4, Z1, Z4; \
	VPSRLW $4, Z11, Z18; \
	VPANDD Z15, Z4, Z4; \
	VPANDD Z15, Z18, Z18
#define TQ2Z2_L3_AVX \
	VPSRLW $6, Z1, Z1; \
	VPSRLW $6, Z11, Z11; \
	VPANDD Z15, Z1, Z1; \
	VPANDD Z15, Z11, Z11
#define TQ2Z2_L1_GF \
	VGF2P8AFFINEQB $0, Z24, Z1, Z3; \
	VGF2P8AFFINEQB $0, Z24, Z11, Z17
#define TQ2Z2_L2_GF \
	VGF2P8AFFINEQB $0, Z25, Z1, Z4; \
	VGF2P8AFFINEQB $0, Z25, Z11, Z18
#define TQ2Z2_L3_GF \
	VGF2P8AFFINEQB $0, Z26, Z1, Z1; \
	VGF2P8AFFINEQB $0, Z26, Z11, Z11

// TQ2Z2_GF_CONSTS: Z24-Z26 = the matrices of levels 1-3 (output bits 0
// and 1 from input bits 2n and 2n+1). Clobbers AX.
#define TQ2Z2_GF_CONSTS \
	MOVQ         $0x0408000000000000, AX; \
	VPBROADCASTQ AX, Z24; \
	MOVQ         $0x1020000000000000, AX; \
	VPBROADCASTQ AX, Z25; \
	MOVQ         $0x4080000000000000, AX; \
	VPBROADCASTQ AX, Z26

// tq2Ahead is how far ahead of each run the two-run kernel asks for its
// weights (prefetcht0, once a 66-byte block): the weights are a mapped
// file's 4 KiB pages, whose boundaries the hardware prefetchers do not
// cross, as for Q8_0 (q8two_amd64.s). In the model's one-token products
// 1.05× median (in-process A/B, 7 of 8 runs, bench/cpu-12-14.md, session 12).
#define tq2Ahead 4096

// tq4Ahead is the same for the four-run kernel, whose four streams a
// piece are half as long: in tern bench of the 1.1B TQ2_0 (2 MiB pages)
// 2 KiB against 4 KiB won 16 of 16 interleaved rounds (medians ×1.06); 1
// KiB and 8 KiB were no better than 4 KiB (bench/cpu-12-14.md).
#define tq4Ahead 2048

// TQ2Z2_TEXT(CONSTS, L1, L2, L3): the body of dotRowsTQ2_0ZTwo (L1-L3:
// TQ2Z2_L1_AVX…, CONSTS nothing) and dotRowsTQ2_0ZTwoGF (TQ2Z2_L1_GF…,
// CONSTS TQ2Z2_GF_CONSTS). Each run's levels go through vpdpbusd on their
// own, 16 lanes (the block's two halves) starting from the record's
// biases (lanes 0-7; zero in 8-15); then the halves of both runs are
// gathered as run A's halves in lanes 0-7 and run B's in 8-15 and added
// (the integers are the one-run kernel's, exact), and the float part is
// done once for both rows in 16 lanes (Z0: row A in lanes 0-7, row B in
// 8-15).
#define TQ2Z2_TEXT(CONSTS, L1, L2, L3) \
	MOVQ outA+0(FP), DI; \
	MOVQ outB+8(FP), R15; \
	MOVQ wA+16(FP), R12; \
	MOVQ wB+24(FP), R13; \
	MOVQ rows+56(FP), CX; \
	TESTQ CX, CX; \
	JZ   t2done; \
	TQ2Z_CONSTS; \
	CONSTS; \
	MOVL  $0xff00, AX; \
	KMOVW AX, K1; \
t2row: \
	VXORPS Z0, Z0, Z0; \
	MOVQ   R12, SI; \
	MOVQ   R13, R14; \
	MOVQ   rec+40(FP), R9; \
	MOVQ   nb+48(FP), BX; \
	TESTQ  BX, BX; \
	JZ     t2rowdone; \
t2block: \
	PREFETCHT0      tq2Ahead(SI); \
	PREFETCHT0      tq2Ahead(R14); \
	VMOVDQU32       (R9), Z20; \
	VMOVDQU32       64(R9), Z21; \
	VMOVDQU32       128(R9), Z22; \
	VMOVDQU32       192(R9), Z23; \
	VMOVDQU32       (SI), Z1; \
	VMOVDQU32       (R14), Z11; \
	VMOVDQU32       256(R9), Z5; \
	VMOVDQU32       256(R9), Z12; \
	VPANDD          Z15, Z1, Z2; \
	VPANDD          Z15, Z11, Z16; \
	L1; \
	VPDPBUSD        Z20, Z2, Z5; \
	VPDPBUSD        Z20, Z16, Z12; \
	L2; \
	VPDPBUSD        Z21, Z3, Z5; \
	VPDPBUSD        Z21, Z17, Z12; \
	L3; \
	VPDPBUSD        Z22, Z4, Z5; \
	VPDPBUSD        Z22, Z18, Z12; \
	VPDPBUSD        Z23, Z1, Z5; \
	VPDPBUSD        Z23, Z11, Z12; \
	VSHUFI64X2      $0x44, Z12, Z5, Z6; \
	VSHUFI64X2      $0xee, Z12, Z5, Z13; \
	VPADDD          Z13, Z6, Z6; \
	VCVTDQ2PS       Z6, Z6; \
	VPBROADCASTW    64(SI), Y7; \
	VPBROADCASTW    64(R14), K1, Y7; \
	VCVTPH2PS       Y7, Z7; \
	VMULPS.BCST     320(R9), Z7, Z7; \
	VMULPS          Z7, Z6, Z6; \
	VADDPS          Z6, Z0, Z0; \
	ADDQ            $66, SI; \
	ADDQ            $66, R14; \
	ADDQ            $384, R9; \
	DECQ            BX; \
	JNZ             t2block; \
t2rowdone: \
	VEXTRACTF32X8 $1, Z0, Y8; \
	HSUM8_Y0(X1); \
	VMOVSS        X0, (DI); \
	HSUM8(Y8, X8, X1); \
	VMOVSS        X8, (R15); \
	ADDQ          $4, DI; \
	ADDQ          $4, R15; \
	ADDQ          stride+32(FP), R12; \
	ADDQ          stride+32(FP), R13; \
	DECQ          CX; \
	JNZ           t2row; \
t2done: \
	VZEROUPPER; \
	RET

// func dotRowsTQ2_0Z(out *float32, w *byte, stride int, rec *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0Z(SB), NOSPLIT, $0-48
	KROWS_X(TQ2Z_CONSTS, ZERO_Y0, TQ2Z_BLOCK, 66, 384, HSUM8_Y0(X1))

// func dotRowsTQ2_0ZTwo(outA *float32, outB *float32, wA *byte, wB *byte, stride int, rec *byte, nb int, rows int)
// dotRowsTQ2_0Z over two runs of rows at once (row i of wA beside row i of
// wB, each as the one-run kernel computes it, the records read once for
// both): two streams from two places in memory, which one core reads
// faster than one stream when they lie a megabyte or more apart. 37
// vector instructions a block pair (TQ2Z2_TEXT) where one for each row
// took 48.
TEXT ·dotRowsTQ2_0ZTwo(SB), NOSPLIT, $0-64
	TQ2Z2_TEXT(TQ2Z_NONE, TQ2Z2_L1_AVX, TQ2Z2_L2_AVX, TQ2Z2_L3_AVX)

// func dotRowsTQ2_0ZTwoGF(outA *float32, outB *float32, wA *byte, wB *byte, stride int, rec *byte, nb int, rows int)
// dotRowsTQ2_0ZTwo taking levels 1-3 with one GFNI instruction each
// instead of two (AVX-512 GFNI): the same integers, 31 vector
// instructions a block pair.
TEXT ·dotRowsTQ2_0ZTwoGF(SB), NOSPLIT, $0-64
	TQ2Z2_TEXT(TQ2Z2_GF_CONSTS, TQ2Z2_L1_GF, TQ2Z2_L2_GF, TQ2Z2_L3_GF)

// TQ2Z4_RUN(w, t, acc): one run's levels of the block bytes w (clobbered)
// through vpdpbusd into acc, levels 1-3 by GFNI (Z24-Z26), against the
// record in Z20-Z23; t a temporary.
#define TQ2Z4_RUN(w, t, acc) \
	VPANDD         Z15, w, t; \
	VPDPBUSD       Z20, t, acc; \
	VGF2P8AFFINEQB $0, Z24, w, t; \
	VPDPBUSD       Z21, t, acc; \
	VGF2P8AFFINEQB $0, Z25, w, t; \
	VPDPBUSD       Z22, t, acc; \
	VGF2P8AFFINEQB $0, Z26, w, w; \
	VPDPBUSD       Z23, w, acc

// func dotRowsTQ2_0ZFourGF(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, stride int, rec *byte, nb int, rows int)
// dotRowsTQ2_0ZTwoGF over four runs of rows at once (row i of wA, wB, wC
// and wD into outA…outD, each as the one-run kernel computes it): four
// streams, which the model's one-token products read 2–14% faster than
// two (in-process A/B; bench/cpu-12-14.md, "TQ2_0 decode in four streams"). Each
// block's record is loaded once for the four runs; runs A and B share
// the float steps in 16 lanes (Z0), C and D in others (Z30), as in
// dotRowsTQ2_0ZTwo; d_x is broadcast once (Z27). The four runs' bytes are
// at the same offset SI of their rows. Before the first row it asks for
// the first tq4Ahead bytes of each stream, which the loop's prefetches do
// not cover (in-process A/B in the model ×1.010–1.028, 4 of 4; bench/cpu-12-14.md).
TEXT ·dotRowsTQ2_0ZFourGF(SB), NOSPLIT, $0-96
	FOUR_ARGS(t4done)
	TQ2Z_CONSTS
	TQ2Z2_GF_CONSTS
	MOVL  $0xff00, AX
	KMOVW AX, K1
	FOUR_FIRST(PREFETCHT0, tq4Ahead, t4first)
t4row:
	FOUR_ROW_START(rec, t4rowdone)
t4block:
	FOUR_AHEAD(tq4Ahead)
	VMOVDQU32    (R9), Z20
	VMOVDQU32    64(R9), Z21
	VMOVDQU32    128(R9), Z22
	VMOVDQU32    192(R9), Z23
	VMOVDQU32    256(R9), Z5
	VMOVDQU32    256(R9), Z6
	VMOVDQU32    256(R9), Z7
	VMOVDQU32    256(R9), Z8
	VMOVDQU32    (R12)(SI*1), Z1
	VMOVDQU32    (R13)(SI*1), Z2
	VMOVDQU32    (R8)(SI*1), Z3
	VMOVDQU32    (DX)(SI*1), Z4
	TQ2Z4_RUN(Z1, Z9, Z5)
	TQ2Z4_RUN(Z2, Z10, Z6)
	TQ2Z4_RUN(Z3, Z11, Z7)
	TQ2Z4_RUN(Z4, Z12, Z8)
	VSHUFI64X2   $0x44, Z6, Z5, Z13
	VSHUFI64X2   $0xee, Z6, Z5, Z14
	VPADDD       Z14, Z13, Z13
	VSHUFI64X2   $0x44, Z8, Z7, Z16
	VSHUFI64X2   $0xee, Z8, Z7, Z17
	VPADDD       Z17, Z16, Z16
	VCVTDQ2PS    Z13, Z13
	VCVTDQ2PS    Z16, Z16
	VPBROADCASTW 64(R12)(SI*1), Y18
	VPBROADCASTW 64(R13)(SI*1), K1, Y18
	VPBROADCASTW 64(R8)(SI*1), Y19
	VPBROADCASTW 64(DX)(SI*1), K1, Y19
	VCVTPH2PS    Y18, Z18
	VCVTPH2PS    Y19, Z19
	VBROADCASTSS 320(R9), Z27
	VMULPS       Z27, Z18, Z18
	VMULPS       Z27, Z19, Z19
	VMULPS       Z18, Z13, Z13
	VMULPS       Z19, Z16, Z16
	VADDPS       Z13, Z0, Z0
	VADDPS       Z16, Z30, Z30
	ADDQ         $66, SI
	ADDQ         $384, R9
	DECQ         BX
	JNZ          t4block
t4rowdone:
	FOUR_ROW_END(t4row)
t4done:
	VZEROUPPER
	RET

// func fillTQ2AVX512(rec *byte, x *byte, nb int)
// fillTQ2Generic's records of nb Q8_K blocks (q8KBlock = 292 bytes apart
// at x) into rec (tq2Record = 384 bytes apart): each level's two runs of
// 32 quants side by side, the lanes' biases −(bsums[2l]+bsums[2l+1]) by
// vpmaddwd with ones (each pair's exact sum), negated, zeros, then d.
TEXT ·fillTQ2AVX512(SB), NOSPLIT, $0-24
	MOVQ rec+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ nb+16(FP), CX
	TESTQ CX, CX
	JZ   ftdone
	VPXORD       Z15, Z15, Z15
	MOVL         $0x00010001, AX
	VPBROADCASTD AX, Y14
ftblock:
	VMOVDQU      4(SI), Y0
	VINSERTI64X4 $1, 132(SI), Z0, Z0
	VMOVDQU64    Z0, (DI)
	VMOVDQU      36(SI), Y1
	VINSERTI64X4 $1, 164(SI), Z1, Z1
	VMOVDQU64    Z1, 64(DI)
	VMOVDQU      68(SI), Y2
	VINSERTI64X4 $1, 196(SI), Z2, Z2
	VMOVDQU64    Z2, 128(DI)
	VMOVDQU      100(SI), Y3
	VINSERTI64X4 $1, 228(SI), Z3, Z3
	VMOVDQU64    Z3, 192(DI)
	VMOVDQU      260(SI), Y4
	VPMADDWD     Y14, Y4, Y4
	VPSUBD       Y4, Y15, Y4
	VMOVDQU      Y4, 256(DI)
	VMOVDQU      Y15, 288(DI)
	VMOVDQU64    Z15, 320(DI)
	MOVL         (SI), AX
	MOVL         AX, 320(DI)
	ADDQ $292, SI
	ADDQ $384, DI
	DECQ CX
	JNZ  ftblock
ftdone:
	VZEROUPPER
	RET
