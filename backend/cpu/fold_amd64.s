//go:build amd64 && gc && !purego

#include "textflag.h"

// FOLD_ROW(r): Zr = the 16 floats at AX (row r of the lanes), which are
// then cleared, and AX moves a row on (DX bytes).
#define FOLD_ROW(r) \
	VMOVUPS (AX), r; \
	VMOVUPS Z31, (AX); \
	ADDQ    DX, AX

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
	TESTQ  CX, CX
	JZ     done
column:
	MOVQ SI, AX
	FOLD_ROW(Z0)
	FOLD_ROW(Z1)
	FOLD_ROW(Z2)
	FOLD_ROW(Z3)
	FOLD_ROW(Z4)
	FOLD_ROW(Z5)
	FOLD_ROW(Z6)
	FOLD_ROW(Z7)
	FOLD_ROW(Z8)
	FOLD_ROW(Z9)
	FOLD_ROW(Z10)
	FOLD_ROW(Z11)
	FOLD_ROW(Z12)
	FOLD_ROW(Z13)
	FOLD_ROW(Z14)
	FOLD_ROW(Z15)
	VADDPS  Z8, Z0, Z0
	VADDPS  Z9, Z1, Z1
	VADDPS  Z10, Z2, Z2
	VADDPS  Z11, Z3, Z3
	VADDPS  Z12, Z4, Z4
	VADDPS  Z13, Z5, Z5
	VADDPS  Z14, Z6, Z6
	VADDPS  Z15, Z7, Z7
	VADDPS  Z4, Z0, Z0
	VADDPS  Z5, Z1, Z1
	VADDPS  Z6, Z2, Z2
	VADDPS  Z7, Z3, Z3
	VADDPS  Z2, Z0, Z0
	VADDPS  Z3, Z1, Z1
	VADDPS  Z1, Z0, Z0
	VADDPS  Z31, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     column
done:
	VZEROUPPER
	RET
