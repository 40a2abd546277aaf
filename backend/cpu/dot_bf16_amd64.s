//go:build amd64 && gc && !purego

#include "textflag.h"
#include "simd_amd64.h"
#include "float_amd64.h"

// BF16 × BF16 rows in the order of ggml_vec_dot_bf16 with AVX-512 BF16 (see
// dot_bf16.go), in 256-bit registers: Y0|Y1 are the first set of 16 lanes
// and Y2|Y3 the second. Each 16 elements are split into their odd elements
// (the high halves of the dwords, masked) and even ones (shifted up), and
// fused in odd first, as vdpbf16ps orders a pair. Y15: 0xffff0000 dwords.

// BF16PAIRS fuses the 16 elements at off(SI) and off(R10) into acc.
#define BF16PAIRS(off, acc) \
	VMOVDQU     off(SI), Y4  \
	VMOVDQU     off(R10), Y5 \
	VPAND       Y15, Y4, Y6  \
	VPAND       Y15, Y5, Y7  \
	VFMADD231PS Y7, Y6, acc  \
	VPSLLD      $16, Y4, Y4  \
	VPSLLD      $16, Y5, Y5  \
	VFMADD231PS Y5, Y4, acc

// REDUCE16 adds the 16 lanes lo|hi as _mm512_reduce_add_ps into the low
// float of lo (clobbers hi).
#define REDUCE16(lo, hi, xlo, xhi) \
	VADDPS       hi, lo, lo   \
	VEXTRACTF128 $1, lo, xhi  \
	VADDPS       xhi, xlo, xlo \
	VMOVHLPS     xlo, xlo, xhi \
	VADDPS       xhi, xlo, xlo \
	VMOVSHDUP    xlo, xhi      \
	VADDSS       xhi, xlo, xlo

// func dotRowsBF16AVX2(out *float32, w *byte, stride int, x *byte, n int, rows int)
TEXT ·dotRowsBF16AVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   bfdone
	MOVL         $0xffff0000, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
bfrow:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   R12, SI
	MOVQ   x+24(FP), R10
	MOVQ   n+32(FP), BX
	SHRQ   $6, BX
	JZ     bfsets
bfchunk:
	BF16PAIRS(0, Y0)
	BF16PAIRS(32, Y1)
	BF16PAIRS(64, Y2)
	BF16PAIRS(96, Y3)
	ADDQ $128, SI
	ADDQ $128, R10
	DECQ BX
	JNZ  bfchunk
bfsets:
	REDUCE16(Y0, Y1, X0, X1)
	REDUCE16(Y2, Y3, X2, X3)
	VCVTSS2SD X0, X0, X0
	VCVTSS2SD X2, X2, X2
	VADDSD    X2, X0, X0
	MOVQ      n+32(FP), BX
	ANDQ      $63, BX
	JZ        bfrowdone
bftail:
	MOVWLZX   (SI), AX
	SHLL      $16, AX
	VMOVD     AX, X4
	MOVWLZX   (R10), AX
	SHLL      $16, AX
	VMOVD     AX, X5
	VMULSS    X5, X4, X4
	VCVTSS2SD X4, X4, X4
	VADDSD    X4, X0, X0
	ADDQ      $2, SI
	ADDQ      $2, R10
	DECQ      BX
	JNZ       bftail
bfrowdone:
	VCVTSD2SS X0, X0, X0
	VMOVSS    X0, (DI)
	ADDQ      $4, DI
	ADDQ      stride+16(FP), R12
	DECQ      CX
	JNZ       bfrow
bfdone:
	VZEROUPPER
	RET

// The four-token kernel (AVX-512): two rows and four tokens at a time, 16
// outputs' two sets of lanes side by side in Z0-Z15 (row r, token t, set h
// in Z(8r+2t+h)); each step of 64 elements splits the rows' pairs once
// (Z16-Z23: row 0's first and second 32 elements, even and odd, then row
// 1's) and each token's once (Z25-Z28). Z24: 0xffff0000 dwords.

// BF16X4_SPLIT(a, b, ao, bo): the 64 bf16 in a (first 32) and b (next 32)
// as floats: odd elements ao, bo (masked), even ones a, b (shifted up).
#define BF16X4_SPLIT(a, b, ao, bo) \
	VPANDD Z24, a, ao; \
	VPSLLD $16, a, a; \
	VPANDD Z24, b, bo; \
	VPSLLD $16, b, b

// BF16X4_TOKEN(x, a0, b0, a1, b1): a token's 64 elements at x (offset AX)
// into row 0's sets a0, b0 and row 1's a1, b1, odd then even.
#define BF16X4_TOKEN(x, a0, b0, a1, b1) \
	VMOVDQU32   (x)(AX*1), Z25; \
	VMOVDQU32   64(x)(AX*1), Z26; \
	BF16X4_SPLIT(Z25, Z26, Z27, Z28); \
	VFMADD231PS Z27, Z20, a0; \
	VFMADD231PS Z25, Z16, a0; \
	VFMADD231PS Z28, Z21, b0; \
	VFMADD231PS Z26, Z17, b0; \
	VFMADD231PS Z27, Z22, a1; \
	VFMADD231PS Z25, Z18, a1; \
	VFMADD231PS Z28, Z23, b1; \
	VFMADD231PS Z26, Z19, b1

// BF16X4_OUT(a, b, out): out = float32(float64(reduce16(a)) +
// float64(reduce16(b))). Clobbers Z1, Z2, X25, X26.
#define BF16X4_OUT(a, b, out) \
	VMOVAPS   a, Z1; \
	REDUCE16_TO(X25); \
	VMOVAPS   b, Z1; \
	REDUCE16_TO(X26); \
	VCVTSS2SD X25, X25, X25; \
	VCVTSS2SD X26, X26, X26; \
	VADDSD    X26, X25, X25; \
	VCVTSD2SS X25, X25, X25; \
	VMOVSS    X25, out

// func dotRowsBF16x4AVX512(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
// dotRowsBF16's order for four tokens (BF16 rows xstride bytes apart) and
// rows BF16 weight rows (an even number, stride bytes apart) of nb
// elements (a multiple of 64). Output row t is ostride bytes after row
// t-1.
TEXT ·dotRowsBF16x4AVX512(SB), NOSPLIT, $0-64
	X4F_ARGS(1, 1)
	MOVL         $0xffff0000, AX
	VPBROADCASTD AX, Z24

pair:
	X4F_ZERO
	LEAQ (SI)(R8*1), R10
	XORQ AX, AX

step:
	VMOVDQU32 (SI)(AX*1), Z16
	VMOVDQU32 64(SI)(AX*1), Z17
	VMOVDQU32 (R10)(AX*1), Z18
	VMOVDQU32 64(R10)(AX*1), Z19
	BF16X4_SPLIT(Z16, Z17, Z20, Z21)
	BF16X4_SPLIT(Z18, Z19, Z22, Z23)
	BF16X4_TOKEN(R9, Z0, Z1, Z8, Z9)
	BF16X4_TOKEN(R14, Z2, Z3, Z10, Z11)
	BF16X4_TOKEN(R15, Z4, Z5, Z12, Z13)
	BF16X4_TOKEN(R12, Z6, Z7, Z14, Z15)
	ADDQ $128, AX
	CMPQ AX, DX
	JB   step

	X4F_OUTS
	VMOVAPS Z1, Z29 // REDUCE16_TO works in Z1 and Z2
	VMOVAPS Z2, Z30
	BF16X4_OUT(Z0, Z29, (DI))
	BF16X4_OUT(Z30, Z3, (R10))
	BF16X4_OUT(Z4, Z5, (R11))
	BF16X4_OUT(Z6, Z7, (BX))
	BF16X4_OUT(Z8, Z9, 4(DI))
	BF16X4_OUT(Z10, Z11, 4(R10))
	BF16X4_OUT(Z12, Z13, 4(R11))
	BF16X4_OUT(Z14, Z15, 4(BX))
	LEAQ (SI)(R8*2), SI
	ADDQ $8, DI
	DECQ CX
	JNZ  pair

done:
	VZEROUPPER
	RET
