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

// WNIBY is WNIB with two 256-bit loads (y is hi's lower half), for an odd
// last block, whose chunks start 32 bytes into a cache line: a 512-bit
// load across two lines cost the one-token kernel a third of its speed in
// cache (54–67 → 83–94 GB/s on one Zen 5 core).
#define WNIBY(off, lo, hi, y) \
	VMOVDQU32    off(SI), y; \
	VINSERTI64X4 $1, off+32(SI), hi, hi; \
	VPANDD       Z15, hi, lo; \
	VPXORD       lo, hi, hi

// WNIBB and WNIBBY are WNIB and WNIBY with the weights at base instead of
// SI.
#define WNIBB(base, off, lo, hi) \
	VMOVDQU32 off(base), hi; \
	VPANDD    Z15, hi, lo; \
	VPXORD    lo, hi, hi
#define WNIBBY(base, off, lo, hi, y) \
	VMOVDQU32    off(base), y; \
	VINSERTI64X4 $1, off+32(base), hi, hi; \
	VPANDD       Z15, hi, lo; \
	VPXORD       lo, hi, hi

// WBLOCK(START, NIB, DOT, FIN, s, q, xb, bb): one block of the one-token
// kernel for one run of groups (run A: weights at SI, low sums Z5, high
// sums Z9, float lanes Z0) or two (run B beside it: weights at R14,
// registers A's + 16): its scales at s and its chunks from q (bytes from
// SI, R14), its activations' Q8_0 block at xb(R9), bias at bb(R10) and d_x
// at bb(R11). The steps below name both runs' registers and the W1_ or
// W2_ forms emit run A's instructions or A's then B's.
#define WBLOCK(START, NIB, DOT, FIN, s, q, xb, bb) \
	START(bb); \
	NIB(q, Z1, Z2, Y2, Z17, Z18, Y18); \
	NIB(q+64, Z3, Z4, Y4, Z19, Z20, Y20); \
	DOT(xb+2, Z1, Z5, Z17, Z21); \
	DOT(xb+18, Z2, Z9, Z18, Z25); \
	DOT(xb+6, Z3, Z5, Z19, Z21); \
	DOT(xb+22, Z4, Z9, Z20, Z25); \
	NIB(q+128, Z6, Z7, Y7, Z22, Z23, Y23); \
	NIB(q+192, Z10, Z11, Y11, Z26, Z27, Y27); \
	DOT(xb+10, Z6, Z5, Z22, Z21); \
	DOT(xb+26, Z7, Z9, Z23, Z25); \
	DOT(xb+14, Z10, Z5, Z26, Z21); \
	DOT(xb+30, Z11, Z9, Z27, Z25); \
	FIN(s, bb)

// W1_START and W2_START(bb): the low sums from the bias at bb(R10), the
// high sums from 0.
#define W1_START(bb) \
	VPBROADCASTD bb(R10), Z5; \
	VPXORD       Z9, Z9, Z9
#define W2_START(bb) \
	W1_START(bb); \
	VPBROADCASTD bb(R10), Z21; \
	VPXORD       Z25, Z25, Z25

// W1_NIB, W2_NIB (aligned chunks: WNIB) and W1_NIBY, W2_NIBY (an odd last
// block's: WNIBY)(off, lo, hi, y, lob, hib, yb): the chunk at off
// unpacked (run B's from R14).
#define W1_NIB(off, lo, hi, y, lob, hib, yb) \
	WNIB(off, lo, hi)
#define W2_NIB(off, lo, hi, y, lob, hib, yb) \
	WNIB(off, lo, hi); \
	WNIBB(R14, off, lob, hib)
#define W1_NIBY(off, lo, hi, y, lob, hib, yb) \
	WNIBY(off, lo, hi, y)
#define W2_NIBY(off, lo, hi, y, lob, hib, yb) \
	WNIBY(off, lo, hi, y); \
	WNIBBY(R14, off, lob, hib, yb)

// W1_DOT and W2_DOT(xoff, w, acc, wb, accb): acc += the nibbles w times
// the four activation bytes at xoff(R9), broadcast.
#define W1_DOT(xoff, w, acc, wb, accb) \
	VPDPBUSD.BCST xoff(R9), w, acc
#define W2_DOT(xoff, w, acc, wb, accb) \
	W1_DOT(xoff, w, acc, wb, accb); \
	VPDPBUSD.BCST xoff(R9), wb, accb

// W1_FIN and W2_FIN(s, bb): low sums += high sums/16, converted, times d_w
// (at s(SI), sixteen halves; run B's at s(R14)) · d_x (at bb(R11)) and
// fused into Z0 (run B: Z16); the two runs' steps interleaved.
#define W1_FIN(s, bb) \
	VPSRAD      $4, Z9, Z9; \
	VPADDD      Z9, Z5, Z5; \
	VCVTDQ2PS   Z5, Z5; \
	VCVTPH2PS   s(SI), Z6; \
	VMULPS.BCST bb(R11), Z6, Z6; \
	VFMADD231PS Z6, Z5, Z0
#define W2_FIN(s, bb) \
	VPSRAD      $4, Z9, Z9; \
	VPSRAD      $4, Z25, Z25; \
	VPADDD      Z9, Z5, Z5; \
	VPADDD      Z25, Z21, Z21; \
	VCVTDQ2PS   Z5, Z5; \
	VCVTDQ2PS   Z21, Z21; \
	VCVTPH2PS   s(SI), Z6; \
	VCVTPH2PS   s(R14), Z22; \
	VMULPS.BCST bb(R11), Z6, Z6; \
	VMULPS.BCST bb(R11), Z22, Z22; \
	VFMADD231PS Z6, Z5, Z0; \
	VFMADD231PS Z22, Z21, Z16

// W_CONSTS: Z15 = 0x0f bytes. Clobbers AX.
#define W_CONSTS \
	MOVL         $0x0f0f0f0f, AX; \
	VPBROADCASTD AX, Z15

// WPAIRS(PAIR, ODD, next, last, done): a group's blocks, SI (and R14) at
// its first: PAIR on each pair of blocks (576 bytes; R9, R10 and R11 at
// the first's activations), then ODD on an odd last block (288 bytes);
// SI, R9, R10, R11 (and R14, with two runs) are left past the group. nb
// is in DX; BX counts the pairs. next, last and done label the loop, the
// odd block and the end.
#define WPAIRS(PAIR, ODD, next, last, done) \
	MOVQ DX, BX; \
	SHRQ $1, BX; \
	JZ   last; \
next: \
	PAIR; \
	ADDQ $68, R9; \
	ADDQ $8, R10; \
	ADDQ $8, R11; \
	DECQ BX; \
	JNZ  next; \
last: \
	TESTQ $1, DX; \
	JZ    done; \
	ODD; \
done:

// W1_PAIR and W1_ODD: the one-run kernel's pair of blocks and odd block.
#define W1_PAIR \
	WBLOCK(W1_START, W1_NIB, W1_DOT, W1_FIN, 0, 64, 0, 0); \
	WBLOCK(W1_START, W1_NIB, W1_DOT, W1_FIN, 32, 320, 34, 4); \
	ADDQ $576, SI
#define W1_ODD \
	WBLOCK(W1_START, W1_NIBY, W1_DOT, W1_FIN, 0, 32, 0, 0); \
	ADDQ $288, SI

// func dotWideQ4_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideQ4_0VNNI(SB), NOSPLIT, $0-56
	MOVQ  out+0(FP), DI
	MOVQ  w+8(FP), SI
	MOVQ  groups+16(FP), CX
	MOVQ  x+24(FP), R8
	MOVQ  bias+32(FP), R12
	MOVQ  d+40(FP), R13
	MOVQ  nb+48(FP), DX
	TESTQ CX, CX
	JZ    w1done
	TESTQ DX, DX
	JZ    w1done
	W_CONSTS
w1group:
	VXORPS Z0, Z0, Z0
	MOVQ   R8, R9
	MOVQ   R12, R10
	MOVQ   R13, R11
	WPAIRS(W1_PAIR, W1_ODD, w1pair, w1odd, w1end)
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
	VPSRAD $4, hi, hi; \
	Q4X4_FUSE(lo, hi, dx, Z13, acc)

// WX4_BLOCK(NIB, s, q): a block for the four tokens (Q4X4_DOTS): its
// scales at s(SI) and chunks from q(SI) (NIB: WX4_NIB, or WX4_NIBY for an
// odd last block), all its nibbles (Z1-Z8), d_w (Z13), each token's lanes
// (Z20+2t low, Z21+2t high) fused into Z16+t. R9, R11 and R12 are token
// 0's activations, bias and d_x.
#define WX4_BLOCK(NIB, s, q) \
	NIB(q, Z1, Z2, Y2); \
	NIB(q+64, Z3, Z4, Y4); \
	NIB(q+128, Z5, Z6, Y6); \
	NIB(q+192, Z7, Z8, Y8); \
	VCVTPH2PS s(SI), Z13; \
	Q4X4_DOTS(Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27); \
	WTOK(Z20, Z21, (R12), Z16); \
	WTOK(Z22, Z23, (R12)(R13*1), Z17); \
	WTOK(Z24, Z25, (R8), Z18); \
	WTOK(Z26, Z27, (R8)(R13*1), Z19)
#define WX4_NIB(off, lo, hi, y) \
	WNIB(off, lo, hi)
#define WX4_NIBY(off, lo, hi, y) \
	WNIBY(off, lo, hi, y)

// WX4_NEXT moves R9, R11 and R12 to the tokens' next block.
#define WX4_NEXT \
	ADDQ $34, R9; \
	ADDQ $4, R11; \
	ADDQ $4, R12

// WX4_TWO and WX4_LAST: a pair of blocks for the four tokens, and an odd
// last block (WIDE_X4).
#define WX4_TWO \
	WX4_BLOCK(WX4_NIB, 0, 64); \
	WX4_NEXT; \
	WX4_BLOCK(WX4_NIB, 32, 320); \
	WX4_NEXT; \
	ADDQ $576, SI
#define WX4_LAST \
	WX4_BLOCK(WX4_NIBY, 0, 32); \
	ADDQ $288, SI

// func dotWideQ4_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens at once (prefill): token t's activations are at x+t·xstride,
// bias+t·bstride, d+t·bstride; its outputs at out+t·ostride (strides in
// bytes). The block's weights are unpacked once for the four tokens, each
// with its own accumulator, as the one-token kernel computes it; blocks
// go in pairs, as WPAIRS takes them.
TEXT ·dotWideQ4_0x4VNNI(SB), NOSPLIT, $0-80
	WIDE_X4(W_CONSTS, WX4_TWO, WX4_LAST)

// q4Ahead is how far ahead of each run the two-run kernel asks for its
// weights (prefetcht0, a line at a time: nine a 576-byte pair of blocks). A
// one-token product's pieces are short streams (a 2048×2048 matrix is
// 2.4 MB, cut in pieces of 64 KiB and more), and the hardware prefetchers
// take a while to reach each new one: asking 2 KiB ahead made the
// device's 2048-row products 1.04-1.12× faster (8192 rows 0.99-1.03×),
// the model's one-token products 1.03-1.07× (bench/cpu-12-14.md, session 12).
#define q4Ahead 2048

// W2_PF(line) asks for line (a byte offset from SI and R14) of both runs
// q4Ahead ahead.
#define W2_PF(line) \
	PREFETCHT0 q4Ahead+line(SI); \
	PREFETCHT0 q4Ahead+line(R14)

// W2_PAIR and W2_ODD: the two-run kernel's pair of blocks and odd block,
// each after asking for its lines q4Ahead ahead.
#define W2_PAIR \
	W2_PF(0); \
	W2_PF(64); \
	W2_PF(128); \
	W2_PF(192); \
	W2_PF(256); \
	WBLOCK(W2_START, W2_NIB, W2_DOT, W2_FIN, 0, 64, 0, 0); \
	W2_PF(320); \
	W2_PF(384); \
	W2_PF(448); \
	W2_PF(512); \
	WBLOCK(W2_START, W2_NIB, W2_DOT, W2_FIN, 32, 320, 34, 4); \
	ADDQ $576, SI; \
	ADDQ $576, R14
#define W2_ODD \
	W2_PF(0); \
	W2_PF(64); \
	W2_PF(128); \
	W2_PF(192); \
	W2_PF(256); \
	WBLOCK(W2_START, W2_NIBY, W2_DOT, W2_FIN, 0, 32, 0, 0); \
	ADDQ $288, SI; \
	ADDQ $288, R14

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
	WPAIRS(W2_PAIR, W2_ODD, w2pair, w2odd, w2end)
	VMOVUPS Z0, (DI)
	VMOVUPS Z16, (R15)
	ADDQ    $64, DI
	ADDQ    $64, R15
	DECQ    CX
	JNZ     w2group
w2done:
	VZEROUPPER
	RET

// WNIBX and WNIBXY are WNIBB and WNIBBY with the weights at
// off(base)(SI*1).
#define WNIBX(base, off, lo, hi, y) \
	VMOVDQU32 off(base)(SI*1), hi; \
	VPANDD    Z15, hi, lo; \
	VPXORD    lo, hi, hi
#define WNIBXY(base, off, lo, hi, y) \
	VMOVDQU32    off(base)(SI*1), y; \
	VINSERTI64X4 $1, off+32(base)(SI*1), hi, hi; \
	VPANDD       Z15, hi, lo; \
	VPXORD       lo, hi, hi

// The four-run kernel's registers: runs A, B, C and D (weights at R12,
// R13, R8 and DX, offset SI) keep their float sums in Z0, Z16, Z12 and
// Z28, a block's low-nibble sums in Z5, Z21, Z13 and Z29 and its
// high-nibble sums in Z9, Z25, Z14 and Z30.

// W4_START(bb): the low sums from the bias at bb(R10), the high sums from
// 0.
#define W4_START(bb) \
	VPBROADCASTD bb(R10), Z5; \
	VPBROADCASTD bb(R10), Z21; \
	VPBROADCASTD bb(R10), Z13; \
	VPBROADCASTD bb(R10), Z29; \
	VPXORD       Z9, Z9, Z9; \
	VPXORD       Z25, Z25, Z25; \
	VPXORD       Z14, Z14, Z14; \
	VPXORD       Z30, Z30, Z30

// W4_CHUNK(NIB, off, xlo, xhi): the 64-byte chunk at off of the four runs,
// unpacked (NIB: WNIBX, or WNIBXY in an odd last block) and its low and
// high nibbles times the activation bytes at xlo and xhi(R9) added to the
// sums. Clobbers Z1-Z4, Z17-Z20.
#define W4_CHUNK(NIB, off, xlo, xhi) \
	NIB(R12, off, Z1, Z2, Y2); \
	NIB(R13, off, Z17, Z18, Y18); \
	NIB(R8, off, Z3, Z4, Y4); \
	NIB(DX, off, Z19, Z20, Y20); \
	VPDPBUSD.BCST xlo(R9), Z1, Z5; \
	VPDPBUSD.BCST xlo(R9), Z17, Z21; \
	VPDPBUSD.BCST xlo(R9), Z3, Z13; \
	VPDPBUSD.BCST xlo(R9), Z19, Z29; \
	VPDPBUSD.BCST xhi(R9), Z2, Z9; \
	VPDPBUSD.BCST xhi(R9), Z18, Z25; \
	VPDPBUSD.BCST xhi(R9), Z4, Z14; \
	VPDPBUSD.BCST xhi(R9), Z20, Z30

// W4_FIN(w, s, bb, lo, hi, acc): W1_FIN for one run (scales at s(w)(SI*1),
// d_x at bb(R11), sums lo and hi, float sums acc). Clobbers Z1.
#define W4_FIN(w, s, bb, lo, hi, acc) \
	VPSRAD      $4, hi, hi; \
	VPADDD      hi, lo, lo; \
	VCVTDQ2PS   lo, lo; \
	VCVTPH2PS   s(w)(SI*1), Z1; \
	VMULPS.BCST bb(R11), Z1, Z1; \
	VFMADD231PS Z1, lo, acc

// W4_BLOCK(NIB, s, q, xb, bb): one block of the four runs (scales at s,
// chunks from q, activations at xb(R9), bias and d_x at bb(R10),
// bb(R11)), a 64-byte chunk of all four at a time. Taking runs A and B's
// whole block, then C and D's, ran a 1.1B decode step's products
// x0.97-0.98 as fast (bench/cpu.md, session 18).
#define W4_BLOCK(NIB, s, q, xb, bb) \
	W4_START(bb); \
	W4_CHUNK(NIB, q, xb+2, xb+18); \
	W4_CHUNK(NIB, q+64, xb+6, xb+22); \
	W4_CHUNK(NIB, q+128, xb+10, xb+26); \
	W4_CHUNK(NIB, q+192, xb+14, xb+30); \
	W4_FIN(R12, s, bb, Z5, Z9, Z0); \
	W4_FIN(R13, s, bb, Z21, Z25, Z16); \
	W4_FIN(R8, s, bb, Z13, Z14, Z12); \
	W4_FIN(DX, s, bb, Z29, Z30, Z28)

// W4_TWO and W4_LAST: a pair of blocks of the four runs, and an odd last
// block (WIDE_FOUR).
#define W4_TWO \
	W4_BLOCK(WNIBX, 0, 64, 0, 0); \
	W4_BLOCK(WNIBX, 32, 320, 34, 4); \
	ADDQ $576, SI; \
	ADDQ $68, R9; \
	ADDQ $8, R10; \
	ADDQ $8, R11
#define W4_LAST \
	W4_BLOCK(WNIBXY, 0, 32, 0, 0); \
	ADDQ $288, SI

// func dotWideQ4_0FourVNNI(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ4_0TwoVNNI over four runs of groups at once (group i of wA, wB,
// wC and wD into outA…outD, each as the one-run kernel computes it): four
// streams, as dotRowsQ8_0ZFour reads them, a 64-byte chunk of each in
// turn (W4_BLOCK); the activations are read once a block for the four.
// The runs' bytes are at the same offset SI of each, their outputs at DI.
// It asks for no lines ahead: sessions 12-19 tuned requests 1.5 KiB ahead
// (x1.01-1.06 on unpaired blocks), but with every chunk one aligned load
// the 1.1B decode ran x1.025-1.042 as fast without them (6 of 6 in
// process, session 21): the hardware prefetchers keep up with four
// sequential streams.
TEXT ·dotWideQ4_0FourVNNI(SB), NOSPLIT, $0-104
	WIDE_FOUR(W_CONSTS, W4_TWO, W4_LAST, Z0, Z16, Z12, Z28)
