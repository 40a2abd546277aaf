//go:build amd64 && gc && !purego

#include "textflag.h"

// LANE_FMA(w, a0, a1, a2, a3): a_i = fma(Z(16+i), w, a_i), softmax·V's
// step for one head: a value row (Z16-Z19) times its weight (w, broadcast)
// into the head's accumulator row.
#define LANE_FMA(w, a0, a1, a2, a3) \
	VFMADD231PS Z16, w, a0 \
	VFMADD231PS Z17, w, a1 \
	VFMADD231PS Z18, w, a2 \
	VFMADD231PS Z19, w, a3

// LANE_LOAD(m, a0, a1, a2, a3) and LANE_STORE: a head's accumulator row
// (four vectors at m) into registers, and back.
#define LANE_LOAD(m, a0, a1, a2, a3) \
	VMOVUPS 0 m, a0 \
	VMOVUPS 64 m, a1 \
	VMOVUPS 128 m, a2 \
	VMOVUPS 192 m, a3
#define LANE_STORE(m, a0, a1, a2, a3) \
	VMOVUPS a0, 0 m \
	VMOVUPS a1, 64 m \
	VMOVUPS a2, 128 m \
	VMOVUPS a3, 192 m

// LANES_BODY(ROW_LOAD): axpyLanes4's body, a position's value row read
// into Z16-Z19 from SI by ROW_LOAD.
#define LANES_BODY(ROW_LOAD) \
	MOVQ acc+0(FP), DI; \
	MOVQ accStride+8(FP), AX; \
	MOVQ v+16(FP), R8; \
	MOVQ blockSize+24(FP), R9; \
	MOVQ table+40(FP), R10; \
	MOVQ shift+48(FP), CX; \
	MOVQ t+56(FP), R11; \
	MOVQ n+64(FP), R12; \
	MOVQ w+72(FP), DX; \
	MOVQ wStride+80(FP), R13; \
	TESTQ R12, R12; \
	JLE   lndone; \
	MOVQ  $1, BX; \
	SHLQ  CX, BX; \
	DECQ  BX; \
	LEAQ  (DI)(AX*2), SI; \
	LANE_LOAD((DI), Z0, Z1, Z2, Z3); \
	LANE_LOAD((DI)(AX*1), Z4, Z5, Z6, Z7); \
	LANE_LOAD((SI), Z8, Z9, Z10, Z11); \
	LANE_LOAD((SI)(AX*1), Z12, Z13, Z14, Z15); \
	LEAQ  (DX)(R13*2), R14; \
lnpos: \
	MOVQ    R11, SI; \
	SHRQ    CX, SI; \
	MOVLQSX (R10)(SI*4), SI; \
	IMULQ   R9, SI; \
	MOVQ    R11, R15; \
	ANDQ    BX, R15; \
	IMULQ   rowStride+32(FP), R15; \
	ADDQ    R15, SI; \
	ADDQ    R8, SI; \
	ROW_LOAD; \
	VBROADCASTSS (DX), Z20; \
	VBROADCASTSS (DX)(R13*1), Z21; \
	VBROADCASTSS (R14), Z22; \
	VBROADCASTSS (R14)(R13*1), Z23; \
	LANE_FMA(Z20, Z0, Z1, Z2, Z3); \
	LANE_FMA(Z21, Z4, Z5, Z6, Z7); \
	LANE_FMA(Z22, Z8, Z9, Z10, Z11); \
	LANE_FMA(Z23, Z12, Z13, Z14, Z15); \
	ADDQ    $64, R11; \
	ADDQ    $256, DX; \
	ADDQ    $256, R14; \
	DECQ    R12; \
	JNZ     lnpos; \
	LEAQ  (DI)(AX*2), SI; \
	LANE_STORE((DI), Z0, Z1, Z2, Z3); \
	LANE_STORE((DI)(AX*1), Z4, Z5, Z6, Z7); \
	LANE_STORE((SI), Z8, Z9, Z10, Z11); \
	LANE_STORE((SI)(AX*1), Z12, Z13, Z14, Z15); \
lndone: \
	VZEROUPPER; \
	RET;

// F32_ROW and F16_ROW: a value row of 64 floats at SI into Z16-Z19, as
// F32, or widened (exactly) from F16.
#define F32_ROW \
	VMOVUPS (SI), Z16; \
	VMOVUPS 64(SI), Z17; \
	VMOVUPS 128(SI), Z18; \
	VMOVUPS 192(SI), Z19
#define F16_ROW \
	VCVTPH2PS (SI), Z16; \
	VCVTPH2PS 32(SI), Z17; \
	VCVTPH2PS 64(SI), Z18; \
	VCVTPH2PS 96(SI), Z19

// func axpyLanes4AVX512(acc *float32, accStride int, v *byte, blockSize, rowStride int, table *int32, shift, t, n int, w *float32, wStride int)
// One lane row of softmax·V for four query heads of one key-value head:
// for the n positions t, t+64, t+128, … the values of position p (at v +
// table[p>>shift]·blockSize + (p&(1<<shift-1))·rowStride) times head j's
// weight (w + j·wStride, 256 bytes a position further) are added, fused,
// to head j's 64 accumulators at acc + j·accStride, in order of position:
// what axpyRows64AVX512 does row by row, with the sixteen accumulator
// vectors kept in registers.
TEXT ·axpyLanes4AVX512(SB), NOSPLIT, $0-88
	LANES_BODY(F32_ROW)

// func axpyLanes4F16AVX512(acc *float32, accStride int, v *byte, blockSize, rowStride int, table *int32, shift, t, n int, w *float32, wStride int)
// axpyLanes4AVX512 over a cache of F16 values, each row widened as it is
// read: the same sums as over the widened rows.
TEXT ·axpyLanes4F16AVX512(SB), NOSPLIT, $0-88
	LANES_BODY(F16_ROW)
