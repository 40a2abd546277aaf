//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// TQ2_0 × Q8_K in the order of ggml's AVX2 kernel (see dot_tq2.go): per
// block, integer lanes L (V16 lanes 0-3, V17 lanes 4-7) add the stored
// levels (0-2) times the activations at positions 4l..4l+3 of each
// 32-element group, less the activations' 16-element sums 2l and 2l+1;
// then acc += float(L)·d (rounded, not fused) into V24:V25; hsum8 at the
// end.
//
// Registers: R0 out, R1 row, R2 stride, R3 x, R4 nb, R5 rows, R6 block,
// R7 activation block, R8 blocks left, R10 activations within the block;
// V0-V3 the block's 64 bytes of levels (V0:V1 elements 0-127 of their
// groups, V2:V3 128-255), V4:V5 one group's levels, V6:V7 its activations,
// F30 d, V31 3 in every byte.

// TQ2_LEVELS sets V4:V5 to the 2-bit levels at bits s.. of Va:Vb.
#define TQ2_LEVELS(a, b, s) \
	USHRB(4, a, s)    \
	USHRB(5, b, s)    \
	AND16B(4, 4, 31)  \
	AND16B(5, 5, 31)
#define TQ2_LEVELS0(a, b) \
	AND16B(4, a, 31)  \
	AND16B(5, b, 31)

#define TQ2_X \
	VLD1.P 32(R10), [V6.B16, V7.B16]

#define TQ2_SDOT \
	TQ2_X                        \
	DOT32_SDOT(16, 17, 4, 5, 6, 7)

#define TQ2_NEON \
	TQ2_X                                   \
	DOT32_NEON(18, 19, 4, 5, 6, 7, 20, 21)  \
	ADD4S(16, 16, 18)                       \
	ADD4S(17, 17, 19)

// TQ2_GROUPS runs the 8 groups of a block through dot (TQ2_SDOT or
// TQ2_NEON).
#define TQ2_GROUPS(dot) \
	TQ2_LEVELS0(0, 1) \
	dot               \
	TQ2_LEVELS(0, 1, 2) \
	dot               \
	TQ2_LEVELS(0, 1, 4) \
	dot               \
	TQ2_LEVELS(0, 1, 6) \
	dot               \
	TQ2_LEVELS0(2, 3) \
	dot               \
	TQ2_LEVELS(2, 3, 2) \
	dot               \
	TQ2_LEVELS(2, 3, 4) \
	dot               \
	TQ2_LEVELS(2, 3, 6) \
	dot

#define TQ2_ARGS \
	MOVD out+0(FP), R0     \
	MOVD w+8(FP), R1       \
	MOVD stride+16(FP), R2 \
	MOVD x+24(FP), R3      \
	MOVD nb+32(FP), R4     \
	MOVD rows+40(FP), R5   \
	VMOVI $3, V31.B16

#define TQ2_ROW \
	MOVD R1, R6                    \
	MOVD R3, R7                    \
	MOVD R4, R8                    \
	VEOR V24.B16, V24.B16, V24.B16 \
	VEOR V25.B16, V25.B16, V25.B16

#define TQ2_BLOCK \
	VLD1  (R6), [V0.B16, V1.B16, V2.B16, V3.B16] \
	ADD   $4, R7, R10                            \
	VEOR  V16.B16, V16.B16, V16.B16              \
	VEOR  V17.B16, V17.B16, V17.B16

// TQ2_BLOCK_END subtracts the activations' sums, scales by d and adds.
#define TQ2_BLOCK_END \
	VLD1  (R10), [V0.H8, V1.H8] \
	SADDLP(0, 0)                \
	SADDLP(1, 1)                \
	SUB4S(16, 16, 0)            \
	SUB4S(17, 17, 1)            \
	SCVTF4S(16, 16)             \
	SCVTF4S(17, 17)             \
	FMOVS (R7), F29             \
	MOVHU 64(R6), R9            \
	FMOVS R9, F30               \
	FCVTSH(30, 30)              \
	FMULS F29, F30, F30         \
	FMULE(16, 16, 30, 0)        \
	FMULE(17, 17, 30, 0)        \
	FADD4S(24, 24, 16)          \
	FADD4S(25, 25, 17)          \
	ADD   $66, R6               \
	ADD   $292, R7              \
	SUBS  $1, R8, R8

#define TQ2_ROW_END \
	HSUM8R(24, 25)     \
	FMOVS.P F24, 4(R0) \
	ADD  R2, R1, R1    \
	SUBS $1, R5, R5

// func dotRowsTQ2_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0SDOT(SB), NOSPLIT, $0-48
	TQ2_ARGS
sdotRow:
	TQ2_ROW
sdotBlock:
	TQ2_BLOCK
	TQ2_GROUPS(TQ2_SDOT)
	TQ2_BLOCK_END
	BNE sdotBlock
	TQ2_ROW_END
	BNE sdotRow
	RET

// func dotRowsTQ2_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0NEON(SB), NOSPLIT, $0-48
	TQ2_ARGS
neonRow:
	TQ2_ROW
neonBlock:
	TQ2_BLOCK
	TQ2_GROUPS(TQ2_NEON)
	TQ2_BLOCK_END
	BNE neonBlock
	TQ2_ROW_END
	BNE neonRow
	RET
