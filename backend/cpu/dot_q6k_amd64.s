//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotk_amd64.h"

// Q6_K × Q8_K rows in the order of ggml's AVX2 kernels (see
// dot_k.go): integer lanes from vpmaddubsw (levels unsigned, activations
// signed) and vpmaddwd with the sub-block scales, then fused into the float
// lanes with d_x·d_w.

DATA shufK6<>+0(SB)/8, $0x0000000000000000
DATA shufK6<>+8(SB)/8, $0x0101010101010101
DATA shufK6<>+16(SB)/8, $0x0202020202020202
DATA shufK6<>+24(SB)/8, $0x0303030303030303
DATA shufK6<>+32(SB)/8, $0x0404040404040404
DATA shufK6<>+40(SB)/8, $0x0505050505050505
DATA shufK6<>+48(SB)/8, $0x0606060606060606
DATA shufK6<>+56(SB)/8, $0x0707070707070707
DATA shufK6<>+64(SB)/8, $0x0808080808080808
DATA shufK6<>+72(SB)/8, $0x0909090909090909
DATA shufK6<>+80(SB)/8, $0x0a0a0a0a0a0a0a0a
DATA shufK6<>+88(SB)/8, $0x0b0b0b0b0b0b0b0b
DATA shufK6<>+96(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA shufK6<>+104(SB)/8, $0x0d0d0d0d0d0d0d0d
DATA shufK6<>+112(SB)/8, $0x0e0e0e0e0e0e0e0e
DATA shufK6<>+120(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL shufK6<>(SB), RODATA|NOPTR, $128

// shufK6w entry i spreads scale words 2i (low lane) and 2i+1 (high lane)
// of a register holding eight scale words in both lanes.
DATA shufK6w<>+0(SB)/8, $0x0100010001000100
DATA shufK6w<>+8(SB)/8, $0x0100010001000100
DATA shufK6w<>+16(SB)/8, $0x0302030203020302
DATA shufK6w<>+24(SB)/8, $0x0302030203020302
DATA shufK6w<>+32(SB)/8, $0x0504050405040504
DATA shufK6w<>+40(SB)/8, $0x0504050405040504
DATA shufK6w<>+48(SB)/8, $0x0706070607060706
DATA shufK6w<>+56(SB)/8, $0x0706070607060706
DATA shufK6w<>+64(SB)/8, $0x0908090809080908
DATA shufK6w<>+72(SB)/8, $0x0908090809080908
DATA shufK6w<>+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK6w<>+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK6w<>+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK6w<>+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK6w<>+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK6w<>+120(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK6w<>+128(SB)/8, $0x0100010001000100
DATA shufK6w<>+136(SB)/8, $0x0100010001000100
DATA shufK6w<>+144(SB)/8, $0x0302030203020302
DATA shufK6w<>+152(SB)/8, $0x0302030203020302
DATA shufK6w<>+160(SB)/8, $0x0504050405040504
DATA shufK6w<>+168(SB)/8, $0x0504050405040504
DATA shufK6w<>+176(SB)/8, $0x0706070607060706
DATA shufK6w<>+184(SB)/8, $0x0706070607060706
DATA shufK6w<>+192(SB)/8, $0x0908090809080908
DATA shufK6w<>+200(SB)/8, $0x0908090809080908
DATA shufK6w<>+208(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK6w<>+216(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK6w<>+224(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK6w<>+232(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK6w<>+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK6w<>+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL shufK6w<>(SB), RODATA|NOPTR, $256

// Q6K_DOT_AVX2(x, s, sc): Y1 += a 32-level group's lanes: (levels Y7 −
// 32) · the activations at x(R9), as two vpmaddubsw (Y13: 32s) and a
// difference, weighed with vpmaddwd by the scale words of sc that shufK6w
// row s picks. Clobbers Y7-Y10.
#define Q6K_DOT_AVX2(x, s, sc) \
	VMOVDQU    x(R9), Y8; \
	VPMADDUBSW Y8, Y7, Y7; \
	VPMADDUBSW Y8, Y13, Y9; \
	VPSUBW     Y9, Y7, Y7; \
	VPSHUFB    shufK6w<>+s(SB), sc, Y10; \
	VPMADDWD   Y10, Y7, Y7; \
	VPADDD     Y7, Y1, Y1

// Q6K_DOT_VNNI(x, s, sc): Q6K_DOT_AVX2 with vpdpwssd doing vpmaddwd's
// sums and the add (the same integers). Clobbers Y7-Y10.
#define Q6K_DOT_VNNI(x, s, sc) \
	VMOVDQU    x(R9), Y8; \
	VPMADDUBSW Y8, Y7, Y7; \
	VPMADDUBSW Y8, Y13, Y9; \
	VPSUBW     Y9, Y7, Y7; \
	VPSHUFB    shufK6w<>+s(SB), sc, Y10; \
	VPDPWSSD   Y10, Y7, Y1

// Q6K_HALF(q, h, x, s, sc, DOT): half a block, four 32-level groups: low
// nibbles in the 64 bytes at q(SI) (low, then high nibbles of each 32),
// high 2 bits in the 32 bytes at h(SI) (bits 0-1 the first group, 6-7 the
// last), put together as levels in Y7 (Y14: 0x30 bytes, Y15: 0x0f) and
// met with the activations at x+32g by DOT(x+32g, s+32g, sc). Clobbers
// Y3-Y7 and DOT's registers.
#define Q6K_HALF(q, h, x, s, sc, DOT) \
	VMOVDQU q(SI), Y3; \
	VMOVDQU q+32(SI), Y4; \
	VMOVDQU h(SI), Y5; \
	VPSLLW  $4, Y5, Y6; \
	VPAND   Y14, Y6, Y6; \
	VPAND   Y15, Y3, Y7; \
	VPOR    Y6, Y7, Y7; \
	DOT(x, s, sc); \
	VPSLLW  $2, Y5, Y6; \
	VPAND   Y14, Y6, Y6; \
	VPAND   Y15, Y4, Y7; \
	VPOR    Y6, Y7, Y7; \
	DOT(x+32, s+32, sc); \
	VPAND   Y14, Y5, Y6; \
	VPSRLW  $4, Y3, Y7; \
	VPAND   Y15, Y7, Y7; \
	VPOR    Y6, Y7, Y7; \
	DOT(x+64, s+64, sc); \
	VPSRLW  $2, Y5, Y6; \
	VPAND   Y14, Y6, Y6; \
	VPSRLW  $4, Y4, Y7; \
	VPAND   Y15, Y7, Y7; \
	VPOR    Y6, Y7, Y7; \
	DOT(x+96, s+96, sc)

// Q6K_CONSTS: Y15 = 0x0f bytes, Y14 = 0x30 bytes, Y13 = 0x20 bytes.
// Clobbers AX.
#define Q6K_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15); \
	VBCAST32(0x30303030, X14, Y14); \
	VBCAST32(0x20202020, X13, Y13)

// Q6K_BLOCK(DOT): one block's part of a row (SI the block, R9 its Q8_K
// block): the 16 signed scales as words (Y11 sub-blocks 0-7 in both
// halves, Y2 8-15), the two halves' lanes into Y1 (Q6K_HALF with DOT),
// fused with d_x·d_w into Y0. Clobbers Y1-Y11.
#define Q6K_BLOCK(DOT) \
	VPMOVSXBW    192(SI), Y2; \
	VPERMQ       $0x44, Y2, Y11; \
	VPERMQ       $0xee, Y2, Y2; \
	VPXOR        Y1, Y1, Y1; \
	Q6K_HALF(0, 128, 4, 0, Y11, DOT); \
	Q6K_HALF(64, 160, 132, 128, Y2, DOT); \
	VPBROADCASTW 208(SI), X9; \
	VCVTPH2PS    X9, Y9; \
	VBROADCASTSS (R9), Y10; \
	VMULPS       Y9, Y10, Y9; \
	VCVTDQ2PS    Y1, Y1; \
	VFMADD231PS  Y1, Y9, Y0

// The AVX2 four-token kernel has sixteen vector registers: each token's
// integer lanes of a block in Y0+t and its float lanes in Y4+t; a group's
// levels in Y8, the block's sixteen scale bytes in X11 and a group's
// scale words in Y12 (Q6K_CONSTS's Y13-Y15); Y9 and Y10 are scratch. The
// levels are rebuilt from memory group by group rather than kept.

// Q6KX4A_LEVELS(q, h, hs, qs): a group's levels in Y8 (Q6KX4_HALF's):
// the high bits at h(SI) shifted right by hs, masked to two (Y14: 0x03)
// and moved up four, or'ed with the nibbles at q(SI) shifted right by qs
// (0 or 4: the first groups shift by 0) and masked (Y15: 0x0f).
// Clobbers Y9.
#define Q6KX4A_LEVELS(q, h, hs, qs) \
	VMOVDQU h(SI), Y9; \
	VPSRLW  $hs, Y9, Y9; \
	VPAND   Y14, Y9, Y9; \
	VPSLLW  $4, Y9, Y9; \
	VMOVDQU q(SI), Y8; \
	VPSRLW  $qs, Y8, Y8; \
	VPAND   Y15, Y8, Y8; \
	VPOR    Y9, Y8, Y8

// Q6KX4A_TOKEN(x, tok, acc): acc += a group's lanes for the token whose
// activations are at x tok, Q6K_DOT_AVX2's integers: (levels Y8 − 32) ·
// activations, weighed by the scale words Y12. Clobbers Y9, Y10.
#define Q6KX4A_TOKEN(x, tok, acc) \
	VPMADDUBSW x tok, Y8, Y9; \
	VPMADDUBSW x tok, Y13, Y10; \
	VPSUBW     Y10, Y9, Y9; \
	VPMADDWD   Y12, Y9, Y9; \
	VPADDD     Y9, acc, acc

// Q6KX4A_GROUP(q, h, hs, qs, x, s): a 32-level group for the four tokens:
// its levels (Q6KX4A_LEVELS), its two scale bytes (shufK6 row s of X11)
// widened to words in Y12 once, and each token's lanes.
#define Q6KX4A_GROUP(q, h, hs, qs, x, s) \
	Q6KX4A_LEVELS(q, h, hs, qs); \
	VPSHUFB   shufK6<>+s(SB), X11, X12; \
	VPMOVSXBW X12, Y12; \
	Q6KX4A_TOKEN(x, (R9), Y0); \
	Q6KX4A_TOKEN(x, (R9)(R14*1), Y1); \
	Q6KX4A_TOKEN(x, (R9)(R14*2), Y2); \
	Q6KX4A_TOKEN(x, (R9)(R15*1), Y3)

// Q6KX4A_HALF(q, h, x, s): half a block, Q6KX4_HALF's four groups.
#define Q6KX4A_HALF(q, h, x, s) \
	Q6KX4A_GROUP(q, h, 0, 0, x, s); \
	Q6KX4A_GROUP(q+32, h, 2, 0, x+32, s+16); \
	Q6KX4A_GROUP(q, h, 4, 4, x+64, s+32); \
	Q6KX4A_GROUP(q+32, h, 6, 4, x+96, s+48)

// Q6KX4A_FUSE(tok, acc, facc): KX4_FUSE_Y with d_w in Y12. Clobbers Y9.
#define Q6KX4A_FUSE(tok, acc, facc) \
	VBROADCASTSS tok, Y9; \
	VMULPS       Y12, Y9, Y9; \
	VCVTDQ2PS    acc, acc; \
	VFMADD231PS  acc, Y9, facc

// Q6KX4A_BLOCK: one block (SI) for the four tokens, as Q6KX4_BLOCK.
#define Q6KX4A_BLOCK \
	VMOVDQU      192(SI), X11; \
	VPXOR        Y0, Y0, Y0; \
	VPXOR        Y1, Y1, Y1; \
	VPXOR        Y2, Y2, Y2; \
	VPXOR        Y3, Y3, Y3; \
	Q6KX4A_HALF(0, 128, 4, 0); \
	Q6KX4A_HALF(64, 160, 132, 64); \
	VPBROADCASTW 208(SI), X12; \
	VCVTPH2PS    X12, Y12; \
	Q6KX4A_FUSE((R9), Y0, Y4); \
	Q6KX4A_FUSE((R9)(R14*1), Y1, Y5); \
	Q6KX4A_FUSE((R9)(R14*2), Y2, Y6); \
	Q6KX4A_FUSE((R9)(R15*1), Y3, Y7)

// Q6KX4A_CONSTS is Q6KX4_CONSTS (Y14: 0x03 bytes); Q6KX4A_ZERO clears
// the float lanes.
#define Q6KX4A_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15); \
	VBCAST32(0x03030303, X14, Y14); \
	VBCAST32(0x20202020, X13, Y13)
#define Q6KX4A_ZERO VZERO4(Y4, Y5, Y6, Y7)

// func dotRowsQ6_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ6_KAVX2(SB), NOSPLIT, $0-48
	KROWS(Q6K_CONSTS, ZERO_Y0, Q6K_BLOCK(Q6K_DOT_AVX2), 210, HSUM8_Y0(X2))

// dotRowsQ6_KVNNI is dotRowsQ6_KAVX2 with vpdpwssd doing vpmaddwd's sums
// and the add in one (the same integers).
// func dotRowsQ6_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ6_KVNNI(SB), NOSPLIT, $0-48
	KROWS(Q6K_CONSTS, ZERO_Y0, Q6K_BLOCK(Q6K_DOT_VNNI), 210, HSUM8_Y0(X2))

// Q6KX4_TOKEN(x, tok, acc): acc += a group's lanes for the token whose
// activations are at x tok: (levels Y7 − 32) · activations, weighed by
// the scale words Y28. Clobbers Y10, Y11.
#define Q6KX4_TOKEN(x, tok, acc) \
	VPMADDUBSW x tok, Y7, Y10; \
	VPMADDUBSW x tok, Y13, Y11; \
	VPSUBW     Y11, Y10, Y10; \
	VPDPWSSD   Y28, Y10, acc

// Q6KX4_DOT(x, s): a 32-level group (levels in Y7) for the four tokens,
// into Y24-Y27: the group's two scale bytes (shufK6 row s of X2) widened
// to words in Y28 once. Clobbers X10, Y11, Y28.
#define Q6KX4_DOT(x, s) \
	VPSHUFB   shufK6<>+s(SB), X2, X10; \
	VPMOVSXBW X10, Y28; \
	Q6KX4_TOKEN(x, (R9), Y24); \
	Q6KX4_TOKEN(x, (R9)(R14*1), Y25); \
	Q6KX4_TOKEN(x, (R9)(R14*2), Y26); \
	Q6KX4_TOKEN(x, (R9)(R15*1), Y27)

// Q6KX4_HALF(q, h, x, s): Q6K_HALF for four tokens (Y14: 0x03 bytes, the
// high bits masked before the shift), groups by Q6KX4_DOT(x+32g, s+16g).
// Clobbers Y3-Y7, X10, Y11, Y28.
#define Q6KX4_HALF(q, h, x, s) \
	VMOVDQU q(SI), Y3; \
	VMOVDQU q+32(SI), Y4; \
	VMOVDQU h(SI), Y5; \
	VPAND   Y14, Y5, Y6; \
	VPSLLW  $4, Y6, Y6; \
	VPAND   Y15, Y3, Y7; \
	VPOR    Y6, Y7, Y7; \
	Q6KX4_DOT(x, s); \
	VPSRLW  $2, Y5, Y6; \
	VPAND   Y14, Y6, Y6; \
	VPSLLW  $4, Y6, Y6; \
	VPAND   Y15, Y4, Y7; \
	VPOR    Y6, Y7, Y7; \
	Q6KX4_DOT(x+32, s+16); \
	VPSRLW  $4, Y5, Y6; \
	VPAND   Y14, Y6, Y6; \
	VPSLLW  $4, Y6, Y6; \
	VPSRLW  $4, Y3, Y7; \
	VPAND   Y15, Y7, Y7; \
	VPOR    Y6, Y7, Y7; \
	Q6KX4_DOT(x+64, s+32); \
	VPSRLW  $6, Y5, Y6; \
	VPAND   Y14, Y6, Y6; \
	VPSLLW  $4, Y6, Y6; \
	VPSRLW  $4, Y4, Y7; \
	VPAND   Y15, Y7, Y7; \
	VPOR    Y6, Y7, Y7; \
	Q6KX4_DOT(x+96, s+48)

// Q6KX4_CONSTS: Y15 = 0x0f bytes, Y14 = 0x03 bytes, Y13 = 0x20 bytes.
// Clobbers AX.
#define Q6KX4_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15); \
	VBCAST32(0x03030303, X14, Y14); \
	VBCAST32(0x20202020, X13, Y13)

// Q6KX4_FUSE(tok, acc, facc, m): KX4_FUSE_Y with d_w in Y12 (m unused).
#define Q6KX4_FUSE(tok, acc, facc, m) KX4_FUSE_Y(tok, Y12, acc, facc)

// Q6KX4_RESULT(y, x, m): X0 lane 0 = hsum8(y), a token's result (x, m
// unused). Clobbers Y0, X2.
#define Q6KX4_RESULT(y, x, m) \
	VMOVAPS y, Y0; \
	HSUM8_Y0(X2)

// Q6KX4_BLOCK: one block (SI) for the four tokens: the scale bytes (X2)
// and levels unpacked once, each token's lanes into Y24+t (cleared here),
// fused into Y16+t (Y12: d_w).
#define Q6KX4_BLOCK \
	VMOVDQU 192(SI), X2; \
	VPXORD  Y24, Y24, Y24; \
	VPXORD  Y25, Y25, Y25; \
	VPXORD  Y26, Y26, Y26; \
	VPXORD  Y27, Y27, Y27; \
	Q6KX4_HALF(0, 128, 4, 0); \
	Q6KX4_HALF(64, 160, 132, 64); \
	VPBROADCASTW 208(SI), X11; \
	VCVTPH2PS    X11, Y12; \
	KX4_EACH(Q6KX4_FUSE, R9)

// func dotRowsQ6_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens against each Q6_K row, as dotRowsQ4_Kx4VNNI: the 6-bit
// levels and scales of a block are unpacked once; each token's integer
// lanes and float order are those of dotRowsQ6_KAVX2.
TEXT ·dotRowsQ6_Kx4VNNI(SB), NOSPLIT, $0-64
	KX4ROWS(Q6KX4_CONSTS, KX4_ZERO_F, Q6KX4_BLOCK, SI, R9, 210, 292, KX4_STORE_R8(Q6KX4_RESULT))

// The pair kernel: two rows at once in 512-bit vectors, row A in the low
// 256 bits and row B in the high, each half computing exactly what
// dotRowsQ6_KVNNI computes for its row (the same integer lanes, the same
// float lanes, the same sums), the activations broadcast to both halves.

// Q6KP_DOT(x, sh, sc): Z1 += a 32-level group's lanes of both rows (levels
// Z7): (levels − 32) · the activations at x(R9) (both halves), weighed by
// the scale words of sc that the shuffle sh picks in each half. Clobbers
// Z7-Z10.
#define Q6KP_DOT(x, sh, sc) \
	VBROADCASTI64X4 x(R9), Z8; \
	VPMADDUBSW      Z8, Z7, Z7; \
	VPMADDUBSW      Z8, Z13, Z9; \
	VPSUBW          Z9, Z7, Z7; \
	VPSHUFB         sh, sc, Z10; \
	VPDPWSSD        Z10, Z7, Z1

// Q6KP_LOAD(off, z, y): z = 32 bytes at off of row A (SI) beside 32 of
// row B (R10).
#define Q6KP_LOAD(off, z, y) \
	VMOVDQU      off(SI), y; \
	VINSERTI64X4 $1, off(R10), z, z

// Q6KP_HALF(q, h, x, s0, s1, s2, s3, sc): Q6K_HALF for both rows (Z14:
// 0x30 bytes, Z15: 0x0f), the groups' shuffles s0-s3. Clobbers Z3-Z10.
#define Q6KP_HALF(q, h, x, s0, s1, s2, s3, sc) \
	Q6KP_LOAD(q, Z3, Y3); \
	Q6KP_LOAD(q+32, Z4, Y4); \
	Q6KP_LOAD(h, Z5, Y5); \
	VPSLLW  $4, Z5, Z6; \
	VPANDD  Z14, Z6, Z6; \
	VPANDD  Z15, Z3, Z7; \
	VPORD   Z6, Z7, Z7; \
	Q6KP_DOT(x, s0, sc); \
	VPSLLW  $2, Z5, Z6; \
	VPANDD  Z14, Z6, Z6; \
	VPANDD  Z15, Z4, Z7; \
	VPORD   Z6, Z7, Z7; \
	Q6KP_DOT(x+32, s1, sc); \
	VPANDD  Z14, Z5, Z6; \
	VPSRLW  $4, Z3, Z7; \
	VPANDD  Z15, Z7, Z7; \
	VPORD   Z6, Z7, Z7; \
	Q6KP_DOT(x+64, s2, sc); \
	VPSRLW  $2, Z5, Z6; \
	VPANDD  Z14, Z6, Z6; \
	VPSRLW  $4, Z4, Z7; \
	VPANDD  Z15, Z7, Z7; \
	VPORD   Z6, Z7, Z7; \
	Q6KP_DOT(x+96, s3, sc)

// Q6KP_BLOCK: one block of both rows (SI row A's, R10 row B's, R9 the
// Q8_K block): each row's 16 scales as words (Z11 sub-blocks 0-7 in both
// 128-bit lanes of each half, Z2 8-15), the halves' lanes into Z1, fused
// with d_x·d_w into Z0. Clobbers Z1-Z12.
#define Q6KP_BLOCK \
	VPMOVSXBW       192(SI), Y2; \
	VPMOVSXBW       192(R10), Y12; \
	VPERMQ          $0x44, Y2, Y11; \
	VPERMQ          $0xee, Y2, Y2; \
	VPERMQ          $0x44, Y12, Y3; \
	VPERMQ          $0xee, Y12, Y12; \
	VINSERTI64X4    $1, Y3, Z11, Z11; \
	VINSERTI64X4    $1, Y12, Z2, Z2; \
	VPXORD          Z1, Z1, Z1; \
	Q6KP_HALF(0, 128, 4, Z16, Z17, Z18, Z19, Z11); \
	Q6KP_HALF(64, 160, 132, Z20, Z21, Z22, Z23, Z2); \
	VPBROADCASTW    208(SI), X9; \
	VCVTPH2PS       X9, Y9; \
	VPBROADCASTW    208(R10), X12; \
	VCVTPH2PS       X12, Y12; \
	VINSERTF64X4    $1, Y12, Z9, Z9; \
	VBROADCASTSS    (R9), Z10; \
	VMULPS          Z9, Z10, Z9; \
	VCVTDQ2PS       Z1, Z1; \
	VFMADD231PS     Z1, Z9, Z0

// q6kAhead is how far ahead of each run the two-row kernel asks for its
// weights (prefetcht0, four lines a 210-byte block): the hardware
// prefetchers alone left the 1.1B Q6_K decode x1.029-1.080 slower
// (session 20).
#define q6kAhead 1536

// Q6KP_PF asks for four lines of both runs q6kAhead ahead.
#define Q6KP_PF \
	PREFETCHT0 q6kAhead(SI); \
	PREFETCHT0 q6kAhead+64(SI); \
	PREFETCHT0 q6kAhead+128(SI); \
	PREFETCHT0 q6kAhead+192(SI); \
	PREFETCHT0 q6kAhead(R10); \
	PREFETCHT0 q6kAhead+64(R10); \
	PREFETCHT0 q6kAhead+128(R10); \
	PREFETCHT0 q6kAhead+192(R10)

// func dotRowsQ6_KTwoVNNI(outA *float32, outB *float32, w *byte, dist int, stride int, x *byte, nb int, rows int)
// Rows i of run A (at w, stride bytes apart) and of run B (dist bytes
// further) for i < rows, each as dotRowsQ6_KVNNI computes it, into outA[i]
// and outB[i]: two streams. (Rows side by side, read a block of each in
// turn, left the hardware prefetchers behind: 10.5 against 26 GB/s from
// memory on one core.)
TEXT ·dotRowsQ6_KTwoVNNI(SB), NOSPLIT, $0-64
	MOVQ  outA+0(FP), DI
	MOVQ  outB+8(FP), R15
	MOVQ  w+16(FP), R12
	MOVQ  dist+24(FP), R14
	MOVQ  stride+32(FP), R13
	MOVQ  rows+56(FP), CX
	TESTQ CX, CX
	JZ    pdone
	MOVL         $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z15
	MOVL         $0x30303030, AX
	VPBROADCASTD AX, Z14
	MOVL         $0x20202020, AX
	VPBROADCASTD AX, Z13
	VBROADCASTI64X4 shufK6w<>+0(SB), Z16
	VBROADCASTI64X4 shufK6w<>+32(SB), Z17
	VBROADCASTI64X4 shufK6w<>+64(SB), Z18
	VBROADCASTI64X4 shufK6w<>+96(SB), Z19
	VBROADCASTI64X4 shufK6w<>+128(SB), Z20
	VBROADCASTI64X4 shufK6w<>+160(SB), Z21
	VBROADCASTI64X4 shufK6w<>+192(SB), Z22
	VBROADCASTI64X4 shufK6w<>+224(SB), Z23
prow:
	VXORPS Z0, Z0, Z0
	MOVQ   R12, SI
	LEAQ   (R12)(R14*1), R10
	MOVQ   x+40(FP), R9
	MOVQ   nb+48(FP), BX
	TESTQ  BX, BX
	JZ     prowdone
pblock:
	Q6KP_PF
	Q6KP_BLOCK
	ADDQ $210, SI
	ADDQ $210, R10
	ADDQ $292, R9
	DECQ BX
	JNZ  pblock
prowdone:
	VEXTRACTF64X4 $1, Z0, Y24
	HSUM8_Y0(X2)
	VMOVSS        X0, (DI)
	HSUM8_TO_X0(Y24, X24)
	VMOVSS        X0, (R15)
	ADDQ $4, DI
	ADDQ $4, R15
	ADDQ R13, R12
	DECQ CX
	JNZ  prow
pdone:
	VZEROUPPER
	RET

// func dotRowsQ6_Kx4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// dotRowsQ6_Kx4VNNI in sixteen 256-bit registers with vpmaddwd's sums
// added apart: each token's integer lanes and float order those of
// dotRowsQ6_KAVX2.
TEXT ·dotRowsQ6_Kx4AVX2(SB), NOSPLIT, $0-64
	KX4ROWS(Q6KX4A_CONSTS, Q6KX4A_ZERO, Q6KX4A_BLOCK, SI, R9, 210, 292, X4A_STORE_Y4)
