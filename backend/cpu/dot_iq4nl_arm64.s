//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// The IQ4_NL kernels keep ggml's x86 order (dot_iq4nl.go): per block, lane
// l (0-7) is the integer sum of elements 4l..4l+3 of the levels times the
// activations; the blocks of each pair go to two sets of float lanes
// (V16:V17 and V18:V19, lanes 0-3 and 4-7), fused with d_x·d_w. The sets
// are added lane by lane, then hsum8; an odd last block's whole integer
// sum is fused into that total. TBL looks the nibbles up in the table of
// levels (V25).

DATA iq4nlLevels<>+0(SB)/8, $0xf6eaddcfbfad9881
DATA iq4nlLevels<>+8(SB)/8, $0x7159453526190d01
GLOBL iq4nlLevels<>(SB), RODATA|NOPTR, $16

// IQ4_NL_CONSTS loads V25 and sets V24 to 0x0f.
#define IQ4_NL_CONSTS \
	MOVD  $iq4nlLevels<>(SB), R12 \
	VLD1  (R12), [V25.B16]        \
	VMOVI $15, V24.B16

// IQ4_NL_LOAD reads one block of weights and one of activations: the
// weights' d to R9 and levels to V0 (elements 0-15) and V1 (16-31), the
// activations' d to R10 and quants to V2, V3.
#define IQ4_NL_LOAD \
	MOVHU.P 2(R6), R9                \
	VLD1.P  16(R6), [V0.B16]         \
	MOVHU.P 2(R7), R10               \
	VLD1.P  32(R7), [V2.B16, V3.B16] \
	USHR4B(1, 0)                     \
	AND16B(0, 0, 24)                 \
	TBL16B(0, 25, 0)                 \
	TBL16B(1, 25, 1)

// IQ4_NL_SCALE sets F6 to d_x·d_w from the halves in R10 and R9.
#define IQ4_NL_SCALE \
	FMOVS R9, F6     \
	FMOVS R10, F7    \
	FCVTSH(6, 6)     \
	FCVTSH(7, 7)     \
	FMULS F6, F7, F6

// IQ4_NL_ACC fuses the lane sums V4 (0-3) and V5 (4-7), times F6, into
// Va and Vb.
#define IQ4_NL_ACC(a, b) \
	SCVTF4S(4, 4)     \
	SCVTF4S(5, 5)     \
	FMLAE(a, 4, 6, 0) \
	FMLAE(b, 5, 6, 0)

// XDOT sets V4, V5 to the lane sums of V0:V1 and V2:V3.
#define XDOT \
	VEOR V4.B16, V4.B16, V4.B16 \
	VEOR V5.B16, V5.B16, V5.B16 \
	DOT32_SDOT(4, 5, 0, 1, 2, 3)

// func dotRowsIQ4_NLSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsIQ4_NLSDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	IQ4_NL_CONSTS

sdotRow:
	MOVD R1, R6
	MOVD R3, R7
	LSR  $1, R4, R8
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	CBZ  R8, sdotSum

sdotPair:
	IQ4_NL_LOAD
	XDOT
	IQ4_NL_SCALE
	IQ4_NL_ACC(16, 17)
	IQ4_NL_LOAD
	XDOT
	IQ4_NL_SCALE
	IQ4_NL_ACC(18, 19)
	SUBS $1, R8, R8
	BNE  sdotPair

sdotSum:
	FADD4S(16, 16, 18)
	FADD4S(17, 17, 19)
	HSUM8R(16, 17)
	TBZ  $0, R4, sdotStore
	IQ4_NL_LOAD
	XDOT
	IQ4_NL_SCALE
	ADD4S(4, 4, 5)
	ADDV4S(4, 4)
	SCVTF4S(4, 4)
	FMLAE(16, 4, 6, 0)

sdotStore:
	FMOVS.P F16, 4(R0)
	ADD     R2, R1, R1
	SUBS    $1, R5, R5
	BNE     sdotRow
	RET

#undef XDOT
#define XDOT DOT32_NEON(4, 5, 0, 1, 2, 3, 10, 11) // products |p| ≤ 127·128

// func dotRowsIQ4_NLNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsIQ4_NLNEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	IQ4_NL_CONSTS

neonRow:
	MOVD R1, R6
	MOVD R3, R7
	LSR  $1, R4, R8
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	CBZ  R8, neonSum

neonPair:
	IQ4_NL_LOAD
	XDOT
	IQ4_NL_SCALE
	IQ4_NL_ACC(16, 17)
	IQ4_NL_LOAD
	XDOT
	IQ4_NL_SCALE
	IQ4_NL_ACC(18, 19)
	SUBS $1, R8, R8
	BNE  neonPair

neonSum:
	FADD4S(16, 16, 18)
	FADD4S(17, 17, 19)
	HSUM8R(16, 17)
	TBZ  $0, R4, neonStore
	IQ4_NL_LOAD
	XDOT
	IQ4_NL_SCALE
	ADD4S(4, 4, 5)
	ADDV4S(4, 4)
	SCVTF4S(4, 4)
	FMLAE(16, 4, 6, 0)

neonStore:
	FMOVS.P F16, 4(R0)
	ADD     R2, R1, R1
	SUBS    $1, R5, R5
	BNE     neonRow
	RET
