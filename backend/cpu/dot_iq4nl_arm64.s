//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "lanes_arm64.h"
#include "iq4nl_arm64.h"

// The IQ4_NL kernels (iq4nl_arm64.h) keep ggml's x86 order
// (dot_iq4nl.go): per block, lane l (0-7) is the integer sum of elements
// 4l..4l+3 of the levels times the activations; the blocks of each pair go
// to two sets of float lanes (V16:V17 and V18:V19, lanes 0-3 and 4-7),
// fused with d_x·d_w. The sets are added lane by lane, then hsum8; an odd
// last block's whole integer sum is fused into that total.

IQ4_NL_TABLE(iq4nlLevels<>)

// IQ4_NL_NEON sets the lane sums V4:V5 without SDOT: products
// |p| ≤ 127·128.
#define IQ4_NL_NEON DOT32_NEON(4, 5, 0, 1, 2, 3, 10, 11)

// func dotRowsIQ4_NLSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsIQ4_NLSDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	IQ4_NL_ROWS(LANES_SDOT, sdotRow, sdotPair, sdotSum, sdotStore)
	RET

// func dotRowsIQ4_NLNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsIQ4_NLNEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	IQ4_NL_ROWS(IQ4_NL_NEON, neonRow, neonPair, neonSum, neonStore)
	RET
