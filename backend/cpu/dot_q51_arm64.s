//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// The Q5_1 kernels are the Q4_1 kernels (dot_q41_arm64.s) with 5-bit
// levels (0..31): 16 is added where an element's fifth bit (bit e of qh)
// is set: TBL spreads qh's bytes over the elements (V20, V21), CMTST with
// one bit per byte (V22) finds the set bits, AND keeps 16 (V23) there.

DATA q51spread<>+0(SB)/8, $0x0000000000000000
DATA q51spread<>+8(SB)/8, $0x0101010101010101
DATA q51spread<>+16(SB)/8, $0x0202020202020202
DATA q51spread<>+24(SB)/8, $0x0303030303030303
DATA q51spread<>+32(SB)/8, $0x8040201008040201
DATA q51spread<>+40(SB)/8, $0x8040201008040201
GLOBL q51spread<>(SB), RODATA|NOPTR, $48

// X_CONSTS loads V20-V22 and sets V23 to 16s, V24 to 0x0f.
#define X_CONSTS \
	MOVD  $q51spread<>(SB), R13              \
	VLD1  (R13), [V20.B16, V21.B16, V22.B16] \
	VMOVI $16, V23.B16                       \
	VMOVI $15, V24.B16

// X_LOAD reads one block of weights and one of activations: the weights'
// d, m to R9, R11 and levels to V0 (elements 0-15) and V1 (16-31), the
// activations' d, s to R10, R12 and quants to V2, V3. Clobbers R14,
// V6-V8.
#define X_LOAD \
	MOVHU.P 2(R6), R9                \
	MOVHU.P 2(R6), R11               \
	MOVWU.P 4(R6), R14               \
	VLD1.P  16(R6), [V0.B16]         \
	MOVHU.P 2(R7), R10               \
	MOVHU.P 2(R7), R12               \
	VLD1.P  32(R7), [V2.B16, V3.B16] \
	VMOV    R14, V6.S[0]             \
	USHR4B(1, 0)                     \
	AND16B(0, 0, 24)                 \
	TBL16B(7, 6, 20)                 \
	TBL16B(8, 6, 21)                 \
	CMTST16B(7, 7, 22)               \
	CMTST16B(8, 8, 22)               \
	AND16B(7, 7, 23)                 \
	AND16B(8, 8, 23)                 \
	ORR16B(0, 0, 7)                  \
	ORR16B(1, 1, 8)

// MIN_ACC fuses the lanes' integer sums V4 (0-3) and V5 (4-7), times
// d_w·d_x (from the halves in R9, R10), into V16 and V17, and m_w·s_x
// (halves in R11, R12) into lane 0 of V18.
#define MIN_ACC \
	FMOVS R11, F8      \
	FMOVS R12, F9      \
	FCVTSH(8, 8)       \
	FCVTSH(9, 9)       \
	FMLAE(18, 8, 9, 0) \
	FMOVS R9, F6       \
	FMOVS R10, F7      \
	FCVTSH(6, 6)       \
	FCVTSH(7, 7)       \
	FMULS F7, F6, F6   \
	SCVTF4S(4, 4)      \
	SCVTF4S(5, 5)      \
	FMLAE(16, 4, 6, 0) \
	FMLAE(17, 5, 6, 0)

// func dotRowsQ5_1SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_1SDOT(SB), NOSPLIT, $0-48
	MOVD out+0(FP), R0
	MOVD w+8(FP), R1
	MOVD stride+16(FP), R2
	MOVD x+24(FP), R3
	MOVD nb+32(FP), R4
	MOVD rows+40(FP), R5
	X_CONSTS

sdotRow:
	MOVD R1, R6
	MOVD R3, R7
	MOVD R4, R8
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16

sdotBlock:
	X_LOAD
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	DOT32_SDOT(4, 5, 0, 1, 2, 3)
	MIN_ACC
	SUBS $1, R8, R8
	BNE  sdotBlock

	HSUM8R(16, 17)
	FADDS   F18, F16, F16
	FMOVS.P F16, 4(R0)
	ADD     R2, R1, R1
	SUBS    $1, R5, R5
	BNE     sdotRow
	RET

// func dotRowsQ5_1NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_1NEON(SB), NOSPLIT, $0-48
	MOVD out+0(FP), R0
	MOVD w+8(FP), R1
	MOVD stride+16(FP), R2
	MOVD x+24(FP), R3
	MOVD nb+32(FP), R4
	MOVD rows+40(FP), R5
	X_CONSTS

neonRow:
	MOVD R1, R6
	MOVD R3, R7
	MOVD R4, R8
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16

neonBlock:
	X_LOAD
	DOT32_NEON(4, 5, 0, 1, 2, 3, 10, 11) // products |p| ≤ 31·128
	MIN_ACC
	SUBS $1, R8, R8
	BNE  neonBlock

	HSUM8R(16, 17)
	FADDS   F18, F16, F16
	FMOVS.P F16, 4(R0)
	ADD     R2, R1, R1
	SUBS    $1, R5, R5
	BNE     neonRow
	RET
