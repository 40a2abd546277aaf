//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotq8_amd64.h"

// IQ4_NL × Q8_0 rows in ggml's AVX2 order (see dot_iq4nl.go): blocks in
// pairs, the first fused into Y0 and the second into Y8; per block the index
// nibbles are spread to 32 bytes (low halves, then high) and looked up in
// the level table (vpshufb), and the exact products with the activations
// (|w| × sign(x, w)) are summed four to a lane. An odd last block's integer
// lanes are summed to one integer and fused into the total after hsum8.

// iq4nlTable is ggml's kvalues_iq4nl as bytes.
DATA iq4nlTable<>+0(SB)/8, $0xf6eaddcfbfad9881
DATA iq4nlTable<>+8(SB)/8, $0x7159453526190d01
GLOBL iq4nlTable<>(SB), RODATA|NOPTR, $16

// IQ4LEVELS puts the signed levels of the block at R9 in Y1: its index
// nibbles spread to 32 bytes (low halves, then high) and looked up in the
// table (Y15: 0x0f bytes, Y13: the table). Clobbers X2.
#define IQ4LEVELS \
	VMOVDQU     2(R9), X1;      \
	VPSRLW      $4, X1, X2;     \
	VINSERTI128 $1, X2, Y1, Y1; \
	VPAND       Y15, Y1, Y1;    \
	VPSHUFB     Y1, Y13, Y1

// IQ4SIGNED puts |levels| of the block at R9 in Y3 and the activations at
// R10 signed by the levels in Y4 (Y15: 0x0f bytes, Y13: the table).
#define IQ4SIGNED \
	IQ4LEVELS                  \
	VMOVDQU     2(R10), Y4     \
	VPSIGNB     Y1, Y1, Y3     \
	VPSIGNB     Y1, Y4, Y4

// LANESVNNI and LANESAVX2 set the integer lanes Y5 of the block.
#define LANESVNNI \
	IQ4SIGNED           \
	VPXOR    Y5, Y5, Y5 \
	VPDPBUSD Y4, Y3, Y5

#define LANESAVX2 \
	IQ4SIGNED              \
	VPMADDUBSW Y4, Y3, Y5  \
	VPMADDWD   Y14, Y5, Y5

// DSCALE broadcasts d_x·d_w of the block into Y6 (clobbers Y7).
#define DSCALE \
	VPBROADCASTW (R10), X6  \
	VCVTPH2PS    X6, Y6     \
	VPBROADCASTW (R9), X7   \
	VCVTPH2PS    X7, Y7     \
	VMULPS       Y7, Y6, Y6

// IQ4BLOCK(LANES, acc): acc += one block's lanes (LANES), converted, times
// d_x·d_w (DSCALE); then steps R9 and R10 to the next block. Clobbers
// Y1-Y7.
#define IQ4BLOCK(LANES, acc) \
	LANES; \
	VCVTDQ2PS   Y5, Y5; \
	DSCALE; \
	VFMADD231PS Y5, Y6, acc; \
	ADDQ        $18, R9; \
	ADDQ        $34, R10

// ROWS runs the row and block loops with LANES for the integer lanes:
// blocks in pairs (IQ4BLOCK into Y0, then Y8), an odd last block's lanes
// summed to one integer and fused after hsum8.
#define ROWS(LANES) \
	Q8ROWS_ARGS; \
	VBCAST32(0x0f0f0f0f, X15, Y15); \
	VBCAST32(0x00010001, X14, Y14); \
	VBROADCASTI128 iq4nlTable<>(SB), Y13; \
row: \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y8, Y8, Y8; \
	MOVQ   SI, R9; \
	MOVQ   R8, R10; \
	MOVQ   CX, R11; \
	SHRQ   $1, R11; \
	JZ     pairsdone; \
pair: \
	IQ4BLOCK(LANES, Y0); \
	IQ4BLOCK(LANES, Y8); \
	DECQ   R11; \
	JNZ    pair; \
pairsdone: \
	VADDPS Y8, Y0, Y0; \
	HSUM8_Y0(X1); \
	TESTQ  $1, CX; \
	JZ     rowdone; \
	LANES; \
	VEXTRACTI128 $1, Y5, X6; \
	VPADDD       X6, X5, X5; \
	HSUM4I(X5, X6); \
	VCVTDQ2PS    X5, X5; \
	DSCALE; \
	VFMADD231SS  X5, X6, X0; \
rowdone: \
	Q8ROWS_NEXT

// The AVX2 four-token kernel has sixteen vector registers: Y13-Y15 as
// ROWS sets them, a block's levels in Y1, |levels| in Y3 and d_w in Y6;
// token t's float lanes of the pairs' first blocks in Y4, Y5, Y7, Y8 and
// of their second blocks in Y9-Y12; Y0 and Y2 are scratch.

// IQ4X4A_LEVELS is IQ4X4_LEVELS.
#define IQ4X4A_LEVELS \
	IQ4LEVELS; \
	VPSIGNB      Y1, Y1, Y3; \
	VPBROADCASTW (R9), X6; \
	VCVTPH2PS    X6, Y6

// IQ4X4A_BLOCK(f0, f1, f2, f3): a block for the four tokens into f0-f3,
// R9 and R10 stepped to the next.
#define IQ4X4A_BLOCK(f0, f1, f2, f3) \
	IQ4X4A_LEVELS; \
	Q80X4A_SIGNED((R10), f0, Y6, Y2, X2); \
	Q80X4A_SIGNED((R10)(R14*1), f1, Y6, Y2, X2); \
	Q80X4A_SIGNED((R10)(R14*2), f2, Y6, Y2, X2); \
	Q80X4A_SIGNED((R10)(R15*1), f3, Y6, Y2, X2); \
	ADDQ $18, R9; \
	ADDQ $34, R10

// IQ4X4A_ODD(tok, a, ax, bx): IQ4X4_ODD within sixteen registers: an odd
// last block's integer lanes for the token at tok (into a, its low half
// ax), summed to one integer, times d_x·d_w (X6: d_w) added to X0 lane 0
// (fused). Clobbers a, X2, bx.
#define IQ4X4A_ODD(tok, a, ax, bx) \
	VMOVDQU      2 tok, Y2; \
	VPSIGNB      Y1, Y2, Y2; \
	VPMADDUBSW   Y2, Y3, a; \
	VPMADDWD     Y14, a, a; \
	VEXTRACTI128 $1, a, X2; \
	VPADDD       X2, ax, X2; \
	HSUM4I(X2, bx); \
	VCVTDQ2PS    X2, X2; \
	VPBROADCASTW tok, bx; \
	VCVTPH2PS    bx, bx; \
	VMULPS       X6, bx, bx; \
	VFMADD231SS  X2, bx, X0

// IQ4X4A_SUM(f, fx, g, gx, tok, stored): a token's result to (R8): its
// pairs' two sets of float lanes f + g (fx, gx their low halves) summed by
// hsum8, then, where BX says there is an odd last block, that block's
// integer (IQ4X4A_ODD, from tok) fused in. stored is a label of its own.
#define IQ4X4A_SUM(f, fx, g, gx, tok, stored) \
	VADDPS  g, f, f; \
	VMOVAPS f, Y0; \
	HSUM8_Y0(X2); \
	TESTQ   BX, BX; \
	JZ      stored; \
	IQ4X4A_ODD(tok, f, fx, gx); \
stored: \
	VMOVSS  X0, (R8)

// func dotRowsIQ4_NLVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsIQ4_NLVNNI(SB), NOSPLIT, $0-48
	ROWS(LANESVNNI)

// func dotRowsIQ4_NLAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsIQ4_NLAVX2(SB), NOSPLIT, $0-48
	ROWS(LANESAVX2)

// IQ4X4_LEVELS: IQ4LEVELS, |levels| in Y3, d_w in Y6 (every lane), for
// the four tokens. Clobbers X2.
#define IQ4X4_LEVELS \
	IQ4LEVELS; \
	VPSIGNB      Y1, Y1, Y3; \
	VPBROADCASTW (R9), X6; \
	VCVTPH2PS    X6, Y6

// IQ4X4_TOKEN(tok, acc, facc, m): one token's block: acc = its integer lanes
// (Q80X4_LANES), facc += float(acc) · d_x·d_w (m unused). Clobbers acc,
// Y4, Y7.
#define IQ4X4_TOKEN(tok, acc, facc, m) \
	Q80X4_LANES(tok, acc); \
	VCVTDQ2PS    acc, acc; \
	VPBROADCASTW tok, X7; \
	VCVTPH2PS    X7, Y7; \
	VMULPS       Y6, Y7, Y7; \
	VFMADD231PS  acc, Y7, facc

// IQ4X4_ODD(tok, acc, accx): X0 lane 0 += an odd last block's integer
// lanes acc (accx: their low half) summed to one integer, times d_x·d_w
// (X6: d_w; tok: the token's Q8_0 block). Clobbers X2, X5.
#define IQ4X4_ODD(tok, acc, accx) \
	VEXTRACTI32X4 $1, acc, X5; \
	VPADDD       X5, accx, X5; \
	HSUM4I(X5, X2); \
	VCVTDQ2PS    X5, X5; \
	VPBROADCASTW tok, X2; \
	VCVTPH2PS    X2, X2; \
	VMULPS       X6, X2, X2; \
	VFMADD231SS  X5, X2, X0

// func dotRowsIQ4_NLx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_0 rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels are looked up once and meet
// every token with the one-token VNNI kernel's instructions, so each
// token's lanes and float order are dotRowsIQ4_NLVNNI's. Token t keeps the
// float lanes of the pairs' first blocks in Y16+t, of their second blocks
// in Y20+t, and its integer lanes in Y24+t (AVX-512 VL).
TEXT ·dotRowsIQ4_NLx4VNNI(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), R12
	MOVQ rows+32(FP), CX
	MOVQ xstride+48(FP), R14
	LEAQ (R14)(R14*2), R15
	TESTQ CX, CX
	JZ   iqxdone
	VBCAST32(0x0f0f0f0f, X15, Y15)
	VBROADCASTI128 iq4nlTable<>(SB), Y13
iqxrow:
	KX4_ZERO_F
	MOVQ   R12, R9
	MOVQ   x+40(FP), R10
	VPXORD Y20, Y20, Y20
	VPXORD Y21, Y21, Y21
	VPXORD Y22, Y22, Y22
	VPXORD Y23, Y23, Y23
	MOVQ   nb+56(FP), BX
	SHRQ   $1, BX
	JZ     iqxpairsdone
iqxpair:
	IQ4X4_LEVELS
	KX4_EACH(IQ4X4_TOKEN, R10)
	ADDQ         $18, R9
	ADDQ         $34, R10
	IQ4X4_LEVELS
	IQ4X4_TOKEN((R10), Y24, Y20, X0)
	IQ4X4_TOKEN((R10)(R14*1), Y25, Y21, X0)
	IQ4X4_TOKEN((R10)(R14*2), Y26, Y22, X0)
	IQ4X4_TOKEN((R10)(R15*1), Y27, Y23, X0)
	ADDQ         $18, R9
	ADDQ         $34, R10
	DECQ         BX
	JNZ          iqxpair
iqxpairsdone:
	MOVQ         nb+56(FP), BX
	ANDQ         $1, BX
	JZ           iqxsums
	// the odd last block: each token's integer lanes, for the tails below
	IQ4X4_LEVELS
	Q80X4_LANES((R10), Y24)
	Q80X4_LANES((R10)(R14*1), Y25)
	Q80X4_LANES((R10)(R14*2), Y26)
	Q80X4_LANES((R10)(R15*1), Y27)
iqxsums:
	VADDPS       Y20, Y16, Y16
	HSUM8_TO_X0(Y16, X16)
	TESTQ        BX, BX
	JZ           iqxstore0
	IQ4X4_ODD((R10), Y24, X24)
iqxstore0:
	VMOVSS       X0, (DI)
	VADDPS       Y21, Y17, Y17
	HSUM8_TO_X0(Y17, X17)
	TESTQ        BX, BX
	JZ           iqxstore1
	IQ4X4_ODD((R10)(R14*1), Y25, X25)
iqxstore1:
	MOVQ         ostride+8(FP), AX
	VMOVSS       X0, (DI)(AX*1)
	VADDPS       Y22, Y18, Y18
	HSUM8_TO_X0(Y18, X18)
	TESTQ        BX, BX
	JZ           iqxstore2
	IQ4X4_ODD((R10)(R14*2), Y26, X26)
iqxstore2:
	MOVQ         ostride+8(FP), AX
	VMOVSS       X0, (DI)(AX*2)
	VADDPS       Y23, Y19, Y19
	HSUM8_TO_X0(Y19, X19)
	TESTQ        BX, BX
	JZ           iqxstore3
	IQ4X4_ODD((R10)(R15*1), Y27, X27)
iqxstore3:
	MOVQ         ostride+8(FP), AX
	LEAQ         (AX)(AX*2), AX
	VMOVSS       X0, (DI)(AX*1)
	ADDQ         $4, DI
	ADDQ         stride+24(FP), R12
	DECQ         CX
	JNZ          iqxrow
iqxdone:
	VZEROUPPER
	RET

// func dotRowsIQ4_NLx4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// dotRowsIQ4_NLx4VNNI in sixteen 256-bit registers: each token's lanes and
// float order are dotRowsIQ4_NLAVX2's (blocks in pairs, an odd last block
// summed to one integer after hsum8).
TEXT ·dotRowsIQ4_NLx4AVX2(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), R12
	MOVQ rows+32(FP), CX
	MOVQ xstride+48(FP), R14
	LEAQ (R14)(R14*2), R15
	TESTQ CX, CX
	JZ   iqadone
	VBCAST32(0x0f0f0f0f, X15, Y15)
	VBCAST32(0x00010001, X14, Y14)
	VBROADCASTI128 iq4nlTable<>(SB), Y13
iqarow:
	VZERO4(Y4, Y5, Y7, Y8)
	VZERO4(Y9, Y10, Y11, Y12)
	MOVQ R12, R9
	MOVQ x+40(FP), R10
	MOVQ nb+56(FP), BX
	SHRQ $1, BX
	JZ   iqapairsdone
iqapair:
	IQ4X4A_BLOCK(Y4, Y5, Y7, Y8)
	IQ4X4A_BLOCK(Y9, Y10, Y11, Y12)
	DECQ BX
	JNZ  iqapair
iqapairsdone:
	MOVQ nb+56(FP), BX
	ANDQ $1, BX
	JZ   iqasums
	IQ4X4A_LEVELS // the odd last block's, for the tails below
iqasums:
	MOVQ DI, R8
	IQ4X4A_SUM(Y4, X4, Y9, X9, (R10), iqastore0)
	ADDQ ostride+8(FP), R8
	IQ4X4A_SUM(Y5, X5, Y10, X10, (R10)(R14*1), iqastore1)
	ADDQ ostride+8(FP), R8
	IQ4X4A_SUM(Y7, X7, Y11, X11, (R10)(R14*2), iqastore2)
	ADDQ ostride+8(FP), R8
	IQ4X4A_SUM(Y8, X8, Y12, X12, (R10)(R15*1), iqastore3)
	ADDQ    $4, DI
	ADDQ    stride+24(FP), R12
	DECQ    CX
	JNZ     iqarow
iqadone:
	VZEROUPPER
	RET
