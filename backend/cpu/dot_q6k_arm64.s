//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "q6k_arm64.h"

// Q6_K × Q8_K in the order of ggml's AVX2 kernel (see dot_k.go): per
// block, integer lanes L (V25 lanes 0-3, V26 lanes 4-7) add each
// 32-element group's 4-product sums of (level-32)·x times the scale of
// the group's half (lanes 0-3 the first 16 elements, 4-7 the second), and
// are fused as fma(d_x·d_w, L, acc) into V27:V28; hsum8 at the end.
//
// Registers as in q6k_arm64.h; R0 out, R1 row, R2 stride, R3 x, R4 nb, R5
// rows, R6 block, R7 activation block, R8 blocks left, R10 low nibbles,
// R11 high bits, R12 activations within the block; F30 d_x·d_w.

// Q6K_BLOCK sets F30 = d_x·d_w and V18-V21 to the scales, points R10-R12
// into the block and clears the lanes.
#define Q6K_BLOCK \
	FMOVS (R7), F4      \
	MOVHU 208(R6), R9   \
	FMOVS R9, F30       \
	FCVTSH(30, 30)      \
	FMULS F4, F30, F30  \
	Q6K_SCALES          \
	MOVD  R6, R10       \
	ADD   $128, R6, R11 \
	ADD   $4, R7, R12   \
	ZERO2(25)

// Q6K_GROUP makes group n's levels (NIB, Q6K_NIBn), loads its
// activations and adds the sums (DOT) times scales s[i] (lanes 0-3) and
// s[i+1] (lanes 4-7) to the lanes.
#define Q6K_GROUP(NIB, DOT, s, i) \
	NIB                              \
	Q6K_LEVELS                       \
	VLD1.P 32(R12), [V6.B16, V7.B16] \
	DOT(s, i)

// Q6K_SDOT and Q6K_NEON add the group's sums times scales s[i] (lanes
// 0-3) and s[i+1] (lanes 4-7) to the lanes.
#define Q6K_SDOT(s, i) \
	ZERO2(22)                      \
	DOT32_SDOT(22, 23, 8, 9, 6, 7) \
	MLAE(25, 22, s, i)             \
	MLAE(26, 23, s, i+1)
#define Q6K_NEON(s, i) \
	DOT32_NEON(22, 23, 8, 9, 6, 7, 24, 29) \
	MLAE(25, 22, s, i)                     \
	MLAE(26, 23, s, i+1)

// Q6K_ROWS is a whole one-token kernel after its arguments: DOT adds a
// group's sums to the lanes; row and block name the loops' labels.
#define Q6K_ROWS(DOT, row, block) \
	Q6K_CONSTS                      \
row:                                    \
	K1_ROW                          \
block:                                  \
	Q6K_BLOCK                       \
	Q6K_HALF(R11)                   \
	Q6K_GROUP(Q6K_NIB0, DOT, 18, 0) \
	Q6K_GROUP(Q6K_NIB1, DOT, 18, 2) \
	Q6K_GROUP(Q6K_NIB2, DOT, 19, 0) \
	Q6K_GROUP(Q6K_NIB3, DOT, 19, 2) \
	Q6K_HALF(R11)                   \
	Q6K_GROUP(Q6K_NIB0, DOT, 20, 0) \
	Q6K_GROUP(Q6K_NIB1, DOT, 20, 2) \
	Q6K_GROUP(Q6K_NIB2, DOT, 21, 0) \
	Q6K_GROUP(Q6K_NIB3, DOT, 21, 2) \
	K1_FUSE(30, 210, block)         \
	HSUM8R(27, 28)                  \
	K1_NEXT(row)

// func dotRowsQ6_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ6_KSDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	Q6K_ROWS(Q6K_SDOT, sdotRow, sdotBlock)
	RET

// func dotRowsQ6_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ6_KNEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	Q6K_ROWS(Q6K_NEON, neonRow, neonBlock)
	RET
