//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"
#include "lanes_amd64.h"

// Repacked Q4_1 and Q5_1 in groups of 16 rows (see q41wide.go), 512-bit
// vectors: one lane a row. A block has d at 0, m at 32, and from 64 four
// chunks: Q4_1's 64 bytes of nibbles (a 320-byte block), Q5_1's a run of
// 80 bytes, two masks of fifth bits and the nibbles (384). A Q8_1 block
// is 36 bytes, its quants from byte 4; a record is the float bits of the
// block's s.

// Q41_LEVELS(m, c), Q51_LEVELS(m, c): chunk c's levels of the block at m
// into Z24, Z25.
#define Q41_LEVELS(m, c) L4_LEVELS(64+64*c m)
#define Q51_LEVELS(m, c) K5_LEVELS(80+80*c m, 64+80*c m, 72+80*c m)

// M_RUN(LEVELS, w, S, A0, …, A7): one block of one run (weights at w,
// offset SI; activations R9, s_x at (R10), d_x at (R11)): S = fma(m_w,
// s_x, S), then chunk c into the lanes c and c+4. Clobbers Z9, Z24-Z27,
// K1, K2.
#define M_RUN(LEVELS, w, S, A0, A1, A2, A3, A4, A5, A6, A7) \
	VCVTPH2PS        32(w)(SI*1), Z9; \
	VFMADD231PS.BCST (R10), Z9, S; \
	VCVTPH2PS        (w)(SI*1), Z9; \
	VMULPS.BCST      (R11), Z9, Z9; \
	LEVELS((w)(SI*1), 0); \
	L32_DOT(L32_NOBIAS, _, _, 4(R9), 20(R9), Z9, A0, A4, Z26, Z27); \
	LEVELS((w)(SI*1), 1); \
	L32_DOT(L32_NOBIAS, _, _, 8(R9), 24(R9), Z9, A1, A5, Z26, Z27); \
	LEVELS((w)(SI*1), 2); \
	L32_DOT(L32_NOBIAS, _, _, 12(R9), 28(R9), Z9, A2, A6, Z26, Z27); \
	LEVELS((w)(SI*1), 3); \
	L32_DOT(L32_NOBIAS, _, _, 16(R9), 32(R9), Z9, A3, A7, Z26, Z27)

// M_NEXT(size): the one-token kernels past a block.
#define M_NEXT(size) \
	ADDQ $size, SI; \
	ADDQ $36, R9; \
	ADDQ $4, R10; \
	ADDQ $4, R11

// The one-token kernels' steps (WIDE_GROUPS, WIDE_TWO): a group's lanes
// and minimums' floats cleared, a block and past it, and the sums stored:
// run A's lanes Z0-Z7 and floats Z8, run B's Z10-Z14, Z16-Z18 and Z19.
#define M_GROUP1 \
	L8_ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	VPXORD Z8, Z8, Z8
#define M_END1 \
	L8_HSUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	VADDPS  Z8, Z0, Z0; \
	VMOVUPS Z0, (DI)
#define M_GROUP2 \
	M_GROUP1; \
	L8_ZERO(Z10, Z11, Z12, Z13, Z14, Z16, Z17, Z18); \
	VPXORD Z19, Z19, Z19
#define M_END2 \
	M_END1; \
	L8_HSUM(Z10, Z11, Z12, Z13, Z14, Z16, Z17, Z18); \
	VADDPS  Z19, Z10, Z10; \
	VMOVUPS Z10, (R15)
#define Q41_BLOCK1 \
	M_RUN(Q41_LEVELS, AX, Z8, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	M_NEXT(320)
#define Q41_PAIR1 \
	Q41_BLOCK1; \
	Q41_BLOCK1
#define Q41_BLOCK2 \
	M_RUN(Q41_LEVELS, R12, Z8, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	M_RUN(Q41_LEVELS, R13, Z19, Z10, Z11, Z12, Z13, Z14, Z16, Z17, Z18)
#define Q51_BLOCK1 \
	M_RUN(Q51_LEVELS, AX, Z8, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	M_NEXT(384)
#define Q51_PAIR1 \
	Q51_BLOCK1; \
	Q51_BLOCK1
#define Q51_BLOCK2 \
	M_RUN(Q51_LEVELS, R12, Z8, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	M_RUN(Q51_LEVELS, R13, Z19, Z10, Z11, Z12, Z13, Z14, Z16, Z17, Z18)

// func dotWideQ4_1VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideQ4_1VNNI(SB), NOSPLIT, $0-56
	WIDE_GROUPS(K5_CONSTS, M_GROUP1, Q41_PAIR1, Q41_BLOCK1, M_END1)

// func dotWideQ5_1VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideQ5_1VNNI(SB), NOSPLIT, $0-56
	WIDE_GROUPS(K5_CONSTS, M_GROUP1, Q51_PAIR1, Q51_BLOCK1, M_END1)

// func dotWideQ4_1TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ4_1VNNI over two runs of groups at once (group i of wA beside
// group i of wB, each as the one-run kernel computes it): two streams, a
// block of each in turn. dotWideQ5_1TwoVNNI likewise.
TEXT ·dotWideQ4_1TwoVNNI(SB), NOSPLIT, $0-72
	WIDE_TWO(K5_CONSTS, M_GROUP2, Q41_BLOCK2, M_NEXT(320), M_END2)

// func dotWideQ5_1TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideQ5_1TwoVNNI(SB), NOSPLIT, $0-72
	WIDE_TWO(K5_CONSTS, M_GROUP2, Q51_BLOCK2, M_NEXT(384), M_END2)

// The four-token kernels' steps (L32_X4): the pair's lanes are Z0-Z7 and
// Z8-Z14, Z16, their minimums' floats Z20 and Z21; d_w·d_x in Z17 and
// Z18.

// MX_CHUNK(LEVELS, c, A, B, C, E): chunk c (at SI) into the pair's lanes
// c and c+4: A and B for the first token, C and E for the second.
#define MX_CHUNK(LEVELS, c, A, B, C, E) \
	LEVELS((SI), c); \
	L32_DOT(L32_NOBIAS, _, _, 4+4*c(R9), 20+4*c(R9), Z17, A, B, Z26, Z27); \
	L32_DOT(L32_NOBIAS, _, _, 4+4*c(R9)(R10*1), 20+4*c(R9)(R10*1), Z18, C, E, Z28, Z29)

// MX_BLOCK(LEVELS): one block for the pair.
#define MX_BLOCK(LEVELS) \
	VCVTPH2PS        32(SI), Z22; \
	VFMADD231PS.BCST (R11), Z22, Z20; \
	VFMADD231PS.BCST (R11)(R13*1), Z22, Z21; \
	VCVTPH2PS        (SI), Z19; \
	VMULPS.BCST      (R12), Z19, Z17; \
	VMULPS.BCST      (R12)(R13*1), Z19, Z18; \
	MX_CHUNK(LEVELS, 0, Z0, Z4, Z8, Z12); \
	MX_CHUNK(LEVELS, 1, Z1, Z5, Z9, Z13); \
	MX_CHUNK(LEVELS, 2, Z2, Z6, Z10, Z14); \
	MX_CHUNK(LEVELS, 3, Z3, Z7, Z11, Z16)

// MX_ONE(LEVELS, size), MX_TWO: one block for the pair and past it, or
// two.
#define MX_ONE(LEVELS, size) \
	MX_BLOCK(LEVELS); \
	ADDQ $size, SI; \
	ADDQ $36, R9; \
	ADDQ $4, R11; \
	ADDQ $4, R12
#define Q41X_ONE MX_ONE(Q41_LEVELS, 320)
#define Q41X_TWO \
	Q41X_ONE; \
	Q41X_ONE
#define Q51X_ONE MX_ONE(Q51_LEVELS, 384)
#define Q51X_TWO \
	Q51X_ONE; \
	Q51X_ONE

#define MX_GROUP \
	L8_ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	L8_ZERO(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z16); \
	VPXORD Z20, Z20, Z20; \
	VPXORD Z21, Z21, Z21
#define MX_END \
	L8_HSUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	L8_HSUM(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z16); \
	VADDPS  Z20, Z0, Z0; \
	VADDPS  Z21, Z8, Z8; \
	VMOVUPS Z0, (DI); \
	VMOVUPS Z8, (DI)(R14*1)

// func dotWideQ4_1x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens (prefill), as dotWideQ4_Kx4VNNI takes them (bias: the
// tokens' records): each token's outputs as the one-token kernel computes
// them. dotWideQ5_1x4VNNI likewise.
TEXT ·dotWideQ4_1x4VNNI(SB), NOSPLIT, $0-80
	L32_X4(K5_CONSTS, MX_GROUP, Q41X_TWO, Q41X_ONE, MX_END, 2, 2)

// func dotWideQ5_1x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
TEXT ·dotWideQ5_1x4VNNI(SB), NOSPLIT, $0-80
	L32_X4(K5_CONSTS, MX_GROUP, Q51X_TWO, Q51X_ONE, MX_END, 2, 2)
