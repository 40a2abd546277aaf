// The 8-lane row kernels of the 32-element block formats against Q8_0
// activations (Q8_0, Q4_0, Q5_0: ggml's x86 lanes, dotLanes8): per block,
// lane l (0-7) is the integer sum of elements 4l..4l+3 of the weights'
// levels times the activations, converted to float and fused-multiply-
// added with d_w·d_x; hsum8 of the lanes at the end. Include after
// neon_arm64.h.
//
// One-token kernels (func(out *float32, w *byte, stride int, x *byte, nb
// int, rows int)): R0 out, R1 the row, R2 stride, R3 x, R4 nb, R5 rows
// left; R6 the weights' block, R7 the activations' block, R8 blocks left;
// R9, R10 the weights' and activations' d (halves). V0:V1 the weights'
// levels (elements 0-15, 16-31), V2:V3 the activations, V4:V5 the lane
// sums (0-3, 4-7), V16:V17 the accumulators; V6, V7 clobbered.

// LANES_ROW starts a row: its blocks and the activations' from the start,
// nb blocks left, accumulators zero.
#define LANES_ROW \
	MOVD R1, R6                    \
	MOVD R3, R7                    \
	MOVD R4, R8                    \
	VEOR V16.B16, V16.B16, V16.B16 \
	VEOR V17.B16, V17.B16, V17.B16

// LANES_SDOT sets the lane sums V4:V5 of V0:V1 and V2:V3 with SDOT.
#define LANES_SDOT \
	VEOR V4.B16, V4.B16, V4.B16 \
	VEOR V5.B16, V5.B16, V5.B16 \
	DOT32_SDOT(4, 5, 0, 1, 2, 3)

// LANES_ACC fuses the lane sums V4:V5, times d_w·d_x (F6, from the halves
// in R9 and R10), into V16:V17. Clobbers V7.
#define LANES_ACC \
	FMOVS R9, F6       \
	FMOVS R10, F7      \
	FCVTSH(6, 6)       \
	FCVTSH(7, 7)       \
	FMULS F7, F6, F6   \
	SCVTF4S(4, 4)      \
	SCVTF4S(5, 5)      \
	FMLAE(16, 4, 6, 0) \
	FMLAE(17, 5, 6, 0)

// LANES_STORE stores the row's hsum8 and moves to the next row (label
// row) while rows are left. Clobbers V17.
#define LANES_STORE(row) \
	HSUM8R(16, 17)     \
	FMOVS.P F16, 4(R0) \
	ADD     R2, R1, R1 \
	SUBS    $1, R5, R5 \
	BNE     row

// LANES_ROWS is a whole one-token kernel after its arguments and
// constants: LOAD reads a block of weights (levels to V0:V1, d to R9) and
// of activations (V2:V3, d to R10), DOT sets the lane sums V4:V5; row and
// block name the loops' labels.
#define LANES_ROWS(LOAD, DOT, row, block) \
row:                     \
	LANES_ROW            \
block:                   \
	LOAD                 \
	DOT                  \
	LANES_ACC            \
	SUBS $1, R8, R8      \
	BNE  block           \
	LANES_STORE(row)

// Four-token kernels (kernelX4: func(out *float32, ostride int, w *byte,
// stride int, rows int, x *byte, xstride int, nb int)): each weight block,
// loaded and unpacked once, meets the four tokens' blocks, every token's
// arithmetic the one-token kernel's. R0 out (token 0), R25 the tokens'
// output spacing; R1 the row, R2 stride, R20 rows left; R3 token 0's
// activations, R4 their spacing; R19 nb, R12 blocks left; R6 the block;
// R7, R13, R14, R15 the tokens' current activations; R10 clobbered. V0:V1
// the weight block's levels, F9 its d; V2:V3 a token's activations, V4:V5
// its lane sums, F10 its d_w·d_x; token t's accumulators V16:V17,
// V18:V19, V25:V26, V27:V28.

// LANES4_ROW starts a row for the four tokens.
#define LANES4_ROW \
	MOVD R1, R6                    \
	MOVD R3, R7                    \
	ADD  R4, R7, R13               \
	ADD  R4, R13, R14              \
	ADD  R4, R14, R15              \
	MOVD R19, R12                  \
	VEOR V16.B16, V16.B16, V16.B16 \
	VEOR V17.B16, V17.B16, V17.B16 \
	VEOR V18.B16, V18.B16, V18.B16 \
	VEOR V19.B16, V19.B16, V19.B16 \
	VEOR V25.B16, V25.B16, V25.B16 \
	VEOR V26.B16, V26.B16, V26.B16 \
	VEOR V27.B16, V27.B16, V27.B16 \
	VEOR V28.B16, V28.B16, V28.B16

// LANES4_TOKEN adds weight block V0:V1 (d in F9) times a token's block at
// rx to the token's accumulators Va0:Va1.
#define LANES4_TOKEN(rx, a0, a1) \
	MOVHU.P 2(rx), R10               \
	VLD1.P  32(rx), [V2.B16, V3.B16] \
	FMOVS   R10, F10                 \
	FCVTSH(10, 10)                   \
	FMULS   F10, F9, F10             \
	VEOR    V4.B16, V4.B16, V4.B16   \
	VEOR    V5.B16, V5.B16, V5.B16   \
	SDOT(4, 0, 2)                    \
	SDOT(5, 1, 3)                    \
	SCVTF4S(4, 4)                    \
	SCVTF4S(5, 5)                    \
	FMLAE(a0, 4, 10, 0)              \
	FMLAE(a1, 5, 10, 0)

// LANES4_TOKENS adds the weight block to the four tokens' accumulators.
#define LANES4_TOKENS \
	LANES4_TOKEN(R7, 16, 17)  \
	LANES4_TOKEN(R13, 18, 19) \
	LANES4_TOKEN(R14, 25, 26) \
	LANES4_TOKEN(R15, 27, 28)

// LANES4_STORE stores the four tokens' hsum8 of the row and moves to the
// next row (label row) while rows are left. Clobbers V17, V19, V26, V28.
#define LANES4_STORE(row) \
	HSUM8R(16, 17)      \
	HSUM8R(18, 19)      \
	HSUM8R(25, 26)      \
	HSUM8R(27, 28)      \
	FMOVS F16, (R0)     \
	ADD   R25, R0, R10  \
	FMOVS F18, (R10)    \
	ADD   R25, R10, R10 \
	FMOVS F25, (R10)    \
	ADD   R25, R10, R10 \
	FMOVS F27, (R10)    \
	ADD   $4, R0        \
	ADD   R2, R1, R1    \
	SUBS  $1, R20, R20  \
	BNE   row
