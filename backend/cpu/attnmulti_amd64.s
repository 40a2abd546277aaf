//go:build amd64 && gc && !purego

#include "textflag.h"

// AXPY_LANES16(A0, A1, A2, A3, W, w): the body of axpyLanes16AVX512 and
// axpyLanes16AVX2: a row's four vectors of vb bytes in A0-A3, the weight
// broadcast into W.
#define AXPY_LANES16(A0, A1, A2, A3, W, vb) \
	MOVQ acc+0(FP), DI; \
	MOVQ accStride+8(FP), AX; \
	MOVQ v+16(FP), SI; \
	MOVQ vStride+24(FP), R8; \
	MOVQ w+32(FP), DX; \
	MOVQ count+40(FP), CX; \
	MOVQ R8, R14; \
	SHLQ $4, R14; \
	XORQ R9, R9; \
lane: \
	CMPQ    R9, CX; \
	JGE     done; \
	CMPQ    R9, $16; \
	JGE     done; \
	MOVQ    R9, R11; \
	IMULQ   AX, R11; \
	ADDQ    DI, R11; \
	VMOVUPS (R11), A0; \
	VMOVUPS vb(R11), A1; \
	VMOVUPS 2*vb(R11), A2; \
	VMOVUPS 3*vb(R11), A3; \
	MOVQ    R9, R10; \
	MOVQ    R9, R12; \
	IMULQ   R8, R12; \
	ADDQ    SI, R12; \
	LEAQ    (DX)(R9*4), R13; \
pos: \
	VBROADCASTSS (R13), W; \
	VFMADD231PS  (R12), W, A0; \
	VFMADD231PS  vb(R12), W, A1; \
	VFMADD231PS  2*vb(R12), W, A2; \
	VFMADD231PS  3*vb(R12), W, A3; \
	ADDQ         $16, R10; \
	ADDQ         R14, R12; \
	ADDQ         $64, R13; \
	CMPQ         R10, CX; \
	JLT          pos; \
	VMOVUPS      A0, (R11); \
	VMOVUPS      A1, vb(R11); \
	VMOVUPS      A2, 2*vb(R11); \
	VMOVUPS      A3, 3*vb(R11); \
	INCQ         R9; \
	JMP          lane; \
done: \
	VZEROUPPER; \
	RET

// func axpyLanes16AVX512(acc *float32, accStride int, v *float32, vStride int, w *float32, count int)
// For c < count, 64 floats of value row c (v + c·vStride bytes) times
// w[c] are added, fused, to the 64 floats of accumulator row c mod 16 (acc
// + (c mod 16)·accStride bytes), each row's positions in order: what
// axpyRows64AVX512 adds position by position, a row's four vectors kept
// in registers over its positions c, c+16, c+32, … (16 rows of v are
// R14 bytes; R9 is the lane row, R10 its position).
TEXT ·axpyLanes16AVX512(SB), NOSPLIT, $0-48
	AXPY_LANES16(Z0, Z1, Z2, Z3, Z4, 64)

// func axpyLanes16AVX2(acc *float32, accStride int, v *float32, vStride int, w *float32, count int)
// axpyLanes16AVX512 on 32 floats a row, in four 256-bit vectors: what
// axpyRowsAVX2 adds position by position.
TEXT ·axpyLanes16AVX2(SB), NOSPLIT, $0-48
	AXPY_LANES16(Y0, Y1, Y2, Y3, Y4, 32)
