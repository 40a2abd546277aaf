//go:build amd64 && gc && !purego

#include "textflag.h"

// TQ2_0 × Q8_K rows in ggml's AVX2 lane order (see dot_tq2.go). Per block:
// the integer lanes start at −(bsums[2l]+bsums[2l+1]) and take levels ×
// activations (vpdpbusd: levels unsigned, activations signed), then
// float × d_x·d_w, added (not fused) to the float lanes.

// TQ2LEV splits the 32 bytes at off(SI) into the four 2-bit levels.
#define TQ2LEV(off) \
	VMOVDQU off(SI), Y1     \
	VPAND   Y15, Y1, Y2     \
	VPSRLW  $2, Y1, Y3      \
	VPAND   Y15, Y3, Y3     \
	VPSRLW  $4, Y1, Y4      \
	VPAND   Y15, Y4, Y4     \
	VPSRLW  $6, Y1, Y1      \
	VPAND   Y15, Y1, Y1

// func dotRowsTQ2_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0VNNI(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   tvdone
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x00010001, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	VPXOR        Y13, Y13, Y13
tvrow:
	VXORPS Y0, Y0, Y0
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     tvrowdone
tvblock:
	VPMADDWD     260(R9), Y14, Y5
	VPSUBD       Y5, Y13, Y5
	VPXOR        Y6, Y6, Y6
	TQ2LEV(0)
	VPDPBUSD     4(R9), Y2, Y5
	VPDPBUSD     36(R9), Y3, Y6
	VPDPBUSD     68(R9), Y4, Y5
	VPDPBUSD     100(R9), Y1, Y6
	TQ2LEV(32)
	VPDPBUSD     132(R9), Y2, Y5
	VPDPBUSD     164(R9), Y3, Y6
	VPDPBUSD     196(R9), Y4, Y5
	VPDPBUSD     228(R9), Y1, Y6
	VPADDD       Y6, Y5, Y5
	VCVTDQ2PS    Y5, Y5
	VPBROADCASTW 64(SI), X7
	VCVTPH2PS    X7, Y7
	VBROADCASTSS (R9), Y8
	VMULPS       Y7, Y8, Y7
	VMULPS       Y7, Y5, Y5
	VADDPS       Y5, Y0, Y0
	ADDQ         $66, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          tvblock
tvrowdone:
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
	JNZ          tvrow
tvdone:
	VZEROUPPER
	RET

#define TQ2MAD(yoff, t, acc) \
	VPMADDUBSW yoff(R9), t, Y9 \
	VPMADDWD   Y14, Y9, Y9     \
	VPADDD     Y9, acc, acc

// func dotRowsTQ2_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ2_0AVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   tadone
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0x00010001, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	VPXOR        Y13, Y13, Y13
tarow:
	VXORPS Y0, Y0, Y0
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     tarowdone
tablock:
	VPMADDWD     260(R9), Y14, Y5
	VPSUBD       Y5, Y13, Y5
	VPXOR        Y6, Y6, Y6
	TQ2LEV(0)
	TQ2MAD(4, Y2, Y5)
	TQ2MAD(36, Y3, Y6)
	TQ2MAD(68, Y4, Y5)
	TQ2MAD(100, Y1, Y6)
	TQ2LEV(32)
	TQ2MAD(132, Y2, Y5)
	TQ2MAD(164, Y3, Y6)
	TQ2MAD(196, Y4, Y5)
	TQ2MAD(228, Y1, Y6)
	VPADDD       Y6, Y5, Y5
	VCVTDQ2PS    Y5, Y5
	VPBROADCASTW 64(SI), X7
	VCVTPH2PS    X7, Y7
	VBROADCASTSS (R9), Y8
	VMULPS       Y7, Y8, Y7
	VMULPS       Y7, Y5, Y5
	VADDPS       Y5, Y0, Y0
	ADDQ         $66, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          tablock
tarowdone:
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
	JNZ          tarow
tadone:
	VZEROUPPER
	RET
