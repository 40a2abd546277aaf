//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotk_amd64.h"

// Q5_K × Q8_K rows in the order of ggml's AVX2 kernel (see dot_q5k.go):
// per 32-element group the nibbles take their fifth bits (moved to bit 4 by
// one shift and a mask), vpmaddubsw (levels unsigned, activations signed)
// makes word pairs and vpmaddwd (AVX2) or vpdpwssd (VNNI, the same
// integers) weighs them by the sub-block scale; the lanes are fused with
// d_x·d_w into Y0. The minimums' integer sum is fused with −d_x·dmin_w into
// a scalar added after hsum8.

// q5kScale broadcasts scale word i (of 8, both halves) for vpshufb.
DATA q5kScale<>+0(SB)/8, $0x0100010001000100
DATA q5kScale<>+8(SB)/8, $0x0100010001000100
DATA q5kScale<>+16(SB)/8, $0x0100010001000100
DATA q5kScale<>+24(SB)/8, $0x0100010001000100
DATA q5kScale<>+32(SB)/8, $0x0302030203020302
DATA q5kScale<>+40(SB)/8, $0x0302030203020302
DATA q5kScale<>+48(SB)/8, $0x0302030203020302
DATA q5kScale<>+56(SB)/8, $0x0302030203020302
DATA q5kScale<>+64(SB)/8, $0x0504050405040504
DATA q5kScale<>+72(SB)/8, $0x0504050405040504
DATA q5kScale<>+80(SB)/8, $0x0504050405040504
DATA q5kScale<>+88(SB)/8, $0x0504050405040504
DATA q5kScale<>+96(SB)/8, $0x0706070607060706
DATA q5kScale<>+104(SB)/8, $0x0706070607060706
DATA q5kScale<>+112(SB)/8, $0x0706070607060706
DATA q5kScale<>+120(SB)/8, $0x0706070607060706
DATA q5kScale<>+128(SB)/8, $0x0908090809080908
DATA q5kScale<>+136(SB)/8, $0x0908090809080908
DATA q5kScale<>+144(SB)/8, $0x0908090809080908
DATA q5kScale<>+152(SB)/8, $0x0908090809080908
DATA q5kScale<>+160(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q5kScale<>+168(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q5kScale<>+176(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q5kScale<>+184(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q5kScale<>+192(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q5kScale<>+200(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q5kScale<>+208(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q5kScale<>+216(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q5kScale<>+224(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA q5kScale<>+232(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA q5kScale<>+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA q5kScale<>+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL q5kScale<>(SB), RODATA|NOPTR, $256

// Q5K_CONSTS: Y15 = 0x0f bytes, Y14 = 0x10 bytes. Clobbers AX.
#define Q5K_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15); \
	VBCAST32(0x10101010, X14, Y14)

// Q5K_MINSUM_OF(tok, m, s, t): s lane 0 = float(Σ minimums (words in m) ·
// the 32-element sums of the Q8_K block at tok), one integer summed across
// lanes before the conversion. Clobbers t.
#define Q5K_MINSUM_OF(tok, m, s, t) \
	VMOVDQU   260 tok, s; \
	VPHADDW   276 tok, s, s; \
	VPMADDWD  s, m, s; \
	HSUM4I(s, t); \
	VCVTDQ2PS s, s

// Q5K_MINSUM(tok): Q5K_MINSUM_OF with the minimums in X3, the sum in X4.
// Clobbers X5.
#define Q5K_MINSUM(tok) Q5K_MINSUM_OF(tok, X3, X4, X5)

// Q5K_MINS: X1 lane 0 −= d_x·dmin_w · Σ minimums (R11) · the activations'
// 32-element sums; leaves X9 = d_x·d_w, d_x·dmin_w (lanes 0, 1).
// Clobbers X3-X5, X8, X10.
#define Q5K_MINS \
	VMOVQ        R11, X3; \
	VPMOVZXBW    X3, X3; \
	Q5K_MINSUM((R9)); \
	VMOVD        (SI), X9; \
	VCVTPH2PS    X9, X9; \
	VBROADCASTSS (R9), X8; \
	VMULPS       X8, X9, X9; \
	VSHUFPS      $0x55, X9, X9, X10; \
	VFNMADD231SS X4, X10, X1

// Q5K_BIT(op, n, dst): dst |= the fifth bits of a sub-block (bit k of the
// qh bytes in Y11) moved to bit 4 by op $n (VPSLLW by 4−k or VPSRLW by
// k−4). Reads Y14 (0x10 bytes); clobbers Y12.
#define Q5K_BIT(op, n, dst) \
	op    $n, Y11, Y12; \
	VPAND Y14, Y12, Y12; \
	VPOR  Y12, dst, dst

// Q5K_BIT4(dst): Q5K_BIT for k = 4 (no shift). Clobbers Y12.
#define Q5K_BIT4(dst) \
	VPAND Y14, Y11, Y12; \
	VPOR  Y12, dst, dst

// Q5K_PAIRS(PAIR): the four sub-block pairs of a block (SI; qh in Y11):
// the levels (K_NIBBLES and the fifth bits) into Y6, Y5, then
// PAIR(q5kScale, x, s) with their activations' offset x and their scales'
// vpshufb row s (K_PAIR_AVX2, K_PAIR_VNNI or a four-token pair).
#define Q5K_PAIRS(PAIR) \
	K_NIBBLES(48); \
	Q5K_BIT(VPSLLW, 4, Y6); \
	Q5K_BIT(VPSLLW, 3, Y5); \
	PAIR(q5kScale, 4, 0); \
	K_NIBBLES(80); \
	Q5K_BIT(VPSLLW, 2, Y6); \
	Q5K_BIT(VPSLLW, 1, Y5); \
	PAIR(q5kScale, 68, 64); \
	K_NIBBLES(112); \
	Q5K_BIT4(Y6); \
	Q5K_BIT(VPSRLW, 1, Y5); \
	PAIR(q5kScale, 132, 128); \
	K_NIBBLES(144); \
	Q5K_BIT(VPSRLW, 2, Y6); \
	Q5K_BIT(VPSRLW, 3, Y5); \
	PAIR(q5kScale, 196, 192)

// Q5K_BLOCK(PAIR): one block's part of a row (SI the block, R9 its Q8_K
// block): X1 −= the minimums' term (Q5K_MINS), Y0 += the four sub-block
// pairs' lanes (Q5K_PAIRS(PAIR)), fused with d_x·d_w. Clobbers AX, DX,
// R8, R10, R11, R13, X2-X12.
#define Q5K_BLOCK(PAIR) \
	K_SCALES_MINS; \
	Q5K_MINS; \
	K_SCALES_Y2; \
	VMOVDQU 16(SI), Y11; \
	VPXOR   Y3, Y3, Y3; \
	Q5K_PAIRS(PAIR); \
	K_FUSE

// The AVX2 four-token kernel has sixteen vector registers: each token's
// integer lanes of a block in Y0+t, its float lanes in Y4+t and its
// minimums' scalar on the stack (at t·16(SP)); a sub-block pair's levels
// in Y8 and Y9, the scale words in Y12 and a sub-block's pick of them in
// Y10, d_w and dmin_w in X13; Y11 is scratch. The fifth bits are read from
// memory for each use.

// Q5KX4A_ZERO clears the tokens' float lanes and minimums' scalars.
#define Q5KX4A_ZERO \
	VZERO4(Y4, Y5, Y6, Y7); \
	VMOVUPS X4, 0(SP); \
	VMOVUPS X4, 16(SP); \
	VMOVUPS X4, 32(SP); \
	VMOVUPS X4, 48(SP)

// Q5KX4A_MINS(tok, acc, m): Q5KX4_MINS for the token at tok with the
// minimums' words in X8, d_w and dmin_w in X13 and its minimums' scalar
// at m(SP); clears its integer lanes acc. Clobbers X9-X11.
#define Q5KX4A_MINS(tok, acc, m) \
	Q5K_MINSUM_OF(tok, X8, X9, X10); \
	VBROADCASTSS tok, X10; \
	VMULPS       X10, X13, X10; \
	VSHUFPS      $0x55, X10, X10, X10; \
	VMOVSS       m(SP), X11; \
	VFNMADD231SS X9, X10, X11; \
	VMOVSS       X11, m(SP); \
	VPXOR        acc, acc, acc

// Q5KX4A_NIBBLES(w): K_NIBBLES into Y8 (low) and Y9 (high).
#define Q5KX4A_NIBBLES(w) \
	VMOVDQU w(SI), Y9; \
	VPAND   Y15, Y9, Y8; \
	VPSRLW  $4, Y9, Y9; \
	VPAND   Y15, Y9, Y9

// Q5KX4A_BIT(op, n, dst) and Q5KX4A_BIT4(dst): Q5K_BIT and Q5K_BIT4 from
// the qh bytes at 16(SI). Clobber Y11.
#define Q5KX4A_BIT(op, n, dst) \
	VMOVDQU 16(SI), Y11; \
	op      $n, Y11, Y11; \
	VPAND   Y14, Y11, Y11; \
	VPOR    Y11, dst, dst
#define Q5KX4A_BIT4(dst) \
	VPAND 16(SI), Y14, Y11; \
	VPOR  Y11, dst, dst

// Q5KX4A_TOKEN(x, tok, lv, acc): acc += a sub-block's lanes for one
// token, K_PAIR_AVX2's integers: the levels lv · its activations at x tok
// weighed by the scale words Y10. Clobbers Y11.
#define Q5KX4A_TOKEN(x, tok, lv, acc) \
	VPMADDUBSW x tok, lv, Y11; \
	VPMADDWD   Y10, Y11, Y11; \
	VPADDD     Y11, acc, acc

// Q5KX4A_SUB(lv, x, s): a sub-block (levels lv, activations' offset x,
// its scale's vpshufb row s) for the four tokens.
#define Q5KX4A_SUB(lv, x, s) \
	VPSHUFB q5kScale<>+s(SB), Y12, Y10; \
	Q5KX4A_TOKEN(x, (R9), lv, Y0); \
	Q5KX4A_TOKEN(x, (R9)(R14*1), lv, Y1); \
	Q5KX4A_TOKEN(x, (R9)(R14*2), lv, Y2); \
	Q5KX4A_TOKEN(x, (R9)(R15*1), lv, Y3)

// Q5KX4A_PAIR(x, s): a sub-block pair (levels in Y8, Y9) for the four
// tokens, as K_PAIR_AVX2(q5kScale, x, s).
#define Q5KX4A_PAIR(x, s) \
	Q5KX4A_SUB(Y8, x, s); \
	Q5KX4A_SUB(Y9, x+32, s+32)

// Q5KX4A_FUSE(tok, acc, facc): KX4_FUSE with d_w in X13. Clobbers Y10.
#define Q5KX4A_FUSE(tok, acc, facc) \
	VBROADCASTSS tok, X10; \
	VMULPS       X10, X13, X10; \
	VBROADCASTSS X10, Y10; \
	VCVTDQ2PS    acc, acc; \
	VFMADD231PS  acc, Y10, facc

// Q5KX4A_BLOCK: one block (SI) for the four tokens, as Q5KX4_BLOCK.
#define Q5KX4A_BLOCK \
	K_SCALES_MINS; \
	VMOVQ       R11, X8; \
	VPMOVZXBW   X8, X8; \
	VMOVD       (SI), X13; \
	VCVTPH2PS   X13, X13; \
	Q5KX4A_MINS((R9), Y0, 0); \
	Q5KX4A_MINS((R9)(R14*1), Y1, 16); \
	Q5KX4A_MINS((R9)(R14*2), Y2, 32); \
	Q5KX4A_MINS((R9)(R15*1), Y3, 48); \
	VMOVQ       R10, X12; \
	VPMOVZXBW   X12, X12; \
	VINSERTI128 $1, X12, Y12, Y12; \
	Q5KX4A_NIBBLES(48); \
	Q5KX4A_BIT(VPSLLW, 4, Y8); \
	Q5KX4A_BIT(VPSLLW, 3, Y9); \
	Q5KX4A_PAIR(4, 0); \
	Q5KX4A_NIBBLES(80); \
	Q5KX4A_BIT(VPSLLW, 2, Y8); \
	Q5KX4A_BIT(VPSLLW, 1, Y9); \
	Q5KX4A_PAIR(68, 64); \
	Q5KX4A_NIBBLES(112); \
	Q5KX4A_BIT4(Y8); \
	Q5KX4A_BIT(VPSRLW, 1, Y9); \
	Q5KX4A_PAIR(132, 128); \
	Q5KX4A_NIBBLES(144); \
	Q5KX4A_BIT(VPSRLW, 2, Y8); \
	Q5KX4A_BIT(VPSRLW, 3, Y9); \
	Q5KX4A_PAIR(196, 192); \
	Q5KX4A_FUSE((R9), Y0, Y4); \
	Q5KX4A_FUSE((R9)(R14*1), Y1, Y5); \
	Q5KX4A_FUSE((R9)(R14*2), Y2, Y6); \
	Q5KX4A_FUSE((R9)(R15*1), Y3, Y7)

// Q5KX4A_RESULT(facc, m): X0 lane 0 = hsum8(facc) + the minimums'
// scalar at m(SP), HSUM8_Y0_PLUS's order. Clobbers Y0, X1, X2.
#define Q5KX4A_RESULT(facc, m) \
	VMOVAPS facc, Y0; \
	HSUM8_Y0(X2); \
	VMOVSS  m(SP), X1; \
	VADDSS  X1, X0, X0

// func dotRowsQ5_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_KAVX2(SB), NOSPLIT, $0-48
	KROWS(Q5K_CONSTS, ZERO_Y0_AND(X1), Q5K_BLOCK(K_PAIR_AVX2), 176, HSUM8_Y0_PLUS(X2, X1))

// dotRowsQ5_KVNNI is dotRowsQ5_KAVX2 with vpdpwssd doing vpmaddwd's sums
// and the add in one (the same integers).
//
// func dotRowsQ5_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_KVNNI(SB), NOSPLIT, $0-48
	KROWS(Q5K_CONSTS, ZERO_Y0_AND(X1), Q5K_BLOCK(K_PAIR_VNNI), 176, HSUM8_Y0_PLUS(X2, X1))

// Q5KX4_MINS(tok, acc, facc, m): for the token whose Q8_K block is at
// tok: m lane 0 −= d_x·dmin_w · Σ minimums · its 32-element sums (X9:
// d_w, dmin_w); then clears its integer lanes acc (facc unused).
// Clobbers X4, X5, X8, X10.
#define Q5KX4_MINS(tok, acc, facc, m) \
	Q5K_MINSUM(tok); \
	VBROADCASTSS tok, X8; \
	VMULPS       X8, X9, X8; \
	VSHUFPS      $0x55, X8, X8, X10; \
	VFNMADD231SS X4, X10, m; \
	VPXORD       acc, acc, acc

// Q5KX4_PAIR(tab, x, s): KX4_PAIR with Y13 for the second sub-block.
#define Q5KX4_PAIR(tab, x, s) KX4_PAIR(tab, x, s, Y13)

// Q5KX4_BLOCK: one block (SI) for the four tokens: the scales and
// minimums unpacked once, d_w and dmin_w (X9), each token's minimums'
// scalar into X20+t and its pairs' lanes into Y24+t, fused into Y16+t.
#define Q5KX4_BLOCK \
	K_SCALES_MINS; \
	VMOVQ     R11, X3; \
	VPMOVZXBW X3, X3; \
	VMOVD     (SI), X9; \
	VCVTPH2PS X9, X9 /* d_w, dmin_w */; \
	KX4_EACH(Q5KX4_MINS, R9); \
	K_SCALES_Y2; \
	VMOVDQU 16(SI), Y11; \
	Q5K_PAIRS(Q5KX4_PAIR); \
	KX4_EACH(KX4_FUSE, R9)

// func dotRowsQ5_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_K rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels and scales are unpacked once
// and meet every token with the one-token VNNI kernel's instructions, so
// each token's lanes and float order are dotRowsQ5_KVNNI's. Token t keeps
// its float lanes in Y16+t, its minimums' scalar in X20+t and its integer
// lanes in Y24+t (AVX-512 VL and BW).
TEXT ·dotRowsQ5_Kx4VNNI(SB), NOSPLIT, $0-64
	KX4ROWS(Q5K_CONSTS, KX4_ZERO_FM, Q5KX4_BLOCK, SI, R9, 176, 292, KX4_STORE(KX4_HSUM_MIN))

// func dotRowsQ5_Kx4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// dotRowsQ5_Kx4VNNI in sixteen 256-bit registers with vpmaddwd's sums
// added apart: each token's integers, float order and minimums those of
// dotRowsQ5_KAVX2.
TEXT ·dotRowsQ5_Kx4AVX2(SB), NOSPLIT, $64-64
	KX4ROWS(Q5K_CONSTS, Q5KX4A_ZERO, Q5KX4A_BLOCK, SI, R9, 176, 292, X4A_STORE_R8(Q5KX4A_RESULT))
