//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "q4k_arm64.h"

// Q4_K × Q8_K in the order of ggml's AVX2 kernel (see dot_k.go and
// q4k_arm64.h): per block, integer lanes L (V25 lanes 0-3, V26 lanes 4-7)
// add each 32-element group's 4-product sums times the group's 6-bit
// scale, and are fused as fma(d_x·d_w, L, acc) into V27:V28; the minimums
// times the activations' 32-element sums, two groups a lane, are fused
// with -d_x·dmin_w into V29. At the end: hsum8(V27:V28) + (m0+m2)+(m1+m3).

// Q4K_BLOCK starts a block: scales, minimums, lanes.
#define Q4K_BLOCK \
	K_SCALES        \
	K_MINS(MINSUM4) \
	K_LANES(16)

// Q4K_SUM sets F27 to hsum8(V27:V28) and F29 to the minimums' sum.
#define Q4K_SUM \
	HSUM8R(27, 28) \
	HSUM4R(29, 0)

// func dotRowsQ4_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_KSDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	K_MASKS
	K_ROWS(Q4K_BLOCK, K_NIBBLES, K_DOT_SDOT, 144, Q4K_SUM, sdotRow, sdotBlock)
	RET

// func dotRowsQ4_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ4_KNEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	K_MASKS
	K_ROWS(Q4K_BLOCK, K_NIBBLES, K_DOT_NEON, 144, Q4K_SUM, neonRow, neonBlock)
	RET
