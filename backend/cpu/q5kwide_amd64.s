//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"

// Repacked Q5_K in groups of 16 rows (see q5kwide.go), 512-bit vectors:
// one lane a row. A block is 2816 bytes: d at 0, dmin at 32, the packed
// scales at 64-255 (kwide_amd64.h), and from 256 a run of 320 bytes for
// each lane p: eight masks of fifth bits (group j's at 16j, its high half's
// at 16j+8), then the four groups' chunks of nibbles (group j's at
// 64+64j). A Q8_K block is 292 bytes, its quants from byte 4; the
// records' sums are 8 int32 a block.
//
// The scale steps' dword constants are read from memory (broadcast), so
// that the two-run kernel has Z28-Z30 for its sums.
#define K_C3F k5c<>+0(SB)
#define K_C0F k5c<>+4(SB)
#define K_C30 k5c<>+8(SB)
#define K_ANDC VPANDD.BCST
#define K_TERNC VPTERNLOGD.BCST
#include "kwide_amd64.h"
#include "lanes_amd64.h"

DATA k5c<>+0(SB)/4, $0x3f
DATA k5c<>+4(SB)/4, $0x0f
DATA k5c<>+8(SB)/4, $0x30
GLOBL k5c<>(SB), RODATA|NOPTR, $12

// K5_DOT(lo, hi, SCA, SCB, s, p1, p2): s += SCA·(Z24 · the four
// activation bytes at lo) + SCB·(Z25 · those at hi), each lane's four
// products summed exactly (vpdpbusd) and times its scale (vpdpwssd: the
// sum fits a word, the scale's dword is a word and a zero).
#define K5_DOT(lo, hi, SCA, SCB, s, p1, p2) \
	VPXORD        p1, p1, p1; \
	VPXORD        p2, p2, p2; \
	VPDPBUSD.BCST lo, Z24, p1; \
	VPDPBUSD.BCST hi, Z25, p2; \
	VPDPWSSD      SCA, p1, s; \
	VPDPWSSD      SCB, p2, s

// K5_CHUNK(w, j, p, SCA, SCB): chunk 8j+p of the block at w (offset SI)
// into lane p's sum Z8 (activations at R9; scales of sub-blocks 2j and
// 2j+1 in SCA and SCB). Clobbers Z24-Z27.
#define K5_CHUNK(w, j, p, SCA, SCB) \
	K5_LEVELS(320+320*p+64*j(w)(SI*1), 256+320*p+16*j(w)(SI*1), 264+320*p+16*j(w)(SI*1)); \
	K5_DOT(4+64*j+4*p(R9), 36+64*j+4*p(R9), SCA, SCB, Z8, Z26, Z27)

// K5_LANE(w, p, A): ggml's lane p of the block into A: its exact sum over
// the block's four 64-element groups, then A = fma(d·d_x (Z9), sum, A).
#define K5_LANE(w, p, A) \
	VPXORD      Z8, Z8, Z8; \
	K5_CHUNK(w, 0, p, Z16, Z17); \
	K5_CHUNK(w, 1, p, Z18, Z19); \
	K5_CHUNK(w, 2, p, Z20, Z21); \
	K5_CHUNK(w, 3, p, Z22, Z23); \
	VCVTDQ2PS   Z8, Z8; \
	VFMADD231PS Z9, Z8, A

// K5_SCALES: the eight sub-blocks' scales of the lines Z24-Z26 into
// Z16-Z23. Clobbers Z27.
#define K5_SCALES \
	K_SC0(Z24, Z25, Z26, Z16, Z27); \
	K_SC1(Z24, Z25, Z26, Z17, Z27); \
	K_SC2(Z24, Z25, Z26, Z18, Z27); \
	K_SC3(Z24, Z25, Z26, Z19, Z27); \
	K_SC4(Z24, Z25, Z26, Z20, Z27); \
	K_SC5(Z24, Z25, Z26, Z21, Z27); \
	K_SC6(Z24, Z25, Z26, Z22, Z27); \
	K_SC7(Z24, Z25, Z26, Z23, Z27)

// K5_RUN(w, A0, …, A7, sums): one block of one run (weights at w, offset
// SI; activations R9, their sums R10, d_x at (R11)) into the lanes A0-A7
// and the minimums' floats at sums: summs = fma(−d_x·dmin, M, summs).
// Clobbers Z8, Z9, Z16-Z27, K1, K2.
#define K5_RUN(w, A0, A1, A2, A3, A4, A5, A6, A7, sums) \
	K_LINES(w, Z24, Z25, Z26); \
	K_MINS(Z24, Z25, Z26, Z27, Z8, Z9); \
	VCVTDQ2PS    Z27, Z27; \
	VCVTPH2PS    32(w)(SI*1), Z8; \
	VMULPS.BCST  (R11), Z8, Z8; \
	VMOVUPS      sums, Z9; \
	VFNMADD231PS Z8, Z27, Z9; \
	VMOVUPS      Z9, sums; \
	K5_SCALES; \
	VCVTPH2PS    0(w)(SI*1), Z9; \
	VMULPS.BCST  (R11), Z9, Z9; \
	K5_LANE(w, 0, A0); \
	K5_LANE(w, 1, A1); \
	K5_LANE(w, 2, A2); \
	K5_LANE(w, 3, A3); \
	K5_LANE(w, 4, A4); \
	K5_LANE(w, 5, A5); \
	K5_LANE(w, 6, A6); \
	K5_LANE(w, 7, A7)

// K5_ZERO(A0, …, A7, sums): a group's lanes and minimums' floats cleared.
#define K5_ZERO(A0, A1, A2, A3, A4, A5, A6, A7, sums) \
	L8_ZERO(A0, A1, A2, A3, A4, A5, A6, A7); \
	VMOVUPS A0, sums

// K5_SUM(A0, …, A7, out): out = hsum8 of the lanes + the minimums'
// floats at out.
#define K5_SUM(A0, A1, A2, A3, A4, A5, A6, A7, out) \
	L8_HSUM(A0, A1, A2, A3, A4, A5, A6, A7); \
	VADDPS  out, A0, A0; \
	VMOVUPS A0, out

// The one-token kernels' steps (WIDE_GROUPS, WIDE_TWO): a group's lanes
// (and the minimums' floats at the outputs) cleared, a block (or two) and
// past it, and the sums.
#define K5_GROUP1 K5_ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, (DI))
#define K5_BLOCK1 \
	K5_RUN(AX, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, (DI)); \
	K_NEXT(2816)
#define K5_PAIR1 \
	K5_BLOCK1; \
	K5_BLOCK1
#define K5_END1 K5_SUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, (DI))
#define K5_GROUP2 \
	K5_GROUP1; \
	K5_ZERO(Z10, Z11, Z12, Z13, Z14, Z28, Z29, Z30, (R15))
#define K5_BLOCK2 \
	K5_RUN(R12, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, (DI)); \
	K5_RUN(R13, Z10, Z11, Z12, Z13, Z14, Z28, Z29, Z30, (R15))
#define K5_END2 \
	K5_END1; \
	K5_SUM(Z10, Z11, Z12, Z13, Z14, Z28, Z29, Z30, (R15))

// func dotWideQ5_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// bias: the activations' 8 sub-block sums a block (fillQ4KWide).
TEXT ·dotWideQ5_KVNNI(SB), NOSPLIT, $0-56
	WIDE_GROUPS(K5_CONSTS, K5_GROUP1, K5_PAIR1, K5_BLOCK1, K5_END1)

// func dotWideQ5_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ5_KVNNI over two runs of groups at once (group i of wA beside
// group i of wB, each as the one-run kernel computes it): two streams, a
// block of each in turn.
TEXT ·dotWideQ5_KTwoVNNI(SB), NOSPLIT, $0-72
	WIDE_TWO(K5_CONSTS, K5_GROUP2, K5_BLOCK2, K_NEXT(2816), K5_END2)

// The four-token kernel: a chunk's levels are made once for the four
// tokens, and its two halves' sums share one vpdpwssd (as
// dotWideQ3_Kx4VNNI's pairs of groups): a token's dword p = (high half's
// sum) << 16 + low half's sum + 2¹⁴ (each sum at most 4·31·128 = 15872 in
// size, so the low word stays in 0…32767 and nothing borrows), times the
// group's scales as words [sc_2j, sc_2j+1] (Z16-Z19); the lane's sum starts
// from −2¹⁴ times the four low scales (Z20), so it is the same integer.
// Token t's activations are at R9 + t·R10, its sums (8 int32 a block) at
// R11 + t·R13, its d_x at R12 + t·R13 (DX, AX and R8: token 2's) and its
// outputs at DI + t·R14 (R15: token 2's), which hold its minimums' floats
// until the group ends. Its lane p's floats are on the stack at 512t +
// 64p, its lane sums in Z0+t, its d·d_x of the block in Z9+t; Z21 holds
// the dwords 2¹⁴ (KX5_PACK). A chunk takes 12 multiplies (vpdpbusd,
// vpdpwssd) where it took 16, and 4 shifts and 4 adds more: on this
// Zen 4 BenchmarkDotWideQ5_Kx4/x4 went from 26.3 µs to 23.1, and with the
// minimums by vpdpwssd (KX5_MINS) to 22.5. The one-token kernels keep two
// vpdpwssd a chunk (K5_DOT): they make a chunk's levels for one token, and
// with the pairs BenchmarkDotWideQ5_K/avx512 went from 8.6 µs to 9.5;
// their minimums by vpdpwssd (as KX5_MINS) stayed within the noise of
// this shared host (8.5-10.1 µs against 8.6-9.4), so they keep K_MINS.

// KX5_PACK(p): p = p << 16 + 2¹⁴. (vpshldd, one instruction, and vprold
// from 2³⁰ + 2¹⁴ took 10% longer on Zen 4 than the shift and the add.)
#define KX5_PACK(p) \
	VPSLLD $16, p, p; \
	VPADDD Z21, p, p

// KX5_TOKEN(lo, hi, SC, p, s): s += SC's words times a token's pair p: its
// activation bytes at hi times Z25, packed (KX5_PACK), plus those at lo
// times Z24.
#define KX5_TOKEN(lo, hi, SC, p, s) \
	VPXORD        p, p, p; \
	VPDPBUSD.BCST hi, Z25, p; \
	KX5_PACK(p); \
	VPDPBUSD.BCST lo, Z24, p; \
	VPDPWSSD      SC, p, s

// KX5_CHUNK(j, p, SC): chunk 8j+p (at SI) into the tokens' lane sums
// Z0-Z3 (group j's scales SC). Clobbers Z5-Z8, Z24, Z25, K1, K2.
#define KX5_CHUNK(j, p, SC) \
	K5_LEVELS(320+320*p+64*j(SI), 256+320*p+16*j(SI), 264+320*p+16*j(SI)); \
	KX5_TOKEN(4+64*j+4*p(R9), 36+64*j+4*p(R9), SC, Z5, Z0); \
	KX5_TOKEN(4+64*j+4*p(R9)(R10*1), 36+64*j+4*p(R9)(R10*1), SC, Z6, Z1); \
	KX5_TOKEN(4+64*j+4*p(DX), 36+64*j+4*p(DX), SC, Z7, Z2); \
	KX5_TOKEN(4+64*j+4*p(DX)(R10*1), 36+64*j+4*p(DX)(R10*1), SC, Z8, Z3)

// KX5_PAIR(SCLO, SCHI, dst): a group's two scales as the words of dst
// (low, high), the low one added to Z20. Clobbers Z12, Z27.
#define KX5_PAIR(SCLO, SCHI, dst) \
	SCHI(Z24, Z25, Z26, Z12, Z27); \
	SCLO(Z24, Z25, Z26, dst, Z27); \
	VPADDD dst, Z20, Z20; \
	VPSLLD $16, Z12, Z12; \
	VPORD  Z12, dst, dst

// KX5_SCALES: the four groups' pairs of scales of the lines Z24-Z26 into
// Z16-Z19, the lanes' start (−2¹⁴ times the low scales) into Z20.
// Clobbers Z12, Z27.
#define KX5_SCALES \
	VPXORD Z20, Z20, Z20; \
	KX5_PAIR(K_SC0, K_SC1, Z16); \
	KX5_PAIR(K_SC2, K_SC3, Z17); \
	KX5_PAIR(K_SC4, K_SC5, Z18); \
	KX5_PAIR(K_SC6, K_SC7, Z19); \
	VPSLLD $14, Z20, Z20; \
	VPXORD Z12, Z12, Z12; \
	VPSUBD Z20, Z12, Z20

// KX5_FIN(s, dd, acc): a token's lane floats at acc = fma(d·d_x (dd), s,
// acc), the addend from memory (vfmadd213ps).
#define KX5_FIN(s, dd, acc) \
	VCVTDQ2PS   s, s; \
	VFMADD213PS acc, dd, s; \
	VMOVUPS     s, acc

// KX5_LANE(p): lane p of the block for the four tokens.
#define KX5_LANE(p) \
	VMOVDQA32 Z20, Z0; \
	VMOVDQA32 Z20, Z1; \
	VMOVDQA32 Z20, Z2; \
	VMOVDQA32 Z20, Z3; \
	KX5_CHUNK(0, p, Z16); \
	KX5_CHUNK(1, p, Z17); \
	KX5_CHUNK(2, p, Z18); \
	KX5_CHUNK(3, p, Z19); \
	KX5_FIN(Z0, Z9, 64*p(SP)); \
	KX5_FIN(Z1, Z10, 512+64*p(SP)); \
	KX5_FIN(Z2, Z11, 1024+64*p(SP)); \
	KX5_FIN(Z3, Z12, 1536+64*p(SP))

// KX5_MIN(j, MN): each token's M (Z8+t) += sub-block j's minimums times
// its sum over it: the minimum a word and a zero, the sum (at most
// 32·128 in size) a word and its sign, one vpdpwssd a token (KX_MIN's
// vpmulld and vpaddd).
#define KX5_MIN(j, MN) \
	MN(Z24, Z25, Z26, Z12, Z14); \
	VPDPWSSD.BCST 4*j(R11), Z12, Z8; \
	VPDPWSSD.BCST 4*j(R11)(R13*1), Z12, Z9; \
	VPDPWSSD.BCST 4*j(AX), Z12, Z10; \
	VPDPWSSD.BCST 4*j(AX)(R13*1), Z12, Z11

// KX5_MINS: each token's M (Z8+t) of the block, from the lines Z24-Z26.
#define KX5_MINS \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	KX5_MIN(0, K_MN0); \
	KX5_MIN(1, K_MN1); \
	KX5_MIN(2, K_MN2); \
	KX5_MIN(3, K_MN3); \
	KX5_MIN(4, K_MN4); \
	KX5_MIN(5, K_MN5); \
	KX5_MIN(6, K_MN6); \
	KX5_MIN(7, K_MN7)

// KX5_SUMS(m, dx, out): a token's minimums' floats at out = fma(−d_x·dmin,
// M, summs) (dmin in Z13). Clobbers Z4, Z12.
#define KX5_SUMS(m, dx, out) \
	VCVTDQ2PS    m, m; \
	VMULPS.BCST  dx, Z13, Z12; \
	VMOVUPS      out, Z4; \
	VFNMADD231PS Z12, m, Z4; \
	VMOVUPS      Z4, out

// KX5_BLOCK: one block for the four tokens.
#define KX5_BLOCK \
	LEAQ      (R9)(R10*2), DX; \
	LEAQ      (R11)(R13*2), AX; \
	LEAQ      (R12)(R13*2), R8; \
	K_LINES0; \
	KX5_MINS; \
	VCVTPH2PS 32(SI), Z13; \
	KX5_SUMS(Z8, (R12), (DI)); \
	KX5_SUMS(Z9, (R12)(R13*1), (DI)(R14*1)); \
	KX5_SUMS(Z10, (R8), (R15)); \
	KX5_SUMS(Z11, (R8)(R13*1), (R15)(R14*1)); \
	KX5_SCALES; \
	VCVTPH2PS   0(SI), Z4; \
	VMULPS.BCST (R12), Z4, Z9; \
	VMULPS.BCST (R12)(R13*1), Z4, Z10; \
	VMULPS.BCST (R8), Z4, Z11; \
	VMULPS.BCST (R8)(R13*1), Z4, Z12; \
	KX5_LANE(0); \
	KX5_LANE(1); \
	KX5_LANE(2); \
	KX5_LANE(3); \
	KX5_LANE(4); \
	KX5_LANE(5); \
	KX5_LANE(6); \
	KX5_LANE(7)

// KX5_END(t, out): token t's outputs of the group (K5_SUM of its lane
// floats).
#define KX5_END(t, out) \
	SP8_LOAD(512*t); \
	K5_SUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, out)

// func dotWideQ5_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens at once (prefill), as dotWideQ4_Kx4VNNI takes them (bias:
// the tokens' 8 sums a block): each token's outputs as the one-token
// kernel computes them. Its frame holds the tokens' lane floats.
TEXT ·dotWideQ5_Kx4VNNI(SB), 0, $2048-80
	X4_ARGS(done)
	MOVQ ostride+8(FP), R14
	K5_CONSTS
	MOVL         $0x4000, AX
	VPBROADCASTD AX, Z21

group:
	SP8_CLEAR4
	LEAQ    (DI)(R14*2), R15
	VMOVUPS Z0, (DI)
	VMOVUPS Z0, (DI)(R14*1)
	VMOVUPS Z0, (R15)
	VMOVUPS Z0, (R15)(R14*1)
	MOVQ    nb+72(FP), BX
	MOVQ    x+32(FP), R9
	MOVQ    bias+48(FP), R11
	MOVQ    d+56(FP), R12

block:
	KX5_BLOCK
	ADDQ $2816, SI
	ADDQ $292, R9
	ADDQ $32, R11
	ADDQ $4, R12
	DECQ BX
	JNZ  block
	KX5_END(0, (DI))
	KX5_END(1, (DI)(R14*1))
	KX5_END(2, (R15))
	KX5_END(3, (R15)(R14*1))
	ADDQ $64, DI
	DECQ CX
	JNZ  group

done:
	VZEROUPPER
	RET
