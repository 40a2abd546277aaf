//go:build arm64 && gc && !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "q23k_arm64.h"

// Q3_K × Q8_K in the order of ggml's AVX2 kernel (see dot_q3k.go): per
// block, integer lanes L (V25 lanes 0-3, V26 lanes 4-7) add each
// 32-element group's 4-product sums of levels (−4..3) × activations times
// the 16-element sub-block's signed 6-bit scale (lanes 0-3 one sub-block,
// 4-7 the next), fused as fma(d_x·d_w, L, acc) into V27:V28; hsum8 at the
// end. A level is its 2 low bits, less 4 where its bit of hmask (bit 4h+n
// for group n of half h) is clear; hmask (V12:V13) is shifted down by 1
// after each group.
//
// Registers: R0 out, R1 row, R2 stride, R3 x, R4 nb, R5 rows, R6 block,
// R7 activation block, R8 blocks left, R10/R11 levels/activations within
// the block, R14-R15 ggml's kmask1-2; V20-V23 the 16 scales (32 bits),
// V4:V5 32 bytes of low bits, V6:V7 one group's levels, V8:V9 its
// activations, V18:V19 its sums, F29 d, V24 3, V30 32, V31 4 in every
// byte.

// Q3K_BLOCK unpacks the 16 scales as ggml's utmp code does, less 32, and
// widens them to V20-V23; sets F29 = d_x·d_w and loads hmask.
#define Q3K_BLOCK \
	MOVWU 96(R6), R9               \
	MOVWU 100(R6), R12             \
	MOVWU 104(R6), R13             \
	ANDW  R15, R9, R17             \
	ANDW  R14, R13, R21            \
	ORRW  R21<<4, R17, R17         \
	ANDW  R15, R12, R19            \
	LSRW  $2, R13, R21             \
	ANDW  R14, R21, R21            \
	ORRW  R21<<4, R19, R19         \
	LSRW  $4, R9, R20              \
	ANDW  R15, R20, R20            \
	LSRW  $4, R13, R21             \
	ANDW  R14, R21, R21            \
	ORRW  R21<<4, R20, R20         \
	LSRW  $4, R12, R22             \
	ANDW  R15, R22, R22            \
	LSRW  $6, R13, R21             \
	ANDW  R14, R21, R21            \
	ORRW  R21<<4, R22, R22         \
	ORR   R19<<32, R17, R17        \
	ORR   R22<<32, R20, R20        \
	VMOV  R17, V10.D[0]            \
	VMOV  R20, V10.D[1]            \
	SUB16B(10, 10, 30)             \
	SXTL8H(11, 10)                 \
	SXTL8H2(12, 10)                \
	SXTL4S(20, 11)                 \
	SXTL4S2(21, 11)                \
	SXTL4S(22, 12)                 \
	SXTL4S2(23, 12)                \
	FMOVS (R7), F4                 \
	MOVHU 108(R6), R9              \
	FMOVS R9, F29                  \
	FCVTSH(29, 29)                 \
	FMULS F4, F29, F29             \
	VLD1  (R6), [V12.B16, V13.B16] \
	ZERO2(25)                      \
	ADD   $32, R6, R10             \
	ADD   $4, R7, R11

// Q3K_HIGH subtracts 4 where bit 0 of hmask is clear and steps hmask.
#define Q3K_HIGH \
	SHLB(14, 12, 2)    \
	SHLB(15, 13, 2)    \
	BIC16B(14, 31, 14) \
	BIC16B(15, 31, 15) \
	SUB16B(6, 6, 14)   \
	SUB16B(7, 7, 15)   \
	USHRB(12, 12, 1)   \
	USHRB(13, 13, 1)

// Q3K_CONSTS sets ggml's kmask1-2 (R14, R15) and V24, V30, V31.
#define Q3K_CONSTS \
	MOVW  $0x03030303, R14 \
	MOVW  $0x0f0f0f0f, R15 \
	VMOVI $3, V24.B16      \
	VMOVI $32, V30.B16     \
	VMOVI $4, V31.B16

// func dotRowsQ3_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ3_KSDOT(SB), NOSPLIT, $0-48
	ROWS_ARGS
	Q3K_CONSTS
	Q23_ROWS(Q3K_BLOCK, Q3K_HIGH, Q23_DOT_SDOT, 29, 110, sdotRow, sdotBlock)
	RET

// func dotRowsQ3_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)
TEXT ·dotRowsQ3_KNEON(SB), NOSPLIT, $0-48
	ROWS_ARGS
	Q3K_CONSTS
	Q23_ROWS(Q3K_BLOCK, Q3K_HIGH, Q23_DOT_NEON, 29, 110, neonRow, neonBlock)
	RET
