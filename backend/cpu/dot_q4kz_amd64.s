//go:build amd64 && gc && !purego

#include "textflag.h"
#include "dotk_amd64.h"

// Q4_K × Q8_K rows in 512-bit vectors, the order of dotRowsQ4_KVNNI (see
// dot_k.go): the quants of sub-block pairs j and j+1 in one vector (lanes
// 0-7 j's 8 lanes, 8-15 j+1's), against the activations laid out once per
// product as records (q4kRecord) that put the 32 quants each pair takes
// side by side; the halves' integer lanes are added before the float part,
// which is dotRowsQ4_KVNNI's. The scales and minimums are unpacked as
// there.

// shufK4Z: the word scales of sub-blocks (0, 2), (1, 3), (4, 6), (5, 7),
// one pair a 64-byte mask, each in its half (see shufK4).
DATA shufK4Z<>+0(SB)/8, $0x0100010001000100
DATA shufK4Z<>+8(SB)/8, $0x0100010001000100
DATA shufK4Z<>+16(SB)/8, $0x0100010001000100
DATA shufK4Z<>+24(SB)/8, $0x0100010001000100
DATA shufK4Z<>+32(SB)/8, $0x0504050405040504
DATA shufK4Z<>+40(SB)/8, $0x0504050405040504
DATA shufK4Z<>+48(SB)/8, $0x0504050405040504
DATA shufK4Z<>+56(SB)/8, $0x0504050405040504
DATA shufK4Z<>+64(SB)/8, $0x0302030203020302
DATA shufK4Z<>+72(SB)/8, $0x0302030203020302
DATA shufK4Z<>+80(SB)/8, $0x0302030203020302
DATA shufK4Z<>+88(SB)/8, $0x0302030203020302
DATA shufK4Z<>+96(SB)/8, $0x0706070607060706
DATA shufK4Z<>+104(SB)/8, $0x0706070607060706
DATA shufK4Z<>+112(SB)/8, $0x0706070607060706
DATA shufK4Z<>+120(SB)/8, $0x0706070607060706
DATA shufK4Z<>+128(SB)/8, $0x0908090809080908
DATA shufK4Z<>+136(SB)/8, $0x0908090809080908
DATA shufK4Z<>+144(SB)/8, $0x0908090809080908
DATA shufK4Z<>+152(SB)/8, $0x0908090809080908
DATA shufK4Z<>+160(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4Z<>+168(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4Z<>+176(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4Z<>+184(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA shufK4Z<>+192(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4Z<>+200(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4Z<>+208(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4Z<>+216(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA shufK4Z<>+224(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK4Z<>+232(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK4Z<>+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA shufK4Z<>+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL shufK4Z<>(SB), RODATA|NOPTR, $256

// Q4KZ_QUAD(w, r, slo, shi): Z3, Z11 += four sub-blocks' integer lanes:
// the 64 level bytes at w(SI) (low nibbles: sub-blocks j, j+1, high:
// j+2, j+3) · their activation records at r(R14) and r+64(R14), weighed
// by the scale words of Z2 that the masks slo and shi pick. Reads Z15
// (0x0f bytes); clobbers Z5-Z8.
#define Q4KZ_QUAD(w, r, slo, shi) \
	VMOVDQU32  w(SI), Z5; \
	VPANDD     Z15, Z5, Z6; \
	VPSRLW     $4, Z5, Z5; \
	VPANDD     Z15, Z5, Z5; \
	VPMADDUBSW r(R14), Z6, Z6; \
	VPSHUFB    slo, Z2, Z7; \
	VPDPWSSD   Z7, Z6, Z3; \
	VPMADDUBSW r+64(R14), Z5, Z5; \
	VPSHUFB    shi, Z2, Z8; \
	VPDPWSSD   Z8, Z5, Z11

// Q4KZ_BLOCK: Y0, X1 += the block at SI (its sums and minimums) against
// the Q8_K block at R9 and its records at R14. Reads Z15-Z19; clobbers AX,
// DX, R8, R10, R11, R13, Z2-Z11.
#define Q4KZ_BLOCK \
	K_SCALES_MINS; \
	Q4K_MINS; \
	VMOVQ         R10, X2       /* scales as words in every 128-bit lane */; \
	VPMOVZXBW     X2, X2; \
	VSHUFI32X4    $0, Z2, Z2, Z2; \
	VPXORD        Z3, Z3, Z3; \
	VPXORD        Z11, Z11, Z11; \
	Q4KZ_QUAD(16, 0, Z16, Z17); \
	Q4KZ_QUAD(80, 128, Z18, Z19); \
	VPADDD        Z11, Z3, Z3; \
	VEXTRACTI64X4 $1, Z3, Y4; \
	VPADDD        Y4, Y3, Y3; \
	K_FUSE

// Q4KZ_CONSTS loads what Q4KZ_BLOCK reads besides its operands: 0x0f
// bytes in Z15, the scale masks in Z16-Z19. Clobbers AX.
#define Q4KZ_CONSTS \
	MOVL         $0x0f0f0f0f, AX; \
	VPBROADCASTD AX, Z15; \
	VMOVDQU64    shufK4Z<>+0(SB), Z16; \
	VMOVDQU64    shufK4Z<>+64(SB), Z17; \
	VMOVDQU64    shufK4Z<>+128(SB), Z18; \
	VMOVDQU64    shufK4Z<>+192(SB), Z19

// func dotRowsQ4_KZ(out *float32, w *byte, stride int, x *byte, rec *byte, nb int, rows int)
TEXT ·dotRowsQ4_KZ(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ rows+48(FP), CX
	TESTQ CX, CX
	JZ   kzdone
	Q4KZ_CONSTS
kzrow:
	VXORPS Y0, Y0, Y0
	VXORPS X1, X1, X1
	MOVQ   R12, SI
	MOVQ   x+24(FP), R9
	MOVQ   rec+32(FP), R14
	MOVQ   nb+40(FP), BX
	TESTQ  BX, BX
	JZ     kzrowdone
kzblock:
	Q4KZ_BLOCK
	ADDQ          $144, SI
	ADDQ          $292, R9
	ADDQ          $320, R14
	DECQ          BX
	JNZ           kzblock
kzrowdone:
	SUM_Y0_X1
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         stride+16(FP), R12
	DECQ         CX
	JNZ          kzrow
kzdone:
	VZEROUPPER
	RET

// k4zTwo: the two-run kernel's constants. At 0-255 the vpermw indices of
// the first run's scale words (Z4 words 0-7) for sub-blocks (0, 2), (1, 3),
// (4, 6), (5, 7), one pair a 64-byte vector, each in its half (shufK4Z's
// picks as word indices); at 256-511 the second run's (words 16-23). At
// 512 the dword shifts, at 544 and 576 the masks that unpack the twelve
// scale and minimum bytes (K4Z2_SCALES); at 608 the vpermps indices that
// put d_x·dmin_w of the first run in dwords 4-7 and of the second in
// 12-15; at 672 those that put d_x·d_w of the first run in dwords 0-7 and
// of the second in 8-15.
DATA k4zTwo<>+0(SB)/8, $0x0000000000000000
DATA k4zTwo<>+8(SB)/8, $0x0000000000000000
DATA k4zTwo<>+16(SB)/8, $0x0000000000000000
DATA k4zTwo<>+24(SB)/8, $0x0000000000000000
DATA k4zTwo<>+32(SB)/8, $0x0002000200020002
DATA k4zTwo<>+40(SB)/8, $0x0002000200020002
DATA k4zTwo<>+48(SB)/8, $0x0002000200020002
DATA k4zTwo<>+56(SB)/8, $0x0002000200020002
DATA k4zTwo<>+64(SB)/8, $0x0001000100010001
DATA k4zTwo<>+72(SB)/8, $0x0001000100010001
DATA k4zTwo<>+80(SB)/8, $0x0001000100010001
DATA k4zTwo<>+88(SB)/8, $0x0001000100010001
DATA k4zTwo<>+96(SB)/8, $0x0003000300030003
DATA k4zTwo<>+104(SB)/8, $0x0003000300030003
DATA k4zTwo<>+112(SB)/8, $0x0003000300030003
DATA k4zTwo<>+120(SB)/8, $0x0003000300030003
DATA k4zTwo<>+128(SB)/8, $0x0004000400040004
DATA k4zTwo<>+136(SB)/8, $0x0004000400040004
DATA k4zTwo<>+144(SB)/8, $0x0004000400040004
DATA k4zTwo<>+152(SB)/8, $0x0004000400040004
DATA k4zTwo<>+160(SB)/8, $0x0006000600060006
DATA k4zTwo<>+168(SB)/8, $0x0006000600060006
DATA k4zTwo<>+176(SB)/8, $0x0006000600060006
DATA k4zTwo<>+184(SB)/8, $0x0006000600060006
DATA k4zTwo<>+192(SB)/8, $0x0005000500050005
DATA k4zTwo<>+200(SB)/8, $0x0005000500050005
DATA k4zTwo<>+208(SB)/8, $0x0005000500050005
DATA k4zTwo<>+216(SB)/8, $0x0005000500050005
DATA k4zTwo<>+224(SB)/8, $0x0007000700070007
DATA k4zTwo<>+232(SB)/8, $0x0007000700070007
DATA k4zTwo<>+240(SB)/8, $0x0007000700070007
DATA k4zTwo<>+248(SB)/8, $0x0007000700070007
DATA k4zTwo<>+256(SB)/8, $0x0010001000100010
DATA k4zTwo<>+264(SB)/8, $0x0010001000100010
DATA k4zTwo<>+272(SB)/8, $0x0010001000100010
DATA k4zTwo<>+280(SB)/8, $0x0010001000100010
DATA k4zTwo<>+288(SB)/8, $0x0012001200120012
DATA k4zTwo<>+296(SB)/8, $0x0012001200120012
DATA k4zTwo<>+304(SB)/8, $0x0012001200120012
DATA k4zTwo<>+312(SB)/8, $0x0012001200120012
DATA k4zTwo<>+320(SB)/8, $0x0011001100110011
DATA k4zTwo<>+328(SB)/8, $0x0011001100110011
DATA k4zTwo<>+336(SB)/8, $0x0011001100110011
DATA k4zTwo<>+344(SB)/8, $0x0011001100110011
DATA k4zTwo<>+352(SB)/8, $0x0013001300130013
DATA k4zTwo<>+360(SB)/8, $0x0013001300130013
DATA k4zTwo<>+368(SB)/8, $0x0013001300130013
DATA k4zTwo<>+376(SB)/8, $0x0013001300130013
DATA k4zTwo<>+384(SB)/8, $0x0014001400140014
DATA k4zTwo<>+392(SB)/8, $0x0014001400140014
DATA k4zTwo<>+400(SB)/8, $0x0014001400140014
DATA k4zTwo<>+408(SB)/8, $0x0014001400140014
DATA k4zTwo<>+416(SB)/8, $0x0016001600160016
DATA k4zTwo<>+424(SB)/8, $0x0016001600160016
DATA k4zTwo<>+432(SB)/8, $0x0016001600160016
DATA k4zTwo<>+440(SB)/8, $0x0016001600160016
DATA k4zTwo<>+448(SB)/8, $0x0015001500150015
DATA k4zTwo<>+456(SB)/8, $0x0015001500150015
DATA k4zTwo<>+464(SB)/8, $0x0015001500150015
DATA k4zTwo<>+472(SB)/8, $0x0015001500150015
DATA k4zTwo<>+480(SB)/8, $0x0017001700170017
DATA k4zTwo<>+488(SB)/8, $0x0017001700170017
DATA k4zTwo<>+496(SB)/8, $0x0017001700170017
DATA k4zTwo<>+504(SB)/8, $0x0017001700170017
DATA k4zTwo<>+512(SB)/8, $0x0000000000000000
DATA k4zTwo<>+520(SB)/8, $0x0000000400000000
DATA k4zTwo<>+528(SB)/8, $0x0000000000000000
DATA k4zTwo<>+536(SB)/8, $0x0000000400000000
DATA k4zTwo<>+544(SB)/8, $0x0f0f0f0f3f3f3f3f
DATA k4zTwo<>+552(SB)/8, $0x0f0f0f0f3f3f3f3f
DATA k4zTwo<>+560(SB)/8, $0x0f0f0f0f3f3f3f3f
DATA k4zTwo<>+568(SB)/8, $0x0f0f0f0f3f3f3f3f
DATA k4zTwo<>+576(SB)/8, $0x3030303000000000
DATA k4zTwo<>+584(SB)/8, $0x3030303000000000
DATA k4zTwo<>+592(SB)/8, $0x3030303000000000
DATA k4zTwo<>+600(SB)/8, $0x3030303000000000
DATA k4zTwo<>+608(SB)/8, $0x0000000000000000
DATA k4zTwo<>+616(SB)/8, $0x0000000000000000
DATA k4zTwo<>+624(SB)/8, $0x0000000100000001
DATA k4zTwo<>+632(SB)/8, $0x0000000100000001
DATA k4zTwo<>+640(SB)/8, $0x0000000000000000
DATA k4zTwo<>+648(SB)/8, $0x0000000000000000
DATA k4zTwo<>+656(SB)/8, $0x0000000300000003
DATA k4zTwo<>+664(SB)/8, $0x0000000300000003
DATA k4zTwo<>+672(SB)/8, $0x0000000000000000
DATA k4zTwo<>+680(SB)/8, $0x0000000000000000
DATA k4zTwo<>+688(SB)/8, $0x0000000000000000
DATA k4zTwo<>+696(SB)/8, $0x0000000000000000
DATA k4zTwo<>+704(SB)/8, $0x0000000200000002
DATA k4zTwo<>+712(SB)/8, $0x0000000200000002
DATA k4zTwo<>+720(SB)/8, $0x0000000200000002
DATA k4zTwo<>+728(SB)/8, $0x0000000200000002
GLOBL k4zTwo<>(SB), RODATA|NOPTR, $736

// K4Z2_HI_AVX, K4Z2_HI_GF: Z5 = the high nibbles of Z5's bytes, by a
// shift and a mask (Z15: 0x0f bytes) or by one GF(2) affine map (Z31: the
// matrix of x >> 4, AVX-512 GFNI).
#define K4Z2_HI_AVX \
	VPSRLW $4, Z5, Z5; \
	VPANDD Z15, Z5, Z5
#define K4Z2_HI_GF \
	VGF2P8AFFINEQB $0, Z31, Z5, Z5

// K4Z2_QUAD(w, r, slo, shi, alo, ahi, op, HI): K4Z2's Q4KZ_QUAD: alo, ahi
// op= four sub-blocks' lanes, the 64 level bytes at w against the records
// at r and r+64(R14), weighed by the scale words of Z4 that the vpermw
// indices slo and shi pick; op vpmaddwd for the first quad of a block (the
// same integers as vpdpwssd into zero), vpdpwssd after; HI takes the high
// nibbles. Reads Z15, Z31; clobbers Z5-Z8.
#define K4Z2_QUAD(w, r, slo, shi, alo, ahi, op, HI) \
	VMOVDQU32  w, Z5; \
	VPANDD     Z15, Z5, Z6; \
	HI; \
	VPMADDUBSW r(R14), Z6, Z6; \
	VPERMW     Z4, slo, Z7; \
	op         Z7, Z6, alo; \
	VPMADDUBSW r+64(R14), Z5, Z5; \
	VPERMW     Z4, shi, Z8; \
	op         Z8, Z5, ahi

// K4Z2_SCALES(b): Z4 = the scales and minimums of the blocks at b and
// b+DX as words: dwords 0-3 the first block's scales 0-7, 4-7 its
// minimums, 8-11 and 12-15 the second's. The same bytes as
// K_SCALES_MINS: per 128-bit lane of Y2 (a block's bytes q0-q11, dwords
// d0-d2), scales 0-3 = d0 & 0x3f, scales 4-7 = d2 & 0x0f | (d0 >> 2) &
// 0x30, minimums 0-3 = d1 & 0x3f, 4-7 = (d2 >> 4) & 0x0f | (d1 >> 2) &
// 0x30 (bytewise masks). Reads Y22, Y23, Y28; clobbers Y2, Y5.
#define K4Z2_SCALES(b) \
	VMOVDQU     4(b), X2; \
	VINSERTI128 $1, 4(b)(DX*1), Y2, Y2; \
	VPSHUFD     $0x98, Y2, Y4; \
	VPSRLVD     Y22, Y4, Y4; \
	VPSHUFD     $0x50, Y2, Y5; \
	VPSRLD      $2, Y5, Y5; \
	VPANDD      Y23, Y4, Y4; \
	VPTERNLOGD  $0xf8, Y28, Y5, Y4; \
	VPMOVZXBW   Y4, Z4

// K4Z2_SUMS(b, acc, mins, HI): the rest of a block pair of the rows at b
// and b+DX once K4Z2_SCALES(b) and the minimums' product (Z5) are made,
// with d_x in X13: mins −= float(Z5)·d_x·dmin_w, acc += the scale ×
// quants · activations sums (K4Z2_QUAD) · d_x·d_w. Clobbers Z3, Z7,
// Z9-Z11, Z20, Z21.
#define K4Z2_SUMS(b, acc, mins, HI) \
	VMOVD        (b), X9; \
	VPINSRD      $1, (b)(DX*1), X9, X9; \
	VCVTPH2PS    X9, X9; \
	VMULPS       X13, X9, X9; \
	VPERMPS      Z9, Z29, Z10; \
	VFNMADD231PS Z5, Z10, mins; \
	K4Z2_QUAD(16(b), 0, Z16, Z17, Z3, Z11, VPMADDWD, HI); \
	K4Z2_QUAD(80(b), 128, Z18, Z19, Z3, Z11, VPDPWSSD, HI); \
	K4Z2_QUAD(16(b)(DX*1), 0, Z24, Z25, Z20, Z21, VPMADDWD, HI); \
	K4Z2_QUAD(80(b)(DX*1), 128, Z26, Z27, Z20, Z21, VPDPWSSD, HI); \
	VPADDD       Z11, Z3, Z3; \
	VPADDD       Z21, Z20, Z20; \
	VSHUFI64X2   $0x44, Z20, Z3, Z11; \
	VSHUFI64X2   $0xee, Z20, Z3, Z3; \
	VPADDD       Z11, Z3, Z3; \
	VPERMPS      Z9, Z30, Z7; \
	VCVTDQ2PS    Z3, Z3; \
	VFMADD231PS  Z3, Z7, acc

// K4Z_CONSTS loads what the record kernels (K4Z2_TEXT, K4Z4_TEXT) keep
// in registers: the nibble mask (Z15), the GFNI matrix of the high nibbles
// (Z31) and the k4zTwo tables (Z16-Z19, Z24-Z27, Y22, Y23, Y28, Z29, Z30).
#define K4Z_CONSTS \
	MOVL         $0x0f0f0f0f, AX; \
	VPBROADCASTD AX, Z15; \
	MOVQ         $0x1020408000000000, AX; \
	VPBROADCASTQ AX, Z31; \
	VMOVDQU64    k4zTwo<>+0(SB), Z16; \
	VMOVDQU64    k4zTwo<>+64(SB), Z17; \
	VMOVDQU64    k4zTwo<>+128(SB), Z18; \
	VMOVDQU64    k4zTwo<>+192(SB), Z19; \
	VMOVDQU64    k4zTwo<>+256(SB), Z24; \
	VMOVDQU64    k4zTwo<>+320(SB), Z25; \
	VMOVDQU64    k4zTwo<>+384(SB), Z26; \
	VMOVDQU64    k4zTwo<>+448(SB), Z27; \
	VMOVDQU64    k4zTwo<>+512(SB), Y22; \
	VMOVDQU64    k4zTwo<>+544(SB), Y23; \
	VMOVDQU64    k4zTwo<>+576(SB), Y28; \
	VMOVDQU64    k4zTwo<>+608(SB), Z29; \
	VMOVDQU64    k4zTwo<>+672(SB), Z30

// K4Z2_TEXT(HI): the body of dotRowsQ4_KZTwo (HI: K4Z2_HI_AVX) and
// dotRowsQ4_KZTwoGF (K4Z2_HI_GF): in each block pair, K4Z2_SCALES; the
// minimums, Z1 −= float(minimums · bsums pair sums) · d_x·dmin_w
// (Q4K_MINS, both blocks' lanes at once, the pair sums taken from the
// record's last 64 bytes: vphaddw's words in each 128-bit lane); the sums of scale × quants ·
// activations (K4Z2_QUAD), each run's lanes in two accumulators (Z3, Z11;
// Z20, Z21), their halves added in one vector; K_FUSE for both, Z0 +=
// float(Z3) · d_x·d_w.
#define K4Z2_TEXT(HI) \
	MOVQ outA+0(FP), DI; \
	MOVQ outB+8(FP), R15; \
	MOVQ w+16(FP), R12; \
	MOVQ dist+24(FP), DX; \
	MOVQ rows+64(FP), CX; \
	TESTQ CX, CX; \
	JZ   k2done; \
	K4Z_CONSTS; \
k2row: \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	MOVQ   R12, SI; \
	MOVQ   x+40(FP), R9; \
	MOVQ   rec+48(FP), R14; \
	MOVQ   nb+56(FP), BX; \
	TESTQ  BX, BX; \
	JZ     k2rowdone; \
k2block: \
	K4Z2_SCALES(SI); \
	VPMADDWD     256(R14), Z4, Z5; \
	VCVTDQ2PS    Z5, Z5; \
	VBROADCASTSS (R9), X13; \
	K4Z2_SUMS(SI, Z0, Z1, HI); \
	ADDQ         $144, SI; \
	ADDQ         $292, R9; \
	ADDQ         $320, R14; \
	DECQ         BX; \
	JNZ          k2block; \
k2rowdone: \
	VEXTRACTF64X4 $1, Z0, Y13; \
	VEXTRACTF32X4 $3, Z1, X14; \
	VEXTRACTF32X4 $1, Z1, X1; \
	SUM_Y0_X1; \
	VMOVSS  X0, (DI); \
	VMOVAPS Y13, Y0; \
	VMOVAPS X14, X1; \
	SUM_Y0_X1; \
	VMOVSS  X0, (R15); \
	ADDQ    $4, DI; \
	ADDQ    $4, R15; \
	ADDQ    stride+32(FP), R12; \
	DECQ    CX; \
	JNZ     k2row; \
k2done: \
	VZEROUPPER; \
	RET

// k4FourAhead is how far ahead of each of its four streams the four-run
// kernel asks for its weights, as q8FourAhead and tq4Ahead.
#define k4FourAhead 2048

// K4Z4_PAIR(b, acc, mins, HI): one block of K4Z2_TEXT's loop for the pair
// of rows at b and b+DX (its two runs' lanes in acc and mins, as Z0 and Z1
// there), with d_x in X13 already; the same instructions on the same
// lanes. Between them it asks for the three cache lines a 144-byte block
// may touch k4FourAhead ahead of both rows, two at a time: the twelve
// requests of the four streams asked at once before the block made a
// decode step's products 1.03-1.05x slower (bench/cpu.md, session 18).
// Clobbers Z2-Z11, Z20, Z21.
#define K4Z4_PAIR(b, acc, mins, HI) \
	K4Z2_SCALES(b); \
	PREFETCHT0   k4FourAhead(b); \
	PREFETCHT0   k4FourAhead(b)(DX*1); \
	VPMADDWD     256(R14), Z4, Z5; \
	VCVTDQ2PS    Z5, Z5; \
	PREFETCHT0   k4FourAhead+64(b); \
	PREFETCHT0   k4FourAhead+64(b)(DX*1); \
	K4Z2_SUMS(b, acc, mins, HI); \
	PREFETCHT0   k4FourAhead+128(b); \
	PREFETCHT0   k4FourAhead+128(b)(DX*1)

// K4Z4_END(out1, out2): stores the results of the pair whose lanes are in
// Z0 and Z1 (as at K4Z2_TEXT's row end) to out1 and out2. Clobbers Z0,
// Z1, X2, Y6, X8.
#define K4Z4_END(out1, out2) \
	VEXTRACTF64X4 $1, Z0, Y6; \
	VEXTRACTF32X4 $3, Z1, X8; \
	VEXTRACTF32X4 $1, Z1, X1; \
	SUM_Y0_X1; \
	VMOVSS        X0, (out1); \
	VMOVAPS       Y6, Y0; \
	VMOVAPS       X8, X1; \
	SUM_Y0_X1; \
	VMOVSS        X0, (out2)

// K4Z4_TEXT(HI): the body of dotRowsQ4_KZFour and dotRowsQ4_KZFourGF:
// K4Z2_TEXT's on two pairs of runs at once, the rows at w and w+dist
// (SI, lanes Z0 and Z1, into outA and outB) and those half bytes further
// (R13, lanes Z12 and Z14, into outC and outD): four streams, each
// block's record and d_x loaded once for the four.
#define K4Z4_TEXT(HI) \
	MOVQ outA+0(FP), DI; \
	MOVQ outB+8(FP), R15; \
	MOVQ outC+16(FP), R10; \
	MOVQ outD+24(FP), R11; \
	MOVQ w+32(FP), R12; \
	MOVQ dist+40(FP), DX; \
	MOVQ half+48(FP), R8; \
	MOVQ rows+88(FP), CX; \
	TESTQ CX, CX; \
	JZ   k4done; \
	K4Z_CONSTS; \
	MOVQ  R12, SI; \
	LEAQ  (R12)(R8*1), R13; \
	MOVQ  $(k4FourAhead/64), BX; \
k4first: \
	PREFETCHT0 (SI); \
	PREFETCHT0 (SI)(DX*1); \
	PREFETCHT0 (R13); \
	PREFETCHT0 (R13)(DX*1); \
	ADDQ  $64, SI; \
	ADDQ  $64, R13; \
	DECQ  BX; \
	JNZ   k4first; \
k4row: \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z14, Z14, Z14; \
	MOVQ   R12, SI; \
	LEAQ   (R12)(R8*1), R13; \
	MOVQ   x+64(FP), R9; \
	MOVQ   rec+72(FP), R14; \
	MOVQ   nb+80(FP), BX; \
	TESTQ  BX, BX; \
	JZ     k4rowdone; \
k4block: \
	VBROADCASTSS (R9), X13; \
	K4Z4_PAIR(SI, Z0, Z1, HI); \
	K4Z4_PAIR(R13, Z12, Z14, HI); \
	ADDQ         $144, SI; \
	ADDQ         $144, R13; \
	ADDQ         $292, R9; \
	ADDQ         $320, R14; \
	DECQ         BX; \
	JNZ          k4block; \
k4rowdone: \
	K4Z4_END(DI, R15); \
	VMOVAPS Z12, Z0; \
	VMOVAPS Z14, Z1; \
	K4Z4_END(R10, R11); \
	ADDQ    $4, DI; \
	ADDQ    $4, R15; \
	ADDQ    $4, R10; \
	ADDQ    $4, R11; \
	ADDQ    stride+56(FP), R12; \
	DECQ    CX; \
	JNZ     k4row; \
k4done: \
	VZEROUPPER; \
	RET

// func dotRowsQ4_KZTwo(outA *float32, outB *float32, w *byte, dist int, stride int, x *byte, rec *byte, nb int, rows int)
// dotRowsQ4_KZ over two runs of rows at once: row i at w into outA[i]
// beside row i at w+dist into outB[i], block by block, each lane as the
// one-run kernel computes it, the two runs side by side in 512-bit
// vectors: Z0's low half the first run's float lanes (Y0 of dotRowsQ4_KZ),
// its high half the second's; Z1's dwords 4-7 the first run's minimums'
// lanes (X1), 12-15 the second's. Two streams, which one core reads faster
// than one when they lie a megabyte or more apart. The scales and
// minimums of both blocks are unpacked at once in vectors (K4Z2_SCALES),
// their minimums' products, d and dmin made together, the bsums pair sums
// read from the records (fillQ4K), d_x once.
TEXT ·dotRowsQ4_KZTwo(SB), NOSPLIT, $0-72
	K4Z2_TEXT(K4Z2_HI_AVX)

// func dotRowsQ4_KZTwoGF(outA *float32, outB *float32, w *byte, dist int, stride int, x *byte, rec *byte, nb int, rows int)
// dotRowsQ4_KZTwo taking the high nibbles with one GFNI instruction
// instead of two (AVX-512 GFNI): the same integers.
TEXT ·dotRowsQ4_KZTwoGF(SB), NOSPLIT, $0-72
	K4Z2_TEXT(K4Z2_HI_GF)

// func dotRowsQ4_KZFour(outA *float32, outB *float32, outC *float32, outD *float32, w *byte, dist int, half int, stride int, x *byte, rec *byte, nb int, rows int)
// dotRowsQ4_KZTwo over four runs of rows at once: row i at w into
// outA[i], at w+dist into outB[i], at w+half into outC[i] and at
// w+dist+half into outD[i], each lane as the one-run kernel computes it.
// Four streams, as TQ2_0's and Q8_0's four-run kernels read them, each
// asked for k4FourAhead ahead and, before the first row, its first
// k4FourAhead bytes (the two-run kernel asks for none; without them four
// streams ran ×0.99-1.04 of two in the model, with them ×1.16-1.20).
TEXT ·dotRowsQ4_KZFour(SB), NOSPLIT, $0-96
	K4Z4_TEXT(K4Z2_HI_AVX)

// func dotRowsQ4_KZFourGF(outA *float32, outB *float32, outC *float32, outD *float32, w *byte, dist int, half int, stride int, x *byte, rec *byte, nb int, rows int)
// dotRowsQ4_KZFour taking the high nibbles with one GFNI instruction.
TEXT ·dotRowsQ4_KZFourGF(SB), NOSPLIT, $0-96
	K4Z4_TEXT(K4Z2_HI_GF)

// func fillQ4KAVX512(rec *byte, x *byte, nb int)
// fillQ4KGeneric's records of nb Q8_K blocks (q8KBlock = 292 bytes apart
// at x) into rec (q4kRecord = 320 bytes apart): each 64 bytes two runs of
// 32 quants side by side; then the block's bsums added in pairs (vphaddw,
// 16-bit sums as the Go form's), the eight in each 16 bytes of the last 64.
TEXT ·fillQ4KAVX512(SB), NOSPLIT, $0-24
	MOVQ rec+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ nb+16(FP), CX
	TESTQ CX, CX
	JZ   fkdone
fkblock:
	VMOVDQU      4(SI), Y0
	VINSERTI64X4 $1, 68(SI), Z0, Z0
	VMOVDQU64    Z0, (DI)
	VMOVDQU      36(SI), Y1
	VINSERTI64X4 $1, 100(SI), Z1, Z1
	VMOVDQU64    Z1, 64(DI)
	VMOVDQU      132(SI), Y2
	VINSERTI64X4 $1, 196(SI), Z2, Z2
	VMOVDQU64    Z2, 128(DI)
	VMOVDQU      164(SI), Y3
	VINSERTI64X4 $1, 228(SI), Z3, Z3
	VMOVDQU64    Z3, 192(DI)
	VMOVDQU      260(SI), X4
	VMOVDQU      276(SI), X5
	VPHADDW      X5, X4, X6
	VSHUFI32X4   $0, Z6, Z6, Z6
	VMOVDQU64    Z6, 256(DI)
	ADDQ $292, SI
	ADDQ $320, DI
	DECQ CX
	JNZ  fkblock
fkdone:
	VZEROUPPER
	RET
