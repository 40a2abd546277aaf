//go:build amd64 && gc && !purego

#include "textflag.h"

// Q8_0 rows times four tokens in pair records (see dot_q8_0p.go), 16 lanes
// a vector: lanes 0-7 are one token's 8 lanes of dotRowsQ8_0, lanes 8-15 the
// other's. Per block and row: the 32 weights broadcast to both halves and
// made unsigned (xor 0x80), d_w widened to 16 lanes; per pair: the lanes
// start from −128·Σx, take Σ(w+128)·x (exact), then float, times d_w·d_x,
// fused into the accumulator. hsum8 of each half at the end.

// hsum8 of Y0 into X0 as ggml's hsum_float_8: clobbers X1.
#define PHSUM8 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVHLPS     X0, X0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVSHDUP    X0, X1     \
	VADDSS       X1, X0, X0

// One row's block: weights at wm, their scale at dm; pair 0 in Z0 (quants),
// Z2 (lane starts), Z4 (scales), pair 1 in Z1, Z3, Z5.
#define PROW(dm, wm, accA, accB, tw, tdw, ta, tb, tc, td) \
	VBROADCASTI64X4 wm, tw        \
	VPXORD          Z15, tw, tw   \
	VPBROADCASTW    dm, Y7        \
	VCVTPH2PS       Y7, tdw       \
	VMOVDQA32       Z2, ta        \
	VPDPBUSD        Z0, tw, ta    \
	VMOVDQA32       Z3, tc        \
	VPDPBUSD        Z1, tw, tc    \
	VCVTDQ2PS       ta, ta        \
	VCVTDQ2PS       tc, tc        \
	VMULPS          Z4, tdw, tb   \
	VMULPS          Z5, tdw, td   \
	VFMADD231PS     tb, ta, accA  \
	VFMADD231PS     td, tc, accB

// The four sums of one row (pair accumulators accA, accB) to out+off for
// tokens 0-3: DI, DI+AX, R12, R12+AX.
#define PSTORE(accA, accB, off) \
	VEXTRACTF64X4 $1, accA, Y2 \
	VMOVAPS       accA, Z0     \
	PHSUM8                     \
	VMOVSS        X0, off(DI)  \
	VMOVAPS       Y2, Y0       \
	PHSUM8                     \
	VMOVSS        X0, off(DI)(AX*1) \
	VEXTRACTF64X4 $1, accB, Y2 \
	VMOVAPS       accB, Z0     \
	PHSUM8                     \
	VMOVSS        X0, off(R12) \
	VMOVAPS       Y2, Y0       \
	PHSUM8                     \
	VMOVSS        X0, off(R12)(AX*1)

#define PLOAD \
	VMOVDQU32 (R9), Z0          \
	VMOVDQU32 64(R9), Z2        \
	VMOVUPS   128(R9), Z4       \
	VMOVDQU32 (R9)(R10*1), Z1   \
	VMOVDQU32 64(R9)(R10*1), Z3 \
	VMOVUPS   128(R9)(R10*1), Z5

// func dotRowsQ8_0PairsAVX512(out *float32, ostride int, w *byte, stride int, rows int, p *byte, pstride int, nb int)
// Row r's outputs go to out + t·ostride + 4r for token t; rows four at a
// time, then one at a time.
TEXT ·dotRowsQ8_0PairsAVX512(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ ostride+8(FP), AX
	MOVQ w+16(FP), SI
	MOVQ stride+24(FP), DX
	MOVQ rows+32(FP), CX
	MOVQ pstride+48(FP), R10
	MOVQ nb+56(FP), R8
	LEAQ (DI)(AX*2), R12
	LEAQ (DX)(DX*2), R14
	TESTQ R8, R8
	JZ    pdone
	MOVL         $0x80808080, BX
	VPBROADCASTD BX, Z15
pquad:
	CMPQ CX, $4
	JLT  pone
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	MOVQ   SI, R11
	MOVQ   p+40(FP), R9
	MOVQ   R8, BX
pqblock:
	PLOAD
	PROW((R11), 2(R11), Z16, Z17, Z6, Z8, Z9, Z10, Z11, Z12)
	PROW((R11)(DX*1), 2(R11)(DX*1), Z18, Z19, Z13, Z14, Z24, Z25, Z26, Z27)
	PROW((R11)(DX*2), 2(R11)(DX*2), Z20, Z21, Z6, Z8, Z9, Z10, Z11, Z12)
	PROW((R11)(R14*1), 2(R11)(R14*1), Z22, Z23, Z13, Z14, Z24, Z25, Z26, Z27)
	ADDQ $34, R11
	ADDQ $192, R9
	DECQ BX
	JNZ  pqblock
	PSTORE(Z16, Z17, 0)
	PSTORE(Z18, Z19, 4)
	PSTORE(Z20, Z21, 8)
	PSTORE(Z22, Z23, 12)
	ADDQ $16, DI
	ADDQ $16, R12
	LEAQ (SI)(DX*4), SI
	SUBQ $4, CX
	JMP  pquad
pone:
	TESTQ CX, CX
	JZ    pdone
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	MOVQ   SI, R11
	MOVQ   p+40(FP), R9
	MOVQ   R8, BX
poblock:
	PLOAD
	PROW((R11), 2(R11), Z16, Z17, Z6, Z8, Z9, Z10, Z11, Z12)
	ADDQ $34, R11
	ADDQ $192, R9
	DECQ BX
	JNZ  poblock
	PSTORE(Z16, Z17, 0)
	ADDQ $4, DI
	ADDQ $4, R12
	ADDQ DX, SI
	DECQ CX
	JMP  pone
pdone:
	VZEROUPPER
	RET
