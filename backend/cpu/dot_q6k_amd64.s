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
