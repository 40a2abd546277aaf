// The 8-lane row kernels of the 32-element block formats (Q8_0, Q4_0,
// Q5_0, and with a minimum Q4_1, Q5_1; IQ4_NL takes pieces): ggml's x86
// lanes, dotLanes8. Per block, lane l (0-7) is the integer sum of elements
// 4l..4l+3 of the weights' levels times the activations, converted to
// float and fused-multiply-added with d_w·d_x; hsum8 of the lanes at the
// end (plus the minimums' sum, summs, for Q4_1 and Q5_1). Include after
// neon_arm64.h.
//
// One-token kernels (func(out *float32, w *byte, stride int, x *byte, nb
// int, rows int)): R0 out, R1 the row, R2 stride, R3 x, R4 nb, R5 rows
// left; R6 the weights' block, R7 the activations' block, R8 blocks left;
// R9, R10 the weights' and activations' d (halves), R11, R12 their m and
// s (Q4_1, Q5_1). V0:V1 the weights' levels (elements 0-15, 16-31), V2:V3
// the activations, V4:V5 the lane sums (0-3, 4-7), V16:V17 the
// accumulators, lane 0 of V18 summs; F6-F9 clobbered.

// SPLIT_NIBBLES splits the 16 bytes of V0 into their low nibbles V0
// (elements 0-15) and high ones V1 (16-31); V24 holds 0x0f.
#define SPLIT_NIBBLES \
	USHR4B(1, 0)     \
	AND16B(0, 0, 24)

// LANES_ROW starts a row: its blocks and the activations' from the start,
// nb blocks left, accumulators zero.
#define LANES_ROW \
	MOVD R1, R6 \
	MOVD R3, R7 \
	MOVD R4, R8 \
	ZERO2(16)

// LANES_SDOT sets the lane sums V4:V5 of V0:V1 and V2:V3 with SDOT.
#define LANES_SDOT \
	ZERO2(4)                     \
	DOT32_SDOT(4, 5, 0, 1, 2, 3)

// LANES_FUSE fuses the lane sums V4:V5, times lane 0 of Vf, into Va0:Va1.
#define LANES_FUSE(a0, a1, f) \
	SCVTF4S(4, 4)      \
	SCVTF4S(5, 5)      \
	FMLAE(a0, 4, f, 0) \
	FMLAE(a1, 5, f, 0)

// LANES_ACC fuses the lane sums V4:V5, times d_w·d_x (F6, from the halves
// in R9 and R10), into V16:V17. Clobbers F7.
#define LANES_ACC \
	FMOVS R9, F6          \
	FMOVS R10, F7         \
	FCVTSH(6, 6)          \
	FCVTSH(7, 7)          \
	FMULS F7, F6, F6      \
	LANES_FUSE(16, 17, 6)

// LANES_MIN_ACC is LANES_ACC after fusing m_w·s_x (halves in R11, R12)
// into summs. Clobbers F8, F9.
#define LANES_MIN_ACC \
	FMOVS R11, F8      \
	FMOVS R12, F9      \
	FCVTSH(8, 8)       \
	FCVTSH(9, 9)       \
	FMLAE(18, 8, 9, 0) \
	LANES_ACC

// LANES_NEXT stores F16 and moves to the next row (label row) while rows
// are left.
#define LANES_NEXT(row) \
	FMOVS.P F16, 4(R0) \
	ADD     R2, R1, R1 \
	SUBS    $1, R5, R5 \
	BNE     row

// LANES_ROWS is a whole one-token kernel after its arguments and
// constants: LOAD reads a block of weights (levels to V0:V1, d to R9) and
// of activations (V2:V3, d to R10), DOT sets the lane sums V4:V5; row and
// block name the loops' labels.
#define LANES_ROWS(LOAD, DOT, row, block) \
row:                    \
	LANES_ROW       \
block:                  \
	LOAD            \
	DOT             \
	LANES_ACC       \
	SUBS $1, R8, R8 \
	BNE  block      \
	HSUM8R(16, 17)  \
	LANES_NEXT(row)

// LANES_MIN_ROWS is LANES_ROWS with summs: LOAD also reads m_w to R11 and
// s_x to R12, and the result is hsum8 plus summs.
#define LANES_MIN_ROWS(LOAD, DOT, row, block) \
row:                                   \
	LANES_ROW                      \
	VEOR V18.B16, V18.B16, V18.B16 \
block:                                 \
	LOAD                           \
	DOT                            \
	LANES_MIN_ACC                  \
	SUBS $1, R8, R8                \
	BNE  block                     \
	HSUM8R(16, 17)                 \
	FADDS F18, F16, F16            \
	LANES_NEXT(row)

// Four-token kernels (kernelX4: func(out *float32, ostride int, w *byte,
// stride int, rows int, x *byte, xstride int, nb int)): each weight block,
// loaded and unpacked once, meets the four tokens' blocks, every token's
// arithmetic the one-token kernel's, so the results are the same bit for
// bit. R0 out (token 0), R25 the tokens' output spacing; R1 the row, R2
// stride, R20 rows left; R3 token 0's activations, R4 their spacing; R19
// nb, R12 blocks left; R6 the block; R7, R13, R14, R15 the tokens' current
// activations; R10 (and R16 for summs) clobbered. V0:V1 the weight block's
// levels, F9 its d (F30 with a minimum, F31 the minimum); V2:V3 a token's
// activations, V4:V5 its lane sums, F10 its d_w·d_x (F15 its s_x);
// token t's accumulators V16:V17, V18:V19, V25:V26, V27:V28, summs V11,
// V12, V13, V9.

// LANES4_ROW starts a row for the four tokens.
#define LANES4_ROW \
	X4_ROW    \
	ZERO4(16) \
	ZERO4(25)

// LANES4_MIN_ROW is LANES4_ROW with the four tokens' summs zeroed.
#define LANES4_MIN_ROW \
	LANES4_ROW                  \
	ZERO2(11)                   \
	ZERO(13)                    \
	VEOR V9.B16, V9.B16, V9.B16

// LANES4_TOKEN adds weight block V0:V1 (d in F9) times a token's block at
// rx to the token's accumulators Va0:Va1.
#define LANES4_TOKEN(rx, a0, a1) \
	MOVHU.P 2(rx), R10               \
	VLD1.P  32(rx), [V2.B16, V3.B16] \
	FMOVS   R10, F10                 \
	FCVTSH(10, 10)                   \
	FMULS   F10, F9, F10             \
	LANES_SDOT                       \
	LANES_FUSE(a0, a1, 10)

// LANES4_MIN_TOKEN adds weight block V0:V1 (d in F30, m in F31) times a
// token's Q8_1 block at rx to the token's accumulators Va0:Va1 and summs
// Vsm.
#define LANES4_MIN_TOKEN(rx, a0, a1, sm) \
	MOVHU.P 2(rx), R10               \
	MOVHU.P 2(rx), R16               \
	VLD1.P  32(rx), [V2.B16, V3.B16] \
	FMOVS   R16, F15                 \
	FCVTSH(15, 15)                   \
	FMLAE(sm, 31, 15, 0)             \
	FMOVS   R10, F10                 \
	FCVTSH(10, 10)                   \
	FMULS   F10, F30, F10            \
	LANES_SDOT                       \
	LANES_FUSE(a0, a1, 10)

// LANES4_TOKENS adds the weight block to the four tokens' accumulators.
#define LANES4_TOKENS \
	LANES4_TOKEN(R7, 16, 17)  \
	LANES4_TOKEN(R13, 18, 19) \
	LANES4_TOKEN(R14, 25, 26) \
	LANES4_TOKEN(R15, 27, 28)

// LANES4_MIN_TOKENS adds the weight block to the four tokens'
// accumulators and summs.
#define LANES4_MIN_TOKENS \
	LANES4_MIN_TOKEN(R7, 16, 17, 11)  \
	LANES4_MIN_TOKEN(R13, 18, 19, 12) \
	LANES4_MIN_TOKEN(R14, 25, 26, 13) \
	LANES4_MIN_TOKEN(R15, 27, 28, 9)

// LANES4_HSUM sets F16, F18, F25, F27 to the four tokens' hsum8.
// Clobbers V17, V19, V26, V28.
#define LANES4_HSUM \
	HSUM8R(16, 17) \
	HSUM8R(18, 19) \
	HSUM8R(25, 26) \
	HSUM8R(27, 28)

// LANES4_STORE stores the four tokens' hsum8 of the row and moves to the
// next row (label row) while rows are left.
#define LANES4_STORE(row) \
	LANES4_HSUM                     \
	STORE4(F16, F18, F25, F27, row)

// LANES4_MIN_STORE is LANES4_STORE with each token's summs added.
#define LANES4_MIN_STORE(row) \
	LANES4_HSUM                     \
	FADDS F11, F16, F16             \
	FADDS F12, F18, F18             \
	FADDS F13, F25, F25             \
	FADDS F9, F27, F27              \
	STORE4(F16, F18, F25, F27, row)

// The fifth bits of Q5_0 and Q5_1: TBL spreads qh's bytes over the
// elements (V20, V21), CMTST with one bit per byte (V22) finds the set
// bits; V23 holds 16 in every byte.

// Q5_SPREAD defines the table of V20-V22 as the static symbol sym.
#define Q5_SPREAD(sym) \
	DATA sym+0(SB)/8, $0x0000000000000000  \
	DATA sym+8(SB)/8, $0x0101010101010101  \
	DATA sym+16(SB)/8, $0x0202020202020202 \
	DATA sym+24(SB)/8, $0x0303030303030303 \
	DATA sym+32(SB)/8, $0x8040201008040201 \
	DATA sym+40(SB)/8, $0x8040201008040201 \
	GLOBL sym(SB), RODATA|NOPTR, $48

// Q5_CONSTS loads V20-V22 from sym (through r) and sets V23 to 16s, V24
// to 0x0f.
#define Q5_CONSTS(sym, r) \
	MOVD  $sym(SB), r                      \
	VLD1  (r), [V20.B16, V21.B16, V22.B16] \
	VMOVI $16, V23.B16                     \
	VMOVI $15, V24.B16

// Q5_BITS splits the nibbles in V0 (SPLIT_NIBBLES) and sets V7, V8 (for
// elements 0-15, 16-31) to all ones where the fifth bit in qh (the word
// in rq) is set. Clobbers V6.
#define Q5_BITS(rq) \
	VMOV rq, V6.S[0]   \
	SPLIT_NIBBLES      \
	TBL16B(7, 6, 20)   \
	TBL16B(8, 6, 21)   \
	CMTST16B(7, 7, 22) \
	CMTST16B(8, 8, 22)

// Q5_0_LEVELS sets V0:V1 to the Q5_0 levels (−16..15): 16 is taken from
// the nibbles where the fifth bit is clear.
#define Q5_0_LEVELS(rq) \
	Q5_BITS(rq)      \
	BIC16B(7, 23, 7) \
	BIC16B(8, 23, 8) \
	SUB16B(0, 0, 7)  \
	SUB16B(1, 1, 8)

// Q5_1_LEVELS sets V0:V1 to the Q5_1 levels (0..31): 16 is added where
// the fifth bit is set.
#define Q5_1_LEVELS(rq) \
	Q5_BITS(rq)      \
	AND16B(7, 7, 23) \
	AND16B(8, 8, 23) \
	ORR16B(0, 0, 7)  \
	ORR16B(1, 1, 8)
