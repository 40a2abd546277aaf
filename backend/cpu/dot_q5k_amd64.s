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

// Q5K_MINSUM(tok): X4 lane 0 = float(Σ minimums (words in X3) · the
// 32-element sums of the Q8_K block at tok), one integer summed across
// lanes before the conversion. Clobbers X5.
#define Q5K_MINSUM(tok) \
	VMOVDQU   260 tok, X4; \
	VPHADDW   276 tok, X4, X4; \
	VPMADDWD  X4, X3, X4; \
	VPSHUFD   $0x4e, X4, X5; \
	VPADDD    X5, X4, X4; \
	VPSHUFD   $0xb1, X4, X5; \
	VPADDD    X5, X4, X4; \
	VCVTDQ2PS X4, X4

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
