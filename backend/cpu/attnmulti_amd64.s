//go:build amd64 && gc && !purego

#include "textflag.h"

// func axpyLanes16AVX512(acc *float32, accStride int, v *float32, vStride int, w *float32, count int)
// For c < count, 64 floats of value row c (v + c·vStride bytes) times
// w[c] are added, fused, to the 64 floats of accumulator row c mod 16 (acc
// + (c mod 16)·accStride bytes), each row's positions in order: what
// axpyRows64AVX512 adds position by position, a row's four vectors kept
// in registers over its positions c, c+16, c+32, ….
TEXT ·axpyLanes16AVX512(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ accStride+8(FP), AX
	MOVQ v+16(FP), SI
	MOVQ vStride+24(FP), R8
	MOVQ w+32(FP), DX
	MOVQ count+40(FP), CX
	MOVQ R8, R14
	SHLQ $4, R14 // 16 rows of v
	XORQ R9, R9  // the lane row

l16lane:
	CMPQ R9, CX
	JGE  l16done
	CMPQ R9, $16
	JGE  l16done
	MOVQ    R9, R11
	IMULQ   AX, R11
	ADDQ    DI, R11
	VMOVUPS (R11), Z0
	VMOVUPS 64(R11), Z1
	VMOVUPS 128(R11), Z2
	VMOVUPS 192(R11), Z3
	MOVQ    R9, R10 // the position
	MOVQ    R9, R12
	IMULQ   R8, R12
	ADDQ    SI, R12
	LEAQ    (DX)(R9*4), R13

l16pos:
	VBROADCASTSS (R13), Z4
	VFMADD231PS  (R12), Z4, Z0
	VFMADD231PS  64(R12), Z4, Z1
	VFMADD231PS  128(R12), Z4, Z2
	VFMADD231PS  192(R12), Z4, Z3
	ADDQ         $16, R10
	ADDQ         R14, R12
	ADDQ         $64, R13
	CMPQ         R10, CX
	JLT          l16pos

	VMOVUPS Z0, (R11)
	VMOVUPS Z1, 64(R11)
	VMOVUPS Z2, 128(R11)
	VMOVUPS Z3, 192(R11)
	INCQ    R9
	JMP     l16lane

l16done:
	VZEROUPPER
	RET

// func axpyLanes16AVX2(acc *float32, accStride int, v *float32, vStride int, w *float32, count int)
// axpyLanes16AVX512 on 32 floats a row, in four 256-bit vectors: what
// axpyRowsAVX2 adds position by position.
TEXT ·axpyLanes16AVX2(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ accStride+8(FP), AX
	MOVQ v+16(FP), SI
	MOVQ vStride+24(FP), R8
	MOVQ w+32(FP), DX
	MOVQ count+40(FP), CX
	MOVQ R8, R14
	SHLQ $4, R14 // 16 rows of v
	XORQ R9, R9  // the lane row

a16lane:
	CMPQ R9, CX
	JGE  a16done
	CMPQ R9, $16
	JGE  a16done
	MOVQ    R9, R11
	IMULQ   AX, R11
	ADDQ    DI, R11
	VMOVUPS (R11), Y0
	VMOVUPS 32(R11), Y1
	VMOVUPS 64(R11), Y2
	VMOVUPS 96(R11), Y3
	MOVQ    R9, R10 // the position
	MOVQ    R9, R12
	IMULQ   R8, R12
	ADDQ    SI, R12
	LEAQ    (DX)(R9*4), R13

a16pos:
	VBROADCASTSS (R13), Y4
	VFMADD231PS  (R12), Y4, Y0
	VFMADD231PS  32(R12), Y4, Y1
	VFMADD231PS  64(R12), Y4, Y2
	VFMADD231PS  96(R12), Y4, Y3
	ADDQ         $16, R10
	ADDQ         R14, R12
	ADDQ         $64, R13
	CMPQ         R10, CX
	JLT          a16pos

	VMOVUPS Y0, (R11)
	VMOVUPS Y1, 32(R11)
	VMOVUPS Y2, 64(R11)
	VMOVUPS Y3, 96(R11)
	INCQ    R9
	JMP     a16lane

a16done:
	VZEROUPPER
	RET
