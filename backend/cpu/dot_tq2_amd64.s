//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotk_amd64.h"

// TQ2_0 × Q8_K rows in ggml's AVX2 lane order (see dot_tq2.go). Per block:
// the integer lanes start at −(bsums[2l]+bsums[2l+1]) and take levels ×
// activations (vpdpbusd: levels unsigned, activations signed), then
// float × d_x·d_w, added (not fused) to the float lanes.

// TQ2LEV splits the 32 bytes at off(SI) into the four 2-bit levels.
#define TQ2LEV(off) \
	VMOVDQU off(SI), Y1; \
	VPAND   Y15, Y1, Y2; \
	VPSRLW  $2, Y1, Y3; \
	VPAND   Y15, Y3, Y3; \
	VPSRLW  $4, Y1, Y4; \
	VPAND   Y15, Y4, Y4; \
	VPSRLW  $6, Y1, Y1; \
	VPAND   Y15, Y1, Y1

// TQ2_DOT_VNNI(yoff, t, acc): acc += the levels t times the activations at
// yoff(R9), summed four to a lane (vpdpbusd).
#define TQ2_DOT_VNNI(yoff, t, acc) \
	VPDPBUSD yoff(R9), t, acc

// TQ2HALF(DOT, off, x0, x1, x2, x3): the levels of the 32 bytes at off(SI)
// times the activations at x0-x3 by DOT, into Y5 and Y6 in turn.
#define TQ2HALF(DOT, off, x0, x1, x2, x3) \
	TQ2LEV(off); \
	DOT(x0, Y2, Y5); \
	DOT(x1, Y3, Y6); \
	DOT(x2, Y4, Y5); \
	DOT(x3, Y1, Y6)

// TQ2_FLOAT: a block's integer lanes Y5 converted, times d_x·d_w
// (multiplied, then added to Y0: not fused). Clobbers Y5, Y7, Y8.
#define TQ2_FLOAT \
	VCVTDQ2PS    Y5, Y5; \
	VPBROADCASTW 64(SI), X7; \
	VCVTPH2PS    X7, Y7; \
	VBROADCASTSS (R9), Y8; \
	VMULPS       Y7, Y8, Y7; \
	VMULPS       Y7, Y5, Y5; \
	VADDPS       Y5, Y0, Y0

// TQ2_BLOCK(DOT): one block (SI, 66 bytes; R9 the Q8_K block) added to the
// float lanes Y0. Clobbers Y1-Y9.
#define TQ2_BLOCK(DOT) \
	VPMADDWD     260(R9), Y14, Y5; \
	VPSUBD       Y5, Y13, Y5; \
	VPXOR        Y6, Y6, Y6; \
	TQ2HALF(DOT, 0, 4, 36, 68, 100); \
	TQ2HALF(DOT, 32, 132, 164, 196, 228); \
	VPADDD       Y6, Y5, Y5; \
	TQ2_FLOAT

// TQ2MADW(yoff, t): Y6's words += the levels t times the activations at
// yoff(R9) in word pairs (vpmaddubsw; clobbers Y9). A block's eight such
// sums of a lane's word are at most 8·2·3·128 = 6144 in size, exact in
// words; TQ2_BLOCK_AVX2 pairs them to lanes once.
#define TQ2MADW(yoff, t) \
	VPMADDUBSW yoff(R9), t, Y9; \
	VPADDW     Y9, Y6, Y6

// TQ2_BLOCK_AVX2: TQ2_BLOCK(TQ2_DOT_VNNI)'s integers, the products summed
// in words, then paired to lanes (vpmaddwd by Y14's words of 1) less the
// bsums pairs, and the same float steps. Clobbers Y1-Y9.
#define TQ2_BLOCK_AVX2 \
	TQ2LEV(0); \
	VPMADDUBSW   4(R9), Y2, Y6; \
	TQ2MADW(36, Y3); \
	TQ2MADW(68, Y4); \
	TQ2MADW(100, Y1); \
	TQ2LEV(32); \
	TQ2MADW(132, Y2); \
	TQ2MADW(164, Y3); \
	TQ2MADW(196, Y4); \
	TQ2MADW(228, Y1); \
	VPMADDWD     Y14, Y6, Y6; \
	VPMADDWD     260(R9), Y14, Y5; \
	VPSUBD       Y5, Y6, Y5; \
	TQ2_FLOAT

// TQ2_CONSTS: Y15 = 0x03 bytes, Y14 = 0x0001 words, Y13 = 0. Clobbers AX.
#define TQ2_CONSTS \
	VBCAST32(0x03030303, X15, Y15); \
	VBCAST32(0x00010001, X14, Y14); \
	VPXOR Y13, Y13, Y13

// The AVX2 four-token kernel has sixteen vector registers: each token's
// words, then integer lanes, of a block in Y0+t (TQ2_BLOCK_AVX2's) and its
// float lanes in Y4+t, a half block's levels in
// Y8-Y11, Y14 0x0001 words and Y15 0x03 bytes; Y12 and Y13 are scratch.

// TQ2X4A_MAD1(yoff, tok, t, acc) and TQ2X4A_MAD(yoff, tok, t, acc): acc's
// words =, or +=, TQ2MADW's products for the token at tok. Clobbers Y12.
#define TQ2X4A_MAD1(yoff, tok, t, acc) \
	VPMADDUBSW yoff tok, t, acc
#define TQ2X4A_MAD(yoff, tok, t, acc) \
	VPMADDUBSW yoff tok, t, Y12; \
	VPADDW     Y12, acc, acc

// TQ2X4A_TOKEN(FIRST, tok, acc, x0, x1, x2, x3): a half block's levels
// (Y8-Y11) times the token's activations at x0-x3, the first product by
// FIRST (TQ2X4A_MAD1 to start a block's words, else TQ2X4A_MAD).
#define TQ2X4A_TOKEN(FIRST, tok, acc, x0, x1, x2, x3) \
	FIRST(x0, tok, Y8, acc); \
	TQ2X4A_MAD(x1, tok, Y9, acc); \
	TQ2X4A_MAD(x2, tok, Y10, acc); \
	TQ2X4A_MAD(x3, tok, Y11, acc)

// TQ2X4A_LANES(tok, acc): a token's block words paired to lanes, less its
// bsums pairs, as TQ2_BLOCK_AVX2 makes them. Clobbers Y12.
#define TQ2X4A_LANES(tok, acc) \
	VPMADDWD Y14, acc, acc; \
	VPMADDWD 260 tok, Y14, Y12; \
	VPSUBD   Y12, acc, acc

// TQ2X4A_HALF(FIRST, off, x0, x1, x2, x3): the levels of the 32 bytes at
// off(SI) (TQ2LEV's, into Y8-Y11) for the four tokens.
#define TQ2X4A_HALF(FIRST, off, x0, x1, x2, x3) \
	VMOVDQU off(SI), Y11; \
	VPAND   Y15, Y11, Y8; \
	VPSRLW  $2, Y11, Y9; \
	VPAND   Y15, Y9, Y9; \
	VPSRLW  $4, Y11, Y10; \
	VPAND   Y15, Y10, Y10; \
	VPSRLW  $6, Y11, Y11; \
	VPAND   Y15, Y11, Y11; \
	TQ2X4A_TOKEN(FIRST, (R9), Y0, x0, x1, x2, x3); \
	TQ2X4A_TOKEN(FIRST, (R9)(R14*1), Y1, x0, x1, x2, x3); \
	TQ2X4A_TOKEN(FIRST, (R9)(R14*2), Y2, x0, x1, x2, x3); \
	TQ2X4A_TOKEN(FIRST, (R9)(R15*1), Y3, x0, x1, x2, x3)

// TQ2X4A_ADD(tok, acc, facc): facc += float(acc) · d_x·d_w (d_w in Y8),
// TQ2_BLOCK's order (a product, then an add). Clobbers Y13.
#define TQ2X4A_ADD(tok, acc, facc) \
	VBROADCASTSS tok, Y13; \
	VMULPS       Y8, Y13, Y13; \
	VCVTDQ2PS    acc, acc; \
	VMULPS       Y13, acc, acc; \
	VADDPS       acc, facc, facc

// TQ2X4A_BLOCK: one block (SI) for the four tokens.
#define TQ2X4A_BLOCK \
	TQ2X4A_HALF(TQ2X4A_MAD1, 0, 4, 36, 68, 100); \
	TQ2X4A_HALF(TQ2X4A_MAD, 32, 132, 164, 196, 228); \
	TQ2X4A_LANES((R9), Y0); \
	TQ2X4A_LANES((R9)(R14*1), Y1); \
	TQ2X4A_LANES((R9)(R14*2), Y2); \
	TQ2X4A_LANES((R9)(R15*1), Y3); \
	VPBROADCASTW 64(SI), X8; \
	VCVTPH2PS    X8, Y8; \
	TQ2X4A_ADD((R9), Y0, Y4); \
	TQ2X4A_ADD((R9)(R14*1), Y1, Y5); \
	TQ2X4A_ADD((R9)(R14*2), Y2, Y6); \
	TQ2X4A_ADD((R9)(R15*1), Y3, Y7)

// TQ2X4A_CONSTS: Y15 = 0x03 bytes, Y14 = 0x0001 words. Clobbers AX.
#define TQ2X4A_CONSTS \
	VBCAST32(0x03030303, X15, Y15); \
	VBCAST32(0x00010001, X14, Y14)

// func dotRowsTQ2_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0VNNI(SB), NOSPLIT, $0-48
	KROWS(TQ2_CONSTS, ZERO_Y0, TQ2_BLOCK(TQ2_DOT_VNNI), 66, HSUM8_Y0(X1))

// func dotRowsTQ2_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0AVX2(SB), NOSPLIT, $0-48
	KROWS(TQ2_CONSTS, ZERO_Y0, TQ2_BLOCK_AVX2, 66, HSUM8_Y0(X1))

// func dotRowsTQ2_0x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_K rows xstride bytes apart; outputs ostride bytes apart)
// against each TQ2_0 row: a block's levels are split once for the four
// tokens; each token's integers and float order are dotRowsTQ2_0AVX2's
// (and dotRowsTQ2_0VNNI's, whose vpdpbusd makes the same integers).
TEXT ·dotRowsTQ2_0x4AVX2(SB), NOSPLIT, $0-64
	KX4ROWS(TQ2X4A_CONSTS, VZERO4(Y4, Y5, Y6, Y7), TQ2X4A_BLOCK, SI, R9, 66, 292, X4A_STORE_Y4)
