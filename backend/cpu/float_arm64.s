//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// The float kernels keep the 16-lane accumulators of ggml's AVX-512 code as
// four NEON registers each (lanes 0-3, 4-7, 8-11, 12-15) and add them in
// the same trees (reduceSteps, reduce16); FMLA is fused like vfmadd231ps.

// REDUCE16 sets F16 to reduce16 of V16-V19: t = x[0:8] + x[8:16], then
// hsum8 of t. Clobbers V17.
#define REDUCE16 \
	FADD4S(16, 16, 18) \
	FADD4S(17, 17, 19) \
	FADD4S(16, 16, 17) \
	EXT8(17, 16, 16)   \
	FADD4S(16, 16, 17) \
	FADDP2S(16, 16)

// FMLA16 fuses the products of Vx..Vx+3 and Vy..Vy+3 into the 16 lanes
// Va..Va+3.
#define FMLA16(a, x, y) \
	FMLA4S(a, x, y)             \
	FMLA4S((a)+1, (x)+1, (y)+1) \
	FMLA4S((a)+2, (x)+2, (y)+2) \
	FMLA4S((a)+3, (x)+3, (y)+3)

// FADD4 adds Vb..Vb+3 to Va..Va+3.
#define FADD4(a, b) \
	FADD4S(a, a, b)             \
	FADD4S((a)+1, (a)+1, (b)+1) \
	FADD4S((a)+2, (a)+2, (b)+2) \
	FADD4S((a)+3, (a)+3, (b)+3)

// F32_LOAD16 loads 16 floats of x (R0) to Vx0-Vx3 and of y (R1) to
// Vy0-Vy3.
#define F32_LOAD16(x0, x1, x2, x3, y0, y1, y2, y3) \
	VLD1.P 64(R0), [x0.S4, x1.S4, x2.S4, x3.S4] \
	VLD1.P 64(R1), [y0.S4, y1.S4, y2.S4, y3.S4]

// F32_STEP32 fuses 32 products of x and y into accumulators Va..Va+7.
#define F32_STEP32(a) \
	F32_LOAD16(V0, V1, V2, V3, V4, V5, V6, V7)       \
	F32_LOAD16(V8, V9, V10, V11, V12, V13, V14, V15) \
	FMLA16(a, 0, 4)                                  \
	FMLA16((a)+4, 8, 12)

// func vecDotF32NEON(x, y *float32, n int) float32
// n is a positive multiple of 64. Accumulator j (of 4) is V16+4j..V19+4j.
TEXT ·vecDotF32NEON(SB), NOSPLIT, $0-28
	MOVD x+0(FP), R0
	MOVD y+8(FP), R1
	MOVD n+16(FP), R2
	ZERO8(16)
	ZERO8(24)

vecStep:
	F32_STEP32(16)
	F32_STEP32(24)
	SUBS $64, R2, R2
	BNE  vecStep

	// reduceSteps: s0 += s2, s1 += s3, s0 += s1, then reduce16
	FADD4(16, 24)
	FADD4(20, 28)
	FADD4(16, 20)
	REDUCE16
	FMOVS F16, ret+24(FP)
	RET

// func tileDotF32NEON(a, b *float32, n int) float32
// n is a positive multiple of 16: one accumulator of 16 lanes, V16-V19.
TEXT ·tileDotF32NEON(SB), NOSPLIT, $0-28
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD n+16(FP), R2
	ZERO4(16)

tileStep:
	F32_LOAD16(V0, V1, V2, V3, V4, V5, V6, V7)
	FMLA16(16, 0, 4)
	SUBS $16, R2, R2
	BNE  tileStep

	REDUCE16
	FMOVS F16, ret+24(FP)
	RET

// func f16ToF32NEON(dst *float32, src *uint16, n int)
// n is a positive multiple of 8.
TEXT ·f16ToF32NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2

f16Step:
	VLD1.P 16(R1), [V0.H8]
	FCVTL4(1, 0)
	FCVTL8(2, 0)
	VST1.P [V1.S4, V2.S4], 32(R0)
	SUBS   $8, R2, R2
	BNE    f16Step
	RET

// func axpyNEON(acc, v *float32, w float32, n int)
// acc[i] = fma(v[i], w, acc[i]); n is a positive multiple of 8.
TEXT ·axpyNEON(SB), NOSPLIT, $0-32
	MOVD  acc+0(FP), R0
	MOVD  v+8(FP), R1
	FMOVS w+16(FP), F4
	MOVD  n+24(FP), R2
	MOVD  R0, R3

axpyStep:
	VLD1.P 32(R0), [V0.S4, V1.S4]
	VLD1.P 32(R1), [V2.S4, V3.S4]
	FMLAE(0, 2, 4, 0)
	FMLAE(1, 3, 4, 0)
	VST1.P [V0.S4, V1.S4], 32(R3)
	SUBS   $8, R2, R2
	BNE    axpyStep
	RET

// func addF32NEON(dst, a, b *float32, n int)
// n is a positive multiple of 8.
TEXT ·addF32NEON(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD n+24(FP), R3

addStep:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1.P 32(R2), [V2.S4, V3.S4]
	FADD4S(0, 0, 2)
	FADD4S(1, 1, 3)
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUBS   $8, R3, R3
	BNE    addStep
	RET

// ROTATE sets V4 = fma(x0, c, -(x1·s)) and V5 = fma(x0, s, x1·c) from
// x0 = V0, x1 = V1, c = V2, s = V3, as rotatePairsGeneric rounds them.
#define ROTATE \
	FMUL4S(4, 1, 3) \
	FNEG4S(4, 4)    \
	FMLA4S(4, 0, 2) \
	FMUL4S(5, 1, 2) \
	FMLA4S(5, 0, 3)

// func ropePairsNEON(a, b, cs, ss *float32, n int)
// n is a positive multiple of 4.
TEXT ·ropePairsNEON(SB), NOSPLIT, $0-40
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD cs+16(FP), R2
	MOVD ss+24(FP), R3
	MOVD n+32(FP), R4

pairsStep:
	VLD1   (R0), [V0.S4]
	VLD1   (R1), [V1.S4]
	VLD1.P 16(R2), [V2.S4]
	VLD1.P 16(R3), [V3.S4]
	ROTATE
	VST1.P [V4.S4], 16(R0)
	VST1.P [V5.S4], 16(R1)
	SUBS   $4, R4, R4
	BNE    pairsStep
	RET

// func ropeAdjacentNEON(x, cs, ss *float32, n int)
// n is a positive multiple of 8; pair (x[2i], x[2i+1]) turns by cs[2i],
// ss[2i] (LD2 splits even and odd elements).
TEXT ·ropeAdjacentNEON(SB), NOSPLIT, $0-32
	MOVD x+0(FP), R0
	MOVD cs+8(FP), R1
	MOVD ss+16(FP), R2
	MOVD n+24(FP), R3

adjacentStep:
	VLD2   (R0), [V0.S4, V1.S4]
	VLD2.P 32(R1), [V2.S4, V3.S4] // V2: cs at even indexes
	VLD2.P 32(R2), [V3.S4, V4.S4] // V3: ss at even indexes
	ROTATE
	VST2.P [V4.S4, V5.S4], 32(R0)
	SUBS   $8, R3, R3
	BNE    adjacentStep
	RET
