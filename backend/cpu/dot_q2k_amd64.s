//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotk_amd64.h"

// Q2_K × Q8_K rows in the order of ggml's AVX2 kernel (see dot_q2k.go):
// the minimums' lanes (vpmaddwd of the 4-bit minimums with bsums) are fused
// with −d_x·dmin_w first; then the 2-bit levels meet the activations in
// vpmaddubsw (levels unsigned) and their word pairs are weighed by the
// sub-block scales with vpmaddwd (AVX2) or vpdpwssd (VNNI, the same
// integers), fused with d_x·d_w. Y15: 0x03 bytes, Y14: 0x0f bytes.

// kShufQ2 sends scale word 2n to the low half and 2n+1 to the high half
// (row n, for vpshufb on scales held as words in both halves).
DATA kShufQ2<>+0(SB)/8, $0x0100010001000100
DATA kShufQ2<>+8(SB)/8, $0x0100010001000100
DATA kShufQ2<>+16(SB)/8, $0x0302030203020302
DATA kShufQ2<>+24(SB)/8, $0x0302030203020302
DATA kShufQ2<>+32(SB)/8, $0x0504050405040504
DATA kShufQ2<>+40(SB)/8, $0x0504050405040504
DATA kShufQ2<>+48(SB)/8, $0x0706070607060706
DATA kShufQ2<>+56(SB)/8, $0x0706070607060706
DATA kShufQ2<>+64(SB)/8, $0x0908090809080908
DATA kShufQ2<>+72(SB)/8, $0x0908090809080908
DATA kShufQ2<>+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kShufQ2<>+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kShufQ2<>+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kShufQ2<>+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kShufQ2<>+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA kShufQ2<>+120(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL kShufQ2<>(SB), RODATA|NOPTR, $128

// Q2K_MINWORDS: X1 = the block's 16 scale bytes (at (SI)), Y2 = their
// high nibbles, the minimums, as words. Reads X14; clobbers X2.
#define Q2K_MINWORDS \
	VMOVDQU   (SI), X1; \
	VPSRLW    $4, X1, X2; \
	VPAND     X14, X2, X2; \
	VPMOVZXBW X2, Y2

// Q2K_SCALEWORDS: the low nibbles of X1, the scales, as words: Y11
// sub-blocks 0-7 in both halves, Y12 8-15. Clobbers Y1.
#define Q2K_SCALEWORDS \
	VPAND     X14, X1, X1; \
	VPMOVZXBW X1, Y1; \
	VPERMQ    $0x44, Y1, Y11; \
	VPERMQ    $0xee, Y1, Y12

// Q2K_DOT_AVX2(x, s, sc): Y3 += a sub-block pair's lanes: the levels Y4 ·
// the activations at x(R9) (vpmaddubsw), weighed with vpmaddwd by the
// scale words of sc that kShufQ2 row s picks. Clobbers Y4, Y7.
#define Q2K_DOT_AVX2(x, s, sc) \
	VPMADDUBSW x(R9), Y4, Y4; \
	VPSHUFB    kShufQ2<>+s(SB), sc, Y7; \
	VPMADDWD   Y7, Y4, Y4; \
	VPADDD     Y4, Y3, Y3

// Q2K_DOT_VNNI(x, s, sc): Q2K_DOT_AVX2 with vpdpwssd doing vpmaddwd's
// sums and the add (the same integers). Clobbers Y4, Y7.
#define Q2K_DOT_VNNI(x, s, sc) \
	VPMADDUBSW x(R9), Y4, Y4; \
	VPSHUFB    kShufQ2<>+s(SB), sc, Y7; \
	VPDPWSSD   Y7, Y4, Y3

// Q2K_HALF(w, x, sc, DOT): half a block: the 32 bytes at w(SI) hold four
// 32-level groups, two bits each (bits 0-1 the first, 6-7 the last);
// group g is isolated into Y4 and meets the activations at x+32g by
// DOT(x+32g, 32g, sc) (sc: the half's scale words). Reads Y15; clobbers
// Y1, Y4 and DOT's registers.
#define Q2K_HALF(w, x, sc, DOT) \
	VMOVDQU w(SI), Y1; \
	VPAND   Y15, Y1, Y4; \
	DOT(x, 0, sc); \
	VPSRLW  $2, Y1, Y4; \
	VPAND   Y15, Y4, Y4; \
	DOT(x+32, 32, sc); \
	VPSRLW  $4, Y1, Y4; \
	VPAND   Y15, Y4, Y4; \
	DOT(x+64, 64, sc); \
	VPSRLW  $6, Y1, Y4; \
	VPAND   Y15, Y4, Y4; \
	DOT(x+96, 96, sc)

// Q2K_BLOCK(DOT): one block's part of a row (SI the block, R9 its Q8_K
// block): Y0 −= d_x·dmin_w · the minimums · the 16-element sums (lanes),
// then Y0 += d_x·d_w · the levels' lanes (Q2K_HALF with DOT). Clobbers
// X1-X4, X7-X12.
#define Q2K_BLOCK(DOT) \
	Q2K_MINWORDS; \
	VPMADDWD     260(R9), Y2, Y2; \
	VCVTDQ2PS    Y2, Y2; \
	VMOVD        80(SI), X9; \
	VCVTPH2PS    X9, X9; \
	VBROADCASTSS (R9), X8; \
	VMULPS       X8, X9, X9; \
	VPERMILPS    $0x55, X9, X10; \
	VINSERTF128  $1, X10, Y10, Y10; \
	VFNMADD231PS Y2, Y10, Y0; \
	Q2K_SCALEWORDS; \
	VPXOR        Y3, Y3, Y3; \
	Q2K_HALF(16, 4, Y11, DOT); \
	Q2K_HALF(48, 132, Y12, DOT); \
	K_FUSE

// The AVX2 four-token kernel has sixteen vector registers: each token's
// integer lanes of a block in Y0+t and its float lanes in Y4+t; a group's
// levels in Y8 and its scale words in Y9; the block's sixteen scale bytes
// in X11 (their low nibbles in X12), d_w and dmin_w in X13, and
// K23_CONSTS's Y14 and Y15; Y10 is scratch. The levels are read from
// memory for each group.

// Q2KX4A_MINS(tok, facc): Q2KX4_MINS with the minimums' words in Y8 and
// d_w, dmin_w in X13. Clobbers Y9, Y10.
#define Q2KX4A_MINS(tok, facc) \
	VPMADDWD     260 tok, Y8, Y9; \
	VCVTDQ2PS    Y9, Y9; \
	VBROADCASTSS tok, X10; \
	VMULPS       X10, X13, X10; \
	VPERMILPS    $0x55, X10, X10; \
	VINSERTF128  $1, X10, Y10, Y10; \
	VFNMADD231PS Y9, Y10, facc

// Q2KX4A_TOKEN(x, tok, acc): acc += a group's lanes for one token,
// Q2K_DOT_AVX2's integers: the levels Y8 · its activations at x tok,
// weighed by the scale words Y9. Clobbers Y10.
#define Q2KX4A_TOKEN(x, tok, acc) \
	VPMADDUBSW x tok, Y8, Y10; \
	VPMADDWD   Y9, Y10, Y10; \
	VPADDD     Y10, acc, acc

// Q2KX4A_GROUP(w, n, x, row): a group (bits n, n+1 of the 32 bytes at
// w(SI); its scale words kShufBytePairs row of X12) for the four tokens.
#define Q2KX4A_GROUP(w, n, x, row) \
	VMOVDQU   w(SI), Y8; \
	VPSRLW    $n, Y8, Y8; \
	VPAND     Y15, Y8, Y8; \
	VPSHUFB   ·kShufBytePairs+row(SB), X12, X9; \
	VPMOVZXBW X9, Y9; \
	Q2KX4A_TOKEN(x, (R9), Y0); \
	Q2KX4A_TOKEN(x, (R9)(R14*1), Y1); \
	Q2KX4A_TOKEN(x, (R9)(R14*2), Y2); \
	Q2KX4A_TOKEN(x, (R9)(R15*1), Y3)

// Q2KX4A_HALF(w, x, row): Q2K_HALF's four groups (a shift by 0 for the
// first).
#define Q2KX4A_HALF(w, x, row) \
	Q2KX4A_GROUP(w, 0, x, row); \
	Q2KX4A_GROUP(w, 2, x+32, row+16); \
	Q2KX4A_GROUP(w, 4, x+64, row+32); \
	Q2KX4A_GROUP(w, 6, x+96, row+48)

// Q2KX4A_FUSE(tok, acc, facc): KX4_FUSE with d_w in X13. Clobbers Y10.
#define Q2KX4A_FUSE(tok, acc, facc) \
	VBROADCASTSS tok, X10; \
	VMULPS       X10, X13, X10; \
	VBROADCASTSS X10, Y10; \
	VCVTDQ2PS    acc, acc; \
	VFMADD231PS  acc, Y10, facc

// Q2KX4A_BLOCK: one block (SI) for the four tokens, as Q2KX4_BLOCK.
#define Q2KX4A_BLOCK \
	VMOVDQU   (SI), X11; \
	VPSRLW    $4, X11, X8; \
	VPAND     X14, X8, X8; \
	VPMOVZXBW X8, Y8; \
	VMOVD     80(SI), X13; \
	VCVTPH2PS X13, X13; \
	Q2KX4A_MINS((R9), Y4); \
	Q2KX4A_MINS((R9)(R14*1), Y5); \
	Q2KX4A_MINS((R9)(R14*2), Y6); \
	Q2KX4A_MINS((R9)(R15*1), Y7); \
	VPAND     X14, X11, X12; \
	VPXOR     Y0, Y0, Y0; \
	VPXOR     Y1, Y1, Y1; \
	VPXOR     Y2, Y2, Y2; \
	VPXOR     Y3, Y3, Y3; \
	Q2KX4A_HALF(16, 4, 0); \
	Q2KX4A_HALF(48, 132, 64); \
	Q2KX4A_FUSE((R9), Y0, Y4); \
	Q2KX4A_FUSE((R9)(R14*1), Y1, Y5); \
	Q2KX4A_FUSE((R9)(R14*2), Y2, Y6); \
	Q2KX4A_FUSE((R9)(R15*1), Y3, Y7)

// func dotRowsQ2_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ2_KVNNI(SB), NOSPLIT, $0-48
	KROWS(K23_CONSTS, ZERO_Y0, Q2K_BLOCK(Q2K_DOT_VNNI), 84, HSUM8_Y0(X2))

// func dotRowsQ2_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ2_KAVX2(SB), NOSPLIT, $0-48
	KROWS(K23_CONSTS, ZERO_Y0, Q2K_BLOCK(Q2K_DOT_AVX2), 84, HSUM8_Y0(X2))

// Q2KX4_MINS(tok, acc, facc, m): facc −= d_x·dmin_w · the minimums (Y2) · the
// 16-element sums of the token whose Q8_K block is at tok (X9 lane 1:
// dmin_w; acc, m unused). Clobbers Y5, X8, Y10.
#define Q2KX4_MINS(tok, acc, facc, m) \
	VPMADDWD     260 tok, Y2, Y5; \
	VCVTDQ2PS    Y5, Y5; \
	VBROADCASTSS tok, X8; \
	VMULPS       X8, X9, X8; \
	VPERMILPS    $0x55, X8, X10; \
	VINSERTF128  $1, X10, Y10, Y10; \
	VFNMADD231PS Y5, Y10, facc

// Q2KX4_DOT(x, s, sc): Q2K_DOT_VNNI for the four tokens, into Y24-Y27:
// the scale words picked once into Y7. Clobbers Y28.
#define Q2KX4_DOT(x, s, sc) \
	VPSHUFB    kShufQ2<>+s(SB), sc, Y7; \
	VPMADDUBSW x(R9), Y4, Y28; \
	VPDPWSSD   Y7, Y28, Y24; \
	VPMADDUBSW x(R9)(R14*1), Y4, Y28; \
	VPDPWSSD   Y7, Y28, Y25; \
	VPMADDUBSW x(R9)(R14*2), Y4, Y28; \
	VPDPWSSD   Y7, Y28, Y26; \
	VPMADDUBSW x(R9)(R15*1), Y4, Y28; \
	VPDPWSSD   Y7, Y28, Y27

// Q2KX4_BLOCK: one block (SI) for the four tokens: the minimums and
// scales unpacked once, each token's minimums fused into Y16+t, its
// levels' lanes into Y24+t (cleared here), fused into Y16+t.
#define Q2KX4_BLOCK \
	KX4_ZERO_I; \
	Q2K_MINWORDS; \
	VMOVD     80(SI), X9; \
	VCVTPH2PS X9, X9 /* d_w, dmin_w */; \
	KX4_EACH(Q2KX4_MINS, R9); \
	Q2K_SCALEWORDS; \
	Q2K_HALF(16, 4, Y11, Q2KX4_DOT); \
	Q2K_HALF(48, 132, Y12, Q2KX4_DOT); \
	KX4_EACH(KX4_FUSE, R9)

// func dotRowsQ2_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_K rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels and scales are unpacked once
// and meet every token with the one-token VNNI kernel's instructions, so
// each token's lanes and float order are the one-token kernel's. Token t
// keeps its float lanes in Y16+t and its integer lanes in Y24+t (AVX-512
// VL and BW).
TEXT ·dotRowsQ2_Kx4VNNI(SB), NOSPLIT, $0-64
	KX4ROWS(K23_CONSTS, KX4_ZERO_F, Q2KX4_BLOCK, SI, R9, 84, 292, KX4_STORE(KX4_HSUM))

// func dotRowsQ2_Kx4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// dotRowsQ2_Kx4VNNI in sixteen 256-bit registers with vpmaddwd's sums
// added apart: each token's integers and float order are dotRowsQ2_KAVX2's.
TEXT ·dotRowsQ2_Kx4AVX2(SB), NOSPLIT, $0-64
	KX4ROWS(K23_CONSTS, VZERO4(Y4, Y5, Y6, Y7), Q2KX4A_BLOCK, SI, R9, 84, 292, X4A_STORE_Y4)
