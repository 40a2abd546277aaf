//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "tq_arm64.h"

// TQ1_0 × Q8_K in the order of ggml's AVX2 kernel (see dot_tq1.go): per
// block, integer lanes L (V16 lanes 0-3, V17 lanes 4-7) add the trits
// (0-2) times the activations at positions 4l..4l+3 of each of the eight
// 32-element vectors, less the activations' 16-element sums 2l and 2l+1;
// then acc += float(L)·d (rounded, not fused) into V24:V25; hsum8 at the
// end. Trit n of a byte q is ((q·3^n mod 256)·3) >> 8: MUL by 3 (V26)
// steps the bytes from trit n to n+1, UMULL by 3 and SHRN by 8 extract.
// Registers as in tq_arm64.h.

TQ1_POW3(tq1Pow3<>)

// TQ1_BLOCK loads a block's bytes and starts its lanes.
#define TQ1_BLOCK \
	TQ1_BYTES         \
	ADD   $4, R7, R10 \
	ZERO2(16)

// func dotRowsTQ1_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ1_0SDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	TQ1_CONSTS(tq1Pow3<>)
	TQ_ROWS(TQ1_BLOCK, TQ1_VECTORS, TQ_SDOT, 52, 54, sdotRow, sdotBlock)
	RET

// func dotRowsTQ1_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ1_0NEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	TQ1_CONSTS(tq1Pow3<>)
	TQ_ROWS(TQ1_BLOCK, TQ1_VECTORS, TQ_NEON, 52, 54, neonRow, neonBlock)
	RET
