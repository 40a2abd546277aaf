//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotq8_amd64.h"
#include "q4_amd64.h"

// The Q8_0 kernels keep ggml's 8 lanes per row: per block, lane l is the
// integer sum of elements 4l..4l+3 (|w|·sign(x,w), exact), converted to
// float and fused-multiply-added with the block's d_w·d_x; hsum8 at the end.

// Q80SIGNS: the block at R9 (Y1) and the activations' block at R10 as
// |w| (Y3) and sign(x, w) (Y4). Clobbers Y2.
#define Q80SIGNS \
	VMOVDQU 2(R9), Y1; \
	VMOVDQU 2(R10), Y2; \
	VPSIGNB Y1, Y1, Y3; \
	VPSIGNB Y1, Y2, Y4

// Q80VNNI and Q80AVX2: one block's integer lanes into Y5 (vpdpbusd, or
// vpmaddubsw and vpmaddwd by Y15's words of 1), scaled by Q8_SCALE.
#define Q80VNNI \
	Q80SIGNS; \
	VPXOR    Y5, Y5, Y5; \
	VPDPBUSD Y4, Y3, Y5; \
	Q8_SCALE
#define Q80AVX2 \
	Q80SIGNS; \
	VPMADDUBSW Y4, Y3, Y5; \
	VPMADDWD   Y15, Y5, Y5; \
	Q8_SCALE

// Q80_CONSTS: none (VNNI); Q80AVX2_CONSTS: Y15 = 0x0001 words. Clobbers AX.
#define Q80_CONSTS
#define Q80AVX2_CONSTS \
	VBCAST32(0x00010001, X15, Y15)

// Q80X4ROWS(CONSTS, TOKEN, f0, f1, f2, f3): the whole body of a four-token
// Q8_0 kernel, func(out *float32, ostride int, w *byte, stride int, rows
// int, x *byte, xstride int, d *float32, dstride int, nb int): CONSTS
// once; for each row its tokens' sums f0-f3 cleared, each block's quants
// (Y1), |quants| (Y2) and d_w (Y3) made once and TOKEN(x, d, acc) run for
// each token (DX, R8: token 2's block and scale), and the sums' hsum8
// stored. Labels are local to each TEXT. Uses AX, BX, CX, DX, DI, SI and
// R8-R13 besides what its arguments clobber; vet's asmdecl does not look
// into it.
#define Q80X4ROWS(CONSTS, TOKEN, f0, f1, f2, f3) \
	MOVQ out+0(FP), DI; \
	MOVQ w+16(FP), SI; \
	MOVQ rows+32(FP), CX; \
	MOVQ xstride+48(FP), R10; \
	MOVQ dstride+64(FP), R13; \
	TESTQ CX, CX; \
	JZ   done; \
	CMPQ nb+72(FP), $0; \
	JE   done; \
	CONSTS; \
row: \
	VZERO4(f0, f1, f2, f3); \
	MOVQ   SI, R11; \
	MOVQ   x+40(FP), R9; \
	MOVQ   d+56(FP), R12; \
	MOVQ   nb+72(FP), BX; \
block: \
	VMOVDQU      2(R11), Y1; \
	VPSIGNB      Y1, Y1, Y2; \
	VPBROADCASTW (R11), X3; \
	VCVTPH2PS    X3, Y3; \
	LEAQ         (R9)(R10*2), DX; \
	LEAQ         (R12)(R13*2), R8; \
	TOKEN((R9), (R12), f0); \
	TOKEN((R9)(R10*1), (R12)(R13*1), f1); \
	TOKEN((DX), (R8), f2); \
	TOKEN((DX)(R10*1), (R8)(R13*1), f3); \
	ADDQ $34, R11; \
	ADDQ $34, R9; \
	ADDQ $4, R12; \
	DECQ BX; \
	JNZ  block; \
	MOVQ ostride+8(FP), AX; \
	HSUM8_STORE(f0, (DI)); \
	HSUM8_STORE(f1, (DI)(AX*1)); \
	LEAQ    (DI)(AX*2), DX; \
	HSUM8_STORE(f2, (DX)); \
	HSUM8_STORE(f3, (DX)(AX*1)); \
	ADDQ    $4, DI; \
	ADDQ    stride+24(FP), SI; \
	DECQ    CX; \
	JNZ     row; \
done: \
	VZEROUPPER; \
	RET

// func dotRowsQ8_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ8_0VNNI(SB), NOSPLIT, $0-48
	Q8ROWS(Q80_CONSTS, ZERO_Y0, Q80VNNI, 34, 34, HSUM8_Y0(X1))

// func dotRowsQ8_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ8_0AVX2(SB), NOSPLIT, $0-48
	Q8ROWS(Q80AVX2_CONSTS, ZERO_Y0, Q80AVX2, 34, 34, HSUM8_Y0(X1))

// The repacked Q4_0 kernels (see repack.go and q4_amd64.h): 8 rows per
// group in the 8 lanes; per block the lanes start from bias (-8·Σx) and
// take the unsigned nibbles times the activations, exact; then float, times
// d_w·d_x, fused into the accumulator, block after block (ggml's repacked
// order).

// Q4NIB(off, lo, hi): the 32 bytes at off(SI) as their low (lo) and high
// (hi) nibbles (Y15: 0x0f bytes).
#define Q4NIB(off, lo, hi) \
	VMOVDQU off(SI), hi; \
	VPAND   Y15, hi, lo; \
	VPSRLW  $4, hi, hi; \
	VPAND   Y15, hi, hi

// Q4DOT_VNNI(xoff, u, acc): acc += the nibbles u times the four
// activation bytes at xoff(R9), broadcast (vpdpbusd).
#define Q4DOT_VNNI(xoff, u, acc) \
	VPDPBUSD.BCST xoff(R9), u, acc

// Q4MADW(xoff, u): Y5's words += the nibbles u times the four activation
// bytes at xoff(R9), broadcast, in word pairs (vpmaddubsw; clobbers Y7,
// Y8). A block's eight such sums of a lane's word are at most 8·2·15·128 =
// 30720 in size, so words hold them exactly; vpmaddwd by Y14's words of 1
// then pairs them to the lane's integer, the one vpdpbusd makes.
#define Q4MADW(xoff, u) \
	VPBROADCASTD xoff(R9), Y7; \
	VPMADDUBSW   Y7, u, Y8; \
	VPADDW       Y8, Y5, Y5

// Q4HALF(DOT, w0, w1, x0, x1, x2, x3): half a block: the nibbles of the 64
// bytes at w0 and w1 (Y1-Y4) times the activations at x0-x3 by DOT into
// Y5, Y9, Y10 and Y11 in turn.
#define Q4HALF(DOT, w0, w1, x0, x1, x2, x3) \
	Q4NIB(w0, Y1, Y2); \
	Q4NIB(w1, Y3, Y4); \
	DOT(x0, Y1, Y5); \
	DOT(x1, Y2, Y9); \
	DOT(x2, Y3, Y10); \
	DOT(x3, Y4, Y11)

// Q4FUSE: the block's integer lanes Y5 converted, times d_w (at SI, eight
// halves) · d_x (at R11) and fused into Y0. Clobbers Y5-Y7.
#define Q4FUSE \
	VCVTDQ2PS    Y5, Y5; \
	VCVTPH2PS    (SI), Y6; \
	VBROADCASTSS (R11), Y7; \
	VMULPS       Y7, Y6, Y6; \
	VFMADD231PS  Y6, Y5, Y0

// Q4BLOCK_VNNI and Q4BLOCK_AVX2: one block into Y0, its lanes from the bias
// at R10; VNNI sums in four registers and adds them at the end, AVX2 sums
// words (Q4MADW) and pairs them to lanes once.
#define Q4BLOCK_VNNI \
	VPBROADCASTD (R10), Y5; \
	VPXOR        Y9, Y9, Y9; \
	VPXOR        Y10, Y10, Y10; \
	VPXOR        Y11, Y11, Y11; \
	Q4HALF(Q4DOT_VNNI, 16, 48, 2, 18, 6, 22); \
	Q4HALF(Q4DOT_VNNI, 80, 112, 10, 26, 14, 30); \
	VPADDD       Y9, Y5, Y5; \
	VPADDD       Y11, Y10, Y10; \
	VPADDD       Y10, Y5, Y5; \
	Q4FUSE
#define Q4BLOCK_AVX2 \
	Q4NIB(16, Y1, Y2); \
	Q4NIB(48, Y3, Y4); \
	VPBROADCASTD 2(R9), Y7; \
	VPMADDUBSW   Y7, Y1, Y5; \
	Q4MADW(18, Y2); \
	Q4MADW(6, Y3); \
	Q4MADW(22, Y4); \
	Q4NIB(80, Y1, Y2); \
	Q4NIB(112, Y3, Y4); \
	Q4MADW(10, Y1); \
	Q4MADW(26, Y2); \
	Q4MADW(14, Y3); \
	Q4MADW(30, Y4); \
	VPMADDWD     Y14, Y5, Y5; \
	VPBROADCASTD (R10), Y7; \
	VPADDD       Y7, Y5, Y5; \
	Q4FUSE

// Q4_CONSTS: Y15 = 0x0f bytes; Q4AVX2_CONSTS also Y14 = 0x0001 words.
// Clobber AX.
#define Q4_CONSTS \
	VBCAST32(0x0f0f0f0f, X15, Y15)
#define Q4AVX2_CONSTS \
	Q4_CONSTS; \
	VBCAST32(0x00010001, X14, Y14)

// func dotGroupsQ4_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotGroupsQ4_0VNNI(SB), NOSPLIT, $0-56
	Q4GROUPS(Q4_CONSTS, Y0, Q4BLOCK_VNNI, 144, 32)

// func dotGroupsQ4_0AVX2(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotGroupsQ4_0AVX2(SB), NOSPLIT, $0-56
	Q4GROUPS(Q4AVX2_CONSTS, Y0, Q4BLOCK_AVX2, 144, 32)

// Four tokens at once (prefill): the weights of a block are loaded and
// unpacked once and used for four activation rows; each token keeps its own
// accumulator, so every output is computed as the one-token kernel does.

// Q4X4_BLOCK: a block for the four tokens (Q4X4GROUPS): all its nibbles
// (Y1-Y8), d_w (Y13), each token's lanes (Y20+2t low, Y21+2t high) fused
// into Y16+t.
#define Q4X4_BLOCK \
	Q4NIB(16, Y1, Y2); \
	Q4NIB(48, Y3, Y4); \
	Q4NIB(80, Y5, Y6); \
	Q4NIB(112, Y7, Y8); \
	VCVTPH2PS (SI), Y13; \
	Q4X4_DOTS(Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y20, Y21, Y22, Y23, Y24, Y25, Y26, Y27); \
	Q4X4_FUSE(Y20, Y21, (R12), Y13, Y16); \
	Q4X4_FUSE(Y22, Y23, (R12)(R13*1), Y13, Y17); \
	Q4X4_FUSE(Y24, Y25, (R8), Y13, Y18); \
	Q4X4_FUSE(Y26, Y27, (R8)(R13*1), Y13, Y19)

// func dotGroupsQ4_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Token t's activations are at x+t·xstride, bias+t·bstride, d+t·bstride;
// its outputs at out+t·ostride (strides in bytes).
TEXT ·dotGroupsQ4_0x4VNNI(SB), NOSPLIT, $0-80
	Q4X4GROUPS(Q4_CONSTS, Q4X4_BLOCK, 144, Y16, Y17, Y18, Y19, 32)

// The AVX2 four-token kernel has sixteen vector registers: half a block's
// nibbles (Y8-Y11) at a time, each token's words and then integer lanes in
// Y4+t and its sums in Y0+t; Y12 and Y13 are scratch.

// Q4X4A_MAD1(tok, xoff, u, acc) and Q4X4A_MAD(tok, xoff, u, acc): acc's
// words =, or +=, the nibbles u times the token's four activation bytes at
// xoff tok, broadcast (Q4MADW's instructions).
#define Q4X4A_MAD1(tok, xoff, u, acc) \
	VPBROADCASTD xoff tok, Y12; \
	VPMADDUBSW   Y12, u, acc
#define Q4X4A_MAD(tok, xoff, u, acc) \
	VPBROADCASTD xoff tok, Y12; \
	VPMADDUBSW   Y12, u, Y12; \
	VPADDW       Y12, acc, acc

// Q4X4A_HALF(FIRST, w0, w1, x0, x1, x2, x3): half a block for the four
// tokens: the nibbles of the 64 bytes at w0 and w1 (Y8-Y11) times each
// token's activations at x0-x3 (DX: token 2's block), the first product by
// FIRST (Q4X4A_MAD1 to start a block's words, else Q4X4A_MAD).
#define Q4X4A_HALF(FIRST, w0, w1, x0, x1, x2, x3) \
	Q4NIB(w0, Y8, Y9); \
	Q4NIB(w1, Y10, Y11); \
	FIRST((R9), x0, Y8, Y4); \
	Q4X4A_MAD((R9), x1, Y9, Y4); \
	Q4X4A_MAD((R9), x2, Y10, Y4); \
	Q4X4A_MAD((R9), x3, Y11, Y4); \
	FIRST((R9)(R10*1), x0, Y8, Y5); \
	Q4X4A_MAD((R9)(R10*1), x1, Y9, Y5); \
	Q4X4A_MAD((R9)(R10*1), x2, Y10, Y5); \
	Q4X4A_MAD((R9)(R10*1), x3, Y11, Y5); \
	FIRST((DX), x0, Y8, Y6); \
	Q4X4A_MAD((DX), x1, Y9, Y6); \
	Q4X4A_MAD((DX), x2, Y10, Y6); \
	Q4X4A_MAD((DX), x3, Y11, Y6); \
	FIRST((DX)(R10*1), x0, Y8, Y7); \
	Q4X4A_MAD((DX)(R10*1), x1, Y9, Y7); \
	Q4X4A_MAD((DX)(R10*1), x2, Y10, Y7); \
	Q4X4A_MAD((DX)(R10*1), x3, Y11, Y7)

// Q4X4A_FUSE(lanes, dx, acc): a token's block lanes converted, times d_w
// (Y8) · d_x (at dx) and fused into acc (Q4FUSE's instructions).
#define Q4X4A_FUSE(lanes, dx, acc) \
	VCVTDQ2PS    lanes, lanes; \
	VBROADCASTSS dx, Y12; \
	VMULPS       Y12, Y8, Y12; \
	VFMADD231PS  Y12, lanes, acc

// Q4X4A_LANES(acc, bias): a token's block words in acc paired to lanes and
// added to its bias (broadcast from bias), as Q4BLOCK_AVX2 ends. Clobbers
// Y12.
#define Q4X4A_LANES(acc, bias) \
	VPMADDWD     Y14, acc, acc; \
	VPBROADCASTD bias, Y12; \
	VPADDD       Y12, acc, acc

// Q4X4_BLOCK_AVX2: a block for the four tokens (Q4X4GROUPS), each token's
// lanes as Q4BLOCK_AVX2 makes them.
#define Q4X4_BLOCK_AVX2 \
	LEAQ         (R9)(R10*2), DX; \
	LEAQ         (R11)(R13*2), AX; \
	LEAQ         (R12)(R13*2), R8; \
	Q4X4A_HALF(Q4X4A_MAD1, 16, 48, 2, 18, 6, 22); \
	Q4X4A_HALF(Q4X4A_MAD, 80, 112, 10, 26, 14, 30); \
	Q4X4A_LANES(Y4, (R11)); \
	Q4X4A_LANES(Y5, (R11)(R13*1)); \
	Q4X4A_LANES(Y6, (AX)); \
	Q4X4A_LANES(Y7, (AX)(R13*1)); \
	VCVTPH2PS    (SI), Y8; \
	Q4X4A_FUSE(Y4, (R12), Y0); \
	Q4X4A_FUSE(Y5, (R12)(R13*1), Y1); \
	Q4X4A_FUSE(Y6, (R8), Y2); \
	Q4X4A_FUSE(Y7, (R8)(R13*1), Y3)

// func dotGroupsQ4_0x4AVX2(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// dotGroupsQ4_0x4VNNI in sixteen 256-bit registers with vpmaddubsw and
// vpmaddwd: each token's lanes as dotGroupsQ4_0AVX2 makes them.
TEXT ·dotGroupsQ4_0x4AVX2(SB), NOSPLIT, $0-80
	Q4X4GROUPS(Q4AVX2_CONSTS, Q4X4_BLOCK_AVX2, 144, Y0, Y1, Y2, Y3, 32)

// Q80X4_TOKEN(x, d, acc): one token of dotRowsQ8_0x4VNNI: its Q8_0 quants
// at 2 x as sign(x, w) (Y1: the block's quants), times |w| (Y2) summed four
// to a lane, converted, times d_w (Y3) · d_x (at d) and fused into acc.
// Clobbers Y4-Y6.
#define Q80X4_TOKEN(x, d, acc) \
	VMOVDQU     2 x, Y4; \
	VPSIGNB     Y1, Y4, Y4; \
	VPXOR       Y5, Y5, Y5; \
	VPDPBUSD    Y4, Y2, Y5; \
	VCVTDQ2PS   Y5, Y5; \
	VMULPS.BCST d, Y3, Y6; \
	VFMADD231PS Y6, Y5, acc

// func dotRowsQ8_0x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, d *float32, dstride int, nb int)
// Q8_0 rows (stride bytes apart) times four tokens' activations (token t's
// at x+t·xstride, its scales as float32 at d+t·dstride), 8 lanes per row
// and token as dotRowsQ8_0; out[t·ostride + 4r] for row r.
TEXT ·dotRowsQ8_0x4VNNI(SB), NOSPLIT, $0-80
	Q80X4ROWS(Q80_CONSTS, Q80X4_TOKEN, Y16, Y17, Y18, Y19)

// Q80X4A_TOKEN(x, d, acc): Q80X4_TOKEN with vpmaddubsw and vpmaddwd by
// Y15's words of 1 (Q80AVX2's integer lanes). Clobbers Y4-Y6.
#define Q80X4A_TOKEN(x, d, acc) \
	VMOVDQU      2 x, Y4; \
	VPSIGNB      Y1, Y4, Y4; \
	VPMADDUBSW   Y4, Y2, Y5; \
	VPMADDWD     Y15, Y5, Y5; \
	VCVTDQ2PS    Y5, Y5; \
	VBROADCASTSS d, Y6; \
	VMULPS       Y6, Y3, Y6; \
	VFMADD231PS  Y6, Y5, acc

// func dotRowsQ8_0x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, d *float32, dstride int, nb int)
// dotRowsQ8_0x4VNNI in sixteen 256-bit registers: each token's lanes as
// dotRowsQ8_0AVX2 makes them, its sums in Y8+t.
TEXT ·dotRowsQ8_0x4AVX2(SB), NOSPLIT, $0-80
	Q80X4ROWS(Q80AVX2_CONSTS, Q80X4A_TOKEN, Y8, Y9, Y10, Y11)

// P4_TOKEN(u, d, a, b, fa, fb): one token of dotRows2Q8_0x4VNNI: its
// unsigned activations at u (Y7) times the pair's rows (Y1, Y2) on top of
// their −128·Σw lanes (Y3, Y4) into a and b, converted, times d_w (Y5, Y6)
// · d_x (at d) and fused into fa and fb. Clobbers Y7-Y9.
#define P4_TOKEN(u, d, a, b, fa, fb) \
	VMOVDQU     u, Y7; \
	VMOVDQA32   Y3, a; \
	VPDPBUSD    Y1, Y7, a; \
	VMOVDQA32   Y4, b; \
	VPDPBUSD    Y2, Y7, b; \
	VCVTDQ2PS   a, a; \
	VCVTDQ2PS   b, b; \
	VMULPS.BCST d, Y5, Y8; \
	VMULPS.BCST d, Y6, Y9; \
	VFMADD231PS Y8, a, fa; \
	VFMADD231PS Y9, b, fb

// func dotRows2Q8_0x4VNNI(out *float32, ostride int, w *byte, stride int, pairs int, u *byte, ustride int, d *float32, dstride int, nb int)
// Pairs of Q8_0 rows times four tokens. The activations come as u = x+128
// (unsigned, 32 bytes a block, token t at u+t·ustride) so that a weight
// row needs no sign fix-up: Σ(x+128)·w − 128·Σw is Σx·w exactly, lane by
// lane; then the lanes go on as in dotRowsQ8_0.
TEXT ·dotRows2Q8_0x4VNNI(SB), NOSPLIT, $0-80
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), SI
	MOVQ pairs+32(FP), CX
	MOVQ ustride+48(FP), R10
	MOVQ dstride+64(FP), R13
	TESTQ CX, CX
	JZ   p4done
	CMPQ nb+72(FP), $0
	JE   p4done
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Y15
	VPXORD       Y14, Y14, Y14
p4pair:
	VZERO4(Y16, Y17, Y18, Y19)
	VZERO4(Y28, Y29, Y30, Y31)
	MOVQ   SI, R11
	MOVQ   stride+24(FP), AX
	ADDQ   SI, AX
	MOVQ   u+40(FP), R9
	MOVQ   d+56(FP), R12
	MOVQ   nb+72(FP), BX
p4block:
	VMOVDQU      2(R11), Y1
	VMOVDQU      2(AX), Y2
	VPXORD       Y3, Y3, Y3
	VPDPBUSD     Y1, Y15, Y3
	VPSUBD       Y3, Y14, Y3
	VPXORD       Y4, Y4, Y4
	VPDPBUSD     Y2, Y15, Y4
	VPSUBD       Y4, Y14, Y4
	VPBROADCASTW (R11), X5
	VCVTPH2PS    X5, Y5
	VPBROADCASTW (AX), X6
	VCVTPH2PS    X6, Y6
	LEAQ         (R9)(R10*2), DX
	LEAQ         (R12)(R13*2), R8
	P4_TOKEN((R9), (R12), Y20, Y21, Y16, Y28)
	P4_TOKEN((R9)(R10*1), (R12)(R13*1), Y22, Y23, Y17, Y29)
	P4_TOKEN((DX), (R8), Y24, Y25, Y18, Y30)
	P4_TOKEN((DX)(R10*1), (R8)(R13*1), Y26, Y27, Y19, Y31)
	ADDQ $34, R11
	ADDQ $34, AX
	ADDQ $32, R9
	ADDQ $4, R12
	DECQ BX
	JNZ  p4block
	MOVQ ostride+8(FP), AX
	LEAQ (DI)(AX*2), DX
	HSUM8_STORE(Y16, (DI))
	HSUM8_STORE(Y28, 4(DI))
	HSUM8_STORE(Y17, (DI)(AX*1))
	HSUM8_STORE(Y29, 4(DI)(AX*1))
	HSUM8_STORE(Y18, (DX))
	HSUM8_STORE(Y30, 4(DX))
	HSUM8_STORE(Y19, (DX)(AX*1))
	HSUM8_STORE(Y31, 4(DX)(AX*1))
	ADDQ    $8, DI
	MOVQ    stride+24(FP), AX
	LEAQ    (SI)(AX*2), SI
	DECQ    CX
	JNZ     p4pair
p4done:
	VZEROUPPER
	RET

// func dotRowsQ8_0TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, stride int, x *byte, nb int, rows int)
// dotRowsQ8_0VNNI over two runs of rows at once (row i of wA beside row i
// of wB, each as the one-run kernel computes it): two streams from two
// places in memory, which one core reads faster than one stream when they
// lie a megabyte or more apart.
TEXT ·dotRowsQ8_0TwoVNNI(SB), NOSPLIT, $0-64
	MOVQ outA+0(FP), DI
	MOVQ outB+8(FP), R15
	MOVQ wA+16(FP), SI
	MOVQ wB+24(FP), R14
	MOVQ stride+32(FP), DX
	MOVQ x+40(FP), R8
	MOVQ nb+48(FP), CX
	MOVQ rows+56(FP), BX
	TESTQ BX, BX
	JZ   tdone
trow:
	VXORPS Y0, Y0, Y0
	VXORPS Y8, Y8, Y8
	MOVQ   SI, R9
	MOVQ   R14, R12
	MOVQ   R8, R10
	MOVQ   CX, R11
	TESTQ  R11, R11
	JZ     trowdone
tblock:
	VMOVDQU      2(R10), Y2
	VPBROADCASTW (R10), X7
	VCVTPH2PS    X7, Y7
	VMOVDQU      2(R9), Y1
	VMOVDQU      2(R12), Y9
	VPSIGNB      Y1, Y1, Y3
	VPSIGNB      Y1, Y2, Y4
	VPSIGNB      Y9, Y9, Y11
	VPSIGNB      Y9, Y2, Y12
	VPXOR        Y5, Y5, Y5
	VPXOR        Y13, Y13, Y13
	VPDPBUSD     Y4, Y3, Y5
	VPDPBUSD     Y12, Y11, Y13
	VCVTDQ2PS    Y5, Y5
	VCVTDQ2PS    Y13, Y13
	VPBROADCASTW (R9), X6
	VCVTPH2PS    X6, Y6
	VPBROADCASTW (R12), X14
	VCVTPH2PS    X14, Y14
	VMULPS       Y7, Y6, Y6
	VMULPS       Y7, Y14, Y14
	VFMADD231PS  Y5, Y6, Y0
	VFMADD231PS  Y13, Y14, Y8
	ADDQ         $34, R9
	ADDQ         $34, R12
	ADDQ         $34, R10
	DECQ         R11
	JNZ          tblock
trowdone:
	VMOVAPS Y8, Y15
	HSUM8_Y0(X1)
	VMOVSS  X0, (DI)
	VMOVAPS Y15, Y0
	HSUM8_Y0(X1)
	VMOVSS  X0, (R15)
	ADDQ    $4, DI
	ADDQ    $4, R15
	ADDQ    DX, SI
	ADDQ    DX, R14
	DECQ    BX
	JNZ     trow
tdone:
	VZEROUPPER
	RET
