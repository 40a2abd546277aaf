// Instruction sequences shared by the K-quant × Q8_K kernels
// (dot_q*k_amd64.s, dot_tq1_amd64.s): each macro is the same instructions
// every kernel had written out, so including it changes no kernel's code.
// Registers as those kernels use them: SI the weight block, R9 the Q8_K
// block (d at 0, quants at 4, the 16-element sums at 260), Y0 the float
// lanes of a row, Y3 its integer lanes of a block, X9 lane 0 d_x·d_w.
// Four-token kernels: token t's Q8_K row at (R9)(R14*t) (R15 = 3·R14),
// float lanes in Y16+t, integer lanes in Y24+t.
// A macro's comment says what it reads and what it clobbers besides its
// result.

#include "simd_amd64.h"

// KROWS(CONSTS, ZERO, BLOCK, bsize, RESULT): the whole body of a one-token
// kernel func(out *float32, w *byte, stride int, x *byte, nb int, rows
// int): CONSTS once; for each of the rows weight rows (stride bytes apart)
// ZERO clears the row's sums, BLOCK runs on each of its nb blocks (SI the
// weight block, bsize bytes; R9 the Q8_K block, 292 bytes) and RESULT
// leaves the row's dot product in X0 lane 0 for out[i]. Labels are local
// to each TEXT, so every kernel may expand it once. Uses AX (CONSTS), BX,
// CX, DI, R9, R12 and SI besides what its arguments clobber.
#define KROWS(CONSTS, ZERO, BLOCK, bsize, RESULT) \
	KROWS_X(CONSTS, ZERO, BLOCK, bsize, 292, RESULT)

// KROWS_X(CONSTS, ZERO, BLOCK, bsize, xsize, RESULT): KROWS with xsize
// bytes of activations a block at R9 (a layout of the kernel's own).
// vet's asmdecl does not look into macros: the argument offsets here are
// the signature's above, the same in every kernel that expands it.
#define KROWS_X(CONSTS, ZERO, BLOCK, bsize, xsize, RESULT) \
	MOVQ  out+0(FP), DI; \
	MOVQ  w+8(FP), R12; \
	MOVQ  rows+40(FP), CX; \
	TESTQ CX, CX; \
	JZ    done; \
	CONSTS; \
row: \
	ZERO; \
	MOVQ  R12, SI; \
	MOVQ  x+24(FP), R9; \
	MOVQ  nb+32(FP), BX; \
	TESTQ BX, BX; \
	JZ    rowdone; \
block: \
	BLOCK; \
	ADDQ  $bsize, SI; \
	ADDQ  $xsize, R9; \
	DECQ  BX; \
	JNZ   block; \
rowdone: \
	RESULT; \
	VMOVSS X0, (DI); \
	ADDQ  $4, DI; \
	ADDQ  stride+16(FP), R12; \
	DECQ  CX; \
	JNZ   row; \
done: \
	VZEROUPPER; \
	RET

// K23_CONSTS: Y15 = 0x03 bytes, Y14 = 0x0f bytes, Y13 = 0x01 bytes (the
// Q2_K and Q3_K kernels). Clobbers AX.
#define K23_CONSTS \
	VBCAST32(0x03030303, X15, Y15); \
	VBCAST32(0x0f0f0f0f, X14, Y14); \
	VBCAST32(0x01010101, X13, Y13)

// SUM_Y0_X1: lane 0 of X0 = hsum8(Y0) + hsum4(X1), the result of a row
// that keeps the minimums' float lanes in X1. Clobbers X1, X2.
#define SUM_Y0_X1 \
	HSUM4(X1, X2); \
	HSUM8_Y0(X2); \
	VADDSS X1, X0, X0

// K_FUSE: Y0 += float(Y3) · (X9 lane 0), a block's integer lanes fused
// with d_x·d_w. Clobbers Y3, Y7.
#define K_FUSE \
	VBROADCASTSS X9, Y7; \
	VCVTDQ2PS    Y3, Y3; \
	VFMADD231PS  Y3, Y7, Y0

// KX4_FUSE(tok, acc, facc, m): facc += float(acc) · d_x·d_w for the token
// whose Q8_K block is at tok (X9 lane 0: d_w; m unused, as KX4_EACH
// passes it). Clobbers acc, X8, Y7.
#define KX4_FUSE(tok, acc, facc, m) \
	VBROADCASTSS tok, X8; \
	VMULPS       X8, X9, X8; \
	VBROADCASTSS X8, Y7; \
	VCVTDQ2PS    acc, acc; \
	VFMADD231PS  acc, Y7, facc

// KX4_FUSE_Y(tok, d, acc, facc): facc += float(acc) · d_x·d_w for the
// token whose Q8_K block is at tok (d: d_w in every lane, a Y register).
// Clobbers acc, Y8.
#define KX4_FUSE_Y(tok, d, acc, facc) \
	VBROADCASTSS tok, Y8; \
	VMULPS       d, Y8, Y8; \
	VCVTDQ2PS    acc, acc; \
	VFMADD231PS  acc, Y8, facc

// K_NIBBLES(w): the 64 levels of a sub-block pair of a Q4_K or Q5_K
// block from the 32 bytes at w(SI): Y6 the low nibbles (the first
// sub-block), Y5 the high (the second). Reads Y15 (0x0f bytes).
#define K_NIBBLES(w) \
	VMOVDQU w(SI), Y5; \
	VPAND   Y15, Y5, Y6; \
	VPSRLW  $4, Y5, Y5; \
	VPAND   Y15, Y5, Y5

// K_PAIR_AVX2(tab, x, s): Y3 += a sub-block pair's integer lanes: the
// levels Y6, Y5 · the activations at x(R9), x+32(R9) by vpmaddubsw,
// weighed with vpmaddwd by the scale words of Y2 that rows s and s+32 of
// the vpshufb masks tab pick. Clobbers Y5-Y8.
#define K_PAIR_AVX2(tab, x, s) \
	VPMADDUBSW x(R9), Y6, Y6; \
	VPSHUFB    tab<>+s(SB), Y2, Y7; \
	VPMADDWD   Y7, Y6, Y6; \
	VPMADDUBSW x+32(R9), Y5, Y5; \
	VPSHUFB    tab<>+s+32(SB), Y2, Y8; \
	VPMADDWD   Y8, Y5, Y5; \
	VPADDD     Y5, Y6, Y6; \
	VPADDD     Y6, Y3, Y3

// K_PAIR_VNNI(tab, x, s): K_PAIR_AVX2 with vpdpwssd doing vpmaddwd's sums
// and the adds (the same integers). Clobbers Y5-Y8.
#define K_PAIR_VNNI(tab, x, s) \
	VPMADDUBSW x(R9), Y6, Y6; \
	VPSHUFB    tab<>+s(SB), Y2, Y7; \
	VPDPWSSD   Y7, Y6, Y3; \
	VPMADDUBSW x+32(R9), Y5, Y5; \
	VPSHUFB    tab<>+s+32(SB), Y2, Y8; \
	VPDPWSSD   Y8, Y5, Y3

// KX4_TOKEN(x, tok, acc, t): acc += a sub-block pair's lanes for one
// token: the levels Y6, Y5 · its activations at x tok and x+32 tok,
// weighed by the scale words Y28, Y29 (vpdpwssd). Clobbers Y10 and t.
#define KX4_TOKEN(x, tok, acc, t) \
	VPMADDUBSW x tok, Y6, Y10; \
	VPDPWSSD   Y28, Y10, acc; \
	VPMADDUBSW x+32 tok, Y5, t; \
	VPDPWSSD   Y29, t, acc

// KX4_PAIR(tab, x, s, t): K_PAIR_VNNI for the four tokens, into Y24-Y27:
// the scale words picked once into Y28, Y29. Clobbers Y10, Y28, Y29, t.
#define KX4_PAIR(tab, x, s, t) \
	VPSHUFB tab<>+s(SB), Y2, Y28; \
	VPSHUFB tab<>+s+32(SB), Y2, Y29; \
	KX4_TOKEN(x, (R9), Y24, t); \
	KX4_TOKEN(x, (R9)(R14*1), Y25, t); \
	KX4_TOKEN(x, (R9)(R14*2), Y26, t); \
	KX4_TOKEN(x, (R9)(R15*1), Y27, t)

// K_SCALES_MINS: the twelve bytes of 6-bit scales and minimums of a Q4_K
// or Q5_K block (at 4(SI)) unpacked to R10 (scales 0-7, a byte each) and
// R11 (minimums 0-7). Clobbers AX, DX, R8, R13.
#define K_SCALES_MINS \
	MOVL 4(SI), AX; \
	MOVL 8(SI), DX; \
	MOVL 12(SI), R8; \
	MOVL R8, R10; \
	SHRL $4, R10; \
	ANDL $0x0f0f0f0f, R10; \
	MOVL DX, R11; \
	SHRL $6, R11; \
	ANDL $0x03030303, R11; \
	SHLL $4, R11; \
	ORL  R10, R11             /* mins 4-7 */; \
	MOVL DX, R13; \
	ANDL $0x3f3f3f3f, R13     /* mins 0-3 */; \
	SHLQ $32, R11; \
	ORQ  R13, R11; \
	ANDL $0x0f0f0f0f, R8; \
	MOVL AX, R10; \
	SHRL $6, R10; \
	ANDL $0x03030303, R10; \
	SHLL $4, R10; \
	ORL  R8, R10              /* scales 4-7 */; \
	ANDL $0x3f3f3f3f, AX      /* scales 0-3 */; \
	SHLQ $32, R10; \
	ORQ  AX, R10

// K_SCALES_Y2: the eight scale bytes in R10 as words, in both halves of
// Y2 (for vpshufb to broadcast one sub-block's scale).
#define K_SCALES_Y2 \
	VMOVQ       R10, X2; \
	VPMOVZXBW   X2, X2; \
	VINSERTI128 $1, X2, Y2, Y2

// Q4K_MINS: the minimums (R11) · the activations' 32-element sums, fused
// with −d_x·dmin_w into the four float lanes of X1; leaves X9 = d_x·d_w,
// d_x·dmin_w (lanes 0, 1). Clobbers X3, X4, X8, X10.
#define Q4K_MINS \
	VMOVQ        R11, X3; \
	VPMOVZXBW    X3, X3; \
	VMOVDQU      260(R9), X4; \
	VPHADDW      276(R9), X4, X4; \
	VPMADDWD     X4, X3, X4; \
	VCVTDQ2PS    X4, X4; \
	VMOVD        (SI), X9; \
	VCVTPH2PS    X9, X9; \
	VBROADCASTSS (R9), X8; \
	VMULPS       X8, X9, X9; \
	VSHUFPS      $0x55, X9, X9, X10; \
	VFNMADD231PS X4, X10, X1
