//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "q23k_arm64.h"

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

// Q2K_BLOCK widens the scales to V20-V23, sets F30 = d_x·d_w, F31 =
// -d_x·dmin_w and fuses the minimums times the activations' 16-element
// sums into V27:V28.
#define Q2K_BLOCK \
	Q2K_SCALES(V10, 10, 11, 12, 13, 14, 15, 16) \
	ADD   $260, R7, R9                          \
	VLD1  (R9), [V0.H8, V1.H8]                  \
	SMULL4S(2, 0, 15)                           \
	SMULL4S2(3, 0, 15)                          \
	SMULL4S(10, 1, 16)                          \
	SMULL4S2(11, 1, 16)                         \
	ADDP4S(2, 2, 3)                             \
	ADDP4S(3, 10, 11)                           \
	SCVTF4S(2, 2)                               \
	SCVTF4S(3, 3)                               \
	FMOVS (R7), F4                              \
	MOVHU 80(R6), R9                            \
	MOVHU 82(R6), R10                           \
	FMOVS R9, F30                               \
	FMOVS R10, F31                              \
	FCVTSH(30, 30)                              \
	FCVTSH(31, 31)                              \
	FMULS F4, F30, F30                          \
	FNEGS F4, F4                                \
	FMULS F4, F31, F31                          \
	FMLAE(27, 2, 31, 0)                         \
	FMLAE(28, 3, 31, 0)                         \
	ZERO2(25)                                   \
	ADD   $16, R6, R10                          \
	ADD   $4, R7, R11

// func dotRowsQ2_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ2_KSDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	VMOVI $3, V24.B16
	VMOVI $15, V29.B16
	Q23_ROWS(Q2K_BLOCK, NO_HIGH, Q23_DOT_SDOT, 30, 84, sdotRow, sdotBlock)
	RET

// func dotRowsQ2_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ2_KNEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	VMOVI $3, V24.B16
	VMOVI $15, V29.B16
	Q23_ROWS(Q2K_BLOCK, NO_HIGH, Q23_DOT_NEON, 30, 84, neonRow, neonBlock)
	RET
