// The steps the float kernels share (float_amd64.s, attention_amd64.s, f16_amd64.s,
// dot_bf16_amd64.s).

// HALVES16(d): lane 0 of d = reduce16 of a 16-lane sum held as its halves
// (Y1 lanes 0-7, Y2 lanes 8-15): their sum, then _mm512_reduce_add_ps's
// steps. Clobbers Y1, Y2.
#define HALVES16(d) HALVES16OF(Y1, X1, Y2, X2, d)

// HALVES16OF(lo, xlo, hi, xhi, d): HALVES16 of the halves lo and hi (xlo
// and xhi their low 128 bits). Clobbers lo and hi.
#define HALVES16OF(lo, xlo, hi, xhi, d) \
	VADDPS       hi, lo, lo; \
	VEXTRACTF128 $1, lo, xhi; \
	VADDPS       xhi, xlo, xlo; \
	VPERMILPS    $0x4e, xlo, xhi; \
	VADDPS       xhi, xlo, xlo; \
	VMOVSHDUP    xlo, xhi; \
	VADDSS       xhi, xlo, d

// REDUCE16_TO(d): lane 0 of d = Z1's lanes added as _mm512_reduce_add_ps.
// Clobbers Z1, Z2.
#define REDUCE16_TO(d) \
	VEXTRACTF32X8 $1, Z1, Y2; \
	HALVES16(d)

// ZERO_Z1_Z4 clears DOT64's accumulators.
#define ZERO_Z1_Z4 \
	VZERO4(Z1, Z2, Z3, Z4)

// DOT64(LOAD, x, y, m): ggml_vec_dot_f32's AVX-512 loop from AX = 0 to m
// (a multiple of 64, not 0): four 16-lane accumulators Z1-Z4 (zeroed
// before) of x's elements (LOAD(x, i, z): the i-th 16 of the step's 64,
// DOT64_F32 floats, DOT64_F16 halves widened) times y's floats, folded
// 0+2, 1+3, then 0+1, and X0 = their reduce16. Label step. Clobbers
// Z1-Z8.
#define DOT64(LOAD, x, y, m) \
step: \
	LOAD(x, 0, Z5); \
	LOAD(x, 1, Z6); \
	LOAD(x, 2, Z7); \
	LOAD(x, 3, Z8); \
	VFMADD231PS (y)(AX*4), Z5, Z1; \
	VFMADD231PS 64(y)(AX*4), Z6, Z2; \
	VFMADD231PS 128(y)(AX*4), Z7, Z3; \
	VFMADD231PS 192(y)(AX*4), Z8, Z4; \
	ADDQ        $64, AX; \
	CMPQ        AX, m; \
	JB          step; \
	VADDPS      Z3, Z1, Z1; \
	VADDPS      Z4, Z2, Z2; \
	VADDPS      Z2, Z1, Z1; \
	REDUCE16_TO(X0)
#define DOT64_F32(x, i, z) VMOVUPS 64*i(x)(AX*4), z
#define DOT64_F16(x, i, z) VCVTPH2PS 32*i(x)(AX*2), z

// The four-token kernels of F16 and BF16 rows, func(out *float32, ostride
// int, w *byte, stride int, rows int, x *byte, xstride int, nb int):
// X4F_ARGS(nbshift, rowshift) loads out (DI), w (SI), stride (R8), rows
// >> rowshift (CX: the kernel's row groups), x (R9; the other tokens' at
// R14, R15, R12), xstride (R13) and nb << nbshift (DX: the bytes, or
// elements, the row loop runs to), to done when CX or DX is 0; X4F_ZERO
// clears the sums Z0-Z15; X4F_OUTS points R10, R11 and BX at the other
// tokens' outputs.
#define X4F_ARGS(nbshift, rowshift) \
	MOVQ  out+0(FP), DI; \
	MOVQ  w+16(FP), SI; \
	MOVQ  stride+24(FP), R8; \
	MOVQ  rows+32(FP), CX; \
	MOVQ  x+40(FP), R9; \
	MOVQ  xstride+48(FP), R13; \
	MOVQ  nb+56(FP), DX; \
	SHLQ  $nbshift, DX; \
	SHRQ  $rowshift, CX; \
	JZ    done; \
	TESTQ DX, DX; \
	JZ    done; \
	LEAQ  (R9)(R13*1), R14; \
	LEAQ  (R14)(R13*1), R15; \
	LEAQ  (R15)(R13*1), R12
#define X4F_ZERO \
	VZERO4(Z0, Z1, Z2, Z3); \
	VZERO4(Z4, Z5, Z6, Z7); \
	VZERO4(Z8, Z9, Z10, Z11); \
	VZERO4(Z12, Z13, Z14, Z15)
#define X4F_OUTS \
	MOVQ ostride+8(FP), AX; \
	LEAQ (DI)(AX*1), R10; \
	LEAQ (R10)(AX*1), R11; \
	LEAQ (R11)(AX*1), BX

// DOT64Y(LOAD): ggml_vec_dot_f32's loop on AVX2 from AX = 0 to DX (a
// multiple of 64, not 0), x at SI (LOAD(i, y): its elements 8i…8i+7 of
// the step into y, DOT64Y_F32 floats, DOT64Y_F16 halves widened), y's
// floats at DI: the four 16-lane accumulators as halves (Y3,Y4), (Y5,Y6),
// (Y7,Y8), (Y9,Y10), folded as DOT64 folds them, X0 their reduce16. Label
// step. Clobbers Y1-Y11.
#define DOT64Y(LOAD) \
	VZERO4(Y3, Y4, Y5, Y6); \
	VZERO4(Y7, Y8, Y9, Y10); \
	XORQ   AX, AX; \
step: \
	LOAD(0, Y11); \
	VFMADD231PS (DI)(AX*4), Y11, Y3; \
	LOAD(1, Y11); \
	VFMADD231PS 32(DI)(AX*4), Y11, Y4; \
	LOAD(2, Y11); \
	VFMADD231PS 64(DI)(AX*4), Y11, Y5; \
	LOAD(3, Y11); \
	VFMADD231PS 96(DI)(AX*4), Y11, Y6; \
	LOAD(4, Y11); \
	VFMADD231PS 128(DI)(AX*4), Y11, Y7; \
	LOAD(5, Y11); \
	VFMADD231PS 160(DI)(AX*4), Y11, Y8; \
	LOAD(6, Y11); \
	VFMADD231PS 192(DI)(AX*4), Y11, Y9; \
	LOAD(7, Y11); \
	VFMADD231PS 224(DI)(AX*4), Y11, Y10; \
	ADDQ        $64, AX; \
	CMPQ        AX, DX; \
	JB          step; \
	VADDPS Y7, Y3, Y3; \
	VADDPS Y8, Y4, Y4; \
	VADDPS Y9, Y5, Y5; \
	VADDPS Y10, Y6, Y6; \
	VADDPS Y5, Y3, Y1; \
	VADDPS Y6, Y4, Y2; \
	HALVES16(X0)
#define DOT64Y_F32(i, y) VMOVUPS 32*i(SI)(AX*4), y
#define DOT64Y_F16(i, y) VCVTPH2PS 16*i(SI)(AX*2), y

// Loops and reductions the float kernels share. The element loops run an
// index AX (or, for the dot products' leftovers, the register named) over
// float32 elements; labels are local to each TEXT, so a kernel expands each
// loop macro once.

// WHOLE8(n, m): AX = 0 and m = n rounded down to a multiple of 8; on to the
// label tail when that is 0.
#define WHOLE8(n, m) \
	XORQ AX, AX; \
	MOVQ n, m; \
	ANDQ $-8, m; \
	JZ   tail

// EACH8(n, m, VEC, ONE, exit): VEC on the eight elements from AX while AX
// < m, then ONE on each element left while AX < n, then on to exit.
// Labels vec and tail.
#define EACH8(n, m, VEC, ONE, exit) \
vec: \
	VEC; \
	ADDQ $8, AX; \
	CMPQ AX, m; \
	JB   vec; \
	EACH1(AX, n, ONE, exit)

// EACH1(i, n, ONE, exit): ONE on each element i while i < n, then on to
// exit. Label tail.
#define EACH1(i, n, ONE, exit) \
tail: \
	CMPQ i, n; \
	JAE  exit; \
	ONE; \
	INCQ i; \
	JMP  tail

// ELEMENTS8(n, m, VEC, ONE): the rest of an element-wise kernel:
// WHOLE8(n, m), then EACH8 and return. Label done.
#define ELEMENTS8(n, m, VEC, ONE) \
	WHOLE8(n, m); \
	EACH8(n, m, VEC, ONE, done); \
done: \
	VZEROUPPER; \
	RET

// AXPY8 and AXPY1: acc[AX…] = fma(v[AX…], w, acc[AX…]) for eight elements
// and one (DI acc, SI v, Y0 w in every lane). Clobber Y1.
#define AXPY8 \
	VMOVUPS     (DI)(AX*4), Y1; \
	VFMADD231PS (SI)(AX*4), Y0, Y1; \
	VMOVUPS     Y1, (DI)(AX*4)
#define AXPY1 \
	VMOVSS      (DI)(AX*4), X1; \
	VFMADD231SS (SI)(AX*4), X0, X1; \
	VMOVSS      X1, (DI)(AX*4)

// DOT1(x, y, i): X0 += x[i]·y[i], the product rounded. Clobbers X1.
#define DOT1(x, y, i) \
	VMOVSS (x)(i*4), X1; \
	VMULSS (y)(i*4), X1, X1; \
	VADDSS X1, X0, X0

// VECDOT(LOOP64): vecDotF32 with x in SI, y in DI, n in CX: X0 = LOOP64's
// dot of the first n&-64 elements (DX, when not 0; index AX), then the
// leftovers added one by one, products rounded. Labels tail and done.
#define VECDOT(LOOP64) \
	VXORPS X0, X0, X0; \
	MOVQ   CX, DX; \
	ANDQ   $-64, DX; \
	JZ     tail; \
	LOOP64; \
	EACH1(DX, CX, DOT1(SI, DI, DX), done)

// VECDOT64Z: VECDOT's loop on AVX-512 (DOT64 from AX = 0).
#define VECDOT64Z \
	ZERO_Z1_Z4; \
	XORQ AX, AX; \
	DOT64(DOT64_F32, SI, DI, DX)
