//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// Q5_K × Q8_K in the order of ggml's AVX2 kernel (see dot_q5k.go), the
// Q4_K kernels' (dot_q4k_arm64.s) with 5-bit levels and one scalar of
// minimums: per block, integer lanes L (V25 lanes 0-3, V26 lanes 4-7) add
// each 32-element group's 4-product sums times the group's 6-bit scale,
// and are fused as fma(d_x·d_w, L, acc) into V27:V28; the minimums times
// the activations' 32-element sums, summed to one integer, are fused with
// -d_x·dmin_w into lane 0 of V29. At the end: hsum8(V27:V28) + V29[0].
// Group j's fifth bits are bits 2j (low nibbles) and 2j+1 (high) of the
// 32 bytes qh (V4:V5), shifted down by 2 after each group.
//
// Registers: R0 out, R1 row, R2 stride, R3 x, R4 nb, R5 rows, R6 block,
// R7 activation block, R8 blocks left, R10/R11 quants/activations within
// the block, R14-R16 ggml's kmask1-3. V24 scales 0-3, V23 scales 4-7 (32
// bits), V22 minimums (16 bits), F7 d, F6 dmin, V31 0x0f, V30 0x10.

#define Q5K_ARGS \
	MOVD out+0(FP), R0           \
	MOVD w+8(FP), R1             \
	MOVD stride+16(FP), R2       \
	MOVD x+24(FP), R3            \
	MOVD nb+32(FP), R4           \
	MOVD rows+40(FP), R5         \
	MOVW $0x3f3f3f3f, R14        \
	MOVW $0x0f0f0f0f, R15        \
	MOVW $0x03030303, R16        \
	VMOVI $15, V31.B16           \
	VMOVI $16, V30.B16

#define Q5K_ROW \
	MOVD R1, R6                    \
	MOVD R3, R7                    \
	MOVD R4, R8                    \
	VEOR V27.B16, V27.B16, V27.B16 \
	VEOR V28.B16, V28.B16, V28.B16 \
	VEOR V29.B16, V29.B16, V29.B16

// Q5K_SCALES unpacks the block's 12 bytes of scales and minimums as
// ggml's utmp code does (get_scale_min_k4), then widens them.
#define Q5K_SCALES \
	MOVWU 4(R6), R9          \
	MOVWU 8(R6), R12         \
	MOVWU 12(R6), R13        \
	ANDW  R14, R9, R17       \
	ANDW  R14, R12, R19      \
	ANDW  R15, R13, R20      \
	LSRW  $6, R9, R21        \
	ANDW  R16, R21, R21      \
	ORRW  R21<<4, R20, R20   \
	LSRW  $4, R13, R22       \
	ANDW  R15, R22, R22      \
	LSRW  $6, R12, R21       \
	ANDW  R16, R21, R21      \
	ORRW  R21<<4, R22, R22   \
	ORR   R20<<32, R17, R17  \
	ORR   R22<<32, R19, R19  \
	VMOV  R17, V22.D[0]      \
	VMOV  R19, V22.D[1]      \
	UXTL8H(23, 22)           \
	UXTL8H2(22, 22)          \
	UXTL4S(24, 23)           \
	UXTL4S2(23, 23)

// Q5K_MINS sets F7 = d_x·d_w, F6 = -d_x·dmin_w, fuses the minimums times
// the activations' sums into lane 0 of V29 and loads qh to V4:V5.
#define Q5K_MINS \
	FMOVS (R7), F4              \
	MOVHU (R6), R9              \
	MOVHU 2(R6), R12            \
	FMOVS R9, F7                \
	FMOVS R12, F6               \
	FCVTSH(7, 7)                \
	FCVTSH(6, 6)                \
	FMULS F4, F7, F7            \
	FNEGS F4, F4                \
	FMULS F4, F6, F6            \
	ADD   $260, R7, R9          \
	VLD1  (R9), [V0.H8, V1.H8]  \
	ADDP8H(0, 0, 1)             \
	SMULL4S(2, 0, 22)           \
	SMULL4S2(3, 0, 22)          \
	ADD4S(2, 2, 3)              \
	ADDV4S(2, 2)                \
	SCVTF4S(2, 2)               \
	FMLAE(29, 2, 6, 0)          \
	ADD   $16, R6, R9           \
	VLD1  (R9), [V4.B16, V5.B16] \
	ADD   $48, R6, R10          \
	ADD   $4, R7, R11           \
	VEOR  V25.B16, V25.B16, V25.B16 \
	VEOR  V26.B16, V26.B16, V26.B16

// Q5K_LOAD loads group j's 32 bytes of nibbles and 64 activations (low
// nibbles meet V10:V11, high ones V12:V13) and makes the levels: V14:V15
// low, V16:V17 high, each nibble with its fifth bit (bit 0 of V4:V5 for
// the low ones, bit 1 for the high ones) as 16. Clobbers V0-V3; shifts
// V4:V5 down by 2 for the next group.
#define Q5K_LOAD \
	VLD1.P 32(R10), [V8.B16, V9.B16]                      \
	VLD1.P 64(R11), [V10.B16, V11.B16, V12.B16, V13.B16]  \
	AND16B(14, 8, 31)                                     \
	AND16B(15, 9, 31)                                     \
	USHR4B(16, 8)                                         \
	USHR4B(17, 9)                                         \
	SHLB(0, 4, 4)                                         \
	SHLB(1, 5, 4)                                         \
	SHLB(2, 4, 3)                                         \
	SHLB(3, 5, 3)                                         \
	AND16B(0, 0, 30)                                      \
	AND16B(1, 1, 30)                                      \
	AND16B(2, 2, 30)                                      \
	AND16B(3, 3, 30)                                      \
	ORR16B(14, 14, 0)                                     \
	ORR16B(15, 15, 1)                                     \
	ORR16B(16, 16, 2)                                     \
	ORR16B(17, 17, 3)                                     \
	USHRB(4, 4, 2)                                        \
	USHRB(5, 5, 2)

// Q5K_SCALE adds the group's sums V18:V19 (low) and V20:V21 (high) times
// scales s[i0] and s[i1] to the lanes.
#define Q5K_SCALE(s, i0, i1) \
	MLAE(25, 18, s, i0) \
	MLAE(26, 19, s, i0) \
	MLAE(25, 20, s, i1) \
	MLAE(26, 21, s, i1)

#define Q5K_GROUP_SDOT(s, i0, i1) \
	Q5K_LOAD                             \
	VEOR V18.B16, V18.B16, V18.B16       \
	VEOR V19.B16, V19.B16, V19.B16       \
	VEOR V20.B16, V20.B16, V20.B16       \
	VEOR V21.B16, V21.B16, V21.B16       \
	DOT32_SDOT(18, 19, 14, 15, 10, 11)   \
	DOT32_SDOT(20, 21, 16, 17, 12, 13)   \
	Q5K_SCALE(s, i0, i1)

#define Q5K_GROUP_NEON(s, i0, i1) \
	Q5K_LOAD                                   \
	DOT32_NEON(18, 19, 14, 15, 10, 11, 0, 1)   \
	DOT32_NEON(20, 21, 16, 17, 12, 13, 2, 3)   \
	Q5K_SCALE(s, i0, i1)

// Q5K_BLOCK_END fuses the lanes into the accumulators and steps a block.
#define Q5K_BLOCK_END \
	SCVTF4S(25, 25)     \
	SCVTF4S(26, 26)     \
	FMLAE(27, 25, 7, 0) \
	FMLAE(28, 26, 7, 0) \
	ADD  $176, R6       \
	ADD  $292, R7       \
	SUBS $1, R8, R8

#define Q5K_ROW_END \
	HSUM8R(27, 28)       \
	FADDS F29, F27, F27  \
	FMOVS.P F27, 4(R0)   \
	ADD  R2, R1, R1      \
	SUBS $1, R5, R5

// func dotRowsQ5_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_KSDOT(SB), NOSPLIT, $0-48
	Q5K_ARGS
sdotRow:
	Q5K_ROW
sdotBlock:
	Q5K_SCALES
	Q5K_MINS
	Q5K_GROUP_SDOT(24, 0, 1)
	Q5K_GROUP_SDOT(24, 2, 3)
	Q5K_GROUP_SDOT(23, 0, 1)
	Q5K_GROUP_SDOT(23, 2, 3)
	Q5K_BLOCK_END
	BNE sdotBlock
	Q5K_ROW_END
	BNE sdotRow
	RET

// func dotRowsQ5_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_KNEON(SB), NOSPLIT, $0-48
	Q5K_ARGS
neonRow:
	Q5K_ROW
neonBlock:
	Q5K_SCALES
	Q5K_MINS
	Q5K_GROUP_NEON(24, 0, 1)
	Q5K_GROUP_NEON(24, 2, 3)
	Q5K_GROUP_NEON(23, 0, 1)
	Q5K_GROUP_NEON(23, 2, 3)
	Q5K_BLOCK_END
	BNE neonBlock
	Q5K_ROW_END
	BNE neonRow
	RET
