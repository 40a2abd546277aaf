//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"

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
	VMOVDQU32 off(SI), hi; \
	VPANDD    Z15, hi, lo; \
	VPXORD    lo, hi, hi

// WNIBY is WNIB with two 256-bit loads (y is hi's lower half): every other
// block starts 32 bytes into a cache line, and a 512-bit load across two
// lines cost the one-token kernel a third of its speed in cache (54–67 →
// 83–94 GB/s on one Zen 5 core).
#define WNIBY(off, offh, lo, hi, y) \
	VMOVDQU      off(SI), y; \
	VINSERTI64X4 $1, offh(SI), hi, hi; \
	VPANDD       Z15, hi, lo; \
	VPXORD       lo, hi, hi

// WNIBB is WNIBY with the weights at base instead of SI, for registers
// Z16-Z31 (whose lower halves only an EVEX load reaches).
#define WNIBB(base, off, offh, lo, hi, y) \
	VMOVDQU32    off(base), y; \
	VINSERTI64X4 $1, offh(base), hi, hi; \
	VPANDD       Z15, hi, lo; \
	VPXORD       lo, hi, hi

// WBLOCK(START, NIB, DOT, FIN): one block of the one-token kernel for one
// run of groups (run A: weights at SI, low sums Z5, high sums Z9, float
// lanes Z0) or two (run B beside it: weights at R14, registers A's + 16):
// the steps below name both runs' registers and the W1_ or W2_ forms emit
// run A's instructions or A's then B's.
#define WBLOCK(START, NIB, DOT, FIN) \
	START; \
	NIB(32, 64, Z1, Z2, Y2, Z17, Z18, Y18); \
	NIB(96, 128, Z3, Z4, Y4, Z19, Z20, Y20); \
	DOT(2, Z1, Z5, Z17, Z21); \
	DOT(18, Z2, Z9, Z18, Z25); \
	DOT(6, Z3, Z5, Z19, Z21); \
	DOT(22, Z4, Z9, Z20, Z25); \
	NIB(160, 192, Z6, Z7, Y7, Z22, Z23, Y23); \
	NIB(224, 256, Z10, Z11, Y11, Z26, Z27, Y27); \
	DOT(10, Z6, Z5, Z22, Z21); \
	DOT(26, Z7, Z9, Z23, Z25); \
	DOT(14, Z10, Z5, Z26, Z21); \
	DOT(30, Z11, Z9, Z27, Z25); \
	FIN

// W1_START and W2_START: the low sums from the bias at R10, the high sums
// from 0.
#define W1_START \
	VPBROADCASTD (R10), Z5; \
	VPXORD       Z9, Z9, Z9
#define W2_START \
	W1_START; \
	VPBROADCASTD (R10), Z21; \
	VPXORD       Z25, Z25, Z25

// W1_NIB and W2_NIB(off, offh, lo, hi, y, lob, hib, yb): the chunk at
// off, offh unpacked (WNIBY; run B's by WNIBB).
#define W1_NIB(off, offh, lo, hi, y, lob, hib, yb) \
	WNIBY(off, offh, lo, hi, y)
#define W2_NIB(off, offh, lo, hi, y, lob, hib, yb) \
	WNIBY(off, offh, lo, hi, y); \
	WNIBB(R14, off, offh, lob, hib, yb)

// W1_DOT and W2_DOT(xoff, w, acc, wb, accb): acc += the nibbles w times
// the four activation bytes at xoff(R9), broadcast.
#define W1_DOT(xoff, w, acc, wb, accb) \
	VPDPBUSD.BCST xoff(R9), w, acc
#define W2_DOT(xoff, w, acc, wb, accb) \
	W1_DOT(xoff, w, acc, wb, accb); \
	VPDPBUSD.BCST xoff(R9), wb, accb

// W1_FIN and W2_FIN: low sums += high sums/16, converted, times d_w (at
// SI, sixteen halves; run B's at R14) · d_x (at R11) and fused into Z0
// (run B: Z16); the two runs' steps interleaved.
#define W1_FIN \
	VPSRAD      $4, Z9, Z9; \
	VPADDD      Z9, Z5, Z5; \
	VCVTDQ2PS   Z5, Z5; \
	VCVTPH2PS   (SI), Z6; \
	VMULPS.BCST (R11), Z6, Z6; \
	VFMADD231PS Z6, Z5, Z0
#define W2_FIN \
	VPSRAD      $4, Z9, Z9; \
	VPSRAD      $4, Z25, Z25; \
	VPADDD      Z9, Z5, Z5; \
	VPADDD      Z25, Z21, Z21; \
	VCVTDQ2PS   Z5, Z5; \
	VCVTDQ2PS   Z21, Z21; \
	VCVTPH2PS   (SI), Z6; \
	VCVTPH2PS   (R14), Z22; \
	VMULPS.BCST (R11), Z6, Z6; \
	VMULPS.BCST (R11), Z22, Z22; \
	VFMADD231PS Z6, Z5, Z0; \
	VFMADD231PS Z22, Z21, Z16

// W_CONSTS: Z15 = 0x0f bytes. Clobbers AX.
#define W_CONSTS \
	MOVL         $0x0f0f0f0f, AX; \
	VPBROADCASTD AX, Z15

// func dotWideQ4_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideQ4_0VNNI(SB), NOSPLIT, $0-56
	Q4GROUPS(W_CONSTS, Z0, WBLOCK(W1_START, W1_NIB, W1_DOT, W1_FIN), 288, 64)

// WTOK finishes token t's block: lo += hi/16, converted, times d_w·d_x
// (scales in Z13, d_x at dx) and fused into acc.
#define WTOK(lo, hi, dx, acc) \
	VPSRAD $4, hi, hi; \
	Q4X4_FUSE(lo, hi, dx, Z13, acc)

// WX4_BLOCK: a block for the four tokens (Q4X4GROUPS): all its nibbles
// (Z1-Z8), d_w (Z13), each token's lanes (Z20+2t low, Z21+2t high) fused
// into Z16+t.
#define WX4_BLOCK \
	WNIB(32, Z1, Z2); \
	WNIB(96, Z3, Z4); \
	WNIB(160, Z5, Z6); \
	WNIB(224, Z7, Z8); \
	VCVTPH2PS (SI), Z13; \
	Q4X4_DOTS(Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27); \
	WTOK(Z20, Z21, (R12), Z16); \
	WTOK(Z22, Z23, (R12)(R13*1), Z17); \
	WTOK(Z24, Z25, (R8), Z18); \
	WTOK(Z26, Z27, (R8)(R13*1), Z19)

// func dotWideQ4_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens at once (prefill): token t's activations are at x+t·xstride,
// bias+t·bstride, d+t·bstride; its outputs at out+t·ostride (strides in
// bytes). The block's weights are unpacked once for the four tokens, each
// with its own accumulator, as the one-token kernel computes it.
TEXT ·dotWideQ4_0x4VNNI(SB), NOSPLIT, $0-80
	Q4X4GROUPS(W_CONSTS, WX4_BLOCK, 288, Z16, Z17, Z18, Z19, 64)

// q4Ahead is how far ahead of each run the two-run kernel asks for its
// weights (prefetcht0, a line at a time: five a 288-byte block). A
// one-token product's pieces are short streams (a 2048×2048 matrix is
// 2.4 MB, cut in pieces of 64 KiB and more), and the hardware prefetchers
// take a while to reach each new one: asking 2 KiB ahead made the
// device's 2048-row products 1.04-1.12× faster (8192 rows 0.99-1.03×),
// the model's one-token products 1.03-1.07× (bench/cpu-12-14.md, session 12).
#define q4Ahead 2048

// W2_PF asks for the five lines of both runs' block q4Ahead ahead.
#define W2_PF \
	PREFETCHT0 q4Ahead(SI); \
	PREFETCHT0 q4Ahead+64(SI); \
	PREFETCHT0 q4Ahead+128(SI); \
	PREFETCHT0 q4Ahead+192(SI); \
	PREFETCHT0 q4Ahead+256(SI); \
	PREFETCHT0 q4Ahead(R14); \
	PREFETCHT0 q4Ahead+64(R14); \
	PREFETCHT0 q4Ahead+128(R14); \
	PREFETCHT0 q4Ahead+192(R14); \
	PREFETCHT0 q4Ahead+256(R14)

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
	W_CONSTS
w2group:
	VXORPS Z0, Z0, Z0
	VXORPS Z16, Z16, Z16
	MOVQ   R8, R9
	MOVQ   R12, R10
	MOVQ   R13, R11
	MOVQ   DX, BX
w2block:
	W2_PF
	WBLOCK(W2_START, W2_NIB, W2_DOT, W2_FIN)
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

// q4FourAhead is how far ahead of each stream the four-run kernel asks for
// its weights: its four streams a piece are half as long. In the 1.1B's
// decode (four / two streams, all of a block's requests asked at once)
// 1.5 KiB ran x1.06, 1 KiB x1.05-1.07, 2 KiB x1.02-1.05, 512 bytes
// x0.96-1.02, 4 KiB x0.97-0.99 (bench/cpu-12-14.md). Asked a chunk at a time
// (W4_CHUNK), 1.25 and 1.5 KiB ran a decode step's products alike, 1 KiB
// x0.99 and 2 KiB x0.97-0.98 of them (session 18). With pieces of 256 KiB
// and more (minPieceBytes), 1.5 KiB ran the 1.1B decode x0.999-1.015 as
// fast as 1.25 KiB (11 of 12 repetitions faster), 1 KiB x0.98, 1.75 KiB
// x0.99-1.01, 2 KiB x0.97-0.99 (session 19).
#define q4FourAhead 1536

// WNIBX is WNIBB with the weights at off(base)(SI*1).
#define WNIBX(base, off, offh, lo, hi, y) \
	VMOVDQU32    off(base)(SI*1), y; \
	VINSERTI64X4 $1, offh(base)(SI*1), hi, hi; \
	VPANDD       Z15, hi, lo; \
	VPXORD       lo, hi, hi

// The four-run kernel's registers: runs A, B, C and D (weights at R12,
// R13, R8 and DX, offset SI) keep their float sums in Z0, Z16, Z12 and
// Z28, a block's low-nibble sums in Z5, Z21, Z13 and Z29 and its
// high-nibble sums in Z9, Z25, Z14 and Z30.

// W4_START: the low sums from the bias at R10, the high sums from 0.
#define W4_START \
	VPBROADCASTD (R10), Z5; \
	VPBROADCASTD (R10), Z21; \
	VPBROADCASTD (R10), Z13; \
	VPBROADCASTD (R10), Z29; \
	VPXORD       Z9, Z9, Z9; \
	VPXORD       Z25, Z25, Z25; \
	VPXORD       Z14, Z14, Z14; \
	VPXORD       Z30, Z30, Z30

// W4_AHEAD(line) asks for line (a byte offset in the block) of the four
// runs' block q4FourAhead ahead, as data to be read once (PREFETCHNTA). In
// the 1.1B decode, with session 19's pieces, that ran x0.999-1.029 as
// fast as PREFETCHT0 in 17 of 18 in-process repetitions (16 faster,
// median x1.010; the 18th x0.883 as the host's bandwidth jumped); with
// session 18's pieces, x0.986-1.014, median x1.000. The same change
// left the Q8_0 and TQ2_0 four-stream kernels as they were (x0.994-1.003),
// so they keep PREFETCHT0.
#define W4_AHEAD(line) \
	PREFETCHNTA q4FourAhead+line(R12)(SI*1); \
	PREFETCHNTA q4FourAhead+line(R13)(SI*1); \
	PREFETCHNTA q4FourAhead+line(R8)(SI*1); \
	PREFETCHNTA q4FourAhead+line(DX)(SI*1)

// W4_CHUNK(off, offh, xlo, xhi, line): the 64-byte chunk at off, offh of
// the four runs' block, unpacked (WNIBX) and its low and high nibbles
// times the activation bytes at xlo and xhi(R9) added to the sums, after
// asking for line ahead (W4_AHEAD). Clobbers Z1-Z4, Z17-Z20.
#define W4_CHUNK(off, offh, xlo, xhi, line) \
	W4_AHEAD(line); \
	WNIBX(R12, off, offh, Z1, Z2, Y2); \
	WNIBX(R13, off, offh, Z17, Z18, Y18); \
	WNIBX(R8, off, offh, Z3, Z4, Y4); \
	WNIBX(DX, off, offh, Z19, Z20, Y20); \
	VPDPBUSD.BCST xlo(R9), Z1, Z5; \
	VPDPBUSD.BCST xlo(R9), Z17, Z21; \
	VPDPBUSD.BCST xlo(R9), Z3, Z13; \
	VPDPBUSD.BCST xlo(R9), Z19, Z29; \
	VPDPBUSD.BCST xhi(R9), Z2, Z9; \
	VPDPBUSD.BCST xhi(R9), Z18, Z25; \
	VPDPBUSD.BCST xhi(R9), Z4, Z14; \
	VPDPBUSD.BCST xhi(R9), Z20, Z30

// W4_FIN(w, lo, hi, acc): W1_FIN for one run (weights at w, sums lo and
// hi, float sums acc). Clobbers Z1.
#define W4_FIN(w, lo, hi, acc) \
	VPSRAD      $4, hi, hi; \
	VPADDD      hi, lo, lo; \
	VCVTDQ2PS   lo, lo; \
	VCVTPH2PS   (w)(SI*1), Z1; \
	VMULPS.BCST (R11), Z1, Z1; \
	VFMADD231PS Z1, lo, acc

// W4_BLOCK: one block of the four runs, a 64-byte chunk of all four at a
// time, and the requests for the block q4FourAhead ahead spread between
// them: the four streams' demands and requests then come a few lines at a
// time. Taking runs A and B's whole block, then C and D's, ran a 1.1B
// decode step's products x0.97-0.98 as fast, and x0.90-0.95 with each
// pair's ten requests asked at once before its block (bench/cpu.md,
// session 18).
#define W4_BLOCK \
	W4_START; \
	W4_CHUNK(32, 64, 2, 18, 0); \
	W4_CHUNK(96, 128, 6, 22, 64); \
	W4_CHUNK(160, 192, 10, 26, 128); \
	W4_CHUNK(224, 256, 14, 30, 192); \
	W4_AHEAD(256); \
	W4_FIN(R12, Z5, Z9, Z0); \
	W4_FIN(R13, Z21, Z25, Z16); \
	W4_FIN(R8, Z13, Z14, Z12); \
	W4_FIN(DX, Z29, Z30, Z28)

// func dotWideQ4_0FourVNNI(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ4_0TwoVNNI over four runs of groups at once (group i of wA, wB,
// wC and wD into outA…outD, each as the one-run kernel computes it): four
// streams, as dotRowsQ8_0ZFour reads them, a 64-byte chunk of each in
// turn (W4_BLOCK); the activations are read once a block for the four.
// The runs' bytes are at the same offset SI of each, their outputs at DI. Before
// the first group it asks for the first q4FourAhead bytes of each stream,
// which the loop's prefetches do not cover.
TEXT ·dotWideQ4_0FourVNNI(SB), NOSPLIT, $0-104
	MOVQ wA+32(FP), R12
	MOVQ wB+40(FP), R13
	MOVQ wC+48(FP), R8
	MOVQ wD+56(FP), DX
	MOVQ groups+64(FP), CX
	TESTQ CX, CX
	JZ   w4done
	MOVQ nb+96(FP), BX
	TESTQ BX, BX
	JZ   w4done
	W_CONSTS
	FOUR_FIRST(PREFETCHNTA, q4FourAhead, w4first)
	XORQ SI, SI
	XORQ DI, DI
w4group:
	VXORPS Z0, Z0, Z0
	VXORPS Z16, Z16, Z16
	VXORPS Z12, Z12, Z12
	VXORPS Z28, Z28, Z28
	MOVQ   x+72(FP), R9
	MOVQ   bias+80(FP), R10
	MOVQ   d+88(FP), R11
	MOVQ   nb+96(FP), BX
w4block:
	W4_BLOCK
	ADDQ $288, SI
	ADDQ $34, R9
	ADDQ $4, R10
	ADDQ $4, R11
	DECQ BX
	JNZ  w4block
	MOVQ    outA+0(FP), AX
	VMOVUPS Z0, (AX)(DI*1)
	MOVQ    outB+8(FP), AX
	VMOVUPS Z16, (AX)(DI*1)
	MOVQ    outC+16(FP), AX
	VMOVUPS Z12, (AX)(DI*1)
	MOVQ    outD+24(FP), AX
	VMOVUPS Z28, (AX)(DI*1)
	ADDQ    $64, DI
	DECQ    CX
	JNZ     w4group
w4done:
	VZEROUPPER
	RET
