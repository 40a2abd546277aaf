//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"
#include "lanes_amd64.h"

// Repacked Q3_K in groups of 16 rows (see q3kwide.go), 512-bit vectors:
// one lane a row, blocks in pairs of 3520 bytes (block b: d at 32b, its
// three scale lines at 64+1728b, its levels 192 bytes after them: lane
// l's chunks P0, P1, P2 at 192l, 64k), an odd last block alone in 1760
// (d at 0, scale lines at 32). A block is found by its offsets RD (d) and
// RS (scales), Q3_OFFS. A Q8_K block is 292 bytes, its quants from byte 4;
// the records (fillQ3KWide) hold −4 times each 4-element sum of ggml's
// lanes, group g's lane l at 8g+l, then the four-token kernel's (group
// 2k's plus 2048 at 64+8k+l), 96 int32 (384 bytes) a block.
//
// Every kernel keeps ggml's eight lanes a row (dotQ3_KLanes): a lane's
// integer sum of a block is exact, so the order of its terms is free; its
// float is fused once a block, as the row kernels fuse it.

DATA q3c<>+0(SB)/4, $0xc0000000
DATA q3c<>+4(SB)/4, $0xf0000000
GLOBL q3c<>(SB), RODATA|NOPTR, $8

// Q3_CONSTS: Z28 = 0x07 bytes, Z29 = 0x03 bytes, Z30 = 0x04 bytes, Z31 =
// the dwords 0xffff. Clobbers AX.
#define Q3_CONSTS \
	MOVL         $0x07070707, AX; \
	VPBROADCASTD AX, Z28; \
	MOVL         $0x03030303, AX; \
	VPBROADCASTD AX, Z29; \
	MOVL         $0x04040404, AX; \
	VPBROADCASTD AX, Z30; \
	MOVL         $0xffff, AX; \
	VPBROADCASTD AX, Z31

// Q3_OFFS(nb, RD, RS, t1, t2): block BX of nb's offsets from its group's
// start: RD its d, RS its scale lines (q3KWideOffsets). Clobbers t1, t2.
#define Q3_OFFS(nb, RD, RS, t1, t2) \
	MOVQ    BX, t1; \
	SHRQ    $1, t1; \
	IMUL3Q  $3520, t1, RD; \
	LEAQ    64(RD), RS; \
	LEAQ    1(BX), t1; \
	LEAQ    32(RD), t2; \
	CMPQ    t1, nb; \
	CMOVQEQ t2, RS; \
	LEAQ    1792(RD), t1; \
	TESTQ   $1, BX; \
	CMOVQNE t1, RS; \
	CMOVQNE t2, RD

// Q3_SC(L, sh, dst): the scale at bit 26−sh of each lane of the line L as
// a word and a zero (vpdpwssd's operand): shifted to the top, brought
// down signed, the high word cleared. Q3_SCT: the scale at bit 26.
#define Q3_SC(L, sh, dst) \
	VPSLLD $sh, L, dst; \
	VPSRAD $26, dst, dst; \
	VPANDD Z31, dst, dst
#define Q3_SCT(L, dst) \
	VPSRAD $26, L, dst; \
	VPANDD Z31, dst, dst

// Q3_EVEN(w, RS): the even sub-blocks' scales (0, 2, …, 14: ggml's lanes
// 0-3 of groups 0-7) of the block whose lines are at RS of w into Z8-Z15.
// Clobbers Z17, Z18.
#define Q3_EVEN(w, RS) \
	VMOVDQU32 (w)(RS*1), Z17; \
	VMOVDQU32 64(w)(RS*1), Z18; \
	Q3_SC(Z17, 24, Z8); \
	Q3_SC(Z17, 18, Z9); \
	Q3_SC(Z17, 12, Z10); \
	Q3_SC(Z17, 6, Z11); \
	Q3_SCT(Z17, Z12); \
	Q3_SC(Z18, 24, Z13); \
	Q3_SC(Z18, 18, Z14); \
	Q3_SC(Z18, 12, Z15)

// Q3_ODD(w, RS): the odd sub-blocks' scales (1, 3, …, 15: lanes 4-7) into
// Z8-Z15; s15 from the three lines' bits 0-1, gathered at the top
// (vpternlogd 0xd8: a mask's bits from one, the others from another).
// Clobbers Z17-Z19, Z24, Z25.
#define Q3_ODD(w, RS) \
	VMOVDQU32            (w)(RS*1), Z17; \
	VMOVDQU32            64(w)(RS*1), Z18; \
	VMOVDQU32            128(w)(RS*1), Z19; \
	Q3_SC(Z18, 6, Z8); \
	Q3_SCT(Z18, Z9); \
	Q3_SC(Z19, 24, Z10); \
	Q3_SC(Z19, 18, Z11); \
	Q3_SC(Z19, 12, Z12); \
	Q3_SC(Z19, 6, Z13); \
	Q3_SCT(Z19, Z14); \
	VPSLLD               $30, Z19, Z15; \
	VPSLLD               $28, Z18, Z24; \
	VPTERNLOGD.BCST      $0xd8, q3c<>+0(SB), Z15, Z24; \
	VPSLLD               $26, Z17, Z25; \
	VPTERNLOGD.BCST      $0xd8, q3c<>+4(SB), Z24, Z25; \
	Q3_SCT(Z25, Z15)

// Q3_G0..Q3_G7(t, u): group g's levels (0-7) of a lane's chunks P0-P2
// (Z17-Z19) into t: a mask (and a shift) for groups 0-5, two bits and
// the third for 6 and 7, joined as t | (u & 0x03) (vpternlogd 0xf8).
// Clobbers u.
#define Q3_G0(t, u) VPANDD Z28, Z17, t
#define Q3_G1(t, u) \
	VPSRLD $3, Z17, t; \
	VPANDD Z28, t, t
#define Q3_G2(t, u) VPANDD Z28, Z18, t
#define Q3_G3(t, u) \
	VPSRLD $3, Z18, t; \
	VPANDD Z28, t, t
#define Q3_G4(t, u) VPANDD Z28, Z19, t
#define Q3_G5(t, u) \
	VPSRLD $3, Z19, t; \
	VPANDD Z28, t, t
#define Q3_G6(t, u) \
	VPSRLD     $6, Z17, u; \
	VPSRLD     $4, Z19, t; \
	VPANDD     Z30, t, t; \
	VPTERNLOGD $0xf8, Z29, u, t
#define Q3_G7(t, u) \
	VPSRLD     $6, Z18, u; \
	VPSRLD     $5, Z19, t; \
	VPANDD     Z30, t, t; \
	VPTERNLOGD $0xf8, Z29, u, t

// Q3_CHUNKS(w, RS, l): lane l's chunks P0-P2 of the block whose scale
// lines are at RS of w into Z17-Z19.
#define Q3_CHUNKS(w, RS, l) \
	VMOVDQU32 192+192*l(w)(RS*1), Z17; \
	VMOVDQU32 256+192*l(w)(RS*1), Z18; \
	VMOVDQU32 320+192*l(w)(RS*1), Z19

// Q3_DOT(G, g, l, SC, t, u, p, s): group g's part of lane l: p = its
// record (R10) plus the levels by G times the four activation bytes
// (R9), exact, and s += p·scale SC.
#define Q3_DOT(G, g, l, SC, t, u, p, s) \
	G(t, u); \
	VPBROADCASTD  32*g+4*l(R10), p; \
	VPDPBUSD.BCST 4+32*g+4*l(R9), t, p; \
	VPDPWSSD      SC, p, s

// Q3_LANE(w, RS, l, FIN, A): ggml's lane l of the block (scales in
// Z8-Z15) into its integer sum, two halves (Z20, Z21) joined, then FIN(A)
// fuses it: A = fma(d·d_x (Z16), sum, A).
#define Q3_LANE(w, RS, l, FIN, A) \
	Q3_CHUNKS(w, RS, l); \
	VPXORD    Z20, Z20, Z20; \
	VPXORD    Z21, Z21, Z21; \
	Q3_DOT(Q3_G0, 0, l, Z8, Z24, Z25, Z22, Z20); \
	Q3_DOT(Q3_G1, 1, l, Z9, Z26, Z27, Z23, Z21); \
	Q3_DOT(Q3_G2, 2, l, Z10, Z24, Z25, Z22, Z20); \
	Q3_DOT(Q3_G3, 3, l, Z11, Z26, Z27, Z23, Z21); \
	Q3_DOT(Q3_G4, 4, l, Z12, Z24, Z25, Z22, Z20); \
	Q3_DOT(Q3_G5, 5, l, Z13, Z26, Z27, Z23, Z21); \
	Q3_DOT(Q3_G6, 6, l, Z14, Z24, Z25, Z22, Z20); \
	Q3_DOT(Q3_G7, 7, l, Z15, Z26, Z27, Z23, Z21); \
	VPADDD    Z21, Z20, Z20; \
	VCVTDQ2PS Z20, Z20; \
	FIN(A)

// Q3_FINR(A): a lane's float in a register; Q3_FINM(A): in memory.
#define Q3_FINR(A) VFMADD231PS Z16, Z20, A
#define Q3_FINM(A) \
	VMOVUPS     A, Z21; \
	VFMADD231PS Z16, Z20, Z21; \
	VMOVUPS     Z21, A

// Q3_BLOCK(w, RD, RS, FIN, A0, …, A7): the block at RD, RS of w into the
// lanes' floats A0-A7 (d_x at (R11)), a line after another.
#define Q3_BLOCK(w, RD, RS, FIN, A0, A1, A2, A3, A4, A5, A6, A7) \
	VCVTPH2PS   (w)(RD*1), Z16; \
	VMULPS.BCST (R11), Z16, Z16; \
	Q3_EVEN(w, RS); \
	Q3_LANE(w, RS, 0, FIN, A0); \
	Q3_LANE(w, RS, 1, FIN, A1); \
	Q3_LANE(w, RS, 2, FIN, A2); \
	Q3_LANE(w, RS, 3, FIN, A3); \
	Q3_ODD(w, RS); \
	Q3_LANE(w, RS, 4, FIN, A4); \
	Q3_LANE(w, RS, 5, FIN, A5); \
	Q3_LANE(w, RS, 6, FIN, A6); \
	Q3_LANE(w, RS, 7, FIN, A7)

// Q3_NEXT moves R9, R10 and R11 to the next block's activations, BX to
// the next block.
#define Q3_NEXT \
	ADDQ $292, R9; \
	ADDQ $384, R10; \
	ADDQ $4, R11; \
	INCQ BX

// func dotWideQ3_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// bias: the activations' records (fillQ3KWide). The weights at AX, the
// group at SI (R8 bytes), a block's offsets in R12, R13; a row's lanes'
// floats in Z0-Z7.
TEXT ·dotWideQ3_KVNNI(SB), NOSPLIT, $0-56
	MOVQ  out+0(FP), DI
	MOVQ  groups+16(FP), CX
	MOVQ  nb+48(FP), DX
	TESTQ CX, CX
	JZ    done
	TESTQ DX, DX
	JZ    done
	Q3_CONSTS
	MOVQ   w+8(FP), AX
	IMUL3Q $1760, DX, R8
	XORQ   SI, SI

group:
	L8_ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	MOVQ x+24(FP), R9
	MOVQ bias+32(FP), R10
	MOVQ d+40(FP), R11
	XORQ BX, BX

block:
	Q3_OFFS(DX, R12, R13, R14, R15)
	ADDQ SI, R12
	ADDQ SI, R13
	Q3_BLOCK(AX, R12, R13, Q3_FINR, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	Q3_NEXT
	CMPQ BX, DX
	JLT  block
	L8_HSUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	ADDQ    R8, SI
	DECQ    CX
	JNZ     group

done:
	VZEROUPPER
	RET

// func dotWideQ3_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ3_KVNNI over two runs of groups at once (group i of wA beside
// group i of wB, each as the one-run kernel computes it): a block of each
// in turn, two streams. Run A's lanes' floats are Z0-Z7, run B's on the
// stack; the weights at AX and R8, the outputs at DI (an offset).
TEXT ·dotWideQ3_KTwoVNNI(SB), 0, $512-72
	MOVQ  groups+32(FP), CX
	MOVQ  nb+64(FP), DX
	TESTQ CX, CX
	JZ    done
	TESTQ DX, DX
	JZ    done
	Q3_CONSTS
	MOVQ  wA+16(FP), AX
	MOVQ  wB+24(FP), R8
	XORQ  SI, SI
	XORQ  DI, DI

group:
	L8_ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	SP8_CLEAR(0)
	MOVQ    x+40(FP), R9
	MOVQ    bias+48(FP), R10
	MOVQ    d+56(FP), R11
	XORQ    BX, BX

block:
	Q3_OFFS(DX, R12, R13, R14, R15)
	ADDQ SI, R12
	ADDQ SI, R13
	Q3_BLOCK(AX, R12, R13, Q3_FINR, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	Q3_BLOCK(R8, R12, R13, Q3_FINM, 0(SP), 64(SP), 128(SP), 192(SP), 256(SP), 320(SP), 384(SP), 448(SP))
	Q3_NEXT
	CMPQ BX, DX
	JLT  block
	L8_HSUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	MOVQ    outA+0(FP), R14
	VMOVUPS Z0, (R14)(DI*1)
	MOVQ    outB+8(FP), R14
	SP8_HSUM(0, (R14)(DI*1))
	ADDQ    $64, DI
	IMUL3Q  $1760, DX, R14
	ADDQ    R14, SI
	DECQ    CX
	JNZ     group

done:
	VZEROUPPER
	RET

// The four-token kernel: a chunk's levels are made once for the four
// tokens, and its lanes take the groups in pairs (2k, 2k+1): a token's
// dword p = (sum of group 2k+1) << 16 + sum of group 2k + 2048 (its
// records at 64+8k+l), so that one vpdpwssd with the pair's scales as
// words (Z8-Z11) adds both groups' terms, and the lane's sum starts from
// −2048 times the groups 2k's scales (Z12). Token t's activations are at
// R9 + t·R10, its records at R11 + t·R13, its d_x at R12 + t·R13 (DX, AX
// and R8: token 2's) and its outputs at DI + t·ostride. Its lane l's
// floats are on the stack at 512t + 64l, its lane sums in Z0+t, d·d_x in
// Z4+t. The group is at SI, the block's offsets in R14, R15.

// QX3_PAIR(La, sha, Lb, shb, dst, t): the scales at bits 26−sha of La and
// 26−shb of Lb as the words of dst (low, high); the first, signed, added
// to Z12. Clobbers t.
#define QX3_PAIR(La, sha, Lb, shb, dst, t) \
	VPSLLD     $shb, Lb, dst; \
	QX3_PAIRT(La, sha, dst, t)

// QX3_PAIRT(La, sha, top, t): QX3_PAIR with the high word's scale at the
// top of top (bits 26-31), which it becomes.
#define QX3_PAIRT(La, sha, top, t) \
	VPSLLD     $sha, La, t; \
	VPSRAD     $26, t, t; \
	VPADDD     t, Z12, Z12; \
	VPSRAD     $10, top, top; \
	VPTERNLOGD $0xd8, Z31, t, top

// QX3_NEG: Z12 = −2048·Z12, the lanes' start. Clobbers Z20.
#define QX3_NEG \
	VPSLLD $11, Z12, Z12; \
	VPXORD Z20, Z20, Z20; \
	VPSUBD Z12, Z20, Z12

// QX3_EVEN, QX3_ODD: the block's pairs of scales (lines at R15 of SI) for
// lanes 0-3 (sub-blocks 0 and 2, 4 and 6, 8 and 10, 12 and 14) and 4-7 (1
// and 3, …, 13 and 15: s15 gathered as Q3_ODD does) into Z8-Z11, their
// lanes' start into Z12. Clobber Z17-Z21, Z24, Z25.
#define QX3_EVEN \
	VMOVDQU32 (SI)(R15*1), Z17; \
	VMOVDQU32 64(SI)(R15*1), Z18; \
	VPXORD    Z12, Z12, Z12; \
	QX3_PAIR(Z17, 24, Z17, 18, Z8, Z20); \
	QX3_PAIR(Z17, 12, Z17, 6, Z9, Z20); \
	QX3_PAIR(Z17, 0, Z18, 24, Z10, Z20); \
	QX3_PAIR(Z18, 18, Z18, 12, Z11, Z20); \
	QX3_NEG
#define QX3_ODD \
	VMOVDQU32       (SI)(R15*1), Z17; \
	VMOVDQU32       64(SI)(R15*1), Z18; \
	VMOVDQU32       128(SI)(R15*1), Z19; \
	VPXORD          Z12, Z12, Z12; \
	QX3_PAIR(Z18, 6, Z18, 0, Z8, Z20); \
	QX3_PAIR(Z19, 24, Z19, 18, Z9, Z20); \
	QX3_PAIR(Z19, 12, Z19, 6, Z10, Z20); \
	VPSLLD          $30, Z19, Z21; \
	VPSLLD          $28, Z18, Z24; \
	VPTERNLOGD.BCST $0xd8, q3c<>+0(SB), Z21, Z24; \
	VPSLLD          $26, Z17, Z11; \
	VPTERNLOGD.BCST $0xd8, q3c<>+4(SB), Z24, Z11; \
	QX3_PAIRT(Z19, 0, Z11, Z20); \
	QX3_NEG

// QX3_TOKEN(xh, xl, rh, rl, SC, p, s): a token's pair: p = its record rh
// plus group 2k+1's levels (Z20) times its activations at xh, shifted to
// the high word, plus its record rl and group 2k's levels (Z24) times
// those at xl; s += p's words times SC's.
#define QX3_TOKEN(xh, xl, rh, rl, SC, p, s) \
	VPBROADCASTD  rh, p; \
	VPDPBUSD.BCST xh, Z20, p; \
	VPSLLD        $16, p, p; \
	VPADDD.BCST   rl, p, p; \
	VPDPBUSD.BCST xl, Z24, p; \
	VPDPWSSD      SC, p, s

// QX3_DOT(GH, GL, k, l, SC): groups 2k+1 (levels by GH) and 2k (GL) of
// lane l for the four tokens.
#define QX3_DOT(GH, GL, k, l, SC) \
	GH(Z20, Z21); \
	GL(Z24, Z25); \
	QX3_TOKEN(36+64*k+4*l(R9), 4+64*k+4*l(R9), 32+64*k+4*l(R11), 256+32*k+4*l(R11), SC, Z22, Z0); \
	QX3_TOKEN(36+64*k+4*l(R9)(R10*1), 4+64*k+4*l(R9)(R10*1), 32+64*k+4*l(R11)(R13*1), 256+32*k+4*l(R11)(R13*1), SC, Z23, Z1); \
	QX3_TOKEN(36+64*k+4*l(DX), 4+64*k+4*l(DX), 32+64*k+4*l(AX), 256+32*k+4*l(AX), SC, Z26, Z2); \
	QX3_TOKEN(36+64*k+4*l(DX)(R10*1), 4+64*k+4*l(DX)(R10*1), 32+64*k+4*l(AX)(R13*1), 256+32*k+4*l(AX)(R13*1), SC, Z27, Z3)

// QX3_FIN(s, d, acc): a token's lane float at acc = fma(d·d_x, s, acc).
// Clobbers Z23.
#define QX3_FIN(s, d, acc) \
	VCVTDQ2PS   s, s; \
	VMOVUPS     acc, Z23; \
	VFMADD231PS d, s, Z23; \
	VMOVUPS     Z23, acc

// QX3_LANE(l): lane l of the block for the four tokens.
#define QX3_LANE(l) \
	Q3_CHUNKS(SI, R15, l); \
	VMOVDQA32 Z12, Z0; \
	VMOVDQA32 Z12, Z1; \
	VMOVDQA32 Z12, Z2; \
	VMOVDQA32 Z12, Z3; \
	QX3_DOT(Q3_G1, Q3_G0, 0, l, Z8); \
	QX3_DOT(Q3_G3, Q3_G2, 1, l, Z9); \
	QX3_DOT(Q3_G5, Q3_G4, 2, l, Z10); \
	QX3_DOT(Q3_G7, Q3_G6, 3, l, Z11); \
	QX3_FIN(Z0, Z4, 64*l(SP)); \
	QX3_FIN(Z1, Z5, 512+64*l(SP)); \
	QX3_FIN(Z2, Z6, 1024+64*l(SP)); \
	QX3_FIN(Z3, Z7, 1536+64*l(SP))

// QX3_BLOCK: block BX for the four tokens (nb: the argument).
#define QX3_BLOCK(nb) \
	Q3_OFFS(nb, R14, R15, DX, AX); \
	LEAQ        (R9)(R10*2), DX; \
	LEAQ        (R11)(R13*2), AX; \
	LEAQ        (R12)(R13*2), R8; \
	VCVTPH2PS   (SI)(R14*1), Z16; \
	VMULPS.BCST (R12), Z16, Z4; \
	VMULPS.BCST (R12)(R13*1), Z16, Z5; \
	VMULPS.BCST (R8), Z16, Z6; \
	VMULPS.BCST (R8)(R13*1), Z16, Z7; \
	QX3_EVEN; \
	QX3_LANE(0); \
	QX3_LANE(1); \
	QX3_LANE(2); \
	QX3_LANE(3); \
	QX3_ODD; \
	QX3_LANE(4); \
	QX3_LANE(5); \
	QX3_LANE(6); \
	QX3_LANE(7)

// func dotWideQ3_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens at once (prefill), as dotWideQ4_Kx4VNNI takes them (bias:
// the tokens' records, 64 a block): each token's outputs as the
// one-token kernel computes them. Its frame holds the tokens' lane
// floats.
TEXT ·dotWideQ3_Kx4VNNI(SB), 0, $2048-80
	X4_ARGS(done)
	Q3_CONSTS

group:
	SP8_CLEAR4
	MOVQ   x+32(FP), R9
	MOVQ   bias+48(FP), R11
	MOVQ   d+56(FP), R12
	XORQ   BX, BX

block:
	QX3_BLOCK(nb+72(FP))
	ADDQ $292, R9
	ADDQ $384, R11
	ADDQ $4, R12
	INCQ BX
	CMPQ BX, nb+72(FP)
	JLT  block
	MOVQ ostride+8(FP), R14
	LEAQ (DI)(R14*2), R15
	SP8_HSUM4
	ADDQ   $64, DI
	MOVQ   nb+72(FP), AX
	IMUL3Q $1760, AX, AX
	ADDQ   AX, SI
	DECQ   CX
	JNZ    group

done:
	VZEROUPPER
	RET
