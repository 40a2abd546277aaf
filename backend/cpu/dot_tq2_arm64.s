//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "tq_arm64.h"

// TQ2_0 × Q8_K in the order of ggml's AVX2 kernel (see dot_tq2.go): per
// block, integer lanes L (V16 lanes 0-3, V17 lanes 4-7) add the stored
// levels (0-2) times the activations at positions 4l..4l+3 of each
// 32-element group, less the activations' 16-element sums 2l and 2l+1;
// then acc += float(L)·d (rounded, not fused) into V24:V25; hsum8 at the
// end.
//
// Registers as in tq_arm64.h; V0-V3 the block's 64 bytes of levels (V0:V1
// elements 0-127 of their groups, V2:V3 128-255), V31 3 in every byte.

// TQ2_LEVELS sets V4:V5 to the 2-bit levels at bits s.. of Va:Vb.
#define TQ2_LEVELS(a, b, s) \
	USHRB(4, a, s)   \
	USHRB(5, b, s)   \
	AND16B(4, 4, 31) \
	AND16B(5, 5, 31)
#define TQ2_LEVELS0(a, b) \
	AND16B(4, a, 31) \
	AND16B(5, b, 31)

// TQ2_GROUPS runs the 8 groups of a block through DOT (TQ_SDOT or
// TQ_NEON).
#define TQ2_GROUPS(DOT) \
	TQ2_LEVELS0(0, 1)   \
	DOT(0)              \
	TQ2_LEVELS(0, 1, 2) \
	DOT(0)              \
	TQ2_LEVELS(0, 1, 4) \
	DOT(0)              \
	TQ2_LEVELS(0, 1, 6) \
	DOT(0)              \
	TQ2_LEVELS0(2, 3)   \
	DOT(0)              \
	TQ2_LEVELS(2, 3, 2) \
	DOT(0)              \
	TQ2_LEVELS(2, 3, 4) \
	DOT(0)              \
	TQ2_LEVELS(2, 3, 6) \
	DOT(0)

// TQ2_BLOCK loads a block's levels and starts its lanes.
#define TQ2_BLOCK \
	VLD1  (R6), [V0.B16, V1.B16, V2.B16, V3.B16] \
	ADD   $4, R7, R10                            \
	ZERO2(16)

// func dotRowsTQ2_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0SDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	VMOVI $3, V31.B16
	TQ_ROWS(TQ2_BLOCK, TQ2_GROUPS, TQ_SDOT, 64, 66, sdotRow, sdotBlock)
	RET

// func dotRowsTQ2_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0NEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	VMOVI $3, V31.B16
	TQ_ROWS(TQ2_BLOCK, TQ2_GROUPS, TQ_NEON, 64, 66, neonRow, neonBlock)
	RET
