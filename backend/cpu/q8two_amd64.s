//go:build amd64 && gc && !purego

#include "textflag.h"
#include "simd_amd64.h"

// q8Ahead is how far ahead of each run the kernel asks for its weights
// (prefetcht0, once a block): the kernel holds about 20 instructions a
// 68-byte step, so the core's window reaches few loads ahead, and the
// hardware prefetchers do not cross 4 KiB boundaries. From memory on 2
// threads, on a mapped file's 4 KiB pages, 4 KiB ahead read 1.05-1.11×
// what no prefetch did; 512 bytes 0.85×, 12-16 KiB no better (bench/cpu-12-14.md,
// session 12). On the 2 MiB pages of Map's copies (session 13), in the
// 1.1B's decode, 2 KiB ran ×0.92-0.95 and 8 KiB ×0.96-0.98 of 4 KiB.
#define q8Ahead 4096

// q8FourAhead is the same for the four-run kernel, whose four streams a
// piece are half as long (as tq4Ahead for TQ2_0's).
#define q8FourAhead 2048

// func dotRowsQ8_0TwoZ(outA *float32, outB *float32, wA *byte, wB *byte, stride int, x *byte, nb int, rows int)
// dotRowsQ8_0TwoVNNI in 512-bit vectors: row i of wA in the lower eight
// lanes and row i of wB in the upper eight, so that each step of a block
// is one instruction for both rows. Per block the weights are made
// unsigned (w+128, the top bit flipped) and multiplied by the signed
// activations (vpdpbusd), and 128·Σx, the same in both halves, is taken
// off: each lane's integer is Σw·x over its four bytes exactly, as the
// 256-bit kernel's |w|·sign(x, w) makes it. Then, as there, converted,
// times d_w·d_x and fused into the row's lanes, block after block; each
// half's eight lanes are summed as hsum8 at the end. Rows of 2·34 bytes a
// block take 15 vector instructions where the 256-bit kernel takes 21: in
// L2 on one core 51 against 44 GB/s.
TEXT ·dotRowsQ8_0TwoZ(SB), NOSPLIT, $0-64
	MOVQ outA+0(FP), DI
	MOVQ outB+8(FP), R15
	MOVQ wA+16(FP), SI
	MOVQ wB+24(FP), R14
	MOVQ stride+32(FP), DX
	MOVQ x+40(FP), R8
	MOVQ nb+48(FP), CX
	MOVQ rows+56(FP), BX
	TESTQ BX, BX
	JZ   zdone
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Z15
	MOVL         $0xff00, AX
	KMOVW        AX, K1
zrow:
	VXORPS Z0, Z0, Z0
	MOVQ   SI, R9
	MOVQ   R14, R12
	MOVQ   R8, R10
	MOVQ   CX, R11
	TESTQ  R11, R11
	JZ     zrowdone
zblock:
	PREFETCHT0      q8Ahead(R9)
	PREFETCHT0      q8Ahead(R12)
	VBROADCASTI32X8 2(R10), Z2
	VPXORD          Z3, Z3, Z3
	VPDPBUSD        Z2, Z15, Z3
	VMOVDQU         2(R9), Y1
	VINSERTI32X8    $1, 2(R12), Z1, Z1
	VPXORD          Z15, Z1, Z1
	VPXORD          Z5, Z5, Z5
	VPDPBUSD        Z2, Z1, Z5
	VPSUBD          Z3, Z5, Z5
	VCVTDQ2PS       Z5, Z5
	VPBROADCASTW    (R9), Y6
	VPBROADCASTW    (R12), K1, Y6
	VCVTPH2PS       Y6, Z6
	VPBROADCASTW    (R10), Y7
	VCVTPH2PS       Y7, Z7
	VMULPS          Z7, Z6, Z6
	VFMADD231PS     Z5, Z6, Z0
	ADDQ            $34, R9
	ADDQ            $34, R12
	ADDQ            $34, R10
	DECQ            R11
	JNZ             zblock
zrowdone:
	VEXTRACTF32X8 $1, Z0, Y8
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	VMOVSS        X0, (DI)
	VEXTRACTF32X4 $1, Y8, X1
	VADDPS        X1, X8, X8
	VMOVHLPS      X8, X8, X1
	VADDPS        X1, X8, X8
	VMOVSHDUP     X8, X1
	VADDSS        X1, X8, X8
	VMOVSS        X8, (R15)
	ADDQ          $4, DI
	ADDQ          $4, R15
	ADDQ          DX, SI
	ADDQ          DX, R14
	DECQ          BX
	JNZ           zrow
zdone:
	VZEROUPPER
	RET

// func dotRowsQ8_0ZFour(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, stride int, x *byte, nb int, rows int)
// dotRowsQ8_0TwoZ over four runs of rows at once (row i of wA, wB, wC and
// wD into outA…outD, each as the one-run kernel computes it): four
// streams, as TQ2_0's dotRowsTQ2_0ZFourGF reads them. Runs A and B share
// 16 lanes (Z0), C and D others (Z30), each pair as in dotRowsQ8_0TwoZ;
// the activations' block, its 128·Σx and d_x are loaded once for the
// four. The four runs' bytes are at the same offset SI of their rows.
// Before the first row it asks for the first q8FourAhead bytes of each
// stream, which the loop's prefetches do not cover.
TEXT ·dotRowsQ8_0ZFour(SB), NOSPLIT, $0-96
	FOUR_ARGS(q4done)
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Z15
	MOVL         $0xff00, AX
	KMOVW        AX, K1
	FOUR_FIRST(PREFETCHT0, q8FourAhead, q4first)
q4row:
	FOUR_ROW_START(x, q4rowdone)
q4block:
	FOUR_AHEAD(q8FourAhead)
	VBROADCASTI32X8 2(R9), Z2
	VPXORD          Z3, Z3, Z3
	VPDPBUSD        Z2, Z15, Z3
	VMOVDQU         2(R12)(SI*1), Y1
	VINSERTI32X8    $1, 2(R13)(SI*1), Z1, Z1
	VMOVDQU         2(R8)(SI*1), Y4
	VINSERTI32X8    $1, 2(DX)(SI*1), Z4, Z4
	VPXORD          Z15, Z1, Z1
	VPXORD          Z15, Z4, Z4
	VPXORD          Z5, Z5, Z5
	VPXORD          Z8, Z8, Z8
	VPDPBUSD        Z2, Z1, Z5
	VPDPBUSD        Z2, Z4, Z8
	VPSUBD          Z3, Z5, Z5
	VPSUBD          Z3, Z8, Z8
	VCVTDQ2PS       Z5, Z5
	VCVTDQ2PS       Z8, Z8
	VPBROADCASTW    (R12)(SI*1), Y6
	VPBROADCASTW    (R13)(SI*1), K1, Y6
	VPBROADCASTW    (R8)(SI*1), Y9
	VPBROADCASTW    (DX)(SI*1), K1, Y9
	VCVTPH2PS       Y6, Z6
	VCVTPH2PS       Y9, Z9
	VPBROADCASTW    (R9), Y7
	VCVTPH2PS       Y7, Z7
	VMULPS          Z7, Z6, Z6
	VMULPS          Z7, Z9, Z9
	VFMADD231PS     Z5, Z6, Z0
	VFMADD231PS     Z8, Z9, Z30
	ADDQ            $34, SI
	ADDQ            $34, R9
	DECQ            BX
	JNZ             q4block
q4rowdone:
	FOUR_ROW_END(q4row)
q4done:
	VZEROUPPER
	RET
