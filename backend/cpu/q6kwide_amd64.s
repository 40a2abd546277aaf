//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"

// Repacked Q6_K in groups of 16 rows (see q6kwide.go), 512-bit vectors:
// one lane a row, blocks in pairs of 6720 bytes (block b: d at 32b, scale
// lines at 64+256b, chunks from 576+3072b, three a chunk step c of step
// (h, is) at 1536h+768is+192c: the low bits of elements 128h+16is+4c…
// and +64, of +32 and +96, and the high bits), an odd last block alone in
// 3360 (d at 0, scale lines at 32, chunks from 288). The macros take a
// block's offsets D, S, Q: 0, 64, 576 for block 0 of a pair, 32, 320,
// 3648 for block 1, 0, 32, 288 for an odd last block. A Q8_K block is 292
// bytes, its quants from byte 4; the records hold −32 times each
// 16-element sum, 16 int32 a block. The kernels ask for no lines ahead:
// prefetcht0 2 KiB ahead, a line a load, made the 1.1B decode x0.80-0.91
// as fast in process (session 21).

// Q6_CONSTS: Z15 = 0x0f bytes, Z28-Z31 = 0x03, 0x0c, 0x30, 0xc0 bytes.
// Clobbers AX.
#define Q6_CONSTS \
	MOVL         $0x0f0f0f0f, AX; \
	VPBROADCASTD AX, Z15; \
	MOVL         $0x03030303, AX; \
	VPBROADCASTD AX, Z28; \
	VPSLLD       $2, Z28, Z29; \
	VPSLLD       $4, Z28, Z30; \
	VPSLLD       $6, Z28, Z31

// Q6_SC(line, sh, dst): the int8 scale in byte (24-sh)/8 of each lane of
// line, sign-extended.
#define Q6_SC(line, sh, dst) \
	VPSLLD $sh, line, dst; \
	VPSRAD $24, dst, dst

// Q6_JOIN1..4(a, b): a sub-block's level sums joined: a + b·16 (levels
// 0-31), a + b·4, (a + b·16)/16 and (a + b·4)/16 (levels 32-127: the low
// bits were taken ×16). Clobbers b.
#define Q6_JOIN1(a, b) \
	VPSLLD $4, b, b; \
	VPADDD b, a, a
#define Q6_JOIN2(a, b) \
	VPSLLD $2, b, b; \
	VPADDD b, a, a
#define Q6_JOIN3(a, b) \
	Q6_JOIN1(a, b); \
	VPSRAD $4, a, a
#define Q6_JOIN4(a, b) \
	Q6_JOIN2(a, b); \
	VPSRAD $4, a, a

// Q6_CHUNK1(w, Q, h, is, c): the one-run kernel's chunks c of step (h,
// is) of the block with chunks at Q (weights at w, offset SI): the low bits of elements 128h+16is+4c… (& 0x0f) and
// 128h+64+… (& 0xf0), of 128h+32+… and 128h+96+…, the high bits of all
// four; each times its activations (R9) into Z6-Z13.
#define Q6_CHUNK1(w, Q, h, is, c) \
	VMOVDQU32     Q+1536*h+768*is+192*c(w)(SI*1), Z2; \
	VMOVDQU32     Q+64+1536*h+768*is+192*c(w)(SI*1), Z4; \
	VMOVDQU32     Q+128+1536*h+768*is+192*c(w)(SI*1), Z14; \
	VPANDD        Z15, Z2, Z1; \
	VPXORD        Z1, Z2, Z2; \
	VPANDD        Z15, Z4, Z3; \
	VPXORD        Z3, Z4, Z4; \
	VPANDD        Z28, Z14, Z16; \
	VPANDD        Z29, Z14, Z17; \
	VPANDD        Z30, Z14, Z18; \
	VPANDD        Z31, Z14, Z19; \
	VPDPBUSD.BCST 4+128*h+16*is+4*c(R9), Z1, Z6; \
	VPDPBUSD.BCST 4+128*h+16*is+4*c(R9), Z16, Z7; \
	VPDPBUSD.BCST 36+128*h+16*is+4*c(R9), Z3, Z8; \
	VPDPBUSD.BCST 36+128*h+16*is+4*c(R9), Z17, Z9; \
	VPDPBUSD.BCST 68+128*h+16*is+4*c(R9), Z2, Z10; \
	VPDPBUSD.BCST 68+128*h+16*is+4*c(R9), Z18, Z11; \
	VPDPBUSD.BCST 100+128*h+16*is+4*c(R9), Z4, Z12; \
	VPDPBUSD.BCST 100+128*h+16*is+4*c(R9), Z19, Z13

// Q6_STEP1(w, Q, h, is, la, lb, s, sh1, sh2): sub-blocks 8h+is, +2, +4,
// +6 of the block with chunks at Q (weights at w, offset SI) added to s: their scales are
// bytes is and 2+is of the block's scale lines 2h and 2h+1, in la and lb
// (shifts sh1, sh2).
#define Q6_STEP1(w, Q, h, is, la, lb, s, sh1, sh2) \
	VPBROADCASTD 32*h+4*is(R10), Z6; \
	VPBROADCASTD 32*h+8+4*is(R10), Z8; \
	VPBROADCASTD 32*h+16+4*is(R10), Z10; \
	VPBROADCASTD 32*h+24+4*is(R10), Z12; \
	VPSLLD       $4, Z10, Z10; \
	VPSLLD       $4, Z12, Z12; \
	VPXORD       Z7, Z7, Z7; \
	VPXORD       Z9, Z9, Z9; \
	VPXORD       Z11, Z11, Z11; \
	VPXORD       Z13, Z13, Z13; \
	Q6_CHUNK1(w, Q, h, is, 0); \
	Q6_CHUNK1(w, Q, h, is, 1); \
	Q6_CHUNK1(w, Q, h, is, 2); \
	Q6_CHUNK1(w, Q, h, is, 3); \
	Q6_JOIN1(Z6, Z7); \
	Q6_JOIN2(Z8, Z9); \
	Q6_JOIN3(Z10, Z11); \
	Q6_JOIN4(Z12, Z13); \
	Q6_SC(la, sh1, Z20); \
	Q6_SC(la, sh2, Z21); \
	Q6_SC(lb, sh1, Z7); \
	Q6_SC(lb, sh2, Z9); \
	VPMULLD      Z20, Z6, Z6; \
	VPMULLD      Z21, Z8, Z8; \
	VPMULLD      Z7, Z10, Z10; \
	VPMULLD      Z9, Z12, Z12; \
	VPADDD       Z6, s, s; \
	VPADDD       Z8, s, s; \
	VPADDD       Z10, s, s; \
	VPADDD       Z12, s, s

// Q6_FIN1(w, D, s, acc): acc = fma(S, d·d_x, acc), d at D of w.
// Clobbers s, Z1.
#define Q6_FIN1(w, D, s, acc) \
	VCVTDQ2PS   s, s; \
	VCVTPH2PS   D(w)(SI*1), Z1; \
	VMULPS.BCST (R11), Z1, Z1; \
	VFMADD231PS Z1, s, acc

// Q6_BLOCK1(w, D, S, Q, acc): the block at D, S, Q of w (offset SI) into
// acc, its scale lines loaded into Z24-Z27.
#define Q6_BLOCK1(w, D, S, Q, acc) \
	VMOVDQU32 S(w)(SI*1), Z24; \
	VMOVDQU32 S+64(w)(SI*1), Z25; \
	VMOVDQU32 S+128(w)(SI*1), Z26; \
	VMOVDQU32 S+192(w)(SI*1), Z27; \
	VPXORD    Z5, Z5, Z5; \
	Q6_STEP1(w, Q, 0, 0, Z24, Z25, Z5, 24, 8); \
	Q6_STEP1(w, Q, 0, 1, Z24, Z25, Z5, 16, 0); \
	Q6_STEP1(w, Q, 1, 0, Z26, Z27, Z5, 24, 8); \
	Q6_STEP1(w, Q, 1, 1, Z26, Z27, Z5, 16, 0); \
	Q6_FIN1(w, D, Z5, acc)

// Q6_NEXT moves R9, R10 and R11 to the next block's activations.
#define Q6_NEXT \
	ADDQ $292, R9; \
	ADDQ $64, R10; \
	ADDQ $4, R11

// func dotWideQ6_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// bias: the activations' records (fillQ6KWide).
TEXT ·dotWideQ6_KVNNI(SB), NOSPLIT, $0-56
	MOVQ  out+0(FP), DI
	MOVQ  groups+16(FP), CX
	MOVQ  nb+48(FP), DX
	MOVQ  DX, R12
	ANDQ  $1, R12
	SHRQ  $1, DX
	TESTQ CX, CX
	JZ    q6done
	CMPQ  nb+48(FP), $0
	JEQ   q6done
	Q6_CONSTS
	MOVQ  w+8(FP), AX
	XORQ  SI, SI
q6group:
	VXORPS Z0, Z0, Z0
	MOVQ   x+24(FP), R9
	MOVQ   bias+32(FP), R10
	MOVQ   d+40(FP), R11
	MOVQ   DX, BX
	TESTQ  BX, BX
	JZ     q6odd
q6pair:
	Q6_BLOCK1(AX, 0, 64, 576, Z0)
	Q6_NEXT
	Q6_BLOCK1(AX, 32, 320, 3648, Z0)
	Q6_NEXT
	ADDQ $6720, SI
	DECQ BX
	JNZ  q6pair
q6odd:
	TESTQ R12, R12
	JZ    q6store
	Q6_BLOCK1(AX, 0, 32, 288, Z0)
	ADDQ  $3360, SI
q6store:
	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	DECQ    CX
	JNZ     q6group
q6done:
	VZEROUPPER
	RET

// func dotWideQ6_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ6_KVNNI over two runs of groups at once (group i of wA beside
// group i of wB, each as the one-run kernel computes it): a block of each
// in turn, two streams. A 768-byte step of each in turn read 11 GB/s from
// memory on one core where a block of each read 24 (session 21).
TEXT ·dotWideQ6_KTwoVNNI(SB), NOSPLIT, $0-72
	MOVQ  outA+0(FP), DI
	MOVQ  outB+8(FP), R15
	MOVQ  groups+32(FP), CX
	MOVQ  nb+64(FP), DX
	MOVQ  DX, R12
	ANDQ  $1, R12
	SHRQ  $1, DX
	TESTQ CX, CX
	JZ    q62done
	CMPQ  nb+64(FP), $0
	JEQ   q62done
	Q6_CONSTS
	MOVQ  wA+16(FP), AX
	MOVQ  wB+24(FP), R8
	XORQ  SI, SI
q62group:
	VXORPS Z0, Z0, Z0
	VXORPS Z22, Z22, Z22
	MOVQ   x+40(FP), R9
	MOVQ   bias+48(FP), R10
	MOVQ   d+56(FP), R11
	MOVQ   DX, BX
	TESTQ  BX, BX
	JZ     q62odd
q62pair:
	Q6_BLOCK1(AX, 0, 64, 576, Z0)
	Q6_BLOCK1(R8, 0, 64, 576, Z22)
	Q6_NEXT
	Q6_BLOCK1(AX, 32, 320, 3648, Z0)
	Q6_BLOCK1(R8, 32, 320, 3648, Z22)
	Q6_NEXT
	ADDQ $6720, SI
	DECQ BX
	JNZ  q62pair
q62odd:
	TESTQ R12, R12
	JZ    q62store
	Q6_BLOCK1(AX, 0, 32, 288, Z0)
	Q6_BLOCK1(R8, 0, 32, 288, Z22)
	ADDQ  $3360, SI
q62store:
	VMOVUPS Z0, (DI)
	VMOVUPS Z22, (R15)
	ADDQ    $64, DI
	ADDQ    $64, R15
	DECQ    CX
	JNZ     q62group
q62done:
	VZEROUPPER
	RET

// The four-token kernel takes a step's four sub-blocks one at a time,
// each chunk loaded and its elements' six bits joined once for the four
// tokens. Token t's activations are at R9 + t·R10, its records and d_x at
// R11, R12 + t·R13 (DX, AX and R8: token 2's); its lanes: float sums
// Z16+t, S Z20+t, a sub-block's sums Z4+t.

// QX_DOT(x, f, a0, a1, a2, a3): the tokens' sums += the levels f times
// their activation bytes at x.
#define QX_DOT(x, f, a0, a1, a2, a3) \
	VPDPBUSD.BCST x(R9), f, a0; \
	VPDPBUSD.BCST x(R9)(R10*1), f, a1; \
	VPDPBUSD.BCST x(DX), f, a2; \
	VPDPBUSD.BCST x(DX)(R10*1), f, a3

// QX_F0..QX_F3(l, h, v): the levels (0-63, stored +32) of field n of a
// chunk into v: the low bits from the low (n = 0, 1) or high (2, 3)
// nibbles of l, the high bits from bits 2n, 2n+1 of h, brought to 0x30
// and joined as (l & 0x0f) | v (vpternlogd 0xf8). Clobbers l.
#define QX_F0(l, h, v) \
	VPSLLD     $4, h, v; \
	VPANDD     Z30, v, v; \
	VPTERNLOGD $0xf8, Z15, l, v
#define QX_F1(l, h, v) \
	VPSLLD     $2, h, v; \
	VPANDD     Z30, v, v; \
	VPTERNLOGD $0xf8, Z15, l, v
#define QX_F2(l, h, v) \
	VPANDD     Z30, h, v; \
	VPSRLD     $4, l, l; \
	VPTERNLOGD $0xf8, Z15, l, v
#define QX_F3(l, h, v) \
	VPSRLD     $2, h, v; \
	VPANDD     Z30, v, v; \
	VPSRLD     $4, l, l; \
	VPTERNLOGD $0xf8, Z15, l, v

// QX_CHUNK(F, ql, qh, x): one chunk of a sub-block: its levels by F from
// the low bits at ql(SI) and the high bits at qh(SI), times the
// activations at x.
#define QX_CHUNK(F, ql, qh, x) \
	VMOVDQU32 ql(SI), Z1; \
	VMOVDQU32 qh(SI), Z3; \
	F(Z1, Z3, Z12); \
	QX_DOT(x, Z12, Z4, Z5, Z6, Z7)

// QX_SUB(F, ql, qh, x, rec, line, sh): one sub-block for the four tokens:
// the sums from the records at rec (−32·Σx), four chunks (levels by F
// from ql and qh, activations from x, 64 bytes and 4 bytes apart), times
// the scale in line (shift sh) and added to S.
#define QX_SUB(F, ql, qh, x, rec, line, sh) \
	VPBROADCASTD rec(R11), Z4; \
	VPBROADCASTD rec(R11)(R13*1), Z5; \
	VPBROADCASTD rec(AX), Z6; \
	VPBROADCASTD rec(AX)(R13*1), Z7; \
	QX_CHUNK(F, ql, qh, x); \
	QX_CHUNK(F, ql+192, qh+192, x+4); \
	QX_CHUNK(F, ql+384, qh+384, x+8); \
	QX_CHUNK(F, ql+576, qh+576, x+12); \
	Q6_SC(line, sh, Z13); \
	VPMULLD      Z13, Z4, Z4; \
	VPMULLD      Z13, Z5, Z5; \
	VPMULLD      Z13, Z6, Z6; \
	VPMULLD      Z13, Z7, Z7; \
	VPADDD       Z4, Z20, Z20; \
	VPADDD       Z5, Z21, Z21; \
	VPADDD       Z6, Z22, Z22; \
	VPADDD       Z7, Z23, Z23

// QX_STEP(Q, h, is, la, lb, sh1, sh2): sub-blocks 8h+is, +2, +4, +6 of
// the block with chunks at Q (as Q6_STEP1) for the four tokens.
#define QX_STEP(Q, h, is, la, lb, sh1, sh2) \
	QX_SUB(QX_F0, Q+1536*h+768*is, Q+128+1536*h+768*is, 4+128*h+16*is, 32*h+4*is, la, sh1); \
	QX_SUB(QX_F1, Q+64+1536*h+768*is, Q+128+1536*h+768*is, 36+128*h+16*is, 32*h+8+4*is, la, sh2); \
	QX_SUB(QX_F2, Q+1536*h+768*is, Q+128+1536*h+768*is, 68+128*h+16*is, 32*h+16+4*is, lb, sh1); \
	QX_SUB(QX_F3, Q+64+1536*h+768*is, Q+128+1536*h+768*is, 100+128*h+16*is, 32*h+24+4*is, lb, sh2)

// QX_FIN(s, dx, acc): acc = fma(S, d·d_x, acc) (d in Z14). Clobbers Z13.
#define QX_FIN(s, dx, acc) \
	VCVTDQ2PS   s, s; \
	VMULPS.BCST dx, Z14, Z13; \
	VFMADD231PS Z13, s, acc

// QX_BLOCK(D, S, Q): the block at D, S, Q (SI) for the four tokens; then
// R9, R11 and R12 move to the tokens' next block.
#define QX_BLOCK(D, S, Q) \
	LEAQ      (R9)(R10*2), DX; \
	LEAQ      (R11)(R13*2), AX; \
	LEAQ      (R12)(R13*2), R8; \
	VMOVDQU32 S(SI), Z24; \
	VMOVDQU32 S+64(SI), Z25; \
	VMOVDQU32 S+128(SI), Z26; \
	VMOVDQU32 S+192(SI), Z27; \
	VPXORD    Z20, Z20, Z20; \
	VPXORD    Z21, Z21, Z21; \
	VPXORD    Z22, Z22, Z22; \
	VPXORD    Z23, Z23, Z23; \
	QX_STEP(Q, 0, 0, Z24, Z25, 24, 8); \
	QX_STEP(Q, 0, 1, Z24, Z25, 16, 0); \
	QX_STEP(Q, 1, 0, Z26, Z27, 24, 8); \
	QX_STEP(Q, 1, 1, Z26, Z27, 16, 0); \
	VCVTPH2PS D(SI), Z14; \
	QX_FIN(Z20, (R12), Z16); \
	QX_FIN(Z21, (R12)(R13*1), Z17); \
	QX_FIN(Z22, (R8), Z18); \
	QX_FIN(Z23, (R8)(R13*1), Z19); \
	ADDQ      $292, R9; \
	ADDQ      $64, R11; \
	ADDQ      $4, R12

// func dotWideQ6_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens at once (prefill), as dotWideQ4_0x4VNNI takes them (bias:
// the tokens' records, 16 a block): each token's outputs as the
// one-token kernel computes them.
TEXT ·dotWideQ6_Kx4VNNI(SB), NOSPLIT, $0-80
	X4_ARGS(qxdone)
	Q6_CONSTS
qxgroup:
	VZERO4(Z16, Z17, Z18, Z19)
	MOVQ  nb+72(FP), BX
	MOVQ  x+32(FP), R9
	MOVQ  bias+48(FP), R11
	MOVQ  d+56(FP), R12
	SHRQ  $1, BX
	JZ    qxodd
qxpair:
	QX_BLOCK(0, 64, 576)
	QX_BLOCK(32, 320, 3648)
	ADDQ $6720, SI
	DECQ BX
	JNZ  qxpair
qxodd:
	TESTQ $1, nb+72(FP)
	JZ    qxstore
	QX_BLOCK(0, 32, 288)
	ADDQ  $3360, SI
qxstore:
	X4_STORE(Z16, Z17, Z18, Z19, 64)
	DECQ    CX
	JNZ     qxgroup
qxdone:
	VZEROUPPER
	RET
