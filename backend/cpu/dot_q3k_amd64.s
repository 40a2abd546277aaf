//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotk_amd64.h"

// Q3_K × Q8_K rows in the order of ggml's AVX2 kernel (see dot_q3k.go): the
// low 2 bits and the "high bit clear" 4s meet the activations in two
// vpmaddubsw whose difference is (level − 4)·activation in word pairs;
// these are weighed by the signed sub-block scales with vpmaddwd (AVX2) or
// vpdpwssd (VNNI, the same integers) and fused with d_x·d_w. Y15: 0x03
// bytes, Y13: 0x01 bytes, Y10: the block's high bits.

// kShufQ3 sends scale word 2n to the low half and 2n+1 to the high half
// (row n, for vpshufb on scales held as words in both halves).
DATA kShufQ3<>+0(SB)/8, $0x0100010001000100
DATA kShufQ3<>+8(SB)/8, $0x0100010001000100
DATA kShufQ3<>+16(SB)/8, $0x0302030203020302
DATA kShufQ3<>+24(SB)/8, $0x0302030203020302
DATA kShufQ3<>+32(SB)/8, $0x0504050405040504
DATA kShufQ3<>+40(SB)/8, $0x0504050405040504
DATA kShufQ3<>+48(SB)/8, $0x0706070607060706
DATA kShufQ3<>+56(SB)/8, $0x0706070607060706
DATA kShufQ3<>+64(SB)/8, $0x0908090809080908
DATA kShufQ3<>+72(SB)/8, $0x0908090809080908
DATA kShufQ3<>+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kShufQ3<>+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kShufQ3<>+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kShufQ3<>+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kShufQ3<>+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA kShufQ3<>+120(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL kShufQ3<>(SB), RODATA|NOPTR, $128

// q3kScales: the dword shifts and byte masks of Q3K_SCALE_BYTES: [0 0 4 4]
// for the nibbles, [0 2 4 6] for the high bits, then 0x0f, 0x03 and 0x20
// bytes.
DATA q3kScales<>+0(SB)/8, $0x0000000000000000
DATA q3kScales<>+8(SB)/8, $0x0000000400000004
DATA q3kScales<>+16(SB)/8, $0x0000000200000000
DATA q3kScales<>+24(SB)/8, $0x0000000600000004
DATA q3kScales<>+32(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q3kScales<>+40(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q3kScales<>+48(SB)/8, $0x0303030303030303
DATA q3kScales<>+56(SB)/8, $0x0303030303030303
DATA q3kScales<>+64(SB)/8, $0x2020202020202020
DATA q3kScales<>+72(SB)/8, $0x2020202020202020
GLOBL q3kScales<>(SB), RODATA|NOPTR, $80

// Q3K_SCALE_BYTES(x, t): the 16 signed 6-bit scales of the block (12 bytes
// at 96(SI)), less 32, as bytes in x: with aux0-aux2 its three words,
// scales 0-3, 4-7, 8-11 and 12-15 are aux0, aux1, aux0>>4 and aux1>>4
// (their nibbles) or'ed with bits 0-1, 2-3, 4-5 and 6-7 of aux2's bytes
// moved up four, as ggml unpacks them word by word. Clobbers t.
#define Q3K_SCALE_BYTES(x, t) \
	VMOVQ    96(SI), x; \
	VPINSRD  $2, 104(SI), x, x; \
	VPSHUFD  $0xaa, x, t; \
	VPSHUFD  $0x44, x, x; \
	VPSRLVD  q3kScales<>+0(SB), x, x; \
	VPAND    q3kScales<>+32(SB), x, x; \
	VPSRLVD  q3kScales<>+16(SB), t, t; \
	VPAND    q3kScales<>+48(SB), t, t; \
	VPSLLD   $4, t, t; \
	VPOR     t, x, x; \
	VPSUBB   q3kScales<>+64(SB), x, x

// Q3K_SCALES: Q3K_SCALE_BYTES as words: Y11 sub-blocks 0-7 in both halves,
// Y12 8-15. Clobbers Y1, X2.
#define Q3K_SCALES \
	Q3K_SCALE_BYTES(X1, X2); \
	VPMOVSXBW    X1, Y1; \
	VPERMQ       $0x44, Y1, Y11; \
	VPERMQ       $0xee, Y1, Y12

// Q3K_LOW0 and Q3K_LOW(n): the 2-bit low parts of a 32-level group,
// bits n and n+1 of Y1's bytes, into Y4. Reads Y15 (0x03 bytes).
#define Q3K_LOW0 \
	VPAND Y15, Y1, Y4
#define Q3K_LOW(n) \
	VPSRLW $n, Y1, Y4; \
	VPAND  Y15, Y4, Y4

// Q3K_HIGH(g, op, n): Y5 = 4 where bit g of the high-bit bytes (Y10) is
// clear, else 0 (bit g of Y13<<g, moved to bit 2 by op $n); Q3K_HIGH0
// and Q3K_HIGH2 are the cases g = 0 and g = 2. Reads Y13 (0x01 bytes).
#define Q3K_HIGH(g, op, n) \
	VPSLLW $g, Y13, Y5; \
	VPANDN Y5, Y10, Y5; \
	op     $n, Y5, Y5
#define Q3K_HIGH0 \
	VPANDN Y13, Y10, Y5; \
	VPSLLW $2, Y5, Y5
#define Q3K_HIGH2 \
	VPSLLW $2, Y13, Y5; \
	VPANDN Y5, Y10, Y5

// Q3K_DOT_AVX2(x, s, sc): Y3 += a 32-level group's lanes: (low part Y4 −
// the 4s Y5) · the activations at x(R9), as two vpmaddubsw and a
// difference, weighed with vpmaddwd by the scale words of sc that kShufQ3
// row s picks. Clobbers Y4-Y7.
#define Q3K_DOT_AVX2(x, s, sc) \
	VMOVDQU    x(R9), Y6; \
	VPMADDUBSW Y6, Y5, Y5; \
	VPMADDUBSW Y6, Y4, Y4; \
	VPSUBW     Y5, Y4, Y4; \
	VPSHUFB    kShufQ3<>+s(SB), sc, Y7; \
	VPMADDWD   Y7, Y4, Y4; \
	VPADDD     Y4, Y3, Y3

// Q3K_DOT_VNNI(x, s, sc): Q3K_DOT_AVX2 with vpdpwssd doing vpmaddwd's
// sums and the add (the same integers). Clobbers Y4-Y7.
#define Q3K_DOT_VNNI(x, s, sc) \
	VMOVDQU    x(R9), Y6; \
	VPMADDUBSW Y6, Y5, Y5; \
	VPMADDUBSW Y6, Y4, Y4; \
	VPSUBW     Y5, Y4, Y4; \
	VPSHUFB    kShufQ3<>+s(SB), sc, Y7; \
	VPDPWSSD   Y7, Y4, Y3

// Q3K_GROUPS(DOT): the block's eight 32-level groups (low parts at
// 32(SI) and 64(SI), four to 32 bytes; high bits in Y10), each as Y4 and
// Y5 meeting its activations by DOT(x, s, sc). Clobbers Y1, Y4, Y5 and
// DOT's registers.
#define Q3K_GROUPS(DOT) \
	VMOVDQU 32(SI), Y1; \
	Q3K_LOW0; \
	Q3K_HIGH0; \
	DOT(4, 0, Y11); \
	Q3K_LOW(2); \
	Q3K_HIGH(1, VPSLLW, 1); \
	DOT(36, 32, Y11); \
	Q3K_LOW(4); \
	Q3K_HIGH2; \
	DOT(68, 64, Y11); \
	Q3K_LOW(6); \
	Q3K_HIGH(3, VPSRLW, 1); \
	DOT(100, 96, Y11); \
	VMOVDQU 64(SI), Y1; \
	Q3K_LOW0; \
	Q3K_HIGH(4, VPSRLW, 2); \
	DOT(132, 0, Y12); \
	Q3K_LOW(2); \
	Q3K_HIGH(5, VPSRLW, 3); \
	DOT(164, 32, Y12); \
	Q3K_LOW(4); \
	Q3K_HIGH(6, VPSRLW, 4); \
	DOT(196, 64, Y12); \
	Q3K_LOW(6); \
	Q3K_HIGH(7, VPSRLW, 5); \
	DOT(228, 96, Y12)

// Q3K_BLOCK(DOT): one block's part of a row (SI the block, R9 its Q8_K
// block): Y0 += d_x·d_w · the eight groups' lanes (Q3K_GROUPS(DOT)).
// Clobbers Y1-Y7, Y10-Y12.
#define Q3K_BLOCK(DOT) \
	Q3K_SCALES; \
	VMOVDQU      (SI), Y10 /* high bits */; \
	VPXOR        Y3, Y3, Y3; \
	Q3K_GROUPS(DOT); \
	VPBROADCASTW 108(SI), X7; \
	VCVTPH2PS    X7, X7; \
	VMULSS       (R9), X7, X7; \
	VBROADCASTSS X7, Y7; \
	VCVTDQ2PS    Y3, Y3; \
	VFMADD231PS  Y3, Y7, Y0

// The AVX2 four-token kernel has sixteen vector registers: each token's
// integer lanes of a block in Y0+t and its float lanes in Y4+t; a group's
// low parts in Y8, its 4s in Y9 and its scale words in Y10; the block's
// sixteen signed scale bytes in X14; Y13 and Y15 as K23_CONSTS sets them;
// Y11 and Y12 are scratch. The high bits and low parts are read from
// memory for each group.

// kShufBytePairs row g sends byte 2g to the low eight bytes and 2g+1 to
// the high eight: vpshufb on sixteen scale bytes, then vpmovsxbw (Q3_K)
// or vpmovzxbw (Q2_K), gives the words kShufQ3 (kShufQ2) picks for group
// g. The AVX2 four-token Q2_K kernel reads it too.
DATA ·kShufBytePairs+0(SB)/8, $0x0000000000000000
DATA ·kShufBytePairs+8(SB)/8, $0x0101010101010101
DATA ·kShufBytePairs+16(SB)/8, $0x0202020202020202
DATA ·kShufBytePairs+24(SB)/8, $0x0303030303030303
DATA ·kShufBytePairs+32(SB)/8, $0x0404040404040404
DATA ·kShufBytePairs+40(SB)/8, $0x0505050505050505
DATA ·kShufBytePairs+48(SB)/8, $0x0606060606060606
DATA ·kShufBytePairs+56(SB)/8, $0x0707070707070707
DATA ·kShufBytePairs+64(SB)/8, $0x0808080808080808
DATA ·kShufBytePairs+72(SB)/8, $0x0909090909090909
DATA ·kShufBytePairs+80(SB)/8, $0x0a0a0a0a0a0a0a0a
DATA ·kShufBytePairs+88(SB)/8, $0x0b0b0b0b0b0b0b0b
DATA ·kShufBytePairs+96(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA ·kShufBytePairs+104(SB)/8, $0x0d0d0d0d0d0d0d0d
DATA ·kShufBytePairs+112(SB)/8, $0x0e0e0e0e0e0e0e0e
DATA ·kShufBytePairs+120(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL ·kShufBytePairs(SB), RODATA|NOPTR, $128

// Q3KX4A_CONSTS: Y15 = 0x03 bytes, Y13 = 0x01 bytes. Clobbers AX.
#define Q3KX4A_CONSTS \
	VBCAST32(0x03030303, X15, Y15); \
	VBCAST32(0x01010101, X13, Y13)

// Q3KX4A_LOW(src, n): a group's low parts, bits n and n+1 of the 32 bytes
// at src(SI), into Y8 (Q3K_LOW's; a shift by 0 for the first groups).
#define Q3KX4A_LOW(src, n) \
	VMOVDQU src(SI), Y8; \
	VPSRLW  $n, Y8, Y8; \
	VPAND   Y15, Y8, Y8

// Q3KX4A_HIGH(g, op, n): Q3K_HIGH into Y9 with the high bits read from
// (SI) into Y12: 4 where bit g is clear (op $n moves bit g to bit 2; a
// shift by 0 for group 2).
#define Q3KX4A_HIGH(g, op, n) \
	VMOVDQU (SI), Y12; \
	VPSLLW  $g, Y13, Y9; \
	VPANDN  Y9, Y12, Y9; \
	op      $n, Y9, Y9

// Q3KX4A_TOKEN(x, tok, acc): acc += a group's lanes for the token whose
// activations are at x tok, Q3K_DOT_AVX2's integers: (low parts − 4s) ·
// activations, weighed by the scale words Y10. Clobbers Y11, Y12.
#define Q3KX4A_TOKEN(x, tok, acc) \
	VMOVDQU    x tok, Y11; \
	VPMADDUBSW Y11, Y9, Y12; \
	VPMADDUBSW Y11, Y8, Y11; \
	VPSUBW     Y12, Y11, Y11; \
	VPMADDWD   Y10, Y11, Y11; \
	VPADDD     Y11, acc, acc

// Q3KX4A_GROUP(src, n, g, op, hn, x, row): group g (low parts bits n, n+1
// of src(SI); its 4s by Q3KX4A_HIGH(g, op, hn)) for the four tokens, its
// scale words picked once (kShufQ3b row).
#define Q3KX4A_GROUP(src, n, g, op, hn, x, row) \
	Q3KX4A_LOW(src, n); \
	Q3KX4A_HIGH(g, op, hn); \
	VPSHUFB   ·kShufBytePairs+row(SB), X14, X10; \
	VPMOVSXBW X10, Y10; \
	Q3KX4A_TOKEN(x, (R9), Y0); \
	Q3KX4A_TOKEN(x, (R9)(R14*1), Y1); \
	Q3KX4A_TOKEN(x, (R9)(R14*2), Y2); \
	Q3KX4A_TOKEN(x, (R9)(R15*1), Y3)

// Q3KX4A_FUSE(tok, acc, facc): Q3KX4_FUSE with d_w in X9. Clobbers Y11.
#define Q3KX4A_FUSE(tok, acc, facc) \
	VMULSS       tok, X9, X11; \
	VBROADCASTSS X11, Y11; \
	VCVTDQ2PS    acc, acc; \
	VFMADD231PS  acc, Y11, facc

// Q3KX4A_BLOCK: one block (SI) for the four tokens, as Q3KX4_BLOCK.
#define Q3KX4A_BLOCK \
	Q3K_SCALE_BYTES(X14, X12); \
	VPXOR        Y0, Y0, Y0; \
	VPXOR        Y1, Y1, Y1; \
	VPXOR        Y2, Y2, Y2; \
	VPXOR        Y3, Y3, Y3; \
	Q3KX4A_GROUP(32, 0, 0, VPSLLW, 2, 4, 0); \
	Q3KX4A_GROUP(32, 2, 1, VPSLLW, 1, 36, 16); \
	Q3KX4A_GROUP(32, 4, 2, VPSRLW, 0, 68, 32); \
	Q3KX4A_GROUP(32, 6, 3, VPSRLW, 1, 100, 48); \
	Q3KX4A_GROUP(64, 0, 4, VPSRLW, 2, 132, 64); \
	Q3KX4A_GROUP(64, 2, 5, VPSRLW, 3, 164, 80); \
	Q3KX4A_GROUP(64, 4, 6, VPSRLW, 4, 196, 96); \
	Q3KX4A_GROUP(64, 6, 7, VPSRLW, 5, 228, 112); \
	VPBROADCASTW 108(SI), X9; \
	VCVTPH2PS    X9, X9; \
	Q3KX4A_FUSE((R9), Y0, Y4); \
	Q3KX4A_FUSE((R9)(R14*1), Y1, Y5); \
	Q3KX4A_FUSE((R9)(R14*2), Y2, Y6); \
	Q3KX4A_FUSE((R9)(R15*1), Y3, Y7)

// func dotRowsQ3_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ3_KVNNI(SB), NOSPLIT, $0-48
	KROWS(K23_CONSTS, ZERO_Y0, Q3K_BLOCK(Q3K_DOT_VNNI), 110, HSUM8_Y0(X2))

// func dotRowsQ3_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ3_KAVX2(SB), NOSPLIT, $0-48
	KROWS(K23_CONSTS, ZERO_Y0, Q3K_BLOCK(Q3K_DOT_AVX2), 110, HSUM8_Y0(X2))

// Q3KX4_TOKEN(x, tok, acc): acc += a group's lanes for the token whose
// activations are at x tok (the scale words in Y7). Clobbers Y6, Y28, Y29.
#define Q3KX4_TOKEN(x, tok, acc) \
	VMOVDQU    x tok, Y6; \
	VPMADDUBSW Y6, Y5, Y28; \
	VPMADDUBSW Y6, Y4, Y29; \
	VPSUBW     Y28, Y29, Y29; \
	VPDPWSSD   Y7, Y29, acc

// Q3KX4_DOT(x, s, sc): Q3K_DOT_VNNI for the four tokens, into Y24-Y27:
// the scale words picked once into Y7. Clobbers Y6, Y7, Y28, Y29.
#define Q3KX4_DOT(x, s, sc) \
	VPSHUFB kShufQ3<>+s(SB), sc, Y7; \
	Q3KX4_TOKEN(x, (R9), Y24); \
	Q3KX4_TOKEN(x, (R9)(R14*1), Y25); \
	Q3KX4_TOKEN(x, (R9)(R14*2), Y26); \
	Q3KX4_TOKEN(x, (R9)(R15*1), Y27)

// Q3KX4_FUSE(tok, acc, facc, m): facc += float(acc) · d_x·d_w for the token
// whose Q8_K block is at tok (X9 lane 0: d_w; m unused). Clobbers acc,
// X8, Y8.
#define Q3KX4_FUSE(tok, acc, facc, m) \
	VMULSS       tok, X9, X8; \
	VBROADCASTSS X8, Y8; \
	VCVTDQ2PS    acc, acc; \
	VFMADD231PS  acc, Y8, facc

// Q3KX4_BLOCK: one block (SI) for the four tokens: the scales and high
// bits unpacked once, each token's lanes into Y24+t (cleared here), fused
// into Y16+t.
#define Q3KX4_BLOCK \
	KX4_ZERO_I; \
	Q3K_SCALES; \
	VMOVDQU (SI), Y10 /* high bits */; \
	Q3K_GROUPS(Q3KX4_DOT); \
	VPBROADCASTW 108(SI), X9; \
	VCVTPH2PS    X9, X9; \
	KX4_EACH(Q3KX4_FUSE, R9)

// func dotRowsQ3_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens against each weight row as dotRowsQ2_Kx4VNNI (and with its
// registers): a block's levels, high bits and scales are unpacked once and
// meet every token with the one-token VNNI kernel's instructions.
TEXT ·dotRowsQ3_Kx4VNNI(SB), NOSPLIT, $0-64
	KX4ROWS(K23_CONSTS, KX4_ZERO_F, Q3KX4_BLOCK, SI, R9, 110, 292, KX4_STORE(KX4_HSUM))

// func dotRowsQ3_Kx4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// dotRowsQ3_Kx4VNNI in sixteen 256-bit registers with vpmaddwd's sums
// added apart: each token's integers and float order are dotRowsQ3_KAVX2's.
TEXT ·dotRowsQ3_Kx4AVX2(SB), NOSPLIT, $0-64
	KX4ROWS(Q3KX4A_CONSTS, VZERO4(Y4, Y5, Y6, Y7), Q3KX4A_BLOCK, SI, R9, 110, 292, X4A_STORE_Y4)
