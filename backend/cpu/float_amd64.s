//go:build amd64 && gc && !purego

#include "textflag.h"
#include "simd_amd64.h"
#include "float_amd64.h"

// func vecDotF32AVX512(x, y *float32, n int) float32
// ggml_vec_dot_f32 on AVX-512: four 16-lane accumulators over steps of 64,
// folded (0+2, 1+3, then 0+1) and reduced as _mm512_reduce_add_ps; the
// leftovers added one by one, products rounded.
TEXT ·vecDotF32AVX512(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	VECDOT(VECDOT64Z)
done:
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func axpyFMA(acc, v *float32, w float32, n int)
// acc[i] = fma(v[i], w, acc[i]) for i < n.
TEXT ·axpyFMA(SB), NOSPLIT, $0-32
	MOVQ         acc+0(FP), DI
	MOVQ         v+8(FP), SI
	VBROADCASTSS w+16(FP), Y0
	MOVQ         n+24(FP), CX
	ELEMENTS8(CX, DX, AXPY8, AXPY1)

// EXPCONST loads ggml_v_expf's constants into Z18-Z31 (Z19 = 0).
#define EXPCONST \
	MOVL $0x7fffffff, AX; VPBROADCASTD AX, Z18 \
	VPXORD Z19, Z19, Z19 \
	MOVL $0x4b400000, AX; VPBROADCASTD AX, Z20 \
	MOVL $0x3fb8aa3b, AX; VPBROADCASTD AX, Z21 \
	MOVL $0x3f317200, AX; VPBROADCASTD AX, Z22 \
	MOVL $0x35bfbe8e, AX; VPBROADCASTD AX, Z23 \
	MOVL $0x3c072010, AX; VPBROADCASTD AX, Z24 \
	MOVL $0x3d2b9f17, AX; VPBROADCASTD AX, Z25 \
	MOVL $0x3e2aaf33, AX; VPBROADCASTD AX, Z26 \
	MOVL $0x3efffedb, AX; VPBROADCASTD AX, Z27 \
	MOVL $0x3f7ffff6, AX; VPBROADCASTD AX, Z28 \
	MOVL $0x3f800000, AX; VPBROADCASTD AX, Z29 \
	MOVL $0x43400000, AX; VPBROADCASTD AX, Z30 \
	MOVL $0x7f800000, AX; VPBROADCASTD AX, Z31

// EXPV sets Z1 to ggml_v_expf(Z1) (AVX-512 form: the polynomial j scaled
// by 2^n with vscalefps; |n| > 192 gives 0 or +Inf). Clobbers Z2-Z6, K1, K2.
#define EXPV \
	VMOVAPS      Z20, Z2      \
	VFMADD231PS  Z21, Z1, Z2  \
	VSUBPS       Z20, Z2, Z3  \
	VFNMADD231PS Z22, Z3, Z1  \
	VFNMADD231PS Z23, Z3, Z1  \
	VMULPS       Z1, Z1, Z4   \
	VMOVAPS      Z25, Z5      \
	VFMADD231PS  Z24, Z1, Z5  \
	VMOVAPS      Z27, Z6      \
	VFMADD231PS  Z26, Z1, Z6  \
	VFMADD231PS  Z4, Z5, Z6   \
	VMOVAPS      Z29, Z5      \
	VFMADD231PS  Z28, Z1, Z5  \
	VFMADD231PS  Z4, Z6, Z5   \
	VSCALEFPS    Z3, Z5, Z1   \
	VPANDD       Z18, Z3, Z2  \
	VCMPPS       $0x1e, Z30, Z2, K1 \
	VCMPPS       $0x12, Z19, Z3, K2 \
	VMOVAPS      Z31, Z2      \
	VXORPS       Z2, Z2, K2, Z2 \
	VMOVAPS      Z2, K1, Z1

// func softmaxExpAVX512(s *float32, n int, mx float32) float64
// s[i] = ggml_v_expf(s[i]-mx) in vectors of 16 (the last one padded with
// zeros, as the masked positions of ggml's padded cache are); returns the
// float64 sum of the vectors' reductions.
TEXT ·softmaxExpAVX512(SB), NOSPLIT, $0-32
	MOVQ         s+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS mx+16(FP), Z17
	EXPCONST
	VXORPD       X16, X16, X16
sblock:
	CMPQ CX, $16
	JB   stail
	VMOVUPS  (SI), Z1
	VSUBPS   Z17, Z1, Z1
	EXPV
	VMOVUPS  Z1, (SI)
	REDUCE16_TO(X1)
	VCVTSS2SD X1, X1, X1
	VADDSD    X1, X16, X16
	ADDQ     $64, SI
	SUBQ     $16, CX
	JMP      sblock
stail:
	TESTQ CX, CX
	JZ    sdone
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K3
	VMOVUPS.Z (SI), K3, Z1
	VSUBPS    Z17, Z1, Z1
	EXPV
	VMOVUPS.Z Z1, K3, Z1
	VMOVUPS   Z1, K3, (SI)
	REDUCE16_TO(X1)
	VCVTSS2SD X1, X1, X1
	VADDSD    X1, X16, X16
sdone:
	VMOVAPD X16, X0
	VZEROUPPER
	MOVSD X0, ret+24(FP)
	RET

// func swigluAVX512(out, gate, u *float32, n int)
// out[i] = g[i]/(1+ggml_v_expf(0-g[i])) * u[i] for n a multiple of 16.
TEXT ·swigluAVX512(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ gate+8(FP), SI
	MOVQ u+16(FP), DX
	MOVQ n+24(FP), CX
	EXPCONST
	SHRQ $4, CX
	JZ   gdone
gloop:
	VMOVUPS (SI), Z0
	VSUBPS  Z0, Z19, Z1
	EXPV
	VADDPS  Z29, Z1, Z1
	VDIVPS  Z1, Z0, Z1
	VMULPS  (DX), Z1, Z1
	VMOVUPS Z1, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	DECQ    CX
	JNZ     gloop
gdone:
	VZEROUPPER
	RET

// func tileDotF32AVX512(a, b *float32, n int) float32
// tinyBLAS's order: one 16-lane accumulator over the row (n % 16 == 0),
// reduced as _mm512_reduce_add_ps.
TEXT ·tileDotF32AVX512(SB), NOSPLIT, $0-28
	MOVQ   a+0(FP), SI
	MOVQ   b+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Z1, Z1, Z1
	XORQ   AX, AX
	TESTQ  CX, CX
	JZ     tdone
tstep:
	VMOVUPS     (SI)(AX*4), Z5
	VFMADD231PS (DI)(AX*4), Z5, Z1
	ADDQ        $16, AX
	CMPQ        AX, CX
	JB          tstep
tdone:
	REDUCE16_TO(X1)
	VZEROUPPER
	MOVSS X1, ret+24(FP)
	RET

// F16TO32_8 and F16TO32_1: dst[AX…] = src[AX…] widened, for eight elements
// and one (DI dst, SI src). Clobber Y0 (and BX).
#define F16TO32_8 \
	VCVTPH2PS (SI)(AX*2), Y0; \
	VMOVUPS   Y0, (DI)(AX*4)
#define F16TO32_1 \
	MOVWLZX   (SI)(AX*2), BX; \
	VMOVD     BX, X0; \
	VCVTPH2PS X0, X0; \
	VMOVSS    X0, (DI)(AX*4)

// func f16ToF32AVX2(dst *float32, src *uint16, n int)
// Widens n halves to float32 with vcvtph2ps (exact).
TEXT ·f16ToF32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	ELEMENTS8(CX, DX, F16TO32_8, F16TO32_1)

// ADD8 and ADD1: dst[AX…] = a[AX…] + b[AX…] for eight elements and one
// (DI dst, SI a, DX b). Clobber Y0.
#define ADD8 \
	VMOVUPS (SI)(AX*4), Y0; \
	VADDPS  (DX)(AX*4), Y0, Y0; \
	VMOVUPS Y0, (DI)(AX*4)
#define ADD1 \
	VMOVSS (SI)(AX*4), X0; \
	VADDSS (DX)(AX*4), X0, X0; \
	VMOVSS X0, (DI)(AX*4)

// func addF32AVX2(dst, a, b *float32, n int)
// dst[i] = a[i] + b[i] (elementwise: the order of lanes does not matter).
TEXT ·addF32AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	ELEMENTS8(CX, BX, ADD8, ADD1)

// func ropeAdjacentAVX2(x, cs, ss *float32, n int)
// Rotates pairs (x[2i], x[2i+1]) for n (a multiple of 8) elements: even
// lanes x0·c − x1·s, odd lanes x0·s + x1·c, each one fused multiply-add on
// the first product (ggml's contracted rotate_pairs).
TEXT ·ropeAdjacentAVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ cs+8(FP), SI
	MOVQ ss+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   radone
raloop:
	VMOVUPS      (DI), Y0
	VPERMILPS    $0xb1, Y0, Y1
	VMOVUPS      (SI), Y2
	VMOVUPS      (DX), Y3
	VMULPS       Y3, Y1, Y4
	VMULPS       Y2, Y0, Y5
	VFMSUB231PS  Y2, Y0, Y4
	VFMADD231PS  Y3, Y1, Y5
	VBLENDPS     $0xaa, Y5, Y4, Y6
	VMOVUPS      Y6, (DI)
	ADDQ         $32, DI
	ADDQ         $32, SI
	ADDQ         $32, DX
	DECQ         CX
	JNZ          raloop
radone:
	VZEROUPPER
	RET

// func ropePairsAVX2(a, b, cs, ss *float32, n int)
// Rotates pairs (a[i], b[i]) for n (a multiple of 8): a·c − b·s and
// a·s + b·c, fused on the first product.
TEXT ·ropePairsAVX2(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), DI
	MOVQ b+8(FP), R8
	MOVQ cs+16(FP), SI
	MOVQ ss+24(FP), DX
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ   rpdone
rploop:
	VMOVUPS     (DI), Y0
	VMOVUPS     (R8), Y1
	VMOVUPS     (SI), Y2
	VMOVUPS     (DX), Y3
	VMULPS      Y3, Y1, Y4
	VMULPS      Y2, Y1, Y5
	VFMSUB231PS Y2, Y0, Y4
	VFMADD231PS Y3, Y0, Y5
	VMOVUPS     Y4, (DI)
	VMOVUPS     Y5, (R8)
	ADDQ        $32, DI
	ADDQ        $32, R8
	ADDQ        $32, SI
	ADDQ        $32, DX
	DECQ        CX
	JNZ         rploop
rpdone:
	VZEROUPPER
	RET

// The same float dots on AVX2: a 16-lane accumulator is two 8-lane halves
// (lo: lanes 0-7, hi: lanes 8-15), and reduce16's first step, lane i plus
// lane i+8, is lo + hi (HALVES16).

// VECDOT64Y: VECDOT's loop on AVX2 (DOT64Y of floats).
#define VECDOT64Y DOT64Y(DOT64Y_F32)

// func vecDotF32AVX2(x, y *float32, n int) float32
TEXT ·vecDotF32AVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	VECDOT(VECDOT64Y)
done:
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func tileDotF32AVX2(a, b *float32, n int) float32
TEXT ·tileDotF32AVX2(SB), NOSPLIT, $0-28
	MOVQ   a+0(FP), SI
	MOVQ   b+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	XORQ   AX, AX
	TESTQ  CX, CX
	JZ     t2done
t2step:
	VMOVUPS     (SI)(AX*4), Y5
	VFMADD231PS (DI)(AX*4), Y5, Y1
	VMOVUPS     32(SI)(AX*4), Y6
	VFMADD231PS 32(DI)(AX*4), Y6, Y2
	ADDQ        $16, AX
	CMPQ        AX, CX
	JB          t2step
t2done:
	HALVES16(X0)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// The AVX2 form of ggml_v_expf (AVX-512's, not AVX2's: the polynomial j is
// scaled by 2^n in two exact steps, 2^floor(n/2) then 2^(n-floor(n/2)), so
// the result rounds once, as vscalefps rounds it).
// EXPC8(off, v): eight float32 lanes of v at expc<>+off.
#define EXPC8(off, v) \
	DATA expc<>+(off+0)(SB)/4, $v; \
	DATA expc<>+(off+4)(SB)/4, $v; \
	DATA expc<>+(off+8)(SB)/4, $v; \
	DATA expc<>+(off+12)(SB)/4, $v; \
	DATA expc<>+(off+16)(SB)/4, $v; \
	DATA expc<>+(off+20)(SB)/4, $v; \
	DATA expc<>+(off+24)(SB)/4, $v; \
	DATA expc<>+(off+28)(SB)/4, $v

EXPC8(0, 0x4b400000)
EXPC8(32, 0x3fb8aa3b)
EXPC8(64, 0x3f317200)
EXPC8(96, 0x35bfbe8e)
EXPC8(128, 0x3c072010)
EXPC8(160, 0x3d2b9f17)
EXPC8(192, 0x3e2aaf33)
EXPC8(224, 0x3efffedb)
EXPC8(256, 0x3f7ffff6)
EXPC8(288, 0x3f800000)
EXPC8(320, 0x43400000)
EXPC8(352, 0x7f800000)
EXPC8(384, 0x7fffffff)
EXPC8(416, 0x3f000000)
EXPC8(448, 0x0000007f)
GLOBL expc<>(SB), RODATA|NOPTR, $480

// EXPV2 sets Y1 to exp(Y1); clobbers Y2-Y7. Y15 must be zero.
#define EXPV2 \
	VMOVUPS      expc<>+0(SB), Y2      \
	VFMADD231PS  expc<>+32(SB), Y1, Y2  \
	VSUBPS       expc<>+0(SB), Y2, Y3  \
	VFNMADD231PS expc<>+64(SB), Y3, Y1  \
	VFNMADD231PS expc<>+96(SB), Y3, Y1  \
	VMULPS       Y1, Y1, Y4  \
	VMOVUPS      expc<>+160(SB), Y5      \
	VFMADD231PS  expc<>+128(SB), Y1, Y5  \
	VMOVUPS      expc<>+224(SB), Y6      \
	VFMADD231PS  expc<>+192(SB), Y1, Y6  \
	VFMADD231PS  Y4, Y5, Y6  \
	VMOVUPS      expc<>+288(SB), Y5      \
	VFMADD231PS  expc<>+256(SB), Y1, Y5  \
	VFMADD231PS  Y4, Y6, Y5  \
	VMULPS       expc<>+416(SB), Y3, Y6  \
	VROUNDPS     $1, Y6, Y6  \
	VSUBPS       Y6, Y3, Y7  \
	VCVTPS2DQ    Y6, Y6      \
	VPADDD       expc<>+448(SB), Y6, Y6  \
	VPSLLD       $23, Y6, Y6 \
	VCVTPS2DQ    Y7, Y7      \
	VPADDD       expc<>+448(SB), Y7, Y7  \
	VPSLLD       $23, Y7, Y7 \
	VMULPS       Y6, Y5, Y5  \
	VMULPS       Y7, Y5, Y1  \
	VANDPS       expc<>+384(SB), Y3, Y6  \
	VCMPPS       $0x1e, expc<>+320(SB), Y6, Y6 \
	VCMPPS       $0x12, Y15, Y3, Y7 \
	VANDNPS      expc<>+352(SB), Y7, Y7  \
	VBLENDVPS    Y6, Y7, Y1, Y1

// func softmaxExpAVX2(s *float32, n int, mx float32) float64
// softmaxExpAVX512 for the whole vectors of 16 (n a multiple of 16).
TEXT ·softmaxExpAVX2(SB), NOSPLIT, $0-32
	MOVQ         s+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS mx+16(FP), Y14
	VXORPS       Y15, Y15, Y15
	VXORPD       X13, X13, X13
	SHRQ         $4, CX
	JZ           s2done
s2block:
	VMOVUPS   (SI), Y1
	VSUBPS    Y14, Y1, Y1
	EXPV2
	VMOVUPS   Y1, (SI)
	VMOVAPS   Y1, Y12
	VMOVUPS   32(SI), Y1
	VSUBPS    Y14, Y1, Y1
	EXPV2
	VMOVUPS   Y1, 32(SI)
	VMOVAPS   Y1, Y2
	VMOVAPS   Y12, Y1
	HALVES16(X0)
	VCVTSS2SD X0, X0, X0
	VADDSD    X0, X13, X13
	ADDQ      $64, SI
	DECQ      CX
	JNZ       s2block
s2done:
	VMOVAPD X13, X0
	VZEROUPPER
	MOVSD X0, ret+24(FP)
	RET

// func swigluAVX2(out, gate, u *float32, n int)
// swigluAVX512 in vectors of 8 (n a multiple of 8).
TEXT ·swigluAVX2(SB), NOSPLIT, $0-32
	MOVQ   out+0(FP), DI
	MOVQ   gate+8(FP), SI
	MOVQ   u+16(FP), DX
	MOVQ   n+24(FP), CX
	VXORPS Y15, Y15, Y15
	SHRQ   $3, CX
	JZ     w2done
w2loop:
	VMOVUPS (SI), Y0
	VSUBPS  Y0, Y15, Y1
	EXPV2
	VADDPS  expc<>+288(SB), Y1, Y1
	VDIVPS  Y1, Y0, Y1
	VMULPS  (DX), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     w2loop
w2done:
	VZEROUPPER
	RET

// SCALEMUL8 and SCALEMUL1: dst[AX…] = (a[AX…]·s)·b[AX…] for eight
// elements and one, each product rounded (DI dst, SI a, DX b, Y2 s in
// every lane). Clobber Y0.
#define SCALEMUL8 \
	VMULPS  (SI)(AX*4), Y2, Y0; \
	VMULPS  (DX)(AX*4), Y0, Y0; \
	VMOVUPS Y0, (DI)(AX*4)
#define SCALEMUL1 \
	VMULSS (SI)(AX*4), X2, X0; \
	VMULSS (DX)(AX*4), X0, X0; \
	VMOVSS X0, (DI)(AX*4)

// func scaleMulAVX2(dst, a, b *float32, s float32, n int)
// dst[i] = (a[i]·s)·b[i] (RMSNorm's scaling: elementwise, two roundings).
TEXT ·scaleMulAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         a+8(FP), SI
	MOVQ         b+16(FP), DX
	VBROADCASTSS s+24(FP), Y2
	MOVQ         n+32(FP), CX
	ELEMENTS8(CX, BX, SCALEMUL8, SCALEMUL1)

// func maxF32AVX2(x *float32, n int) float32
// The largest of n ≥ 1 elements by vmaxps, from x[0]: Go's max over them
// where they are not NaN and the largest is not zero (see maxF32).
TEXT ·maxF32AVX2(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS (SI), Y0
	XORQ         AX, AX
	MOVQ         CX, DX
	ANDQ         $-8, DX
	JZ           mxtail
mxvec:
	VMAXPS       (SI)(AX*4), Y0, Y0
	ADDQ         $8, AX
	CMPQ         AX, DX
	JB           mxvec
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VMAXPS       X1, X0, X0
mxtail:
	CMPQ   AX, CX
	JAE    mxdone
	VMAXSS (SI)(AX*4), X0, X0
	INCQ   AX
	JMP    mxtail
mxdone:
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// SCALE8 and SCALE1: x[AX…] *= s (in Y15) for eight elements and one (SI
// x). Clobber Y0.
#define SCALE8 \
	VMULPS  (SI)(AX*4), Y15, Y0; \
	VMOVUPS Y0, (SI)(AX*4)
#define SCALE1 \
	VMULSS (SI)(AX*4), X15, X0; \
	VMOVSS X0, (SI)(AX*4)

// func scaleF32AVX2(x *float32, n int, s float32)
// x[i] *= s (element-wise).
TEXT ·scaleF32AVX2(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS s+16(FP), Y15
	ELEMENTS8(CX, DX, SCALE8, SCALE1)

// func f16RowsAVX2(dst *float32, src *uint16, rows, hd, stride int)
// Widens rows rows of hd halves (a multiple of 8), stride bytes apart at
// src, into rows of hd floats one after another at dst (vcvtph2ps, exact).
TEXT ·f16RowsAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ hd+24(FP), DX
	MOVQ stride+32(FP), R8
	TESTQ CX, CX
	JZ    frdone
	TESTQ DX, DX
	JZ    frdone
frrow:
	XORQ AX, AX
frvec:
	VCVTPH2PS (SI)(AX*2), Y0
	VMOVUPS   Y0, (DI)(AX*4)
	ADDQ      $8, AX
	CMPQ      AX, DX
	JB        frvec
	ADDQ R8, SI
	LEAQ (DI)(DX*4), DI
	DECQ CX
	JNZ  frrow
frdone:
	VZEROUPPER
	RET
