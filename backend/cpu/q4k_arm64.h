// The Q4_K and Q5_K kernels' shared pieces (dot_q4k_arm64.s,
// dot_q5k_arm64.s: one token at both levels; dot_q4kx4_arm64.s,
// dot_q5kx4_arm64.s: four tokens), in the order of ggml's AVX2 kernels
// (dot_k.go, dot_q5k.go): per block, integer lanes add each 32-element
// group's 4-product sums times the group's 6-bit scale and are fused as
// fma(d_x·d_w, L, acc); the minimums times the activations' 32-element
// sums (two groups a lane for Q4_K, MINSUM4; one sum for Q5_K, MINSUM5)
// are fused with -d_x·dmin_w. Q5_K's levels are Q4_K's nibbles with a
// fifth bit from qh.

// MINSUM4 and MINSUM5 reduce the minimums' products Va (0-3) and Vb
// (4-7): pairs to Va (Q4_K) or all to lane 0 of Va (Q5_K).
#define MINSUM4(a, b) ADDP4S(a, a, b)
#define MINSUM5(a, b) \
	ADD4S(a, a, b) \
	ADDV4S(a, a)

// One token (func(out *float32, w *byte, stride int, x *byte, nb int,
// rows int)). Registers: R0 out, R1 row, R2 stride, R3 x, R4 nb, R5 rows,
// R6 block, R7 activation block, R8 blocks left, R10/R11 quants/
// activations within the block, R14-R16 ggml's kmask1-3. Integer lanes
// V25 (0-3), V26 (4-7); accumulators V27:V28, minimums V29; V24 scales
// 0-3, V23 scales 4-7 (32 bits), V22 minimums (16 bits), F7 d_x·d_w, F6
// -d_x·dmin_w, V31 0x0f.

// K_MASKS sets kmask1-3 and V31.
#define K_MASKS \
	MOVW $0x3f3f3f3f, R14 \
	MOVW $0x0f0f0f0f, R15 \
	MOVW $0x03030303, R16 \
	VMOVI $15, V31.B16

// K_ROW starts a row (K1_ROW, neon_arm64.h) and zeroes the minimums.
#define K_ROW \
	K1_ROW                         \
	VEOR V29.B16, V29.B16, V29.B16

// K_SCALES unpacks the block's 12 bytes of scales and minimums as
// ggml's utmp code does (get_scale_min_k4), then widens them.
#define K_SCALES \
	MOVWU 4(R6), R9         \
	MOVWU 8(R6), R12        \
	MOVWU 12(R6), R13       \
	ANDW  R14, R9, R17      \
	ANDW  R14, R12, R19     \
	ANDW  R15, R13, R20     \
	LSRW  $6, R9, R21       \
	ANDW  R16, R21, R21     \
	ORRW  R21<<4, R20, R20  \
	LSRW  $4, R13, R22      \
	ANDW  R15, R22, R22     \
	LSRW  $6, R12, R21      \
	ANDW  R16, R21, R21     \
	ORRW  R21<<4, R22, R22  \
	ORR   R20<<32, R17, R17 \
	ORR   R22<<32, R19, R19 \
	VMOV  R17, V22.D[0]     \
	VMOV  R19, V22.D[1]     \
	UXTL8H(23, 22)          \
	UXTL8H2(22, 22)         \
	UXTL4S(24, 23)          \
	UXTL4S2(23, 23)

// K_MINS sets F7 = d_x·d_w, F6 = -d_x·dmin_w and fuses the minimums
// times the activations' sums (reduced by MINSUM) into V29.
#define K_MINS(MINSUM) \
	FMOVS (R7), F4             \
	MOVHU (R6), R9             \
	MOVHU 2(R6), R12           \
	FMOVS R9, F7               \
	FMOVS R12, F6              \
	FCVTSH(7, 7)               \
	FCVTSH(6, 6)               \
	FMULS F4, F7, F7           \
	FNEGS F4, F4               \
	FMULS F4, F6, F6           \
	ADD   $260, R7, R9         \
	VLD1  (R9), [V0.H8, V1.H8] \
	ADDP8H(0, 0, 1)            \
	SMULL4S(2, 0, 22)          \
	SMULL4S2(3, 0, 22)         \
	MINSUM(2, 3)               \
	SCVTF4S(2, 2)              \
	FMLAE(29, 2, 6, 0)

// K_LANES points R10 at the block's nibbles (off bytes in) and R11 at the
// activations' quants, and zeroes the integer lanes.
#define K_LANES(off) \
	ADD   $(off), R6, R10 \
	ADD   $4, R7, R11     \
	ZERO2(25)

// K_NIBBLES loads group j's 32 bytes of nibbles and 64 activations (low
// nibbles meet V10:V11, high ones V12:V13) and splits the nibbles: V14:V15
// low, V16:V17 high.
#define K_NIBBLES \
	VLD1.P 32(R10), [V8.B16, V9.B16]                     \
	VLD1.P 64(R11), [V10.B16, V11.B16, V12.B16, V13.B16] \
	AND16B(14, 8, 31)                                    \
	AND16B(15, 9, 31)                                    \
	USHR4B(16, 8)                                        \
	USHR4B(17, 9)

// K_SCALE adds the group's sums V18:V19 (low) and V20:V21 (high) times
// scales s[i0] and s[i1] to the lanes.
#define K_SCALE(s, i0, i1) \
	MLAE(25, 18, s, i0) \
	MLAE(26, 19, s, i0) \
	MLAE(25, 20, s, i1) \
	MLAE(26, 21, s, i1)

// K_DOT_SDOT and K_DOT_NEON add the group's levels V14:V15, V16:V17 times
// the activations to the lanes, scaled (K_SCALE).
#define K_DOT_SDOT(s, i0, i1) \
	ZERO4(18)                          \
	DOT32_SDOT(18, 19, 14, 15, 10, 11) \
	DOT32_SDOT(20, 21, 16, 17, 12, 13) \
	K_SCALE(s, i0, i1)
#define K_DOT_NEON(s, i0, i1) \
	DOT32_NEON(18, 19, 14, 15, 10, 11, 0, 1) \
	DOT32_NEON(20, 21, 16, 17, 12, 13, 2, 3) \
	K_SCALE(s, i0, i1)

// K_ROWS is a whole one-token kernel after its arguments and constants:
// BLOCK starts a block (scales, minimums, K_LANES), LOAD makes a group's
// levels, DOT adds them to the lanes, bytes is the block's size, SUM sets
// F27 to the row's result; row and block name the loops' labels.
#define K_ROWS(BLOCK, LOAD, DOT, bytes, SUM, row, block) \
row:                             \
	K_ROW                    \
block:                           \
	BLOCK                    \
	LOAD                     \
	DOT(24, 0, 1)            \
	LOAD                     \
	DOT(24, 2, 3)            \
	LOAD                     \
	DOT(23, 0, 1)            \
	LOAD                     \
	DOT(23, 2, 3)            \
	K1_FUSE(7, bytes, block) \
	SUM                      \
	FADDS F29, F27, F27      \
	K1_NEXT(row)

// Four tokens (kernelX4): each block's scales are unpacked and its levels
// made once for the four tokens. Registers: V31 0x0f; V28 scales 0-3, V29
// scales 4-7 (32 bits), V30 minimums (16 bits); F17 d_w, F18 dmin_w;
// V0:V1 a group's high levels, V2:V3 its low ones; V4-V7 a token's 64
// activations of the group; V8:V9 SDOT sums; token t's integer lanes
// V20+2t:V21+2t; a token's accumulators (acc lanes 0-3, 4-7, minimums:
// 48 bytes a token in the frame) pass through V10-V12 once a block. GPRs
// as KX4_ARGS and KX4_ROW (neon_arm64.h); R10 the block's nibbles.

// KX4_ZERO zeroes the four tokens' accumulators in the frame.
#define KX4_ZERO \
	ZERO2(10)                                \
	ZERO(12)                                 \
	MOVD R24, R11                            \
	VST1.P [V10.S4, V11.S4, V12.S4], 48(R11) \
	VST1.P [V10.S4, V11.S4, V12.S4], 48(R11) \
	VST1.P [V10.S4, V11.S4, V12.S4], 48(R11) \
	VST1.P [V10.S4, V11.S4, V12.S4], 48(R11)

// KX4_SCALES unpacks the block's scales and minimums (get_scale_min_k4,
// as K_SCALES) and its d and dmin.
#define KX4_SCALES \
	MOVWU 4(R6), R4             \
	MOVWU 8(R6), R5             \
	MOVWU 12(R6), R8            \
	ANDW  $0x3f3f3f3f, R4, R9   \
	ANDW  $0x3f3f3f3f, R5, R11  \
	ANDW  $0x0f0f0f0f, R8, R16  \
	LSRW  $6, R4, R17           \
	ANDW  $0x03030303, R17, R17 \
	ORRW  R17<<4, R16, R16      \
	LSRW  $4, R8, R21           \
	ANDW  $0x0f0f0f0f, R21, R21 \
	LSRW  $6, R5, R17           \
	ANDW  $0x03030303, R17, R17 \
	ORRW  R17<<4, R21, R21      \
	ORR   R16<<32, R9, R9       \
	ORR   R21<<32, R11, R11     \
	VMOV  R9, V30.D[0]          \
	VMOV  R11, V30.D[1]         \
	UXTL8H(29, 30)              \
	UXTL8H2(30, 30)             \
	UXTL4S(28, 29)              \
	UXTL4S2(29, 29)             \
	MOVHU (R6), R9              \
	MOVHU 2(R6), R11            \
	FMOVS R9, F17               \
	FMOVS R11, F18              \
	FCVTSH(17, 17)              \
	FCVTSH(18, 18)

// KX4_ZERO_LANES zeroes the four tokens' integer lanes.
#define KX4_ZERO_LANES \
	ZERO8(20)

// KX4_SPLIT loads a group's 32 bytes of nibbles and splits them: V2:V3
// low, V0:V1 high.
#define KX4_SPLIT \
	VLD1.P 32(R10), [V0.B16, V1.B16] \
	AND16B(2, 0, 31)                 \
	AND16B(3, 1, 31)                 \
	USHR4B(0, 0)                     \
	USHR4B(1, 1)

// KX4_TOKEN adds group j's levels (activations at off in the token's
// block rx) times scales s[i0] (low) and s[i1] (high) to lanes l0, l1.
#define KX4_TOKEN(rx, off, l0, l1, s, i0, i1) \
	ADD  $(off), rx, R11                         \
	VLD1 (R11), [V4.B16, V5.B16, V6.B16, V7.B16] \
	ZERO2(8)                                     \
	SDOT(8, 2, 4)                                \
	SDOT(9, 3, 5)                                \
	MLAE(l0, 8, s, i0)                           \
	MLAE(l1, 9, s, i0)                           \
	ZERO2(8)                                     \
	SDOT(8, 0, 6)                                \
	SDOT(9, 1, 7)                                \
	MLAE(l0, 8, s, i1)                           \
	MLAE(l1, 9, s, i1)

// KX4_TOKENS adds group j to the four tokens' lanes.
#define KX4_TOKENS(j, s, i0, i1) \
	KX4_TOKEN(R7, 4+64*(j), 20, 21, s, i0, i1)  \
	KX4_TOKEN(R13, 4+64*(j), 22, 23, s, i0, i1) \
	KX4_TOKEN(R14, 4+64*(j), 24, 25, s, i0, i1) \
	KX4_TOKEN(R15, 4+64*(j), 26, 27, s, i0, i1)

// KX4_FINISH fuses token t's lanes l0, l1 and minimums (reduced by
// MINSUM) into its accumulators (frame slot at off from R24), then steps
// its block rx.
#define KX4_FINISH(rx, off, l0, l1, MINSUM) \
	ADD   $(off), R24, R11                \
	VLD1  (R11), [V10.S4, V11.S4, V12.S4] \
	FMOVS (rx), F19                       \
	FMULS F17, F19, F4                    \
	FNEGS F19, F19                        \
	FMULS F18, F19, F5                    \
	ADD   $260, rx, R9                    \
	VLD1  (R9), [V13.H8, V14.H8]          \
	ADDP8H(13, 13, 14)                    \
	SMULL4S(15, 13, 30)                   \
	SMULL4S2(16, 13, 30)                  \
	MINSUM(15, 16)                        \
	SCVTF4S(15, 15)                       \
	FMLAE(12, 15, 5, 0)                   \
	SCVTF4S(l0, l0)                       \
	SCVTF4S(l1, l1)                       \
	FMLAE(10, l0, 4, 0)                   \
	FMLAE(11, l1, 4, 0)                   \
	VST1  [V10.S4, V11.S4, V12.S4], (R11) \
	ADD   $292, rx

// KX4_FINISHES finishes the four tokens' block.
#define KX4_FINISHES(MINSUM) \
	KX4_FINISH(R7, 0, 20, 21, MINSUM)    \
	KX4_FINISH(R13, 48, 22, 23, MINSUM)  \
	KX4_FINISH(R14, 96, 24, 25, MINSUM)  \
	KX4_FINISH(R15, 144, 26, 27, MINSUM)

// KX4_ACC loads a token's accumulators (frame slot at off from R24) and
// sets F10 to hsum8 of its lanes.
#define KX4_ACC(off) \
	ADD   $(off), R24, R9                \
	VLD1  (R9), [V10.S4, V11.S4, V12.S4] \
	HSUM8R(10, 11)

// K5_HIGH adds Q5_K's fifth bits to a group's nibbles: bit 0 of the qh
// bytes Vq0:Vq1 to the low nibbles Vlo0:Vlo1 and bit 1 to the high ones
// Vhi0:Vhi1, as 16 (Vm holds 0x10 in every byte); then shifts qh down by 2
// for the next group. Clobbers Vt0-Vt3.
#define K5_HIGH(q0, q1, t0, t1, t2, t3, m, lo0, lo1, hi0, hi1) \
	SHLB(t0, q0, 4)      \
	SHLB(t1, q1, 4)      \
	SHLB(t2, q0, 3)      \
	SHLB(t3, q1, 3)      \
	AND16B(t0, t0, m)    \
	AND16B(t1, t1, m)    \
	AND16B(t2, t2, m)    \
	AND16B(t3, t3, m)    \
	ORR16B(lo0, lo0, t0) \
	ORR16B(lo1, lo1, t1) \
	ORR16B(hi0, hi0, t2) \
	ORR16B(hi1, hi1, t3) \
	USHRB(q0, q0, 2)     \
	USHRB(q1, q1, 2)

// KX4_ROWS is a whole four-token kernel after its arguments and V31:
// BLOCK ends a block's start (R10 at the nibbles), GROUP(j, s, i0, i1)
// adds group j to the tokens' lanes, MINSUM reduces the minimums, bytes
// is the block's size and STORE(off) stores a token's result.
#define KX4_ROWS(BLOCK, GROUP, MINSUM, bytes, STORE) \
row:                                \
	KX4_ROW                         \
	KX4_ZERO                        \
block:                              \
	KX4_SCALES                      \
	ADD  $16, R6, R10               \
	BLOCK                           \
	KX4_ZERO_LANES                  \
	GROUP(0, 28, 0, 1)              \
	GROUP(1, 28, 2, 3)              \
	GROUP(2, 29, 0, 1)              \
	GROUP(3, 29, 2, 3)              \
	KX4_FINISHES(MINSUM)            \
	ADD  $(bytes), R6               \
	SUBS $1, R12, R12               \
	BNE  block                      \
	KX4_STORES(STORE, 48, row)
