//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// Q2_K × Q8_K in the order of ggml's AVX2 kernel (see dot_q2k.go): per
// block, the minimums first: lane l takes min[2l]·bsums[2l] +
// min[2l+1]·bsums[2l+1], fused with -d_x·dmin_w into V27 (lanes 0-3) and
// V28 (4-7); then integer lanes L (V25, V26) add each 32-element group's
// 4-product sums of levels (0-3) × activations times the 16-element
// sub-block's 4-bit scale (lanes 0-3 one sub-block, 4-7 the next), fused
// as fma(d_x·d_w, L, acc). hsum8 at the end.
//
// Registers: R0 out, R1 row, R2 stride, R3 x, R4 nb, R5 rows, R6 block,
// R7 activation block, R8 blocks left, R10/R11 levels/activations within
// the block; V20-V23 the 16 scales (32 bits), V4:V5 32 bytes of levels,
// V6:V7 one group's levels, V8:V9 its activations, V18:V19 its sums, F30
// d, F31 dmin, V24 3 in every byte, V29 0x0f.

#define Q2K_ARGS \
	MOVD  out+0(FP), R0     \
	MOVD  w+8(FP), R1       \
	MOVD  stride+16(FP), R2 \
	MOVD  x+24(FP), R3      \
	MOVD  nb+32(FP), R4     \
	MOVD  rows+40(FP), R5   \
	VMOVI $3, V24.B16       \
	VMOVI $15, V29.B16

#define Q2K_ROW \
	MOVD R1, R6                    \
	MOVD R3, R7                    \
	MOVD R4, R8                    \
	VEOR V27.B16, V27.B16, V27.B16 \
	VEOR V28.B16, V28.B16, V28.B16

// Q2K_BLOCK widens the scales to V20-V23, sets F30 = d_x·d_w, F31 =
// -d_x·dmin_w and fuses the minimums times the activations' 16-element
// sums into V27:V28.
#define Q2K_BLOCK \
	VLD1  (R6), [V10.B16]         \
	AND16B(11, 10, 29)            \
	USHR4B(12, 10)                \
	UXTL8H(13, 11)                \
	UXTL8H2(14, 11)               \
	UXTL4S(20, 13)                \
	UXTL4S2(21, 13)               \
	UXTL4S(22, 14)                \
	UXTL4S2(23, 14)               \
	UXTL8H(15, 12)                \
	UXTL8H2(16, 12)               \
	ADD   $260, R7, R9            \
	VLD1  (R9), [V0.H8, V1.H8]    \
	SMULL4S(2, 0, 15)             \
	SMULL4S2(3, 0, 15)            \
	SMULL4S(10, 1, 16)            \
	SMULL4S2(11, 1, 16)           \
	ADDP4S(2, 2, 3)               \
	ADDP4S(3, 10, 11)             \
	SCVTF4S(2, 2)                 \
	SCVTF4S(3, 3)                 \
	FMOVS (R7), F4                \
	MOVHU 80(R6), R9              \
	MOVHU 82(R6), R10             \
	FMOVS R9, F30                 \
	FMOVS R10, F31                \
	FCVTSH(30, 30)                \
	FCVTSH(31, 31)                \
	FMULS F4, F30, F30            \
	FNEGS F4, F4                  \
	FMULS F4, F31, F31            \
	FMLAE(27, 2, 31, 0)           \
	FMLAE(28, 3, 31, 0)           \
	VEOR  V25.B16, V25.B16, V25.B16 \
	VEOR  V26.B16, V26.B16, V26.B16 \
	ADD   $16, R6, R10            \
	ADD   $4, R7, R11

#define Q2K_QS \
	VLD1.P 32(R10), [V4.B16, V5.B16]

// Q2K_LEVELS sets V6:V7 to the 2-bit levels at bits s.. of V4:V5.
#define Q2K_LEVELS(s) \
	USHRB(6, 4, s)   \
	USHRB(7, 5, s)   \
	AND16B(6, 6, 24) \
	AND16B(7, 7, 24)
#define Q2K_LEVELS0 \
	AND16B(6, 4, 24) \
	AND16B(7, 5, 24)

#define Q2K_DOT_SDOT \
	VLD1.P 32(R11), [V8.B16, V9.B16] \
	VEOR   V18.B16, V18.B16, V18.B16 \
	VEOR   V19.B16, V19.B16, V19.B16 \
	DOT32_SDOT(18, 19, 6, 7, 8, 9)

#define Q2K_DOT_NEON \
	VLD1.P 32(R11), [V8.B16, V9.B16] \
	DOT32_NEON(18, 19, 6, 7, 8, 9, 0, 1)

// Q2K_SCALE adds the group's sums V18 (lanes 0-3) and V19 (4-7) times
// scales s[i0] and s[i1] to the lanes.
#define Q2K_SCALE(s, i0, i1) \
	MLAE(25, 18, s, i0) \
	MLAE(26, 19, s, i1)

#define Q2K_GROUPS_SDOT \
	Q2K_QS \
	Q2K_LEVELS0 \
	Q2K_DOT_SDOT \
	Q2K_SCALE(20, 0, 1) \
	Q2K_LEVELS(2) \
	Q2K_DOT_SDOT \
	Q2K_SCALE(20, 2, 3) \
	Q2K_LEVELS(4) \
	Q2K_DOT_SDOT \
	Q2K_SCALE(21, 0, 1) \
	Q2K_LEVELS(6) \
	Q2K_DOT_SDOT \
	Q2K_SCALE(21, 2, 3) \
	Q2K_QS \
	Q2K_LEVELS0 \
	Q2K_DOT_SDOT \
	Q2K_SCALE(22, 0, 1) \
	Q2K_LEVELS(2) \
	Q2K_DOT_SDOT \
	Q2K_SCALE(22, 2, 3) \
	Q2K_LEVELS(4) \
	Q2K_DOT_SDOT \
	Q2K_SCALE(23, 0, 1) \
	Q2K_LEVELS(6) \
	Q2K_DOT_SDOT \
	Q2K_SCALE(23, 2, 3)

#define Q2K_GROUPS_NEON \
	Q2K_QS \
	Q2K_LEVELS0 \
	Q2K_DOT_NEON \
	Q2K_SCALE(20, 0, 1) \
	Q2K_LEVELS(2) \
	Q2K_DOT_NEON \
	Q2K_SCALE(20, 2, 3) \
	Q2K_LEVELS(4) \
	Q2K_DOT_NEON \
	Q2K_SCALE(21, 0, 1) \
	Q2K_LEVELS(6) \
	Q2K_DOT_NEON \
	Q2K_SCALE(21, 2, 3) \
	Q2K_QS \
	Q2K_LEVELS0 \
	Q2K_DOT_NEON \
	Q2K_SCALE(22, 0, 1) \
	Q2K_LEVELS(2) \
	Q2K_DOT_NEON \
	Q2K_SCALE(22, 2, 3) \
	Q2K_LEVELS(4) \
	Q2K_DOT_NEON \
	Q2K_SCALE(23, 0, 1) \
	Q2K_LEVELS(6) \
	Q2K_DOT_NEON \
	Q2K_SCALE(23, 2, 3)

// Q2K_BLOCK_END fuses the lanes into the accumulators and steps a block.
#define Q2K_BLOCK_END \
	SCVTF4S(25, 25)     \
	SCVTF4S(26, 26)     \
	FMLAE(27, 25, 30, 0) \
	FMLAE(28, 26, 30, 0) \
	ADD  $84, R6        \
	ADD  $292, R7       \
	SUBS $1, R8, R8

#define Q2K_ROW_END \
	HSUM8R(27, 28)       \
	FMOVS.P F27, 4(R0)   \
	ADD  R2, R1, R1      \
	SUBS $1, R5, R5

// func dotRowsQ2_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ2_KSDOT(SB), NOSPLIT, $0-48
	Q2K_ARGS
sdotRow:
	Q2K_ROW
sdotBlock:
	Q2K_BLOCK
	Q2K_GROUPS_SDOT
	Q2K_BLOCK_END
	BNE sdotBlock
	Q2K_ROW_END
	BNE sdotRow
	RET

// func dotRowsQ2_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ2_KNEON(SB), NOSPLIT, $0-48
	Q2K_ARGS
neonRow:
	Q2K_ROW
neonBlock:
	Q2K_BLOCK
	Q2K_GROUPS_NEON
	Q2K_BLOCK_END
	BNE neonBlock
	Q2K_ROW_END
	BNE neonRow
	RET
