//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// The repacked Q4_0 kernels (see repack.go) take one group of 8 rows at a
// time, block by block: each row's block sum is a whole integer (plus the
// activations' bias, -8·Σx, since the nibbles are stored unsigned),
// converted to float and fused-multiply-added with d_w·d_x into the row's
// accumulator (V24 rows 0-3, V25 rows 4-7), in dotBlocks' order.
//
// Registers per block: V0, V1 the activations' bytes 0-15 and 16-31; V2
// the 8 rows' scales (halves); V3-V10 the 4 chunks (chunk p: V3+2p rows
// 0-3, V4+2p rows 4-7; byte 4r+i holds element 4p+i in its low nibble,
// 16+4p+i in its high one); V31 0x0f in every byte.
//
// Arguments: R0 out, R6 the group's blocks, R1 groups, R2 x, R3 bias,
// R4 d, R5 nb.

#define Q4_0_ARGS \
	MOVD out+0(FP), R0     \
	MOVD w+8(FP), R6       \
	MOVD groups+16(FP), R1 \
	MOVD x+24(FP), R2      \
	MOVD bias+32(FP), R3   \
	MOVD d+40(FP), R4      \
	MOVD nb+48(FP), R5     \
	VMOVI $15, V31.B16

// Q4_0_GROUP starts a group: activation pointers back to block 0 (R7 x,
// R8 bias, R9 d), R12 blocks left, accumulators zero.
#define Q4_0_GROUP \
	MOVD R2, R7  \
	MOVD R3, R8  \
	MOVD R4, R9  \
	MOVD R5, R12 \
	ZERO2(24)

// Q4_0_LOAD loads a block of the group and of the activations and puts
// the block's bias in R11.
#define Q4_0_LOAD \
	ADD     $2, R7, R10                               \
	VLD1    (R10), [V0.B16, V1.B16]                   \
	ADD     $34, R7, R7                               \
	VLD1.P  16(R6), [V2.B16]                          \
	VLD1.P  64(R6), [V3.B16, V4.B16, V5.B16, V6.B16]  \
	VLD1.P  64(R6), [V7.B16, V8.B16, V9.B16, V10.B16] \
	MOVW.P  4(R8), R11

// Q4_0_FINISH converts the rows' integer sums V11 (rows 0-3) and V13
// (rows 4-7) to float and fuses them, times d_w·d_x, into V24 and V25.
#define Q4_0_FINISH \
	FMOVS.P 4(R9), F21   \
	FCVTL4(19, 2)        \
	FCVTL8(20, 2)        \
	FMULE(19, 19, 21, 0) \
	FMULE(20, 20, 21, 0) \
	SCVTF4S(11, 11)      \
	SCVTF4S(13, 13)      \
	FMLA4S(24, 11, 19)   \
	FMLA4S(25, 13, 20)

// Q4_0_NEXT ends a group: stores its 8 results and loops.
#define Q4_0_NEXT(group) \
	VST1.P [V24.S4, V25.S4], 32(R0) \
	SUBS   $1, R1, R1               \
	BNE    group

// NIBBLES splits chunk registers a (rows 0-3) and b (rows 4-7) into low
// nibbles V15, V17 and high ones V16, V18.
#define NIBBLES(a, b) \
	AND16B(15, a, 31) \
	USHR4B(16, a)     \
	AND16B(17, b, 31) \
	USHR4B(18, b)

// CHUNK_SDOT adds chunk p (registers a, b) to V11, V12 (rows 0-3: low,
// high nibbles) and V13, V14 (rows 4-7): the low nibbles meet activation
// word p of V0, the high ones word p of V1.
#define CHUNK_SDOT(a, b, p) \
	NIBBLES(a, b)       \
	SDOTE(11, 15, 0, p) \
	SDOTE(12, 16, 1, p) \
	SDOTE(13, 17, 0, p) \
	SDOTE(14, 18, 1, p)

// CHUNK_SMLAL adds chunk p (registers a, b) to the 16-bit sums V11 (rows
// 0, 1), V12 (2, 3), V13 (4, 5), V14 (6, 7): activation word p of V0
// (low nibbles) and of V1 (high), each spread to all four words (V22,
// V23), times the nibbles. A 16-bit lane adds 8 products a block, each
// |q·x| ≤ 15·128: at most 15360, exact.
#define CHUNK_SMLAL(a, b, p) \
	NIBBLES(a, b)       \
	DUPS(22, 0, p)      \
	DUPS(23, 1, p)      \
	SMLAL8(11, 15, 22)  \
	SMLAL16(12, 15, 22) \
	SMLAL8(11, 16, 23)  \
	SMLAL16(12, 16, 23) \
	SMLAL8(13, 17, 22)  \
	SMLAL16(14, 17, 22) \
	SMLAL8(13, 18, 23)  \
	SMLAL16(14, 18, 23)

// Q4_0_CHUNKS adds the block's 4 chunks to the sums with CHUNK.
#define Q4_0_CHUNKS(CHUNK) \
	CHUNK(3, 4, 0)  \
	CHUNK(5, 6, 1)  \
	CHUNK(7, 8, 2)  \
	CHUNK(9, 10, 3)

// Q4_0_SDOT sets the rows' block sums V11 (rows 0-3) and V13 (4-7) with
// SDOT, starting from the bias.
#define Q4_0_SDOT \
	VDUP R11, V11.S4              \
	VDUP R11, V13.S4              \
	VEOR V12.B16, V12.B16, V12.B16 \
	VEOR V14.B16, V14.B16, V14.B16 \
	Q4_0_CHUNKS(CHUNK_SDOT)       \
	ADD4S(11, 11, 12)             \
	ADD4S(13, 13, 14)

// Q4_0_NEON sets them with SMLAL: 16-bit sums, pairs of a row's four
// lanes (SADDLP), rows 0-3 and 4-7 (ADDP), plus the bias.
#define Q4_0_NEON \
	ZERO4(11)                  \
	Q4_0_CHUNKS(CHUNK_SMLAL)   \
	SADDLP(11, 11)             \
	SADDLP(12, 12)             \
	SADDLP(13, 13)             \
	SADDLP(14, 14)             \
	ADDP4S(11, 11, 12)         \
	ADDP4S(13, 13, 14)         \
	VDUP R11, V26.S4           \
	ADD4S(11, 11, 26)          \
	ADD4S(13, 13, 26)

// Q4_0_GROUPS is a whole kernel after its arguments: SUMS sets the rows'
// block sums; group and block name the loops' labels.
#define Q4_0_GROUPS(SUMS, group, block) \
group:                \
	Q4_0_GROUP        \
block:                \
	Q4_0_LOAD         \
	SUMS              \
	Q4_0_FINISH       \
	SUBS $1, R12, R12 \
	BNE  block        \
	Q4_0_NEXT(group)

// func dotGroupsQ4_0SDOT(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotGroupsQ4_0SDOT(SB), NOSPLIT, $0-56
	Q4_0_ARGS
	Q4_0_GROUPS(Q4_0_SDOT, sdotGroup, sdotBlock)
	RET

// func dotGroupsQ4_0NEON(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
TEXT ·dotGroupsQ4_0NEON(SB), NOSPLIT, $0-56
	Q4_0_ARGS
	Q4_0_GROUPS(Q4_0_NEON, neonGroup, neonBlock)
	RET
