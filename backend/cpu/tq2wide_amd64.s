//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"

// Repacked TQ2_0 in groups of 16 rows (see tq2wide.go), 512-bit vectors:
// one lane a row. Per block a lane takes each chunk's four 2-bit fields
// in place (& 0x03, 0x0c, 0x30, 0xc0: the levels times 1, 4, 16, 64), each
// times four broadcast activation bytes of its elements (vpdpbusd) into a
// sum of its own; the four sums are brought back by arithmetic shifts
// (exact: every term is a multiple of the field's weight) and added to
// the one that started from the bias (−Σx). The block's integer sum is
// then converted, times d_w·d_x and fused into the row's accumulator,
// block after block: dotWideTQ2_0Generic's order. A Q8_K block is 292
// bytes, its quants from byte 4.

// TQ_MASKS: Z28-Z31 = the bytes 0x03, 0x0c, 0x30, 0xc0. Clobbers AX.
#define TQ_MASKS \
	MOVL         $0x03030303, AX; \
	VPBROADCASTD AX, Z28; \
	VPSLLD       $2, Z28, Z29; \
	VPSLLD       $4, Z28, Z30; \
	VPSLLD       $6, Z28, Z31

// TQ_FIELDS(w, f0, f1, f2): a chunk's four fields in place: w & 0x03 in
// f0, & 0x0c in f1, & 0x30 in f2, & 0xc0 in w.
#define TQ_FIELDS(w, f0, f1, f2) \
	VPANDD Z28, w, f0; \
	VPANDD Z29, w, f1; \
	VPANDD Z30, w, f2; \
	VPANDD Z31, w, w

// TQ_FIN(a1, a4, a16, a64): a1 += a4/4 + a16/16 + a64/64, the block's
// integer sums in a1. Clobbers a4, a16.
#define TQ_FIN(a1, a4, a16, a64) \
	VPSRAD $2, a4, a4; \
	VPSRAD $4, a16, a16; \
	VPSRAD $6, a64, a64; \
	VPADDD a4, a1, a1; \
	VPADDD a64, a16, a16; \
	VPADDD a16, a1, a1

// TQ_SCALE(w, s, bb, a, acc, t): a converted, times d_w (at s(w)(SI*1)) ·
// d_x (at bb(R11)) and fused into acc. Clobbers t.
#define TQ_SCALE(w, s, bb, a, acc, t) \
	VCVTDQ2PS   a, a; \
	VCVTPH2PS   s(w)(SI*1), t; \
	VMULPS.BCST bb(R11), t, t; \
	VFMADD231PS t, a, acc

// T1_CHUNK(LD, off, x): the one-run kernel's chunk at off (weights at AX,
// offset SI), its elements' activations from x(R9), into Z5-Z8.
#define T1_CHUNK(LD, off, x) \
	LD(AX, off, Z1, Y1); \
	TQ_FIELDS(Z1, Z2, Z3, Z4); \
	VPDPBUSD.BCST x(R9), Z2, Z5; \
	VPDPBUSD.BCST x+32(R9), Z3, Z6; \
	VPDPBUSD.BCST x+64(R9), Z4, Z7; \
	VPDPBUSD.BCST x+96(R9), Z1, Z8

// T1_EIGHT(LD, q, x): chunks q…q+448, elements' activations from x…x+28.
#define T1_EIGHT(LD, q, x) \
	T1_CHUNK(LD, q, x); \
	T1_CHUNK(LD, q+64, x+4); \
	T1_CHUNK(LD, q+128, x+8); \
	T1_CHUNK(LD, q+192, x+12); \
	T1_CHUNK(LD, q+256, x+16); \
	T1_CHUNK(LD, q+320, x+20); \
	T1_CHUNK(LD, q+384, x+24); \
	T1_CHUNK(LD, q+448, x+28)

// T1_BLOCK(LD, s, q, xb, bb): one block of the one-run kernel: scales at
// s, chunks from q, the Q8_K block at xb(R9), bias and d_x at bb(R10),
// bb(R11); float lanes Z0. Chunks 0-7 hold elements 0-31 (and +32, +64,
// +96), chunks 8-15 elements 128-159 (tq2Elem).
#define T1_BLOCK(LD, s, q, xb, bb) \
	VPBROADCASTD bb(R10), Z5; \
	VPXORD       Z6, Z6, Z6; \
	VPXORD       Z7, Z7, Z7; \
	VPXORD       Z8, Z8, Z8; \
	T1_EIGHT(LD, q, xb+4); \
	T1_EIGHT(LD, q+512, xb+132); \
	TQ_FIN(Z5, Z6, Z7, Z8); \
	TQ_SCALE(AX, s, bb, Z5, Z0, Z6)

// T1_TWO and T1_LAST: the one-run kernel's pair of blocks and odd last
// block (WIDE_ONE).
#define T1_TWO \
	T1_BLOCK(WIDE_LD, 0, 64, 0, 0); \
	T1_BLOCK(WIDE_LD, 32, 1088, 292, 4); \
	ADDQ $2112, SI; \
	ADDQ $584, R9; \
	ADDQ $8, R10; \
	ADDQ $8, R11
#define T1_LAST \
	T1_BLOCK(WIDE_LDY, 0, 32, 0, 0); \
	ADDQ $1056, SI

// func dotWideTQ2_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideTQ2_0VNNI(SB), NOSPLIT, $0-56
	WIDE_ONE(TQ_MASKS, T1_TWO, T1_LAST)

// The four-run kernel's registers: runs A, B, C and D (weights at R12,
// R13, R8 and DX, offset SI) keep their float sums in Z0, Z16, Z12 and
// Z24 and a block's four field sums in Z5-Z8, Z9-Z11 and Z13, Z14, Z15,
// Z21, Z22, and Z23, Z25, Z26, Z27; the masks are Z28-Z31.

// T4_PAIR(LD, wa, wb, off, x, a1, a4, a16, a64, b1, b4, b16, b64): the
// chunk at off of two runs (weights at wa, wb), times the activations from
// x(R9), into their sums. Clobbers Z1-Z4, Z17-Z20.
#define T4_PAIR(LD, wa, wb, off, x, a1, a4, a16, a64, b1, b4, b16, b64) \
	LD(wa, off, Z1, Y1); \
	LD(wb, off, Z17, Y17); \
	TQ_FIELDS(Z1, Z2, Z3, Z4); \
	TQ_FIELDS(Z17, Z18, Z19, Z20); \
	VPDPBUSD.BCST x(R9), Z2, a1; \
	VPDPBUSD.BCST x(R9), Z18, b1; \
	VPDPBUSD.BCST x+32(R9), Z3, a4; \
	VPDPBUSD.BCST x+32(R9), Z19, b4; \
	VPDPBUSD.BCST x+64(R9), Z4, a16; \
	VPDPBUSD.BCST x+64(R9), Z20, b16; \
	VPDPBUSD.BCST x+96(R9), Z1, a64; \
	VPDPBUSD.BCST x+96(R9), Z17, b64

// T4_CHUNK(LD, off, x): the chunk at off of the four runs.
#define T4_CHUNK(LD, off, x) \
	T4_PAIR(LD, R12, R13, off, x, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z13); \
	T4_PAIR(LD, R8, DX, off, x, Z14, Z15, Z21, Z22, Z23, Z25, Z26, Z27)

// T4_EIGHT(LD, q, x): chunks q…q+448 of the four runs.
#define T4_EIGHT(LD, q, x) \
	T4_CHUNK(LD, q, x); \
	T4_CHUNK(LD, q+64, x+4); \
	T4_CHUNK(LD, q+128, x+8); \
	T4_CHUNK(LD, q+192, x+12); \
	T4_CHUNK(LD, q+256, x+16); \
	T4_CHUNK(LD, q+320, x+20); \
	T4_CHUNK(LD, q+384, x+24); \
	T4_CHUNK(LD, q+448, x+28)

// T4_START(bb): the runs' first sums from the bias at bb(R10), the others
// from 0.
#define T4_START(bb) \
	VPBROADCASTD bb(R10), Z5; \
	VPBROADCASTD bb(R10), Z9; \
	VPBROADCASTD bb(R10), Z14; \
	VPBROADCASTD bb(R10), Z23; \
	VPXORD       Z6, Z6, Z6; \
	VPXORD       Z7, Z7, Z7; \
	VPXORD       Z8, Z8, Z8; \
	VPXORD       Z10, Z10, Z10; \
	VPXORD       Z11, Z11, Z11; \
	VPXORD       Z13, Z13, Z13; \
	VPXORD       Z15, Z15, Z15; \
	VPXORD       Z21, Z21, Z21; \
	VPXORD       Z22, Z22, Z22; \
	VPXORD       Z25, Z25, Z25; \
	VPXORD       Z26, Z26, Z26; \
	VPXORD       Z27, Z27, Z27

// T4_BLOCK(LD, s, q, xb, bb): one block of the four runs (scales at s,
// chunks from q, the Q8_K block at xb(R9), bias and d_x at bb(R10),
// bb(R11)).
#define T4_BLOCK(LD, s, q, xb, bb) \
	T4_START(bb); \
	T4_EIGHT(LD, q, xb+4); \
	T4_EIGHT(LD, q+512, xb+132); \
	TQ_FIN(Z5, Z6, Z7, Z8); \
	TQ_FIN(Z9, Z10, Z11, Z13); \
	TQ_FIN(Z14, Z15, Z21, Z22); \
	TQ_FIN(Z23, Z25, Z26, Z27); \
	TQ_SCALE(R12, s, bb, Z5, Z0, Z1); \
	TQ_SCALE(R13, s, bb, Z9, Z16, Z2); \
	TQ_SCALE(R8, s, bb, Z14, Z12, Z3); \
	TQ_SCALE(DX, s, bb, Z23, Z24, Z4)

// T4_TWO and T4_LAST: a pair of blocks of the four runs, and an odd last
// block (WIDE_FOUR).
#define T4_TWO \
	T4_BLOCK(WIDE_LD, 0, 64, 0, 0); \
	T4_BLOCK(WIDE_LD, 32, 1088, 292, 4); \
	ADDQ $2112, SI; \
	ADDQ $584, R9; \
	ADDQ $8, R10; \
	ADDQ $8, R11
#define T4_LAST \
	T4_BLOCK(WIDE_LDY, 0, 32, 0, 0); \
	ADDQ $1056, SI

// func dotWideTQ2_0FourVNNI(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideTQ2_0VNNI over four runs of groups at once (group i of wA, wB,
// wC and wD into outA…outD, each as the one-run kernel computes it): four
// streams, a chunk of each in turn, the activations read once for the
// four. It asks for no lines ahead (prefetcht0 2 KiB ahead, a line a
// chunk, made the 1.1B decode x0.95 as fast in process, session 21).
TEXT ·dotWideTQ2_0FourVNNI(SB), NOSPLIT, $0-104
	WIDE_FOUR(TQ_MASKS, T4_TWO, T4_LAST, Z0, Z16, Z12, Z24)

// The four-token kernel: a chunk's fields are unpacked once, shifted down
// (levels 0-2 in each byte), for the four tokens, whose sums (Z20-Z23,
// from their biases) then take all four fields. Token t's activations are
// at R9 + t·R10, its bias and d_x at R11, R12 + t·R13 (DX, AX and R8: at
// token 2's).

// TX_DOT(x, f): the tokens' sums += the field f times their four
// activation bytes at x.
#define TX_DOT(x, f) \
	VPDPBUSD.BCST x(R9), f, Z20; \
	VPDPBUSD.BCST x(R9)(R10*1), f, Z21; \
	VPDPBUSD.BCST x(DX), f, Z22; \
	VPDPBUSD.BCST x(DX)(R10*1), f, Z23

// TX_CHUNK(LD, off, x): the chunk at off(SI), its fields shifted down
// (& 0x03 after a shift by 0, 2, 4, 6), times the tokens' activations
// from x.
#define TX_CHUNK(LD, off, x) \
	LD(SI, off, Z1, Y1); \
	VPANDD Z28, Z1, Z2; \
	VPSRLW $2, Z1, Z3; \
	VPSRLW $4, Z1, Z4; \
	VPSRLW $6, Z1, Z1; \
	VPANDD Z28, Z3, Z3; \
	VPANDD Z28, Z4, Z4; \
	VPANDD Z28, Z1, Z1; \
	TX_DOT(x, Z2); \
	TX_DOT(x+32, Z3); \
	TX_DOT(x+64, Z4); \
	TX_DOT(x+96, Z1)

// TX_EIGHT(LD, q, x): chunks q…q+448.
#define TX_EIGHT(LD, q, x) \
	TX_CHUNK(LD, q, x); \
	TX_CHUNK(LD, q+64, x+4); \
	TX_CHUNK(LD, q+128, x+8); \
	TX_CHUNK(LD, q+192, x+12); \
	TX_CHUNK(LD, q+256, x+16); \
	TX_CHUNK(LD, q+320, x+20); \
	TX_CHUNK(LD, q+384, x+24); \
	TX_CHUNK(LD, q+448, x+28)

// TX_FUSE(a, dx, acc): token sum a converted, times d_w (Z13) · d_x (at
// dx) and fused into acc. Clobbers a, Z2.
#define TX_FUSE(a, dx, acc) \
	VCVTDQ2PS   a, a; \
	VMULPS.BCST dx, Z13, Z2; \
	VFMADD231PS Z2, a, acc

// TX_BLOCK(LD, s, q): a block for the four tokens: scales at s(SI),
// chunks from q(SI); each token's sum fused into Z16+t.
#define TX_BLOCK(LD, s, q) \
	LEAQ         (R9)(R10*2), DX; \
	LEAQ         (R11)(R13*2), AX; \
	LEAQ         (R12)(R13*2), R8; \
	VPBROADCASTD (R11), Z20; \
	VPBROADCASTD (R11)(R13*1), Z21; \
	VPBROADCASTD (AX), Z22; \
	VPBROADCASTD (AX)(R13*1), Z23; \
	TX_EIGHT(LD, q, 4); \
	TX_EIGHT(LD, q+512, 132); \
	VCVTPH2PS    s(SI), Z13; \
	TX_FUSE(Z20, (R12), Z16); \
	TX_FUSE(Z21, (R12)(R13*1), Z17); \
	TX_FUSE(Z22, (R8), Z18); \
	TX_FUSE(Z23, (R8)(R13*1), Z19)

// TX_NEXT moves R9, R11 and R12 to the tokens' next block.
#define TX_NEXT \
	ADDQ $292, R9; \
	ADDQ $4, R11; \
	ADDQ $4, R12

// TX_TWO and TX_LAST: a pair of blocks for the four tokens, and an odd
// last block (WIDE_X4); TX_MASK: Z28 = 0x03 bytes. Clobbers AX.
#define TX_TWO \
	TX_BLOCK(WIDE_LD0, 0, 64); \
	TX_NEXT; \
	TX_BLOCK(WIDE_LD0, 32, 1088); \
	TX_NEXT; \
	ADDQ $2112, SI
#define TX_LAST \
	TX_BLOCK(WIDE_LDY0, 0, 32); \
	ADDQ $1056, SI
#define TX_MASK \
	MOVL         $0x03030303, AX; \
	VPBROADCASTD AX, Z28

// func dotWideTQ2_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens at once (prefill), as dotWideQ4_0x4VNNI takes them: each
// token's outputs as the one-token kernel computes them.
TEXT ·dotWideTQ2_0x4VNNI(SB), NOSPLIT, $0-80
	WIDE_X4(TX_MASK, TX_TWO, TX_LAST)
