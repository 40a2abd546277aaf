//go:build amd64 && gc && !purego

#include "textflag.h"

// ZERO_Y0_Y3 clears the four 64-bit-lane sums Y0-Y3.
#define ZERO_Y0_Y3 \
	VPXOR Y0, Y0, Y0; \
	VPXOR Y1, Y1, Y1; \
	VPXOR Y2, Y2, Y2; \
	VPXOR Y3, Y3, Y3

// SUM_Y0_Y3: AX = the sum of Y0-Y3's 64-bit lanes (the checksum), upper
// halves cleared for the return. Clobbers Y0-Y3.
#define SUM_Y0_Y3 \
	VPADDQ       Y1, Y0, Y0; \
	VPADDQ       Y3, Y2, Y2; \
	VPADDQ       Y2, Y0, Y0; \
	VEXTRACTI128 $1, Y0, X1; \
	VPADDQ       X1, X0, X0; \
	VPSHUFD      $0x4e, X0, X1; \
	VPADDQ       X1, X0, X0; \
	VMOVQ        X0, AX; \
	VZEROUPPER

// func streamReadAVX2(p *byte, n int) uint64
// Reads n bytes (a multiple of 128) with 256-bit loads, as the decode
// kernels do, and returns a checksum so the loads cannot be skipped: the
// memory-bandwidth side of the decode roofline.
TEXT ·streamReadAVX2(SB), NOSPLIT, $0-24
	MOVQ  p+0(FP), SI
	MOVQ  n+8(FP), CX
	ZERO_Y0_Y3
	SHRQ  $7, CX
	JZ    sdone
sloop:
	VPADDQ (SI), Y0, Y0
	VPADDQ 32(SI), Y1, Y1
	VPADDQ 64(SI), Y2, Y2
	VPADDQ 96(SI), Y3, Y3
	ADDQ   $128, SI
	DECQ   CX
	JNZ    sloop
sdone:
	SUM_Y0_Y3
	MOVQ AX, ret+16(FP)
	RET

// func readAheadAVX2(p *byte, n int)
// Touches every 64-byte line of n bytes (a multiple of 64) in order, so
// that a tile of weights comes from memory as one stream.
TEXT ·readAheadAVX2(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $6, CX
	JZ   radone
raloop:
	MOVQ (SI), AX
	ADDQ $64, SI
	DECQ CX
	JNZ  raloop
radone:
	RET

// func streamRead2AVX2(p *byte, n int, off int) uint64
// Reads n bytes (a multiple of 64) at p and n bytes at p+off side by side,
// 64 bytes of each in turn, with 256-bit loads: two streams at once, as the
// two-run kernels (kernel.rowsTwo) read their weights.
TEXT ·streamRead2AVX2(SB), NOSPLIT, $0-32
	MOVQ  p+0(FP), SI
	MOVQ  n+8(FP), CX
	MOVQ  off+16(FP), DX
	ZERO_Y0_Y3
	SHRQ  $6, CX
	JZ    s2done
s2loop:
	VPADDQ (SI), Y0, Y0
	VPADDQ 32(SI), Y1, Y1
	VPADDQ (SI)(DX*1), Y2, Y2
	VPADDQ 32(SI)(DX*1), Y3, Y3
	ADDQ   $64, SI
	DECQ   CX
	JNZ    s2loop
s2done:
	SUM_Y0_Y3
	MOVQ AX, ret+24(FP)
	RET

// func prefetchL2(p uintptr, n int)
// Asks for every 64-byte line of the n bytes at p (PREFETCHT1: into L2),
// the first line that holds p through the one that holds p+n-1. A
// prefetch never faults, so p may be memory freed since.
TEXT ·prefetchL2(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	TESTQ CX, CX
	JLE  pfdone
	LEAQ -1(SI)(CX*1), CX
	ANDQ $-64, SI
pfloop:
	PREFETCHT1 (SI)
	ADDQ $64, SI
	CMPQ SI, CX
	JLS  pfloop
pfdone:
	RET
