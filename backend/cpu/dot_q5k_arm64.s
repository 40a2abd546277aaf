//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "q4k_arm64.h"

// Q5_K × Q8_K in the order of ggml's AVX2 kernel (see dot_q5k.go), the
// Q4_K kernels' (q4k_arm64.h) with 5-bit levels and one scalar of
// minimums: per block, integer lanes L (V25 lanes 0-3, V26 lanes 4-7) add
// each 32-element group's 4-product sums times the group's 6-bit scale,
// and are fused as fma(d_x·d_w, L, acc) into V27:V28; the minimums times
// the activations' 32-element sums, summed to one integer, are fused with
// -d_x·dmin_w into lane 0 of V29. At the end: hsum8(V27:V28) + V29[0].
// Group j's fifth bits are bits 2j (low nibbles) and 2j+1 (high) of the
// 32 bytes qh (V4:V5), shifted down by 2 after each group; V30 holds 0x10.

// Q5K_BLOCK starts a block: scales, minimums, qh to V4:V5, lanes.
#define Q5K_BLOCK \
	K_SCALES                      \
	K_MINS(MINSUM5)               \
	ADD   $16, R6, R9             \
	VLD1  (R9), [V4.B16, V5.B16]  \
	K_LANES(48)

// Q5K_LOAD makes group j's levels: the nibbles (K_NIBBLES) with their
// fifth bits. Clobbers V0-V3.
#define Q5K_LOAD \
	K_NIBBLES \
	K5_HIGH(4, 5, 0, 1, 2, 3, 30, 14, 15, 16, 17)

// func dotRowsQ5_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_KSDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	K_MASKS
	VMOVI $16, V30.B16
	K_ROWS(Q5K_BLOCK, Q5K_LOAD, K_DOT_SDOT, 176, HSUM8R(27, 28), sdotRow, sdotBlock)
	RET

// func dotRowsQ5_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ5_KNEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	K_MASKS
	VMOVI $16, V30.B16
	K_ROWS(Q5K_BLOCK, Q5K_LOAD, K_DOT_NEON, 176, HSUM8R(27, 28), neonRow, neonBlock)
	RET
