//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// ggml_v_expf (see expVec) on four lanes, bit for bit: the same fused
// multiply-adds, and the final scaling by 2^n (vscalefps) as two exact
// halves' products, 2^(n>>1) then 2^(n-(n>>1)), so that only the last
// product rounds (a subnormal result included); |n| > 192 gives 0 or +Inf.
//
// Constants (EXP_CONSTS): V5 +Inf's bits, V20 0x1.8p23, V21 log2(e),
// V22 and V23 ln(2) high and low, V24-V28 the polynomial's p5..p1, V29 1,
// V30 127 (integer), V31 192.

#define EXP_CONST(bits, v) \
	MOVW $bits, R9 \
	VDUP R9, v.S4

#define EXP_CONSTS \
	EXP_CONST(0x7f800000, V5)  \
	EXP_CONST(0x4b400000, V20) \
	EXP_CONST(0x3fb8aa3b, V21) \
	EXP_CONST(0x3f317200, V22) \
	EXP_CONST(0x35bfbe8e, V23) \
	EXP_CONST(0x3c072010, V24) \
	EXP_CONST(0x3d2b9f17, V25) \
	EXP_CONST(0x3e2aaf33, V26) \
	EXP_CONST(0x3efffedb, V27) \
	EXP_CONST(0x3f7ffff6, V28) \
	EXP_CONST(0x3f800000, V29) \
	EXP_CONST(127, V30)        \
	EXP_CONST(0x43400000, V31)

// EXPV sets V14 to expVec of V(x) (x a register number other than
// V8-V15, left intact); clobbers V8-V15.
#define EXPV(x) \
	ORR16B(8, 20, 20)   \
	FMLA4S(8, x, 21)    \
	FSUB4S(8, 8, 20)    \
	ORR16B(9, x, x)     \
	FMLS4S(9, 8, 22)    \
	FMLS4S(9, 8, 23)    \
	FMUL4S(10, 9, 9)    \
	ORR16B(11, 25, 25)  \
	FMLA4S(11, 9, 24)   \
	ORR16B(12, 27, 27)  \
	FMLA4S(12, 9, 26)   \
	FMLA4S(12, 11, 10)  \
	ORR16B(13, 29, 29)  \
	FMLA4S(13, 9, 28)   \
	FMLA4S(13, 12, 10)  \
	FCVTZS4S(11, 8)     \
	SSHR4S1(12, 11)     \
	SUB4S(11, 11, 12)   \
	ADD4S(12, 12, 30)   \
	SHL4S23(12, 12)     \
	ADD4S(11, 11, 30)   \
	SHL4S23(11, 11)     \
	FMUL4S(13, 13, 12)  \
	FMUL4S(13, 13, 11)  \
	FABS4S(14, 8)       \
	FCMGT4S(14, 14, 31) \
	FCMGTZ4S(15, 8)     \
	AND16B(15, 15, 5)   \
	BSL16B(14, 15, 13)

// func softmaxExpNEON(s *float32, n int, mx float32) float64
// n is a positive multiple of 16: each vector of 16 is exponentiated in
// place and reduced as reduce16 (V16-V19), the reductions added in
// float64 (F7).
TEXT ·softmaxExpNEON(SB), NOSPLIT, $0-32
	MOVD  s+0(FP), R0
	MOVD  n+8(FP), R1
	FMOVS mx+16(FP), F6
	EXP_CONSTS
	VDUP  V6.S[0], V6.S4
	FMOVD ZR, F7
	MOVD  R0, R2

softmaxStep:
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	FSUB4S(1, 1, 6)
	FSUB4S(2, 2, 6)
	FSUB4S(3, 3, 6)
	FSUB4S(4, 4, 6)
	EXPV(1)
	ORR16B(16, 14, 14)
	EXPV(2)
	ORR16B(17, 14, 14)
	EXPV(3)
	ORR16B(18, 14, 14)
	EXPV(4)
	ORR16B(19, 14, 14)
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R2)
	FADD4S(16, 16, 18)
	FADD4S(17, 17, 19)
	HSUM8R(16, 17)
	FCVTDS(16, 16)
	FADDD F16, F7, F7
	SUBS  $16, R1, R1
	BNE   softmaxStep
	FMOVD F7, ret+24(FP)
	RET

// func swigluNEON(out, gate, u *float32, n int)
// out[i] = gate[i]/(1+expVec(0-gate[i]))·u[i]; n is a positive multiple of 4.
TEXT ·swigluNEON(SB), NOSPLIT, $0-32
	MOVD out+0(FP), R0
	MOVD gate+8(FP), R1
	MOVD u+16(FP), R2
	MOVD n+24(FP), R3
	EXP_CONSTS
	VEOR V7.B16, V7.B16, V7.B16

swigluStep:
	VLD1.P 16(R1), [V1.S4]
	VLD1.P 16(R2), [V2.S4]
	FSUB4S(3, 7, 1)
	EXPV(3)
	FADD4S(14, 29, 14)
	FDIV4S(14, 1, 14)
	FMUL4S(14, 14, 2)
	VST1.P [V14.S4], 16(R0)
	SUBS   $4, R3, R3
	BNE    swigluStep
	RET
