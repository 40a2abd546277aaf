//go:build amd64 && gc && !purego

#include "textflag.h"

// TQ2_0 × Q8_K in 512-bit vectors, ggml's AVX2 lane order (see dot_tq2.go):
// a block's 64 bytes of levels in one vector, lanes 0-7 its first half's
// 8 lanes and 8-15 its second's, against the activations laid out once per
// product as records (tq2Record): for each level n, the 32 quants each half
// takes side by side. The halves' integer lanes are added, the lanes start
// at −(bsums[2l]+bsums[2l+1]) (the record's bias, zero in lanes 8-15), and
// the float part is dotRowsTQ2_0VNNI's: × d_x·d_w, added (not fused).

// func dotRowsTQ2_0Z(out *float32, w *byte, stride int, rec *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0Z(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   tzdone
	MOVL         $0x03030303, AX
	VPBROADCASTD AX, Z15
tzrow:
	VXORPS Y0, Y0, Y0
	MOVQ   R12, SI
	MOVQ   rec+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     tzrowdone
tzblock:
	VMOVDQU32     (SI), Z1
	VMOVDQU32     256(R9), Z5
	VPXORD        Z6, Z6, Z6
	VPANDD        Z15, Z1, Z2
	VPSRLW        $2, Z1, Z3
	VPANDD        Z15, Z3, Z3
	VPDPBUSD      (R9), Z2, Z5
	VPSRLW        $4, Z1, Z4
	VPANDD        Z15, Z4, Z4
	VPDPBUSD      64(R9), Z3, Z6
	VPSRLW        $6, Z1, Z1
	VPANDD        Z15, Z1, Z1
	VPDPBUSD      128(R9), Z4, Z5
	VPDPBUSD      192(R9), Z1, Z6
	VPADDD        Z6, Z5, Z5
	VEXTRACTI64X4 $1, Z5, Y6
	VPADDD        Y6, Y5, Y5
	VCVTDQ2PS     Y5, Y5
	VPBROADCASTW  64(SI), X7
	VCVTPH2PS     X7, Y7
	VMULPS.BCST   320(R9), Y7, Y7
	VMULPS        Y7, Y5, Y5
	VADDPS        Y5, Y0, Y0
	ADDQ          $66, SI
	ADDQ          $384, R9
	DECQ          BX
	JNZ           tzblock
tzrowdone:
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         stride+16(FP), R12
	DECQ         CX
	JNZ          tzrow
tzdone:
	VZEROUPPER
	RET
