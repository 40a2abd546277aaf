//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"
#include "lanes_amd64.h"

// Repacked TQ1_0 in groups of 16 rows (see tq1wide.go), 512-bit vectors:
// one lane a row. A block is 864 bytes: d at 0, eight chunks A_p from 32,
// four chunks B_c from 544 and chunk C at 800. A Q8_K block is 292
// bytes, its quants from byte 4; the records hold −(bsums[2l] +
// bsums[2l+1]) for each of a block's 8 lanes. A block's lane sums are in
// Z16-Z23 (and Z0-Z7 for the second token of the four-token kernel).

// T1_CONSTS: Z13 = 0x01 bytes, Z12 = 86 bytes, Z15 = 171 bytes. Clobbers
// AX.
#define T1_CONSTS \
	MOVL         $0x01010101, AX; \
	VPBROADCASTD AX, Z13; \
	MOVL         $0x56565656, AX; \
	VPBROADCASTD AX, Z12; \
	MOVL         $0xabababab, AX; \
	VPBROADCASTD AX, Z15

// T1_MUL3(src, dst): dst = src·3 (mod 256), bytewise.
#define T1_MUL3(src, dst) \
	VPADDB src, src, dst; \
	VPADDB src, dst, dst

// T1_TRIT(r): q = byte·3^n turned into trit n, (3q) >> 8, in place, as
// [q ≥ 86] + [q ≥ 171] (TestTritCompares): two compares into K1 and K2,
// ones where K1, and one more where K2.
#define T1_TRIT(r) \
	VPCMPUB      $5, Z12, r, K1; \
	VPCMPUB      $5, Z15, r, K2; \
	VMOVDQU8.Z   Z13, K1, r; \
	VPADDB       Z13, r, K2, r

// DOT(t, xo, S, U): the trits t times the activation bytes at xo (from a
// Q8_K block's start) into the lane sums S (one token: T1_DOT1) or S and U
// (two: T1_DOT2).
#define T1_DOT1(t, xo, S, U) VPDPBUSD.BCST xo(R9), t, S
#define T1_DOT2(t, xo, S, U) \
	VPDPBUSD.BCST xo(R9), t, S; \
	VPDPBUSD.BCST xo(R9)(R10*1), t, U

// T1_FOUR(DOT, chunk, x0, S0, U0, …, x3, S3, U3): trits 0-3 of the chunk
// at chunk, trit n times the activations at xn into Sn (and Un); the
// chunk times 3^4 left in Z25.
#define T1_FOUR(DOT, chunk, x0, S0, U0, x1, S1, U1, x2, S2, U2, x3, S3, U3) \
	VMOVDQU32 chunk, Z25; \
	T1_MUL3(Z25, Z26); \
	T1_TRIT(Z25); \
	DOT(Z25, x0, S0, U0); \
	T1_MUL3(Z26, Z25); \
	T1_TRIT(Z26); \
	DOT(Z26, x1, S1, U1); \
	T1_MUL3(Z25, Z26); \
	T1_TRIT(Z25); \
	DOT(Z25, x2, S2, U2); \
	T1_MUL3(Z26, Z25); \
	T1_TRIT(Z26); \
	DOT(Z26, x3, S3, U3)

// T1_A(DOT, m, p, S, U): chunk A_p of the block at m, trits 0-4: lane p
// of vectors 0-4.
#define T1_A(DOT, m, p, S, U) \
	T1_FOUR(DOT, 32+64*p m, 4+4*p, S, U, 36+4*p, S, U, 68+4*p, S, U, 100+4*p, S, U); \
	T1_TRIT(Z25); \
	DOT(Z25, 132+4*p, S, U)

// T1_B(DOT, m, c, S, U, SH, UH): chunk B_c, trits 0, 2, 4: lane c of
// vectors 5, 6, 7 (S, U); trits 1, 3: lane c+4 of vectors 5, 6 (SH, UH).
#define T1_B(DOT, m, c, S, U, SH, UH) \
	T1_FOUR(DOT, 544+64*c m, 164+4*c, S, U, 180+4*c, SH, UH, 196+4*c, S, U, 212+4*c, SH, UH); \
	T1_TRIT(Z25); \
	DOT(Z25, 228+4*c, S, U)

// T1_C(DOT, m, S4, U4, S5, U5, S6, U6, S7, U7): chunk C, trit n: lane 4+n
// of vector 7.
#define T1_C(DOT, m, S4, U4, S5, U5, S6, U6, S7, U7) \
	T1_FOUR(DOT, 800 m, 244, S4, U4, 248, S5, U5, 252, S6, U6, 256, S7, U7)

// T1_TRITS(DOT, m): the block at m into the lane sums Z16-Z23 (and, with
// T1_DOT2, Z0-Z7).
#define T1_TRITS(DOT, m) \
	T1_A(DOT, m, 0, Z16, Z0); \
	T1_A(DOT, m, 1, Z17, Z1); \
	T1_A(DOT, m, 2, Z18, Z2); \
	T1_A(DOT, m, 3, Z19, Z3); \
	T1_A(DOT, m, 4, Z20, Z4); \
	T1_A(DOT, m, 5, Z21, Z5); \
	T1_A(DOT, m, 6, Z22, Z6); \
	T1_A(DOT, m, 7, Z23, Z7); \
	T1_B(DOT, m, 0, Z16, Z0, Z20, Z4); \
	T1_B(DOT, m, 1, Z17, Z1, Z21, Z5); \
	T1_B(DOT, m, 2, Z18, Z2, Z22, Z6); \
	T1_B(DOT, m, 3, Z19, Z3, Z23, Z7); \
	T1_C(DOT, m, Z20, Z4, Z21, Z5, Z22, Z6, Z23, Z7)

// T1_INIT(b, S0, …, S7): the lane sums started from the records at b.
#define T1_INIT(b, S0, S1, S2, S3, S4, S5, S6, S7) \
	VPBROADCASTD 0 b, S0; \
	VPBROADCASTD 4 b, S1; \
	VPBROADCASTD 8 b, S2; \
	VPBROADCASTD 12 b, S3; \
	VPBROADCASTD 16 b, S4; \
	VPBROADCASTD 20 b, S5; \
	VPBROADCASTD 24 b, S6; \
	VPBROADCASTD 28 b, S7

// T1_LANE(S, D, A): A += float(S)·D, not fused.
#define T1_LANE(S, D, A) \
	VCVTDQ2PS S, S; \
	VMULPS    D, S, S; \
	VADDPS    S, A, A

// The one-token kernel's steps (WIDE_GROUPS) take no trits out. Where
// q_n = byte·3^n (mod 256), ggml's trit n is (3q_n) >> 8 and q_{n+1} the
// low byte of 3q_n, so 256·trit = 3q_n − q_{n+1} exactly, and a lane's
// sum of trit × x is (3·Σ q_n·x − Σ q_{n+1}·x) / 256: two VPDPBUSD of
// bytes the multiplications by 3 make anyway, in place of two compares
// and two masked moves. The lanes' Σ q_n·x are in Z16-Z23, their
// Σ q_{n+1}·x in Z8-Z15; the lanes' floats in Z0-Z7, d·d_x in Z24.

// T1L_PLANE(q, qn, xo, P, M): plane q (a chunk's bytes times 3^n) times
// the activations at xo into P, 3q into qn, and qn times them into M.
#define T1L_PLANE(q, qn, xo, P, M) \
	VPDPBUSD.BCST xo(R9), q, P; \
	T1_MUL3(q, qn); \
	VPDPBUSD.BCST xo(R9), qn, M

// T1L_FOUR(chunk, x0, P0, M0, …, x3, P3, M3): planes 0-3 of the chunk at
// chunk, plane n times the activations at xn into Pn and Mn; the chunk
// times 3^4 left in Z25.
#define T1L_FOUR(chunk, x0, P0, M0, x1, P1, M1, x2, P2, M2, x3, P3, M3) \
	VMOVDQU32 chunk, Z25; \
	T1L_PLANE(Z25, Z26, x0, P0, M0); \
	T1L_PLANE(Z26, Z25, x1, P1, M1); \
	T1L_PLANE(Z25, Z26, x2, P2, M2); \
	T1L_PLANE(Z26, Z25, x3, P3, M3)

// T1L_A(m, p, P, M): chunk A_p of the block at m, planes 0-4: lane p.
#define T1L_A(m, p, P, M) \
	T1L_FOUR(32+64*p m, 4+4*p, P, M, 36+4*p, P, M, 68+4*p, P, M, 100+4*p, P, M); \
	T1L_PLANE(Z25, Z26, 132+4*p, P, M)

// T1L_B(m, c, P, M, PH, MH): chunk B_c, planes 0, 2, 4: lane c (P, M);
// planes 1, 3: lane c+4 (PH, MH).
#define T1L_B(m, c, P, M, PH, MH) \
	T1L_FOUR(544+64*c m, 164+4*c, P, M, 180+4*c, PH, MH, 196+4*c, P, M, 212+4*c, PH, MH); \
	T1L_PLANE(Z25, Z26, 228+4*c, P, M)

// T1L_LANE(P, M, l, A): lane l's integer sum, (3P − M) / 256 plus its
// record, converted, times d·d_x (Z24) and added (not fused) to A.
#define T1L_LANE(P, M, l, A) \
	VPADDD      P, P, Z25; \
	VPADDD      P, Z25, Z25; \
	VPSUBD      M, Z25, Z25; \
	VPSRAD      $8, Z25, Z25; \
	VPADDD.BCST 4*l(R10), Z25, Z25; \
	VCVTDQ2PS   Z25, Z25; \
	VMULPS      Z24, Z25, Z25; \
	VADDPS      Z25, A, A

#define T1_BLOCK1 \
	L8_ZERO(Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23); \
	L8_ZERO(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15); \
	T1L_A((AX)(SI*1), 0, Z16, Z8); \
	T1L_A((AX)(SI*1), 1, Z17, Z9); \
	T1L_A((AX)(SI*1), 2, Z18, Z10); \
	T1L_A((AX)(SI*1), 3, Z19, Z11); \
	T1L_A((AX)(SI*1), 4, Z20, Z12); \
	T1L_A((AX)(SI*1), 5, Z21, Z13); \
	T1L_A((AX)(SI*1), 6, Z22, Z14); \
	T1L_A((AX)(SI*1), 7, Z23, Z15); \
	T1L_B((AX)(SI*1), 0, Z16, Z8, Z20, Z12); \
	T1L_B((AX)(SI*1), 1, Z17, Z9, Z21, Z13); \
	T1L_B((AX)(SI*1), 2, Z18, Z10, Z22, Z14); \
	T1L_B((AX)(SI*1), 3, Z19, Z11, Z23, Z15); \
	T1L_FOUR(800(AX)(SI*1), 244, Z20, Z12, 248, Z21, Z13, 252, Z22, Z14, 256, Z23, Z15); \
	VCVTPH2PS   (AX)(SI*1), Z24; \
	VMULPS.BCST (R11), Z24, Z24; \
	T1L_LANE(Z16, Z8, 0, Z0); \
	T1L_LANE(Z17, Z9, 1, Z1); \
	T1L_LANE(Z18, Z10, 2, Z2); \
	T1L_LANE(Z19, Z11, 3, Z3); \
	T1L_LANE(Z20, Z12, 4, Z4); \
	T1L_LANE(Z21, Z13, 5, Z5); \
	T1L_LANE(Z22, Z14, 6, Z6); \
	T1L_LANE(Z23, Z15, 7, Z7); \
	ADDQ        $864, SI; \
	ADDQ        $292, R9; \
	ADDQ        $32, R10; \
	ADDQ        $4, R11
// T1L_CONSTS: the one-token kernel keeps no constants.
#define T1L_CONSTS NOP
#define T1_PAIR1 \
	T1_BLOCK1; \
	T1_BLOCK1
#define T1_GROUP1 L8_ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
#define T1_END1 \
	L8_HSUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	VMOVUPS Z0, (DI)

// The four-token kernel's steps (L32_X4, two tokens a pass): the block at
// SI; the lane sums Z16-Z23 and Z0-Z7; the lanes' floats on the stack,
// the first token's at 64p, the second's at 512+64p; d·d_x in Z24 and
// Z27.
#define T1X_LANE(S, U, p) \
	VCVTDQ2PS S, S; \
	VMULPS    Z24, S, S; \
	VADDPS    64*p(SP), S, S; \
	VMOVUPS   S, 64*p(SP); \
	VCVTDQ2PS U, U; \
	VMULPS    Z27, U, U; \
	VADDPS    512+64*p(SP), U, U; \
	VMOVUPS   U, 512+64*p(SP)
#define T1X_BLOCK \
	T1_INIT((R11), Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23); \
	T1_INIT((R11)(R13*1), Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	T1_TRITS(T1_DOT2, (SI)); \
	VCVTPH2PS   (SI), Z28; \
	VMULPS.BCST (R12), Z28, Z24; \
	VMULPS.BCST (R12)(R13*1), Z28, Z27; \
	T1X_LANE(Z16, Z0, 0); \
	T1X_LANE(Z17, Z1, 1); \
	T1X_LANE(Z18, Z2, 2); \
	T1X_LANE(Z19, Z3, 3); \
	T1X_LANE(Z20, Z4, 4); \
	T1X_LANE(Z21, Z5, 5); \
	T1X_LANE(Z22, Z6, 6); \
	T1X_LANE(Z23, Z7, 7); \
	ADDQ        $864, SI; \
	ADDQ        $292, R9; \
	ADDQ        $32, R11; \
	ADDQ        $4, R12
#define T1X_PAIR \
	T1X_BLOCK; \
	T1X_BLOCK
#define T1X_GROUP \
	VPXORD    Z0, Z0, Z0; \
	SP8_CLEAR(0); \
	SP8_CLEAR(512)

#define T1X_END \
	SP8_HSUM(0, (DI)); \
	SP8_HSUM(512, (DI)(R14*1))

// func dotWideTQ1_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideTQ1_0VNNI(SB), NOSPLIT, $0-56
	WIDE_GROUPS(T1L_CONSTS, T1_GROUP1, T1_PAIR1, T1_BLOCK1, T1_END1)

// func dotWideTQ1_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens (prefill), two a pass, as dotWideQ4_Kx4VNNI takes them
// (bias: the tokens' 8 records a block): each token's outputs as the
// one-token kernel computes them. Its frame holds a pass's lane floats.
TEXT ·dotWideTQ1_0x4VNNI(SB), 0, $1024-80
	L32_X4(T1_CONSTS, T1X_GROUP, T1X_PAIR, T1X_BLOCK, T1X_END, 2, 2)
