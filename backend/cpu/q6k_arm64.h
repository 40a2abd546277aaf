// The Q6_K kernels' shared pieces (dot_q6k_arm64.s: one token at both
// levels; dot_q6kx4_arm64.s: four tokens), in the order of ggml's AVX2
// kernel (see dot_k.go): per block, integer lanes add each 32-element
// group's 4-product sums of (level-32)·x times the scale of the group's
// half (lanes 0-3 the first 16 elements, 4-7 the second), fused as
// fma(d_x·d_w, L, acc); hsum8 at the end.
//
// Registers: V0-V3 a half's 64 bytes of low nibbles, V4:V5 its 32 bytes
// of high bit pairs, V8:V9 a group's levels minus 32 (V10:V11 the high
// bits on the way), V6:V7 a group's activations, V18-V21 the 16 scales
// (32 bits), V12 0x0f, V13 0x30, V14 32; R6 the block, R10 its low
// nibbles.

// Q6K_CONSTS sets V12, V13 and V14.
#define Q6K_CONSTS \
	VMOVI $15, V12.B16 \
	VMOVI $48, V13.B16 \
	VMOVI $32, V14.B16

// Q6K_SCALES widens the block's 16 scales to V18-V21. Clobbers V15-V17.
#define Q6K_SCALES \
	ADD   $192, R6, R9   \
	VLD1  (R9), [V15.B16] \
	SXTL8H(16, 15)       \
	SXTL8H2(17, 15)      \
	SXTL4S(18, 16)       \
	SXTL4S2(19, 16)      \
	SXTL4S(20, 17)       \
	SXTL4S2(21, 17)

// Q6K_HALF loads a half's low nibbles and high bit pairs (from rh).
#define Q6K_HALF(rh) \
	VLD1.P 64(R10), [V0.B16, V1.B16, V2.B16, V3.B16] \
	VLD1.P 32(rh), [V4.B16, V5.B16]

// Q6K_LEVELS finishes V8:V9 = (nibbles V8:V9 | high bits V10:V11 & 0x30)
// - 32.
#define Q6K_LEVELS \
	AND16B(10, 10, 13) \
	AND16B(11, 11, 13) \
	ORR16B(8, 8, 10)   \
	ORR16B(9, 9, 11)   \
	SUB16B(8, 8, 14)   \
	SUB16B(9, 9, 14)

// Q6K_NIBn starts group n of the half: low nibbles of V0:V1 (n = 0) or
// V2:V3 (n = 1), high nibbles of V0:V1 (n = 2) or V2:V3 (n = 3) to V8:V9;
// bits 2n, 2n+1 of V4:V5 to bits 4-5 of V10:V11.
#define Q6K_NIB0 \
	AND16B(8, 0, 12) \
	AND16B(9, 1, 12) \
	SHLB(10, 4, 4)   \
	SHLB(11, 5, 4)
#define Q6K_NIB1 \
	AND16B(8, 2, 12) \
	AND16B(9, 3, 12) \
	SHLB(10, 4, 2)   \
	SHLB(11, 5, 2)
#define Q6K_NIB2 \
	USHR4B(8, 0)     \
	USHR4B(9, 1)     \
	ORR16B(10, 4, 4) \
	ORR16B(11, 5, 5)
#define Q6K_NIB3 \
	USHR4B(8, 2)     \
	USHR4B(9, 3)     \
	USHRB(10, 4, 2)  \
	USHRB(11, 5, 2)
