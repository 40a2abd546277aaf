//go:build amd64 && gc && !purego

#include "textflag.h"

// TQ1_0 × Q8_K rows in ggml's AVX2 order (see dot_tq1.go). Trits come out
// of the packed bytes as in ggml: byte·3^n (mod 256) by byte adds and a
// masked shift for ×9, then (3q) >> 8 by a saturating −1 and two vpavgb
// and the top two bits. Their products with the activations are summed four
// to a lane (vpdpbusd, or vpmaddubsw into 16-bit sums and vpmaddwd), less
// the activations' bsums pairs; the lanes are converted, multiplied by
// d_x·d_w and added (not fused) to Y0; hsum8 at the end.
//
// Constants: Y15 0x03 bytes, Y14 0xf8 bytes, Y13 0x01 bytes, Y12 zero,
// Y11 0x0001 words.

// MUL3 and MUL9 (MUL9X on X registers) multiply bytes by 3 and 9 (mod
// 256).
#define MUL3(src, dst) \
	VPADDB src, src, dst \
	VPADDB src, dst, dst

#define MUL9(src, dst) \
	VPSLLW $3, src, dst  \
	VPAND  Y14, dst, dst \
	VPADDB src, dst, dst

#define MUL9X(src, dst) \
	VPSLLW $3, src, dst  \
	VPAND  X14, dst, dst \
	VPADDB src, dst, dst

// TRIT turns q = byte·3^n into trit n, (3q) >> 8, in place (clobbers Y10).
#define TRIT(r) \
	VPSUBUSB Y13, r, r   \
	VPAVGB   Y12, r, Y10 \
	VPAVGB   Y10, r, r   \
	VPSRLW   $6, r, r    \
	VPAND    Y15, r, r

// func dotRowsTQ1_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ1_0VNNI(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   t1vdone
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0xf8f8f8f8, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         $0x01010101, AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
	VPXOR        Y12, Y12, Y12
	MOVL         $0x00010001, AX
	VMOVD        AX, X11
	VPBROADCASTD X11, Y11
t1vrow:
	VXORPS Y0, Y0, Y0
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     t1vrowdone
t1vblock:
	// bytes 0..31: byte·3^n for n = 0..4
	VMOVDQU (SI), Y1
	MUL3(Y1, Y2)
	MUL9(Y1, Y3)
	MUL9(Y2, Y4)
	MUL9(Y3, Y5)
	VPXOR    Y6, Y6, Y6
	VPXOR    Y7, Y7, Y7
	TRIT(Y1)
	VPDPBUSD 4(R9), Y1, Y6
	TRIT(Y2)
	VPDPBUSD 36(R9), Y2, Y7
	TRIT(Y3)
	VPDPBUSD 68(R9), Y3, Y6
	TRIT(Y4)
	VPDPBUSD 100(R9), Y4, Y7
	TRIT(Y5)
	VPDPBUSD 132(R9), Y5, Y6
	// bytes 32..47: trits 0|1, 2|3, 4|(bytes 48..51: trit j/4 of byte j%4)
	VMOVDQU      32(SI), X1
	MUL3(X1, X2)
	VINSERTI128  $1, X2, Y1, Y1
	MUL9(Y1, Y2)
	MUL9(Y2, Y3)
	VPBROADCASTD 48(SI), X4
	MUL3(X4, X5)
	VPBLENDD     $0x02, X5, X4, X8
	MUL9X(X4, X9)
	MUL9X(X5, X10)
	VPBLENDD     $0x08, X10, X9, X9
	VPBLENDD     $0x0c, X9, X8, X8
	VINSERTI128  $1, X8, Y3, Y3
	TRIT(Y1)
	VPDPBUSD 164(R9), Y1, Y7
	TRIT(Y2)
	VPDPBUSD 196(R9), Y2, Y6
	TRIT(Y3)
	VPDPBUSD 228(R9), Y3, Y7
	VPADDD       Y7, Y6, Y6
	VPMADDWD     260(R9), Y11, Y7
	VPSUBD       Y7, Y6, Y6
	VCVTDQ2PS    Y6, Y6
	VPBROADCASTW 52(SI), X7
	VCVTPH2PS    X7, Y7
	VBROADCASTSS (R9), Y8
	VMULPS       Y7, Y8, Y7
	VMULPS       Y7, Y6, Y6
	VADDPS       Y6, Y0, Y0
	ADDQ         $54, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          t1vblock
t1vrowdone:
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
	JNZ          t1vrow
t1vdone:
	VZEROUPPER
	RET

// func dotRowsTQ1_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ1_0AVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+40(FP), CX
	TESTQ CX, CX
	JZ   t1done
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0xf8f8f8f8, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         $0x01010101, AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
	VPXOR        Y12, Y12, Y12
	MOVL         $0x00010001, AX
	VMOVD        AX, X11
	VPBROADCASTD X11, Y11
t1row:
	VXORPS Y0, Y0, Y0
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   nb+32(FP), BX
	TESTQ  BX, BX
	JZ     t1rowdone
t1block:
	// bytes 0..31: byte·3^n for n = 0..4
	VMOVDQU (SI), Y1
	MUL3(Y1, Y2)
	MUL9(Y1, Y3)
	MUL9(Y2, Y4)
	MUL9(Y3, Y5)
	TRIT(Y1)
	VPMADDUBSW 4(R9), Y1, Y6
	TRIT(Y2)
	VPMADDUBSW 36(R9), Y2, Y2
	VPADDW     Y2, Y6, Y6
	TRIT(Y3)
	VPMADDUBSW 68(R9), Y3, Y3
	VPADDW     Y3, Y6, Y6
	TRIT(Y4)
	VPMADDUBSW 100(R9), Y4, Y4
	VPADDW     Y4, Y6, Y6
	TRIT(Y5)
	VPMADDUBSW 132(R9), Y5, Y5
	VPADDW     Y5, Y6, Y6
	// bytes 32..47: trits 0|1, 2|3, 4|(bytes 48..51: trit j/4 of byte j%4)
	VMOVDQU      32(SI), X1
	MUL3(X1, X2)
	VINSERTI128  $1, X2, Y1, Y1
	MUL9(Y1, Y2)
	MUL9(Y2, Y3)
	VPBROADCASTD 48(SI), X4
	MUL3(X4, X5)
	VPBLENDD     $0x02, X5, X4, X8
	MUL9X(X4, X9)
	MUL9X(X5, X10)
	VPBLENDD     $0x08, X10, X9, X9
	VPBLENDD     $0x0c, X9, X8, X8
	VINSERTI128  $1, X8, Y3, Y3
	TRIT(Y1)
	VPMADDUBSW 164(R9), Y1, Y1
	VPADDW     Y1, Y6, Y6
	TRIT(Y2)
	VPMADDUBSW 196(R9), Y2, Y2
	VPADDW     Y2, Y6, Y6
	TRIT(Y3)
	VPMADDUBSW 228(R9), Y3, Y3
	VPADDW     Y3, Y6, Y6
	VPSUBW       260(R9), Y6, Y6
	VPMADDWD     Y11, Y6, Y6
	VCVTDQ2PS    Y6, Y6
	VPBROADCASTW 52(SI), X7
	VCVTPH2PS    X7, Y7
	VBROADCASTSS (R9), Y8
	VMULPS       Y7, Y8, Y7
	VMULPS       Y7, Y6, Y6
	VADDPS       Y6, Y0, Y0
	ADDQ         $54, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          t1block
t1rowdone:
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
	JNZ          t1row
t1done:
	VZEROUPPER
	RET

// func dotRowsTQ1_0x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)
//
// Four tokens (Q8_K rows xstride bytes apart; outputs ostride bytes apart)
// against each weight row: a block's trits are extracted once and meet
// every token; each token's integer lanes (Y24+t) are the one-token
// kernel's (the same exact sums) and its float lanes (Y16+t) take the same
// operations (AVX-512 VL).
TEXT ·dotRowsTQ1_0x4VNNI(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ w+16(FP), R12
	MOVQ rows+32(FP), CX
	MOVQ xstride+48(FP), R14
	LEAQ (R14)(R14*2), R15
	TESTQ CX, CX
	JZ   t1xdone
	MOVL         $0x03030303, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         $0xf8f8f8f8, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         $0x01010101, AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
	VPXOR        Y12, Y12, Y12
	MOVL         $0x00010001, AX
	VMOVD        AX, X11
	VPBROADCASTD X11, Y11
t1xrow:
	VPXORD Y16, Y16, Y16
	VPXORD Y17, Y17, Y17
	VPXORD Y18, Y18, Y18
	VPXORD Y19, Y19, Y19
	MOVQ   R12, SI
	MOVQ   x+40(FP), R9
	MOVQ   nb+56(FP), BX
	TESTQ  BX, BX
	JZ     t1xrowdone
t1xblock:
	VPXORD Y24, Y24, Y24
	VPXORD Y25, Y25, Y25
	VPXORD Y26, Y26, Y26
	VPXORD Y27, Y27, Y27
	VMOVDQU (SI), Y1
	MUL3(Y1, Y2)
	MUL9(Y1, Y3)
	MUL9(Y2, Y4)
	MUL9(Y3, Y5)
	TRIT(Y1)
	VPDPBUSD     4(R9), Y1, Y24
	VPDPBUSD     4(R9)(R14*1), Y1, Y25
	VPDPBUSD     4(R9)(R14*2), Y1, Y26
	VPDPBUSD     4(R9)(R15*1), Y1, Y27
	TRIT(Y2)
	VPDPBUSD     36(R9), Y2, Y24
	VPDPBUSD     36(R9)(R14*1), Y2, Y25
	VPDPBUSD     36(R9)(R14*2), Y2, Y26
	VPDPBUSD     36(R9)(R15*1), Y2, Y27
	TRIT(Y3)
	VPDPBUSD     68(R9), Y3, Y24
	VPDPBUSD     68(R9)(R14*1), Y3, Y25
	VPDPBUSD     68(R9)(R14*2), Y3, Y26
	VPDPBUSD     68(R9)(R15*1), Y3, Y27
	TRIT(Y4)
	VPDPBUSD     100(R9), Y4, Y24
	VPDPBUSD     100(R9)(R14*1), Y4, Y25
	VPDPBUSD     100(R9)(R14*2), Y4, Y26
	VPDPBUSD     100(R9)(R15*1), Y4, Y27
	TRIT(Y5)
	VPDPBUSD     132(R9), Y5, Y24
	VPDPBUSD     132(R9)(R14*1), Y5, Y25
	VPDPBUSD     132(R9)(R14*2), Y5, Y26
	VPDPBUSD     132(R9)(R15*1), Y5, Y27
	VMOVDQU      32(SI), X1
	MUL3(X1, X2)
	VINSERTI128  $1, X2, Y1, Y1
	MUL9(Y1, Y2)
	MUL9(Y2, Y3)
	VPBROADCASTD 48(SI), X4
	MUL3(X4, X5)
	VPBLENDD     $0x02, X5, X4, X8
	MUL9X(X4, X9)
	MUL9X(X5, X10)
	VPBLENDD     $0x08, X10, X9, X9
	VPBLENDD     $0x0c, X9, X8, X8
	VINSERTI128  $1, X8, Y3, Y3
	TRIT(Y1)
	VPDPBUSD     164(R9), Y1, Y24
	VPDPBUSD     164(R9)(R14*1), Y1, Y25
	VPDPBUSD     164(R9)(R14*2), Y1, Y26
	VPDPBUSD     164(R9)(R15*1), Y1, Y27
	TRIT(Y2)
	VPDPBUSD     196(R9), Y2, Y24
	VPDPBUSD     196(R9)(R14*1), Y2, Y25
	VPDPBUSD     196(R9)(R14*2), Y2, Y26
	VPDPBUSD     196(R9)(R15*1), Y2, Y27
	TRIT(Y3)
	VPDPBUSD     228(R9), Y3, Y24
	VPDPBUSD     228(R9)(R14*1), Y3, Y25
	VPDPBUSD     228(R9)(R14*2), Y3, Y26
	VPDPBUSD     228(R9)(R15*1), Y3, Y27
	VPBROADCASTW 52(SI), X7
	VCVTPH2PS    X7, Y7
	VPMADDWD     260(R9), Y11, Y8
	VPSUBD       Y8, Y24, Y24
	VCVTDQ2PS    Y24, Y24
	VBROADCASTSS (R9), Y8
	VMULPS       Y7, Y8, Y8
	VMULPS       Y8, Y24, Y24
	VADDPS       Y24, Y16, Y16
	VPMADDWD     260(R9)(R14*1), Y11, Y8
	VPSUBD       Y8, Y25, Y25
	VCVTDQ2PS    Y25, Y25
	VBROADCASTSS (R9)(R14*1), Y8
	VMULPS       Y7, Y8, Y8
	VMULPS       Y8, Y25, Y25
	VADDPS       Y25, Y17, Y17
	VPMADDWD     260(R9)(R14*2), Y11, Y8
	VPSUBD       Y8, Y26, Y26
	VCVTDQ2PS    Y26, Y26
	VBROADCASTSS (R9)(R14*2), Y8
	VMULPS       Y7, Y8, Y8
	VMULPS       Y8, Y26, Y26
	VADDPS       Y26, Y18, Y18
	VPMADDWD     260(R9)(R15*1), Y11, Y8
	VPSUBD       Y8, Y27, Y27
	VCVTDQ2PS    Y27, Y27
	VBROADCASTSS (R9)(R15*1), Y8
	VMULPS       Y7, Y8, Y8
	VMULPS       Y8, Y27, Y27
	VADDPS       Y27, Y19, Y19
	ADDQ         $54, SI
	ADDQ         $292, R9
	DECQ         BX
	JNZ          t1xblock
t1xrowdone:
	VEXTRACTF32X4 $1, Y16, X1
	VADDPS       X1, X16, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VMOVSS       X0, (DI)
	VEXTRACTF32X4 $1, Y17, X1
	VADDPS       X1, X17, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	MOVQ         ostride+8(FP), AX
	VMOVSS       X0, (DI)(AX*1)
	VEXTRACTF32X4 $1, Y18, X1
	VADDPS       X1, X18, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	MOVQ         ostride+8(FP), AX
	VMOVSS       X0, (DI)(AX*2)
	VEXTRACTF32X4 $1, Y19, X1
	VADDPS       X1, X19, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	MOVQ         ostride+8(FP), AX
	LEAQ         (AX)(AX*2), AX
	VMOVSS       X0, (DI)(AX*1)
	ADDQ         $4, DI
	ADDQ         stride+24(FP), R12
	DECQ         CX
	JNZ          t1xrow
t1xdone:
	VZEROUPPER
	RET
