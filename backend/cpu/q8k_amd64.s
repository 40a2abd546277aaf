//go:build amd64 && gc && !purego

#include "textflag.h"

// Q8_K activations (blocks of 256) in two passes; see q8k_amd64.go.

// KRLOAD(off) loads the 64 values at off(SI) into Z0-Z3.
#define KRLOAD(off) \
	VMOVUPS off(SI), Z0;     \
	VMOVUPS off+64(SI), Z1;  \
	VMOVUPS off+128(SI), Z2; \
	VMOVUPS off+192(SI), Z3

// KRFOLD folds Z0-Z3 into the running maxima (Z16, Z18) and minima (Z17,
// Z19), Z0 and Z2 into the first pair, Z1 and Z3 into the second.
#define KRFOLD \
	VMAXPS Z0, Z16, Z16; \
	VMINPS Z0, Z17, Z17; \
	VMAXPS Z1, Z18, Z18; \
	VMINPS Z1, Z19, Z19; \
	VMAXPS Z2, Z16, Z16; \
	VMINPS Z2, Z17, Z17; \
	VMAXPS Z3, Z18, Z18; \
	VMINPS Z3, Z19, Z19

// func q8KRangeAVX512(src *float32, nb int, mm *float32)
// mm[2b], mm[2b+1] = the largest and the smallest value of block b.
TEXT ·q8KRangeAVX512(SB), NOSPLIT, $0-24
	MOVQ src+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ mm+16(FP), DI
	TESTQ CX, CX
	JZ    kr_done
kr_loop:
	KRLOAD(0)
	VMAXPS Z1, Z0, Z16
	VMINPS Z1, Z0, Z17
	VMAXPS Z3, Z2, Z18
	VMINPS Z3, Z2, Z19
	KRLOAD(256)
	KRFOLD
	KRLOAD(512)
	KRFOLD
	KRLOAD(768)
	KRFOLD
	VMAXPS        Z18, Z16, Z16
	VMINPS        Z19, Z17, Z17
	VEXTRACTF64X4 $1, Z16, Y18
	VEXTRACTF64X4 $1, Z17, Y19
	VMAXPS        Y18, Y16, Y16
	VMINPS        Y19, Y17, Y17
	VEXTRACTF32X4 $1, Y16, X18
	VEXTRACTF32X4 $1, Y17, X19
	VMAXPS        X18, X16, X16
	VMINPS        X19, X17, X17
	VPERMILPS     $0x4e, X16, X18
	VPERMILPS     $0x4e, X17, X19
	VMAXPS        X18, X16, X16
	VMINPS        X19, X17, X17
	VPERMILPS     $0xb1, X16, X18
	VPERMILPS     $0xb1, X17, X19
	VMAXPS        X18, X16, X16
	VMINPS        X19, X17, X17
	VMOVSS        X16, (DI)
	VMOVSS        X17, 4(DI)
	ADDQ $1024, SI
	ADDQ $8, DI
	DECQ CX
	JNZ  kr_loop
kr_done:
	VZEROUPPER
	RET

// KQ quantizes the 16 values at off(SI) with the scale in Z20 into the
// 16 bytes at 4+off/4(DI): x·iscale rounded to nearest even (vcvtps2dq under
// the default rounding mode, as nearestInt), narrowed with saturation.
#define KQ(off, q) \
	VMULPS    off(SI), Z20, Z21 \
	VCVTPS2DQ Z21, Z21          \
	VPMOVSDB  Z21, X21          \
	VMOVDQU32 X21, q(DI)

// func q8KQuantAVX512(dst *byte, src *float32, nb int, is *float32)
// The quants of block b (at dst+292b+4) from src with scale is[b].
TEXT ·q8KQuantAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ nb+16(FP), CX
	MOVQ is+24(FP), R8
	TESTQ CX, CX
	JZ    kq_done
kq_loop:
	VBROADCASTSS (R8), Z20
	KQ(0, 4)
	KQ(64, 20)
	KQ(128, 36)
	KQ(192, 52)
	KQ(256, 68)
	KQ(320, 84)
	KQ(384, 100)
	KQ(448, 116)
	KQ(512, 132)
	KQ(576, 148)
	KQ(640, 164)
	KQ(704, 180)
	KQ(768, 196)
	KQ(832, 212)
	KQ(896, 228)
	KQ(960, 244)
	ADDQ $1024, SI
	ADDQ $292, DI
	ADDQ $4, R8
	DECQ CX
	JNZ  kq_loop
kq_done:
	VZEROUPPER
	RET
