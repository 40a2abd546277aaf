//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"
#include "lanes_amd64.h"

// Repacked Q2_K in groups of 16 rows (see q2kwide.go), 512-bit vectors:
// one lane a row. A block is 1344 bytes: d at 0, dmin at 32, four lines of
// scales and minimums at 64-319 (line q: the rows' bytes 4q…4q+3), and from
// 320 the chunk of lane l and half h at 320+128l+64h. A Q8_K block is 292
// bytes, its quants from byte 4; the records hold 8 dwords a block, dword l
// the activations' bsums 2l and 2l+1 (fillQ2KWide).
//
// q2c<>: the dwords 0x03…, 0x0c… and 0x0f… (bytes) at 0, 4 and 8; at 64
// the words 2, 0 (vpsllvw: a line's bytes 0-1 times 4); at 128+64b the
// vpshufb control that sends byte b of each dword to its bytes 0 and 2 (a
// scale's two words), at 384+64p the one that sends bytes 2p and 2p+1 to
// bytes 0 and 2 (a lane's two minimums), zeros elsewhere.

DATA q2c<>+0(SB)/4, $0x03030303
DATA q2c<>+4(SB)/4, $0x0c0c0c0c
DATA q2c<>+8(SB)/4, $0x0f0f0f0f
DATA q2c<>+12(SB)/4, $0
DATA q2c<>+64(SB)/8, $0x0000000200000002
DATA q2c<>+72(SB)/8, $0x0000000200000002
DATA q2c<>+80(SB)/8, $0x0000000200000002
DATA q2c<>+88(SB)/8, $0x0000000200000002
DATA q2c<>+96(SB)/8, $0x0000000200000002
DATA q2c<>+104(SB)/8, $0x0000000200000002
DATA q2c<>+112(SB)/8, $0x0000000200000002
DATA q2c<>+120(SB)/8, $0x0000000200000002
DATA q2c<>+128(SB)/8, $0x8004800480008000
DATA q2c<>+136(SB)/8, $0x800c800c80088008
DATA q2c<>+144(SB)/8, $0x8004800480008000
DATA q2c<>+152(SB)/8, $0x800c800c80088008
DATA q2c<>+160(SB)/8, $0x8004800480008000
DATA q2c<>+168(SB)/8, $0x800c800c80088008
DATA q2c<>+176(SB)/8, $0x8004800480008000
DATA q2c<>+184(SB)/8, $0x800c800c80088008
DATA q2c<>+192(SB)/8, $0x8005800580018001
DATA q2c<>+200(SB)/8, $0x800d800d80098009
DATA q2c<>+208(SB)/8, $0x8005800580018001
DATA q2c<>+216(SB)/8, $0x800d800d80098009
DATA q2c<>+224(SB)/8, $0x8005800580018001
DATA q2c<>+232(SB)/8, $0x800d800d80098009
DATA q2c<>+240(SB)/8, $0x8005800580018001
DATA q2c<>+248(SB)/8, $0x800d800d80098009
DATA q2c<>+256(SB)/8, $0x8006800680028002
DATA q2c<>+264(SB)/8, $0x800e800e800a800a
DATA q2c<>+272(SB)/8, $0x8006800680028002
DATA q2c<>+280(SB)/8, $0x800e800e800a800a
DATA q2c<>+288(SB)/8, $0x8006800680028002
DATA q2c<>+296(SB)/8, $0x800e800e800a800a
DATA q2c<>+304(SB)/8, $0x8006800680028002
DATA q2c<>+312(SB)/8, $0x800e800e800a800a
DATA q2c<>+320(SB)/8, $0x8007800780038003
DATA q2c<>+328(SB)/8, $0x800f800f800b800b
DATA q2c<>+336(SB)/8, $0x8007800780038003
DATA q2c<>+344(SB)/8, $0x800f800f800b800b
DATA q2c<>+352(SB)/8, $0x8007800780038003
DATA q2c<>+360(SB)/8, $0x800f800f800b800b
DATA q2c<>+368(SB)/8, $0x8007800780038003
DATA q2c<>+376(SB)/8, $0x800f800f800b800b
DATA q2c<>+384(SB)/8, $0x8005800480018000
DATA q2c<>+392(SB)/8, $0x800d800c80098008
DATA q2c<>+400(SB)/8, $0x8005800480018000
DATA q2c<>+408(SB)/8, $0x800d800c80098008
DATA q2c<>+416(SB)/8, $0x8005800480018000
DATA q2c<>+424(SB)/8, $0x800d800c80098008
DATA q2c<>+432(SB)/8, $0x8005800480018000
DATA q2c<>+440(SB)/8, $0x800d800c80098008
DATA q2c<>+448(SB)/8, $0x8007800680038002
DATA q2c<>+456(SB)/8, $0x800f800e800b800a
DATA q2c<>+464(SB)/8, $0x8007800680038002
DATA q2c<>+472(SB)/8, $0x800f800e800b800a
DATA q2c<>+480(SB)/8, $0x8007800680038002
DATA q2c<>+488(SB)/8, $0x800f800e800b800a
DATA q2c<>+496(SB)/8, $0x8007800680038002
DATA q2c<>+504(SB)/8, $0x800f800e800b800a
GLOBL q2c<>(SB), RODATA|NOPTR, $512

// Q2_MIN(L, p, l, A, DM): lane l's minimums (bytes 2p, 2p+1 of the line
// L) times its record's two bsums (vpdpwssd), A = fma(−dmin·d_x (DM), M,
// A). Clobbers Z8, Z15.
#define Q2_MIN(L, p, l, A, DM) \
	VPSHUFB       q2c<>+384+64*p(SB), L, Z15; \
	VPSRLW        $4, Z15, Z15; \
	VPXORD        Z8, Z8, Z8; \
	VPDPWSSD.BCST 4*l(R10), Z15, Z8; \
	VCVTDQ2PS     Z8, Z8; \
	VFNMADD231PS  DM, Z8, A

// Q2_MINS(w, A0, …, A7): a block's lines of scales (weights at w, offset
// SI) into Z16-Z19 and its minimums' terms fused into the lanes A0-A7
// first, as ggml does (d_x at (R11)). Clobbers Z8, Z15, Z20.
#define Q2_MINS(w, A0, A1, A2, A3, A4, A5, A6, A7) \
	VCVTPH2PS   32(w)(SI*1), Z20; \
	VMULPS.BCST (R11), Z20, Z20; \
	VMOVDQU32   64(w)(SI*1), Z16; \
	VMOVDQU32   128(w)(SI*1), Z17; \
	VMOVDQU32   192(w)(SI*1), Z18; \
	VMOVDQU32   256(w)(SI*1), Z19; \
	Q2_MIN(Z16, 0, 0, A0, Z20); \
	Q2_MIN(Z16, 1, 1, A1, Z20); \
	Q2_MIN(Z17, 0, 2, A2, Z20); \
	Q2_MIN(Z17, 1, 3, A3, Z20); \
	Q2_MIN(Z18, 0, 4, A4, Z20); \
	Q2_MIN(Z18, 1, 5, A5, Z20); \
	Q2_MIN(Z19, 0, 6, A6, Z20); \
	Q2_MIN(Z19, 1, 7, A7, Z20)

// Q2_PREP: the lines Z16-Z19 masked to their scales, bytes 0-1 of each
// dword (the sub-blocks whose fields are taken at their level) times 4.
#define Q2_PREP \
	VPANDD.BCST q2c<>+8(SB), Z16, Z16; \
	VPANDD.BCST q2c<>+8(SB), Z17, Z17; \
	VPANDD.BCST q2c<>+8(SB), Z18, Z18; \
	VPANDD.BCST q2c<>+8(SB), Z19, Z19; \
	VPSLLVW     q2c<>+64(SB), Z16, Z16; \
	VPSLLVW     q2c<>+64(SB), Z17, Z17; \
	VPSLLVW     q2c<>+64(SB), Z18, Z18; \
	VPSLLVW     q2c<>+64(SB), Z19, Z19

// Q2_SC(s): the scale words of the sub-blocks 8h+2n+s that lanes 4s…4s+3
// take, (h, n) into Z20+4h+n: sub-block k is byte k%4 of line k/4.
#define Q2_SC(s) \
	VPSHUFB q2c<>+128+64*s(SB), Z16, Z20; \
	VPSHUFB q2c<>+256+64*s(SB), Z16, Z21; \
	VPSHUFB q2c<>+128+64*s(SB), Z17, Z22; \
	VPSHUFB q2c<>+256+64*s(SB), Z17, Z23; \
	VPSHUFB q2c<>+128+64*s(SB), Z18, Z24; \
	VPSHUFB q2c<>+256+64*s(SB), Z18, Z25; \
	VPSHUFB q2c<>+128+64*s(SB), Z19, Z26; \
	VPSHUFB q2c<>+256+64*s(SB), Z19, Z27

// Q2_FIELD(AND, C, src, SC, x): a field of the chunk's bytes (src & C),
// times its scale words SC (vpmullw: 4·scale·level, a byte each), times
// the four activation bytes at x(R9) into the lane's sum Z8. Clobbers
// Z31.
#define Q2_FIELD(AND, C, src, SC, x) \
	AND           C, src, Z31; \
	VPMULLW       SC, Z31, Z31; \
	VPDPBUSD.BCST x(R9), Z31, Z8

// Q2_CHUNK(w, l, h, AND, C03, C0C, S0, S1, S2, S3): the chunk of lane l,
// half h (weights at w, offset SI) into Z8: field n of its bytes is the
// level of element 128h+32n+4l+i, scaled by Sn. Clobbers Z9, Z15, Z31.
#define Q2_CHUNK(w, l, h, AND, C03, C0C, S0, S1, S2, S3) \
	VMOVDQU32 320+128*l+64*h(w)(SI*1), Z9; \
	VPSRLW    $4, Z9, Z15; \
	Q2_FIELD(AND, C03, Z9, S0, 4+128*h+4*l); \
	Q2_FIELD(AND, C0C, Z9, S1, 36+128*h+4*l); \
	Q2_FIELD(AND, C03, Z15, S2, 68+128*h+4*l); \
	Q2_FIELD(AND, C0C, Z15, S3, 100+128*h+4*l)

// Q2_LANE(w, l, A, AND, C03, C0C, D): ggml's lane l of the block: its
// sum over the two halves (four times the exact one: shifted back), then A
// = fma(d·d_x (D), S, A).
#define Q2_LANE(w, l, A, AND, C03, C0C, D) \
	VPXORD      Z8, Z8, Z8; \
	Q2_CHUNK(w, l, 0, AND, C03, C0C, Z20, Z21, Z22, Z23); \
	Q2_CHUNK(w, l, 1, AND, C03, C0C, Z24, Z25, Z26, Z27); \
	VPSRAD      $2, Z8, Z8; \
	VCVTDQ2PS   Z8, Z8; \
	VFMADD231PS D, Z8, A

// Q2_RUN(w, A0, …, A7, AND, C03, C0C, D): one block of one run (weights
// at w, offset SI; activations R9, records R10, d_x at (R11)) into the
// lanes A0-A7: the minimums first, then d·d_x into D (a register, or the
// frame) and the lanes. The masks are C03 and C0C, taken by AND (VPANDD
// with registers, VPANDD.BCST from memory). Clobbers Z8, Z9, Z15-Z27,
// Z31.
#define Q2_RUN(w, A0, A1, A2, A3, A4, A5, A6, A7, AND, C03, C0C, D) \
	Q2_MINS(w, A0, A1, A2, A3, A4, A5, A6, A7); \
	Q2_PREP; \
	VCVTPH2PS   0(w)(SI*1), Z20; \
	VMULPS.BCST (R11), Z20, Z20; \
	VMOVUPS     Z20, D; \
	Q2_SC(0); \
	Q2_LANE(w, 0, A0, AND, C03, C0C, D); \
	Q2_LANE(w, 1, A1, AND, C03, C0C, D); \
	Q2_LANE(w, 2, A2, AND, C03, C0C, D); \
	Q2_LANE(w, 3, A3, AND, C03, C0C, D); \
	Q2_SC(1); \
	Q2_LANE(w, 4, A4, AND, C03, C0C, D); \
	Q2_LANE(w, 5, A5, AND, C03, C0C, D); \
	Q2_LANE(w, 6, A6, AND, C03, C0C, D); \
	Q2_LANE(w, 7, A7, AND, C03, C0C, D)

// Q2_CONSTS: Z28, Z29 = the bytes 0x03, 0x0c (the one-run kernel's masks).
#define Q2_CONSTS \
	VPBROADCASTD q2c<>+0(SB), Z28; \
	VPBROADCASTD q2c<>+4(SB), Z29

// Q2_NEXT: past a block of a group and its Q8_K block and records.
#define Q2_NEXT \
	ADDQ $1344, SI; \
	ADDQ $292, R9; \
	ADDQ $32, R10; \
	ADDQ $4, R11

// The one-run kernel's steps (WIDE_GROUPS): lanes Z0-Z7, masks in Z28,
// Z29, d·d_x in Z30.
#define Q2_GROUP1 L8_ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
#define Q2_BLOCK1 \
	Q2_RUN(AX, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, VPANDD, Z28, Z29, Z30); \
	Q2_NEXT
#define Q2_PAIR1 \
	Q2_BLOCK1; \
	Q2_BLOCK1
#define Q2_END1 \
	L8_HSUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	VMOVUPS Z0, (DI)

// The two-run kernel's (WIDE_TWO): run A's lanes Z0-Z7, run B's Z10-Z14
// and Z28-Z30, a block after the other; the masks from memory, d·d_x in
// the frame.
#define Q2_GROUP2 \
	Q2_GROUP1; \
	L8_ZERO(Z10, Z11, Z12, Z13, Z14, Z28, Z29, Z30)
#define Q2_BLOCK2 \
	Q2_RUN(R12, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, VPANDD.BCST, q2c<>+0(SB), q2c<>+4(SB), (SP)); \
	Q2_RUN(R13, Z10, Z11, Z12, Z13, Z14, Z28, Z29, Z30, VPANDD.BCST, q2c<>+0(SB), q2c<>+4(SB), (SP))
#define Q2_END2 \
	Q2_END1; \
	L8_HSUM(Z10, Z11, Z12, Z13, Z14, Z28, Z29, Z30); \
	VMOVUPS Z10, (R15)
#define Q2_NOCONSTS NOP

// The four-token kernel: a chunk's fields are scaled once for the four
// tokens. Token t's activations are at R9 + t·R10, its records at R11 +
// t·R13, its d_x at R12 + t·R13 (DX, AX and R8: token 2's) and its outputs
// at DI + t·R14 (R15: token 2's). Its lane l's floats are in the frame at
// 512t + 64l, its lane sums in Z0+t, its d·d_x in Z4+t and its dmin·d_x in
// Z13, Z14, Z15 and Z30. A lane's floats take both of its terms, the
// minimums' first, between one load and one store: with the minimums'
// terms of all the lanes made first (a load and a store more a lane), the
// kernel took 33.1-33.8 µs on 256 rows of 4096 (in L2, Zen 4) where this
// takes 31.3-31.4.

// KX2_FIELD(C, src, SC, x): a field (src & C) times its scale words SC,
// into the tokens' lane sums Z0-Z3 with their activation bytes at x.
#define KX2_FIELD(C, src, SC, x) \
	VPANDD        C, src, Z10; \
	VPMULLW       SC, Z10, Z10; \
	VPDPBUSD.BCST x(R9), Z10, Z0; \
	VPDPBUSD.BCST x(R9)(R10*1), Z10, Z1; \
	VPDPBUSD.BCST x(DX), Z10, Z2; \
	VPDPBUSD.BCST x(DX)(R10*1), Z10, Z3

// KX2_CHUNK(l, h, S0, S1, S2, S3): the chunk of lane l, half h (at SI),
// for the four tokens (Q2_CHUNK). Clobbers Z8-Z10.
#define KX2_CHUNK(l, h, S0, S1, S2, S3) \
	VMOVDQU32 320+128*l+64*h(SI), Z8; \
	VPSRLW    $4, Z8, Z9; \
	KX2_FIELD(Z28, Z8, S0, 4+128*h+4*l); \
	KX2_FIELD(Z29, Z8, S1, 36+128*h+4*l); \
	KX2_FIELD(Z28, Z9, S2, 68+128*h+4*l); \
	KX2_FIELD(Z29, Z9, S3, 100+128*h+4*l)

// KX2_FIN(s, rec, dm, dd, acc): a token's lane floats at acc: its
// minimums' sum M (the words Z31 times its record's bsums at rec) fused
// first, acc = fma(−dmin·d_x (dm), M, acc), then its lane sum s, shifted
// back: acc = fma(d·d_x (dd), s, acc). Clobbers Z11, Z12.
#define KX2_FIN(s, rec, dm, dd, acc) \
	VPXORD        Z11, Z11, Z11; \
	VPDPWSSD.BCST rec, Z31, Z11; \
	VCVTDQ2PS     Z11, Z11; \
	VMOVUPS       acc, Z12; \
	VFNMADD231PS  dm, Z11, Z12; \
	VPSRAD        $2, s, s; \
	VCVTDQ2PS     s, s; \
	VFMADD231PS   dd, s, Z12; \
	VMOVUPS       Z12, acc

// KX2_LANE(l, q, p): lane l of the block for the four tokens: its
// minimums' words (bytes 2p, 2p+1 of line q, at SI) into Z31, its sums,
// and its floats.
#define KX2_LANE(l, q, p) \
	VMOVDQU32 64+64*q(SI), Z31; \
	VPSHUFB   q2c<>+384+64*p(SB), Z31, Z31; \
	VPSRLW    $4, Z31, Z31; \
	VPXORD    Z0, Z0, Z0; \
	VPXORD    Z1, Z1, Z1; \
	VPXORD    Z2, Z2, Z2; \
	VPXORD    Z3, Z3, Z3; \
	KX2_CHUNK(l, 0, Z20, Z21, Z22, Z23); \
	KX2_CHUNK(l, 1, Z24, Z25, Z26, Z27); \
	KX2_FIN(Z0, 4*l(R11), Z13, Z4, 64*l(SP)); \
	KX2_FIN(Z1, 4*l(R11)(R13*1), Z14, Z5, 512+64*l(SP)); \
	KX2_FIN(Z2, 4*l(AX), Z15, Z6, 1024+64*l(SP)); \
	KX2_FIN(Z3, 4*l(AX)(R13*1), Z30, Z7, 1536+64*l(SP))

// KX2_SCALE(off, t0, t1, t2, t3): the tokens' t0-t3 = the halves at
// off(SI) times their d_x. Clobbers Z12.
#define KX2_SCALE(off, t0, t1, t2, t3) \
	VCVTPH2PS   off(SI), Z12; \
	VMULPS.BCST (R12), Z12, t0; \
	VMULPS.BCST (R12)(R13*1), Z12, t1; \
	VMULPS.BCST (R8), Z12, t2; \
	VMULPS.BCST (R8)(R13*1), Z12, t3

// KX2_BLOCK: one block for the four tokens.
#define KX2_BLOCK \
	LEAQ      (R9)(R10*2), DX; \
	LEAQ      (R11)(R13*2), AX; \
	LEAQ      (R12)(R13*2), R8; \
	KX2_SCALE(0, Z4, Z5, Z6, Z7); \
	KX2_SCALE(32, Z13, Z14, Z15, Z30); \
	VMOVDQU32 64(SI), Z16; \
	VMOVDQU32 128(SI), Z17; \
	VMOVDQU32 192(SI), Z18; \
	VMOVDQU32 256(SI), Z19; \
	Q2_PREP; \
	Q2_SC(0); \
	KX2_LANE(0, 0, 0); \
	KX2_LANE(1, 0, 1); \
	KX2_LANE(2, 1, 0); \
	KX2_LANE(3, 1, 1); \
	Q2_SC(1); \
	KX2_LANE(4, 2, 0); \
	KX2_LANE(5, 2, 1); \
	KX2_LANE(6, 3, 0); \
	KX2_LANE(7, 3, 1)

// func dotWideQ2_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// bias: the activations' 8 pairs of bsums a block (fillQ2KWide).
TEXT ·dotWideQ2_KVNNI(SB), NOSPLIT, $0-56
	WIDE_GROUPS(Q2_CONSTS, Q2_GROUP1, Q2_PAIR1, Q2_BLOCK1, Q2_END1)

// func dotWideQ2_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ2_KVNNI over two runs of groups at once (group i of wA beside
// group i of wB, each as the one-run kernel computes it): two streams, a
// block of each in turn. Its frame holds d·d_x.
TEXT ·dotWideQ2_KTwoVNNI(SB), NOSPLIT, $64-72
	WIDE_TWO(Q2_NOCONSTS, Q2_GROUP2, Q2_BLOCK2, Q2_NEXT, Q2_END2)

// func dotWideQ2_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens at once (prefill), as dotWideQ4_Kx4VNNI takes them (bias:
// the tokens' 8 pairs of bsums a block): each token's outputs as the
// one-token kernel computes them. Its frame holds the tokens' lane floats.
TEXT ·dotWideQ2_Kx4VNNI(SB), 0, $2048-80
	X4_ARGS(done)
	MOVQ ostride+8(FP), R14
	Q2_CONSTS

group:
	SP8_CLEAR4
	LEAQ   (DI)(R14*2), R15
	MOVQ   nb+72(FP), BX
	MOVQ   x+32(FP), R9
	MOVQ   bias+48(FP), R11
	MOVQ   d+56(FP), R12

block:
	KX2_BLOCK
	ADDQ $1344, SI
	ADDQ $292, R9
	ADDQ $32, R11
	ADDQ $4, R12
	DECQ BX
	JNZ  block
	SP8_HSUM4
	ADDQ $64, DI
	DECQ CX
	JNZ  group

done:
	VZEROUPPER
	RET
