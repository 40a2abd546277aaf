//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotk_amd64.h"

// Q4_K × Q8_K rows in the order of ggml's AVX2 kernels (see
// dot_k.go): integer lanes from vpmaddubsw (levels unsigned, activations
// signed) and vpmaddwd with the sub-block scales, then fused into the float
// lanes with d_x·d_w.

DATA shufK4<>+0(SB)/8, $0x0100010001000100
DATA shufK4<>+8(SB)/8, $0x0100010001000100
DATA shufK4<>+16(SB)/8, $0x0100010001000100
DATA shufK4<>+24(SB)/8, $0x0100010001000100
DATA shufK4<>+32(SB)/8, $0x0302030203020302
DATA shufK4<>+40(SB)/8, $0x0302030203020302
DATA shufK4<>+48(SB)/8, $0x0302030203020302
DATA shufK4<>+56(SB)/8, $0x0302030203020302
DATA shufK4<>+64(SB)/8, $0x0504050405040504
DATA shufK4<>+72(SB)/8, $0x0504050405040504
DATA shufK4<>+80(SB)/8, $0x0504050405040504
DATA shufK4<>+88(SB)/8, $0x0504050405040504
DATA shufK4<>+96(SB)/8, $0x0706070607060706
DATA shufK4<>+104(SB)/8, $0x0706070607060706
DATA shufK4<>+112(SB)/8, $0x0706070607060706
DATA shufK4<>+120(SB)/8, $0x0706070607060706
DATA shufK4<>+128(SB)/8, $0x0908090809080908
DATA shufK4<>+136(SB)/8, $0x0908090809080908
DATA shufK4<>+144(SB)/8, $0x0908090809080908
DATA shufK4<>+152(SB)/8, $0x0908090809080908
DATA shufK4<>+160(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4<>+168(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4<>+176(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4<>+184(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4<>+192(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4<>+200(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4<>+208(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4<>+216(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4<>+224(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK4<>+232(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK4<>+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK4<>+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL shufK4<>(SB), RODATA|NOPTR, $256

// Q4K_CONSTS: Y15 = 0x0f bytes. Clobbers AX.
#define Q4K_CONSTS VBCAST32(0x0f0f0f0f, X15, Y15)

// Q4K_PAIRS(PAIR): the four sub-block pairs of a block: levels from
// K_NIBBLES, then PAIR(shufK4, x, s) with their activations' offset x and
// their scales' vpshufb row s (K_PAIR_AVX2, K_PAIR_VNNI or a four-token
// pair).
#define Q4K_PAIRS(PAIR) \
	K_NIBBLES(16); \
	PAIR(shufK4, 4, 0); \
	K_NIBBLES(48); \
	PAIR(shufK4, 68, 64); \
	K_NIBBLES(80); \
	PAIR(shufK4, 132, 128); \
	K_NIBBLES(112); \
	PAIR(shufK4, 196, 192)

// Q4K_BLOCK(PAIR): one block's part of a row (SI the block, R9 its Q8_K
// block): X1 −= the minimums' lanes (Q4K_MINS), Y0 += the four sub-block
// pairs' lanes (Q4K_PAIRS(PAIR)), fused with d_x·d_w. Clobbers AX, DX,
// R8, R10, R11, R13, X2-X10.
#define Q4K_BLOCK(PAIR) \
	K_SCALES_MINS; \
	Q4K_MINS; \
	K_SCALES_Y2; \
	VPXOR Y3, Y3, Y3; \
	Q4K_PAIRS(PAIR); \
	K_FUSE

// The AVX2 four-token kernel has sixteen vector registers: each token's
// integer lanes of a block in Y0+t, its float lanes in Y4+t, its
// minimums' lanes on the stack (16 bytes a token at t·16(SP)); the levels
// of a sub-block pair in Y12 and Y13, the scale words in Y14 and the pair's
// picks of them in Y10 and Y11; Y8 and Y9 are scratch.

// Q4KX4A_ZERO clears the tokens' float and minimums' lanes.
#define Q4KX4A_ZERO \
	VZERO4(Y4, Y5, Y6, Y7); \
	VMOVUPS X4, 0(SP); \
	VMOVUPS X4, 16(SP); \
	VMOVUPS X4, 32(SP); \
	VMOVUPS X4, 48(SP)

// Q4KX4A_MINS(tok, acc, m): Q4KX4_MINS for the token at tok with the
// minimums' words in X12, dmin_w in X13 and its minimums' lanes at m(SP);
// clears its integer lanes acc. Clobbers X8-X10.
#define Q4KX4A_MINS(tok, acc, m) \
	VMOVDQU      260 tok, X8; \
	VPHADDW      276 tok, X8, X8; \
	VPMADDWD     X8, X12, X8; \
	VCVTDQ2PS    X8, X8; \
	VBROADCASTSS tok, X9; \
	VMULPS       X9, X13, X9; \
	VMOVUPS      m(SP), X10; \
	VFNMADD231PS X8, X9, X10; \
	VMOVUPS      X10, m(SP); \
	VPXOR        acc, acc, acc

// Q4KX4A_NIBBLES(w): K_NIBBLES into Y12 (low) and Y13 (high).
#define Q4KX4A_NIBBLES(w) \
	VMOVDQU w(SI), Y13; \
	VPAND   Y15, Y13, Y12; \
	VPSRLW  $4, Y13, Y13; \
	VPAND   Y15, Y13, Y13

// Q4KX4A_TOKEN(x, tok, acc): acc += a sub-block pair's lanes for one
// token, K_PAIR_AVX2's integers: the levels Y12, Y13 · its activations at
// x tok and x+32 tok, weighed by the scale words Y10, Y11. Clobbers Y8,
// Y9.
#define Q4KX4A_TOKEN(x, tok, acc) \
	VPMADDUBSW x tok, Y12, Y8; \
	VPMADDWD   Y10, Y8, Y8; \
	VPMADDUBSW x+32 tok, Y13, Y9; \
	VPMADDWD   Y11, Y9, Y9; \
	VPADDD     Y9, Y8, Y8; \
	VPADDD     Y8, acc, acc

// Q4KX4A_PAIR(w, x, s): a sub-block pair (its levels at w(SI), its
// activations' offset x, its scales' vpshufb row s) for the four tokens.
#define Q4KX4A_PAIR(w, x, s) \
	Q4KX4A_NIBBLES(w); \
	VPSHUFB shufK4<>+s(SB), Y14, Y10; \
	VPSHUFB shufK4<>+s+32(SB), Y14, Y11; \
	Q4KX4A_TOKEN(x, (R9), Y0); \
	Q4KX4A_TOKEN(x, (R9)(R14*1), Y1); \
	Q4KX4A_TOKEN(x, (R9)(R14*2), Y2); \
	Q4KX4A_TOKEN(x, (R9)(R15*1), Y3)

// Q4KX4A_FUSE(tok, acc, facc): KX4_FUSE_Y with d_w in Y12.
#define Q4KX4A_FUSE(tok, acc, facc) \
	VBROADCASTSS tok, Y8; \
	VMULPS       Y12, Y8, Y8; \
	VCVTDQ2PS    acc, acc; \
	VFMADD231PS  acc, Y8, facc

// Q4KX4A_BLOCK: one block (SI) for the four tokens, as Q4KX4_BLOCK.
#define Q4KX4A_BLOCK \
	K_SCALES_MINS; \
	VMOVQ        R11, X12; \
	VPMOVZXBW    X12, X12; \
	VPBROADCASTW 2(SI), X13; \
	VCVTPH2PS    X13, X13; \
	Q4KX4A_MINS((R9), Y0, 0); \
	Q4KX4A_MINS((R9)(R14*1), Y1, 16); \
	Q4KX4A_MINS((R9)(R14*2), Y2, 32); \
	Q4KX4A_MINS((R9)(R15*1), Y3, 48); \
	VMOVQ        R10, X14; \
	VPMOVZXBW    X14, X14; \
	VINSERTI128  $1, X14, Y14, Y14; \
	Q4KX4A_PAIR(16, 4, 0); \
	Q4KX4A_PAIR(48, 68, 64); \
	Q4KX4A_PAIR(80, 132, 128); \
	Q4KX4A_PAIR(112, 196, 192); \
	VPBROADCASTW (SI), X12; \
	VCVTPH2PS    X12, Y12; \
	Q4KX4A_FUSE((R9), Y0, Y4); \
	Q4KX4A_FUSE((R9)(R14*1), Y1, Y5); \
	Q4KX4A_FUSE((R9)(R14*2), Y2, Y6); \
	Q4KX4A_FUSE((R9)(R15*1), Y3, Y7)

// Q4KX4A_RESULT(facc, m): X0 lane 0 = a token's result, hsum8(facc) +
// hsum4 of its minimums' lanes at m(SP). Clobbers Y0, X1, X2.
#define Q4KX4A_RESULT(facc, m) \
	VMOVAPS facc, Y0; \
	VMOVUPS m(SP), X1; \
	SUM_Y0_X1

// func dotRowsQ4_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_KAVX2(SB), NOSPLIT, $0-48
	KROWS(Q4K_CONSTS, ZERO_Y0_AND(X1), Q4K_BLOCK(K_PAIR_AVX2), 144, SUM_Y0_X1)

// dotRowsQ4_KVNNI is dotRowsQ4_KAVX2 with vpdpwssd doing vpmaddwd's sums
// and the add in one (the same integers).
//
// func dotRowsQ4_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_KVNNI(SB), NOSPLIT, $0-48
	KROWS(Q4K_CONSTS, ZERO_Y0_AND(X1), Q4K_BLOCK(K_PAIR_VNNI), 144, SUM_Y0_X1)

// Q4KX4_MINS(tok, acc, facc, m): for the token whose Q8_K block is at
// tok: m += the minimums (words in X3) · its 32-element sums, times
// −d_x·dmin_w (X9 lane 0: dmin_w); then clears its integer lanes acc
// (facc unused). Clobbers X4, X8.
#define Q4KX4_MINS(tok, acc, facc, m) \
	VMOVDQU      260 tok, X4; \
	VPHADDW      276 tok, X4, X4; \
	VPMADDWD     X4, X3, X4; \
	VCVTDQ2PS    X4, X4; \
	VBROADCASTSS tok, X8; \
	VMULPS       X8, X9, X8; \
	VFNMADD231PS X4, X8, m; \
	VPXORD       acc, acc, acc

// Q4KX4_FUSE(tok, acc, facc, m): KX4_FUSE_Y with d_w in Y7 (m unused).
#define Q4KX4_FUSE(tok, acc, facc, m) KX4_FUSE_Y(tok, Y7, acc, facc)

// Q4KX4_PAIR(tab, x, s): KX4_PAIR with Y11 for the second sub-block.
#define Q4KX4_PAIR(tab, x, s) KX4_PAIR(tab, x, s, Y11)

// Q4KX4_RESULT(y, x, m): X0 lane 0 = a token's result, hsum8(y) +
// hsum4(m) (its float lanes and its minimums' lanes; x unused). Clobbers
// X1, X2, Y0.
#define Q4KX4_RESULT(y, x, m) \
	VMOVAPS y, Y0; \
	VMOVAPS m, X1; \
	SUM_Y0_X1

// Q4KX4_BLOCK: one block (SI) for the four tokens: the scales and
// minimums unpacked once, d_w (Y7) and dmin_w (X9), each token's minimums
// into X20+t and its pairs' lanes into Y24+t, fused into Y16+t.
#define Q4KX4_BLOCK \
	K_SCALES_MINS; \
	VMOVQ        R11, X3; \
	VPMOVZXBW    X3, X3; \
	VPBROADCASTW 2(SI), X9; \
	VCVTPH2PS    X9, X9; \
	VPBROADCASTW (SI), X7; \
	VCVTPH2PS    X7, Y7; \
	K_SCALES_Y2; \
	KX4_EACH(Q4KX4_MINS, R9); \
	Q4K_PAIRS(Q4KX4_PAIR); \
	KX4_EACH(Q4KX4_FUSE, R9)

// func dotRowsQ4_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_K rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: the nibbles and scales of a block are unpacked
// once and meet every token; vpdpwssd does vpmaddwd's sum and the add in
// one, so each token's integer lanes and float order are those of
// dotRowsQ4_KAVX2. Needs AVX-512 VL and BW for Y16-Y31.
TEXT ·dotRowsQ4_Kx4VNNI(SB), NOSPLIT, $0-64
	KX4ROWS(Q4K_CONSTS, KX4_ZERO_FM, Q4KX4_BLOCK, SI, R9, 144, 292, KX4_STORE_R8(Q4KX4_RESULT))

// func dotRowsQ4_Kx4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// dotRowsQ4_Kx4VNNI in sixteen 256-bit registers with vpmaddwd's sums
// added apart: each token's integer lanes, float order and minimums those
// of dotRowsQ4_KAVX2.
TEXT ·dotRowsQ4_Kx4AVX2(SB), NOSPLIT, $64-64
	KX4ROWS(Q4K_CONSTS, Q4KX4A_ZERO, Q4KX4A_BLOCK, SI, R9, 144, 292, X4A_STORE_R8(Q4KX4A_RESULT))
