// Instruction sequences shared by the amd64 kernels against Q8_0 and Q8_1
// activations (dot_q41, dot_q50, dot_q51, dot_iq4nl): each macro is the
// same instructions the kernels had written out. Registers as those
// kernels use them: R9 the weight block, R10 the activations' block; the
// four-token kernels keep token t's block at (R10)(R14*t) (R15 = 3·R14),
// its float lanes in Y16+t and its integer lanes in Y24+t.

#include "simd_amd64.h"

// Q8ROWS_ARGS loads a one-token kernel's arguments, func(out *float32, w
// *byte, stride int, x *byte, nb int, rows int), to DI, SI, DX, R8, CX and
// BX, and leaves for the label done when rows is 0.
// vet's asmdecl does not look into macros: the argument offsets here are
// the signature's above, the same in every kernel that expands it.
#define Q8ROWS_ARGS \
	MOVQ  out+0(FP), DI; \
	MOVQ  w+8(FP), SI; \
	MOVQ  stride+16(FP), DX; \
	MOVQ  x+24(FP), R8; \
	MOVQ  nb+32(FP), CX; \
	MOVQ  rows+40(FP), BX; \
	TESTQ BX, BX; \
	JZ    done

// Q8ROWS_NEXT stores a row's result (X0 lane 0) to out[i] and goes on to
// the next row (label row) or returns (label done).
#define Q8ROWS_NEXT \
	VMOVSS X0, (DI); \
	ADDQ   $4, DI; \
	ADDQ   DX, SI; \
	DECQ   BX; \
	JNZ    row; \
done: \
	VZEROUPPER; \
	RET

// Q8ROWS(CONSTS, ZERO, BODY, wsize, xsize, RESULT): the whole body of a
// one-token kernel: CONSTS once; for each row ZERO clears its sums, BODY
// runs on each block (R9 the weight block, wsize bytes; R10 the
// activations' block, xsize bytes) and RESULT leaves the row's dot product
// in X0 lane 0 for out[i]. Labels are local to each TEXT. Uses AX
// (CONSTS), BX, CX, DX, DI, SI, R8-R11 besides what its arguments clobber.
#define Q8ROWS(CONSTS, ZERO, BODY, wsize, xsize, RESULT) \
	Q8ROWS_ARGS; \
	CONSTS; \
row: \
	ZERO; \
	MOVQ  SI, R9; \
	MOVQ  R8, R10; \
	MOVQ  CX, R11; \
	TESTQ R11, R11; \
	JZ    rowdone; \
block: \
	BODY; \
	ADDQ  $wsize, R9; \
	ADDQ  $xsize, R10; \
	DECQ  R11; \
	JNZ   block; \
rowdone: \
	RESULT; \
	Q8ROWS_NEXT

// Q8_SCALE turns the integer lanes Y5 into floats and fuses them with
// d_w·d_x into Y0 (the scales lead the blocks at R9 and R10). Clobbers
// Y5-Y7.
#define Q8_SCALE \
	VCVTDQ2PS    Y5, Y5; \
	VPBROADCASTW (R9), X6; \
	VCVTPH2PS    X6, Y6; \
	VPBROADCASTW (R10), X7; \
	VCVTPH2PS    X7, Y7; \
	VMULPS       Y7, Y6, Y6; \
	VFMADD231PS  Y5, Y6, Y0

// Q81_SCALE(t, m): Q8_SCALE, then m lane 0 += m_w·s_x (the minimum and
// the sum follow the scales at 2(R9) and 2(R10)). Clobbers Y5-Y7, X8, t.
#define Q81_SCALE(t, m) \
	Q8_SCALE; \
	VPBROADCASTW 2(R9), X8; \
	VCVTPH2PS    X8, X8; \
	VPBROADCASTW 2(R10), t; \
	VCVTPH2PS    t, t; \
	VFMADD231SS  t, X8, m

// Q81VNNI(LEVELS, t, m) and Q81AVX2(LEVELS, t, m): one Q4_1/Q5_1 block's
// integer lanes into Y5 from its 32 levels (LEVELS puts them in Y1) and the
// Q8_1 quants at 4(R10) (vpdpbusd, or vpmaddubsw and vpmaddwd by Y14's
// words of 1), scaled by Q81_SCALE(t, m).
#define Q81VNNI(LEVELS, t, m) \
	LEVELS; \
	VPXOR    Y5, Y5, Y5; \
	VPDPBUSD 4(R10), Y1, Y5; \
	Q81_SCALE(t, m)
#define Q81AVX2(LEVELS, t, m) \
	LEVELS; \
	VPMADDUBSW 4(R10), Y1, Y5; \
	VPMADDWD   Y14, Y5, Y5; \
	Q81_SCALE(t, m)

// Q81X4_BLOCK(LEVELS): one Q4_1/Q5_1 block (R9) for the four tokens: its
// levels (LEVELS, into Y1), d_w (Y6) and m_w (X8) once, then each token's
// step (Q81X4_TOKEN).
#define Q81X4_BLOCK(LEVELS) \
	LEVELS; \
	VPBROADCASTW (R9), X6; \
	VCVTPH2PS    X6, Y6; \
	VPBROADCASTW 2(R9), X8; \
	VCVTPH2PS    X8, X8; \
	KX4_EACH(Q81X4_TOKEN, R10)

// Q81X4_TOKEN(tok, acc, facc, macc): one token of a four-token Q4_1/Q5_1
// kernel, the one-token VNNI kernel's instructions for the Q8_1 block at
// tok: acc = the levels (Y1) · its quants (vpdpbusd), facc += float(acc)
// · d_w·d_x (Y6: d_w), macc += m_w·s_x (X8: m_w). Clobbers acc, Y7.
#define Q81X4_TOKEN(tok, acc, facc, macc) \
	VPXORD       acc, acc, acc; \
	VPDPBUSD     4 tok, Y1, acc; \
	VCVTDQ2PS    acc, acc; \
	VPBROADCASTW tok, X7; \
	VCVTPH2PS    X7, Y7; \
	VMULPS       Y7, Y6, Y7; \
	VFMADD231PS  acc, Y7, facc; \
	VPBROADCASTW 2 tok, X7; \
	VCVTPH2PS    X7, X7; \
	VFMADD231SS  X7, X8, macc

// Q80X4_LANES(tok, acc): acc = the exact products of the levels with the
// token's Q8_0 quants at 2 tok, summed four to a lane as |w| (Y3) ×
// sign(x, w) (Y1: the signed levels). Clobbers Y4.
#define Q80X4_LANES(tok, acc) \
	VMOVDQU  2 tok, Y4; \
	VPSIGNB  Y1, Y4, Y4; \
	VPXORD   acc, acc, acc; \
	VPDPBUSD Y4, Y3, acc

// Q80X4A_SIGNED(tok, facc, dw, s, xs): one token of an AVX2 four-token
// kernel over signed levels (Y1, |levels| in Y3; Y14: 0x0001 words): the
// token's Q8_0 quants at 2 tok signed by the levels, |w| × sign(x, w) by
// vpmaddubsw and vpmaddwd (Y0: its integer lanes), converted, times d_w
// (dw) · d_x (at tok, widened in s; xs its low half) and fused into facc:
// the one-token AVX2 kernels' order. Clobbers Y0, Y2, s.
#define Q80X4A_SIGNED(tok, facc, dw, s, xs) \
	VMOVDQU      2 tok, Y2; \
	VPSIGNB      Y1, Y2, Y2; \
	VPMADDUBSW   Y2, Y3, Y0; \
	VPMADDWD     Y14, Y0, Y0; \
	VCVTDQ2PS    Y0, Y0; \
	VPBROADCASTW tok, xs; \
	VCVTPH2PS    xs, s; \
	VMULPS       dw, s, s; \
	VFMADD231PS  Y0, s, facc

// Q81X4A_TOKEN(tok, facc): one token of an AVX2 four-token Q4_1 or Q5_1
// kernel (levels in Y1, d_w in Y8; Y14: 0x0001 words): Q81AVX2's integer
// lanes and Q81_SCALE's order, facc += float(lanes) · d_w·d_x; leaves the
// token's s_x in X3 for its minimums' m_w·s_x. Clobbers Y0, Y2.
#define Q81X4A_TOKEN(tok, facc) \
	VPMADDUBSW   4 tok, Y1, Y0; \
	VPMADDWD     Y14, Y0, Y0; \
	VCVTDQ2PS    Y0, Y0; \
	VPBROADCASTW tok, X2; \
	VCVTPH2PS    X2, Y2; \
	VMULPS       Y2, Y8, Y2; \
	VFMADD231PS  Y0, Y2, facc; \
	VPBROADCASTW 2 tok, X3; \
	VCVTPH2PS    X3, X3

