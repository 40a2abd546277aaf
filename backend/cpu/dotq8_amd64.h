// Instruction sequences shared by the amd64 kernels against Q8_0 and Q8_1
// activations (dot_q41, dot_q50, dot_q51, dot_iq4nl): each macro is the
// same instructions the kernels had written out. Registers as those
// kernels use them: R9 the weight block, R10 the activations' block; the
// four-token kernels keep token t's block at (R10)(R14*t) (R15 = 3·R14),
// its float lanes in Y16+t and its integer lanes in Y24+t.

#include "simd_amd64.h"

// Q81X4_TOKEN(tok, acc, facc, macc): one token of a four-token Q4_1/Q5_1
// kernel, the one-token VNNI kernel's instructions for the Q8_1 block at
// tok: acc = the levels (Y1) · its quants (vpdpbusd), facc += float(acc)
// · d_w·d_x (Y6: d_w), macc += m_w·s_x (X8: m_w). Clobbers acc, Y7.
#define Q81X4_TOKEN(tok, acc, facc, macc) \
	VPXORD       acc, acc, acc; \
	VPDPBUSD     4 tok, Y1, acc; \
	VCVTDQ2PS    acc, acc; \
	VPBROADCASTW tok, X7; \
	VCVTPH2PS    X7, Y7; \
	VMULPS       Y7, Y6, Y7; \
	VFMADD231PS  acc, Y7, facc; \
	VPBROADCASTW 2 tok, X7; \
	VCVTPH2PS    X7, X7; \
	VFMADD231SS  X7, X8, macc

// Q80X4_LANES(tok, acc): acc = the exact products of the levels with the
// token's Q8_0 quants at 2 tok, summed four to a lane as |w| (Y3) ×
// sign(x, w) (Y1: the signed levels). Clobbers Y4.
#define Q80X4_LANES(tok, acc) \
	VMOVDQU  2 tok, Y4; \
	VPSIGNB  Y1, Y4, Y4; \
	VPXORD   acc, acc, acc; \
	VPDPBUSD Y4, Y3, acc
