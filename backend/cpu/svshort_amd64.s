//go:build amd64 && gc && !purego

#include "textflag.h"

// Softmax·V of one query head over at most 128 positions, its 64 lanes
// folded to 16 rows in registers (svshort.go). A call makes the rows of u
// from byte from to byte to (rows of rowBytes: lane offset l of every
// 16-position segment), 16 floats at a time, from the segments' value
// rows at the same offset (segment k's at segs[k]) and their weights, the
// row's at w, segment k's 64k bytes further, w moving 4 bytes a row.

// SV_ARGS: DI u, DX w (row from's weights), CX a row's bytes, SI from,
// R14 its row's end, segs in BX, K1-K7 set where segment k (1-7) is below
// n (all 16 lanes, else none). Clobbers AX, R12, R13.
#define SV_ARGS \
	MOVQ  u+0(FP), DI; \
	MOVQ  w+16(FP), DX; \
	MOVQ  rowBytes+24(FP), CX; \
	MOVQ  from+32(FP), SI; \
	LEAQ  (SI)(CX*1), R14; \
	MOVQ  n+48(FP), R13; \
	SV_MASK($1, K1); \
	SV_MASK($2, K2); \
	SV_MASK($3, K3); \
	SV_MASK($4, K4); \
	SV_MASK($5, K5); \
	SV_MASK($6, K6); \
	SV_MASK($7, K7); \
	MOVQ  segs+8(FP), BX

// SV_MASK(k, K): K = all 16 lanes where n (R13) > k, else none.
#define SV_MASK(k, K) \
	XORL    AX, AX; \
	MOVL    $0xffff, R12; \
	CMPQ    R13, k; \
	CMOVQGT R12, AX; \
	KMOVW   AX, K

// SV_LOOP(BCAST, SLICE): for each row from byte SI to byte to, BCAST
// the row's weights from DX, then SLICE each 64 bytes of it at SI; DX
// moves 4 bytes a row.
#define SV_LOOP(BCAST, SLICE) \
	CMPQ  SI, to+40(FP); \
	JGE   done; \
row: \
	BCAST; \
slice: \
	SLICE; \
	ADDQ  $64, SI; \
	CMPQ  SI, R14; \
	JLT   slice; \
	ADDQ  CX, R14; \
	ADDQ  $4, DX; \
	CMPQ  SI, to+40(FP); \
	JLT   row; \
done: \
	VZEROUPPER; \
	RET

#define BCAST1 VBROADCASTSS (DX), Z24
#define BCAST2 \
	BCAST1; \
	VBROADCASTSS 64(DX), Z25
#define BCAST4 \
	BCAST2; \
	VBROADCASTSS 128(DX), Z26; \
	VBROADCASTSS 192(DX), Z27
#define BCAST8 \
	BCAST4; \
	VBROADCASTSS 256(DX), Z28; \
	VBROADCASTSS 320(DX), Z29; \
	VBROADCASTSS 384(DX), Z30; \
	VBROADCASTSS 448(DX), Z31

// SLICE1: u = w0·v0.
#define SLICE1 \
	VMULPS  (R8)(SI*1), Z24, Z0; \
	VMOVUPS Z0, (DI)(SI*1)

// SLICE2: u = w0·v0 + w1·v1 (segment 1 where K1).
#define SLICE2 \
	VMULPS   (R8)(SI*1), Z24, Z0; \
	VMULPS.Z (R9)(SI*1), Z25, K1, Z1; \
	VADDPS   Z1, Z0, Z0; \
	VMOVUPS  Z0, (DI)(SI*1)

// SLICE4_PRODUCTS: Z0-Z3 = segment k's value times its weight (zero where
// its mask is clear).
#define SLICE4_PRODUCTS \
	VMULPS   (R8)(SI*1), Z24, Z0; \
	VMULPS.Z (R9)(SI*1), Z25, K1, Z1; \
	VMULPS.Z (R10)(SI*1), Z26, K2, Z2; \
	VMULPS.Z (R11)(SI*1), Z27, K3, Z3

// SLICE_FOLD: u = (lane l + lane l+32) + (lane l+16 + lane l+48) from
// Z0-Z3, foldLanes' first two folds.
#define SLICE_FOLD \
	VADDPS  Z2, Z0, Z0; \
	VADDPS  Z3, Z1, Z1; \
	VADDPS  Z1, Z0, Z0; \
	VMOVUPS Z0, (DI)(SI*1)

#define SLICE4 \
	SLICE4_PRODUCTS; \
	SLICE_FOLD

// SLICE8: SLICE4 with segments 4-7 (positions 64-127) added, fused, into
// lanes 0-3 where their masks are set.
#define SLICE8 \
	SLICE4_PRODUCTS; \
	VFMADD231PS (R12)(SI*1), Z28, K4, Z0; \
	VFMADD231PS (R13)(SI*1), Z29, K5, Z1; \
	VFMADD231PS (AX)(SI*1), Z30, K6, Z2; \
	VFMADD231PS (BX)(SI*1), Z31, K7, Z3; \
	SLICE_FOLD

// func svShort1AVX512(u *float32, segs *[8]*float32, w *float32, rowBytes, from, to, n int)
// Rows of u for one segment (positions below 16).
TEXT ·svShort1AVX512(SB), NOSPLIT, $0-56
	SV_ARGS
	MOVQ 0(BX), R8
	SV_LOOP(BCAST1, SLICE1)

// func svShort2AVX512(u *float32, segs *[8]*float32, w *float32, rowBytes, from, to, n int)
// Rows of u for two segments (positions below 32).
TEXT ·svShort2AVX512(SB), NOSPLIT, $0-56
	SV_ARGS
	MOVQ 0(BX), R8
	MOVQ 8(BX), R9
	SV_LOOP(BCAST2, SLICE2)

// func svShort4AVX512(u *float32, segs *[8]*float32, w *float32, rowBytes, from, to, n int)
// Rows of u for four segments (positions below 64).
TEXT ·svShort4AVX512(SB), NOSPLIT, $0-56
	SV_ARGS
	MOVQ 0(BX), R8
	MOVQ 8(BX), R9
	MOVQ 16(BX), R10
	MOVQ 24(BX), R11
	SV_LOOP(BCAST4, SLICE4)

// func svShort8AVX512(u *float32, segs *[8]*float32, w *float32, rowBytes, from, to, n int)
// Rows of u for eight segments (positions below 128).
TEXT ·svShort8AVX512(SB), NOSPLIT, $0-56
	SV_ARGS
	MOVQ 0(BX), R8
	MOVQ 8(BX), R9
	MOVQ 16(BX), R10
	MOVQ 24(BX), R11
	MOVQ 32(BX), R12
	MOVQ 40(BX), R13
	MOVQ 48(BX), AX
	MOVQ 56(BX), BX
	SV_LOOP(BCAST8, SLICE8)
