//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotk_amd64.h"

// TQ1_0 × Q8_K rows in ggml's AVX2 order (see dot_tq1.go). Trits come out
// of the packed bytes as in ggml: byte·3^n (mod 256) by byte adds and a
// masked shift for ×9, then (3q) >> 8 by a saturating −1 and two vpavgb
// and the top two bits. Their products with the activations are summed four
// to a lane (vpdpbusd, or vpmaddubsw into 16-bit sums and vpmaddwd), less
// the activations' bsums pairs; the lanes are converted, multiplied by
// d_x·d_w and added (not fused) to Y0; hsum8 at the end.
//
// Constants: Y15 0x03 bytes, Y14 0xf8 bytes, Y13 0x01 bytes, Y12 zero,
// Y11 0x0001 words.

// MUL3 and MUL9 (MUL9X on X registers) multiply bytes by 3 and 9 (mod
// 256); MUL9 reads Y14 (0xf8 bytes, the masked shift).
#define MUL3(src, dst) \
	VPADDB src, src, dst; \
	VPADDB src, dst, dst

#define MUL9(src, dst) \
	VPSLLW $3, src, dst; \
	VPAND  Y14, dst, dst; \
	VPADDB src, dst, dst

#define MUL9X(src, dst) \
	VPSLLW $3, src, dst; \
	VPAND  X14, dst, dst; \
	VPADDB src, dst, dst

// TRIT turns q = byte·3^n into trit n, (3q) >> 8, in place (clobbers Y10).
#define TRIT(r) \
	VPSUBUSB Y13, r, r; \
	VPAVGB   Y12, r, Y10; \
	VPAVGB   Y10, r, r; \
	VPSRLW   $6, r, r; \
	VPAND    Y15, r, r

// TQ1_CONSTS: the constants above (Y15, Y14, Y13, Y12, Y11). Clobbers AX.
#define TQ1_CONSTS \
	VBCAST32(0x03030303, X15, Y15); \
	VBCAST32(0xf8f8f8f8, X14, Y14); \
	VBCAST32(0x01010101, X13, Y13); \
	VPXOR Y12, Y12, Y12; \
	VBCAST32(0x00010001, X11, Y11)

// TQ1_POW5: bytes 0..31 of the block (SI) times 3^n for n = 0..4 in
// Y1-Y5 (trit n of each byte after TRIT).
#define TQ1_POW5 \
	VMOVDQU (SI), Y1; \
	MUL3(Y1, Y2); \
	MUL9(Y1, Y3); \
	MUL9(Y2, Y4); \
	MUL9(Y3, Y5)

// TQ1_POW3_WITH(a, b, c, e, f): bytes 32..47 times 3^n in Y1 (n = 0 | 1),
// Y2 (2 | 3) and the low half of Y3 (4), and in Y3's high half bytes 48..51
// times 3^(j/4) for byte j (trit j/4 of byte j%4). a, b, c, e and f are X
// registers of scratch (X1 may be one of them: bytes 48..51 are done
// first). Clobbers them.
#define TQ1_POW3_WITH(a, b, c, e, f) \
	VPBROADCASTD 48(SI), a; \
	MUL3(a, b); \
	VPBLENDD     $0x02, b, a, c; \
	MUL9X(a, e); \
	MUL9X(b, f); \
	VPBLENDD     $0x08, f, e, e; \
	VPBLENDD     $0x0c, e, c, c; \
	VMOVDQU      32(SI), X1; \
	MUL3(X1, X2); \
	VINSERTI128  $1, X2, Y1, Y1; \
	MUL9(Y1, Y2); \
	MUL9(Y2, Y3); \
	VINSERTI128  $1, c, Y3, Y3

// TQ1_POW3: TQ1_POW3_WITH its scratch in X4, X5, X8-X10.
#define TQ1_POW3 TQ1_POW3_WITH(X4, X5, X8, X9, X10)

// TQ1_TRITS(FIRST, DOT): the block's eight 32-trit groups, each r turned
// into trits and met with its activations at x(R9) by DOT(r, x, acc)
// (FIRST(r, x, acc) for the first); acc alternates Y6, Y7 for kernels
// that keep two sums. Clobbers Y1-Y5, X8-X10 and DOT's registers.
#define TQ1_TRITS(FIRST, DOT) \
	TQ1_POW5; \
	FIRST(Y1, 4, Y6); \
	DOT(Y2, 36, Y7); \
	DOT(Y3, 68, Y6); \
	DOT(Y4, 100, Y7); \
	DOT(Y5, 132, Y6); \
	TQ1_POW3; \
	DOT(Y1, 164, Y7); \
	DOT(Y2, 196, Y6); \
	DOT(Y3, 228, Y7)

// TQ1_DOT_VNNI(r, x, acc): acc += trits r · activations at x(R9), four to
// a lane (vpdpbusd). TQ1_FIRST_VNNI clears Y6, Y7 first.
#define TQ1_DOT_VNNI(r, x, acc) \
	TRIT(r); \
	VPDPBUSD x(R9), r, acc
#define TQ1_FIRST_VNNI(r, x, acc) \
	VPXOR Y6, Y6, Y6; \
	VPXOR Y7, Y7, Y7; \
	TQ1_DOT_VNNI(r, x, acc)

// TQ1_DOT_AVX2(r, x, acc): Y6 += trits r · activations at x(R9) as 16-bit
// pair sums (vpmaddubsw, vpaddw; acc unused); TQ1_FIRST_AVX2 sets Y6.
#define TQ1_DOT_AVX2(r, x, acc) \
	TRIT(r); \
	VPMADDUBSW x(R9), r, r; \
	VPADDW     r, Y6, Y6
#define TQ1_FIRST_AVX2(r, x, acc) \
	TRIT(r); \
	VPMADDUBSW x(R9), r, Y6

// TQ1_SCALE: Y0 += float(Y6) · d_x·d_w (multiplied, then added: not
// fused). Clobbers Y6-Y8.
#define TQ1_SCALE \
	VCVTDQ2PS    Y6, Y6; \
	VPBROADCASTW 52(SI), X7; \
	VCVTPH2PS    X7, Y7; \
	VBROADCASTSS (R9), Y8; \
	VMULPS       Y7, Y8, Y7; \
	VMULPS       Y7, Y6, Y6; \
	VADDPS       Y6, Y0, Y0

// TQ1_BLOCK_VNNI and TQ1_BLOCK_AVX2: one block's part of a row (SI the
// block, R9 its Q8_K block): the trit groups' lanes (TQ1_TRITS), less the
// activations' bsums pairs, scaled into Y0 (TQ1_SCALE). VNNI sums bytes
// four to a lane in Y6 and Y7; AVX2 sums words in Y6, subtracts the bsums
// as words and then pairs them to lanes.
#define TQ1_BLOCK_VNNI \
	TQ1_TRITS(TQ1_FIRST_VNNI, TQ1_DOT_VNNI); \
	VPADDD   Y7, Y6, Y6; \
	VPMADDWD 260(R9), Y11, Y7; \
	VPSUBD   Y7, Y6, Y6; \
	TQ1_SCALE
#define TQ1_BLOCK_AVX2 \
	TQ1_TRITS(TQ1_FIRST_AVX2, TQ1_DOT_AVX2); \
	VPSUBW   260(R9), Y6, Y6; \
	VPMADDWD Y11, Y6, Y6; \
	TQ1_SCALE

// The AVX2 four-token kernel has sixteen vector registers: TQ1_CONSTS's
// five (Y11-Y15) and TRIT's scratch Y10, each token's 16-bit sums in Y6+t
// (TQ1_DOT_AVX2's), its float lanes on the stack (32 bytes a token at
// t·32(SP)); the powers of the packed bytes are made one at a time (×3,
// mod 256, as the one-token kernels' ×3 and ×9 make them) in Y0-Y5.

// TQ1X4A_TOKEN(x, tok, r, acc): acc += the trits r · the token's
// activations at x tok as 16-bit pair sums (vpmaddubsw, vpaddw). Clobbers
// Y3.
#define TQ1X4A_TOKEN(x, tok, r, acc) \
	VPMADDUBSW x tok, r, Y3; \
	VPADDW     Y3, acc, acc

// TQ1X4A_GROUP(p, x): the group whose bytes times 3^n are p: its trits
// (in Y2) met with the four tokens' activations at x.
#define TQ1X4A_GROUP(p, x) \
	VMOVDQA p, Y2; \
	TRIT(Y2); \
	TQ1X4A_TOKEN(x, (R9), Y2, Y6); \
	TQ1X4A_TOKEN(x, (R9)(R14*1), Y2, Y7); \
	TQ1X4A_TOKEN(x, (R9)(R14*2), Y2, Y8); \
	TQ1X4A_TOKEN(x, (R9)(R15*1), Y2, Y9)

// TQ1X4A_END(tok, acc, f): the one-token AVX2 kernel's end for a token:
// acc less its bsums (words), paired to lanes, converted, times d_x·d_w
// (Y1: d_w) and added to its float lanes at f(SP). Clobbers Y2, Y3.
#define TQ1X4A_END(tok, acc, f) \
	VPSUBW       260 tok, acc, acc; \
	VPMADDWD     Y11, acc, acc; \
	VCVTDQ2PS    acc, acc; \
	VBROADCASTSS tok, Y2; \
	VMULPS       Y1, Y2, Y2; \
	VMULPS       Y2, acc, acc; \
	VMOVUPS      f(SP), Y3; \
	VADDPS       acc, Y3, Y3; \
	VMOVUPS      Y3, f(SP)

// TQ1X4A_BLOCK: one block (SI) for the four tokens.
#define TQ1X4A_BLOCK \
	VPXOR        Y6, Y6, Y6; \
	VPXOR        Y7, Y7, Y7; \
	VPXOR        Y8, Y8, Y8; \
	VPXOR        Y9, Y9, Y9; \
	VMOVDQU      (SI), Y1; \
	TQ1X4A_GROUP(Y1, 4); \
	MUL3(Y1, Y4); \
	TQ1X4A_GROUP(Y4, 36); \
	MUL3(Y4, Y1); \
	TQ1X4A_GROUP(Y1, 68); \
	MUL3(Y1, Y4); \
	TQ1X4A_GROUP(Y4, 100); \
	MUL3(Y4, Y1); \
	TQ1X4A_GROUP(Y1, 132); \
	TQ1_POW3_WITH(X4, X5, X0, X1, X10); \
	VMOVDQA      Y3, Y5; \
	VMOVDQA      Y2, Y4; \
	TQ1X4A_GROUP(Y1, 164); \
	TQ1X4A_GROUP(Y4, 196); \
	TQ1X4A_GROUP(Y5, 228); \
	VPBROADCASTW 52(SI), X1; \
	VCVTPH2PS    X1, Y1; \
	TQ1X4A_END((R9), Y6, 0); \
	TQ1X4A_END((R9)(R14*1), Y7, 32); \
	TQ1X4A_END((R9)(R14*2), Y8, 64); \
	TQ1X4A_END((R9)(R15*1), Y9, 96)

// TQ1X4A_ZERO clears the tokens' float lanes.
#define TQ1X4A_ZERO \
	VPXOR   Y0, Y0, Y0; \
	VMOVUPS Y0, 0(SP); \
	VMOVUPS Y0, 32(SP); \
	VMOVUPS Y0, 64(SP); \
	VMOVUPS Y0, 96(SP)

// TQ1X4A_STORE: the four results, hsum8 of each token's float lanes, at
// DI + t·ostride. Clobbers Y0, X1, R8.
#define TQ1X4A_STORE \
	MOVQ    DI, R8; \
	VMOVUPS 0(SP), Y0; \
	HSUM8_Y0(X1); \
	VMOVSS  X0, (R8); \
	ADDQ    ostride+8(FP), R8; \
	VMOVUPS 32(SP), Y0; \
	HSUM8_Y0(X1); \
	VMOVSS  X0, (R8); \
	ADDQ    ostride+8(FP), R8; \
	VMOVUPS 64(SP), Y0; \
	HSUM8_Y0(X1); \
	VMOVSS  X0, (R8); \
	ADDQ    ostride+8(FP), R8; \
	VMOVUPS 96(SP), Y0; \
	HSUM8_Y0(X1); \
	VMOVSS  X0, (R8)

// func dotRowsTQ1_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ1_0VNNI(SB), NOSPLIT, $0-48
	KROWS(TQ1_CONSTS, ZERO_Y0, TQ1_BLOCK_VNNI, 54, HSUM8_Y0(X1))

// func dotRowsTQ1_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ1_0AVX2(SB), NOSPLIT, $0-48
	KROWS(TQ1_CONSTS, ZERO_Y0, TQ1_BLOCK_AVX2, 54, HSUM8_Y0(X1))

// TQ1X4_DOT(r, x, acc): TQ1_DOT_VNNI for the four tokens, into Y24-Y27
// (acc unused).
#define TQ1X4_DOT(r, x, acc) \
	TRIT(r); \
	VPDPBUSD x(R9), r, Y24; \
	VPDPBUSD x(R9)(R14*1), r, Y25; \
	VPDPBUSD x(R9)(R14*2), r, Y26; \
	VPDPBUSD x(R9)(R15*1), r, Y27

// TQ1X4_SCALE(tok, acc, facc, m): the one-token kernel's end for the token
// whose Q8_K block is at tok: acc less its bsums pairs, converted, times
// d_x·d_w (Y7: d_w), added to facc (m unused). Clobbers acc, Y8.
#define TQ1X4_SCALE(tok, acc, facc, m) \
	VPMADDWD     260 tok, Y11, Y8; \
	VPSUBD       Y8, acc, acc; \
	VCVTDQ2PS    acc, acc; \
	VBROADCASTSS tok, Y8; \
	VMULPS       Y7, Y8, Y8; \
	VMULPS       Y8, acc, acc; \
	VADDPS       acc, facc, facc

// TQ1X4_BLOCK: one block (SI) for the four tokens: the trits extracted
// once, each token's lanes into Y24+t (cleared here), less its bsums,
// scaled into Y16+t (Y7: d_w).
#define TQ1X4_BLOCK \
	KX4_ZERO_I; \
	TQ1_TRITS(TQ1X4_DOT, TQ1X4_DOT); \
	VPBROADCASTW 52(SI), X7; \
	VCVTPH2PS    X7, Y7; \
	KX4_EACH(TQ1X4_SCALE, R9)

// func dotRowsTQ1_0x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_K rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's trits are extracted once and meet
// every token; each token's integer lanes (Y24+t) are the one-token
// kernel's (the same exact sums) and its float lanes (Y16+t) take the same
// operations (AVX-512 VL).
TEXT ·dotRowsTQ1_0x4VNNI(SB), NOSPLIT, $0-64
	KX4ROWS(TQ1_CONSTS, KX4_ZERO_F, TQ1X4_BLOCK, SI, R9, 54, 292, KX4_STORE(KX4_HSUM))

// func dotRowsTQ1_0x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// dotRowsTQ1_0x4VNNI in sixteen 256-bit registers: a block's trits are
// extracted once for four tokens; each token's 16-bit sums, lanes and
// float operations are dotRowsTQ1_0AVX2's.
TEXT ·dotRowsTQ1_0x4AVX2(SB), NOSPLIT, $128-64
	KX4ROWS(TQ1_CONSTS, TQ1X4A_ZERO, TQ1X4A_BLOCK, SI, R9, 54, 292, TQ1X4A_STORE)
