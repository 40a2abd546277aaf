//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"
#include "lanes_amd64.h"

// Repacked IQ4_NL in groups of 16 rows (see iq4nlwide.go), 512-bit
// vectors: one lane a row. A block is 288 bytes: d at 0, four chunks of
// nibbles from 32. A Q8_0 block is 34 bytes, its quants from byte 2; the
// records hold −128·Σx over each of a block's 8 lanes. Blocks go in
// pairs, the first's lanes into Z0-Z7, the second's into Z16-Z23; an odd
// last block's whole sum into Z28, its d·d_x into Z29.

// iq4nlUnsigned is ggml's kvalues_iq4nl plus 128.
DATA iq4nlUnsigned<>+0(SB)/8, $0x766a5d4f3f2d1801
DATA iq4nlUnsigned<>+8(SB)/8, $0xf1d9c5b5a6998d81
GLOBL iq4nlUnsigned<>(SB), RODATA|NOPTR, $16

// IQ_CONSTS: Z15 = 0x0f bytes, Z30 = the levels plus 128 in each 128-bit
// lane. Clobbers AX.
#define IQ_CONSTS \
	MOVL            $0x0f0f0f0f, AX; \
	VPBROADCASTD    AX, Z15; \
	VBROADCASTI32X4 iq4nlUnsigned<>(SB), Z30

// IQ_LEVELS(chunk): the chunk's levels plus 128, the low nibbles' in Z24,
// the high ones' in Z25.
#define IQ_LEVELS(chunk) \
	L4_LEVELS(chunk); \
	VPSHUFB Z24, Z30, Z24; \
	VPSHUFB Z25, Z30, Z25

// IQ_RUN(m, x, b, dx, A0, …, A7): the block at m into the lanes A0-A7
// (activations at x, records at b, d_x at dx). Clobbers Z9, Z24-Z27.
#define IQ_RUN(m, x, b, dx, A0, A1, A2, A3, A4, A5, A6, A7) \
	VCVTPH2PS   m, Z9; \
	VMULPS.BCST dx, Z9, Z9; \
	IQ_LEVELS(32 m); \
	L32_DOT(L32_BIAS, b, 16 b, 2 x, 18 x, Z9, A0, A4, Z26, Z27); \
	IQ_LEVELS(96 m); \
	L32_DOT(L32_BIAS, 4 b, 20 b, 6 x, 22 x, Z9, A1, A5, Z26, Z27); \
	IQ_LEVELS(160 m); \
	L32_DOT(L32_BIAS, 8 b, 24 b, 10 x, 26 x, Z9, A2, A6, Z26, Z27); \
	IQ_LEVELS(224 m); \
	L32_DOT(L32_BIAS, 12 b, 28 b, 14 x, 30 x, Z9, A3, A7, Z26, Z27)

// IQ_ODD(m, x, b, dx): an odd last block's whole sum into Z28 (its lanes
// added, exactly) and its d·d_x into Z29; K3 set.
#define IQ_ODD(m, x, b, dx) \
	KXNORW        K3, K3, K3; \
	VCVTPH2PS     m, Z29; \
	VMULPS.BCST   dx, Z29, Z29; \
	VPXORD        Z28, Z28, Z28; \
	IQ_ODDCHUNK(m, x, b, 0); \
	IQ_ODDCHUNK(m, x, b, 1); \
	IQ_ODDCHUNK(m, x, b, 2); \
	IQ_ODDCHUNK(m, x, b, 3)
#define IQ_ODDCHUNK(m, x, b, c) \
	IQ_LEVELS(32+64*c m); \
	VPADDD.BCST   4*c b, Z28, Z28; \
	VPADDD.BCST   16+4*c b, Z28, Z28; \
	VPDPBUSD.BCST 2+4*c x, Z24, Z28; \
	VPDPBUSD.BCST 18+4*c x, Z25, Z28

// IQ_END: the sets added lane by lane, hsum8, an odd last block's sum
// fused in (where IQ_ODD set K3), stored at DI.
#define IQ_END \
	VADDPS      Z16, Z0, Z0; \
	VADDPS      Z17, Z1, Z1; \
	VADDPS      Z18, Z2, Z2; \
	VADDPS      Z19, Z3, Z3; \
	VADDPS      Z20, Z4, Z4; \
	VADDPS      Z21, Z5, Z5; \
	VADDPS      Z22, Z6, Z6; \
	VADDPS      Z23, Z7, Z7; \
	L8_HSUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	KORTESTW    K3, K3; \
	JZ          even; \
	VCVTDQ2PS   Z28, Z28; \
	VFMADD231PS Z29, Z28, Z0; \
even: \
	VMOVUPS     Z0, (DI)

#define IQ_GROUP \
	KXORW K3, K3, K3; \
	L8_ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	L8_ZERO(Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)

// The one-run kernel's steps (WIDE_GROUPS): weights at AX (offset SI),
// activations R9, records R10, d_x R11.
#define IQ_NEXT1 \
	ADDQ $288, SI; \
	ADDQ $34, R9; \
	ADDQ $32, R10; \
	ADDQ $4, R11
#define IQ_PAIR1 \
	IQ_RUN((AX)(SI*1), (R9), (R10), (R11), Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	IQ_NEXT1; \
	IQ_RUN((AX)(SI*1), (R9), (R10), (R11), Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23); \
	IQ_NEXT1
#define IQ_LAST1 \
	IQ_ODD((AX)(SI*1), (R9), (R10), (R11)); \
	IQ_NEXT1

// func dotWideIQ4_NLVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotWideIQ4_NLVNNI(SB), NOSPLIT, $0-56
	WIDE_GROUPS(IQ_CONSTS, IQ_GROUP, IQ_PAIR1, IQ_LAST1, IQ_END)

// The four-token kernel's steps (L32_X4, a token a pass): the block at
// SI, the token's activations R9, records R11, d_x R12.
#define IQ_NEXT4 \
	ADDQ $288, SI; \
	ADDQ $34, R9; \
	ADDQ $32, R11; \
	ADDQ $4, R12
#define IQ_PAIR4 \
	IQ_RUN((SI), (R9), (R11), (R12), Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	IQ_NEXT4; \
	IQ_RUN((SI), (R9), (R11), (R12), Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23); \
	IQ_NEXT4
#define IQ_LAST4 \
	IQ_ODD((SI), (R9), (R11), (R12)); \
	IQ_NEXT4

// func dotWideIQ4_NLx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens (prefill), one at a time over the groups, as
// dotWideQ4_Kx4VNNI takes them (bias: the tokens' 8 records a block):
// each token's outputs as the one-token kernel computes them.
TEXT ·dotWideIQ4_NLx4VNNI(SB), NOSPLIT, $0-80
	L32_X4(IQ_CONSTS, IQ_GROUP, IQ_PAIR4, IQ_LAST4, IQ_END, 4, 1)
