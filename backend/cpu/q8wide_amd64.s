//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"

// Repacked Q8_0 in groups of 16 rows (see q8wide.go), 512-bit vectors: one
// lane a row. Per block a lane starts from bias (-128·Σx) and takes the
// weights (stored +128, unsigned) times their activations, four bytes at a
// time (vpdpbusd, the activations broadcast): chunks 0, 2, 4, 6 into one
// sum and 1, 3, 5, 7 into another, added at the end of the block, so
// that two chains of vpdpbusd run side by side. The block's integer sum is
// then converted, times d_w·d_x and fused into the row's accumulator,
// block after block: dotWideQ8_0Generic's order.

// V8FIN(w, s, bb, lo, hi, acc, t): lo += hi, converted, times d_w (at
// s(w)(SI*1), sixteen halves) · d_x (at bb(R11)) and fused into acc.
// Clobbers t.
#define V8FIN(w, s, bb, lo, hi, acc, t) \
	VPADDD      hi, lo, lo; \
	VCVTDQ2PS   lo, lo; \
	VCVTPH2PS   s(w)(SI*1), t; \
	VMULPS.BCST bb(R11), t, t; \
	VFMADD231PS t, lo, acc

// V1_BLOCK(LD, s, q, xb, bb): one block of the one-run kernel (weights at
// AX, offset SI): scales at s, chunks from q, the activations' Q8_0 block
// at xb(R9), bias and d_x at bb(R10), bb(R11); float lanes Z0.
#define V1_BLOCK(LD, s, q, xb, bb) \
	VPBROADCASTD  bb(R10), Z5; \
	VPXORD        Z9, Z9, Z9; \
	LD(AX, q, Z1, Y1); \
	LD(AX, q+64, Z2, Y2); \
	LD(AX, q+128, Z3, Y3); \
	LD(AX, q+192, Z4, Y4); \
	VPDPBUSD.BCST xb+2(R9), Z1, Z5; \
	VPDPBUSD.BCST xb+6(R9), Z2, Z9; \
	VPDPBUSD.BCST xb+10(R9), Z3, Z5; \
	VPDPBUSD.BCST xb+14(R9), Z4, Z9; \
	LD(AX, q+256, Z1, Y1); \
	LD(AX, q+320, Z2, Y2); \
	LD(AX, q+384, Z3, Y3); \
	LD(AX, q+448, Z4, Y4); \
	VPDPBUSD.BCST xb+18(R9), Z1, Z5; \
	VPDPBUSD.BCST xb+22(R9), Z2, Z9; \
	VPDPBUSD.BCST xb+26(R9), Z3, Z5; \
	VPDPBUSD.BCST xb+30(R9), Z4, Z9; \
	V8FIN(AX, s, bb, Z5, Z9, Z0, Z6)

// V1_TWO and V1_LAST: the one-run kernel's pair of blocks and odd last
// block (WIDE_ONE); V8_NONE: the Q8_0 kernels' constants (none).
#define V1_TWO \
	V1_BLOCK(WIDE_LD, 0, 64, 0, 0); \
	V1_BLOCK(WIDE_LD, 32, 576, 34, 4); \
	ADDQ $1088, SI; \
	ADDQ $68, R9; \
	ADDQ $8, R10; \
	ADDQ $8, R11
#define V1_LAST \
	V1_BLOCK(WIDE_LDY, 0, 32, 0, 0); \
	ADDQ $544, SI
#define V8_NONE

// func dotWideQ8_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideQ8_0VNNI(SB), NOSPLIT, $0-56
	WIDE_ONE(V8_NONE, V1_TWO, V1_LAST)

// The four-run kernel's registers: runs A, B, C and D (weights at R12,
// R13, R8 and DX, offset SI) keep their float sums in Z0, Z16, Z12 and
// Z28, a block's sums of even chunks in Z5, Z21, Z13 and Z29 and of odd
// chunks in Z9, Z25, Z14 and Z30.

// V4_CHUNK(LD, off, xoff, a, b, c, d): the 64-byte chunk at off of the
// four runs times the activation bytes at xoff(R9), added to sums a-d.
// Clobbers Z1-Z4.
#define V4_CHUNK(LD, off, xoff, a, b, c, d) \
	LD(R12, off, Z1, Y1); \
	LD(R13, off, Z2, Y2); \
	LD(R8, off, Z3, Y3); \
	LD(DX, off, Z4, Y4); \
	VPDPBUSD.BCST xoff(R9), Z1, a; \
	VPDPBUSD.BCST xoff(R9), Z2, b; \
	VPDPBUSD.BCST xoff(R9), Z3, c; \
	VPDPBUSD.BCST xoff(R9), Z4, d

#define V4_EVEN(LD, off, xoff) \
	V4_CHUNK(LD, off, xoff, Z5, Z21, Z13, Z29)
#define V4_ODD(LD, off, xoff) \
	V4_CHUNK(LD, off, xoff, Z9, Z25, Z14, Z30)

// V4_BLOCK(LD, s, q, xb, bb): one block of the four runs (scales at s,
// chunks from q, activations at xb(R9), bias and d_x at bb(R10),
// bb(R11)), a chunk of all four at a time.
#define V4_BLOCK(LD, s, q, xb, bb) \
	VPBROADCASTD bb(R10), Z5; \
	VPBROADCASTD bb(R10), Z21; \
	VPBROADCASTD bb(R10), Z13; \
	VPBROADCASTD bb(R10), Z29; \
	VPXORD       Z9, Z9, Z9; \
	VPXORD       Z25, Z25, Z25; \
	VPXORD       Z14, Z14, Z14; \
	VPXORD       Z30, Z30, Z30; \
	V4_EVEN(LD, q, xb+2); \
	V4_ODD(LD, q+64, xb+6); \
	V4_EVEN(LD, q+128, xb+10); \
	V4_ODD(LD, q+192, xb+14); \
	V4_EVEN(LD, q+256, xb+18); \
	V4_ODD(LD, q+320, xb+22); \
	V4_EVEN(LD, q+384, xb+26); \
	V4_ODD(LD, q+448, xb+30); \
	V8FIN(R12, s, bb, Z5, Z9, Z0, Z1); \
	V8FIN(R13, s, bb, Z21, Z25, Z16, Z2); \
	V8FIN(R8, s, bb, Z13, Z14, Z12, Z3); \
	V8FIN(DX, s, bb, Z29, Z30, Z28, Z4)

// V4_TWO and V4_LAST: a pair of blocks of the four runs, and an odd last
// block (WIDE_FOUR).
#define V4_TWO \
	V4_BLOCK(WIDE_LD, 0, 64, 0, 0); \
	V4_BLOCK(WIDE_LD, 32, 576, 34, 4); \
	ADDQ $1088, SI; \
	ADDQ $68, R9; \
	ADDQ $8, R10; \
	ADDQ $8, R11
#define V4_LAST \
	V4_BLOCK(WIDE_LDY, 0, 32, 0, 0); \
	ADDQ $544, SI

// func dotWideQ8_0FourVNNI(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ8_0VNNI over four runs of groups at once (group i of wA, wB, wC
// and wD into outA…outD, each as the one-run kernel computes it): four
// streams, a chunk of each in turn, the activations read once for the
// four. The runs' bytes are at the same offset SI of each, their outputs
// at DI. It asks for no lines ahead (prefetcht0 2 KiB ahead, a line a
// chunk, made the 1.1B decode x0.97-0.99 as fast in process, session 21):
// the hardware prefetchers keep up with four sequential streams.
TEXT ·dotWideQ8_0FourVNNI(SB), NOSPLIT, $0-104
	WIDE_FOUR(V8_NONE, V4_TWO, V4_LAST, Z0, Z16, Z12, Z28)

// VX4_BLOCK(LD, s, q): a block for the four tokens (Q4X4_DOTS, which takes
// chunks 0-3 against activation bytes 0-15 and 4-7 against 16-31 as it
// takes Q4_0's low and high nibbles): its scales at s(SI) and chunks from
// q(SI), d_w (Z13), each token's lanes fused into Z16+t. R9, R11 and R12
// are token 0's activations, bias and d_x.
#define VX4_BLOCK(LD, s, q) \
	LD(SI, q, Z1, Y1); \
	LD(SI, q+256, Z2, Y2); \
	LD(SI, q+64, Z3, Y3); \
	LD(SI, q+320, Z4, Y4); \
	LD(SI, q+128, Z5, Y5); \
	LD(SI, q+384, Z6, Y6); \
	LD(SI, q+192, Z7, Y7); \
	LD(SI, q+448, Z8, Y8); \
	VCVTPH2PS s(SI), Z13; \
	Q4X4_DOTS(Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27); \
	Q4X4_FUSE(Z20, Z21, (R12), Z13, Z16); \
	Q4X4_FUSE(Z22, Z23, (R12)(R13*1), Z13, Z17); \
	Q4X4_FUSE(Z24, Z25, (R8), Z13, Z18); \
	Q4X4_FUSE(Z26, Z27, (R8)(R13*1), Z13, Z19)

// VX4_NEXT moves R9, R11 and R12 to the tokens' next block.
#define VX4_NEXT \
	ADDQ $34, R9; \
	ADDQ $4, R11; \
	ADDQ $4, R12

// VX4_TWO and VX4_LAST: a pair of blocks for the four tokens, and an odd
// last block (WIDE_X4).
#define VX4_TWO \
	VX4_BLOCK(WIDE_LD0, 0, 64); \
	VX4_NEXT; \
	VX4_BLOCK(WIDE_LD0, 32, 576); \
	VX4_NEXT; \
	ADDQ $1088, SI
#define VX4_LAST \
	VX4_BLOCK(WIDE_LDY0, 0, 32); \
	ADDQ $544, SI

// func dotWideQ8_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens at once (prefill), as dotWideQ4_0x4VNNI takes them: each
// token's outputs as the one-token kernel computes them.
TEXT ·dotWideQ8_0x4VNNI(SB), NOSPLIT, $0-80
	WIDE_X4(V8_NONE, VX4_TWO, VX4_LAST)
