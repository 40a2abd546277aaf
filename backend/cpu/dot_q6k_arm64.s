//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// Q6_K × Q8_K in the order of ggml's AVX2 kernel (see dot_k.go): per
// block, integer lanes L (V25 lanes 0-3, V26 lanes 4-7) add each
// 32-element group's 4-product sums of (level-32)·x times the scale of
// the group's half (lanes 0-3 the first 16 elements, 4-7 the second), and
// are fused as fma(d_x·d_w, L, acc) into V27:V28; hsum8 at the end.
//
// Registers: R0 out, R1 row, R2 stride, R3 x, R4 nb, R5 rows, R6 block,
// R7 activation block, R8 blocks left, R10 low nibbles, R11 high bits,
// R12 activations within the block. V0-V3 a half's 64 bytes of low
// nibbles, V4:V5 its 32 bytes of high bit pairs, V6:V7 a group's
// activations, V8:V9 its levels minus 32, V18-V21 the 16 scales (32
// bits), F30 d, V12 0x0f, V13 0x30, V14 32.

#define Q6K_ARGS \
	MOVD out+0(FP), R0     \
	MOVD w+8(FP), R1       \
	MOVD stride+16(FP), R2 \
	MOVD x+24(FP), R3      \
	MOVD nb+32(FP), R4     \
	MOVD rows+40(FP), R5   \
	VMOVI $15, V12.B16     \
	VMOVI $48, V13.B16     \
	VMOVI $32, V14.B16

#define Q6K_ROW \
	MOVD R1, R6                    \
	MOVD R3, R7                    \
	MOVD R4, R8                    \
	VEOR V27.B16, V27.B16, V27.B16 \
	VEOR V28.B16, V28.B16, V28.B16

// Q6K_BLOCK sets F30 = d_x·d_w and V18-V21 to the scales, points R10-R12
// into the block and clears the lanes.
#define Q6K_BLOCK \
	FMOVS (R7), F4                  \
	MOVHU 208(R6), R9               \
	FMOVS R9, F30                   \
	FCVTSH(30, 30)                  \
	FMULS F4, F30, F30              \
	ADD   $192, R6, R9              \
	VLD1  (R9), [V15.B16]           \
	SXTL8H(16, 15)                  \
	SXTL8H2(17, 15)                 \
	SXTL4S(18, 16)                  \
	SXTL4S2(19, 16)                 \
	SXTL4S(20, 17)                  \
	SXTL4S2(21, 17)                 \
	MOVD  R6, R10                   \
	ADD   $128, R6, R11             \
	ADD   $4, R7, R12               \
	VEOR  V25.B16, V25.B16, V25.B16 \
	VEOR  V26.B16, V26.B16, V26.B16

// Q6K_HALF loads a half's low nibbles and high bit pairs.
#define Q6K_HALF \
	VLD1.P 64(R10), [V0.B16, V1.B16, V2.B16, V3.B16] \
	VLD1.P 32(R11), [V4.B16, V5.B16]

// Q6K_LEVELS sets V8:V9 to group n's levels minus 32 from its nibbles
// V8:V9 and its high bit pairs, already at bits 4-5, V10:V11; and loads
// the group's activations.
#define Q6K_LEVELS \
	AND16B(10, 10, 13)                \
	AND16B(11, 11, 13)                \
	ORR16B(8, 8, 10)                  \
	ORR16B(9, 9, 11)                  \
	SUB16B(8, 8, 14)                  \
	SUB16B(9, 9, 14)                  \
	VLD1.P 32(R12), [V6.B16, V7.B16]

// Group n of the half: low nibbles of V0:V1 (n = 0) or V2:V3 (n = 1), high
// nibbles of V0:V1 (n = 2) or V2:V3 (n = 3); bits 2n, 2n+1 of V4:V5.
#define Q6K_GROUP0 \
	AND16B(8, 0, 12)  \
	AND16B(9, 1, 12)  \
	SHLB(10, 4, 4)    \
	SHLB(11, 5, 4)    \
	Q6K_LEVELS
#define Q6K_GROUP1 \
	AND16B(8, 2, 12)  \
	AND16B(9, 3, 12)  \
	SHLB(10, 4, 2)    \
	SHLB(11, 5, 2)    \
	Q6K_LEVELS
#define Q6K_GROUP2 \
	USHR4B(8, 0)              \
	USHR4B(9, 1)              \
	VORR V4.B16, V4.B16, V10.B16 \
	VORR V5.B16, V5.B16, V11.B16 \
	Q6K_LEVELS
#define Q6K_GROUP3 \
	USHR4B(8, 2)      \
	USHR4B(9, 3)      \
	USHRB(10, 4, 2)   \
	USHRB(11, 5, 2)   \
	Q6K_LEVELS

// Q6K_SDOT and Q6K_NEON add the group's sums times scales s[i] (lanes
// 0-3) and s[i+1] (lanes 4-7) to the lanes.
#define Q6K_SDOT(s, i) \
	VEOR V22.B16, V22.B16, V22.B16   \
	VEOR V23.B16, V23.B16, V23.B16   \
	DOT32_SDOT(22, 23, 8, 9, 6, 7)   \
	MLAE(25, 22, s, i)               \
	MLAE(26, 23, s, i+1)
#define Q6K_NEON(s, i) \
	DOT32_NEON(22, 23, 8, 9, 6, 7, 24, 29) \
	MLAE(25, 22, s, i)                     \
	MLAE(26, 23, s, i+1)

#define Q6K_BLOCK_END \
	SCVTF4S(25, 25)     \
	SCVTF4S(26, 26)     \
	FMLAE(27, 25, 30, 0) \
	FMLAE(28, 26, 30, 0) \
	ADD  $210, R6       \
	ADD  $292, R7       \
	SUBS $1, R8, R8

#define Q6K_ROW_END \
	HSUM8R(27, 28)      \
	FMOVS.P F27, 4(R0)  \
	ADD  R2, R1, R1     \
	SUBS $1, R5, R5

// func dotRowsQ6_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ6_KSDOT(SB), NOSPLIT, $0-48
	Q6K_ARGS
sdotRow:
	Q6K_ROW
sdotBlock:
	Q6K_BLOCK
	Q6K_HALF
	Q6K_GROUP0
	Q6K_SDOT(18, 0)
	Q6K_GROUP1
	Q6K_SDOT(18, 2)
	Q6K_GROUP2
	Q6K_SDOT(19, 0)
	Q6K_GROUP3
	Q6K_SDOT(19, 2)
	Q6K_HALF
	Q6K_GROUP0
	Q6K_SDOT(20, 0)
	Q6K_GROUP1
	Q6K_SDOT(20, 2)
	Q6K_GROUP2
	Q6K_SDOT(21, 0)
	Q6K_GROUP3
	Q6K_SDOT(21, 2)
	Q6K_BLOCK_END
	BNE sdotBlock
	Q6K_ROW_END
	BNE sdotRow
	RET

// func dotRowsQ6_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ6_KNEON(SB), NOSPLIT, $0-48
	Q6K_ARGS
neonRow:
	Q6K_ROW
neonBlock:
	Q6K_BLOCK
	Q6K_HALF
	Q6K_GROUP0
	Q6K_NEON(18, 0)
	Q6K_GROUP1
	Q6K_NEON(18, 2)
	Q6K_GROUP2
	Q6K_NEON(19, 0)
	Q6K_GROUP3
	Q6K_NEON(19, 2)
	Q6K_HALF
	Q6K_GROUP0
	Q6K_NEON(20, 0)
	Q6K_GROUP1
	Q6K_NEON(20, 2)
	Q6K_GROUP2
	Q6K_NEON(21, 0)
	Q6K_GROUP3
	Q6K_NEON(21, 2)
	Q6K_BLOCK_END
	BNE neonBlock
	Q6K_ROW_END
	BNE neonRow
	RET
