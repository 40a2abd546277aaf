//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotq8_amd64.h"

// Q5_0 × Q8_0 rows in ggml's AVX2 lane order (dotLanes8 with q5Vals, see
// dot_q50.go): per block the nibbles are spread to 32 bytes (low halves,
// then high), the fifth bits spread to bytes as ggml's bytes_from_bits_32
// does, and every level without its fifth bit takes 0xf0 (level − 16 as
// int8); the exact products with the activations are summed four to a lane
// (|w| × sign(x, w)), converted, and fused with d_w·d_x into the float
// lanes; hsum8 at the end.

// q50spread sends byte i of a broadcast uint32 to bytes 8i..8i+7.
DATA q50spread<>+0(SB)/8, $0x0000000000000000
DATA q50spread<>+8(SB)/8, $0x0101010101010101
DATA q50spread<>+16(SB)/8, $0x0202020202020202
DATA q50spread<>+24(SB)/8, $0x0303030303030303
GLOBL q50spread<>(SB), RODATA|NOPTR, $32

// Q50LEVELS_CONSTS: the constants of Q50LEVELS but Y15 (Y13, Y12, Y11,
// Y10). Clobbers AX.
#define Q50LEVELS_CONSTS \
	VMOVDQU      q50spread<>(SB), Y13; \
	MOVQ         $0x7fbfdfeff7fbfdfe, AX; \
	VMOVQ        AX, X12; \
	VPBROADCASTQ X12, Y12; \
	VPCMPEQB     Y11, Y11, Y11; \
	VBCAST32(0xf0f0f0f0, X10, Y10)

// Q50LEVELS puts the 32 signed levels of the block at R9 in Y1. Constants:
// Y15 0x0f bytes, Y13 q50spread, Y12 ggml's bit mask 0x7fbfdfeff7fbfdfe,
// Y11 all ones, Y10 0xf0 bytes.
#define Q50LEVELS \
	VMOVDQU      6(R9), X1      \
	VPSRLW       $4, X1, X2     \
	VINSERTI128  $1, X2, Y1, Y1 \
	VPAND        Y15, Y1, Y1    \
	VPBROADCASTD 2(R9), Y2      \
	VPSHUFB      Y13, Y2, Y2    \
	VPOR         Y12, Y2, Y2    \
	VPCMPEQB     Y11, Y2, Y2    \
	VPANDN       Y10, Y2, Y2    \
	VPOR         Y2, Y1, Y1

// Q50VNNI and Q50AVX2: one block's integer lanes into Y5, |w| × sign(x,
// w) (vpdpbusd, or vpmaddubsw and vpmaddwd by Y14's words of 1), scaled
// by Q8_SCALE.
#define Q50VNNI \
	Q50LEVELS               \
	VMOVDQU  2(R10), Y4     \
	VPSIGNB  Y1, Y1, Y3     \
	VPSIGNB  Y1, Y4, Y4     \
	VPXOR    Y5, Y5, Y5     \
	VPDPBUSD Y4, Y3, Y5     \
	Q8_SCALE

#define Q50AVX2 \
	Q50LEVELS               \
	VMOVDQU    2(R10), Y4   \
	VPSIGNB    Y1, Y1, Y3   \
	VPSIGNB    Y1, Y4, Y4   \
	VPMADDUBSW Y4, Y3, Y5   \
	VPMADDWD   Y14, Y5, Y5  \
	Q8_SCALE

// Q50_CONSTS: Y14 = 0x0001 words and the constants of Q50LEVELS.
// Clobbers AX.
#define Q50_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15); \
	VBCAST32(0x00010001, X14, Y14); \
	Q50LEVELS_CONSTS

// The AVX2 four-token kernel has sixteen vector registers: Q50_CONSTS's
// six (Y10-Y15), the block's levels in Y1 (Q50LEVELS, Y2 its scratch),
// |levels| in Y3 and d_w in Y8, each token's float lanes in Y4+t; Y0, Y2
// and Y9 are a token's scratch.

// Q50X4A_BLOCK: one block (R9) for the four tokens: its levels, |levels|
// and d_w once, then each token's step (Q80X4A_SIGNED).
#define Q50X4A_BLOCK \
	Q50LEVELS; \
	VPSIGNB      Y1, Y1, Y3; \
	VPBROADCASTW (R9), X8; \
	VCVTPH2PS    X8, Y8; \
	Q80X4A_SIGNED((R10), Y4, Y8, Y9, X9); \
	Q80X4A_SIGNED((R10)(R14*1), Y5, Y8, Y9, X9); \
	Q80X4A_SIGNED((R10)(R14*2), Y6, Y8, Y9, X9); \
	Q80X4A_SIGNED((R10)(R15*1), Y7, Y8, Y9, X9)

// func dotRowsQ5_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_0VNNI(SB), NOSPLIT, $0-48
	Q8ROWS(Q50_CONSTS, ZERO_Y0, Q50VNNI, 22, 34, HSUM8_Y0(X1))

// func dotRowsQ5_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_0AVX2(SB), NOSPLIT, $0-48
	Q8ROWS(Q50_CONSTS, ZERO_Y0, Q50AVX2, 22, 34, HSUM8_Y0(X1))

// Q50X4_TOKEN(tok, acc, facc, m): one token of the four-token kernel: acc =
// its integer lanes (Q80X4_LANES), facc += float(acc) · d_w·d_x (Y6:
// d_w; m unused). Clobbers acc, Y4, Y7.
#define Q50X4_TOKEN(tok, acc, facc, m) \
	Q80X4_LANES(tok, acc); \
	VCVTDQ2PS    acc, acc; \
	VPBROADCASTW tok, X7; \
	VCVTPH2PS    X7, Y7; \
	VMULPS       Y7, Y6, Y7; \
	VFMADD231PS  acc, Y7, facc

// Q50X4_CONSTS: the constants of Q50LEVELS (Y15, Y13, Y12, Y11, Y10).
// Clobbers AX.
#define Q50X4_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15); \
	Q50LEVELS_CONSTS

// Q50X4_BLOCK: one block (R9) for the four tokens: its levels (Y1, and
// |levels| in Y3) and d_w (Y6) once, then each token's step
// (Q50X4_TOKEN).
#define Q50X4_BLOCK \
	Q50LEVELS; \
	VPSIGNB      Y1, Y1, Y3; \
	VPBROADCASTW (R9), X6; \
	VCVTPH2PS    X6, Y6; \
	KX4_EACH(Q50X4_TOKEN, R10)

// func dotRowsQ5_0x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_0 rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's levels are unpacked once and meet
// every token with the one-token VNNI kernel's instructions, so each
// token's lanes and float order are dotRowsQ5_0VNNI's. Token t keeps its
// float lanes in Y16+t and its integer lanes in Y24+t (AVX-512 VL).
TEXT ·dotRowsQ5_0x4VNNI(SB), NOSPLIT, $0-64
	KX4ROWS(Q50X4_CONSTS, KX4_ZERO_F, Q50X4_BLOCK, R9, R10, 22, 34, KX4_STORE(KX4_HSUM))

// func dotRowsQ5_0x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// dotRowsQ5_0x4VNNI in sixteen 256-bit registers: each token's lanes and
// float order are dotRowsQ5_0AVX2's.
TEXT ·dotRowsQ5_0x4AVX2(SB), NOSPLIT, $0-64
	KX4ROWS(Q50_CONSTS, VZERO4(Y4, Y5, Y6, Y7), Q50X4A_BLOCK, R9, R10, 22, 34, X4A_STORE_Y4)
