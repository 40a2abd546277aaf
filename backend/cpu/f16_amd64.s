//go:build amd64 && gc && !purego

#include "textflag.h"
#include "simd_amd64.h"
#include "float_amd64.h"

// F16 weights against float32 activations (f16rows.go), the halves widened
// as they are read (vcvtph2ps, exact), in ggml's orders; and the four-token
// kernel of float32 weights, the same as F16's but for the loads.

// func dotRowsF16AVX512(out *float32, w *byte, stride int, x *float32, n int, rows int)
// out[r] = ggml_vec_dot_f16's vector part (vecDotF16) of the F16 row r
// (stride bytes apart) and x over their first n elements (a multiple of
// 64, not 0), the halves widened as they are read.
TEXT ·dotRowsF16AVX512(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ stride+16(FP), R8
	MOVQ x+24(FP), R9
	MOVQ n+32(FP), DX
	MOVQ rows+40(FP), CX

row:
	ZERO_Z1_Z4
	XORQ    AX, AX
	DOT64(DOT64_F16, SI, R9, DX)
	VMOVSS  X0, (DI)
	ADDQ    $4, DI
	ADDQ    R8, SI
	DECQ    CX
	JNZ     row
	VZEROUPPER
	RET

// func dotRowsF16AVX2(out *float32, w *byte, stride int, x *float32, n int, rows int)
// dotRowsF16AVX512 on AVX2 (DOT64Y of halves).
TEXT ·dotRowsF16AVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), R10
	MOVQ w+8(FP), SI
	MOVQ stride+16(FP), R8
	MOVQ x+24(FP), DI
	MOVQ n+32(FP), DX
	MOVQ rows+40(FP), CX

row:
	DOT64Y(DOT64Y_F16)
	VMOVSS X0, (R10)
	ADDQ   $4, R10
	ADDQ   R8, SI
	DECQ   CX
	JNZ    row
	VZEROUPPER
	RET

// F16X4_SUM(z, out): out = reduce16 of z's lanes (REDUCE16_TO). Clobbers
// Z1, Z2, X24.
#define F16X4_SUM(z, out) \
	VMOVAPS z, Z1; \
	REDUCE16_TO(X24); \
	VMOVSS  X24, out

// F16X4_ROW(LOAD, w, wz, a0, a1, a2, a3): 16 elements of a row at w (offset
// AX elements) into wz as floats (LOAD: F16X4_HALVES widens halves,
// F16X4_FLOATS reads floats) and times the four tokens' floats (Z20-Z23)
// into a0-a3.
#define F16X4_ROW(LOAD, w, wz, a0, a1, a2, a3) \
	LOAD(w, wz); \
	VFMADD231PS Z20, wz, a0; \
	VFMADD231PS Z21, wz, a1; \
	VFMADD231PS Z22, wz, a2; \
	VFMADD231PS Z23, wz, a3
#define F16X4_HALVES(w, wz) VCVTPH2PS (w)(AX*2), wz
#define F16X4_FLOATS(w, wz) VMOVUPS (w)(AX*4), wz

// F16X4_OUT(r, a0, a1, a2, a3): row r's outputs for the four tokens (at
// DI, R10, R11, BX).
#define F16X4_OUT(r, a0, a1, a2, a3) \
	F16X4_SUM(a0, 4*r(DI)); \
	F16X4_SUM(a1, 4*r(R10)); \
	F16X4_SUM(a2, 4*r(R11)); \
	F16X4_SUM(a3, 4*r(BX))

// F16X4(LOAD): the whole body of dotRowsF16x4AVX512 and
// dotRowsF32x4AVX512, the rows' elements read by LOAD: tinyBLAS's order
// (tileDotF32: one 16-lane accumulator an output, reduced as
// _mm512_reduce_add_ps) for four tokens (floats xstride bytes apart) and
// rows weight rows (a multiple of 4, stride bytes apart) of nb steps of
// 16 elements, four rows at a time: each row's elements read once for
// the four tokens, the 16 outputs' chains side by side. Output row t is
// ostride bytes after row t-1.
#define F16X4(LOAD) \
	X4F_ARGS(4, 2); \
quad: \
	X4F_ZERO; \
	LEAQ    (SI)(R8*1), R10; \
	LEAQ    (R10)(R8*1), R11; \
	LEAQ    (R11)(R8*1), BX; \
	XORQ    AX, AX; \
step: \
	VMOVUPS (R9)(AX*4), Z20; \
	VMOVUPS (R14)(AX*4), Z21; \
	VMOVUPS (R15)(AX*4), Z22; \
	VMOVUPS (R12)(AX*4), Z23; \
	F16X4_ROW(LOAD, SI, Z16, Z0, Z1, Z2, Z3); \
	F16X4_ROW(LOAD, R10, Z17, Z4, Z5, Z6, Z7); \
	F16X4_ROW(LOAD, R11, Z18, Z8, Z9, Z10, Z11); \
	F16X4_ROW(LOAD, BX, Z19, Z12, Z13, Z14, Z15); \
	ADDQ    $16, AX; \
	CMPQ    AX, DX; \
	JB      step; \
	X4F_OUTS; \
	VMOVAPS Z1, Z26; \
	VMOVAPS Z2, Z27; \
	F16X4_OUT(0, Z0, Z26, Z27, Z3); \
	F16X4_OUT(1, Z4, Z5, Z6, Z7); \
	F16X4_OUT(2, Z8, Z9, Z10, Z11); \
	F16X4_OUT(3, Z12, Z13, Z14, Z15); \
	LEAQ    (SI)(R8*4), SI; \
	ADDQ    $16, DI; \
	DECQ    CX; \
	JNZ     quad; \
done: \
	VZEROUPPER; \
	RET

// func dotRowsF16x4AVX512(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
// F16X4 on F16 rows, each row's halves widened once for the four tokens.
TEXT ·dotRowsF16x4AVX512(SB), NOSPLIT, $0-64
	F16X4(F16X4_HALVES)

// func dotRowsF32x4AVX512(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
// F16X4 on float32 rows.
TEXT ·dotRowsF32x4AVX512(SB), NOSPLIT, $0-64
	F16X4(F16X4_FLOATS)

// The four-token kernels on AVX2: a row at a time, each of its 16-element
// steps read once for the four tokens, an output's 16 lanes as two 8-lane
// halves (tinyBLAS's order, as tileDotF32AVX2 keeps it), the eight halves'
// chains side by side: token t's lanes in Y(2t) and Y(2t+1).

// F16X4Y_OUT(lo, xlo, hi, xhi, out): out = reduce16 of the 16 lanes
// lo|hi (HALVES16OF). Clobbers lo and hi.
#define F16X4Y_OUT(lo, xlo, hi, xhi, out) \
	HALVES16OF(lo, xlo, hi, xhi, xlo); \
	VMOVSS xlo, out

// F16X4Y_HALVES and F16X4Y_FLOATS(w, lo, hi): the row's 16 elements at w
// (offset AX elements) as floats in lo and hi.
#define F16X4Y_HALVES(w, lo, hi) \
	VCVTPH2PS (w)(AX*2), lo; \
	VCVTPH2PS 16(w)(AX*2), hi
#define F16X4Y_FLOATS(w, lo, hi) \
	VMOVUPS (w)(AX*4), lo; \
	VMOVUPS 32(w)(AX*4), hi

// F16X4Y(LOAD): the whole body of dotRowsF16x4AVX2 and dotRowsF32x4AVX2
// (F16X4's arguments, rows any number).
#define F16X4Y(LOAD) \
	X4F_ARGS(4, 0); \
	MOVQ ostride+8(FP), BX; \
row: \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7; \
	XORQ   AX, AX; \
step: \
	LOAD(SI, Y8, Y9); \
	VFMADD231PS (R9)(AX*4), Y8, Y0; \
	VFMADD231PS 32(R9)(AX*4), Y9, Y1; \
	VFMADD231PS (R14)(AX*4), Y8, Y2; \
	VFMADD231PS 32(R14)(AX*4), Y9, Y3; \
	VFMADD231PS (R15)(AX*4), Y8, Y4; \
	VFMADD231PS 32(R15)(AX*4), Y9, Y5; \
	VFMADD231PS (R12)(AX*4), Y8, Y6; \
	VFMADD231PS 32(R12)(AX*4), Y9, Y7; \
	ADDQ   $16, AX; \
	CMPQ   AX, DX; \
	JB     step; \
	LEAQ   (DI)(BX*1), R10; \
	LEAQ   (R10)(BX*1), R11; \
	F16X4Y_OUT(Y0, X0, Y1, X1, (DI)); \
	F16X4Y_OUT(Y2, X2, Y3, X3, (R10)); \
	F16X4Y_OUT(Y4, X4, Y5, X5, (R11)); \
	ADDQ   BX, R11; \
	F16X4Y_OUT(Y6, X6, Y7, X7, (R11)); \
	ADDQ   R8, SI; \
	ADDQ   $4, DI; \
	DECQ   CX; \
	JNZ    row; \
done: \
	VZEROUPPER; \
	RET

// func dotRowsF16x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsF16x4AVX2(SB), NOSPLIT, $0-64
	F16X4Y(F16X4Y_HALVES)

// func dotRowsF32x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
TEXT ·dotRowsF32x4AVX2(SB), NOSPLIT, $0-64
	F16X4Y(F16X4Y_FLOATS)
