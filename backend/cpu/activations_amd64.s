//go:build amd64 && gc && !purego

#include "textflag.h"

// Q8_BLOCK quantizes the block of 32 floats at SI: amax = max |x|
// (order-free; Z15 the abs mask), d = amax/127 (X14 127.0) to (R8) and
// kept in X4, id = 127/amax, quants = x·id rounded to nearest even
// (vcvtps2dq under the default rounding mode), truncated to bytes at
// DI+2 (and kept in X0, X1). Clobbers Z0-Z5.
#define Q8_BLOCK \
	VMOVUPS       (SI), Z0; \
	VMOVUPS       64(SI), Z1; \
	VPANDD        Z15, Z0, Z2; \
	VPANDD        Z15, Z1, Z3; \
	VMAXPS        Z3, Z2, Z2; \
	VEXTRACTF64X4 $1, Z2, Y3; \
	VMAXPS        Y3, Y2, Y2; \
	VEXTRACTF128  $1, Y2, X3; \
	VMAXPS        X3, X2, X2; \
	VPERMILPS     $0x4e, X2, X3; \
	VMAXPS        X3, X2, X2; \
	VPERMILPS     $0xb1, X2, X3; \
	VMAXPS        X3, X2, X2; \
	VDIVSS        X14, X2, X4; \
	VMOVSS        X4, (R8); \
	VDIVSS        X2, X14, X5; \
	VBROADCASTSS  X5, Z5; \
	VMULPS        Z5, Z0, Z0; \
	VMULPS        Z5, Z1, Z1; \
	VCVTPS2DQ     Z0, Z0; \
	VCVTPS2DQ     Z1, Z1; \
	VPMOVDB       Z0, X0; \
	VPMOVDB       Z1, X1; \
	VMOVDQU       X0, 2(DI); \
	VMOVDQU       X1, 18(DI)

// func q8BlocksAVX512(dst *byte, src *float32, nb int, ds *float32)
// Per block of 32: amax = max |x| (order-free), d = amax/127 to ds,
// id = 127/amax, quants = x·id rounded to nearest even (vcvtps2dq under
// the default rounding mode), truncated to bytes at dst+2. An amax of 0
// gives id = +Inf and quants of 0x80000000, truncated to 0: the reference's
// zeros.
TEXT ·q8BlocksAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ nb+16(FP), CX
	MOVQ ds+24(FP), R8
	TESTQ CX, CX
	JZ    q8done
	MOVL         $0x7fffffff, AX
	VPBROADCASTD AX, Z15
	MOVL         $0x42fe0000, AX // 127.0
	VMOVD        AX, X14
q8loop:
	Q8_BLOCK
	ADDQ $128, SI
	ADDQ $34, DI
	ADDQ $4, R8
	DECQ CX
	JNZ  q8loop
q8done:
	VZEROUPPER
	RET

// func q8Q4ActAVX512(dst *byte, src *float32, nb int, ds *float32, bias *int32, dh *float32)
// q8BlocksAVX512, and per block: the scale as F16 (vcvtps2ph, to nearest
// even) at dst, that half widened back to dh, and bias = -8 times the sum
// of the 32 stored quants (summed from the bytes written, each biased by
// 128 to an unsigned byte for vpsadbw, so a lane vcvtps2dq could not
// convert counts as the 0 stored): the repacked Q4_0 kernels' extras
// (fillQ4Act) in the same pass.
TEXT ·q8Q4ActAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ nb+16(FP), CX
	MOVQ ds+24(FP), R8
	MOVQ bias+32(FP), R9
	MOVQ dh+40(FP), R10
	TESTQ CX, CX
	JZ    qadone
	MOVL         $0x7fffffff, AX
	VPBROADCASTD AX, Z15
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Y13
	VPXOR        Y12, Y12, Y12
	MOVL         $0x42fe0000, AX // 127.0
	VMOVD        AX, X14
qaloop:
	Q8_BLOCK
	VCVTPS2PH     $0, X4, X6
	VMOVD         X6, AX
	MOVW          AX, (DI)
	VCVTPH2PS     X6, X7
	VMOVSS        X7, (R10)
	VINSERTI128   $1, X1, Y0, Y8
	VPXOR         Y13, Y8, Y8
	VPSADBW       Y12, Y8, Y8
	VEXTRACTI128  $1, Y8, X9
	VPADDQ        X9, X8, X8
	VPSHUFD       $0x4e, X8, X9
	VPADDQ        X9, X8, X8
	VMOVD         X8, AX
	SUBL          $4096, AX
	SHLL          $3, AX
	NEGL          AX
	MOVL          AX, (R9)
	ADDQ $128, SI
	ADDQ $34, DI
	ADDQ $4, R8
	ADDQ $4, R9
	ADDQ $4, R10
	DECQ CX
	JNZ  qaloop
qadone:
	VZEROUPPER
	RET
