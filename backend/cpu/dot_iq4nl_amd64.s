//go:build amd64 && gc && !purego

#include "textflag.h"

// IQ4_NL × Q8_0 rows in ggml's AVX2 order (see dot_iq4nl.go): blocks in
// pairs, the first fused into Y0 and the second into Y8; per block the index
// nibbles are spread to 32 bytes (low halves, then high) and looked up in
// the level table (vpshufb), and the exact products with the activations
// (|w| × sign(x, w)) are summed four to a lane. An odd last block's integer
// lanes are summed to one integer and fused into the total after hsum8.

// iq4nlTable is ggml's kvalues_iq4nl as bytes.
DATA iq4nlTable<>+0(SB)/8, $0xf6eaddcfbfad9881
DATA iq4nlTable<>+8(SB)/8, $0x7159453526190d01
GLOBL iq4nlTable<>(SB), RODATA|NOPTR, $16

// HSUM8 adds Y0's lanes into X0 as ggml's hsum_float_8: clobbers X1.
#define HSUM8 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVHLPS     X0, X0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVSHDUP    X0, X1     \
	VADDSS       X1, X0, X0

// IQ4SIGNED puts |levels| of the block at R9 in Y3 and the activations at
// R10 signed by the levels in Y4 (Y15: 0x0f bytes, Y13: the table).
#define IQ4SIGNED \
	VMOVDQU     2(R9), X1      \
	VPSRLW      $4, X1, X2     \
	VINSERTI128 $1, X2, Y1, Y1 \
	VPAND       Y15, Y1, Y1    \
	VPSHUFB     Y1, Y13, Y1    \
	VMOVDQU     2(R10), Y4     \
	VPSIGNB     Y1, Y1, Y3     \
	VPSIGNB     Y1, Y4, Y4

// LANESVNNI and LANESAVX2 set the integer lanes Y5 of the block.
#define LANESVNNI \
	IQ4SIGNED           \
	VPXOR    Y5, Y5, Y5 \
	VPDPBUSD Y4, Y3, Y5

#define LANESAVX2 \
	IQ4SIGNED              \
	VPMADDUBSW Y4, Y3, Y5  \
	VPMADDWD   Y14, Y5, Y5

// DSCALE broadcasts d_x·d_w of the block into Y6 (clobbers Y7).
#define DSCALE \
	VPBROADCASTW (R10), X6  \
	VCVTPH2PS    X6, Y6     \
	VPBROADCASTW (R9), X7   \
	VCVTPH2PS    X7, Y7     \
	VMULPS       Y7, Y6, Y6

// ROWS runs the row and block loops with LANES for the integer lanes.
#define ROWS(LANES) \
	MOVQ  out+0(FP), DI     \
	MOVQ  w+8(FP), SI       \
	MOVQ  stride+16(FP), DX \
	MOVQ  x+24(FP), R8      \
	MOVQ  nb+32(FP), CX     \
	MOVQ  rows+40(FP), BX   \
	TESTQ BX, BX            \
	JZ    done              \
	MOVL           $0x0f0f0f0f, AX       \
	VMOVD          AX, X15               \
	VPBROADCASTD   X15, Y15              \
	MOVL           $0x00010001, AX       \
	VMOVD          AX, X14               \
	VPBROADCASTD   X14, Y14              \
	VBROADCASTI128 iq4nlTable<>(SB), Y13 \
row:                            \
	VXORPS Y0, Y0, Y0       \
	VXORPS Y8, Y8, Y8       \
	MOVQ   SI, R9           \
	MOVQ   R8, R10          \
	MOVQ   CX, R11          \
	SHRQ   $1, R11          \
	JZ     pairsdone        \
pair:                           \
	LANES                   \
	VCVTDQ2PS   Y5, Y5      \
	DSCALE                  \
	VFMADD231PS Y5, Y6, Y0  \
	ADDQ        $18, R9     \
	ADDQ        $34, R10    \
	LANES                   \
	VCVTDQ2PS   Y5, Y5      \
	DSCALE                  \
	VFMADD231PS Y5, Y6, Y8  \
	ADDQ        $18, R9     \
	ADDQ        $34, R10    \
	DECQ R11                \
	JNZ  pair               \
pairsdone:                      \
	VADDPS Y8, Y0, Y0       \
	HSUM8                   \
	TESTQ  $1, CX           \
	JZ     rowdone          \
	LANES                   \
	VEXTRACTI128 $1, Y5, X6 \
	VPADDD       X6, X5, X5 \
	VPSHUFD      $0x4e, X5, X6 \
	VPADDD       X6, X5, X5 \
	VPSHUFD      $0xb1, X5, X6 \
	VPADDD       X6, X5, X5 \
	VCVTDQ2PS    X5, X5     \
	DSCALE                  \
	VFMADD231SS  X5, X6, X0 \
rowdone:                        \
	VMOVSS X0, (DI)         \
	ADDQ   $4, DI           \
	ADDQ   DX, SI           \
	DECQ   BX               \
	JNZ    row              \
done:                           \
	VZEROUPPER              \
	RET

// func dotRowsIQ4_NLVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsIQ4_NLVNNI(SB), NOSPLIT, $0-48
	ROWS(LANESVNNI)

// func dotRowsIQ4_NLAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsIQ4_NLAVX2(SB), NOSPLIT, $0-48
	ROWS(LANESAVX2)
