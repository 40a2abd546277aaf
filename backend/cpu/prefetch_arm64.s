//go:build arm64 && gc && !purego

#include "textflag.h"

// func prefetchL2(p uintptr, n int)
// Asks for every 64-byte line of the n bytes at p (PRFM PLDL2KEEP: into
// L2), the first line that holds p through the one that holds p+n-1. A
// prefetch never faults, so p may be memory freed since.
TEXT ·prefetchL2(SB), NOSPLIT, $0-16
	MOVD p+0(FP), R0
	MOVD n+8(FP), R1
	CMP  $0, R1
	BLE  done
	ADD  R0, R1, R1
	SUB  $1, R1, R1
	AND  $~63, R0, R0
loop:
	PRFM (R0), PLDL2KEEP
	ADD  $64, R0, R0
	CMP  R1, R0
	BLS  loop
done:
	RET
