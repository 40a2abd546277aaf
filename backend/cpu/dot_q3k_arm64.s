//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// Q3_K × Q8_K in the order of ggml's AVX2 kernel (see dot_q3k.go): per
// block, integer lanes L (V25 lanes 0-3, V26 lanes 4-7) add each
// 32-element group's 4-product sums of levels (−4..3) × activations times
// the 16-element sub-block's signed 6-bit scale (lanes 0-3 one sub-block,
// 4-7 the next), fused as fma(d_x·d_w, L, acc) into V27:V28; hsum8 at the
// end. A level is its 2 low bits, less 4 where its bit of hmask (bit 4h+n
// for group n of half h) is clear; hmask (V12:V13) is shifted down by 1
// after each group.
//
// Registers: R0 out, R1 row, R2 stride, R3 x, R4 nb, R5 rows, R6 block,
// R7 activation block, R8 blocks left, R10/R11 levels/activations within
// the block, R14-R15 ggml's kmask1-2; V20-V23 the 16 scales (32 bits),
// V4:V5 32 bytes of low bits, V6:V7 one group's levels, V8:V9 its
// activations, V18:V19 its sums, F29 d, V24 3, V30 32, V31 4 in every
// byte.

#define Q3K_ARGS \
	MOVD  out+0(FP), R0     \
	MOVD  w+8(FP), R1       \
	MOVD  stride+16(FP), R2 \
	MOVD  x+24(FP), R3      \
	MOVD  nb+32(FP), R4     \
	MOVD  rows+40(FP), R5   \
	MOVW  $0x03030303, R14  \
	MOVW  $0x0f0f0f0f, R15  \
	VMOVI $3, V24.B16       \
	VMOVI $32, V30.B16      \
	VMOVI $4, V31.B16

#define Q3K_ROW \
	MOVD R1, R6                    \
	MOVD R3, R7                    \
	MOVD R4, R8                    \
	VEOR V27.B16, V27.B16, V27.B16 \
	VEOR V28.B16, V28.B16, V28.B16

// Q3K_BLOCK unpacks the 16 scales as ggml's utmp code does, less 32, and
// widens them to V20-V23; sets F29 = d_x·d_w and loads hmask.
#define Q3K_BLOCK \
	MOVWU 96(R6), R9              \
	MOVWU 100(R6), R12            \
	MOVWU 104(R6), R13            \
	ANDW  R15, R9, R17            \
	ANDW  R14, R13, R21           \
	ORRW  R21<<4, R17, R17        \
	ANDW  R15, R12, R19           \
	LSRW  $2, R13, R21            \
	ANDW  R14, R21, R21           \
	ORRW  R21<<4, R19, R19        \
	LSRW  $4, R9, R20             \
	ANDW  R15, R20, R20           \
	LSRW  $4, R13, R21            \
	ANDW  R14, R21, R21           \
	ORRW  R21<<4, R20, R20        \
	LSRW  $4, R12, R22            \
	ANDW  R15, R22, R22           \
	LSRW  $6, R13, R21            \
	ANDW  R14, R21, R21           \
	ORRW  R21<<4, R22, R22        \
	ORR   R19<<32, R17, R17       \
	ORR   R22<<32, R20, R20       \
	VMOV  R17, V10.D[0]           \
	VMOV  R20, V10.D[1]           \
	SUB16B(10, 10, 30)            \
	SXTL8H(11, 10)                \
	SXTL8H2(12, 10)               \
	SXTL4S(20, 11)                \
	SXTL4S2(21, 11)               \
	SXTL4S(22, 12)                \
	SXTL4S2(23, 12)               \
	FMOVS (R7), F4                \
	MOVHU 108(R6), R9             \
	FMOVS R9, F29                 \
	FCVTSH(29, 29)                \
	FMULS F4, F29, F29            \
	VLD1  (R6), [V12.B16, V13.B16] \
	VEOR  V25.B16, V25.B16, V25.B16 \
	VEOR  V26.B16, V26.B16, V26.B16 \
	ADD   $32, R6, R10            \
	ADD   $4, R7, R11

#define Q3K_QS \
	VLD1.P 32(R10), [V4.B16, V5.B16]

// Q3K_LEVELS sets V6:V7 to the 2-bit values at bits s.. of V4:V5.
#define Q3K_LEVELS(s) \
	USHRB(6, 4, s)   \
	USHRB(7, 5, s)   \
	AND16B(6, 6, 24) \
	AND16B(7, 7, 24)
#define Q3K_LEVELS0 \
	AND16B(6, 4, 24) \
	AND16B(7, 5, 24)

// Q3K_HIGH subtracts 4 where bit 0 of hmask is clear and steps hmask.
#define Q3K_HIGH \
	SHLB(14, 12, 2)     \
	SHLB(15, 13, 2)     \
	BIC16B(14, 31, 14)  \
	BIC16B(15, 31, 15)  \
	SUB16B(6, 6, 14)    \
	SUB16B(7, 7, 15)    \
	USHRB(12, 12, 1)    \
	USHRB(13, 13, 1)

#define Q3K_DOT_SDOT \
	VLD1.P 32(R11), [V8.B16, V9.B16] \
	VEOR   V18.B16, V18.B16, V18.B16 \
	VEOR   V19.B16, V19.B16, V19.B16 \
	DOT32_SDOT(18, 19, 6, 7, 8, 9)

#define Q3K_DOT_NEON \
	VLD1.P 32(R11), [V8.B16, V9.B16] \
	DOT32_NEON(18, 19, 6, 7, 8, 9, 0, 1)

// Q3K_SCALE adds the group's sums V18 (lanes 0-3) and V19 (4-7) times
// scales s[i0] and s[i1] to the lanes.
#define Q3K_SCALE(s, i0, i1) \
	MLAE(25, 18, s, i0) \
	MLAE(26, 19, s, i1)

#define Q3K_GROUPS_SDOT \
	Q3K_QS \
	Q3K_LEVELS0 \
	Q3K_HIGH \
	Q3K_DOT_SDOT \
	Q3K_SCALE(20, 0, 1) \
	Q3K_LEVELS(2) \
	Q3K_HIGH \
	Q3K_DOT_SDOT \
	Q3K_SCALE(20, 2, 3) \
	Q3K_LEVELS(4) \
	Q3K_HIGH \
	Q3K_DOT_SDOT \
	Q3K_SCALE(21, 0, 1) \
	Q3K_LEVELS(6) \
	Q3K_HIGH \
	Q3K_DOT_SDOT \
	Q3K_SCALE(21, 2, 3) \
	Q3K_QS \
	Q3K_LEVELS0 \
	Q3K_HIGH \
	Q3K_DOT_SDOT \
	Q3K_SCALE(22, 0, 1) \
	Q3K_LEVELS(2) \
	Q3K_HIGH \
	Q3K_DOT_SDOT \
	Q3K_SCALE(22, 2, 3) \
	Q3K_LEVELS(4) \
	Q3K_HIGH \
	Q3K_DOT_SDOT \
	Q3K_SCALE(23, 0, 1) \
	Q3K_LEVELS(6) \
	Q3K_HIGH \
	Q3K_DOT_SDOT \
	Q3K_SCALE(23, 2, 3)

#define Q3K_GROUPS_NEON \
	Q3K_QS \
	Q3K_LEVELS0 \
	Q3K_HIGH \
	Q3K_DOT_NEON \
	Q3K_SCALE(20, 0, 1) \
	Q3K_LEVELS(2) \
	Q3K_HIGH \
	Q3K_DOT_NEON \
	Q3K_SCALE(20, 2, 3) \
	Q3K_LEVELS(4) \
	Q3K_HIGH \
	Q3K_DOT_NEON \
	Q3K_SCALE(21, 0, 1) \
	Q3K_LEVELS(6) \
	Q3K_HIGH \
	Q3K_DOT_NEON \
	Q3K_SCALE(21, 2, 3) \
	Q3K_QS \
	Q3K_LEVELS0 \
	Q3K_HIGH \
	Q3K_DOT_NEON \
	Q3K_SCALE(22, 0, 1) \
	Q3K_LEVELS(2) \
	Q3K_HIGH \
	Q3K_DOT_NEON \
	Q3K_SCALE(22, 2, 3) \
	Q3K_LEVELS(4) \
	Q3K_HIGH \
	Q3K_DOT_NEON \
	Q3K_SCALE(23, 0, 1) \
	Q3K_LEVELS(6) \
	Q3K_HIGH \
	Q3K_DOT_NEON \
	Q3K_SCALE(23, 2, 3)

// Q3K_BLOCK_END fuses the lanes into the accumulators and steps a block.
#define Q3K_BLOCK_END \
	SCVTF4S(25, 25)      \
	SCVTF4S(26, 26)      \
	FMLAE(27, 25, 29, 0) \
	FMLAE(28, 26, 29, 0) \
	ADD  $110, R6        \
	ADD  $292, R7        \
	SUBS $1, R8, R8

#define Q3K_ROW_END \
	HSUM8R(27, 28)       \
	FMOVS.P F27, 4(R0)   \
	ADD  R2, R1, R1      \
	SUBS $1, R5, R5

// func dotRowsQ3_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ3_KSDOT(SB), NOSPLIT, $0-48
	Q3K_ARGS
sdotRow:
	Q3K_ROW
sdotBlock:
	Q3K_BLOCK
	Q3K_GROUPS_SDOT
	Q3K_BLOCK_END
	BNE sdotBlock
	Q3K_ROW_END
	BNE sdotRow
	RET

// func dotRowsQ3_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ3_KNEON(SB), NOSPLIT, $0-48
	Q3K_ARGS
neonRow:
	Q3K_ROW
neonBlock:
	Q3K_BLOCK
	Q3K_GROUPS_NEON
	Q3K_BLOCK_END
	BNE neonBlock
	Q3K_ROW_END
	BNE neonRow
	RET
