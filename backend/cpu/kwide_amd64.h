// The steps of the repacked kernels of K-quants with get_scale_min_k4
// scales (q4kwide_amd64.s), around the format's own: sixteen rows a
// 512-bit vector, one lane a row. A block of the group has the rows' d at
// 0, dmin at 32 and three lines of packed scales at 64, 128 and 192 (see
// q4kwide.go); a format lays out its quants after them and unpacks a
// chunk of them with its CHUNK macro. A Q8_K block is 292 bytes, its
// quants from byte 4; the records' sums are 8 int32 a block.

// K_CONSTS: Z15 = 0x0f bytes; Z28, Z29, Z30 = the dwords 0x3f, 0x0f,
// 0x30. Clobbers AX.
#define K_CONSTS \
	MOVL         $0x0f0f0f0f, AX; \
	VPBROADCASTD AX, Z15; \
	MOVL         $0x3f, AX; \
	VPBROADCASTD AX, Z28; \
	MOVL         $0x0f, AX; \
	VPBROADCASTD AX, Z29; \
	MOVL         $0x30, AX; \
	VPBROADCASTD AX, Z30

// K_C3F, K_C0F, K_C30: the dwords 0x3f, 0x0f and 0x30, in Z28, Z29, Z30
// (K_CONSTS), and K_ANDC, K_TERNC the instructions that take them, unless
// a file defines them before it includes this one (as dwords in memory,
// with VPANDD.BCST and VPTERNLOGD.BCST).
#ifndef K_C3F
#define K_C3F Z28
#define K_C0F Z29
#define K_C30 Z30
#define K_ANDC VPANDD
#define K_TERNC VPTERNLOGD
#endif

// get_scale_min_k4 on sixteen rows: the packed lines a, b, c (lane r:
// bytes 0-3, 4-7, 8-11 of row r's scales) give sub-block j's scale
// (K_SCn) or minimum (K_MNn) in dst; t is clobbered where j ≥ 4.
#define K_LOW(a, sh, dst) \
	VPSRLD $sh, a, dst; \
	K_ANDC K_C3F, dst, dst
#define K_HIGH(c, csh, ab, absh, dst, t) \
	VPSRLD     $csh, c, dst; \
	K_ANDC     K_C0F, dst, dst; \
	VPSRLD     $absh, ab, t; \
	K_TERNC    $0xf8, K_C30, t, dst

// K_SC(j, a, b, c, dst, t) and K_MN: sub-block j's scale and minimum.
#define K_SC0(a, b, c, dst, t) K_ANDC K_C3F, a, dst
#define K_SC1(a, b, c, dst, t) K_LOW(a, 8, dst)
#define K_SC2(a, b, c, dst, t) K_LOW(a, 16, dst)
#define K_SC3(a, b, c, dst, t) K_LOW(a, 24, dst)
#define K_SC4(a, b, c, dst, t) K_HIGH(c, 0, a, 2, dst, t)
#define K_SC5(a, b, c, dst, t) K_HIGH(c, 8, a, 10, dst, t)
#define K_SC6(a, b, c, dst, t) K_HIGH(c, 16, a, 18, dst, t)
#define K_SC7(a, b, c, dst, t) K_HIGH(c, 24, a, 26, dst, t)
#define K_MN0(a, b, c, dst, t) K_ANDC K_C3F, b, dst
#define K_MN1(a, b, c, dst, t) K_LOW(b, 8, dst)
#define K_MN2(a, b, c, dst, t) K_LOW(b, 16, dst)
#define K_MN3(a, b, c, dst, t) K_LOW(b, 24, dst)
#define K_MN4(a, b, c, dst, t) K_HIGH(c, 4, b, 2, dst, t)
#define K_MN5(a, b, c, dst, t) K_HIGH(c, 12, b, 10, dst, t)
#define K_MN6(a, b, c, dst, t) K_HIGH(c, 20, b, 18, dst, t)
#define K_MN7(a, b, c, dst, t) K_HIGH(c, 28, b, 26, dst, t)

// K_GROUP(CHUNK, HI, SH, w, j, SCLO, SCHI, a, b, c, s, lo, hi, t1, t2, t3):
// the block's 64-element group j (sub-blocks 2j, 2j+1, their scales by
// SCLO, SCHI from the lines a, b, c) added to s: its chunks by
// CHUNK(w, j, p, lo, hi, SH) into lo and hi, hi brought to the levels by
// HI. Clobbers lo, hi, t1-t3 and what CHUNK does.
#define K_GROUP(CHUNK, HI, SH, w, j, SCLO, SCHI, a, b, c, s, lo, hi, t1, t2, t3) \
	VPXORD  lo, lo, lo; \
	VPXORD  hi, hi, hi; \
	CHUNK(w, j, 0, lo, hi, SH); \
	CHUNK(w, j, 1, lo, hi, SH); \
	CHUNK(w, j, 2, lo, hi, SH); \
	CHUNK(w, j, 3, lo, hi, SH); \
	CHUNK(w, j, 4, lo, hi, SH); \
	CHUNK(w, j, 5, lo, hi, SH); \
	CHUNK(w, j, 6, lo, hi, SH); \
	CHUNK(w, j, 7, lo, hi, SH); \
	HI(hi); \
	SCLO(a, b, c, t1, t3); \
	SCHI(a, b, c, t2, t3); \
	VPMULLD t1, lo, lo; \
	VPMULLD t2, hi, hi; \
	VPADDD  lo, s, s; \
	VPADDD  hi, s, s

// K_MIN(j, MN, a, b, c, m, t1, t3): m += sub-block j's minimums times the
// activations' sum over it (at 4j(R10)).
#define K_MIN(j, MN, a, b, c, m, t1, t3) \
	MN(a, b, c, t1, t3); \
	VPMULLD.BCST 4*j(R10), t1, t1; \
	VPADDD       t1, m, m

// K_ROW(w, a, b, c, s, m, acc, lo, hi, t1, t2, t3): one block of one run
// (weights at w, offset SI): its packed scales loaded into a, b, c, its
// sums S (s) and M (m), then acc = fma(S, d·d_x, acc) and fma(M,
// −dmin·d_x, acc), d_x at (R11).
#define K_LINES(w, a, b, c) \
	VMOVDQU32 64(w)(SI*1), a; \
	VMOVDQU32 128(w)(SI*1), b; \
	VMOVDQU32 192(w)(SI*1), c
#define K_MINS(a, b, c, m, t1, t3) \
	VPXORD m, m, m; \
	K_MIN(0, K_MN0, a, b, c, m, t1, t3); \
	K_MIN(1, K_MN1, a, b, c, m, t1, t3); \
	K_MIN(2, K_MN2, a, b, c, m, t1, t3); \
	K_MIN(3, K_MN3, a, b, c, m, t1, t3); \
	K_MIN(4, K_MN4, a, b, c, m, t1, t3); \
	K_MIN(5, K_MN5, a, b, c, m, t1, t3); \
	K_MIN(6, K_MN6, a, b, c, m, t1, t3); \
	K_MIN(7, K_MN7, a, b, c, m, t1, t3)
#define K_FIN(w, s, m, acc, t1) \
	VCVTDQ2PS    s, s; \
	VCVTPH2PS    0(w)(SI*1), t1; \
	VMULPS.BCST  (R11), t1, t1; \
	VFMADD231PS  t1, s, acc; \
	VCVTDQ2PS    m, m; \
	VCVTPH2PS    32(w)(SI*1), t1; \
	VMULPS.BCST  (R11), t1, t1; \
	VFNMADD231PS t1, m, acc

// The four-token kernel: a chunk is unpacked once for the four tokens.
// Token t's activations are at R9 + t·R10, its sums (8 int32 a block) at
// R11 + t·R13 and its d_x at R12 + t·R13 (DX, AX and R8: token 2's). Its
// lanes: float sums Z16+t, S Z20+t, a group's low and high sums Z4+t and
// Z8+t (in the minimums' step: products Z4+t, M Z8+t).

// KX_DOT(x, w, a0, a1, a2, a3): the tokens' sums a0-a3 += w times their
// activation bytes at x.
#define KX_DOT(x, w, a0, a1, a2, a3) \
	VPDPBUSD.BCST x(R9), w, a0; \
	VPDPBUSD.BCST x(R9)(R10*1), w, a1; \
	VPDPBUSD.BCST x(DX), w, a2; \
	VPDPBUSD.BCST x(DX)(R10*1), w, a3

// KX_SCALE(HI, lo, hi, s): s += lo·scale (Z12) + HI(hi)·scale (Z13).
#define KX_SCALE(HI, lo, hi, s) \
	HI(hi); \
	VPMULLD Z12, lo, lo; \
	VPMULLD Z13, hi, hi; \
	VPADDD  lo, s, s; \
	VPADDD  hi, s, s

// KX_GROUP(CHUNK, HI, SH, j, SCLO, SCHI): group j for the four tokens,
// its chunks by CHUNK(j, p, SH).
#define KX_GROUP(CHUNK, HI, SH, j, SCLO, SCHI) \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7; \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	CHUNK(j, 0, SH); \
	CHUNK(j, 1, SH); \
	CHUNK(j, 2, SH); \
	CHUNK(j, 3, SH); \
	CHUNK(j, 4, SH); \
	CHUNK(j, 5, SH); \
	CHUNK(j, 6, SH); \
	CHUNK(j, 7, SH); \
	SCLO(Z24, Z25, Z26, Z12, Z14); \
	SCHI(Z24, Z25, Z26, Z13, Z14); \
	KX_SCALE(HI, Z4, Z8, Z20); \
	KX_SCALE(HI, Z5, Z9, Z21); \
	KX_SCALE(HI, Z6, Z10, Z22); \
	KX_SCALE(HI, Z7, Z11, Z23)

// KX_MIN(j, MN): each token's M (Z8+t) += sub-block j's minimums times its
// sum over it.
#define KX_MIN(j, MN) \
	MN(Z24, Z25, Z26, Z12, Z14); \
	VPMULLD.BCST 4*j(R11), Z12, Z4; \
	VPMULLD.BCST 4*j(R11)(R13*1), Z12, Z5; \
	VPMULLD.BCST 4*j(AX), Z12, Z6; \
	VPMULLD.BCST 4*j(AX)(R13*1), Z12, Z7; \
	VPADDD       Z4, Z8, Z8; \
	VPADDD       Z5, Z9, Z9; \
	VPADDD       Z6, Z10, Z10; \
	VPADDD       Z7, Z11, Z11

// KX_MINS: each token's M (Z8+t) of the block, from the lines Z24-Z26.
#define KX_MINS \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	KX_MIN(0, K_MN0); \
	KX_MIN(1, K_MN1); \
	KX_MIN(2, K_MN2); \
	KX_MIN(3, K_MN3); \
	KX_MIN(4, K_MN4); \
	KX_MIN(5, K_MN5); \
	KX_MIN(6, K_MN6); \
	KX_MIN(7, K_MN7)

// KX_FIN(s, m, dx, acc): acc = fma(S, d·d_x, acc), then fma(M, −dmin·d_x,
// acc) (d in Z13, dmin in Z14). Clobbers Z12.
#define KX_FIN(s, m, dx, acc) \
	VCVTDQ2PS    s, s; \
	VMULPS.BCST  dx, Z13, Z12; \
	VFMADD231PS  Z12, s, acc; \
	VCVTDQ2PS    m, m; \
	VMULPS.BCST  dx, Z14, Z12; \
	VFNMADD231PS Z12, m, acc

// KX_BLOCK(CHUNK, HI, SH0, SH1, SH2, SH3): one block for the four tokens
// (group j's chunks by CHUNK(j, p, SHj)).
#define KX_BLOCK(CHUNK, HI, SH0, SH1, SH2, SH3) \
	LEAQ      (R9)(R10*2), DX; \
	LEAQ      (R11)(R13*2), AX; \
	LEAQ      (R12)(R13*2), R8; \
	K_LINES0; \
	VPXORD    Z20, Z20, Z20; \
	VPXORD    Z21, Z21, Z21; \
	VPXORD    Z22, Z22, Z22; \
	VPXORD    Z23, Z23, Z23; \
	KX_GROUP(CHUNK, HI, SH0, 0, K_SC0, K_SC1); \
	KX_GROUP(CHUNK, HI, SH1, 1, K_SC2, K_SC3); \
	KX_GROUP(CHUNK, HI, SH2, 2, K_SC4, K_SC5); \
	KX_GROUP(CHUNK, HI, SH3, 3, K_SC6, K_SC7); \
	KX_MINS; \
	VCVTPH2PS 0(SI), Z13; \
	VCVTPH2PS 32(SI), Z14; \
	KX_FIN(Z20, Z8, (R12), Z16); \
	KX_FIN(Z21, Z9, (R12)(R13*1), Z17); \
	KX_FIN(Z22, Z10, (R8), Z18); \
	KX_FIN(Z23, Z11, (R8)(R13*1), Z19)

// K_LINES0: the block's packed scales (at SI) into Z24-Z26.
#define K_LINES0 \
	VMOVDQU32 64(SI), Z24; \
	VMOVDQU32 128(SI), Z25; \
	VMOVDQU32 192(SI), Z26

// K_BLOCK1(CHUNK, HI, S0, S1, S2, S3): one block of a one-run kernel
// (weights at AX, offset SI; group j's chunks by CHUNK(…, Sj)): lines
// Z24-Z26, S in Z5, M in Z9, float lanes Z0.
#define K_BLOCK1(CHUNK, HI, S0, S1, S2, S3) \
	K_LINES(AX, Z24, Z25, Z26); \
	VPXORD  Z5, Z5, Z5; \
	K_GROUP(CHUNK, HI, S0, AX, 0, K_SC0, K_SC1, Z24, Z25, Z26, Z5, Z6, Z7, Z8, Z10, Z11); \
	K_GROUP(CHUNK, HI, S1, AX, 1, K_SC2, K_SC3, Z24, Z25, Z26, Z5, Z6, Z7, Z8, Z10, Z11); \
	K_GROUP(CHUNK, HI, S2, AX, 2, K_SC4, K_SC5, Z24, Z25, Z26, Z5, Z6, Z7, Z8, Z10, Z11); \
	K_GROUP(CHUNK, HI, S3, AX, 3, K_SC6, K_SC7, Z24, Z25, Z26, Z5, Z6, Z7, Z8, Z10, Z11); \
	K_MINS(Z24, Z25, Z26, Z9, Z8, Z11); \
	K_FIN(AX, Z5, Z9, Z0, Z10)

// K_GROUP2(CHUNK, HI, SH, j, SCLO, SCHI): group j of both runs of a
// two-run kernel (A: weights R12, lines Z24-Z26, S Z5; B: R13, Z17-Z19,
// Z21).
#define K_GROUP2(CHUNK, HI, SH, j, SCLO, SCHI) \
	K_GROUP(CHUNK, HI, SH, R12, j, SCLO, SCHI, Z24, Z25, Z26, Z5, Z6, Z7, Z8, Z10, Z11); \
	K_GROUP(CHUNK, HI, SH, R13, j, SCLO, SCHI, Z17, Z18, Z19, Z21, Z22, Z23, Z12, Z13, Z14)

// K_BLOCK2(CHUNK, HI, S0, S1, S2, S3): one block of both runs.
#define K_BLOCK2(CHUNK, HI, S0, S1, S2, S3) \
	K_LINES(R12, Z24, Z25, Z26); \
	K_LINES(R13, Z17, Z18, Z19); \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z21, Z21, Z21; \
	K_GROUP2(CHUNK, HI, S0, 0, K_SC0, K_SC1); \
	K_GROUP2(CHUNK, HI, S1, 1, K_SC2, K_SC3); \
	K_GROUP2(CHUNK, HI, S2, 2, K_SC4, K_SC5); \
	K_GROUP2(CHUNK, HI, S3, 3, K_SC6, K_SC7); \
	K_MINS(Z24, Z25, Z26, Z9, Z8, Z11); \
	K_MINS(Z17, Z18, Z19, Z27, Z12, Z14); \
	K_FIN(R12, Z5, Z9, Z0, Z10); \
	K_FIN(R13, Z21, Z27, Z16, Z13)

// K_TWO(CONSTS, BLOCK, size): the whole body of a two-run kernel,
// func(outA, outB *float32, wA, wB *byte, groups int, x *byte, bias
// *int32, d *float32, nb int) (BLOCK: K_BLOCK2; size: a group's block).
#define K_TWO(CONSTS, BLOCK, size) WIDE_TWO(CONSTS, K_TWO_CLEAR, BLOCK, K_NEXT(size), K_TWO_STORE)
#define K_TWO_CLEAR \
	VXORPS Z0, Z0, Z0; \
	VXORPS Z16, Z16, Z16
#define K_TWO_STORE \
	VMOVUPS Z0, (DI); \
	VMOVUPS Z16, (R15)

// K_NEXT(size): past a block of a group (size bytes) and its Q8_K block
// and records.
#define K_NEXT(size) \
	ADDQ $size, SI; \
	ADDQ $292, R9; \
	ADDQ $32, R10; \
	ADDQ $4, R11
