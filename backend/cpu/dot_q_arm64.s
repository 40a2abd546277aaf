//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// The Q8_0 kernels keep ggml's x86 lanes: per block, lane l (0-7) is the
// integer sum of elements 4l..4l+3, converted to float and fused-multiply-
// added with the block's d_w·d_x (V16 lanes 0-3, V17 lanes 4-7); hsum8 at
// the end. SDOT computes a lane's four products at once; without it,
// SMULL makes 16-bit products that two pairwise adds widen and sum.

// HSUM8 sets F16 to hsum8 of V16:V17 (lanes 0-3, 4-7) as ggml's
// hsum_float_8: a_i = x_i + x_{i+4}, then (a0+a2) + (a1+a3). Clobbers V17.
#define HSUM8 \
	FADD4S(16, 16, 17) \
	EXT8(17, 16, 16)   \
	FADD4S(16, 16, 17) \
	FADDP2S(16, 16)

// Q8_0_SCALES sets F6 to d_w·d_x from the halves in R9 and R10.
#define Q8_0_SCALES \
	FMOVS R9, F6     \
	FMOVS R10, F7    \
	FCVTSH(6, 6)     \
	FCVTSH(7, 7)     \
	FMULS F7, F6, F6

// Q8_0_ACC adds the lanes' integer sums V4 (0-3) and V5 (4-7), times F6,
// to V16 and V17, each fused.
#define Q8_0_ACC \
	SCVTF4S(4, 4)     \
	SCVTF4S(5, 5)     \
	FMLAE(16, 4, 6, 0) \
	FMLAE(17, 5, 6, 0)

// func dotRowsQ8_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ8_0SDOT(SB), NOSPLIT, $0-48
	MOVD out+0(FP), R0
	MOVD w+8(FP), R1
	MOVD stride+16(FP), R2
	MOVD x+24(FP), R3
	MOVD nb+32(FP), R4
	MOVD rows+40(FP), R5

sdotRow:
	MOVD R1, R6
	MOVD R3, R7
	MOVD R4, R8
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16

sdotBlock:
	MOVHU.P 2(R6), R9
	MOVHU.P 2(R7), R10
	VLD1.P  32(R6), [V0.B16, V1.B16]
	VLD1.P  32(R7), [V2.B16, V3.B16]
	VEOR    V4.B16, V4.B16, V4.B16
	VEOR    V5.B16, V5.B16, V5.B16
	SDOT(4, 0, 2)
	SDOT(5, 1, 3)
	Q8_0_SCALES
	Q8_0_ACC
	SUBS    $1, R8, R8
	BNE     sdotBlock

	HSUM8
	FMOVS.P F16, 4(R0)
	ADD     R2, R1, R1
	SUBS    $1, R5, R5
	BNE     sdotRow
	RET

// func dotRowsQ8_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ8_0NEON(SB), NOSPLIT, $0-48
	MOVD out+0(FP), R0
	MOVD w+8(FP), R1
	MOVD stride+16(FP), R2
	MOVD x+24(FP), R3
	MOVD nb+32(FP), R4
	MOVD rows+40(FP), R5

neonRow:
	MOVD R1, R6
	MOVD R3, R7
	MOVD R4, R8
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16

neonBlock:
	MOVHU.P 2(R6), R9
	MOVHU.P 2(R7), R10
	VLD1.P  32(R6), [V0.B16, V1.B16]
	VLD1.P  32(R7), [V2.B16, V3.B16]
	SMULL8(4, 0, 2)   // products of elements 0-7, 16 bits (|q| ≤ 128: exact)
	SMULL16(5, 0, 2)  // 8-15
	SMULL8(6, 1, 3)   // 16-23
	SMULL16(7, 1, 3)  // 24-31
	SADDLP(4, 4)      // pairs, 32 bits
	SADDLP(5, 5)
	SADDLP(6, 6)
	SADDLP(7, 7)
	ADDP4S(4, 4, 5)   // fours: lanes 0-3
	ADDP4S(5, 6, 7)   // lanes 4-7
	Q8_0_SCALES
	Q8_0_ACC
	SUBS    $1, R8, R8
	BNE     neonBlock

	HSUM8
	FMOVS.P F16, 4(R0)
	ADD     R2, R1, R1
	SUBS    $1, R5, R5
	BNE     neonRow
	RET
