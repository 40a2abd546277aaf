//go:build amd64 && gc && !purego

#include "textflag.h"

// FOLD_ROW(r): Zr = the 16 floats at AX (row r of the lanes), which are
// then cleared, and AX moves a row on (DX bytes).
#define FOLD_ROW(r) \
	VMOVUPS (AX), r; \
	VMOVUPS Z31, (AX); \
	ADDQ    DX, AX

// TREE16_STORE: the 16-row tree of Z0-Z15 (r += r+8, r += r+4, r += r+2,
// then row 0 + row 1) plus Z30 into (DI).
#define TREE16_STORE \
	VADDPS  Z8, Z0, Z0; \
	VADDPS  Z9, Z1, Z1; \
	VADDPS  Z10, Z2, Z2; \
	VADDPS  Z11, Z3, Z3; \
	VADDPS  Z12, Z4, Z4; \
	VADDPS  Z13, Z5, Z5; \
	VADDPS  Z14, Z6, Z6; \
	VADDPS  Z15, Z7, Z7; \
	VADDPS  Z4, Z0, Z0; \
	VADDPS  Z5, Z1, Z1; \
	VADDPS  Z6, Z2, Z2; \
	VADDPS  Z7, Z3, Z3; \
	VADDPS  Z2, Z0, Z0; \
	VADDPS  Z3, Z1, Z1; \
	VADDPS  Z1, Z0, Z0; \
	VADDPS  Z30, Z0, Z0; \
	VMOVUPS Z0, (DI)

// FOLD2_ROW(r): Zr = row r + row r+16 (at AX and AX+R8), both then
// cleared; AX moves a row on (DX bytes).
#define FOLD2_ROW(r) \
	VMOVUPS (AX), r; \
	VADDPS  (AX)(R8*1), r, r; \
	VMOVUPS Z31, (AX); \
	VMOVUPS Z31, (AX)(R8*1); \
	ADDQ    DX, AX

// FOLD4_ROW(r): Zr = (row r + row r+32) + (row r+16 + row r+48) (at AX,
// AX+R9, AX+R8, AX+R10), the four then cleared; AX moves a row on.
// Clobbers Z16.
#define FOLD4_ROW(r) \
	VMOVUPS (AX), r; \
	VADDPS  (AX)(R9*1), r, r; \
	VMOVUPS (AX)(R8*1), Z16; \
	VADDPS  (AX)(R10*1), Z16, Z16; \
	VADDPS  Z16, r, r; \
	VMOVUPS Z31, (AX); \
	VMOVUPS Z31, (AX)(R8*1); \
	VMOVUPS Z31, (AX)(R9*1); \
	VMOVUPS Z31, (AX)(R10*1); \
	ADDQ    DX, AX

// FOLD_ARGS: DI o, SI acc, DX stride, CX blocks, R8-R10 16, 32 and 48
// rows, Z31 +0, Z30 the final addend: +0 when plus is set, else -0 (which
// changes nothing).
#define FOLD_ARGS \
	MOVQ         o+0(FP), DI; \
	MOVQ         acc+8(FP), SI; \
	MOVQ         stride+16(FP), DX; \
	MOVQ         blocks+24(FP), CX; \
	MOVQ         DX, R8; \
	SHLQ         $4, R8; \
	LEAQ         (R8)(R8*1), R9; \
	LEAQ         (R9)(R8*1), R10; \
	VPXORD       Z31, Z31, Z31; \
	MOVL         $0x80000000, AX; \
	CMPQ         plus+32(FP), $0; \
	JEQ          noplus; \
	XORL         AX, AX; \
noplus: \
	VPBROADCASTD AX, Z30

// FOLD_COLUMNS(ROW): for each of CX columns of 16 floats, Z0-Z15 from
// the lane rows by ROW, then their tree into o (TREE16_STORE); SI and DI
// move a column on. Labels column and done.
#define FOLD_COLUMNS(ROW) \
	TESTQ CX, CX; \
	JZ    done; \
column: \
	MOVQ SI, AX; \
	ROW(Z0); \
	ROW(Z1); \
	ROW(Z2); \
	ROW(Z3); \
	ROW(Z4); \
	ROW(Z5); \
	ROW(Z6); \
	ROW(Z7); \
	ROW(Z8); \
	ROW(Z9); \
	ROW(Z10); \
	ROW(Z11); \
	ROW(Z12); \
	ROW(Z13); \
	ROW(Z14); \
	ROW(Z15); \
	TREE16_STORE; \
	ADDQ $64, SI; \
	ADDQ $64, DI; \
	DECQ CX; \
	JNZ  column; \
done: \
	VZEROUPPER; \
	RET

// func foldClear16AVX512(o *float32, acc *float32, stride int, blocks int)
// foldLanes of the first 16 lane rows of acc (rows stride bytes apart, all
// rows from the 16th on zero) into o, 16 floats of each row at a time for
// blocks such columns, then +0 (plusZero), clearing the 16 rows as it
// reads them: rows r += r+8, r += r+4, r += r+2, o = row 0 + row 1, the
// tree foldLanes adds. Rows foldLanes leaves out are +0 here, which
// changes no sum but a zero's sign, and the final +0 makes every zero +0
// in both.
TEXT ·foldClear16AVX512(SB), NOSPLIT, $0-32
	MOVQ   o+0(FP), DI
	MOVQ   acc+8(FP), SI
	MOVQ   stride+16(FP), DX
	MOVQ   blocks+24(FP), CX
	VPXORD Z31, Z31, Z31
	VPXORD Z30, Z30, Z30
	FOLD_COLUMNS(FOLD_ROW)

// func foldClear32AVX512(o *float32, acc *float32, stride int, blocks int, plus int)
// foldClear16AVX512 for the first 32 lane rows (all from the 32nd on
// zero): rows r += r+16 first; +0 at the end where plus is set.
TEXT ·foldClear32AVX512(SB), NOSPLIT, $0-40
	FOLD_ARGS
	FOLD_COLUMNS(FOLD2_ROW)

// func foldClear64AVX512(o *float32, acc *float32, stride int, blocks int, plus int)
// foldClear16AVX512 for all 64 lane rows: rows r += r+32, then r += r+16,
// then the 16-row tree; +0 at the end where plus is set (fewer than 64
// rows used).
TEXT ·foldClear64AVX512(SB), NOSPLIT, $0-40
	FOLD_ARGS
	FOLD_COLUMNS(FOLD4_ROW)
