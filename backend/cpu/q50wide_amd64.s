//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"
#include "lanes_amd64.h"

// Repacked Q5_0 in groups of 16 rows (see q50wide.go), 512-bit vectors:
// one lane a row. A block is 352 bytes: d at 0, then from 32 a run of 80
// bytes for each chunk c, its two masks of fifth bits (elements 4c… and
// 16+4c…) and its 64 bytes of nibbles. A Q8_0 block is 34 bytes, its
// quants from byte 2; the records hold −16·Σx over each of a block's 8
// lanes.

// Q50_LEVELS(m, c): chunk c's levels of the block at m into Z24, Z25.
#define Q50_LEVELS(m, c) K5_LEVELS(48+80*c m, 32+80*c m, 40+80*c m)

// Q50_CHUNK(w, c, A, B): chunk c of the block at w (offset SI), lanes c
// and c+4, into A and B (activations at R9, records at R10, d·d_x in Z9).
#define Q50_CHUNK(w, c, A, B) \
	Q50_LEVELS((w)(SI*1), c); \
	L32_DOT(L32_BIAS, 4*c(R10), 16+4*c(R10), 2+4*c(R9), 18+4*c(R9), Z9, A, B, Z26, Z27)

// Q50_RUN(w, A0, …, A7): one block of one run into the lanes A0-A7 (d_x
// at (R11)). Clobbers Z9, Z24-Z27, K1, K2.
#define Q50_RUN(w, A0, A1, A2, A3, A4, A5, A6, A7) \
	VCVTPH2PS   (w)(SI*1), Z9; \
	VMULPS.BCST (R11), Z9, Z9; \
	Q50_CHUNK(w, 0, A0, A4); \
	Q50_CHUNK(w, 1, A1, A5); \
	Q50_CHUNK(w, 2, A2, A6); \
	Q50_CHUNK(w, 3, A3, A7)

// Q50_NEXT: the one-token kernels past a block.
#define Q50_NEXT \
	ADDQ $352, SI; \
	ADDQ $34, R9; \
	ADDQ $32, R10; \
	ADDQ $4, R11

// The one-token kernels' steps (WIDE_GROUPS, WIDE_TWO): a group's lanes
// cleared, a block (or two) and past it, and the sums stored.
#define Q50_GROUP1 L8_ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
#define Q50_BLOCK1 \
	Q50_RUN(AX, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	Q50_NEXT
#define Q50_PAIR1 \
	Q50_BLOCK1; \
	Q50_BLOCK1
#define Q50_END1 \
	L8_HSUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	VMOVUPS Z0, (DI)
#define Q50_GROUP2 \
	Q50_GROUP1; \
	L8_ZERO(Z10, Z11, Z12, Z13, Z14, Z16, Z17, Z18)
#define Q50_BLOCK2 \
	Q50_RUN(R12, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	Q50_RUN(R13, Z10, Z11, Z12, Z13, Z14, Z16, Z17, Z18)
#define Q50_END2 \
	Q50_END1; \
	L8_HSUM(Z10, Z11, Z12, Z13, Z14, Z16, Z17, Z18); \
	VMOVUPS Z10, (R15)

// func dotWideQ5_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideQ5_0VNNI(SB), NOSPLIT, $0-56
	WIDE_GROUPS(K5_CONSTS, Q50_GROUP1, Q50_PAIR1, Q50_BLOCK1, Q50_END1)

// func dotWideQ5_0TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ5_0VNNI over two runs of groups at once (group i of wA beside
// group i of wB, each as the one-run kernel computes it): two streams, a
// block of each in turn.
TEXT ·dotWideQ5_0TwoVNNI(SB), NOSPLIT, $0-72
	WIDE_TWO(K5_CONSTS, Q50_GROUP2, Q50_BLOCK2, Q50_NEXT, Q50_END2)

// The four-token kernel's steps (L32_X4): the pair's lanes are Z0-Z7 and
// Z8-Z14, Z16; d_w·d_x in Z17 and Z18.

// Q50X_CHUNK(c, A, B, C, E): chunk c (at SI) into the pair's lanes c and
// c+4: A and B for the first token, C and E for the second.
#define Q50X_CHUNK(c, A, B, C, E) \
	Q50_LEVELS((SI), c); \
	L32_DOT(L32_BIAS, 4*c(R11), 16+4*c(R11), 2+4*c(R9), 18+4*c(R9), Z17, A, B, Z26, Z27); \
	L32_DOT(L32_BIAS, 4*c(R11)(R13*1), 16+4*c(R11)(R13*1), 2+4*c(R9)(R10*1), 18+4*c(R9)(R10*1), Z18, C, E, Z28, Z29)

#define Q50X_GROUP \
	L8_ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	L8_ZERO(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z16)
#define Q50X_BLOCK \
	VCVTPH2PS   (SI), Z19; \
	VMULPS.BCST (R12), Z19, Z17; \
	VMULPS.BCST (R12)(R13*1), Z19, Z18; \
	Q50X_CHUNK(0, Z0, Z4, Z8, Z12); \
	Q50X_CHUNK(1, Z1, Z5, Z9, Z13); \
	Q50X_CHUNK(2, Z2, Z6, Z10, Z14); \
	Q50X_CHUNK(3, Z3, Z7, Z11, Z16)
#define Q50X_NEXT \
	ADDQ $352, SI; \
	ADDQ $34, R9; \
	ADDQ $32, R11; \
	ADDQ $4, R12
#define Q50X_ONE \
	Q50X_BLOCK; \
	Q50X_NEXT
#define Q50X_TWO \
	Q50X_ONE; \
	Q50X_ONE
#define Q50X_END \
	L8_HSUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	L8_HSUM(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z16); \
	VMOVUPS Z0, (DI); \
	VMOVUPS Z8, (DI)(R14*1)

// func dotWideQ5_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens (prefill), as dotWideQ4_Kx4VNNI takes them (bias: the
// tokens' 8 records a block): each token's outputs as the one-token
// kernel computes them.
TEXT ·dotWideQ5_0x4VNNI(SB), NOSPLIT, $0-80
	L32_X4(K5_CONSTS, Q50X_GROUP, Q50X_TWO, Q50X_ONE, Q50X_END, 2, 2)
