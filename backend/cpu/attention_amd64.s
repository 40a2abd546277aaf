//go:build amd64 && gc && !purego

#include "textflag.h"
#include "simd_amd64.h"
#include "float_amd64.h"

// Attention's kernels: a key-value head's scores (kqScoresAVX512, and
// sixteen rows at a time, kqScores16AVX512; kqScoresAVX2, and eight rows
// at a time, kqScores8AVX2) and softmax·V's lane rows (axpyRowsAVX2,
// axpyRowsAVX512, axpyRows64AVX512), in ggml's orders.

// Attention's scores sixteen cache rows at a time (kqScores16AVX512), each
// row's dot product in ggml_vec_dot_f32's order (kqScoresAVX512's): four
// 16-lane sums, folded 0+2, 1+3, 0+1, then _mm512_reduce_add_ps's halves
// (lanes i and i+8, i and i+4, i and i+2, 0 and 1). The sixteen rows'
// halves are added side by side, two rows' in one vector, then four, eight
// and sixteen: the same additions, a sixteenth of the shuffles a row.

// kqOrder: the row each lane of the reduction's last vector holds is
// 4·(lane%4) + lane/4; its inverse, for vpermps.
DATA kqOrder<>+0(SB)/4, $0
DATA kqOrder<>+4(SB)/4, $4
DATA kqOrder<>+8(SB)/4, $8
DATA kqOrder<>+12(SB)/4, $12
DATA kqOrder<>+16(SB)/4, $1
DATA kqOrder<>+20(SB)/4, $5
DATA kqOrder<>+24(SB)/4, $9
DATA kqOrder<>+28(SB)/4, $13
DATA kqOrder<>+32(SB)/4, $2
DATA kqOrder<>+36(SB)/4, $6
DATA kqOrder<>+40(SB)/4, $10
DATA kqOrder<>+44(SB)/4, $14
DATA kqOrder<>+48(SB)/4, $3
DATA kqOrder<>+52(SB)/4, $7
DATA kqOrder<>+56(SB)/4, $11
DATA kqOrder<>+60(SB)/4, $15
GLOBL kqOrder<>(SB), RODATA|NOPTR, $64

// KQ_STEP(off, a, b, c, d): the row's sums Z16-Z19 += its 64 floats at
// off(SI) times q's in a-d.
#define KQ_STEP(off, a, b, c, d) \
	VFMADD231PS off(SI), a, Z16; \
	VFMADD231PS off+64(SI), b, Z17; \
	VFMADD231PS off+128(SI), c, Z18; \
	VFMADD231PS off+192(SI), d, Z19

#define KQ_ZERO \
	VXORPS Z16, Z16, Z16; \
	VXORPS Z17, Z17, Z17; \
	VXORPS Z18, Z18, Z18; \
	VXORPS Z19, Z19, Z19

// KQ_FOLD(dst): dst = (Z16+Z18) + (Z17+Z19); SI to the next row.
#define KQ_FOLD(dst) \
	VADDPS Z18, Z16, Z16; \
	VADDPS Z19, Z17, Z17; \
	VADDPS Z17, Z16, dst; \
	ADDQ   R8, SI

// KQ_ROW64 and KQ_ROW128: one row of 64 or 128 floats into dst (q in
// Z20-Z23, and Z24-Z27 for the second 64).
#define KQ_ROW64(dst) \
	KQ_ZERO; \
	KQ_STEP(0, Z20, Z21, Z22, Z23); \
	KQ_FOLD(dst)
#define KQ_ROW128(dst) \
	KQ_ZERO; \
	KQ_STEP(0, Z20, Z21, Z22, Z23); \
	KQ_STEP(256, Z24, Z25, Z26, Z27); \
	KQ_FOLD(dst)

// KQ_PAIR(a, b): a = [a's lanes 0-7 + 8-15 | b's], two rows' halves added.
// Clobbers Z16, Z17.
#define KQ_PAIR(a, b) \
	VSHUFF32X4 $0x44, b, a, Z16; \
	VSHUFF32X4 $0xee, b, a, Z17; \
	VADDPS     Z17, Z16, a

// KQ_QUAD(a, b): a = the four rows' (a's two, b's two) lanes 0-3 + 4-7, a
// 128-bit block a row. Clobbers Z16, Z17.
#define KQ_QUAD(a, b) \
	VSHUFF32X4 $0x88, b, a, Z16; \
	VSHUFF32X4 $0xdd, b, a, Z17; \
	VADDPS     Z17, Z16, a

// KQ_OCT(a, b): in each block k, a = [lanes 0+2, 1+3 of a's row k | of
// b's row k]. Clobbers Z16, Z17.
#define KQ_OCT(a, b) \
	VSHUFPS $0x44, b, a, Z16; \
	VSHUFPS $0xee, b, a, Z17; \
	VADDPS  Z17, Z16, a

// KQ_LAST(a, b): a = each row's two halves added: block k holds rows k,
// k+4, k+8, k+12. Clobbers Z16, Z17.
#define KQ_LAST(a, b) \
	VSHUFPS $0x88, b, a, Z16; \
	VSHUFPS $0xdd, b, a, Z17; \
	VADDPS  Z17, Z16, a

// KQ_REDUCE: the sixteen rows' vectors Z0-Z15 (KQ_ROW64 or KQ_ROW128)
// reduced, scaled (Z30), put in row order (Z29) and stored at DI.
#define KQ_REDUCE \
	KQ_PAIR(Z0, Z1); \
	KQ_PAIR(Z2, Z3); \
	KQ_PAIR(Z4, Z5); \
	KQ_PAIR(Z6, Z7); \
	KQ_PAIR(Z8, Z9); \
	KQ_PAIR(Z10, Z11); \
	KQ_PAIR(Z12, Z13); \
	KQ_PAIR(Z14, Z15); \
	KQ_QUAD(Z0, Z2); \
	KQ_QUAD(Z4, Z6); \
	KQ_QUAD(Z8, Z10); \
	KQ_QUAD(Z12, Z14); \
	KQ_OCT(Z0, Z4); \
	KQ_OCT(Z8, Z12); \
	KQ_LAST(Z0, Z8); \
	VMULPS  Z30, Z0, Z0; \
	VPERMPS Z0, Z29, Z0; \
	VMOVUPS Z0, (DI); \
	ADDQ    $64, DI

// func kqScores16AVX512(out, k *float32, kstride int, q *float32, hd, groups int, scale float32)
// out[c] = vecDotF32(k row c, q)·scale for 16·groups rows (kstride bytes
// apart), hd 64 or 128: kqScoresAVX512's sums.
TEXT ·kqScores16AVX512(SB), NOSPLIT, $0-52
	MOVQ         out+0(FP), DI
	MOVQ         k+8(FP), SI
	MOVQ         kstride+16(FP), R8
	MOVQ         q+24(FP), DX
	MOVQ         hd+32(FP), R9
	MOVQ         groups+40(FP), CX
	VBROADCASTSS scale+48(FP), Z30
	VMOVUPS      kqOrder<>(SB), Z29
	TESTQ        CX, CX
	JZ           done
	VMOVUPS      (DX), Z20
	VMOVUPS      64(DX), Z21
	VMOVUPS      128(DX), Z22
	VMOVUPS      192(DX), Z23
	CMPQ         R9, $64
	JEQ          g64
	VMOVUPS      256(DX), Z24
	VMOVUPS      320(DX), Z25
	VMOVUPS      384(DX), Z26
	VMOVUPS      448(DX), Z27

g128:
	KQ_ROW128(Z0)
	KQ_ROW128(Z1)
	KQ_ROW128(Z2)
	KQ_ROW128(Z3)
	KQ_ROW128(Z4)
	KQ_ROW128(Z5)
	KQ_ROW128(Z6)
	KQ_ROW128(Z7)
	KQ_ROW128(Z8)
	KQ_ROW128(Z9)
	KQ_ROW128(Z10)
	KQ_ROW128(Z11)
	KQ_ROW128(Z12)
	KQ_ROW128(Z13)
	KQ_ROW128(Z14)
	KQ_ROW128(Z15)
	KQ_REDUCE
	DECQ CX
	JNZ  g128
	JMP  done

g64:
	KQ_ROW64(Z0)
	KQ_ROW64(Z1)
	KQ_ROW64(Z2)
	KQ_ROW64(Z3)
	KQ_ROW64(Z4)
	KQ_ROW64(Z5)
	KQ_ROW64(Z6)
	KQ_ROW64(Z7)
	KQ_ROW64(Z8)
	KQ_ROW64(Z9)
	KQ_ROW64(Z10)
	KQ_ROW64(Z11)
	KQ_ROW64(Z12)
	KQ_ROW64(Z13)
	KQ_ROW64(Z14)
	KQ_ROW64(Z15)
	KQ_REDUCE
	DECQ CX
	JNZ  g64

done:
	VZEROUPPER
	RET

// func axpyRows64AVX512(acc *float32, mask, t0 int, v *float32, vstride int, w *float32, count int)
// axpyRowsAVX512 for rows of 64 floats: row r = (t0+c)&mask of acc gets
// fma(v row c, w[c], acc row r), its four vectors in one step.
TEXT ·axpyRows64AVX512(SB), NOSPLIT, $0-56
	MOVQ  acc+0(FP), R11
	MOVQ  mask+8(FP), R12
	MOVQ  t0+16(FP), R13
	MOVQ  v+24(FP), SI
	MOVQ  vstride+32(FP), R8
	MOVQ  w+40(FP), DX
	MOVQ  count+48(FP), CX
	TESTQ CX, CX
	JZ    axdone
axrow:
	MOVQ         R13, DI
	ANDQ         R12, DI
	SHLQ         $8, DI
	ADDQ         R11, DI
	VBROADCASTSS (DX), Z0
	VMOVUPS      (DI), Z1
	VMOVUPS      64(DI), Z2
	VMOVUPS      128(DI), Z3
	VMOVUPS      192(DI), Z4
	VFMADD231PS  (SI), Z0, Z1
	VFMADD231PS  64(SI), Z0, Z2
	VFMADD231PS  128(SI), Z0, Z3
	VFMADD231PS  192(SI), Z0, Z4
	VMOVUPS      Z1, (DI)
	VMOVUPS      Z2, 64(DI)
	VMOVUPS      Z3, 128(DI)
	VMOVUPS      Z4, 192(DI)
	ADDQ         R8, SI
	ADDQ         $4, DX
	INCQ         R13
	DECQ         CX
	JNZ          axrow
axdone:
	VZEROUPPER
	RET

// func kqScoresAVX512(out, k *float32, kstride int, q *float32, hd, count int, scale float32)
// out[c] = vecDotF32(k row c, q)·scale for count rows of the cache
// (kstride bytes apart): ggml_vec_dot_f32's order, as vecDotF32AVX512.
TEXT ·kqScoresAVX512(SB), NOSPLIT, $0-52
	MOVQ         out+0(FP), DI
	MOVQ         k+8(FP), SI
	MOVQ         kstride+16(FP), R8
	MOVQ         q+24(FP), DX
	MOVQ         hd+32(FP), R9
	MOVQ         count+40(FP), CX
	VBROADCASTSS scale+48(FP), X15
	MOVQ         R9, R10
	ANDQ         $-64, R10
	TESTQ        CX, CX
	JZ           kqdone
	TESTQ        R10, R10
	JNZ          kqrow
	// rows shorter than 64 are all leftovers, added one by one: four rows
	// at a time keeps four independent chains of adds in flight
kq4:
	CMPQ   CX, $4
	JB     kqrow
	LEAQ   (SI)(R8*2), R11
	VXORPS X0, X0, X0
	VXORPS X1, X1, X1
	VXORPS X2, X2, X2
	VXORPS X3, X3, X3
	XORQ   AX, AX
kq4el:
	VMOVSS (DX)(AX*4), X8
	VMULSS (SI)(AX*4), X8, X4
	VADDSS X4, X0, X0
	ADDQ   R8, SI
	VMULSS (SI)(AX*4), X8, X5
	VADDSS X5, X1, X1
	VMULSS (R11)(AX*4), X8, X6
	VADDSS X6, X2, X2
	ADDQ   R8, R11
	VMULSS (R11)(AX*4), X8, X7
	VADDSS X7, X3, X3
	SUBQ   R8, SI
	SUBQ   R8, R11
	INCQ   AX
	CMPQ   AX, R9
	JB     kq4el
	VMULSS X15, X0, X0
	VMULSS X15, X1, X1
	VMULSS X15, X2, X2
	VMULSS X15, X3, X3
	VMOVSS X0, (DI)
	VMOVSS X1, 4(DI)
	VMOVSS X2, 8(DI)
	VMOVSS X3, 12(DI)
	ADDQ   $16, DI
	LEAQ   (SI)(R8*4), SI
	SUBQ   $4, CX
	JNZ    kq4
	JMP    kqdone
kqrow:
	VXORPS X0, X0, X0
	XORQ   AX, AX
	TESTQ  R10, R10
	JZ     tail
	ZERO_Z1_Z4
	DOT64(DOT64_F32, SI, DX, R10)
	EACH1(AX, R9, DOT1(SI, DX, AX), kqstore)
kqstore:
	VMULSS X15, X0, X0
	VMOVSS X0, (DI)
	ADDQ   $4, DI
	ADDQ   R8, SI
	DECQ   CX
	JNZ    kqrow
kqdone:
	VZEROUPPER
	RET

// func kqScoresAVX2(out, k *float32, kstride int, q *float32, hd, count int, scale float32)
// kqScoresAVX512's rows on AVX2: for each of the count rows (kstride bytes
// apart), vecDotF32AVX2's dot with q (DOT64Y, then the leftovers one by
// one) times scale, in one call rather than one a row.
TEXT ·kqScoresAVX2(SB), NOSPLIT, $0-52
	MOVQ         out+0(FP), R12
	MOVQ         k+8(FP), SI
	MOVQ         kstride+16(FP), R8
	MOVQ         q+24(FP), DI
	MOVQ         hd+32(FP), R9
	MOVQ         count+40(FP), CX
	VBROADCASTSS scale+48(FP), X15
	MOVQ         R9, DX
	ANDQ         $-64, DX
	TESTQ        CX, CX
	JZ           kadone
karow:
	VXORPS X0, X0, X0
	XORQ   AX, AX
	TESTQ  DX, DX
	JZ     tail
	DOT64Y(DOT64Y_F32)
	EACH1(AX, R9, DOT1(SI, DI, AX), kastore)
kastore:
	VMULSS X15, X0, X0
	VMOVSS X0, (R12)
	ADDQ   $4, R12
	ADDQ   R8, SI
	DECQ   CX
	JNZ    karow
kadone:
	VZEROUPPER
	RET

// Attention's scores eight cache rows at a time on AVX2 (kqScores8AVX2),
// each row's dot product kqScoresAVX2's: DOT64Y's eight 8-lane sums p0-p7
// (lanes 8i…8i+7 of each 64, one FMA each a 64 into a cleared register),
// folded ((p0+p4)+(p2+p6)) + ((p1+p5)+(p3+p7)), then HALVES16's lanes i
// and i+4, i and i+2, 0 and 1. The query's first 64 floats stay in Y8-Y15
// (a head of 128 loads its second 64 a row), and the eight rows' halves
// are added side by side: rows p and p+4 in one vector (vinsertf128,
// vperm2f128), then four rows, then eight, the scores in row order for
// one vmulps and one store: 14 shuffles for eight rows against 24, and
// the query loaded once a call rather than once a row. With AVX-512 off
// on a 2-core Zen 4, BenchmarkKQScores8AVX2 (64 rows): 198 -> 105 ns a
// head of 64, 317 -> 237 ns of 128 (its rows bound by loads, the query's
// second half read a row); BenchmarkAttentionPrompt F32 27.5-29.3 ->
// 22.1-24.7 ms, F16 26.7-27.6 -> 20.4-21.3 ms.

// KQ8_LEAF64(p, o, qr, a, x): a = row p's eight floats at o(p) times
// qr's, one FMA into a cleared a as DOT64Y's. KQ8_LEAF128: then a += the
// row's eight at 256+o(p) times q's there (256+o(DX), loaded into x):
// DOT64Y's second step for a head of 128.
#define KQ8_LEAF64(p, o, qr, a, x) \
	VXORPS      a, a, a; \
	VFMADD231PS o(p), qr, a
#define KQ8_LEAF128(p, o, qr, a, x) \
	KQ8_LEAF64(p, o, qr, a, x); \
	VMOVUPS     256+o(DX), x; \
	VFMADD231PS 256+o(p), x, a

// KQ8_ROW(LEAF, p, r, t1, t2, t3, x): r = row p's eight sums (LEAF)
// folded as DOT64Y folds them and its halves added (HALVES16's first
// add). Clobbers t1-t3 and x.
#define KQ8_ROW(LEAF, p, r, t1, t2, t3, x) \
	LEAF(p, 0, Y8, r, x); \
	LEAF(p, 128, Y12, t1, x); \
	VADDPS t1, r, r; \
	LEAF(p, 64, Y10, t1, x); \
	LEAF(p, 192, Y14, t2, x); \
	VADDPS t2, t1, t1; \
	VADDPS t1, r, r; \
	LEAF(p, 32, Y9, t1, x); \
	LEAF(p, 160, Y13, t2, x); \
	VADDPS t2, t1, t1; \
	LEAF(p, 96, Y11, t2, x); \
	LEAF(p, 224, Y15, t3, x); \
	VADDPS t3, t2, t2; \
	VADDPS t2, t1, t1; \
	VADDPS t1, r, r

// KQ8_PAIR(a, xb, b, t): a = [a's lanes 0-3 + 4-7 | b's] (xb: b's low
// half), rows p and p+4. Clobbers t.
#define KQ8_PAIR(a, xb, b, t) \
	VPERM2F128  $0x31, b, a, t; \
	VINSERTF128 $1, xb, a, a; \
	VADDPS      t, a, a

// KQ8_QUAD(a, b, t1, t2): in each half, a = [lanes 0+2, 1+3 of a's row |
// of b's]. KQ8_LAST(a, b, t1, t2): a = those added: lane i row i.
// Clobber t1, t2.
#define KQ8_QUAD(a, b, t1, t2) \
	VSHUFPS $0x44, b, a, t1; \
	VSHUFPS $0xee, b, a, t2; \
	VADDPS  t2, t1, a
#define KQ8_LAST(a, b, t1, t2) \
	VSHUFPS $0x88, b, a, t1; \
	VSHUFPS $0xdd, b, a, t2; \
	VADDPS  t2, t1, a

// KQ8_BLOCK(LEAF): Y0 = the eight rows' sums from SI (BX: row 4), lane i
// row i: rows p and p+4 in turn, each pair into a quad as it comes. SI
// and BX on by eight rows (R10: four).
#define KQ8_BLOCK(LEAF) \
	KQ8_ROW(LEAF, SI, Y0, Y4, Y5, Y6, Y7); \
	KQ8_ROW(LEAF, BX, Y1, Y4, Y5, Y6, Y7); \
	KQ8_PAIR(Y0, X1, Y1, Y2); \
	ADDQ R8, SI; \
	ADDQ R8, BX; \
	KQ8_ROW(LEAF, SI, Y1, Y4, Y5, Y6, Y7); \
	KQ8_ROW(LEAF, BX, Y2, Y4, Y5, Y6, Y7); \
	KQ8_PAIR(Y1, X2, Y2, Y3); \
	KQ8_QUAD(Y0, Y1, Y2, Y3); \
	ADDQ R8, SI; \
	ADDQ R8, BX; \
	KQ8_ROW(LEAF, SI, Y1, Y4, Y5, Y6, Y7); \
	KQ8_ROW(LEAF, BX, Y2, Y4, Y5, Y6, Y7); \
	KQ8_PAIR(Y1, X2, Y2, Y3); \
	ADDQ R8, SI; \
	ADDQ R8, BX; \
	KQ8_ROW(LEAF, SI, Y2, Y4, Y5, Y6, Y7); \
	KQ8_ROW(LEAF, BX, Y3, Y4, Y5, Y6, Y7); \
	KQ8_PAIR(Y2, X3, Y3, Y4); \
	KQ8_QUAD(Y1, Y2, Y3, Y4); \
	KQ8_LAST(Y0, Y1, Y2, Y3); \
	ADDQ R8, SI; \
	ADDQ R8, BX; \
	ADDQ R10, SI; \
	ADDQ R10, BX

// func kqScores8AVX2(out, k *float32, kstride int, q *float32, hd, groups int, scale float32)
// kqScoresAVX2's out[c] for 8·groups rows (kstride bytes apart), hd 64
// or 128, eight at a time: the same sums, their horizontal additions side
// by side, one vmulps and one store a block.
TEXT ·kqScores8AVX2(SB), NOSPLIT, $0-52
	MOVQ    out+0(FP), DI
	MOVQ    k+8(FP), SI
	MOVQ    kstride+16(FP), R8
	MOVQ    q+24(FP), DX
	MOVQ    hd+32(FP), R9
	MOVQ    groups+40(FP), CX
	LEAQ    (R8*4), R10
	LEAQ    (SI)(R10*1), BX
	TESTQ   CX, CX
	JZ      k8done
	VMOVUPS (DX), Y8
	VMOVUPS 32(DX), Y9
	VMOVUPS 64(DX), Y10
	VMOVUPS 96(DX), Y11
	VMOVUPS 128(DX), Y12
	VMOVUPS 160(DX), Y13
	VMOVUPS 192(DX), Y14
	VMOVUPS 224(DX), Y15
	CMPQ    R9, $64
	JEQ     k8g64

k8g128:
	KQ8_BLOCK(KQ8_LEAF128)
	VBROADCASTSS scale+48(FP), Y1
	VMULPS       Y1, Y0, Y0
	VMOVUPS      Y0, (DI)
	ADDQ         $32, DI
	DECQ         CX
	JNZ          k8g128
	JMP          k8done

k8g64:
	KQ8_BLOCK(KQ8_LEAF64)
	VBROADCASTSS scale+48(FP), Y1
	VMULPS       Y1, Y0, Y0
	VMOVUPS      Y0, (DI)
	ADDQ         $32, DI
	DECQ         CX
	JNZ          k8g64

k8done:
	VZEROUPPER
	RET

// func axpyRowsAVX2(acc *float32, hd, mask, t0 int, v *float32, vstride int, w *float32, count int)
// For c < count: row r = (t0+c)&mask of acc (rows of hd) gets
// fma(v row c, w[c], acc row r) element by element; v rows vstride bytes
// apart.
TEXT ·axpyRowsAVX2(SB), NOSPLIT, $0-64
	MOVQ acc+0(FP), R11
	MOVQ hd+8(FP), R9
	MOVQ mask+16(FP), R12
	MOVQ t0+24(FP), R13
	MOVQ v+32(FP), SI
	MOVQ w+48(FP), DX
	MOVQ count+56(FP), CX
	MOVQ R9, R10
	ANDQ $-8, R10
	TESTQ CX, CX
	JZ   axdone
axrow:
	MOVQ         R13, DI
	ANDQ         R12, DI
	IMULQ        R9, DI
	LEAQ         (R11)(DI*4), DI
	VBROADCASTSS (DX), Y0
	XORQ         AX, AX
	TESTQ        R10, R10
	JZ           tail
	EACH8(R9, R10, AXPY8, AXPY1, axnext)
axnext:
	ADDQ vstride+40(FP), SI
	ADDQ $4, DX
	INCQ R13
	DECQ CX
	JNZ  axrow
axdone:
	VZEROUPPER
	RET

// func axpyRowsAVX512(acc *float32, hd, mask, t0 int, v *float32, vstride int, w *float32, count int)
// axpyRowsAVX2 for hd a multiple of 16, sixteen elements a step (each
// element's fma as before: the same sums).
TEXT ·axpyRowsAVX512(SB), NOSPLIT, $0-64
	MOVQ acc+0(FP), R11
	MOVQ hd+8(FP), R9
	MOVQ mask+16(FP), R12
	MOVQ t0+24(FP), R13
	MOVQ v+32(FP), SI
	MOVQ vstride+40(FP), R8
	MOVQ w+48(FP), DX
	MOVQ count+56(FP), CX
	TESTQ CX, CX
	JZ   azdone
	TESTQ R9, R9
	JZ   azdone
azrow:
	MOVQ         R13, DI
	ANDQ         R12, DI
	IMULQ        R9, DI
	LEAQ         (R11)(DI*4), DI
	VBROADCASTSS (DX), Z0
	XORQ         AX, AX
azvec:
	VMOVUPS     (DI)(AX*4), Z1
	VFMADD231PS (SI)(AX*4), Z0, Z1
	VMOVUPS     Z1, (DI)(AX*4)
	ADDQ        $16, AX
	CMPQ        AX, R9
	JB          azvec
	ADDQ R8, SI
	ADDQ $4, DX
	INCQ R13
	DECQ CX
	JNZ  azrow
azdone:
	VZEROUPPER
	RET
