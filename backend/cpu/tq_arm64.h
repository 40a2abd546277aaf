// The ternary kernels' shared pieces (dot_tq1_arm64.s, dot_tq2_arm64.s:
// one token at both levels; dot_tq1x4_arm64.s: four tokens), in the order
// of ggml's AVX2 kernels (dot_tq1.go, dot_tq2.go): per block, integer
// lanes L add the levels (0-2) times the activations at positions
// 4l..4l+3 of each 32-element vector, less the activations' 16-element
// sums 2l and 2l+1; then acc += float(L)·d (rounded, not fused); hsum8 at
// the end.
//
// One token (func(out *float32, w *byte, stride int, x *byte, nb int,
// rows int)): R0 out, R1 row, R2 stride, R3 x, R4 nb, R5 rows, R6 block,
// R7 activation block, R8 blocks left, R10 activations within the block;
// V4:V5 one vector's levels, V6:V7 its activations, lanes V16:V17,
// accumulators V24:V25, F30 d.

// TQ_SDOT and TQ_NEON load a vector's activations and add its products to
// the lanes. off, the vector's activations' offset in the block, is for
// TQ1_VECTORS' four-token use; the one-token kernels step R10 instead.
#define TQ_SDOT(off) \
	VLD1.P 32(R10), [V6.B16, V7.B16] \
	DOT32_SDOT(16, 17, 4, 5, 6, 7)
#define TQ_NEON(off) \
	VLD1.P 32(R10), [V6.B16, V7.B16]       \
	DOT32_NEON(18, 19, 4, 5, 6, 7, 20, 21) \
	ADD4S(16, 16, 18)                      \
	ADD4S(17, 17, 19)

// TQ_ROWS is a whole one-token kernel after its arguments and constants:
// BLOCK loads a block's levels (R10 to its activations, lanes zero),
// VECTORS(DOT) runs its eight vectors; d is the weights' d at dofs in the
// block, bytes its size; row and block name the loops' labels.
#define TQ_ROWS(BLOCK, VECTORS, DOT, dofs, bytes, row, block) \
row:                                \
	MOVD R1, R6                 \
	MOVD R3, R7                 \
	MOVD R4, R8                 \
	ZERO2(24)                   \
block:                              \
	BLOCK                       \
	VECTORS(DOT)                \
	VLD1  (R10), [V0.H8, V1.H8] \
	SADDLP(0, 0)                \
	SADDLP(1, 1)                \
	SUB4S(16, 16, 0)            \
	SUB4S(17, 17, 1)            \
	SCVTF4S(16, 16)             \
	SCVTF4S(17, 17)             \
	FMOVS (R7), F29             \
	MOVHU dofs(R6), R9          \
	FMOVS R9, F30               \
	FCVTSH(30, 30)              \
	FMULS F29, F30, F30         \
	FMULE(16, 16, 30, 0)        \
	FMULE(17, 17, 30, 0)        \
	FADD4S(24, 24, 16)          \
	FADD4S(25, 25, 17)          \
	ADD   $(bytes), R6          \
	ADD   $292, R7              \
	SUBS  $1, R8, R8            \
	BNE   block                 \
	HSUM8R(24, 25)              \
	FMOVS.P F24, 4(R0)          \
	ADD  R2, R1, R1             \
	SUBS $1, R5, R5             \
	BNE  row

// TQ1_0: V0:V1 bytes 0-31, V2 bytes 32-47, V3 the four-trit bytes 48-51
// four times, times 1, 3, 9, 27 (V27); V26 3 in every byte; V20:V21
// scratch. Trit n of a byte q is ((q·3^n mod 256)·3) >> 8: MUL by 3 steps
// the bytes from trit n to n+1, UMULL by 3 and SHRN by 8 extract.

// TQ1_POW3 defines the powers of 3 of V27 as the static symbol sym.
#define TQ1_POW3(sym) \
	DATA sym+0(SB)/8, $0x0303030301010101 \
	DATA sym+8(SB)/8, $0x1b1b1b1b09090909 \
	GLOBL sym(SB), RODATA|NOPTR, $16

// TQ1_CONSTS sets V26 and loads V27 from sym.
#define TQ1_CONSTS(sym) \
	VMOVI $3, V26.B16    \
	MOVD $sym(SB), R9    \
	VLD1 (R9), [V27.B16]

// TQ1_BYTES loads a block's bytes to V0-V2 and its four-trit bytes,
// times the powers of 3, to V3.
#define TQ1_BYTES \
	VLD1  (R6), [V0.B16, V1.B16, V2.B16] \
	MOVWU 48(R6), R9                     \
	VDUP  R9, V3.S4                      \
	MUL16B(3, 3, 27)

// TQ1_TRIT sets Vd to the trits of the 16 bytes Vu (already times 3^n).
#define TQ1_TRIT(d, u) \
	UMULL8(20, u, 26)  \
	UMULL16(21, u, 26) \
	SHRN8(d, 20)       \
	SHRN8_2(d, 21)

// TQ1_NEXT steps Vu from trit n to trit n+1.
#define TQ1_NEXT(u) \
	MUL16B(u, u, 26)

// TQ1_VECTORS runs the 8 vectors of a block (trits to V4:V5) through
// DOT(off), off the vector's activations in the block: trits 0-4 of bytes
// 0-31, then trits 0|1, 2|3 and 4|(the four-trit bytes) of bytes 32-47.
#define TQ1_VECTORS(DOT) \
	TQ1_TRIT(4, 0) \
	TQ1_TRIT(5, 1) \
	DOT(4)         \
	TQ1_NEXT(0)    \
	TQ1_NEXT(1)    \
	TQ1_TRIT(4, 0) \
	TQ1_TRIT(5, 1) \
	DOT(36)        \
	TQ1_NEXT(0)    \
	TQ1_NEXT(1)    \
	TQ1_TRIT(4, 0) \
	TQ1_TRIT(5, 1) \
	DOT(68)        \
	TQ1_NEXT(0)    \
	TQ1_NEXT(1)    \
	TQ1_TRIT(4, 0) \
	TQ1_TRIT(5, 1) \
	DOT(100)       \
	TQ1_NEXT(0)    \
	TQ1_NEXT(1)    \
	TQ1_TRIT(4, 0) \
	TQ1_TRIT(5, 1) \
	DOT(132)       \
	TQ1_TRIT(4, 2) \
	TQ1_NEXT(2)    \
	TQ1_TRIT(5, 2) \
	DOT(164)       \
	TQ1_NEXT(2)    \
	TQ1_TRIT(4, 2) \
	TQ1_NEXT(2)    \
	TQ1_TRIT(5, 2) \
	DOT(196)       \
	TQ1_NEXT(2)    \
	TQ1_TRIT(4, 2) \
	TQ1_TRIT(5, 3) \
	DOT(228)
