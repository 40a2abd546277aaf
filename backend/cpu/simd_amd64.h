// Register-level sequences the amd64 kernels share (dotk_amd64.h,
// dotq8_amd64.h, q4_amd64.h and the kernels that include them): each macro
// is the same instructions the kernels had written out. Included more than
// once, it defines its macros once. Go's assembler has no token pasting,
// so a register wanted in two widths (Y16 and X16) is passed twice.

#ifndef SIMD_AMD64_H
#define SIMD_AMD64_H

// VBCAST32(v, x, y): every 32-bit lane of y = v. Clobbers AX.
#define VBCAST32(v, x, y) \
	MOVL         $v, AX; \
	VMOVD        AX, x; \
	VPBROADCASTD x, y

// HSUM4(x, t): lane 0 of x = (x0+x2) + (x1+x3), hsum4's order. Clobbers t.
#define HSUM4(x, t) \
	VMOVHLPS  x, x, t; \
	VADDPS    t, x, x; \
	VMOVSHDUP x, t; \
	VADDSS    t, x, x

// HSUM8(y, x, t): lane 0 of x = the sum of y's eight lanes in hsum8's
// order (the halves added, then HSUM4), x being y's low half, one of
// X0-X15. Clobbers t (an X register).
#define HSUM8(y, x, t) \
	VEXTRACTF128 $1, y, t; \
	VADDPS       t, x, x; \
	HSUM4(x, t)

// HSUM8_Y0(t): HSUM8 of Y0 into X0.
#define HSUM8_Y0(t) \
	HSUM8(Y0, X0, t)

// HSUM8_TO_X0(y, x): lane 0 of X0 = the sum of y's eight lanes in
// hsum8's order, for y one of Y16-Y31 (x: its low half, X16-X31).
// Clobbers X1.
#define HSUM8_TO_X0(y, x) \
	VEXTRACTF32X4 $1, y, X1; \
	VADDPS        X1, x, X0; \
	HSUM4(X0, X1)

// ZERO_Y0 clears a row's float lanes Y0; ZERO_Y0_AND(x) also x (the
// minimums' lanes or scalar).
#define ZERO_Y0 \
	VXORPS Y0, Y0, Y0
#define ZERO_Y0_AND(x) \
	VXORPS Y0, Y0, Y0; \
	VXORPS x, x, x

// HSUM4I(x, t): every dword of x = the sum of x's four dwords (the
// integer sums an odd IQ4_NL block and Q5_K's minimums take). Clobbers t.
#define HSUM4I(x, t) \
	VPSHUFD $0x4e, x, t; \
	VPADDD  t, x, x; \
	VPSHUFD $0xb1, x, t; \
	VPADDD  t, x, x

// VZERO4(a, b, c, d) clears four float registers (vxorps).
#define VZERO4(a, b, c, d) \
	VXORPS a, a, a; \
	VXORPS b, b, b; \
	VXORPS c, c, c; \
	VXORPS d, d, d

// HSUM8_Y0_PLUS(t, m): X0 lane 0 = hsum8(Y0) + m lane 0 (a row's float
// lanes and its minimums' scalar). Clobbers t.
#define HSUM8_Y0_PLUS(t, m) \
	HSUM8_Y0(t); \
	VADDSS m, X0, X0

// HSUM8_STORE(y, dst): hsum8 of y's lanes to the float32 at dst.
// Clobbers Y0, X1.
#define HSUM8_STORE(y, dst) \
	VMOVAPS y, Y0; \
	HSUM8_Y0(X1); \
	VMOVSS  X0, dst

// X4A_STORE_R8(RESULT): an AVX2 four-token kernel's results: RESULT(Y4+t,
// 16t) leaves token t's in X0 lane 0 (its float lanes in Y4+t; 16t: where
// a kernel keeps its minimums on the stack), stored at DI + t·ostride.
// Clobbers R8.
#define X4A_STORE_R8(RESULT) \
	MOVQ   DI, R8; \
	RESULT(Y4, 0); \
	VMOVSS X0, (R8); \
	ADDQ   ostride+8(FP), R8; \
	RESULT(Y5, 16); \
	VMOVSS X0, (R8); \
	ADDQ   ostride+8(FP), R8; \
	RESULT(Y6, 32); \
	VMOVSS X0, (R8); \
	ADDQ   ostride+8(FP), R8; \
	RESULT(Y7, 48); \
	VMOVSS X0, (R8)

// X4A_HSUM(facc, m): X0 lane 0 = hsum8(facc) (m unused). Clobbers Y0, X1.
#define X4A_HSUM(facc, m) \
	VMOVAPS facc, Y0; \
	HSUM8_Y0(X1)

// X4A_STORE_Y4: the results that are hsum8 of Y4+t.
#define X4A_STORE_Y4 X4A_STORE_R8(X4A_HSUM)

// Four-token kernels, func(out *float32, ostride int, w *byte, stride int,
// rows int, x *byte, xstride int, nb int): one weight row against four
// activation rows xstride bytes apart (R14 = xstride, R15 = 3·xstride),
// token t's float lanes in Y16+t (its minimums' lanes or scalar, where
// the format has them, in X20+t), its four results ostride bytes apart.

// KX4ROWS(CONSTS, ZERO, BLOCK, W, X, wsize, xsize, STORE): the whole body
// of a four-token kernel: CONSTS once; for each of the rows weight rows
// (stride bytes apart) ZERO clears the tokens' sums, BLOCK runs on each
// of its nb blocks (W the weight block, wsize bytes; X token 0's
// activation block, xsize bytes) and STORE writes the four results (DI:
// token 0's out[i]). Labels are local to each TEXT. Uses AX (CONSTS), BX,
// CX, DI, R12, R14, R15, W and X besides what its arguments clobber.
// vet's asmdecl does not look into macros: the argument offsets here are
// the signature's above, the same in every kernel that expands it.
#define KX4ROWS(CONSTS, ZERO, BLOCK, W, X, wsize, xsize, STORE) \
	MOVQ  out+0(FP), DI; \
	MOVQ  w+16(FP), R12; \
	MOVQ  rows+32(FP), CX; \
	MOVQ  xstride+48(FP), R14; \
	LEAQ  (R14)(R14*2), R15; \
	TESTQ CX, CX; \
	JZ    done; \
	CONSTS; \
row: \
	ZERO; \
	MOVQ  R12, W; \
	MOVQ  x+40(FP), X; \
	MOVQ  nb+56(FP), BX; \
	TESTQ BX, BX; \
	JZ    rowdone; \
block: \
	BLOCK; \
	ADDQ  $wsize, W; \
	ADDQ  $xsize, X; \
	DECQ  BX; \
	JNZ   block; \
rowdone: \
	STORE; \
	ADDQ  $4, DI; \
	ADDQ  stride+24(FP), R12; \
	DECQ  CX; \
	JNZ   row; \
done: \
	VZEROUPPER; \
	RET

// KX4_EACH(M, B): M(tok, acc, facc, macc) for each token t: tok its
// activation block ((B)(R14*t), R15 for t = 3), acc = Y24+t, facc =
// Y16+t and macc = X20+t (the registers a step may use).
#define KX4_EACH(M, B) \
	M((B), Y24, Y16, X20); \
	M((B)(R14*1), Y25, Y17, X21); \
	M((B)(R14*2), Y26, Y18, X22); \
	M((B)(R15*1), Y27, Y19, X23)

// KX4_ZERO_F clears the tokens' float lanes Y16-Y19, KX4_ZERO_I their
// integer lanes Y24-Y27; KX4_ZERO_FM the float lanes and the minimums'
// X20-X23.
#define KX4_ZERO_F \
	VPXORD Y16, Y16, Y16; \
	VPXORD Y17, Y17, Y17; \
	VPXORD Y18, Y18, Y18; \
	VPXORD Y19, Y19, Y19
#define KX4_ZERO_I \
	VPXORD Y24, Y24, Y24; \
	VPXORD Y25, Y25, Y25; \
	VPXORD Y26, Y26, Y26; \
	VPXORD Y27, Y27, Y27
#define KX4_ZERO_FM \
	KX4_ZERO_F; \
	VPXORD X20, X20, X20; \
	VPXORD X21, X21, X21; \
	VPXORD X22, X22, X22; \
	VPXORD X23, X23, X23

// KX4_HSUM(y, x, m): a token's result in X0 lane 0: hsum8 of its float
// lanes y (x: y's low half); KX4_HSUM_MIN adds its minimums' scalar m.
// Clobbers X1.
#define KX4_HSUM(y, x, m) \
	HSUM8_TO_X0(y, x)
#define KX4_HSUM_MIN(y, x, m) \
	HSUM8_TO_X0(y, x); \
	VADDSS m, X0, X0

// KX4_STORE(RESULT): the four tokens' results, RESULT(Y16+t, X16+t,
// X20+t) for token t, stored at DI + t·ostride. Clobbers AX.
#define KX4_STORE(RESULT) \
	RESULT(Y16, X16, X20); \
	VMOVSS X0, (DI); \
	RESULT(Y17, X17, X21); \
	MOVQ   ostride+8(FP), AX; \
	VMOVSS X0, (DI)(AX*1); \
	RESULT(Y18, X18, X22); \
	MOVQ   ostride+8(FP), AX; \
	VMOVSS X0, (DI)(AX*2); \
	RESULT(Y19, X19, X23); \
	MOVQ   ostride+8(FP), AX; \
	LEAQ   (AX)(AX*2), AX; \
	VMOVSS X0, (DI)(AX*1)

// KX4_STORE_R8(RESULT): KX4_STORE stepping R8 by ostride instead.
// Clobbers R8.
#define KX4_STORE_R8(RESULT) \
	MOVQ   DI, R8; \
	RESULT(Y16, X16, X20); \
	VMOVSS X0, (R8); \
	ADDQ   ostride+8(FP), R8; \
	RESULT(Y17, X17, X21); \
	VMOVSS X0, (R8); \
	ADDQ   ostride+8(FP), R8; \
	RESULT(Y18, X18, X22); \
	VMOVSS X0, (R8); \
	ADDQ   ostride+8(FP), R8; \
	RESULT(Y19, X19, X23); \
	VMOVSS X0, (R8); \
	ADDQ   ostride+8(FP), R8


// FOUR_ARGS loads a four-stream one-token kernel's outputs (DI, R15,
// R10, R11), streams (R12, R13, R8, DX) and row count (CX), and leaves
// for done when there are no rows. Its arguments: outA, outB, outC, outD,
// wA, wB, wC, wD at 0…56(FP), rows at 88(FP).
#define FOUR_ARGS(done) \
	MOVQ outA+0(FP), DI; \
	MOVQ outB+8(FP), R15; \
	MOVQ outC+16(FP), R10; \
	MOVQ outD+24(FP), R11; \
	MOVQ wA+32(FP), R12; \
	MOVQ wB+40(FP), R13; \
	MOVQ wC+48(FP), R8; \
	MOVQ wD+56(FP), DX; \
	MOVQ rows+88(FP), CX; \
	TESTQ CX, CX; \
	JZ   done

// FOUR_ROW_START clears a row's sums (Z0, Z30) and offset (SI), loads the
// activations (argument x at 72(FP)) into R9 and the block count (nb at
// 80(FP)) into BX, and leaves for rowdone when there are no blocks.
#define FOUR_ROW_START(x, rowdone) \
	VXORPS Z0, Z0, Z0; \
	VXORPS Z30, Z30, Z30; \
	XORQ   SI, SI; \
	MOVQ   x+72(FP), R9; \
	MOVQ   nb+80(FP), BX; \
	TESTQ  BX, BX; \
	JZ     rowdone

// FOUR_AHEAD asks for the four streams' bytes ahead bytes past SI.
#define FOUR_AHEAD(ahead) \
	PREFETCHT0 ahead(R12)(SI*1); \
	PREFETCHT0 ahead(R13)(SI*1); \
	PREFETCHT0 ahead(R8)(SI*1); \
	PREFETCHT0 ahead(DX)(SI*1)

// FOUR_FIRST asks (with the prefetch instruction op) for the first ahead
// bytes of the four streams at R12, R13, R8 and DX, a line at a time,
// before a four-stream one-token kernel's first row (label names its
// loop; SI and BX are overwritten).
#define FOUR_FIRST(op, ahead, label) \
	XORQ SI, SI; \
	MOVQ $(ahead/64), BX; \
label: \
	op (R12)(SI*1); \
	op (R13)(SI*1); \
	op (R8)(SI*1); \
	op (DX)(SI*1); \
	ADDQ $64, SI; \
	DECQ BX; \
	JNZ  label

// FOUR_ROW_END ends a row of a four-stream kernel whose rows' sums are Z0
// (lanes 0-7 stream A, 8-15 B) and Z30 (C, D): their sums go to (DI),
// (R15), (R10) and (R11), every output and stream (R12, R13, R8, DX) moves
// a row on (stride+64(FP) bytes), and CX counts the rows left (next: the
// row loop's label).
#define FOUR_ROW_END(next) \
	VEXTRACTF32X8 $1, Z0, Y8; \
	HSUM8_Y0(X1); \
	VMOVSS        X0, (DI); \
	HSUM8(Y8, X8, X1); \
	VMOVSS        X8, (R15); \
	VMOVAPS       Z30, Z9; \
	VEXTRACTF32X8 $1, Z9, Y10; \
	HSUM8(Y9, X9, X1); \
	VMOVSS        X9, (R10); \
	HSUM8(Y10, X10, X1); \
	VMOVSS        X10, (R11); \
	ADDQ          $4, DI; \
	ADDQ          $4, R15; \
	ADDQ          $4, R10; \
	ADDQ          $4, R11; \
	MOVQ          stride+64(FP), AX; \
	ADDQ          AX, R12; \
	ADDQ          AX, R13; \
	ADDQ          AX, R8; \
	ADDQ          AX, DX; \
	DECQ          CX; \
	JNZ           next

#endif

