// The Q2_K and Q3_K kernels' shared pieces (dot_q2k_arm64.s,
// dot_q3k_arm64.s: one token at both levels; dot_q2kx4_arm64.s,
// dot_q3kx4_arm64.s: four tokens), in the order of ggml's AVX2 kernels
// (dot_q2k.go, dot_q3k.go): each block's 256 levels are 2-bit values, 32
// bytes for four 32-element groups (bits 0-1, 2-3, 4-5, 6-7), twice; a
// group's 4-product sums are scaled by its two 16-element sub-blocks'
// scales (lanes 0-3 one, 4-7 the other). Q3_K takes 4 from a level where
// its bit of hmask is clear (HIGH); Q2_K has no such bit (NO_HIGH).
//
// Registers: V4:V5 32 bytes of low bits, V6:V7 one group's levels, V8:V9
// its activations, V18:V19 its sums, V20-V23 the 16 scales (32 bits), V24
// 3 in every byte.

// NO_HIGH: Q2_K's levels are the 2-bit values.
#define NO_HIGH

// Q23_LEVELS sets V6:V7 to the 2-bit values at bits s.. of V4:V5;
// Q23_LEVELS0 to those at bits 0-1.
#define Q23_LEVELS(s) \
	USHRB(6, 4, s)   \
	USHRB(7, 5, s)   \
	AND16B(6, 6, 24) \
	AND16B(7, 7, 24)
#define Q23_LEVELS0 \
	AND16B(6, 4, 24) \
	AND16B(7, 5, 24)

// Q2K_SCALES loads Q2_K's 16 scale bytes to vb (register number b),
// splits them into scales (low nibbles, to Vs) and minimums (high ones, to
// Vm), widens the scales (through Vt0, Vt1) to V20-V23 and the minimums to
// 16 bits in Vm0:Vm1; V29 holds 0x0f.
#define Q2K_SCALES(vb, b, s, m, t0, t1, m0, m1) \
	VLD1  (R6), [vb.B16] \
	AND16B(s, b, 29)     \
	USHR4B(m, b)         \
	UXTL8H(t0, s)        \
	UXTL8H2(t1, s)       \
	UXTL4S(20, t0)       \
	UXTL4S2(21, t0)      \
	UXTL4S(22, t1)       \
	UXTL4S2(23, t1)      \
	UXTL8H(m0, m)        \
	UXTL8H2(m1, m)

// One token (func(out *float32, w *byte, stride int, x *byte, nb int,
// rows int); the row loop of neon_arm64.h's K1_ROW, K1_FUSE, K1_NEXT):
// R10/R11 levels/activations within the block.

// Q23_DOT_SDOT and Q23_DOT_NEON load the group's activations and set its
// sums.
#define Q23_DOT_SDOT \
	VLD1.P 32(R11), [V8.B16, V9.B16] \
	ZERO2(18)                        \
	DOT32_SDOT(18, 19, 6, 7, 8, 9)
#define Q23_DOT_NEON \
	VLD1.P 32(R11), [V8.B16, V9.B16]     \
	DOT32_NEON(18, 19, 6, 7, 8, 9, 0, 1)

// Q23_GROUP makes a group's levels (LEVELS, HIGH), sets its sums (DOT)
// and adds them times scales s[i0] (lanes 0-3) and s[i1] (4-7) to the
// lanes.
#define Q23_GROUP(LEVELS, HIGH, DOT, s, i0, i1) \
	LEVELS              \
	HIGH                \
	DOT                 \
	MLAE(25, 18, s, i0) \
	MLAE(26, 19, s, i1)

// Q23_HALF runs the four groups of 32 bytes of low bits, scales Vs0
// (groups 0, 1) and Vs1 (2, 3).
#define Q23_HALF(HIGH, DOT, s0, s1) \
	VLD1.P 32(R10), [V4.B16, V5.B16]              \
	Q23_GROUP(Q23_LEVELS0, HIGH, DOT, s0, 0, 1)   \
	Q23_GROUP(Q23_LEVELS(2), HIGH, DOT, s0, 2, 3) \
	Q23_GROUP(Q23_LEVELS(4), HIGH, DOT, s1, 0, 1) \
	Q23_GROUP(Q23_LEVELS(6), HIGH, DOT, s1, 2, 3)

// Q23_ROWS is a whole one-token kernel after its arguments and
// constants: BLOCK starts a block (scales, d·d_x in Vf, minimums, R10,
// R11, lanes zero), bytes its size; row and block name the loops' labels.
#define Q23_ROWS(BLOCK, HIGH, DOT, f, bytes, row, block) \
row:                                \
	K1_ROW                      \
block:                              \
	BLOCK                       \
	Q23_HALF(HIGH, DOT, 20, 21) \
	Q23_HALF(HIGH, DOT, 22, 23) \
	K1_FUSE(f, bytes, block)    \
	HSUM8R(27, 28)              \
	K1_NEXT(row)

// Four tokens (kernelX4, X4_ARGS and X4_ROW): each block's scales are
// widened and its levels made once for the four tokens. Token t's
// integer lanes V10+2t:V11+2t and accumulators V25:V26, V27:V28, V30:V31,
// V0:V1; R21 the block's low bits, R16 its d (half).

// Q23X4_ROW starts a row: accumulators zero.
#define Q23X4_ROW \
	X4_ROW    \
	ZERO4(25) \
	ZERO2(30) \
	ZERO2(0)

// Q23X4_ZERO_LANES zeroes the four tokens' integer lanes.
#define Q23X4_ZERO_LANES \
	ZERO8(10)

// Q23X4_TOKEN adds the group's levels times the token's 32 activations
// at off in its block rx, times scales s[i0] (lanes 0-3) and s[i1] (4-7),
// to its lanes l0, l1.
#define Q23X4_TOKEN(rx, off, l0, l1, s, i0, i1) \
	ADD  $(off), rx, R11         \
	VLD1 (R11), [V8.B16, V9.B16] \
	ZERO2(18)                    \
	SDOT(18, 6, 8)               \
	SDOT(19, 7, 9)               \
	MLAE(l0, 18, s, i0)          \
	MLAE(l1, 19, s, i1)

// Q23X4_GROUP makes a group's levels (LEVELS, HIGH) and adds them to the
// four tokens' lanes (activations at off).
#define Q23X4_GROUP(LEVELS, HIGH, off, s, i0, i1) \
	LEVELS                                   \
	HIGH                                     \
	Q23X4_TOKEN(R7, off, 10, 11, s, i0, i1)  \
	Q23X4_TOKEN(R13, off, 12, 13, s, i0, i1) \
	Q23X4_TOKEN(R14, off, 14, 15, s, i0, i1) \
	Q23X4_TOKEN(R15, off, 16, 17, s, i0, i1)

// Q23X4_HALF runs the four groups of 32 bytes of low bits (activations
// from off), scales Vs0 (groups 0, 1) and Vs1 (2, 3).
#define Q23X4_HALF(HIGH, off, s0, s1) \
	VLD1.P 32(R21), [V4.B16, V5.B16]                   \
	Q23X4_GROUP(Q23_LEVELS0, HIGH, off, s0, 0, 1)      \
	Q23X4_GROUP(Q23_LEVELS(2), HIGH, off+32, s0, 2, 3) \
	Q23X4_GROUP(Q23_LEVELS(4), HIGH, off+64, s1, 0, 1) \
	Q23X4_GROUP(Q23_LEVELS(6), HIGH, off+96, s1, 2, 3)

// Q23X4_FINISH fuses a token's lanes, with d_x·d_w, into its
// accumulators and steps its block rx.
#define Q23X4_FINISH(rx, l0, l1, a0, a1) \
	SCVTF4S(l0, l0)      \
	SCVTF4S(l1, l1)      \
	FMOVS (rx), F18      \
	FMOVS R16, F19       \
	FCVTSH(19, 19)       \
	FMULS F18, F19, F19  \
	FMLAE(a0, l0, 19, 0) \
	FMLAE(a1, l1, 19, 0) \
	ADD   $292, rx

// Q23X4_GROUPS runs the block's eight groups for the four tokens and
// fuses their lanes, steps to the next block (bytes on) and loops to
// label block while blocks are left.
#define Q23X4_GROUPS(HIGH, bytes, block) \
	Q23X4_HALF(HIGH, 4, 20, 21)       \
	Q23X4_HALF(HIGH, 132, 22, 23)     \
	Q23X4_FINISH(R7, 10, 11, 25, 26)  \
	Q23X4_FINISH(R13, 12, 13, 27, 28) \
	Q23X4_FINISH(R14, 14, 15, 30, 31) \
	Q23X4_FINISH(R15, 16, 17, 0, 1)   \
	ADD  $(bytes), R6                 \
	SUBS $1, R12, R12                 \
	BNE  block

// Q23X4_STORE stores the four tokens' hsum8 and moves to the next row.
#define Q23X4_STORE(row) \
	HSUM8R(25, 26)                 \
	HSUM8R(27, 28)                 \
	HSUM8R(30, 31)                 \
	HSUM8R(0, 1)                   \
	STORE4(F25, F27, F30, F0, row)
