//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"

// TQ1_0 × Q8_K in the order of ggml's AVX2 kernel (see dot_tq1.go): per
// block, integer lanes L (V16 lanes 0-3, V17 lanes 4-7) add the trits
// (0-2) times the activations at positions 4l..4l+3 of each of the eight
// 32-element vectors, less the activations' 16-element sums 2l and 2l+1;
// then acc += float(L)·d (rounded, not fused) into V24:V25; hsum8 at the
// end. Trit n of a byte q is ((q·3^n mod 256)·3) >> 8: MUL by 3 (V26)
// steps the bytes from trit n to n+1, UMULL by 3 and SHRN by 8 extract.
//
// Registers: R0 out, R1 row, R2 stride, R3 x, R4 nb, R5 rows, R6 block,
// R7 activation block, R8 blocks left, R10 activations within the block;
// V0:V1 bytes 0-31, V2 bytes 32-47, V3 the four-trit bytes 48-51 four
// times, times 1, 3, 9, 27 (V27); V4:V5 one vector's trits, V6:V7 its
// activations, V20:V21 scratch, F30 d.

DATA tq1Pow3<>+0(SB)/8, $0x0303030301010101
DATA tq1Pow3<>+8(SB)/8, $0x1b1b1b1b09090909
GLOBL tq1Pow3<>(SB), RODATA|NOPTR, $16

// TQ1_TRIT sets Vd to the trits of the 16 bytes Vu (already times 3^n).
#define TQ1_TRIT(d, u) \
	UMULL8(20, u, 26)  \
	UMULL16(21, u, 26) \
	SHRN8(d, 20)       \
	SHRN8_2(d, 21)

// TQ1_NEXT steps Vu from trit n to trit n+1.
#define TQ1_NEXT(u) \
	MUL16B(u, u, 26)

#define TQ1_X \
	VLD1.P 32(R10), [V6.B16, V7.B16]

#define TQ1_SDOT \
	TQ1_X                        \
	DOT32_SDOT(16, 17, 4, 5, 6, 7)

#define TQ1_NEON \
	TQ1_X                                   \
	DOT32_NEON(18, 19, 4, 5, 6, 7, 20, 21)  \
	ADD4S(16, 16, 18)                       \
	ADD4S(17, 17, 19)

// TQ1_VECTORS runs the 8 vectors of a block through dot (TQ1_SDOT or
// TQ1_NEON): trits 0-4 of bytes 0-31, then trits 0|1, 2|3 and 4|(the
// four-trit bytes) of bytes 32-47.
#define TQ1_VECTORS(dot) \
	TQ1_TRIT(4, 0)   \
	TQ1_TRIT(5, 1)   \
	dot              \
	TQ1_NEXT(0)      \
	TQ1_NEXT(1)      \
	TQ1_TRIT(4, 0)   \
	TQ1_TRIT(5, 1)   \
	dot              \
	TQ1_NEXT(0)      \
	TQ1_NEXT(1)      \
	TQ1_TRIT(4, 0)   \
	TQ1_TRIT(5, 1)   \
	dot              \
	TQ1_NEXT(0)      \
	TQ1_NEXT(1)      \
	TQ1_TRIT(4, 0)   \
	TQ1_TRIT(5, 1)   \
	dot              \
	TQ1_NEXT(0)      \
	TQ1_NEXT(1)      \
	TQ1_TRIT(4, 0)   \
	TQ1_TRIT(5, 1)   \
	dot              \
	TQ1_TRIT(4, 2)   \
	TQ1_NEXT(2)      \
	TQ1_TRIT(5, 2)   \
	dot              \
	TQ1_NEXT(2)      \
	TQ1_TRIT(4, 2)   \
	TQ1_NEXT(2)      \
	TQ1_TRIT(5, 2)   \
	dot              \
	TQ1_NEXT(2)      \
	TQ1_TRIT(4, 2)   \
	TQ1_TRIT(5, 3)   \
	dot

#define TQ1_ARGS \
	MOVD out+0(FP), R0          \
	MOVD w+8(FP), R1            \
	MOVD stride+16(FP), R2      \
	MOVD x+24(FP), R3           \
	MOVD nb+32(FP), R4          \
	MOVD rows+40(FP), R5        \
	VMOVI $3, V26.B16           \
	MOVD $tq1Pow3<>(SB), R9     \
	VLD1 (R9), [V27.B16]

#define TQ1_ROW \
	MOVD R1, R6                    \
	MOVD R3, R7                    \
	MOVD R4, R8                    \
	VEOR V24.B16, V24.B16, V24.B16 \
	VEOR V25.B16, V25.B16, V25.B16

#define TQ1_BLOCK \
	VLD1  (R6), [V0.B16, V1.B16, V2.B16]         \
	MOVWU 48(R6), R9                             \
	VDUP  R9, V3.S4                              \
	MUL16B(3, 3, 27)                             \
	ADD   $4, R7, R10                            \
	VEOR  V16.B16, V16.B16, V16.B16              \
	VEOR  V17.B16, V17.B16, V17.B16

// TQ1_BLOCK_END subtracts the activations' sums, scales by d and adds.
#define TQ1_BLOCK_END \
	VLD1  (R10), [V0.H8, V1.H8] \
	SADDLP(0, 0)                \
	SADDLP(1, 1)                \
	SUB4S(16, 16, 0)            \
	SUB4S(17, 17, 1)            \
	SCVTF4S(16, 16)             \
	SCVTF4S(17, 17)             \
	FMOVS (R7), F29             \
	MOVHU 52(R6), R9            \
	FMOVS R9, F30               \
	FCVTSH(30, 30)              \
	FMULS F29, F30, F30         \
	FMULE(16, 16, 30, 0)        \
	FMULE(17, 17, 30, 0)        \
	FADD4S(24, 24, 16)          \
	FADD4S(25, 25, 17)          \
	ADD   $54, R6               \
	ADD   $292, R7              \
	SUBS  $1, R8, R8

#define TQ1_ROW_END \
	HSUM8R(24, 25)     \
	FMOVS.P F24, 4(R0) \
	ADD  R2, R1, R1    \
	SUBS $1, R5, R5

// func dotRowsTQ1_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ1_0SDOT(SB), NOSPLIT, $0-48
	TQ1_ARGS
sdotRow:
	TQ1_ROW
sdotBlock:
	TQ1_BLOCK
	TQ1_VECTORS(TQ1_SDOT)
	TQ1_BLOCK_END
	BNE sdotBlock
	TQ1_ROW_END
	BNE sdotRow
	RET

// func dotRowsTQ1_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsTQ1_0NEON(SB), NOSPLIT, $0-48
	TQ1_ARGS
neonRow:
	TQ1_ROW
neonBlock:
	TQ1_BLOCK
	TQ1_VECTORS(TQ1_NEON)
	TQ1_BLOCK_END
	BNE neonBlock
	TQ1_ROW_END
	BNE neonRow
	RET
