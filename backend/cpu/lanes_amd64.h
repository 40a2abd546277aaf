// The steps of the repacked kernels that keep ggml's eight lanes a row
// (lanes.go) in 16-row groups, one lane of a 512-bit vector a row: Q5_K's
// (q5kwide_amd64.s) and those of the 32-element formats (q50wide_amd64.s,
// q41wide_amd64.s).

// K5_CONSTS: Z15 = 0x0f bytes, Z31 = 0x10 bytes (K5_LEVELS). Clobbers
// AX.
#define K5_CONSTS \
	MOVL         $0x0f0f0f0f, AX; \
	VPBROADCASTD AX, Z15; \
	MOVL         $0x10101010, AX; \
	VPBROADCASTD AX, Z31

// L4_LEVELS(chunk): the levels (0-15) of the chunk of nibbles at chunk,
// the low nibbles' in Z24, the high ones' in Z25 (Z15 = 0x0f bytes).
#define L4_LEVELS(chunk) \
	VMOVDQU32 chunk, Z25; \
	VPANDD    Z15, Z25, Z24; \
	VPSRLW    $4, Z25, Z25; \
	VPANDD    Z15, Z25, Z25

// K5_LEVELS(chunk, mlo, mhi): the levels (0-31) of the chunk of nibbles
// at chunk, the low nibbles' in Z24, the high ones' in Z25: the nibbles,
// plus 16 where the masks at mlo and mhi (into K1, K2) say.
#define K5_LEVELS(chunk, mlo, mhi) \
	L4_LEVELS(chunk); \
	KMOVQ  mlo, K1; \
	KMOVQ  mhi, K2; \
	VPADDB Z31, Z24, K1, Z24; \
	VPADDB Z31, Z25, K2, Z25

// L8_HSUM(A0, …, A7): A0 = hsum8 of the lanes A0-A7, each a vector of
// rows: (A0+A4 + A2+A6) + (A1+A5 + A3+A7). Clobbers A1-A3.
#define L8_HSUM(A0, A1, A2, A3, A4, A5, A6, A7) \
	VADDPS A4, A0, A0; \
	VADDPS A5, A1, A1; \
	VADDPS A6, A2, A2; \
	VADDPS A7, A3, A3; \
	VADDPS A2, A0, A0; \
	VADDPS A3, A1, A1; \
	VADDPS A1, A0, A0

// L32_DOT(INIT, blo, bhi, xlo, xhi, D, A, B, p1, p2): two lanes of a
// 32-element block, the levels Z24 (lane l) and Z25 (lane l+4): p1 =
// INIT(blo) (a record's bias, or 0) plus Z24 · the four activation bytes
// at xlo, exact (vpdpbusd), then A = fma(D, p1, A); the same for Z25 into
// B.
#define L32_DOT(INIT, blo, bhi, xlo, xhi, D, A, B, p1, p2) \
	INIT(blo, p1); \
	INIT(bhi, p2); \
	VPDPBUSD.BCST xlo, Z24, p1; \
	VPDPBUSD.BCST xhi, Z25, p2; \
	VCVTDQ2PS     p1, p1; \
	VCVTDQ2PS     p2, p2; \
	VFMADD231PS   D, p1, A; \
	VFMADD231PS   D, p2, B
#define L32_BIAS(b, p) VPBROADCASTD b, p
#define L32_NOBIAS(b, p) VPXORD p, p, p

// The four-token kernels that keep each token's eight lane float vectors
// in their frame (512 bytes a token, at 512t): SP8_CLEAR(o) clears the
// eight at o(SP) (Z0 = 0), SP8_LOAD(o) loads them into Z0-Z7, and
// SP8_HSUM(o, out) stores their hsum8 at out.
#define SP8_CLEAR(o) \
	VMOVUPS Z0, o(SP); \
	VMOVUPS Z0, o+64(SP); \
	VMOVUPS Z0, o+128(SP); \
	VMOVUPS Z0, o+192(SP); \
	VMOVUPS Z0, o+256(SP); \
	VMOVUPS Z0, o+320(SP); \
	VMOVUPS Z0, o+384(SP); \
	VMOVUPS Z0, o+448(SP)
#define SP8_LOAD(o) \
	VMOVUPS o(SP), Z0; \
	VMOVUPS o+64(SP), Z1; \
	VMOVUPS o+128(SP), Z2; \
	VMOVUPS o+192(SP), Z3; \
	VMOVUPS o+256(SP), Z4; \
	VMOVUPS o+320(SP), Z5; \
	VMOVUPS o+384(SP), Z6; \
	VMOVUPS o+448(SP), Z7
#define SP8_HSUM(o, out) \
	SP8_LOAD(o); \
	L8_HSUM(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	VMOVUPS Z0, out

// SP8_CLEAR4: Z0 cleared, and the four tokens' lane floats with it.
// SP8_HSUM4: the four tokens' outputs of a group, at DI, DI+R14, R15 and
// R15+R14.
#define SP8_CLEAR4 \
	VPXORD Z0, Z0, Z0; \
	SP8_CLEAR(0); \
	SP8_CLEAR(512); \
	SP8_CLEAR(1024); \
	SP8_CLEAR(1536)
#define SP8_HSUM4 \
	SP8_HSUM(0, (DI)); \
	SP8_HSUM(512, (DI)(R14*1)); \
	SP8_HSUM(1024, (R15)); \
	SP8_HSUM(1536, (R15)(R14*1))

// L8_ZERO(A0, …, A7): lanes cleared.
#define L8_ZERO(A0, A1, A2, A3, A4, A5, A6, A7) \
	VPXORD A0, A0, A0; \
	VPXORD A1, A1, A1; \
	VPXORD A2, A2, A2; \
	VPXORD A3, A3, A3; \
	VPXORD A4, A4, A4; \
	VPXORD A5, A5, A5; \
	VPXORD A6, A6, A6; \
	VPXORD A7, A7, A7

// L32_X4(CONSTS, GROUP, TWO, LAST, END, passes, step): the whole body of
// a four-token kernel, func(out *float32, ostride int, w *byte, groups
// int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb
// int), that takes the tokens in passes of step tokens (2 of 2 or 4 of 1),
// each over all the groups (the later passes find the weights in cache):
// CONSTS once; for each group GROUP (the pass's lanes cleared), TWO on
// each pair of blocks and LAST on an odd last one (each moving SI, R9, R11
// and R12 past what it takes), END (the pass's outputs stored). The block
// is at SI; token t of the pass has its activations at R9 + t·R10, its
// records at R11 + t·R13, its d_x at R12 + t·R13 and its outputs at DI +
// t·R14. Uses AX, BX, CX, DX, R8, R15. Labels are local to each TEXT.
#define L32_X4(CONSTS, GROUP, TWO, LAST, END, passes, step) \
	MOVQ  ostride+8(FP), R14; \
	MOVQ  xstride+40(FP), R10; \
	MOVQ  bstride+64(FP), R13; \
	CMPQ  groups+24(FP), $0; \
	JE    done; \
	CMPQ  nb+72(FP), $0; \
	JE    done; \
	CONSTS; \
	MOVQ  out+0(FP), DI; \
	MOVQ  x+32(FP), AX; \
	MOVQ  bias+48(FP), DX; \
	MOVQ  d+56(FP), R15; \
	MOVQ  $passes, R8; \
pass: \
	MOVQ  w+16(FP), SI; \
	MOVQ  groups+24(FP), CX; \
group: \
	GROUP; \
	MOVQ  nb+72(FP), BX; \
	MOVQ  AX, R9; \
	MOVQ  DX, R11; \
	MOVQ  R15, R12; \
	WIDE_PAIRS(TWO, LAST, nb+72(FP)); \
	END; \
	ADDQ  $64, DI; \
	DECQ  CX; \
	JNZ   group; \
	DECQ  R8; \
	JZ    done; \
	MOVQ  groups+24(FP), BX; \
	SHLQ  $6, BX; \
	SUBQ  BX, DI; \
	LEAQ  (DI)(R14*step), DI; \
	LEAQ  (AX)(R10*step), AX; \
	LEAQ  (DX)(R13*step), DX; \
	LEAQ  (R15)(R13*step), R15; \
	JMP   pass; \
done: \
	VZEROUPPER; \
	RET
